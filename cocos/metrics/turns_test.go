package metrics

import (
	"fmt"
	"testing"
)

// passes is a turn of three tests, the first n of them passing.
func passes(n int) Turn { return turn(n > 0, n > 1, n > 2) }

// three turns of four problems, by passing tests per turn (of 3):
// a 2,1,2 (always wrong); b 0,1,3 (fixed at turn 3); c 3,3,0 (broken at
// turn 3); d 0,3,3 (fixed at turn 2).
var threeTurns = []Trajectory{
	{passes(2), passes(1), passes(2)},
	{passes(0), passes(1), passes(3)},
	{passes(3), passes(3), passes(0)},
	{passes(0), passes(3), passes(3)},
}

// TestBetterWorse: per-problem counts against per-test fractions on the
// sample (problem 4 flips two tests but keeps its count), consecutive
// pairs summed against turn 1 → 3 compared directly.
func TestBetterWorse(t *testing.T) {
	for _, c := range []struct {
		name string
		got  BetterWorse
		want BetterWorse
		b, w float64 // shares
	}{
		{"sample 1→2", ProblemsBetterWorse(sample, 1, 2), BetterWorse{From: 1, To: 2, Pairs: 1, Problems: 4, Better: 1, Worse: 1}, 0.25, 0.25},
		{"1→2", ProblemsBetterWorse(threeTurns, 1, 2), BetterWorse{From: 1, To: 2, Pairs: 1, Problems: 4, Better: 2, Worse: 1}, 0.5, 0.25},
		{"2→3", ProblemsBetterWorse(threeTurns, 2, 3), BetterWorse{From: 2, To: 3, Pairs: 1, Problems: 4, Better: 2, Worse: 1}, 0.5, 0.25},
		// a is worse at 2 and better at 3: twice here, never directly.
		{"1→3 directly", ProblemsBetterWorse(threeTurns, 1, 3), BetterWorse{From: 1, To: 3, Pairs: 1, Problems: 4, Better: 2, Worse: 1}, 0.5, 0.25},
		{"1→3 by turns", TurnsBetterWorse(threeTurns, 1, 3), BetterWorse{From: 1, To: 3, Pairs: 2, Problems: 4, Better: 4, Worse: 2}, 0.5, 0.25},
		{"2→3 by turns", TurnsBetterWorse(threeTurns, 2, 3), BetterWorse{From: 2, To: 3, Pairs: 1, Problems: 4, Better: 2, Worse: 1}, 0.5, 0.25},
		{"none", TurnsBetterWorse(nil, 1, 2), BetterWorse{From: 1, To: 2, Pairs: 1}, 0, 0},
	} {
		b, w := c.got.Shares()
		if c.got != c.want || b != c.b || w != c.w {
			t.Errorf("%s: %+v (%g, %g), want %+v (%g, %g)", c.name, c.got, b, w, c.want, c.b, c.w)
		}
	}
	// The same sample per test: 2 of 12 tests each way (TestChanges).
	if fp, pf := UnitChanges(sample, 1, 2); fp != 2.0/12 || pf != 2.0/12 {
		t.Errorf("unit changes %g, %g", fp, pf)
	}
}

// TestTurnRows: turn 1 → t and t−1 → t, by later turn, 1→2 once.
func TestTurnRows(t *testing.T) {
	q := func(n int) float64 { return float64(n) / 4 }
	want := []struct {
		name              string
		from, to          int
		acc1, acc2, up, d float64
	}{
		{"m t1→t2", 1, 2, q(1), q(2), q(1), 0},    // d fixed
		{"m t1→t3", 1, 3, q(1), q(2), q(2), q(1)}, // b, d fixed; c broken
		{"m t2→t3", 2, 3, q(2), q(2), q(1), q(1)}, // b fixed; c broken
	}
	rows := TurnRows("m", threeTurns)
	if len(rows) != len(want) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, w := range want {
		r := rows[i]
		if r.Method != w.name || r.From != w.from || r.To != w.to || r.Acc1 != w.acc1 || r.Acc2 != w.acc2 || r.IToC != w.up || r.CToI != w.d ||
			r.Delta != w.acc2-w.acc1 || r.Problems != 4 {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	if got := fmt.Sprint(len(FromFirst("m", threeTurns)), len(Consecutive("m", threeTurns)), len(TurnRows("m", nil))); got != "2 2 0" {
		t.Errorf("row counts %s", got)
	}
	if c := Consecutive("m", threeTurns)[1]; c != rows[2] {
		t.Errorf("Consecutive's 2→3 %+v is not TurnRows' %+v", c, rows[2])
	}
}
