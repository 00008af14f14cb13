package model

import (
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// TestCheckpointResume: training 3 steps, checkpointing, then 2 more steps
// gives exactly the weights of restoring the checkpoint into a fresh model
// and training the same 2 steps there: optimiser state travels too.
func TestCheckpointResume(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	ids, mask := paddedBatch(cfg.VocabSize)
	opt := func() optimizers.Interface { return optimizers.Adam().LearningRate(1e-2).WeightDecay(0.1).Done() }
	a, _ := New(backend, cfg, RandomWeights(cfg, 1, 0.02))
	ta := mustTrainer(t, a, opt())
	for range 3 {
		if _, err := ta.Step(NLLInputs(ids, mask, mask)); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "step-3")
	if err := a.SaveCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	atStep3, _ := a.Weights()
	for range 2 {
		ta.Step(NLLInputs(ids, mask, mask))
	}
	b, _ := New(backend, cfg, RandomWeights(cfg, 99, 0.02)) // other weights: the checkpoint must replace them
	if err := b.LoadCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	tb := mustTrainer(t, b, opt())
	for range 2 {
		if _, err := tb.Step(NLLInputs(ids, mask, mask)); err != nil {
			t.Fatal(err)
		}
	}
	wa, _ := a.Weights()
	wb, _ := b.Weights()
	for name, x := range wa {
		if d := maxAbsDiff(x.Data, wb[name].Data); d != 0 {
			t.Fatalf("%s differs by %g after resuming", name, d)
		}
	}
	// Control: weights without the optimiser's moments do not resume exactly,
	// so the comparison above would catch a checkpoint that lost them.
	c, _ := New(backend, cfg, atStep3)
	tc := mustTrainer(t, c, opt())
	for range 2 {
		tc.Step(NLLInputs(ids, mask, mask))
	}
	wc, _ := c.Weights()
	same := true
	for name, x := range wa {
		same = same && maxAbsDiff(x.Data, wc[name].Data) == 0
	}
	if same {
		t.Error("control: restarting Adam from scratch gave the same weights; the test cannot see optimiser state")
	}
}
