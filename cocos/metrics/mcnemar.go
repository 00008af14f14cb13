package metrics

import "math"

// McNemar is the two-sided exact McNemar test of Δi→c against Δc→i: with
// b problems going i→c and c the reverse (the discordant pairs; problems
// whose correctness stays carry no information on the difference), under
// the null of no change each discordant problem is i→c with chance 1/2,
// and p = min(1, 2·P(X ≤ min(b, c))) for X ~ Binomial(b+c, 1/2); 1 when
// b + c = 0.
func McNemar(b, c int) float64 {
	n, k := b+c, min(b, c)
	if n == 0 {
		return 1
	}
	// Sum the binomial terms in log space: 2^−n underflows from n = 1075,
	// and pooled seeds reach thousands of problems.
	logTerm := -float64(n) * math.Ln2 // log C(n, 0)/2^n
	logs := make([]float64, 0, k+1)
	for i := 0; i <= k; i++ {
		logs = append(logs, logTerm)
		logTerm += math.Log(float64(n-i)) - math.Log(float64(i+1))
	}
	return min(1, 2*expSum(logs))
}

// expSum is Σ exp(x) over xs, scaled by the largest so that terms far
// below 2^−1074 still add up when their sum does not underflow.
func expSum(xs []float64) float64 {
	top := math.Inf(-1)
	for _, x := range xs {
		top = max(top, x)
	}
	var s float64
	for _, x := range xs {
		s += math.Exp(x - top)
	}
	return s * math.Exp(top)
}

// Discordant are the numbers of problems going i→c and c→i between turns
// t1 and t2: McNemar's b and c.
func Discordant(ts []Trajectory, t1, t2 int) (iToC, cToI int) {
	for _, m := range transitions(ts, t1, t2) {
		switch m {
		case 1:
			iToC++
		case -1:
			cToI++
		}
	}
	return iToC, cToI
}

// McNemarSeeds is McNemar's p over several seeds' evaluations of the same
// problems, the discordant counts pooled (summed) over seeds. Pooling
// treats each seed's problems as new ones, although the problems repeat
// across seeds: the p-value is then smaller than a test that modelled the
// repetition would give, so the two-level bootstrap interval of Δ
// (Bootstrap.Seeds), not this p, is what says whether a Δ over seeds is
// more than noise; the p says whether the pooled fixes and breaks differ.
func McNemarSeeds(seeds [][]Trajectory, t1, t2 int) float64 {
	var b, c int
	for _, ts := range seeds {
		up, down := Discordant(ts, t1, t2)
		b, c = b+up, c+down
	}
	return McNemar(b, c)
}
