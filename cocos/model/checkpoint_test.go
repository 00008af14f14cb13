package model

import (
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestCheckpointResume: training 3 steps, checkpointing, then 2 more steps
// gives exactly the weights of restoring the checkpoint into a fresh model
// and training the same 2 steps there: optimiser state travels too.
func TestCheckpointResume(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	ids, mask := paddedBatch(cfg.VocabSize)
	opt := func() optimizer.Interface { return optimizer.Adam().LearningRate(1e-2).WeightDecay(0.1).Done() }
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

// TestLegacyCheckpoint: a checkpoint written by GoMLX v0.26 (testdata,
// made by cocos before the move to v0.28: a 1-layer qwen2 after 3 AdamW
// steps on paddedBatch) loads: its weights exactly, and its optimiser state
// so that 2 more steps land where v0.26's own 2 more steps did.
func TestLegacyCheckpoint(t *testing.T) {
	backend, _ := NewBackend("go")
	dir := "testdata/checkpoint-v0.26"
	atStep3, err := Load(backend, filepath.Join(dir, "weights-step-3"))
	if err != nil {
		t.Fatal(err)
	}
	atStep5, err := Load(backend, filepath.Join(dir, "weights-step-5"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := atStep3.Config
	m, _ := New(backend, cfg, RandomWeights(cfg, 7, 0.02))
	if err := m.LoadCheckpoint(filepath.Join(dir, "step-3")); err != nil {
		t.Fatal(err)
	}
	if d := weightsDiff(t, m, atStep3); d != 0 {
		t.Fatalf("weights differ from the v0.26 model by %g after loading its checkpoint", d)
	}
	if step := m.State("/AdamOptimizer/step"); step != float32(3) {
		t.Fatalf("Adam's step counter = %v, want 3 (v0.26's /AdamOptimizer/global_step)", step)
	}
	ids, mask := paddedBatch(cfg.VocabSize)
	tr := mustTrainer(t, m, optimizer.Adam().LearningRate(1e-2).WeightDecay(0.1).Done())
	for range 2 {
		if _, err := tr.Step(NLLInputs(ids, mask, mask)); err != nil {
			t.Fatal(err)
		}
	}
	resumed := weightsDiff(t, m, atStep5)
	// Control: the same 2 steps from the step-3 weights with a fresh Adam.
	fresh, _ := New(backend, cfg, mustWeights(t, atStep3))
	tf := mustTrainer(t, fresh, optimizer.Adam().LearningRate(1e-2).WeightDecay(0.1).Done())
	for range 2 {
		tf.Step(NLLInputs(ids, mask, mask))
	}
	restarted := weightsDiff(t, fresh, atStep5)
	t.Logf("distance to v0.26's step 5: resumed %g, restarted Adam %g", resumed, restarted)
	if resumed > 1e-5 || restarted < 100*resumed { // float rounding differs between GoMLX versions
		t.Errorf("resumed from the v0.26 checkpoint: %g from v0.26's step 5 (a fresh Adam: %g)", resumed, restarted)
	}
}

func mustWeights(t *testing.T, m *Model) map[string]Tensor {
	t.Helper()
	w, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// weightsDiff is the largest absolute difference between two models' weights.
func weightsDiff(t *testing.T, a, b *Model) float64 {
	t.Helper()
	wa, wb := mustWeights(t, a), mustWeights(t, b)
	var d float64
	for name, x := range wa {
		d = max(d, maxAbsDiff(x.Data, wb[name].Data))
	}
	return d
}
