package metrics

import (
	"fmt"
	"math/rand/v2"
)

// Difference is a statistic of one arm minus another's on the same
// problems, with its paired bootstrap interval.
type Difference struct {
	Value float64
	Interval
}

// String is the difference in percent with its interval, "+2.0 [−1.0, 5.0]".
func (d Difference) String() string {
	sign := "+"
	if d.Value < 0 || Percent(d.Value) == "0.0" {
		sign = ""
	}
	return sign + WithInterval(d.Value, d.Interval)
}

// Difference bootstraps the difference of a per-problem statistic's mean
// between two arms, arm b minus arm a, averaged over seeds: a[s] and b[s]
// are the arms' values of each problem with seed s (runs that share what
// the seed fixes, such as the boost model) on the same problems in the
// same order — PerProblem gives them. Each resample draws seeds with
// replacement, a drawn seed bringing both arms, then problem indices
// shared by both arms and every drawn seed; the interval is the percentile
// one, as Seeds'.
func (bs Bootstrap) Difference(a, b [][]float64) (Difference, error) {
	if len(a) == 0 || len(a) != len(b) {
		return Difference{}, fmt.Errorf("metrics: difference of %d and %d seeds", len(a), len(b))
	}
	n := len(a[0])
	for s := range a {
		if len(a[s]) != n || len(b[s]) != n || n == 0 {
			return Difference{}, fmt.Errorf("metrics: difference over seeds of unequal or no problems (seed %d: %d and %d, want %d)", s, len(a[s]), len(b[s]), n)
		}
	}
	diff := make([][]float64, len(a)) // per seed and problem: b − a
	var d Difference
	for s := range a {
		diff[s] = make([]float64, n)
		for i := range diff[s] {
			diff[s][i] = b[s][i] - a[s][i]
			d.Value += diff[s][i] / float64(n*len(a))
		}
	}
	rng := rand.New(rand.NewPCG(bs.seed(), uint64(len(a))<<32|uint64(n)))
	idx := make([]int, n)
	means := make([]float64, bs.resamples())
	for r := range means {
		draw(rng, idx)
		for range a {
			s := rng.IntN(len(a))
			for _, j := range idx {
				means[r] += diff[s][j]
			}
		}
		means[r] /= float64(n * len(a))
	}
	d.Interval = bs.percentiles(means)
	return d, nil
}

// PerProblem is f of each trajectory: the per-problem values Difference
// averages (Acc@t1: 1 where turn 1 is correct; Δ: turn 2's correctness
// minus turn 1's).
func PerProblem(ts []Trajectory, f func(Trajectory) float64) []float64 {
	out := make([]float64, len(ts))
	for i, tr := range ts {
		out[i] = f(tr)
	}
	return out
}
