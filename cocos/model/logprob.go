package model

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	gm "github.com/gomlx/gomlx/ml/model"
)

// selectBucket rounds the number of selected positions up, so that
// batches share compiled shapes.
const selectBucket = 16

// Select lists the tokens whose log-probabilities a loss reads: want[b][j]
// = 1 marks token j (j ≥ 1) of row b. It returns, per row, the positions
// at = j-1 whose prediction is of token j, the targets ids[b][j], and
// weights 1 — padded with weight 0 to a common count, a multiple of 16.
// The losses of training read a small part of each sequence (SFT: the
// completion; RL: the sampled turns), and only those positions go through
// the LM head.
func Select(ids, want [][]int32) (at, targets, weights [][]int32) {
	n := 1
	for _, row := range want {
		c := 0
		for j := 1; j < len(row); j++ {
			c += int(row[j])
		}
		n = max(n, c)
	}
	n = roundUp(n, selectBucket)
	at, targets, weights = make([][]int32, len(ids)), make([][]int32, len(ids)), make([][]int32, len(ids))
	for b, row := range ids {
		at[b], targets[b], weights[b] = make([]int32, n), make([]int32, n), make([]int32, n)
		s := 0
		for j := 1; j < len(row) && j < len(want[b]); j++ {
			if want[b][j] != 0 {
				at[b][s], targets[b][s], weights[b][s] = int32(j-1), row[j], 1
				s++
			}
		}
	}
	return at, targets, weights
}

// TokenLogProbs returns [batch, S]: log p(targets[b][s] | ids[b][..at[b][s]])
// under the model, the quantity likelihood, policy-gradient and KL terms
// are built from (at and targets come from Select; the caller weights the
// entries). invTemperature, a scalar (nil: 1), scales the logits first: the
// distribution tokens were sampled from at temperature τ is softmax(logits/τ),
// and a policy gradient, its PPO ratio and its KL to a reference must read
// that one, as TRL's RLOO does. Gathering the hidden states before the head
// keeps the head and its softmax off the positions no loss reads.
func TokenLogProbs(s *gm.Scope, cfg Config, ids, positions, mask, at, targets, invTemperature *Node) *Node {
	x := Hidden(s, cfg, ids, positions, mask) // [b, t, h]
	b, t, h := x.Shape().Dimensions[0], x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	n := at.Shape().Dimensions[1]
	rows := Iota(ids.Graph(), shapes.Make(dtypes.Int32, at.Shape().Dimensions...), 0)
	flat := Reshape(Add(at, MulScalar(rows, float64(t))), b*n, 1) // index into [b*t, h]
	picked := Gather(Reshape(x, b*t, h), flat)                    // [b*n, h]
	tgt := Reshape(targets, b*n)
	var parts []*Node
	for lo := 0; lo < b*n; lo += HeadChunk {
		hi := min(lo+HeadChunk, b*n)
		parts = append(parts, chunkLogProbs(s, cfg, Slice(picked, AxisRange(lo, hi)), Slice(tgt, AxisRange(lo, hi)), invTemperature, b*n > HeadChunk))
	}
	out := parts[0]
	if len(parts) > 1 {
		out = Concatenate(parts, 0)
	}
	return Reshape(out, b, n)
}

// HeadChunk bounds the read positions whose logits exist at once: a chunk's
// logits, softmax and gradient take 3 × HeadChunk × vocab × 4 bytes (1.9
// GB at Qwen's 151,936), where a micro-batch of 8 rows × 1,024 read
// positions at once took 15 GB.
const HeadChunk = 1024

// chunkLogProbs is log softmax(head(x)·invT)[target] for x [n, hidden]
// and targets [n]. With remat the chunk's logits are recomputed in the
// backward pass instead of kept (Node.Checkpoint), so only one chunk's
// vocabulary-sized buffers live at a time there too.
func chunkLogProbs(s *gm.Scope, cfg Config, x, targets, invTemperature *Node, remat bool) *Node {
	if remat {
		x = x.Checkpoint()
	}
	d := x.Shape().Dimensions
	logits := f32(lmHead(s, cfg, Reshape(x, 1, d[0], d[1]))) // [1, n, vocab]
	if invTemperature != nil {
		logits = Mul(logits, ConvertDType(invTemperature, dtypes.Float32))
	}
	logits = Reshape(logits, d[0], cfg.VocabSize)
	top := StopGradient(ReduceAndKeep(logits, ReduceMax, -1))
	lse := Add(Log(ReduceSum(Exp(Sub(logits, top)), -1)), Reshape(top, d[0]))
	picked := ReduceSum(Mul(logits, OneHot(targets, cfg.VocabSize, logits.DType())), -1)
	out := Sub(picked, lse)
	if remat {
		out = out.StopCheckpoint()
	}
	return out
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

// LogProbs returns [batch, seq-1]: log p(ids[t+1] | ids[..t]) where
// want[b][t+1] = 1, and 0 elsewhere (see Logits for ids and mask; nil
// want: every real token).
func (m *Model) LogProbs(ids, mask, want [][]int32) ([][]float32, error) {
	return m.LogProbsAt(ids, mask, want, 1)
}

// LogProbsAt is LogProbs under the distribution sampling draws from at
// temperature τ > 0: log softmax(logits/τ) (see TokenLogProbs).
func (m *Model) LogProbsAt(ids, mask, want [][]int32, temperature float64) ([][]float32, error) {
	if temperature <= 0 {
		return nil, fmt.Errorf("model: log-probs at temperature %g: it must be > 0", temperature)
	}
	if m.logprobs == nil {
		e, err := gm.NewExec(m.Backend, m.Store, func(s *gm.Scope, ids, pos, mask, at, targets, invT *Node) *Node {
			m.prepare(s, ids.Graph())
			return TokenLogProbs(s, m.Config, ids, pos, mask, at, targets, invT)
		})
		if err != nil {
			return nil, err
		}
		m.logprobs = programs(e)
	}
	if want == nil {
		want = mask
	}
	at, targets, weights := Select(ids, want)
	out, err := m.logprobs.Exec(ids, Positions(mask), mask, at, targets, float32(1/temperature))
	if err != nil {
		return nil, err
	}
	sel := out[0].Value().([][]float32)
	all := make([][]float32, len(ids))
	for r := range ids {
		all[r] = make([]float32, max(len(ids[r])-1, 0))
		for s, w := range weights[r] {
			if w != 0 {
				all[r][at[r][s]] = sel[r][s]
			}
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
