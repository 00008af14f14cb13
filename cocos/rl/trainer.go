package rl

import (
	"fmt"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	gm "github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/cocos-go/cocos/cocos/model"
)

// Rollout is one sampled sequence: its tokens (prompt and every turn),
// which of them are the action (see Mode), and its reward R.
type Rollout struct {
	IDs    []int32
	Action []int32 // 1 on action tokens
	Turn1  []int32 // 1 on turn-1 tokens (for SCoRe's turn-1 KL); may be nil
	Reward float64
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
		return PolicyLoss(lp, action, in[model.NLLArgs], in[model.NLLArgs+1], clip)
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
	ids, mask, action := pad(rollouts)
	want := klTokens(rollouts, action)
	pol, err := r.policy.LogProbsAt(ids, mask, want, r.cfg.Temperature)
	if err != nil {
		return st, err
	}
	ref, err := r.ref.LogProbsAt(ids, mask, want, r.cfg.Temperature)
	if err != nil {
		return st, err
	}
	st.LogProbTime = time.Since(start)
	scores := make([]float64, len(rollouts))
	old := make([]float32, len(rollouts))
	st.KL, st.LogProbs = make([]float64, len(rollouts)), make([]float64, len(rollouts))
	for i, ro := range rollouts {
		var seq, kl, kl1 float64
		for j := 1; j < len(ids[i]); j++ { // token j's log-prob sits at j-1
			d := float64(pol[i][j-1] - ref[i][j-1])
			if action[i][j] == 1 {
				seq += float64(pol[i][j-1])
				kl += d
			}
			if j < len(ro.Turn1) && ro.Turn1[j] == 1 {
				kl1 += d
			}
		}
		old[i], st.KL[i], st.LogProbs[i] = float32(seq), kl, seq
		// The sequence KL leaves the reward before the baseline; SCoRe
		// stage I also penalises drifting on turn 1.
		scores[i] = ro.Reward - r.cfg.Beta*kl - r.cfg.Turn1KL*kl1
		st.MeanReward += ro.Reward / float64(len(rollouts))
		st.MeanKL += kl / float64(len(rollouts))
	}
	if st.Advantages, err = Advantages(scores, r.cfg.K); err != nil {
		return st, err
	}
	adv := make([]float32, len(rollouts))
	for i, a := range st.Advantages {
		adv[i] = float32(a)
	}
	micro, err := r.microBatches(ids, mask, action, adv, old)
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

// microBatches splits the step's rows into the policy loss's inputs, cfg.MicroBatch
// rows each (all rows if 0).
func (r *RLOO) microBatches(ids, mask, action [][]int32, adv, old []float32) ([][]any, error) {
	n, size := len(ids), r.cfg.MicroBatch
	if size <= 0 || size > n {
		size = n
	}
	if n%size != 0 {
		return nil, fmt.Errorf("rl: %d rollouts do not split into micro-batches of %d", n, size)
	}
	var out [][]any
	for s := 0; s < n; s += size {
		e := s + size
		out = append(out, append(model.NLLInputs(ids[s:e], mask[s:e], action[s:e]), adv[s:e], old[s:e]))
	}
	return out, nil
}

// klTokens marks the tokens whose log-probs a step reads: the action and,
// for SCoRe's turn-1 KL, turn 1.
func klTokens(rs []Rollout, action [][]int32) [][]int32 {
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

// pad right-pads rollouts to one length, a multiple of 32 tokens so that
// steps share compiled shapes.
func pad(rs []Rollout) (ids, mask, action [][]int32) {
	rows, acts := make([][]int32, len(rs)), make([][]int32, len(rs))
	for i, r := range rs {
		rows[i], acts[i] = r.IDs, r.Action
	}
	ids, mask, side := model.PadRight(rows, [][][]int32{acts}, 0, 32)
	return ids, mask, side[0]
}
