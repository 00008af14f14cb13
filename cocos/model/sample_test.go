package model

import (
	"math"
	"math/rand/v2"
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
