package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/sharedtest"
	"github.com/cocos-go/cocos/sandbox"
)

// knownBroken lists reference solutions that fail their own tests, each
// with the reason. They are checked to still fail, so the list stays true.
var knownBroken = map[string]string{}

func TestRealDataMBPP(t *testing.T) {
	ps, err := data.LoadMBPP(sharedtest.Path(t, "data/mbpp/mbpp.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 974 {
		t.Fatalf("got %d MBPP problems, want 974", len(ps))
	}
	checkReferenceSolutions(t, ps)
}

func TestRealDataHumanEval(t *testing.T) {
	ps, err := data.LoadHumanEval(sharedtest.Path(t, "data/humaneval/HumanEval.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 164 {
		t.Fatalf("got %d HumanEval problems, want 164", len(ps))
	}
	checkReferenceSolutions(t, ps)
}

func checkReferenceSolutions(t *testing.T, ps []data.Problem) {
	jobs := make([]sandbox.Job, len(ps))
	for i, p := range ps {
		jobs[i] = sandbox.Job{Program: p.Code, Setup: p.SetupCode, Tests: p.Tests}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	results, err := executor(t).RunBatch(ctx, jobs)
	if err != nil {
		t.Fatal(err)
	}
	tests := 0
	for i, r := range results {
		tests += r.Total
		reason, broken := knownBroken[ps[i].ID]
		switch {
		case broken && r.AllPassed():
			t.Errorf("%s is listed as broken (%s) but passes all %d tests: remove it from knownBroken", ps[i].ID, reason, r.Total)
		case !broken && !r.AllPassed():
			var msgs []string
			for _, tr := range r.Tests {
				if tr.Outcome != sandbox.Passed {
					msgs = append(msgs, tr.Outcome.String()+": "+tr.Message)
				}
			}
			t.Errorf("%s: %d/%d tests pass: %s", ps[i].ID, r.Passed, r.Total, strings.Join(msgs, " | "))
		}
	}
	t.Logf("%d problems, %d tests in %v", len(ps), tests, time.Since(start).Round(time.Millisecond))
}
