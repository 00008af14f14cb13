package prompting

import (
	"context"
	"testing"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

func TestVerdictsAndVote(t *testing.T) {
	for review, want := range map[string]bool{"Correct.": true, " yes, it works": true, "\"correct\"": true,
		"Incorrect: off by one": false, "no": false, "": false, "the code is correct": false} {
		if saysCorrect(review) != want {
			t.Errorf("saysCorrect(%q) = %v", review, !want)
		}
	}
	codes := []string{"a", "b", "b", "c", "c", "c"}
	if got := vote(codes, []bool{true, true, true, false, false, false}); got != "b" {
		t.Errorf("vote among verified = %q, want b (c is more frequent but unverified)", got)
	}
	if got := vote(codes, make([]bool, 6)); got != "c" {
		t.Errorf("vote with none verified = %q, want c", got)
	}
	c := Confusion{TruePositive: 3, FalsePositive: 1, FalseNegative: 2, TrueNegative: 4}
	if c.Accuracy() != 0.7 {
		t.Errorf("accuracy %v", c.Accuracy())
	}
}

// fixed says the same verdict of everything.
type fixed string

func (f fixed) Review(_ context.Context, reqs []string) ([]string, error) {
	out := make([]string, len(reqs))
	for i := range out {
		out[i] = string(f)
	}
	return out, nil
}

// TestSETS: a random tiny model's samples all fail their tests; a verifier
// that calls everything correct makes only false positives and no
// corrections, one that calls everything incorrect only true negatives and
// a correction of every sample; either way one row per sample and turn.
func TestSETS(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 1), 1, 0.5)
	judge := tinytest.Judge(t)
	ps := data.SuiteProblems(tasks, "test")
	for verdict, want := range map[string]Confusion{"correct": {FalsePositive: 8}, "incorrect: wrong": {TrueNegative: 8}} {
		s := &SETS{Model: m, Tokenizer: tok, Judge: judge, Verifier: fixed(verdict), Samples: 4, MaxTokens: 6, Method: "sets"}
		res, err := s.Run(context.Background(), ps)
		if err != nil {
			t.Fatal(err)
		}
		if res.Confusion != want || res.Acc1 != 0 || res.Acc2 != 0 || len(res.Rows) != 2*4*len(ps) {
			t.Errorf("verifier %q: %+v, %d rows", verdict, res, len(res.Rows))
		}
		changed := 0
		for i := 0; i < len(res.Rows); i += 2 {
			if res.Rows[i].Code != res.Rows[i+1].Code {
				changed++
			}
		}
		if verdict == "correct" && changed != 0 {
			t.Errorf("verified samples were corrected: %d changed", changed)
		}
	}
}
