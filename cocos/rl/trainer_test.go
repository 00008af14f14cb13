package rl

import (
	"math"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// TestRLOOLearnsBandit: a tiny model from scratch must learn, with a fixed
// seed, to answer a prompt with low token ids (reward = share of the two
// sampled tokens below 4 of 16: 0.25 by chance). RLOO must lift the mean
// reward well above chance within 40 steps; the KL to the frozen reference
// grows as it does.
func TestRLOOLearnsBandit(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  RLOOConfig
	}{
		{"reinforce", RLOOConfig{K: 4, LR: 0.02, Batch: 4}},
		{"PPO: clip 0.2, 4 epochs", RLOOConfig{K: 4, LR: 0.005, Batch: 4, Clip: 0.2, Epochs: 4}},
	} {
		t.Run(c.name, func(t *testing.T) { learnBandit(t, c.cfg) })
	}
}

func learnBandit(t *testing.T, rcfg RLOOConfig) {
	cfg := tinytest.Config(16, 32, 1)
	policy, ref := tinytest.Model(t, cfg, 3, 0.02), tinytest.Model(t, cfg, 3, 0.02)
	r := mustRLOO(t, policy, ref, rcfg)
	prompt := []int{5, 6, 7}
	var first, last float64
	for step := range 40 {
		prompts := make([][]int, r.cfg.Batch*r.cfg.K)
		for i := range prompts {
			prompts[i] = prompt
		}
		gens, err := policy.GenerateIDs(nil, prompts, model.GenerateConfig{MaxNewTokens: 2, Temperature: 1,
			Seed: uint64(step), StopStrings: []string{}, Bucket: 4})
		if err != nil {
			t.Fatal(err)
		}
		rollouts := make([]Rollout, len(gens))
		for i, g := range gens {
			ro, sq := Rollout{}, Sequence{}
			for _, id := range prompt {
				sq.IDs, sq.Action = append(sq.IDs, int32(id)), append(sq.Action, 0)
			}
			for _, id := range g.NewIDs {
				sq.IDs, sq.Action = append(sq.IDs, int32(id)), append(sq.Action, 1)
				if id < 4 {
					ro.Reward += 0.5
				}
			}
			ro.Seqs = []Sequence{sq}
			rollouts[i] = ro
		}
		st, err := r.Step(rollouts)
		if err != nil {
			t.Fatal(err)
		}
		if step < 5 {
			first += st.MeanReward / 5
		}
		if step >= 35 {
			last += st.MeanReward / 5
		}
		if step%10 == 0 || step == 39 {
			t.Logf("step %2d: mean reward %.3f, KL %.3f, loss %.4f", step, st.MeanReward, st.MeanKL, st.Loss)
		}
	}
	t.Logf("mean reward, first 5 steps %.3f, last 5 steps %.3f", first, last)
	if !(last > 0.6 && last > first+0.25) {
		t.Errorf("RLOO did not learn: mean reward %.3f -> %.3f", first, last)
	}
}

func mustRLOO(t testing.TB, policy, ref *model.Model, cfg RLOOConfig) *RLOO {
	t.Helper()
	r, err := NewRLOO(policy, ref, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestMicroBatches: splitting a step's rollouts into micro-batches gives the
// loss and gradient norm of the whole batch; a size that does not divide it
// is refused.
func TestMicroBatches(t *testing.T) {
	cfg := tinytest.Config(16, 32, 1)
	var rollouts []Rollout
	for i := range 4 {
		rollouts = append(rollouts, Rollout{Seqs: []Sequence{{IDs: []int32{5, 6, int32(i), 7}, Action: []int32{0, 0, 1, 1}}}, Reward: float64(i % 2)})
	}
	var stats []StepStats
	for _, micro := range []int{0, 2} {
		policy, ref := tinytest.Model(t, cfg, 3, 0.02), tinytest.Model(t, cfg, 4, 0.02)
		st, err := mustRLOO(t, policy, ref, RLOOConfig{K: 2, Batch: 2, MicroBatch: micro}).Step(rollouts)
		if err != nil {
			t.Fatal(err)
		}
		stats = append(stats, st)
	}
	if math.Abs(stats[0].Loss-stats[1].Loss) > 1e-6 || math.Abs(stats[0].GradNorm-stats[1].GradNorm) > 1e-4*stats[0].GradNorm {
		t.Errorf("whole batch %+v, micro-batches %+v", stats[0], stats[1])
	}
	policy, ref := tinytest.Model(t, cfg, 3, 0.02), tinytest.Model(t, cfg, 4, 0.02)
	if _, err := mustRLOO(t, policy, ref, RLOOConfig{K: 2, Batch: 2, MicroBatch: 3}).Step(rollouts); err == nil {
		t.Error("micro-batches of 3 over 4 rollouts were accepted")
	}
}
