package data

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/cocos-go/cocos/sandbox"
)

// TwoTurn is a 2-turn boost example: a problem, a wrong first-turn program
// and the correct second-turn program (the format of the authors' boost
// data: {question}[BEGIN]{first}[DONE]{instruction}[CORRECT] -> {second}).
type TwoTurn struct {
	Problem Problem
	First   string // fails at least one test (see WithAttempts)
	Second  string // passes every test
}

// mutations are single edits a small model plausibly gets wrong.
var mutations = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(` <= `), " < "}, {regexp.MustCompile(` < `), " <= "},
	{regexp.MustCompile(` >= `), " > "}, {regexp.MustCompile(` > `), " >= "},
	{regexp.MustCompile(` == `), " != "}, {regexp.MustCompile(` != `), " == "},
	{regexp.MustCompile(` \+ `), " - "}, {regexp.MustCompile(` - `), " + "}, {regexp.MustCompile(` \* `), " + "},
	{regexp.MustCompile(` \+ 1\b`), ""}, {regexp.MustCompile(` - 1\b`), ""},
	{regexp.MustCompile(`range\(([^()]+)\)`), "range(${1} - 1)"},
	{regexp.MustCompile(`\band\b`), "or"}, {regexp.MustCompile(`\bor\b`), "and"},
	{regexp.MustCompile(`\bTrue\b`), "False"}, {regexp.MustCompile(`\bFalse\b`), "True"},
	{regexp.MustCompile(`\bmax\(`), "min("}, {regexp.MustCompile(`\bmin\(`), "max("},
}

// Mutants returns up to limit distinct programs that differ from code by one
// mutation at one place, in a fixed order.
func Mutants(code string, limit int) []string {
	seen := map[string]bool{code: true}
	var out []string
	for _, m := range mutations {
		for _, loc := range m.re.FindAllStringSubmatchIndex(code, -1) {
			repl := m.re.ExpandString(nil, m.repl, code, loc)
			mut := code[:loc[0]] + string(repl) + code[loc[1]:]
			if !seen[mut] {
				seen[mut] = true
				out = append(out, mut)
				if len(out) == limit {
					return out
				}
			}
		}
	}
	return out
}

// TwoTurnFromSuite pairs each suite task's first wrong solution with its
// reference solution.
func TwoTurnFromSuite(tasks []Task) []TwoTurn {
	out := make([]TwoTurn, 0, len(tasks))
	for i, t := range tasks {
		out = append(out, TwoTurn{Problem: t.Problem, First: t.Wrong[i%len(t.Wrong)], Second: t.Code})
	}
	return out
}

// TwoTurnFromMutants makes 2-turn examples for problems without recorded
// wrong attempts (KodCode): it judges up to tries mutants of each reference
// solution and keeps the first that fails a test, provided the reference
// itself passes. Problems with no such mutant are left out.
func TwoTurnFromMutants(ctx context.Context, e *sandbox.Executor, ps []Problem, tries int) ([]TwoTurn, error) {
	var jobs []sandbox.Job
	type ref struct{ problem, mutant int } // mutant -1: the reference itself
	var refs []ref
	muts := make([][]string, len(ps))
	for i, p := range ps {
		jobs = append(jobs, sandbox.Job{Program: p.Code, Setup: p.SetupCode, Tests: p.Tests})
		refs = append(refs, ref{i, -1})
		muts[i] = Mutants(p.Code, tries)
		for k, m := range muts[i] {
			jobs = append(jobs, sandbox.Job{Program: m, Setup: p.SetupCode, Tests: p.Tests})
			refs = append(refs, ref{i, k})
		}
	}
	results, err := e.RunBatch(ctx, jobs)
	if err != nil {
		return nil, fmt.Errorf("two-turn examples: %w", err)
	}
	refOK := make([]bool, len(ps))
	first := make([]int, len(ps))
	for i := range first {
		first[i] = -1
	}
	for j, r := range results {
		rf := refs[j]
		switch {
		case rf.mutant < 0:
			refOK[rf.problem] = r.AllPassed()
		case !r.AllPassed() && first[rf.problem] < 0:
			first[rf.problem] = rf.mutant
		}
	}
	var out []TwoTurn
	for i, p := range ps {
		if refOK[i] && first[i] >= 0 {
			out = append(out, TwoTurn{Problem: p, First: muts[i][first[i]], Second: p.Code})
		}
	}
	return out, nil
}

// Attempt is a program a model wrote for a problem, and whether it passed.
type Attempt struct {
	Code    string
	Correct bool
}

// WithAttempts replaces the first turn of each pair whose problem has a
// failed attempt (by problem id) with that attempt: a model's own
// mistakes, as KodCode's pairs are a model's failed trials. With copies a
// correct attempt replaces it too, so that turn 2 learns to keep a
// correct program (the pair's second turn is the reference either way).
func WithAttempts(pairs []TwoTurn, attempts map[string]Attempt, copies bool) []TwoTurn {
	out := slices.Clone(pairs)
	for i, p := range out {
		if a, ok := attempts[p.Problem.ID]; ok && (!a.Correct || copies) {
			out[i].First = a.Code
		}
	}
	return out
}
