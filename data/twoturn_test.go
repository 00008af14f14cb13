package data

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cocos-go/cocos/sandbox"
)

func TestMutants(t *testing.T) {
	code := "def f(n):\n    total = 0\n    for i in range(n + 1):\n        if i % 2 == 0 and i > 1:\n            total += i\n    return total\n"
	ms := Mutants(code, 100)
	for _, want := range []string{
		"def f(n):\n    total = 0\n    for i in range(n + 1):\n        if i % 2 != 0 and i > 1:\n            total += i\n    return total\n",
		"def f(n):\n    total = 0\n    for i in range(n):\n        if i % 2 == 0 and i > 1:\n            total += i\n    return total\n",
		"def f(n):\n    total = 0\n    for i in range(n + 1 - 1):\n        if i % 2 == 0 and i > 1:\n            total += i\n    return total\n",
		"def f(n):\n    total = 0\n    for i in range(n + 1):\n        if i % 2 == 0 or i > 1:\n            total += i\n    return total\n",
	} {
		if !slices.Contains(ms, want) {
			t.Errorf("missing mutant:\n%s", want)
		}
	}
	if slices.Contains(ms, code) || len(Mutants(code, 2)) != 2 {
		t.Error("mutants must differ from the code and respect the limit")
	}
}

func TestTwoTurn(t *testing.T) {
	tasks := Suite(SuiteConfig{Train: 20, Test: 5})
	for _, tt := range TwoTurnFromSuite(tasks) {
		if tt.First == tt.Second || tt.Second != tt.Problem.Code {
			t.Fatalf("%+v", tt)
		}
	}
	// Some mutants never terminate (a loop whose condition was flipped).
	e, err := sandbox.New(sandbox.Config{Limits: sandbox.Limits{Timeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ps := SuiteProblems(tasks, "train")[:6]
	pairs, err := TwoTurnFromMutants(context.Background(), e, ps, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) < 5 {
		t.Fatalf("only %d of 6 problems got a failing mutant", len(pairs))
	}
	for _, p := range pairs {
		r, _ := e.Run(context.Background(), sandbox.Job{Program: p.First, Tests: p.Problem.Tests})
		if r.AllPassed() {
			t.Errorf("%s: the first turn passes:\n%s", p.Problem.ID, p.First)
		}
	}
}

func TestWithAttempts(t *testing.T) {
	pairs := TwoTurnFromSuite(Suite(SuiteConfig{Train: 3, Test: 1})[:3])
	attempts := map[string]Attempt{
		pairs[0].Problem.ID: {Code: "def wrong(): pass"},
		pairs[1].Problem.ID: {Code: pairs[1].Second, Correct: true},
	}
	for _, tc := range []struct {
		copies bool
		want   []string // each pair's first turn
	}{
		{false, []string{"def wrong(): pass", pairs[1].First, pairs[2].First}},
		{true, []string{"def wrong(): pass", pairs[1].Second, pairs[2].First}},
	} {
		got := WithAttempts(pairs, attempts, tc.copies)
		for i, p := range got {
			if p.First != tc.want[i] || p.Second != pairs[i].Second {
				t.Errorf("copies %v, pair %d: first %q second %q", tc.copies, i, p.First, p.Second)
			}
		}
	}
	if pairs[0].First == "def wrong(): pass" {
		t.Error("WithAttempts changed its input")
	}
}
