package metrics

import (
	"math"
	"slices"
	"testing"
)

// problems builds n trajectories of two turns: up go i→c, down c→i, and
// the rest stay correct.
func problems(n, up, down int) []Trajectory {
	ok, bad := turn(true), turn(false)
	ts := make([]Trajectory, n)
	for i := range ts {
		switch {
		case i < up:
			ts[i] = Trajectory{bad, ok}
		case i < up+down:
			ts[i] = Trajectory{ok, bad}
		default:
			ts[i] = Trajectory{ok, ok}
		}
	}
	return ts
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestBootstrap: hand-computed intervals. Identical problems resample to
// themselves (zero width); 30 i→c of 100 problems resample as
// Binomial(100, 0.3)/100, whose 2.5 % and 97.5 % quantiles are 0.21 and
// 0.39; Δ with 30 i→c, 10 c→i is 0.2 with standard error
// sqrt((0.4 − 0.2²)/100) = 0.06, so about 0.2 ± 1.96·0.06.
func TestBootstrap(t *testing.T) {
	for _, c := range []struct {
		name string
		ts   []Trajectory
		want Intervals
		tol  float64
	}{
		{"all i→c", problems(20, 20, 0), Intervals{IToC: Interval{1, 1}, Delta: Interval{1, 1}}, 0},
		{"all c→i", problems(20, 0, 20), Intervals{CToI: Interval{1, 1}, Delta: Interval{-1, -1}}, 0},
		{"all stay", problems(20, 0, 0), Intervals{}, 0},
		{"30 i→c", problems(100, 30, 0), Intervals{IToC: Interval{0.21, 0.39}, Delta: Interval{0.21, 0.39}}, 0.01},
		{"30 i→c, 10 c→i", problems(100, 30, 10),
			Intervals{IToC: Interval{0.21, 0.39}, CToI: Interval{0.04, 0.16}, Delta: Interval{0.2 - 0.1176, 0.2 + 0.1176}}, 0.02},
	} {
		got := Bootstrap{}.Changes(c.ts, 1, 2)
		for i := range 3 {
			g, w := got.Ordered()[i], c.want.Ordered()[i]
			if !near(g.Lo, w.Lo, c.tol+1e-12) || !near(g.Hi, w.Hi, c.tol+1e-12) {
				t.Errorf("%s: interval %d is %v, want %v ± %g", c.name, i, g, w, c.tol)
			}
		}
	}
}

// TestBootstrapBounds: on an uneven sample every interval holds its point
// estimate and lies within the statistic's range, Lo ≤ Hi.
func TestBootstrapBounds(t *testing.T) {
	ts := append(problems(37, 5, 9), problems(4, 0, 0)...)
	r := Summarize("x", ts, 1, 2)
	for i, x := range []float64{r.IToC, r.CToI, r.Delta} {
		iv := r.CI.Ordered()[i]
		lo := 0.0
		if i == 2 {
			lo = -1
		}
		if iv.Lo > x || x > iv.Hi || iv.Lo < lo || iv.Hi > 1 {
			t.Errorf("interval %d: %v does not hold %g within [%g, 1]", i, iv, x, lo)
		}
	}
}

// TestBootstrapDeterministic: the same trajectories give the same
// intervals; another seed of the bootstrap draws other resamples (whose
// percentiles, on a lattice of k/n, may still coincide).
func TestBootstrapDeterministic(t *testing.T) {
	ts := problems(60, 12, 7)
	a, b := Bootstrap{}.Changes(ts, 1, 2), Bootstrap{}.Changes(ts, 1, 2)
	if a != b {
		t.Errorf("two runs: %v and %v", a, b)
	}
	moves := [][]int8{transitions(ts, 1, 2)}
	d, _, _ := Bootstrap{Resamples: 50}.resample(moves)
	e, _, _ := Bootstrap{Resamples: 50, Seed: 7}.resample(moves)
	if slices.Equal(d, e) {
		t.Errorf("seed 7 drew the default seed's resamples %v", e)
	}
	if Summarize("x", ts, 1, 2) != Summarize("x", ts, 1, 2) {
		t.Error("Summarize is not deterministic")
	}
}

// TestBootstrapSeeds: the two-level bootstrap. Seed A has every problem
// i→c, seed B none: a resample draws {A, A}, {A, B} or {B, B} with chances
// 1/4, 1/2, 1/4, so Δi→c over seeds is 1, 1/2 or 0 and its 95 % interval
// is [0, 1], where each seed alone has a zero-width one. Seeds of unequal
// sizes draw their own problems and still give bounded intervals.
func TestBootstrapSeeds(t *testing.T) {
	a, b := problems(30, 30, 0), problems(30, 0, 0)
	got := Bootstrap{}.Seeds([][]Trajectory{a, b}, 1, 2)
	if got.IToC != (Interval{0, 1}) || got.CToI != (Interval{}) || got.Delta != (Interval{0, 1}) {
		t.Errorf("two seeds: %+v", got)
	}
	if same := (Bootstrap{}).Seeds([][]Trajectory{a, a, a}, 1, 2); same.IToC != (Interval{1, 1}) {
		t.Errorf("identical seeds: %+v", same)
	}
	uneven := Bootstrap{}.Seeds([][]Trajectory{problems(50, 10, 5), problems(40, 10, 5)}, 1, 2)
	if iv := uneven.Delta; iv.Lo > iv.Hi || iv.Lo < -1 || iv.Hi > 1 || iv.Lo > 0.1 || iv.Hi < 0.1 {
		t.Errorf("uneven seeds: %+v", uneven)
	}
	if got := (Bootstrap{}).Seeds(nil, 1, 2); got != (Intervals{}) {
		t.Errorf("no seeds: %+v", got)
	}
}

// TestSummarizeSeeds: on TestBootstrapSeeds' two seeds the mean row
// carries the two-level interval [0, 1] and McNemar's p of the pooled
// 10 i→c and 0 c→i, 2/2^10; each seed's row has its own (zero-width)
// interval; the accuracies read mean ± sd.
func TestSummarizeSeeds(t *testing.T) {
	s := SummarizeSeeds("m", [][]Trajectory{problems(10, 10, 0), problems(10, 0, 0)}, 1, 2)
	if s.Seeds != 2 || len(s.Rows) != 2 || s.Mean.IToC != 0.5 || s.Mean.CI.IToC != (Interval{0, 1}) || s.Rows[0].CI.IToC != (Interval{1, 1}) {
		t.Errorf("spread %+v", s)
	}
	if !near(s.Mean.McNemarP, 2.0/1024, 1e-15) {
		t.Errorf("pooled p %g", s.Mean.McNemarP)
	}
	want := []string{"50.0 ± 70.7", "100.0 ± 0.0", "50.0 [0.0, 100.0]", "0.0 [0.0, 0.0]", "50.0 [0.0, 100.0]", "0.002"}
	if got := s.Cells(); !slices.Equal(got, want) {
		t.Errorf("cells %q, want %q", got, want)
	}
}

// BenchmarkBootstrap: the defaults (B = 10,000) on 500 problems, one seed
// and three (two levels), as the tables of MBPP's test split need them.
func BenchmarkBootstrap(b *testing.B) {
	seeds := [][]Trajectory{problems(500, 60, 25), problems(500, 75, 20), problems(500, 50, 40)}
	b.Run("500x1", func(b *testing.B) {
		for b.Loop() {
			Bootstrap{}.Changes(seeds[0], 1, 2)
		}
	})
	b.Run("500x3", func(b *testing.B) {
		for b.Loop() {
			Bootstrap{}.Seeds(seeds, 1, 2)
		}
	})
	b.Run("SummarizeSeeds500x3", func(b *testing.B) {
		for b.Loop() {
			SummarizeSeeds("m", seeds, 1, 2)
		}
	})
}
