package sft

import (
	"math"
	"testing"
)

func TestCosine(t *testing.T) {
	c := Cosine{Peak: 2e-5, Warmup: 4, Total: 14}
	cases := []struct {
		step int
		want float64
	}{
		{0, 0.5e-5}, {3, 2e-5}, {4, 2e-5}, {9, 1e-5}, {14, 0}, {100, 0},
	}
	for _, k := range cases {
		if got := c.At(k.step); math.Abs(got-k.want) > 1e-15 {
			t.Errorf("step %d: %g, want %g", k.step, got, k.want)
		}
	}
}
