package metrics

import (
	"slices"
	"strings"
	"testing"
)

func TestPercent(t *testing.T) {
	for x, want := range map[float64]string{0.125: "12.5", -0.11: "−11.0", -0.0001: "0.0", 0: "0.0", 1: "100.0", -1: "−100.0"} {
		if got := Percent(x); got != want {
			t.Errorf("Percent(%g) = %q, want %q", x, got, want)
		}
	}
	for p, want := range map[float64]string{1: "1.000", 0.0625: "0.062", 0.021484375: "0.021", 0.0004: "<0.001", 0.001: "0.001"} {
		if got := PValue(p); got != want {
			t.Errorf("PValue(%g) = %q, want %q", p, got, want)
		}
	}
}

// TestTable: the printed lines, a change with its interval and the
// minus sign U+2212; a row not computed from trajectories has neither
// interval nor p.
func TestTable(t *testing.T) {
	demo := Row{Method: "cocos", Acc1: 0.61, Acc2: 0.50, IToC: 0.01, CToI: 0.12, Delta: -0.11, Problems: 100,
		CI:       Intervals{IToC: Interval{0, 0.03}, CToI: Interval{0.06, 0.19}, Delta: Interval{-0.17, -0.05}},
		McNemarP: 0.00341796875}
	bare := Row{Method: "typed", Acc1: 0.5, Acc2: 0.25, CToI: 0.25, Delta: -0.25}
	want := "" +
		"method             Acc@t1   Acc@t2                 Δi→c                 Δc→i                    Δ McNemar p\n" +
		"cocos                61.0     50.0       1.0 [0.0, 3.0]     12.0 [6.0, 19.0]  −11.0 [−17.0, −5.0]     0.003\n" +
		"typed                50.0     25.0                  0.0                 25.0                −25.0         —\n" +
		// one i→c of 4 problems resamples as Binomial(4, 1/4): P(≥ 4) < 2.5 % ≤ P(≥ 3)
		"sample               50.0     50.0     25.0 [0.0, 75.0]     25.0 [0.0, 75.0]    0.0 [−75.0, 75.0]     1.000\n"
	if got := Table([]Row{demo, bare, Summarize("sample", sample, 1, 2)}); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	if got := demo.Cells(); !slices.Equal(got, []string{"cocos", "61.0", "50.0", "1.0 [0.0, 3.0]", "12.0 [6.0, 19.0]", "−11.0 [−17.0, −5.0]", "0.003"}) {
		t.Errorf("cells %q", got)
	}
}

// TestSpreadTable: over seeds, mean ± sd for the accuracies, the
// interval for the changes when the spread has one.
func TestSpreadTable(t *testing.T) {
	s := SummarizeSeeds("m", [][]Trajectory{problems(10, 10, 0), problems(10, 0, 0)}, 1, 2)
	lines := strings.Split(SpreadTable([]Spread{s}), "\n")
	want := "m                  50.0 ± 70.7   100.0 ± 0.0    50.0 [0.0, 100.0]       0.0 [0.0, 0.0]    50.0 [0.0, 100.0]     0.002"
	if !strings.HasSuffix(lines[0], "McNemar p") || lines[1] != want {
		t.Errorf("spread table:\n%s\nwant line\n%s", strings.Join(lines, "\n"), want)
	}
}
