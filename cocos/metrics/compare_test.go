package metrics

import (
	"math"
	"testing"
)

// TestDifference: identical arms differ by exactly 0 with a zero-width
// interval; an arm that solves every problem the other fails at turn 1
// differs by the share of those, inside its interval; arms of unequal
// problems are refused.
func TestDifference(t *testing.T) {
	traj := func(ok ...bool) Trajectory {
		var tr Trajectory
		for _, o := range ok {
			tr = append(tr, Turn{Passed: []bool{o}})
		}
		return tr
	}
	acc1 := func(seeds ...[]Trajectory) [][]float64 {
		var out [][]float64
		for _, ts := range seeds {
			out = append(out, PerProblem(ts, func(tr Trajectory) float64 { return b2f(tr[0].Correct()) }))
		}
		return out
	}
	a := acc1([]Trajectory{traj(true), traj(false), traj(false), traj(true)})
	d, err := Bootstrap{Resamples: 500}.Difference(a, a)
	if err != nil || d.Value != 0 || d.Lo != 0 || d.Hi != 0 {
		t.Errorf("identical arms: %+v %v", d, err)
	}
	b := acc1([]Trajectory{traj(true), traj(true), traj(false), traj(true)})
	d, err = Bootstrap{Resamples: 2000}.Difference(a, b)
	if err != nil || math.Abs(d.Value-0.25) > 1e-12 || d.Lo > d.Value || d.Hi < d.Value || d.Lo < 0 || d.Hi > 1 {
		t.Errorf("one more solved problem of 4: %+v %v", d, err)
	}
	if want := "+25.0 [" + Percent(d.Lo) + ", " + Percent(d.Hi) + "]"; d.String() != want {
		t.Errorf("formatted %q, want %q", d.String(), want)
	}
	if _, err := (Bootstrap{}).Difference(a, acc1([]Trajectory{traj(true)})); err == nil {
		t.Error("arms of unequal problems were compared")
	}
	// Two seeds whose differences are +1 and −1 on every problem: the
	// two-level interval spans both, the mean is 0.
	two, err := Bootstrap{Resamples: 2000}.Difference([][]float64{{0, 0}, {1, 1}}, [][]float64{{1, 1}, {0, 0}})
	if err != nil || two.Value != 0 || two.Lo != -1 || two.Hi != 1 {
		t.Errorf("seeds of opposite differences: %+v %v", two, err)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
