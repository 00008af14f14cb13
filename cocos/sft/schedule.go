package sft

import "math"

// Cosine is the learning-rate schedule of the boost SFT (and CoCoS): linear
// warm-up to Peak over Warmup steps, then cosine decay to 0 at Total.
type Cosine struct {
	Peak          float64
	Warmup, Total int
}

// At is the learning rate of step (0-based).
func (c Cosine) At(step int) float64 {
	if step < c.Warmup {
		return c.Peak * float64(step+1) / float64(c.Warmup)
	}
	if step >= c.Total {
		return 0
	}
	progress := float64(step-c.Warmup) / float64(max(1, c.Total-c.Warmup))
	return c.Peak * 0.5 * (1 + math.Cos(math.Pi*progress))
}
