package prompting

import (
	"context"
	"fmt"
	"strings"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

// FeedbackShots builds Self-Refine's n-shot feedback block from worked
// problems (the paper: 3 from MBPP's prompt split, read from the data
// directory at run time): the first problem's reference solution reviewed
// as correct, then, from the following problems, one-edit mutants
// (data.Mutants) reviewed as incorrect, naming the first test each fails in
// the sandbox; problems without a failing mutant are skipped. Each shot is
// the review request followed by its answer and a blank line.
func FeedbackShots(ctx context.Context, judge *sandbox.Executor, problems []data.Problem, n int) (string, error) {
	if len(problems) == 0 || n < 1 {
		return "", fmt.Errorf("prompting: no problems for feedback examples")
	}
	var b strings.Builder
	b.WriteString(FeedbackRequest(problems[0], problems[0].Code) + " Correct: the code does what the task asks.\n\n")
	shots := 1
	for _, p := range problems[1:] {
		if shots == n {
			break
		}
		code, failed, err := failingMutant(ctx, judge, p)
		if err != nil {
			return "", err
		}
		if code == "" {
			continue
		}
		fmt.Fprintf(&b, "%s Incorrect: it fails `%s`.\n\n", FeedbackRequest(p, code), failed)
		shots++
	}
	if shots < n {
		return "", fmt.Errorf("prompting: only %d of %d feedback examples: too few problems have a one-edit mutant that fails", shots, n)
	}
	return b.String(), nil
}

// failingMutant is p's first one-edit mutant that fails a test, and that
// test ("" if none fails).
func failingMutant(ctx context.Context, judge *sandbox.Executor, p data.Problem) (string, string, error) {
	for _, m := range data.Mutants(p.Code, 20) {
		res, err := judge.Run(ctx, sandbox.Job{Program: m, Setup: p.SetupCode, Tests: p.Tests})
		if err != nil {
			return "", "", err
		}
		for k, tr := range res.Tests {
			if tr.Outcome != sandbox.Passed {
				return m, strings.TrimSpace(p.Tests[k]), nil
			}
		}
	}
	return "", "", nil
}
