package model

import (
	"math"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestTrainStepLearns: AdamW steps on one batch drive its loss down.
func TestTrainStepLearns(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	m, err := New(backend, cfg, RandomWeights(cfg, 2, 0.02))
	if err != nil {
		t.Fatal(err)
	}
	tr := mustTrainer(t, m, optimizer.Adam().LearningRate(3e-3).WeightDecay(0.1).Done())
	ids, mask := paddedBatch(cfg.VocabSize)
	var first, last float32
	start := time.Now()
	for i := range 30 {
		st, err := tr.Step(NLLInputs(ids, mask, mask))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = st.Loss
		}
		last = st.Loss
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
	tr := mustTrainer(t, m, optimizer.Adam().LearningRate(1e-2).WeightDecay(0.1).Done())
	ids, mask := paddedBatch(cfg.VocabSize)
	tr.Step(NLLInputs(ids, mask, mask))
	before, _ := m.Weights()
	if err := tr.SetLearningRate(0); err != nil {
		t.Fatal(err)
	}
	tr.Step(NLLInputs(ids, mask, mask))
	frozen, _ := m.Weights()
	tr.SetLearningRate(1e-2)
	tr.Step(NLLInputs(ids, mask, mask))
	after, _ := m.Weights()
	name := "model.layers.0.mlp.up_proj.weight"
	if d := maxAbsDiff(before[name].Data, frozen[name].Data); d != 0 {
		t.Errorf("learning rate 0 still moved the weights by %g", d)
	}
	if d := maxAbsDiff(frozen[name].Data, after[name].Data); d == 0 {
		t.Error("learning rate 1e-2 did not move the weights")
	}
}

func mustTrainer(t testing.TB, m *Model, opt optimizer.Interface) *Trainer {
	t.Helper()
	tr, err := NewTrainer(m, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// fullRows is a batch of n unpadded rows, so every row has as many loss
// tokens and the mean of micro-batch losses is the batch's loss.
func fullRows(n, vocab int) (ids, mask [][]int32) {
	for r := range n {
		row, m := make([]int32, 10), make([]int32, 10)
		for j := range row {
			row[j], m[j] = int32((r*17+j*5+1)%vocab), 1
		}
		ids, mask = append(ids, row), append(mask, m)
	}
	return ids, mask
}

// sgd is plain gradient descent: its update is lr times the gradient, so
// a wrongly scaled gradient shows (Adam would normalise it away).
func sgd(lr float64) optimizer.Interface {
	return optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(lr).Done()
}

// TestGradientAccumulation: one step over two micro-batches of 2 rows moves
// the weights as one step over the 4-row batch does.
func TestGradientAccumulation(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	ids, mask := fullRows(4, cfg.VocabSize)
	whole, _ := New(backend, cfg, RandomWeights(cfg, 5, 0.02))
	parts, _ := New(backend, cfg, RandomWeights(cfg, 5, 0.02))
	a, err := mustTrainer(t, whole, sgd(0.5)).Step(NLLInputs(ids, mask, mask))
	if err != nil {
		t.Fatal(err)
	}
	b, err := mustTrainer(t, parts, sgd(0.5)).Step(NLLInputs(ids[:2], mask[:2], mask[:2]), NLLInputs(ids[2:], mask[2:], mask[2:]))
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(a.Loss - b.Loss)); d > 1e-5 {
		t.Errorf("loss %g whole, %g accumulated", a.Loss, b.Loss)
	}
	if d := math.Abs(float64(a.GradNorm-b.GradNorm)) / float64(a.GradNorm); d > 1e-4 {
		t.Errorf("gradient norm %g whole, %g accumulated", a.GradNorm, b.GradNorm)
	}
	start := RandomWeights(cfg, 5, 0.02)
	wa, _ := whole.Weights()
	wb, _ := parts.Weights()
	for name, x := range wa {
		moved := maxAbsDiff(x.Data, start[name].Data)
		if d := maxAbsDiff(x.Data, wb[name].Data); d > 1e-3*moved+1e-7 {
			t.Errorf("%s: accumulated step differs by %g (the step moved it by %g)", name, d, moved)
		}
	}
}

// TestClipGlobalNorm: with SGD at learning rate 1 the update is the
// gradient, so its global norm is the reported norm unclipped, and exactly
// ClipNorm clipped — on the fused and the accumulating path.
func TestClipGlobalNorm(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	ids, mask := fullRows(2, cfg.VocabSize)
	one := [][]any{NLLInputs(ids, mask, mask)}
	two := [][]any{NLLInputs(ids[:1], mask[:1], mask[:1]), NLLInputs(ids[1:], mask[1:], mask[1:])}
	for _, c := range []struct {
		name  string
		clip  float64
		micro [][]any
	}{{"fused, unclipped", 0, one}, {"fused, clipped", 1e-3, one}, {"accumulated, clipped", 1e-3, two}} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := New(backend, cfg, RandomWeights(cfg, 6, 0.02))
			tr := mustTrainer(t, m, sgd(1))
			tr.ClipNorm = c.clip
			st, err := tr.Step(c.micro...)
			if err != nil {
				t.Fatal(err)
			}
			before := RandomWeights(cfg, 6, 0.02)
			after, _ := m.Weights()
			var sq float64
			for name, x := range after {
				for i, v := range x.Data {
					d := float64(v - before[name].Data[i])
					sq += d * d
				}
			}
			want := float64(st.GradNorm)
			if c.clip > 0 {
				if want <= c.clip {
					t.Fatalf("gradient norm %g is below the clip %g: the test cannot see clipping", want, c.clip)
				}
				want = c.clip
			}
			if got := math.Sqrt(sq); math.Abs(got-want) > 2e-3*want {
				t.Errorf("update norm %g, want %g (gradient norm %g)", got, want, st.GradNorm)
			}
		})
	}
}

// TestManyShapes: a run meets more input shapes than GoMLX's default cap
// of 32 compiled programs per Exec (packed batches, growing caches, RL
// rollouts); training, log-probs and generation keep going past it.
func TestManyShapes(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	cfg.NumHiddenLayers = 1
	m, err := New(backend, cfg, RandomWeights(cfg, 3, 0.02))
	if err != nil {
		t.Fatal(err)
	}
	tr := mustTrainer(t, m, sgd(0.1))
	for n := 2; n < 2+40; n++ {
		ids, mask := fullRows(1, cfg.VocabSize)
		for len(ids[0]) < n {
			ids[0], mask[0] = append(ids[0], 1), append(mask[0], 1)
		}
		ids[0], mask[0] = ids[0][:n], mask[0][:n]
		if _, err := tr.Step(NLLInputs(ids, mask, mask)); err != nil {
			t.Fatalf("train step on shape %d: %v", n, err)
		}
		if _, err := m.LogProbs(ids, mask, nil); err != nil {
			t.Fatalf("log-probs on shape %d: %v", n, err)
		}
	}
}

// TestProgramsSeeNewWeights: programs compiled before an optimiser step
// (the forward, the log-probs, a decoding step) compute with the weights
// after it, as a fresh model holding those weights does; and consecutive
// steps on one batch see each other's updates (the loss moves).
func TestProgramsSeeNewWeights(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	m, _ := New(backend, cfg, RandomWeights(cfg, 3, 0.02))
	ids, mask := paddedBatch(cfg.VocabSize)
	run := func(m *Model) (logits [][][]float32, lp [][]float32, next [][]float32) {
		var err error
		if logits, err = m.Logits(ids, mask); err != nil {
			t.Fatal(err)
		}
		if lp, err = m.LogProbs(ids, mask, nil); err != nil {
			t.Fatal(err)
		}
		next = prefillEach(t, m, ids, mask)
		return logits, lp, next
	}
	run(m) // compiles every program with the initial weights
	tr := mustTrainer(t, m, sgd(0.5))
	first, _ := tr.Step(NLLInputs(ids, mask, mask))
	second, _ := tr.Step(NLLInputs(ids, mask, mask))
	if first.Loss == second.Loss {
		t.Errorf("the second step saw the first one's weights: loss %g both times", first.Loss)
	}
	w, _ := m.Weights()
	fresh, _ := New(backend, cfg, w)
	gotL, gotP, gotN := run(m)
	wantL, wantP, wantN := run(fresh)
	for r := range ids {
		for j := range ids[r] {
			if d := maxAbsDiff(gotL[r][j], wantL[r][j]); d > 1e-5 {
				t.Fatalf("logits row %d position %d: stale by %g", r, j, d)
			}
		}
		if d := maxAbsDiff(gotP[r], wantP[r]); d > 1e-5 {
			t.Errorf("log-probs row %d: stale by %g", r, d)
		}
		if d := maxAbsDiff(gotN[r], wantN[r]); d > 1e-5 {
			t.Errorf("decoding step row %d: stale by %g", r, d)
		}
	}
}

// TestCheckpointingSameStep: with per-layer gradient checkpointing a
// training step gives the loss and the update of the step without it
// (the layers are recomputed, not changed), with and without LoRA.
func TestCheckpointingSameStep(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	ids, mask, loss := packedBatch(cfg.VocabSize)
	for _, lora := range []bool{false, true} {
		var losses []float32
		var weights []map[string]Tensor
		for _, remat := range []bool{false, true} {
			m, _ := New(backend, cfg, RandomWeights(cfg, 4, 0.2))
			if lora {
				if err := m.AddLoRA(LoRAConfig{Rank: 2, Seed: 1}); err != nil {
					t.Fatal(err)
				}
			}
			m.SetCheckpointing(remat)
			tr := mustTrainer(t, m, sgd(0.5))
			var st StepStats
			for range 2 { // the second step moves B off zero for LoRA
				var err error
				if st, err = tr.Step(NLLInputs(ids, mask, loss)); err != nil {
					t.Fatal(err)
				}
			}
			w, _ := m.Weights()
			losses, weights = append(losses, st.Loss), append(weights, w)
		}
		if d := math.Abs(float64(losses[0] - losses[1])); d > 1e-6 {
			t.Errorf("lora=%v: loss %g without checkpointing, %g with", lora, losses[0], losses[1])
		}
		for name, w := range weights[0] {
			if d := maxAbsDiff(w.Data, weights[1][name].Data); d > 1e-6 {
				t.Errorf("lora=%v: %s differs by %g with checkpointing", lora, name, d)
			}
		}
	}
}
