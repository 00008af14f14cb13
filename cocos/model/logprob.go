package model

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TokenLogProbs returns [batch, seq]: log p(targets[t] | ids[..t]) under
// the model, the quantity policy gradients and KL terms are built from.
// targets is ids shifted left by one (see NextTokens); the caller weights
// or masks positions. Taking targets as an input keeps Slice (whose
// gradient needs Pad, missing in SimpleGo) out of the graph.
func TokenLogProbs(ctx *context.Context, cfg Config, ids, positions, mask, targets *Node) *Node {
	logp := LogSoftmax(Logits(ctx, cfg, ids, positions, mask), -1)
	return ReduceSum(Mul(logp, OneHot(targets, cfg.VocabSize, dtypes.Float32)), -1)
}

// NextTokens shifts each row left by one: the target of position t is
// token t+1 (the last position gets 0 and must be masked out).
func NextTokens(ids [][]int32) [][]int32 {
	out := make([][]int32, len(ids))
	for i, row := range ids {
		out[i] = make([]int32, len(row))
		copy(out[i], row[1:])
	}
	return out
}

// LogProbs returns [batch, seq-1]: log p(ids[t+1] | ids[..t]), 0 where the
// target is padding (see Logits for ids and mask).
func (m *Model) LogProbs(ids, mask [][]int32) ([][]float32, error) {
	if m.logprobs == nil {
		e, err := context.NewExec(m.Backend, m.Ctx, func(ctx *context.Context, ids, pos, mask, targets *Node) *Node {
			return TokenLogProbs(ctx, m.Config, ids, pos, mask, targets)
		})
		if err != nil {
			return nil, err
		}
		m.logprobs = e
	}
	out, err := m.logprobs.Exec(ids, Positions(mask), mask, NextTokens(ids))
	if err != nil {
		return nil, err
	}
	all := out[0].Value().([][]float32)
	for r := range all { // [batch, seq-1]: zero where the target is padding
		all[r] = all[r][:len(all[r])-1]
		for t := range all[r] {
			all[r][t] *= float32(mask[r][t+1])
		}
	}
	return all, nil
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
