package metrics

import (
	"math"
	"strings"
	"testing"
)

func turn(passed ...bool) Turn { return Turn{Passed: passed} }

// four problems, two turns: i→c, c→i, c→c, i→i.
var sample = []Trajectory{
	{turn(false, true, true), turn(true, true, true)},
	{turn(true, true, true), turn(true, false, true)},
	{turn(true, true, true), turn(true, true, true)},
	{turn(false, false, true), turn(false, true, false)},
}

func TestChanges(t *testing.T) {
	if Acc(sample, 1) != 0.5 || Acc(sample, 2) != 0.5 {
		t.Errorf("Acc: %v %v", Acc(sample, 1), Acc(sample, 2))
	}
	up, down, d := Changes(sample, 1, 2)
	if up != 0.25 || down != 0.25 || d != 0 {
		t.Errorf("changes %v %v %v", up, down, d)
	}
	// Unit level, 12 tests: fail→pass: p1 t0, p4 t1 = 2; pass→fail: p2 t1, p4 t2 = 2.
	fp, pf := UnitChanges(sample, 1, 2)
	if fp != 2.0/12 || pf != 2.0/12 {
		t.Errorf("unit changes %v %v", fp, pf)
	}
	if round1(0.4567) != 45.7 {
		t.Error("round1")
	}
}

func TestEditRatio(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"abc", "abc", 1}, {"", "", 1}, {"abcd", "abcf", 0.75}, {"kitten", "sitting", 1 - 3.0/7}, {"abc", "", 0},
	}
	for _, c := range cases {
		if got := EditRatio(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("EditRatio(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	ts := []Trajectory{
		{Turn{Passed: []bool{false}, Code: "abcd"}, Turn{Passed: []bool{false}, Code: "abcd"}},
		{Turn{Passed: []bool{false}, Code: "abcd"}, Turn{Passed: []bool{false}, Code: "abcf"}},
		{Turn{Passed: []bool{false}, Code: "x"}, Turn{Passed: []bool{true}, Code: "y"}}, // correct at t2: excluded
	}
	r := EditRatios(ts, 1, 2)
	if len(r) != 2 || r[0] != 1 || r[1] != 0.75 {
		t.Errorf("EditRatios %v", r)
	}
	if h := Histogram(r, 10); h[9] != 1 || h[7] != 1 {
		t.Errorf("histogram %v", h)
	}
}

func TestPassAtK(t *testing.T) {
	cases := []struct {
		n, c, k int
		want    float64
	}{
		{10, 0, 1, 0}, {10, 10, 1, 1}, {10, 3, 1, 0.3}, {4, 1, 2, 0.5}, {5, 2, 2, 1 - 3.0/10}, {3, 2, 2, 1},
	}
	for _, c := range cases {
		if got := PassAtK(c.n, c.c, c.k); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PassAtK(%d,%d,%d) = %v, want %v", c.n, c.c, c.k, got, c.want)
		}
	}
}

// round1 gives a fraction as a percentage to one decimal.
func round1(x float64) float64 { return math.Round(x*1000) / 10 }

// TestPassAtKRuns: three sampled runs of two problems. Problem a is right
// at turn 1 in one run of three, b in none: pass@1 = (1/3 + 0)/2; at turn 2
// a is right in all three and b in two: pass@2 = (1 + 1)/2.
func TestPassAtKRuns(t *testing.T) {
	ok, bad := Turn{Passed: []bool{true}}, Turn{Passed: []bool{false}}
	runs := [][]Trajectory{
		{{ok, ok}, {bad, ok}},
		{{bad, ok}, {bad, ok}},
		{{bad, ok}, {bad, bad}},
	}
	for _, c := range []struct {
		turn, k int
		want    float64
	}{{1, 1, 1.0 / 6}, {1, 3, 0.5}, {2, 1, (1 + 2.0/3) / 2}, {2, 2, 1}} {
		if got := PassAtKRuns(runs, c.turn, c.k); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("turn %d pass@%d = %v, want %v", c.turn, c.k, got, c.want)
		}
	}
}

func TestTableHeader(t *testing.T) {
	ts := []Trajectory{{{Passed: []bool{true}}, {Passed: []bool{false}}, {Passed: []bool{true}}}}
	for _, c := range []struct {
		rows []Row
		want string
	}{
		{[]Row{Summarize("a", ts, 1, 2)}, "Acc@t1   Acc@t2"},
		{[]Row{Summarize("a", ts, 1, 3), Summarize("b", ts, 1, 3)}, "Acc@t1   Acc@t3"},
		{[]Row{Summarize("a t1→t2", ts, 1, 2), Summarize("a t1→t3", ts, 1, 3)}, "Acc@first Acc@last"},
	} {
		if got := Table(c.rows); !strings.Contains(strings.Split(got, "\n")[0], c.want) {
			t.Errorf("header %q, want it to hold %q", strings.Split(got, "\n")[0], c.want)
		}
	}
}

func TestOverSeeds(t *testing.T) {
	rows := []Row{{Acc1: 0.2, Acc2: 0.3, Delta: 0.1}, {Acc1: 0.4, Acc2: 0.4, Delta: 0}, {Acc1: 0.3, Acc2: 0.5, Delta: 0.2}}
	s := OverSeeds("cocos", rows)
	// numpy: mean [0.2,0.4,0.3] = 0.3, std(ddof=1) = 0.1
	if math.Abs(s.Mean.Acc1-0.3) > 1e-12 || math.Abs(s.SD.Acc1-0.1) > 1e-12 || math.Abs(s.Mean.Delta-0.1) > 1e-12 {
		t.Errorf("spread %+v", s)
	}
	if got := s.Cells()[0]; got != "30.0 ± 10.0" {
		t.Errorf("cell %q", got)
	}
	if !strings.Contains(SpreadTable([]Spread{s}), "cocos") {
		t.Error("table lacks the method")
	}
	if m, sd := MeanSD([]float64{5}); m != 5 || sd != 0 {
		t.Errorf("one value: %g ± %g", m, sd)
	}
}
