// Package metrics computes the paper's self-correction metrics (section
// 4.1, 8.2, Figure 2) and pass@k.
package metrics

import (
	"fmt"
	"math"
	"strings"
)

// Turn is one turn's judged program: which of the unit tests passed.
type Turn struct {
	Passed []bool // per unit test
	Code   string // the extracted program (for edit ratios)
	// Tests are the unit tests as the turn's prompt showed them, one per
	// line ("" when unknown): what Flags reads the called functions from.
	Tests string
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
	Method string
	// From and To are the two turns compared (Acc1 is Acc@tFrom, Acc2
	// Acc@tTo); 0 reads as 1 and 2.
	From, To                      int
	Acc1, Acc2, IToC, CToI, Delta float64 // fractions
	// Problems is the number of problems the row counts (per seed); 0 on a
	// row not computed from trajectories (OverSeeds' mean and sd), which
	// then has no intervals and no p.
	Problems int
	// CI are the 95 % paired-bootstrap intervals of IToC, CToI and Delta
	// (Bootstrap; over seeds, the two-level one of SummarizeSeeds).
	CI Intervals
	// McNemarP is McNemar's exact p of IToC against CToI (McNemar).
	McNemarP float64
}

// Summarize computes a Row between turns t1 and t2, with the default
// Bootstrap's intervals and McNemar's p.
func Summarize(method string, ts []Trajectory, t1, t2 int) Row {
	up, down, d := Changes(ts, t1, t2)
	b, c := Discordant(ts, t1, t2)
	return Row{Method: method, From: t1, To: t2, Acc1: Acc(ts, t1), Acc2: Acc(ts, t2), IToC: up, CToI: down, Delta: d,
		Problems: len(ts), CI: Bootstrap{}.Changes(ts, t1, t2), McNemarP: McNemar(b, c)}
}

// Turns are the row's two turns, 1 and 2 unless set.
func (r Row) Turns() (from, to int) {
	from, to = r.From, r.To
	if from == 0 {
		from = 1
	}
	if to == 0 {
		to = 2
	}
	return from, to
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

// Spread is a results row over seeds: each field's mean and sample
// standard deviation (n−1), as fractions.
type Spread struct {
	Method string
	Seeds  int
	// Mean and SD are the per-seed rows' means and standard deviations.
	// From SummarizeSeeds, Mean also holds the two-level bootstrap
	// intervals of the mean changes and the pooled McNemar p.
	Mean, SD Row
	Rows     []Row // per seed
}

// OverSeeds summarises rows of the same method on different seeds: means
// and standard deviations only, for want of the trajectories that an
// interval needs (SummarizeSeeds).
func OverSeeds(method string, rows []Row) Spread {
	s := Spread{Method: method, Seeds: len(rows), Rows: rows}
	if len(rows) == 0 {
		return s
	}
	s.Mean.From, s.Mean.To = rows[0].Turns()
	s.SD.From, s.SD.To = s.Mean.From, s.Mean.To
	for _, f := range rowFields {
		var xs []float64
		for _, r := range rows {
			xs = append(xs, *f(&r))
		}
		*f(&s.Mean), *f(&s.SD) = MeanSD(xs)
	}
	s.Mean.Method, s.SD.Method = method, method
	return s
}

// SummarizeSeeds summarises a method's evaluations on several seeds, all
// of the same problems in the same order (seeds[s] is seed s's
// trajectories): each seed's Row (Summarize), their mean and sd
// (OverSeeds), and on the mean row the two-level bootstrap intervals over
// seeds and problems (Bootstrap.Seeds) and McNemar's p of the discordant
// problems pooled over seeds (McNemarSeeds).
func SummarizeSeeds(method string, seeds [][]Trajectory, t1, t2 int) Spread {
	rows := make([]Row, len(seeds))
	for i, ts := range seeds {
		rows[i] = Summarize(method, ts, t1, t2)
	}
	s := OverSeeds(method, rows)
	if len(seeds) > 0 {
		s.Mean.Problems = len(seeds[0])
		s.Mean.CI = Bootstrap{}.Seeds(seeds, t1, t2)
		s.Mean.McNemarP = McNemarSeeds(seeds, t1, t2)
	}
	return s
}

var rowFields = []func(*Row) *float64{
	func(r *Row) *float64 { return &r.Acc1 }, func(r *Row) *float64 { return &r.Acc2 },
	func(r *Row) *float64 { return &r.IToC }, func(r *Row) *float64 { return &r.CToI },
	func(r *Row) *float64 { return &r.Delta },
}

// Cells are the spread's numbers in percent: the accuracies as
// "mean ± sd"; Δi→c, Δc→i and Δ as the mean and its two-level interval
// ("−11.0 [−17.0, −5.0]") where the spread has one (SummarizeSeeds), else
// as "mean ± sd"; and McNemar's pooled p ("—" without one).
func (s Spread) Cells() []string {
	var out []string
	for i, f := range rowFields {
		if i >= 2 && s.Mean.Problems > 0 {
			out = append(out, WithInterval(*f(&s.Mean), s.Mean.CI.Ordered()[i-2]))
			continue
		}
		out = append(out, Percent(*f(&s.Mean))+" ± "+Percent(*f(&s.SD)))
	}
	return append(out, s.Mean.pCell())
}

// SpreadTable renders spreads as the paper's table in percent: the
// accuracies as mean ± sd over seeds, the changes as Spread.Cells shows
// them, and McNemar's p.
func SpreadTable(spreads []Spread) string {
	var b strings.Builder
	h := Header(1, 2)
	if len(spreads) > 0 {
		h = Header(spreads[0].Mean.Turns())
	}
	const format = "%-16s %13s %13s %20s %20s %20s %9s\n"
	fmt.Fprintf(&b, format, anys(h)...)
	for _, s := range spreads {
		fmt.Fprintf(&b, format, anys(append([]string{s.Method}, s.Cells()...))...)
	}
	return b.String()
}

// MeanSD is the mean and sample standard deviation (n−1; 0 for one value).
func MeanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}
