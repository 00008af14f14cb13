// Package reward computes CoCoS rewards (section 5 of the paper).
package reward

import (
	"fmt"
	"math"

	"github.com/cocos-go/cocos/sandbox"
)

// Kind is how one turn's unit-test results become a reward.
type Kind int

const (
	// Progressive is the fraction of the K unit tests that pass (the
	// paper's r_t and the default).
	Progressive Kind = iota
	// PassedCount is the raw number of passing tests (what the authors'
	// released code uses).
	PassedCount
	// Binary is 1 when every test passes, else 0.
	Binary
)

func (k Kind) String() string {
	return [...]string{"progressive", "count", "binary"}[k]
}

// ParseKind reads a Kind's name.
func ParseKind(s string) (Kind, error) {
	for k := Progressive; k <= Binary; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("reward: unknown kind %q (progressive, count, binary)", s)
}

// Turn is the reward of one turn from its judged result.
func Turn(r sandbox.Result, k Kind) float64 {
	switch k {
	case PassedCount:
		return float64(r.Passed)
	case Binary:
		if r.AllPassed() {
			return 1
		}
		return 0
	}
	return r.PassRatio()
}

// Accumulated is the trajectory reward over T = len(r) turns:
//
//	R = γ^(T-1)·r_1 + Σ_{t=2..T} γ^(T-t)·(r_t − r_{t-1})
//
// γ weighs the first turn against each later improvement: γ = 0 rewards
// only the last improvement, γ = 1 telescopes to r_T. The paper uses 0.5.
func Accumulated(r []float64, gamma float64) float64 {
	T := len(r)
	if T == 0 {
		return 0
	}
	R := math.Pow(gamma, float64(T-1)) * r[0] // 0^0 = 1: with one turn, R = r_1
	for t := 2; t <= T; t++ {
		R += math.Pow(gamma, float64(T-t)) * (r[t-1] - r[t-2])
	}
	return R
}

// Shaped is SCoRe stage II's trajectory reward over T = len(r) turns: the
// sum of the turns' rewards plus a bonus alpha·(r_T − r_1) for improving on
// the first attempt (for T = 2: r_1 + r_2 + α·(r_2 − r_1)).
func Shaped(r []float64, alpha float64) float64 {
	if len(r) == 0 {
		return 0
	}
	var sum float64
	for _, x := range r {
		sum += x
	}
	return sum + alpha*(r[len(r)-1]-r[0])
}
