package model

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// TestTrainStepLearns: AdamW steps on one batch drive its loss down.
func TestTrainStepLearns(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	m, err := New(backend, cfg, RandomWeights(cfg, 2, 0.02))
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTrainer(m, optimizers.Adam().LearningRate(3e-3).WeightDecay(0.1).Done())
	ids, mask := paddedBatch(cfg.VocabSize)
	var first, last float32
	start := time.Now()
	for i := range 30 {
		loss, err := tr.Step(ids, mask, mask)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = loss
		}
		last = loss
	}
	t.Logf("loss %.3f -> %.3f in 30 steps (%v per step)", first, last, time.Since(start)/30)
	if !(last < first*0.5) {
		t.Errorf("loss did not halve: %.3f -> %.3f", first, last)
	}
}
