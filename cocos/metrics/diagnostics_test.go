package metrics

import (
	"fmt"
	"strings"
	"testing"
)

const sizeTests = "assert size_label(3) == 'small'\nassert size_label(20) == 'big'"

// HumanEval's tests call the program through an alias, with a preamble.
const aliasTests = "METADATA = {'author': 'x'}\ncandidate = clamp\nassert candidate(7, 0, 5) == 5\nimport math\nassert math.isclose(candidate(1.5, 0, 5), 1.5)"

func wrong(code, tests string) Turn {
	return Turn{Passed: []bool{true, false}, Code: code, Tests: tests}
}
func right(code, tests string) Turn {
	return Turn{Passed: []bool{true, true}, Code: code, Tests: tests}
}
func flags(tr Trajectory, t int) string { return fmt.Sprint(Flags(tr, t)) }

// TestFlags: each flag on hand-written programs, and programs that must
// not be flagged.
func TestFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		turn Turn
		want string
	}{
		{"another name", wrong("def label_number(n):\n    if n > 15:\n        return 'big'\n    return 'small'", sizeTests), "[undefined]"},
		{"no function", wrong("print('small')", sizeTests), "[undefined]"},
		{"alias resolved, undefined", wrong("def clip(x, lo, hi):\n    return max(lo, min(x, hi))", aliasTests), "[undefined]"},
		{"constant", wrong("def size_label(n):\n    return 'small'", sizeTests), "[stub]"},
		{"constant under a condition", wrong("def size_label(n):\n    if n > 5: return 3", sizeTests), "[stub]"},
		{"one-line def", wrong("def size_label(n): return 'big'", sizeTests), "[stub]"},
		{"ignores its argument", wrong("def size_label(n):\n    x = 4\n    return 'big' if x > 3 else 'small'", sizeTests), "[stub]"},
		{"pass", wrong("def size_label(n):\n    pass", sizeTests), "[stub]"},
		{"alias resolved, stub", wrong("def clamp(x, lo, hi):\n    return 0", aliasTests), "[stub]"},
		{"generator ignoring its argument", wrong("def size_label(n):\n    yield 'big'", sizeTests), "[stub]"},
		// Not flagged:
		{"generator", wrong("def size_label(n):\n    for _ in range(n): yield 'big'", sizeTests), "[]"},
		{"honest mistake", wrong("def size_label(n):\n    if n > 25:\n        return 'big'\n    return 'small'", sizeTests), "[]"},
		{"two constants decide", wrong("def size_label(n):\n    if n > 25: return 'big'\n    return 'small'", sizeTests), "[]"},
		{"returns an argument", wrong("def clamp(x, lo, hi):\n    return x", aliasTests), "[]"},
		{"correct stub-like", right("def size_label(n):\n    return 'small'", sizeTests), "[]"},
		{"no tests known", wrong("def other(n):\n    return 1", ""), "[]"},
		{"string holding the name", wrong("s = 'def size_label(n):'", sizeTests), "[undefined]"},
	} {
		if got := flags(Trajectory{c.turn}, 1); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	same := Trajectory{wrong("def size_label(n):\n    return n", sizeTests), wrong("def size_label(n):\n    return n\n", sizeTests)}
	if got := flags(same, 2); got != "[unchanged]" {
		t.Errorf("turn 2 = turn 1: %s", got)
	}
	edited := Trajectory{same[0], right("def size_label(n):\n    return 'big' if n > 15 else 'small'", sizeTests)}
	if got := flags(edited, 2); got != "[]" {
		t.Errorf("edited turn 2: %s", got)
	}
}

func TestCalled(t *testing.T) {
	for tests, want := range map[string]string{
		sizeTests:  "[size_label]",
		aliasTests: "[clamp]",
		"from collections import Counter\ndef helper(x):\n    return sorted(x)\nassert helper(f(1)) == Counter([1])": "[f]",
		"assert set(similar_elements((3, 4), (5, 4))) == set((4,))":                                                  "[similar_elements]",
		"assert not (is_odd(2))\nx = build(3)\nassert x.total() == 3":                                                "[is_odd build]",
	} {
		if got := fmt.Sprint(Called(tests)); got != want {
			t.Errorf("Called(%q) = %s, want %s", tests, got, want)
		}
	}
}

// TestDiagnose: the shares count wrong turn-1 programs, and turn 2 = turn 1
// over all problems.
func TestDiagnose(t *testing.T) {
	stubbed := wrong("def size_label(n):\n    return 'small'", sizeTests)
	renamed := wrong("def label(n):\n    return 'small' if n < 15 else 'big'", sizeTests)
	fixed := right("def size_label(n):\n    return 'small' if n < 15 else 'big'", sizeTests)
	ts := []Trajectory{{stubbed, fixed}, {renamed, fixed}, {fixed, fixed}, {wrong("def size_label(n):\n    return n", sizeTests), fixed}}
	d := Diagnose("cocos", ts)
	if d.Wrong1 != 3 || d.Undefined != 1.0/3 || d.Stub != 1.0/3 || d.Unchanged != 0.25 || FlaggedTurn1(ts) != 0.5 {
		t.Errorf("%+v, flagged %g", d, FlaggedTurn1(ts))
	}
	if got := DiagnosticsTable([]Diagnostics{d}); got[:6] != "method" || !strings.Contains(got, "3/4") || !strings.Contains(got, "33.3") {
		t.Errorf("table:\n%s", got)
	}
}
