package rl

import (
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
)

// TestPaperBudget: the estimate that docs/paper-scale.md and lab.Paper's
// comments quote for Qwen2.5-1.5B at the paper's batch — full fine-tuning
// in f32 fits no card, in bf16 with checkpointing a 40 GB one, LoRA r=16
// in bf16 with checkpointing a 24 GB one — and its
// parts add up: full fine-tuning's weights, gradients and Adam are 16
// bytes a parameter.
func TestPaperBudget(t *testing.T) {
	p, err := model.FindPreset("qwen2.5-1.5b")
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Config
	full := EstimateBudget(cfg, PaperBudgetShape())
	if n := int64(cfg.NumParams()); full.Weights+full.Gradients+full.Optimiser != 16*n || full.Reference != 4*n {
		t.Errorf("full fine-tuning: %+v for %d parameters", full, n)
	}
	bf16 := PaperBudgetShape()
	bf16.WeightBytes, bf16.ComputeBytes, bf16.Checkpoint = 2, 2, true
	lora := bf16
	lora.LoRARank = 16
	for _, c := range []struct {
		name     string
		b        Budget
		min, max float64 // GB
	}{
		{"full f32", full, 80, 1e9},
		{"full bf16 checkpointing", EstimateBudget(cfg, bf16), 24, 40},
		{"LoRA r=16 bf16 checkpointing", EstimateBudget(cfg, lora), 4, 24},
	} {
		if gb := float64(c.b.Total()) / 1e9; gb <= c.min || gb > c.max {
			t.Errorf("%s: %.1f GB, want in (%g, %g]", c.name, gb, c.min, c.max)
		}
	}
}
