package rl

import (
	"fmt"
	"slices"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	gm "github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/cocos-go/cocos/cocos/model"
)

// Rollout is one sampled trajectory: the token sequences it is trained
// on and its reward R. A trajectory is one sequence when its turn-2
// context begins with the turn-1 prompt and the ids the model sampled
// there, else two (turn 1's, turn 2's), so that every trained token is one
// the policy produced, in the context it produced it in.
type Rollout struct {
	Seqs   []Sequence
	Reward float64
}

// Sequence is one row of a rollout: tokens from a prompt on.
type Sequence struct {
	IDs    []int32
	Action []int32 // 1 on action tokens
	Turn1  []int32 // 1 on turn-1 tokens (for SCoRe's turn-1 KL); may be nil
	// Sampled is, where not nil, each token's log-prob under the
	// distribution it was sampled from (0 on prompt tokens): the
	// SampledLogProbs source.
	Sampled []float32
}

// StepStats reports one RLOO step.
type StepStats struct {
	MeanReward, MeanKL, Loss float64
	GradNorm                 float64 // before clipping, in the last epoch
	// Per rollout: leave-one-out advantage, sequence KL to the reference,
	// and the policy's log-probability of the action tokens before the step.
	Advantages, KL, LogProbs []float64
	// Time in the policy's and the reference's log-probs, and in the update.
	LogProbTime, UpdateTime time.Duration
}

// RLOO trains a policy against a frozen reference with RLOO.
type RLOO struct {
	cfg         RLOOConfig
	policy, ref *model.Model
	trainer     *model.Trainer
}

// NewRLOO binds the policy (trained) and the reference (frozen; the boost
// model) with Adam at cfg.LR, as the paper trains CoCoS.
func NewRLOO(policy, ref *model.Model, cfg RLOOConfig) (*RLOO, error) {
	cfg = cfg.Fill()
	clip, temperature := cfg.Clip, cfg.Temperature
	// The loss reads log-probs at the sampling temperature, as Step's
	// policy and reference log-probs do: the distribution the rollouts
	// were drawn from (TRL's RLOO, on which the released code builds,
	// divides the logits by it too).
	loss := func(s *gm.Scope, mc model.Config, in []*Node) *Node {
		lp, action := model.WeightedLogProbs(s, mc, in, temperature)
		return PolicyLoss(lp, action, in[model.NLLArgs], in[model.NLLArgs+1], in[model.NLLArgs+2], clip)
	}
	tr, err := model.NewTrainer(policy, optimizer.Adam().LearningRate(cfg.LR).Done(), loss)
	if err != nil {
		return nil, err
	}
	tr.ClipNorm = cfg.ClipNorm
	return &RLOO{cfg: cfg, policy: policy, ref: ref, trainer: tr}, nil
}

// Config returns the filled configuration.
func (r *RLOO) Config() RLOOConfig { return r.cfg }

// SetLearningRate sets Adam's learning rate for the next steps (the paper
// decays it with a cosine schedule).
func (r *RLOO) SetLearningRate(lr float64) error { return r.trainer.SetLearningRate(lr) }

// Step takes one optimisation step (cfg.Epochs passes) on rollouts, given
// as groups of cfg.K consecutive samples of the same prompt.
func (r *RLOO) Step(rollouts []Rollout) (StepStats, error) {
	var st StepStats
	start := time.Now()
	seqs, owner := flatten(rollouts)
	ids, mask, action := pad(seqs)
	want := klTokens(seqs, action)
	pol, err := r.policy.LogProbsAt(ids, mask, want, r.cfg.Temperature)
	if err != nil {
		return st, err
	}
	ref, err := r.ref.LogProbsAt(ids, mask, want, r.cfg.Temperature)
	if err != nil {
		return st, err
	}
	st.LogProbTime = time.Since(start)
	n := len(rollouts)
	scores, old := make([]float64, n), make([]float32, n)
	st.KL, st.LogProbs = make([]float64, n), make([]float64, n)
	kl1 := make([]float64, n)
	for s, sq := range seqs {
		i := owner[s]
		for j := 1; j < len(sq.IDs); j++ { // token j's log-prob sits at j-1
			lp := pol[s][j-1]
			if r.cfg.OldLogProbs == SampledLogProbs && sq.Sampled != nil {
				lp = sq.Sampled[j]
			}
			d := float64(lp - ref[s][j-1])
			if sq.Action[j] == 1 {
				st.LogProbs[i] += float64(lp)
				st.KL[i] += d
			}
			if j < len(sq.Turn1) && sq.Turn1[j] == 1 {
				kl1[i] += d
			}
		}
	}
	for i, ro := range rollouts {
		old[i] = float32(st.LogProbs[i])
		// The sequence KL leaves the reward before the baseline; SCoRe
		// stage I also penalises drifting on turn 1.
		scores[i] = ro.Reward - r.cfg.Beta*st.KL[i] - r.cfg.Turn1KL*kl1[i]
		st.MeanReward += ro.Reward / float64(n)
		st.MeanKL += st.KL[i] / float64(n)
	}
	if st.Advantages, err = Advantages(scores, r.cfg.K); err != nil {
		return st, err
	}
	micro, err := r.microBatches(rollouts, st.Advantages, old)
	if err != nil {
		return st, err
	}
	start = time.Now()
	for range r.cfg.Epochs {
		ts, err := r.trainer.Step(micro...)
		if err != nil {
			return st, fmt.Errorf("rl: step: %w", err)
		}
		st.Loss, st.GradNorm = float64(ts.Loss), float64(ts.GradNorm)
	}
	st.UpdateTime = time.Since(start)
	return st, nil
}

// flatten lists the rollouts' sequences with the rollout each belongs to.
func flatten(rs []Rollout) (seqs []Sequence, owner []int) {
	for i, ro := range rs {
		for _, sq := range ro.Seqs {
			seqs, owner = append(seqs, sq), append(owner, i)
		}
	}
	return seqs, owner
}

// microBatches splits the step's rollouts into the policy loss's inputs,
// cfg.MicroBatch rollouts each (all if 0). A micro-batch's rows are the
// sequences of its rollouts that hold action tokens, padded with one-token
// rows to a row count shared by every micro-batch and rounded up (to a
// multiple of half the rollouts), so that split trajectories add few
// compiled shapes.
func (r *RLOO) microBatches(rs []Rollout, adv []float64, old []float32) ([][]any, error) {
	n, size := len(rs), r.cfg.MicroBatch
	if size <= 0 || size > n {
		size = n
	}
	if n%size != 0 {
		return nil, fmt.Errorf("rl: %d rollouts do not split into micro-batches of %d", n, size)
	}
	var parts [][]Sequence
	var owners [][]int32
	most := 0
	for s := 0; s < n; s += size {
		var seqs []Sequence
		var own []int32
		for i := s; i < s+size; i++ {
			for _, sq := range rs[i].Seqs {
				if slices.Contains(sq.Action, 1) {
					seqs, own = append(seqs, sq), append(own, int32(i-s))
				}
			}
		}
		parts, owners = append(parts, seqs), append(owners, own)
		most = max(most, len(seqs))
	}
	rows := roundUp(most, max(size/2, 1))
	var out [][]any
	for m, seqs := range parts {
		for len(seqs) < rows {
			seqs = append(seqs, Sequence{IDs: []int32{0}, Action: []int32{0}})
			owners[m] = append(owners[m], 0)
		}
		ids, mask, action := pad(seqs)
		a, o := make([]float32, size), old[m*size:(m+1)*size]
		for i := range a {
			a[i] = float32(adv[m*size+i])
		}
		out = append(out, append(model.NLLInputs(ids, mask, action), owners[m], a, o))
	}
	return out, nil
}

func roundUp(n, k int) int { return (n + k - 1) / k * k }

// klTokens marks the tokens whose log-probs a step reads: the action and,
// for SCoRe's turn-1 KL, turn 1.
func klTokens(rs []Sequence, action [][]int32) [][]int32 {
	want := make([][]int32, len(action))
	for i, row := range action {
		want[i] = append([]int32(nil), row...)
		for j, v := range rs[i].Turn1 {
			if j < len(row) {
				want[i][j] |= v
			}
		}
	}
	return want
}

// pad right-pads sequences to one length, a multiple of 32 tokens so that
// steps share compiled shapes.
func pad(rs []Sequence) (ids, mask, action [][]int32) {
	rows, acts := make([][]int32, len(rs)), make([][]int32, len(rs))
	for i, r := range rs {
		rows[i], acts[i] = r.IDs, r.Action
	}
	ids, mask, side := model.PadRight(rows, [][][]int32{acts}, 0, 32)
	return ids, mask, side[0]
}
