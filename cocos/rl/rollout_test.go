package rl

import (
	"context"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// TestSampleModes draws two-turn trajectories on suite problems in both
// modes and takes an RLOO step on them.
func TestSampleModes(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 8, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	policy, ref := tinytest.Model(t, cfg, 1, 0.3), tinytest.Model(t, cfg, 1, 0.3)
	judge := tinytest.Judge(t)
	s := &Sampler{Policy: policy, Tokenizer: tok, Judge: judge, MaxNewTokens: 6, StopTokens: []int{tok.EOS}, PadToken: tok.PAD}
	problems := data.SuiteProblems(tasks, "train")[:2]
	for _, mode := range []Mode{Trajectory, Turn2} {
		cfg := RLOOConfig{Mode: mode, K: 2, LR: 1e-3}
		samples, err := s.Sample(context.Background(), problems, cfg, 7)
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if len(samples) != 4 {
			t.Fatalf("%v: %d samples, want 4", mode, len(samples))
		}
		var rollouts []Rollout
		for i, smp := range samples {
			head, _ := tok.Encode(smp.Prompts[0])
			turn1Action := 0
			for j := len(head); j < len(smp.Rollout.IDs); j++ {
				if smp.Rollout.Action[j] == 1 && j < len(smp.Rollout.IDs)-countOnesTail(smp.Rollout.Action) {
					turn1Action++
				}
			}
			switch {
			case mode == Turn2 && turn1Action != 0:
				t.Errorf("turn2 sample %d: %d turn-1 tokens marked as action", i, turn1Action)
			case mode == Trajectory && smp.Codes[0] != "" && turn1Action == 0:
				t.Errorf("trajectory sample %d: turn-1 code %q not marked as action", i, smp.Codes[0])
			}
			if mode == Turn2 && i%2 == 1 && samples[i-1].Responses[0] != smp.Responses[0] {
				t.Errorf("turn2: the samples of a problem must share turn 1")
			}
			if want := reward.Accumulated(smp.TurnRewards[:], 0.5); smp.Rollout.Reward != want {
				t.Errorf("reward %v, want %v", smp.Rollout.Reward, want)
			}
			rollouts = append(rollouts, smp.Rollout)
		}
		r, err := NewRLOO(policy, ref, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Step(rollouts); err != nil {
			t.Fatalf("%v: RLOO step: %v", mode, err)
		}
	}
}

// countOnesTail counts the trailing run of action tokens (the turn-2 response).
func countOnesTail(a []int32) int {
	n := 0
	for i := len(a) - 1; i >= 0 && a[i] == 1; i-- {
		n++
	}
	return n
}

// TestTurnRLAndSCoRe: Turn-RL takes turn 1 from a fixed set; SCoRe's
// turn-1 KL coefficient changes the scores only through turn-1 tokens.
func TestTurnRLAndSCoRe(t *testing.T) {
	ro := Rollout{IDs: []int32{1, 2, 3, 4, 5}, Action: []int32{0, 1, 1, 0, 1}, Turn1: []int32{0, 1, 1, 0, 0}, Reward: 1}
	cfg := tinytest.Config(8, 16, 1)
	policy := tinytest.Model(t, cfg, 1, 0.5)
	ref := tinytest.Model(t, cfg, 2, 0.5) // differs: KL != 0
	other := ro
	other.Reward = 0.5
	plain, err := mustRLOO(t, policy, ref, RLOOConfig{K: 2, LR: 1e-9}).Step([]Rollout{ro, other})
	if err != nil {
		t.Fatal(err)
	}
	other.Turn1 = []int32{0, 0, 0, 0, 0} // same tokens, no turn-1 penalty on the second sample
	score, err := mustRLOO(t, policy, ref, RLOOConfig{K: 2, LR: 1e-9, Turn1KL: 0.25}).Step([]Rollout{ro, other})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Advantages[0] == score.Advantages[0] {
		t.Error("the turn-1 KL coefficient did not change the advantages")
	}
	fixed := map[string]string{"p": "def f(x):\n    return x\n[DONE]"}
	s := &Sampler{FixedTurn1: fixed}
	g, err := s.turn1(nil, []data.Problem{{ID: "p"}}, []string{"prompt"}, 1, model.GenerateConfig{})
	if err != nil || g[0].Text != fixed["p"] {
		t.Errorf("Turn-RL turn 1: %+v %v", g, err)
	}
	if _, err := s.turn1(nil, []data.Problem{{ID: "q"}}, []string{"prompt"}, 1, model.GenerateConfig{}); err == nil {
		t.Error("a problem without a fixed turn 1 was accepted")
	}
}

// TestSequenceTurn1Span: the turn-1 tokens inside the turn-2 prompt
// decode to the code and the "\n[DONE]" the model wrote after it, plus at
// most the prompt bytes of a token straddling the code's start — also when
// the code is empty, ends in whitespace or in a quote the BPE merges with
// the newline after it; Turn2 mode leaves them out of the action.
func TestSequenceTurn1Span(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	s := &Sampler{Tokenizer: tok}
	p0 := prompt.Builder{}.First(tasks[0].Problem)
	for _, code := range []string{"", tasks[0].Code, "def f():\n    return 1\n\n", "  x = 1  ", "s = 'é✓'"} {
		smp := &Sample{Prompts: [2]string{p0, prompt.Builder{}.Next(p0, code)}, Codes: [2]string{code}}
		for _, mode := range []Mode{Trajectory, Turn2} {
			ro, err := s.sequence(smp, []int{5, 6}, mode)
			if err != nil {
				t.Fatalf("%q: %v", code, err)
			}
			var turn1, action []int
			for j, id := range ro.IDs[:len(ro.IDs)-2] {
				if ro.Turn1[j] == 1 {
					turn1 = append(turn1, int(id))
				}
				if ro.Action[j] == 1 {
					action = append(action, int(id))
				}
			}
			got, wrote := tok.Decode(turn1, false), code+"\n"+prompt.Done
			head, ok := strings.CutSuffix(got, wrote)
			if !ok || !strings.HasSuffix(p0, head) || len(head) > 8 {
				t.Errorf("%v %q: turn-1 tokens decode to %q, want %q after a few prompt bytes", mode, code, got, wrote)
			}
			if mode == Turn2 && len(action) != 0 || mode == Trajectory && len(action) != len(turn1) {
				t.Errorf("%v %q: %d action tokens for %d turn-1 tokens", mode, code, len(action), len(turn1))
			}
		}
	}
}
