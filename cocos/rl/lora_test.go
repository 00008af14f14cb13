package rl

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// randomRollouts are k samples of each of n prompts: random tokens, the
// last half of each row the action, rewards alternating 0 and 1.
func randomRollouts(n, k, length, vocab int, seed uint64) []Rollout {
	r := rand.New(rand.NewPCG(seed, 1))
	var out []Rollout
	for i := range n * k {
		var sq Sequence
		for j := range length {
			sq.IDs = append(sq.IDs, int32(r.IntN(vocab)))
			sq.Action = append(sq.Action, int32(min(1, j/(length/2))))
		}
		out = append(out, Rollout{Seqs: []Sequence{sq}, Reward: float64(i % 2)})
	}
	return out
}

// TestLoRAStepKeepsBase: an RLOO step of a LoRA policy whose reference is
// its own base changes the adapters only — every base weight stays bit for
// bit — and the reference's log-probs, after the step too, are those of a
// separate copy of the base model.
func TestLoRAStepKeepsBase(t *testing.T) {
	cfg := tinytest.Config(64, 32, 2)
	policy, plain := tinytest.Model(t, cfg, 3, 0.2), tinytest.Model(t, cfg, 3, 0.2)
	if err := policy.AddLoRA(model.LoRAConfig{Rank: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	before, _ := policy.Base().Weights()
	rollouts := randomRollouts(2, 2, 12, cfg.VocabSize, 1)
	r := mustRLOO(t, policy, policy.Base(), RLOOConfig{K: 2, Batch: 2, LR: 0.05, Beta: 0.1})
	for range 2 {
		if _, err := r.Step(rollouts); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := policy.Base().Weights(); !reflect.DeepEqual(before, after) {
		t.Fatal("LoRA RLOO steps changed the base weights")
	}
	seqs, _ := flatten(rollouts)
	ids, mask, action := pad(seqs)
	ref, err := policy.Base().LogProbsAt(ids, mask, action, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := plain.LogProbsAt(ids, mask, action, 0.9)
	if !reflect.DeepEqual(ref, want) {
		t.Error("the reference's log-probs differ from the base model's")
	}
	pol, _ := policy.LogProbsAt(ids, mask, action, 0.9)
	if reflect.DeepEqual(pol, want) {
		t.Error("the adapters did not move the policy")
	}
}

// TestRLOORealVocabulary: an RLOO step on a 2-layer model with Qwen's
// 151,936-token vocabulary gives the policy log-probs the full logits give
// (log softmax at τ, read at the targets) and a finite update: the head
// runs at the read positions only, never over every position's vocabulary.
func TestRLOORealVocabulary(t *testing.T) {
	cfg := tinytest.Config(151936, 32, 2)
	policy := tinytest.Model(t, cfg, 5, 0.2)
	if err := policy.AddLoRA(model.LoRAConfig{Rank: 2}); err != nil {
		t.Fatal(err)
	}
	rollouts := randomRollouts(1, 2, 40, cfg.VocabSize, 2)
	st, err := mustRLOO(t, policy, policy.Base(), RLOOConfig{K: 2, Batch: 1}).Step(rollouts)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(st.Loss) || math.IsInf(st.GradNorm, 0) || st.GradNorm == 0 {
		t.Fatalf("step: loss %g, gradient norm %g", st.Loss, st.GradNorm)
	}
	seqs, _ := flatten(rollouts)
	ids, mask, action := pad(seqs)
	got, err := policy.LogProbsAt(ids, mask, action, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := policy.Logits(ids, mask)
	if err != nil {
		t.Fatal(err)
	}
	for b := range ids {
		for j := 1; j < len(ids[b]); j++ {
			if action[b][j] == 0 {
				continue
			}
			row := logits[b][j-1]
			var mx, z float64 = math.Inf(-1), 0
			for _, l := range row {
				mx = math.Max(mx, float64(l)/0.9)
			}
			for _, l := range row {
				z += math.Exp(float64(l)/0.9 - mx)
			}
			want := float64(row[ids[b][j]])/0.9 - mx - math.Log(z)
			if d := math.Abs(float64(got[b][j-1]) - want); d > 1e-4 {
				t.Fatalf("row %d token %d: log-prob %g, full logits give %g", b, j, got[b][j-1], want)
			}
		}
	}
}
