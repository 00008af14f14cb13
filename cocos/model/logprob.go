package model

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TokenLogProbs returns [batch, seq-1]: log p(ids[t+1] | ids[..t]) under
// the model, the quantity policy gradients and KL terms are built from.
// Entries whose target is padding are 0.
func TokenLogProbs(ctx *context.Context, cfg Config, ids, positions, mask *Node) *Node {
	t := ids.Shape().Dimensions[1]
	logp := LogSoftmax(Logits(ctx, cfg, ids, positions, mask), -1)
	logp = Slice(logp, AxisRange(), AxisRange(0, t-1), AxisRange())
	next := Slice(ids, AxisRange(), AxisRange(1))
	picked := ReduceSum(Mul(logp, OneHot(next, cfg.VocabSize, dtypes.Float32)), -1)
	real := ConvertDType(Slice(mask, AxisRange(), AxisRange(1)), dtypes.Float32)
	return Mul(picked, real)
}

// LogProbs runs TokenLogProbs on a batch (see Logits for ids and mask).
func (m *Model) LogProbs(ids, mask [][]int32) ([][]float32, error) {
	if m.logprobs == nil {
		e, err := context.NewExec(m.Backend, m.Ctx, func(ctx *context.Context, ids, pos, mask *Node) *Node {
			return TokenLogProbs(ctx, m.Config, ids, pos, mask)
		})
		if err != nil {
			return nil, err
		}
		m.logprobs = e
	}
	out, err := m.logprobs.Exec(ids, Positions(mask), mask)
	if err != nil {
		return nil, err
	}
	return out[0].Value().([][]float32), nil
}

// ContinuationLogProb sums row r's token log-probs from position start[r]
// on: the log-probability of a completion given its prompt.
func ContinuationLogProb(tokenLogProbs [][]float32, start []int) []float64 {
	out := make([]float64, len(tokenLogProbs))
	for r, row := range tokenLogProbs {
		for t := max(start[r]-1, 0); t < len(row); t++ {
			out[r] += float64(row[t])
		}
	}
	return out
}
