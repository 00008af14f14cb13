package baselines

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
	"github.com/cocos-go/cocos/sandbox"
)

// TestTurnSFTData: with hand-made candidates, Turn-SFT mixes 1-turn
// examples of correct programs and 2-turn (incorrect → correct) examples
// 1:1; Self-Corrector keeps the 2-turn ones; a problem with no correct
// candidate gives no 2-turn example.
func TestTurnSFTData(t *testing.T) {
	p := data.Problem{ID: "p", Text: "add", Tests: []string{"assert add(1, 2) == 3"}}
	q := data.Problem{ID: "q", Text: "sub", Tests: []string{"assert sub(3, 2) == 1"}}
	cands := []Candidates{
		{Problem: p, Correct: []string{"def add(a, b):\n    return a + b", "def add(a, b):\n    return b + a"},
			Incorrect: []string{"def add(a, b):\n    return a - b", "def add(a, b):\n    return a * b", "def add(a, b):\n    return 0"}},
		{Problem: q, Incorrect: []string{"def sub(a, b):\n    return b - a"}},
	}
	ex := TurnSFT(cands, prompt.Builder{}, 1)
	turns := map[int]int{}
	for _, e := range ex {
		turns[e.Turns]++
		if e.Turns == 2 && (!strings.Contains(e.Prompt, "return a ") && !strings.Contains(e.Prompt, "return 0") || !strings.HasPrefix(e.Completion, "def add")) {
			t.Errorf("2-turn example does not fix a wrong add: %q -> %q", e.Prompt[len(e.Prompt)-80:], e.Completion)
		}
	}
	if turns[1] != 2 || turns[2] != 2 {
		t.Errorf("Turn-SFT: %v examples per turn count, want 2 and 2 (1:1, cut to the 2 correct programs)", turns)
	}
	sc := SelfCorrector(cands, prompt.Builder{}, 1)
	if len(sc) != 3 {
		t.Errorf("Self-Corrector: %d examples, want the 3 pairs of p", len(sc))
	}
	for _, e := range sc {
		if e.Turns != 2 || !strings.Contains(e.Prompt, prompt.Correct) {
			t.Errorf("Self-Corrector example is not a correction: %+v", e)
		}
	}
}

// TestSample: sampled programs are judged and kept once each.
func TestSample(t *testing.T) {
	m, tok, judge, ps := sampleFixture(t)
	cands, err := Sample(context.Background(), m, tok, judge, prompt.Builder{}, ps, 4,
		model.GenerateConfig{MaxNewTokens: 6, Temperature: 1, StopTokens: []int{tok.EOS}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		all := append(append([]string{}, c.Correct...), c.Incorrect...)
		seen := map[string]bool{}
		for _, code := range all {
			if seen[code] {
				t.Errorf("%s: %q kept twice", c.Problem.ID, code)
			}
			seen[code] = true
		}
		if len(all) == 0 || len(all) > 4 || len(c.Correct) != 0 {
			t.Errorf("%s: %d correct, %d incorrect from a random model's 4 samples", c.Problem.ID, len(c.Correct), len(c.Incorrect))
		}
	}
}

// TestSampleOnce: the first call samples and keeps the candidates; the
// second reads them back without touching the model or the judge.
func TestSampleOnce(t *testing.T) {
	m, tok, judge, ps := sampleFixture(t)
	path := filepath.Join(t.TempDir(), "samples.json")
	gen := model.GenerateConfig{MaxNewTokens: 6, Temperature: 1, StopTokens: []int{tok.EOS}}
	first, err := SampleOnce(context.Background(), path, m, tok, judge, prompt.Builder{}, ps, 3, gen)
	if err != nil {
		t.Fatal(err)
	}
	again, err := SampleOnce(context.Background(), path, nil, nil, nil, prompt.Builder{}, ps, 3, gen)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Errorf("read back %+v, sampled %+v", again, first)
	}
}

// TestTurnSFTAndSelfCorrectorEndToEnd: candidates (the suite's reference
// and wrong programs standing in for a model's samples, which a random
// tiny model never gets right; Sample is tested above), Turn-SFT and
// Self-Corrector data built from them, a short SFT of each, and an
// evaluation where the trained corrector writes turn 2.
func TestTurnSFTAndSelfCorrectorEndToEnd(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	judge := tinytest.Judge(t)
	var cands []Candidates
	for _, tk := range data.SuiteSplit(tasks, "train") {
		cands = append(cands, Candidates{Problem: tk.Problem, Correct: []string{tk.Code}, Incorrect: tk.Wrong})
	}
	base := tinytest.Model(t, cfg, 1, 0.5)
	for name, ex := range map[string][]sft.Example{"turn-sft": TurnSFT(cands, prompt.Builder{}, 1), "self-corrector": SelfCorrector(cands, prompt.Builder{}, 1)} {
		if len(ex) == 0 {
			t.Fatalf("%s: no examples from %+v", name, cands)
		}
		m := tinytest.Model(t, cfg, 1, 0.5)
		dir := t.TempDir()
		if _, err := (&train.SFT{Model: m, Tokenizer: tok, Examples: ex,
			Config: train.SFTConfig{Steps: 2, Batch: 2, LR: 1e-3, MaxLen: 512, Run: train.RunConfig{Dir: dir}}}).Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := &evaluate.Runner{Model: base, Corrector: m, Tokenizer: tok, Judge: judge, Method: name,
			Generate: model.GenerateConfig{MaxNewTokens: 6, StopTokens: []int{tok.EOS}}}
		res, err := r.Run(context.Background(), data.SuiteProblems(tasks, "test"), 2)
		if err != nil || len(res.Rows) != 2*2 {
			t.Fatalf("%s: evaluation: %d rows, %v", name, len(res.Rows), err)
		}
		t.Logf("%s: %d examples, turn-1 pass %v", name, len(ex), metrics.Acc(res.Trajectories, 1))
	}
}

// TestReVISEPairsAndAttempts: after a correct program stopping is chosen,
// after a wrong one refining into a correct one; a completion splits into
// its attempts at the refine marker.
func TestReVISEPairsAndAttempts(t *testing.T) {
	p := data.Problem{ID: "p", Text: "add", Tests: []string{"assert add(1, 2) == 3"}}
	good, bad := "def add(a, b):\n    return a + b", "def add(a, b):\n    return a - b"
	pairs := ReVISE([]Candidates{{Problem: p, Correct: []string{good}, Incorrect: []string{bad}},
		{Problem: p, Incorrect: []string{bad}}}, prompt.Builder{})
	if len(pairs) != 2 {
		t.Fatalf("%d pairs, want 2 (a problem without a correct program gives none)", len(pairs))
	}
	if pairs[0].Chosen != good+"\n[DONE]" || pairs[0].Rejected != good+"\n[DONE]"+Refine+bad+"\n[DONE]" {
		t.Errorf("after a correct program: %+v", pairs[0])
	}
	if pairs[1].Chosen != bad+"\n[DONE]"+Refine+good+"\n[DONE]" || pairs[1].Rejected != bad+"\n[DONE]" {
		t.Errorf("after a wrong program: %+v", pairs[1])
	}
	for completion, want := range map[string][2]string{
		pairs[1].Chosen:           {bad, good},
		good + "\n[DONE]":         {good, good},
		bad + "\n[DONE][CORRECT]": {bad, bad},
	} {
		if a, b := ReVISEAttempts(completion); a != want[0] || b != want[1] {
			t.Errorf("ReVISEAttempts(%q) = %q, %q", completion, a, b)
		}
	}
}

// TestReVISEEndToEnd: pairs from the suite's reference and wrong programs
// (standing in for a model's samples), SFT + DPO for a few steps, and the
// single-pass two-attempt evaluation with a row per problem and attempt.
func TestReVISEEndToEnd(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	var cands []Candidates
	for _, tk := range data.SuiteSplit(tasks, "train") {
		cands = append(cands, Candidates{Problem: tk.Problem, Correct: []string{tk.Code}, Incorrect: tk.Wrong})
	}
	m := tinytest.Model(t, cfg, 1, 0.1)
	job := &train.Preference{Model: m, Reference: tinytest.Model(t, cfg, 1, 0.1), Tokenizer: tok, Pairs: ReVISE(cands, prompt.Builder{}),
		Config: train.PreferenceConfig{Steps: 3, Batch: 4, LR: 1e-3, MaxLen: 512, Run: train.RunConfig{Dir: t.TempDir()}}}
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	judge := tinytest.Judge(t)
	ps := data.SuiteProblems(tasks, "test")
	res, err := EvaluateReVISE(context.Background(), m, tok, judge, prompt.Builder{}, ps,
		model.GenerateConfig{MaxNewTokens: 12, StopTokens: []int{tok.EOS}}, "revise")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2*len(ps) || len(res.Trajectories) != len(ps) || len(res.Trajectories[0]) != 2 {
		t.Errorf("%d rows, %d trajectories", len(res.Rows), len(res.Trajectories))
	}
}

// sampleFixture is a random tiny model, its suite tokenizer, a judge and
// two train problems of a small suite: what the sampling tests draw from.
func sampleFixture(t *testing.T) (*model.Model, *tokenizer.Tokenizer, *sandbox.Executor, []data.Problem) {
	t.Helper()
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 1), 1, 0.5)
	return m, tok, tinytest.Judge(t), data.SuiteProblems(tasks, "train")[:2]
}
