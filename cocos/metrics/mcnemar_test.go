package metrics

import "testing"

// TestMcNemar: exact two-sided p on hand-computed cases.
func TestMcNemar(t *testing.T) {
	for _, c := range []struct {
		b, c int
		want float64
	}{
		{0, 5, 2.0 / 32},                // 2·P(X = 0), X ~ B(5, 1/2)
		{5, 0, 2.0 / 32},                // symmetric
		{1, 9, 2 * 11.0 / 1024},         // 2·(1 + 10)/2^10
		{2, 8, 2 * 56.0 / 1024},         // 2·(1 + 10 + 45)/2^10
		{0, 1, 1},                       // 2·1/2
		{4, 4, 1},                       // b = c: capped at 1
		{7, 7, 1},                       //
		{0, 0, 1},                       // no discordant problem
		{0, 20, 2.0 / (1 << 20)},        //
		{3, 3000, 0},                    // far below float64's range
		{600, 600, 1},                   // large and balanced: no underflow
		{520, 480, 0.21744829320414094}, // 2·Σ_{k≤480} C(1000, k)/2^1000, in integers
	} {
		got := McNemar(c.b, c.c)
		if !near(got, c.want, 1e-9*max(c.want, 1e-300)) && !(c.want == 0 && got < 1e-300) {
			t.Errorf("McNemar(%d, %d) = %.12g, want %.12g", c.b, c.c, got, c.want)
		}
	}
}

// TestDiscordant: the sample's problems (one i→c, one c→i), pooled over
// two seeds for McNemarSeeds, and a Row's p.
func TestDiscordant(t *testing.T) {
	if b, c := Discordant(sample, 1, 2); b != 1 || c != 1 {
		t.Errorf("discordant %d, %d", b, c)
	}
	seeds := [][]Trajectory{problems(10, 0, 3), problems(10, 0, 2)}
	if got := McNemarSeeds(seeds, 1, 2); got != McNemar(0, 5) {
		t.Errorf("pooled p %g", got)
	}
	if r := Summarize("x", problems(10, 1, 9), 1, 2); !near(r.McNemarP, 2*11.0/1024, 1e-12) {
		t.Errorf("row p %g", r.McNemarP)
	}
}
