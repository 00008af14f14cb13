package metrics

// BetterWorse counts problems whose number of passing unit tests went up
// ("better") or down ("worse") between turns: the per-problem reading of
// section 8.2's unit-level Δi→c and Δc→i that fits Table 5's values and
// that the released evaluation computes (its better_at_t and worsen_at_t,
// PROTOCOL.md "What the released implementation does"). UnitChanges is the
// per-test reading, the share of all unit tests that flip.
type BetterWorse struct {
	From, To int // the turns compared
	// Pairs is the number of turn pairs summed: 1 for ProblemsBetterWorse,
	// To − From for TurnsBetterWorse.
	Pairs    int
	Problems int
	// Better and Worse count (problem, turn pair)s whose passing count rose
	// or fell; a problem whose count stays is in neither.
	Better, Worse int
}

// Shares are Better and Worse over Problems × Pairs: for one pair, the
// shares of problems that got better and worse (Table 5's columns); over
// several, the mean of the per-pair shares.
func (bw BetterWorse) Shares() (better, worse float64) {
	n := bw.Problems * bw.Pairs
	return frac(bw.Better, n), frac(bw.Worse, n)
}

// ProblemsBetterWorse compares each problem's number of passing tests at
// turn t1 with that at turn t2. The released code compares consecutive
// turns (t2 = t1 + 1), which at T = 2 is Table 5's t1 → t2.
func ProblemsBetterWorse(ts []Trajectory, t1, t2 int) BetterWorse {
	bw := BetterWorse{From: t1, To: t2, Pairs: 1, Problems: len(ts)}
	for _, tr := range ts {
		a, b := passing(tr[t1-1]), passing(tr[t2-1])
		switch {
		case b > a:
			bw.Better++
		case b < a:
			bw.Worse++
		}
	}
	return bw
}

// TurnsBetterWorse sums ProblemsBetterWorse over the consecutive turn
// pairs from t1 to t2 (t1 → t1+1, …, t2−1 → t2): per problem, the number
// of turns whose passing count rose or fell, summed over problems. A
// problem that gets worse at turn 2 and better at turn 3 counts once in
// each, where comparing turns 1 and 3 directly would count it in neither.
func TurnsBetterWorse(ts []Trajectory, t1, t2 int) BetterWorse {
	sum := BetterWorse{From: t1, To: t2, Problems: len(ts)}
	for t := t1; t < t2; t++ {
		bw := ProblemsBetterWorse(ts, t, t+1)
		sum.Pairs++
		sum.Better += bw.Better
		sum.Worse += bw.Worse
	}
	return sum
}

// passing is the number of the turn's unit tests that passed.
func passing(t Turn) int {
	n := 0
	for _, p := range t.Passed {
		if p {
			n++
		}
	}
	return n
}
