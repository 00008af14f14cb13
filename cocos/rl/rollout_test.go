package rl

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// TestSampleModes draws two-turn trajectories on suite problems in every
// mode and takes an RLOO step on them: the action is exactly the ids the
// model sampled (both turns in Trajectory mode, turn 2 otherwise), Turn2
// shares turn 1, FirstShared builds every turn 2 after the first sample's
// turn 1 and marks each sample's own turn 1 for the KL.
func TestSampleModes(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 8, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	policy, ref := tinytest.Model(t, cfg, 1, 0.3), tinytest.Model(t, cfg, 1, 0.3)
	judge := tinytest.Judge(t)
	s := &Sampler{Policy: policy, Tokenizer: tok, Judge: judge, MaxNewTokens: 6, StopTokens: []int{tok.EOS}, PadToken: tok.PAD}
	problems := data.SuiteProblems(tasks, "train")[:2]
	for _, mode := range []Mode{Trajectory, Turn2, FirstShared} {
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
			want := smp.IDs[1]
			if mode == Trajectory {
				want = append(append([]int(nil), smp.IDs[0]...), smp.IDs[1]...)
			}
			if got := marked(smp.Rollout, func(sq Sequence) []int32 { return sq.Action }); !slices.Equal(got, want) {
				t.Errorf("%v sample %d: action ids %v, want the sampled %v", mode, i, got, want)
			}
			if mode != Turn2 {
				if got := marked(smp.Rollout, func(sq Sequence) []int32 { return sq.Turn1 }); !slices.Equal(got, smp.IDs[0]) {
					t.Errorf("%v sample %d: turn-1 ids %v, want the sampled %v", mode, i, got, smp.IDs[0])
				}
			}
			if mode == Turn2 && i%2 == 1 && samples[i-1].Responses[0] != smp.Responses[0] {
				t.Errorf("turn2: the samples of a problem must share turn 1")
			}
			if mode == FirstShared && i%2 == 1 && samples[i-1].Prompts[1] != smp.Prompts[1] {
				t.Errorf("first-shared: turn 2 must follow the first sample's turn 1")
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

// marked lists a rollout's ids where mask(sequence) is 1, row after row.
func marked(ro Rollout, mask func(Sequence) []int32) []int {
	var out []int
	for _, sq := range ro.Seqs {
		m := mask(sq)
		for j, id := range sq.IDs {
			if j < len(m) && m[j] == 1 {
				out = append(out, int(id))
			}
		}
	}
	return out
}

// TestTurnRLAndSCoRe: Turn-RL takes turn 1 from a fixed set; SCoRe's
// turn-1 KL coefficient changes the scores only through turn-1 tokens.
func TestTurnRLAndSCoRe(t *testing.T) {
	seq := Sequence{IDs: []int32{1, 2, 3, 4, 5}, Action: []int32{0, 1, 1, 0, 1}, Turn1: []int32{0, 1, 1, 0, 0}}
	ro := Rollout{Seqs: []Sequence{seq}, Reward: 1}
	cfg := tinytest.Config(8, 16, 1)
	policy := tinytest.Model(t, cfg, 1, 0.5)
	ref := tinytest.Model(t, cfg, 2, 0.5) // differs: KL != 0
	other := ro
	other.Reward = 0.5
	plain, err := mustRLOO(t, policy, ref, RLOOConfig{K: 2, LR: 1e-9}).Step([]Rollout{ro, other})
	if err != nil {
		t.Fatal(err)
	}
	seq.Turn1 = []int32{0, 0, 0, 0, 0} // same tokens, no turn-1 penalty on the second sample
	other.Seqs = []Sequence{seq}
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

// TestTokenExactTurn1: a trajectory whose turn-2 context begins with the
// turn-1 prompt and the ids sampled there is one row; one whose sampled
// ids differ from the context's encoding — the same text through a
// non-canonical split, fences the extraction drops, or the answer encoded
// on its own — is two rows, and its turn 1 is trained on the sampled ids, in the
// context they were sampled in.
func TestTokenExactTurn1(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	s := &Sampler{Tokenizer: tok, PadToken: tok.PAD}
	p := tasks[0].Problem
	p1 := prompt.Builder{}.First(p)
	prompt1, _ := tok.Encode(p1)
	code := prompt.Extract(tasks[0].Code) // as a turn-2 prompt quotes it
	alone, _ := tok.Encode(prompt.Answer(code))
	// The turn-2 context's own ids for the answer: its encoding after the
	// turn-1 prompt, through the token that completes [DONE] (the
	// pre-tokenizer joins "]" with the newlines of the instruction after it).
	context2, _ := tok.Encode(prompt.Builder{}.Next(p, p1, code))
	if !slices.Equal(context2[:len(prompt1)], prompt1) {
		t.Fatal("the turn-1 prompt's encoding is not a prefix of the turn-2 prompt's")
	}
	var inContext []int
	for _, id := range context2[len(prompt1):] {
		if inContext = append(inContext, id); strings.Contains(tok.Decode(inContext, false), prompt.Done) {
			break
		}
	}
	var bytewise []int // the same text, one token per character
	for _, r := range code {
		ids, _ := tok.Encode(string(r))
		bytewise = append(bytewise, ids...)
	}
	tail, _ := tok.Encode("\n" + prompt.Done)
	bytewise = append(bytewise, tail...)
	if tok.Decode(bytewise, false) != prompt.Answer(code) || slices.Equal(bytewise, alone) {
		t.Fatal("the forced split must decode to the same text through other ids")
	}
	fenced, _ := tok.Encode("```python\n" + code + "\n```\n" + prompt.Done)
	for _, c := range []struct {
		name  string
		turn1 []int
		split bool
	}{{"as the context encodes it", inContext, false}, {"encoded alone", alone, !slices.Equal(alone, inContext)},
		{"non-canonical split", bytewise, true}, {"fences around the code", fenced, true}} {
		text := tok.Decode(c.turn1, false)
		p2 := prompt.Builder{}.Next(p, p1, prompt.Extract(text))
		prompt2, _ := tok.Encode(p2)
		g1 := model.Generation{PromptIDs: prompt1, NewIDs: c.turn1, LogProbs: fill(len(c.turn1), -1)}
		g2 := model.Generation{PromptIDs: prompt2, NewIDs: []int{5, 6}, LogProbs: []float32{-2, -3}}
		seqs, split := s.sequences(g1, g2, RLOOConfig{Mode: Trajectory})
		if split != c.split || len(seqs) != map[bool]int{false: 1, true: 2}[c.split] {
			t.Errorf("%s: split %v in %d rows, want %v", c.name, split, len(seqs), c.split)
		}
		ro := Rollout{Seqs: seqs}
		if got, want := marked(ro, func(sq Sequence) []int32 { return sq.Action }), append(slices.Clone(c.turn1), 5, 6); !slices.Equal(got, want) {
			t.Errorf("%s: action ids %v, want %v", c.name, got, want)
		}
		if !slices.Equal(seqs[0].IDs[:len(prompt1)], toInt32(prompt1, -1)) {
			t.Errorf("%s: turn 1 is not trained after its own prompt", c.name)
		}
		if last := seqs[len(seqs)-1]; !slices.Equal(last.IDs[:len(prompt2)], toInt32(prompt2, -1)) || last.Sampled[len(last.IDs)-1] != -3 {
			t.Errorf("%s: turn 2 is not its prompt and sampled ids with their log-probs", c.name)
		}
		if c.split && slices.Contains(seqs[1].Action[:len(prompt2)], 1) {
			t.Errorf("%s: the turn-2 row trains tokens of its prompt", c.name)
		}
	}
}

func fill(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestBudget: under a fixed budget every turn samples exactly its budget
// (past [DONE] and EOS), and the action stops at the first padding token
// (EOS here, as Qwen's pad = EOS) — the loss and the KL read nothing after
// it — while the reward reads the code up to the first [DONE].
func TestBudget(t *testing.T) {
	s := &Sampler{BudgetPad: 9}
	sq := s.row([]int{1, 2}, []int{3, 4, 9, 5, 9}, []float32{-1, -1, -1, -1, -1}, true)
	if want := []int32{0, 0, 1, 1, 0, 0, 0}; !slices.Equal(sq.Action, want) {
		t.Errorf("budget action %v, want %v", sq.Action, want)
	}
	if sq := s.row([]int{1, 2}, []int{3, 9}, nil, false); !slices.Equal(sq.Action, []int32{0, 0, 1, 1}) {
		t.Errorf("without a budget every sampled id is action: %v", sq.Action)
	}
	tasks := data.Suite(data.SuiteConfig{Train: 8, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	mc := tinytest.Config(tok.VocabSize(), 32, 1)
	policy := tinytest.Model(t, mc, 1, 0.3)
	s = &Sampler{Policy: policy, Tokenizer: tok, Judge: tinytest.Judge(t), MaxNewTokens: 12, StopTokens: []int{tok.EOS},
		PadToken: tok.PAD, BudgetPad: tok.PAD, SkipSpecial: true}
	cfg := RLOOConfig{Mode: Turn2, K: 2, Budget: true}
	samples, err := s.Sample(context.Background(), data.SuiteProblems(tasks, "train")[:2], cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, smp := range samples {
		for turn, ids := range smp.IDs {
			if len(ids) != 12 {
				t.Errorf("sample %d turn %d: %d ids under a budget of 12", i, turn+1, len(ids))
			}
		}
		want := smp.IDs[1]
		if k := slices.Index(want, tok.PAD); k >= 0 {
			want = want[:k]
		}
		if got := marked(smp.Rollout, func(sq Sequence) []int32 { return sq.Action }); !slices.Equal(got, want) {
			t.Errorf("sample %d: action %v, want the ids before the first pad %v", i, got, want)
		}
	}
}

// TestTurn2GammaCancels: with a shared turn 1 (Turn2 mode) the k samples
// share r_1, so γ·r_1 cancels in the leave-one-out baseline: one step with
// γ = 0 and one with γ = 2, on the same rollouts from the same weights,
// reach bit-identical parameters although the rewards differ.
func TestTurn2GammaCancels(t *testing.T) {
	cfg := tinytest.Config(16, 32, 1)
	seq := func(last int32) Sequence {
		return Sequence{IDs: []int32{5, 6, 7, 8, last}, Action: []int32{0, 0, 0, 1, 1}}
	}
	turns := [][]float64{{0.5, 1}, {0.5, 0}, {0, 1}, {0, 0.5}} // two prompts, k = 2, r_1 shared per prompt
	var models []*model.Model
	var rewards [][]float64
	for _, gamma := range []float64{0, 2} {
		rc := RLOOConfig{Mode: Turn2, K: 2, Batch: 2, LR: 0.05, Gamma: gamma, NoGamma: gamma == 0}
		var rollouts []Rollout
		var rs []float64
		for i, tr := range turns {
			ro := Rollout{Seqs: []Sequence{seq(int32(9 + i))}, Reward: rc.Fill().trajectoryReward(tr)}
			rollouts, rs = append(rollouts, ro), append(rs, ro.Reward)
		}
		policy := tinytest.Model(t, cfg, 3, 0.2)
		if _, err := mustRLOO(t, policy, tinytest.Model(t, cfg, 4, 0.2), rc).Step(rollouts); err != nil {
			t.Fatal(err)
		}
		models, rewards = append(models, policy), append(rewards, rs)
	}
	if slices.Equal(rewards[0], rewards[1]) {
		t.Fatalf("γ did not change the rewards: %v", rewards)
	}
	before, _ := tinytest.Model(t, cfg, 3, 0.2).Weights()
	if after, _ := models[0].Weights(); reflect.DeepEqual(before, after) {
		t.Fatal("the step did not move the policy")
	}
	tinytest.SameWeights(t, models[0], models[1])
}

// TestSamplePastContext: a rollout whose turn-2 prompt plus budget exceeds
// the policy's context fails with an error naming the problem (row r of a
// turn of K rows a problem is problem r/K) and both numbers.
func TestSamplePastContext(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 8, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	problems := data.SuiteProblems(tasks, "train")[:2]
	const maxNew = 6
	longest := 0 // turn 1 fits exactly; turn 2, its prompt longer, does not
	for _, p := range problems {
		ids, err := tok.Encode(prompt.Builder{}.First(p))
		if err != nil {
			t.Fatal(err)
		}
		longest = max(longest, len(ids))
	}
	mc := tinytest.Config(tok.VocabSize(), 32, 1)
	mc.MaxPositionEmbeddings = longest + maxNew
	s := &Sampler{Policy: tinytest.Model(t, mc, 1, 0.3), Tokenizer: tok, Judge: tinytest.Judge(t), MaxNewTokens: maxNew,
		StopTokens: []int{tok.EOS}, PadToken: tok.PAD}
	cfg := RLOOConfig{Mode: Trajectory, K: 2}
	_, err := s.Sample(context.Background(), problems, cfg, 7)
	var ce *model.ContextError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *model.ContextError", err)
	}
	for _, want := range []string{"turn 2", "problem " + problems[ce.Row/cfg.K].ID, fmt.Sprint(ce.PromptTokens), fmt.Sprint(mc.MaxPositionEmbeddings)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}
