package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSample: greedy takes the first largest logit with its log-softmax;
// temperature sampling draws each token as often as softmax(logits/τ)
// says; top-p draws only from the smallest most-probable set reaching p,
// renormalised.
func TestSample(t *testing.T) {
	logits := []float32{1.0, 3.0, 3.0, -2.0, 0.5, 2.0}
	softmax := func(tau float64, keep []bool) []float64 {
		p := make([]float64, len(logits))
		var z float64
		for i, l := range logits {
			if keep == nil || keep[i] {
				p[i] = math.Exp(float64(l) / tau)
				z += p[i]
			}
		}
		for i := range p {
			p[i] /= z
		}
		return p
	}
	r := rand.New(rand.NewPCG(1, 2))
	id, lp := sample(logits, GenerateConfig{}, r)
	if want := softmax(1, nil); id != 1 || math.Abs(float64(lp)-math.Log(want[1])) > 1e-6 {
		t.Errorf("greedy: token %d (log-prob %g), want 1 (%g)", id, lp, math.Log(want[1]))
	}
	cases := []struct {
		name string
		cfg  GenerateConfig
		keep []bool
	}{
		{"temperature 0.9", GenerateConfig{Temperature: 0.9, TopP: 1}, nil},
		// At τ=1 tokens 1 and 2 hold 0.37 each, token 5 0.14: p=0.8 keeps those three.
		{"top-p 0.8", GenerateConfig{Temperature: 1, TopP: 0.8}, []bool{false, true, true, false, false, true}},
	}
	for _, c := range cases {
		want := softmax(c.cfg.Temperature, c.keep)
		const n = 200000
		counts := make([]float64, len(logits))
		for range n {
			id, lp := sample(logits, c.cfg, r)
			counts[id]++
			if math.Abs(float64(lp)-math.Log(want[id])) > 1e-6 {
				t.Fatalf("%s: token %d has log-prob %g, want %g", c.name, id, lp, math.Log(want[id]))
			}
		}
		for i := range counts {
			got := counts[i] / n
			if sd := math.Sqrt(want[i] * (1 - want[i]) / n); math.Abs(got-want[i]) > 5*sd+1e-9 {
				t.Errorf("%s: token %d drawn %.4f of the time, want %.4f", c.name, i, got, want[i])
			}
		}
	}
}

// TestLogProbsAtSamplingTemperature: the log-probs a policy gradient reads
// (LogProbsAt τ, the path RLOO's Step and its loss take) are those of the
// distribution Generate sampled from at temperature τ — log
// softmax(logits/τ) at the sampled tokens — and differ from τ = 1's.
func TestLogProbsAtSamplingTemperature(t *testing.T) {
	m := tinyModel(t, 97)
	const tau = 0.9
	gens, err := m.GenerateIDs(nil, [][]int{{5, 17, 3, 40}, {8, 2}}, GenerateConfig{
		MaxNewTokens: 12, Temperature: tau, TopP: 1, Seed: 3, StopStrings: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		row := append(append([]int32{}, toIDs(g.PromptIDs)...), toIDs(g.NewIDs)...)
		mask, want := make([]int32, len(row)), make([]int32, len(row))
		for j := range row {
			mask[j] = 1
			if j >= len(g.PromptIDs) {
				want[j] = 1
			}
		}
		at, err := m.LogProbsAt([][]int32{row}, [][]int32{mask}, [][]int32{want}, tau)
		if err != nil {
			t.Fatal(err)
		}
		one, _ := m.LogProbs([][]int32{row}, [][]int32{mask}, [][]int32{want})
		logits, _ := m.Logits([][]int32{row}, [][]int32{mask})
		var moved float64
		for k, lp := range g.LogProbs {
			j := len(g.PromptIDs) + k // token j is predicted at position j-1
			if d := math.Abs(float64(at[0][j-1] - lp)); d > 1e-4 {
				t.Errorf("token %d: log-prob %g at τ=%g, the sampler's %g", j, at[0][j-1], tau, lp)
			}
			if d := math.Abs(float64(at[0][j-1]) - logSoftmaxAt(logits[0][j-1], row[j], tau)); d > 1e-4 {
				t.Errorf("token %d: log-prob %g, log softmax(logits/τ) %g", j, at[0][j-1], logSoftmaxAt(logits[0][j-1], row[j], tau))
			}
			moved = math.Max(moved, math.Abs(float64(one[0][j-1]-at[0][j-1])))
		}
		if moved < 1e-3 {
			t.Errorf("τ=1 and τ=%g log-probs agree (max difference %g): the temperature is not applied", tau, moved)
		}
	}
}

func toIDs(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

// logSoftmaxAt is log softmax(logits/τ)[id] in float64.
func logSoftmaxAt(logits []float32, id int32, tau float64) float64 {
	maxv := math.Inf(-1)
	for _, l := range logits {
		maxv = math.Max(maxv, float64(l)/tau)
	}
	var z float64
	for _, l := range logits {
		z += math.Exp(float64(l)/tau - maxv)
	}
	return float64(logits[id])/tau - maxv - math.Log(z)
}

// TestTopK: top-50 sampling (the released code's Hugging Face default)
// draws only among the 50 highest logits — ties with the 50th included —
// and reports each token's log-prob under that set renormalised at the
// temperature, the released code's "old" log-probs.
func TestTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	logits := make([]float32, 2000)
	for i := range logits {
		logits[i] = float32(r.NormFloat64() * 3)
	}
	logits[7], logits[8] = 100, 100 // ties at the top change nothing
	sorted := slices.Clone(logits)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	for _, k := range []int{1, 50, 2000, 5000} {
		floor := sorted[min(k, len(sorted))-1]
		if got := kthLargest(logits, k); got != floor {
			t.Fatalf("k=%d: kthLargest %g, want %g", k, got, floor)
		}
	}
	const tau = 0.9
	floor := sorted[49]
	var z float64
	for _, l := range logits {
		if l >= floor {
			z += math.Exp(float64(l-sorted[0]) / tau)
		}
	}
	cfg := GenerateConfig{Temperature: tau, TopK: 50, TopP: 1}
	seen := map[int]bool{}
	for range 3000 {
		id, lp := sample(logits, cfg, r)
		if logits[id] < floor {
			t.Fatalf("drew token %d (logit %g) outside the top 50 (floor %g)", id, logits[id], floor)
		}
		want := float64(logits[id]-sorted[0])/tau - math.Log(z)
		if math.Abs(float64(lp)-want) > 1e-4 {
			t.Fatalf("token %d: log-prob %g, want the renormalised %g", id, lp, want)
		}
		seen[id] = true
	}
	if len(seen) < 2 {
		t.Errorf("top-50 drew %d distinct tokens", len(seen))
	}
	tied := make([]float32, 100) // every logit equal: all are kept
	cfg.TopK = 3
	for range 200 {
		id, lp := sample(tied, cfg, r)
		if math.Abs(float64(lp)+math.Log(100)) > 1e-6 {
			t.Fatalf("tied logits: token %d log-prob %g, want log(1/100)", id, lp)
		}
	}
}
