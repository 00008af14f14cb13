package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// Flag names what a program's source shows beyond its verdict: the ways a
// policy can fail a turn on purpose (docs/demo.md, "What CoCoS learns").
type Flag string

// The flags Flags reports.
const (
	// Undefined: a wrong program that defines none of the functions the
	// tests call (the right body under another name).
	Undefined Flag = "undefined"
	// Stub: a wrong program whose every tested function ignores its
	// arguments or returns one constant (`if n > 5: return 3`).
	Stub Flag = "stub"
	// Unchanged: a later turn's program is the turn before's, verbatim.
	Unchanged Flag = "unchanged"
)

// Flags are turn t's flags (1-based) in trajectory tr. Undefined and Stub
// are raised on wrong programs only, and need the turn's Tests.
func Flags(tr Trajectory, t int) []Flag {
	var out []Flag
	turn := tr[t-1]
	if !turn.Correct() && turn.Tests != "" {
		called := Called(turn.Tests)
		defs := Functions(turn.Code)
		var tested []Function
		for _, f := range defs {
			if slices.Contains(called, f.Name) {
				tested = append(tested, f)
			}
		}
		switch {
		case len(called) > 0 && len(tested) == 0:
			out = append(out, Undefined)
		case len(tested) > 0 && allStubs(tested):
			out = append(out, Stub)
		}
	}
	if t > 1 && strings.TrimSpace(turn.Code) == strings.TrimSpace(tr[t-2].Code) {
		out = append(out, Unchanged)
	}
	return out
}

func allStubs(fs []Function) bool {
	for _, f := range fs {
		if !f.IgnoresArgs() && !f.ReturnsConstant() {
			return false
		}
	}
	return true
}

// Diagnostics are a method's flags over its trajectories.
type Diagnostics struct {
	Method   string
	Problems int // trajectories
	Wrong1   int // of them wrong at turn 1
	// Undefined and Stub are shares of the wrong turn-1 programs;
	// Unchanged is the share of all trajectories whose turn 2 is turn 1.
	Undefined, Stub, Unchanged float64
}

// Diagnose computes a method's diagnostics.
func Diagnose(method string, ts []Trajectory) Diagnostics {
	d := Diagnostics{Method: method, Problems: len(ts)}
	var undef, stub, same int
	for _, tr := range ts {
		f1 := Flags(tr, 1)
		if !tr[0].Correct() {
			d.Wrong1++
		}
		undef += count(f1, Undefined)
		stub += count(f1, Stub)
		if len(tr) > 1 {
			same += count(Flags(tr, 2), Unchanged)
		}
	}
	d.Undefined, d.Stub, d.Unchanged = frac(undef, d.Wrong1), frac(stub, d.Wrong1), frac(same, len(ts))
	return d
}

// FlaggedTurn1 is the share of trajectories whose turn 1 is Undefined or
// a Stub: over an RL run's steps, the curve on which spoiling turn 1
// shows while it is learnt.
func FlaggedTurn1(ts []Trajectory) float64 {
	n := 0
	for _, tr := range ts {
		f := Flags(tr, 1)
		if slices.Contains(f, Undefined) || slices.Contains(f, Stub) {
			n++
		}
	}
	return frac(n, len(ts))
}

func count(fs []Flag, f Flag) int {
	if slices.Contains(fs, f) {
		return 1
	}
	return 0
}

// DiagnosticsHeader is the column names of a diagnostics table.
func DiagnosticsHeader() []string {
	return []string{"method", "wrong t1", "undefined", "stub", "t2 = t1"}
}

// Cells are the row's values as a table shows them (shares in percent).
func (d Diagnostics) Cells() []string {
	return []string{d.Method, fmt.Sprintf("%d/%d", d.Wrong1, d.Problems), Percent(d.Undefined), Percent(d.Stub), Percent(d.Unchanged)}
}

// DiagnosticsTable renders diagnostics for a terminal.
func DiagnosticsTable(ds []Diagnostics) string {
	var b strings.Builder
	h := DiagnosticsHeader()
	fmt.Fprintf(&b, "%-16s %10s %10s %10s %10s\n", h[0], h[1], h[2], h[3], h[4])
	for _, d := range ds {
		c := d.Cells()
		fmt.Fprintf(&b, "%-16s %10s %10s %10s %10s\n", c[0], c[1], c[2], c[3], c[4])
	}
	b.WriteString("undefined, stub: % of wrong turn-1 programs; t2 = t1: % of problems whose turn 2 repeats turn 1\n")
	return b.String()
}
