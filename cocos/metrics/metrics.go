// Package metrics computes the paper's self-correction metrics (section
// 4.1, 8.2, Figure 2) and pass@k.
package metrics

import (
	"fmt"
	"strings"
)

// Turn is one turn's judged program: which of the unit tests passed.
type Turn struct {
	Passed []bool // per unit test
	Code   string // the extracted program (for edit ratios)
}

// Correct reports whether every test passed.
func (t Turn) Correct() bool {
	if len(t.Passed) == 0 {
		return false
	}
	for _, p := range t.Passed {
		if !p {
			return false
		}
	}
	return true
}

// Trajectory is one problem's turns, turn 1 first.
type Trajectory []Turn

// Acc is Acc@t: the fraction of problems correct at turn t (1-based).
func Acc(ts []Trajectory, t int) float64 {
	n := 0
	for _, tr := range ts {
		if tr[t-1].Correct() {
			n++
		}
	}
	return frac(n, len(ts))
}

// Changes returns Δi→c (incorrect at t1, correct at t2), Δc→i (the
// reverse) and Δ = Acc@t2 − Acc@t1, as fractions of problems.
func Changes(ts []Trajectory, t1, t2 int) (iToC, cToI, delta float64) {
	var up, down int
	for _, tr := range ts {
		a, b := tr[t1-1].Correct(), tr[t2-1].Correct()
		if !a && b {
			up++
		}
		if a && !b {
			down++
		}
	}
	return frac(up, len(ts)), frac(down, len(ts)), Acc(ts, t2) - Acc(ts, t1)
}

// UnitChanges is the unit-level version (section 8.2): the fraction of all
// unit tests that go from failing at t1 to passing at t2, and back.
func UnitChanges(ts []Trajectory, t1, t2 int) (failToPass, passToFail float64) {
	var up, down, total int
	for _, tr := range ts {
		a, b := tr[t1-1].Passed, tr[t2-1].Passed
		for i := range min(len(a), len(b)) {
			total++
			if !a[i] && b[i] {
				up++
			}
			if a[i] && !b[i] {
				down++
			}
		}
	}
	return frac(up, total), frac(down, total)
}

func frac(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// EditRatio is 1 − Levenshtein(a, b) / max(len a, len b) over characters:
// 1 for unchanged code, 0 for nothing in common (Figure 2's x axis).
func EditRatio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(rb)])/float64(max(len(ra), len(rb)))
}

// EditRatios returns, for every trajectory whose turn t2 is incorrect, the
// edit ratio between its turn-t1 and turn-t2 code (Figure 2's sample).
func EditRatios(ts []Trajectory, t1, t2 int) []float64 {
	var out []float64
	for _, tr := range ts {
		if !tr[t2-1].Correct() {
			out = append(out, EditRatio(tr[t1-1].Code, tr[t2-1].Code))
		}
	}
	return out
}

// Histogram counts values in [0, 1] over bins equal bins; 1 falls in the
// last bin.
func Histogram(vals []float64, bins int) []int {
	h := make([]int, bins)
	for _, v := range vals {
		i := int(v * float64(bins))
		h[min(max(i, 0), bins-1)]++
	}
	return h
}

// PassAtK is the unbiased estimator 1 − C(n−c, k)/C(n, k) of the chance
// that one of k samples out of n, c of them correct, is correct.
func PassAtK(n, c, k int) float64 {
	if n-c < k {
		return 1
	}
	p := 1.0
	for i := n - c + 1; i <= n; i++ {
		p *= 1 - float64(k)/float64(i)
	}
	return 1 - p
}

// Row is one line of the paper's results tables.
type Row struct {
	Method                        string
	Acc1, Acc2, IToC, CToI, Delta float64 // fractions
}

// Summarize computes a Row between turns t1 and t2.
func Summarize(method string, ts []Trajectory, t1, t2 int) Row {
	up, down, d := Changes(ts, t1, t2)
	return Row{Method: method, Acc1: Acc(ts, t1), Acc2: Acc(ts, t2), IToC: up, CToI: down, Delta: d}
}

// Table renders rows as the paper prints them, in percent.
func Table(rows []Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %8s %8s %8s %8s %8s\n", "method", "Acc@t1", "Acc@t2", "Δi→c", "Δc→i", "Δ")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-16s %8.1f %8.1f %8.1f %8.1f %8.1f\n", r.Method,
			100*r.Acc1, 100*r.Acc2, 100*r.IToC, 100*r.CToI, 100*r.Delta)
	}
	return b.String()
}

// PassAtKRuns is pass@k at turn t over n sampled runs of the same problems
// (runs[i][p] is run i's trajectory of problem p): the mean over problems of
// PassAtK(n, c, k), c being the runs correct at turn t.
func PassAtKRuns(runs [][]Trajectory, t, k int) float64 {
	if len(runs) == 0 || len(runs[0]) == 0 {
		return 0
	}
	var sum float64
	for p := range runs[0] {
		c := 0
		for _, run := range runs {
			if run[p][t-1].Correct() {
				c++
			}
		}
		sum += PassAtK(len(runs), c, k)
	}
	return sum / float64(len(runs[0]))
}

// Checkpoint is an evaluation made at a training step.
type Checkpoint struct {
	Step int
	Runs []Trajectory
}
