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

// TestSetLearningRate: at learning rate 0 a step leaves the weights as they
// are (AdamW's decay scales with it too); back at 1e-2 they move.
func TestSetLearningRate(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	m, _ := New(backend, cfg, RandomWeights(cfg, 2, 0.02))
	tr := NewTrainer(m, optimizers.Adam().LearningRate(1e-2).WeightDecay(0.1).Done())
	ids, mask := paddedBatch(cfg.VocabSize)
	tr.Step(ids, mask, mask)
	before, _ := m.Weights()
	if err := tr.SetLearningRate(0); err != nil {
		t.Fatal(err)
	}
	tr.Step(ids, mask, mask)
	frozen, _ := m.Weights()
	tr.SetLearningRate(1e-2)
	tr.Step(ids, mask, mask)
	after, _ := m.Weights()
	name := "model.layers.0.mlp.up_proj.weight"
	if d := maxAbsDiff(before[name].Data, frozen[name].Data); d != 0 {
		t.Errorf("learning rate 0 still moved the weights by %g", d)
	}
	if d := maxAbsDiff(frozen[name].Data, after[name].Data); d == 0 {
		t.Error("learning rate 1e-2 did not move the weights")
	}
}
