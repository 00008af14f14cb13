package reward

import (
	"math"
	"testing"

	"github.com/cocos-go/cocos/sandbox"
)

// TestAccumulated: hand-computed values for r = (1/4, 1/2, 1), exact in
// binary floating point. T=2: γ/4 + 1/4. T=3: γ²/4 + γ/4 + 1/2.
func TestAccumulated(t *testing.T) {
	r := []float64{0.25, 0.5, 1}
	cases := []struct {
		gamma float64
		want  [3]float64 // T = 1, 2, 3
	}{
		{0, [3]float64{0.25, 0.25, 0.5}},
		{0.5, [3]float64{0.25, 0.375, 0.6875}},
		{1, [3]float64{0.25, 0.5, 1}},
		{2, [3]float64{0.25, 0.75, 2}},
	}
	for _, c := range cases {
		for T := 1; T <= 3; T++ {
			if got := Accumulated(r[:T], c.gamma); got != c.want[T-1] {
				t.Errorf("γ=%g T=%d: R=%g, want %g", c.gamma, T, got, c.want[T-1])
			}
		}
	}
	if Accumulated(nil, 0.5) != 0 {
		t.Error("no turns must give 0")
	}
	// A worse second turn is penalised: γ=0.5, r = (1, 0) -> 0.5·1 + (0-1) = -0.5.
	if got := Accumulated([]float64{1, 0}, 0.5); got != -0.5 {
		t.Errorf("regression: %g, want -0.5", got)
	}
}

func TestTurn(t *testing.T) {
	res := func(outcomes ...sandbox.Outcome) sandbox.Result {
		r := sandbox.Result{Total: len(outcomes)}
		for _, o := range outcomes {
			r.Tests = append(r.Tests, sandbox.TestResult{Outcome: o})
			if o == sandbox.Passed {
				r.Passed++
			}
		}
		return r
	}
	partial := res(sandbox.Passed, sandbox.Failed, sandbox.Passed, sandbox.TimedOut)
	all := res(sandbox.Passed, sandbox.Passed, sandbox.Passed)
	cases := []struct {
		r    sandbox.Result
		k    Kind
		want float64
	}{
		{partial, Progressive, 0.5}, {partial, PassedCount, 2}, {partial, Binary, 0},
		{all, Progressive, 1}, {all, PassedCount, 3}, {all, Binary, 1},
		{res(), Progressive, 0}, {res(), Binary, 0},
	}
	for _, c := range cases {
		if got := Turn(c.r, c.k); got != c.want {
			t.Errorf("%v of %d/%d: %g, want %g", c.k, c.r.Passed, c.r.Total, got, c.want)
		}
	}
	for _, k := range []Kind{Progressive, PassedCount, Binary} {
		if back, err := ParseKind(k.String()); err != nil || back != k {
			t.Errorf("ParseKind(%s): %v %v", k, back, err)
		}
	}
	if _, err := ParseKind("nope"); err == nil {
		t.Error("unknown kind accepted")
	}
}

// TestShaped: hand-computed SCoRe stage II rewards.
func TestShaped(t *testing.T) {
	for _, c := range []struct {
		r     []float64
		alpha float64
		want  float64
	}{
		{nil, 10, 0},
		{[]float64{1}, 10, 1},
		{[]float64{0, 1}, 10, 11},      // fixed: 0 + 1 + 10·1
		{[]float64{1, 0}, 10, -9},      // broke it: 1 + 0 − 10
		{[]float64{1, 1}, 10, 2},       // right twice: no bonus
		{[]float64{0, 0.5, 1}, 2, 3.5}, // 1.5 + 2·(1 − 0)
	} {
		if got := Shaped(c.r, c.alpha); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Shaped(%v, %g) = %g, want %g", c.r, c.alpha, got, c.want)
		}
	}
}
