package rl

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

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
	Advantages, KL           []float64
}

// RLOO trains a policy against a frozen reference with RLOO.
type RLOO struct {
	cfg         RLOOConfig
	policy, ref *model.Model
	opt         optimizers.Interface
	step        *context.Exec
}

// NewRLOO binds the policy (trained) and the reference (frozen; the boost
// model) with Adam at cfg.LR, as the paper trains CoCoS.
func NewRLOO(policy, ref *model.Model, cfg RLOOConfig) *RLOO {
	cfg = cfg.Fill()
	return &RLOO{cfg: cfg, policy: policy, ref: ref, opt: optimizers.Adam().LearningRate(cfg.LR).Done()}
}

// Config returns the filled configuration.
func (r *RLOO) Config() RLOOConfig { return r.cfg }

// Step takes one optimisation step (cfg.Epochs passes) on rollouts, given
// as groups of cfg.K consecutive samples of the same prompt.
func (r *RLOO) Step(rollouts []Rollout) (StepStats, error) {
	var st StepStats
	ids, mask, action := pad(rollouts)
	pol, err := r.policy.LogProbs(ids, mask)
	if err != nil {
		return st, err
	}
	ref, err := r.ref.LogProbs(ids, mask)
	if err != nil {
		return st, err
	}
	scores := make([]float64, len(rollouts))
	old := make([]float32, len(rollouts))
	st.KL = make([]float64, len(rollouts))
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
		old[i], st.KL[i] = float32(seq), kl
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
	if r.step == nil {
		cfg, clip := r.policy.Config, r.cfg.Clip
		e, err := context.NewExec(r.policy.Backend, r.policy.Ctx, func(ctx *context.Context, in []*Node) *Node {
			lp := model.TokenLogProbs(ctx, cfg, in[0], in[1], in[2], in[3])
			loss := PolicyLoss(lp, in[4], in[5], in[6], clip)
			r.opt.UpdateGraph(ctx, in[0].Graph(), loss)
			return loss
		})
		if err != nil {
			return st, err
		}
		r.step = e
	}
	for range r.cfg.Epochs {
		out, err := r.step.Exec(ids, model.Positions(mask), mask, model.NextTokens(ids), model.NextTokens(action), adv, old)
		if err != nil {
			return st, fmt.Errorf("rl: step: %w", err)
		}
		st.Loss = float64(out[0].Value().(float32))
	}
	return st, nil
}

// pad right-pads rollouts to one length.
func pad(rs []Rollout) (ids, mask, action [][]int32) {
	rows, acts := make([][]int32, len(rs)), make([][]int32, len(rs))
	for i, r := range rs {
		rows[i], acts[i] = r.IDs, r.Action
	}
	ids, mask, side := model.PadRight(rows, [][][]int32{acts}, 0, 1)
	return ids, mask, side[0]
}
