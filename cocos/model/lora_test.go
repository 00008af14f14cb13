package model

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// loraModel is savedModel with rank-4 adapters on every projection whose B
// is drawn too (a fresh B of zeros would hide every error in the B·A
// term), saved in peft's format to the returned adapter directory.
func loraModel(t *testing.T, cfg Config) (m *Model, dir, adapter string) {
	t.Helper()
	backend, _ := parityBackend()
	m, dir = savedModel(t, backend, cfg)
	if err := m.AddLoRA(LoRAConfig{Rank: 4, Alpha: 12, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	for _, w := range m.LoRA().adapted(cfg) {
		_, b := adapterNames(w.Name)
		vals := make([]float32, w.Shape[0]*4)
		for i := range vals {
			vals[i] = float32(r.NormFloat64() * 0.1)
		}
		if err := m.Store.GetVariable(varPath(b)).SetValue(tensors.FromFlatDataAndDimensions(vals, w.Shape[0], 4)); err != nil {
			t.Fatal(err)
		}
	}
	adapter = filepath.Join(t.TempDir(), "adapter")
	if err := m.SaveAdapter(adapter, dir); err != nil {
		t.Fatal(err)
	}
	return m, dir, adapter
}

// TestLoRAParity: with adapters, the logits, the loss and the adapters'
// gradients equal an independent PyTorch LoRA (y = W x + b + (α/r)·B A x,
// tools/python/hf_reference.py reading our peft-format adapter) within
// 1e-5, and an SGD step leaves every base weight bit for bit as it was.
func TestLoRAParity(t *testing.T) {
	for _, name := range []string{"qwen2", "llama3"} {
		t.Run(name, func(t *testing.T) {
			cfg := tinyConfigs()[name]
			m, dir, adapter := loraModel(t, cfg)
			ids, mask, loss := packedBatch(cfg.VocabSize)
			got, err := m.Logits(ids, mask)
			if err != nil {
				t.Fatal(err)
			}
			raw := runReference(t, dir, map[string]any{"ids": ids, "mask": mask, "lora": adapter})
			want := decodeLogits(raw, ids, cfg.VocabSize)
			if d, scale := maxDiff(got, want, mask); d > 1e-5*math.Max(1, scale) {
				t.Errorf("max |Δlogit| %g (largest logit %g)", d, scale)
			}
			var names []string
			for _, w := range m.LoRA().adapted(cfg) {
				a, b := adapterNames(w.Name)
				names = append(names, a, b)
			}
			ref := floats(runReference(t, dir, map[string]any{"ids": ids, "mask": mask, "loss": loss, "lora": adapter, "grad_names": names}))
			before, _ := m.adapterValues()
			base, _ := m.Base().Weights()
			st, err := mustTrainer(t, m, sgd(1)).Step(NLLInputs(ids, mask, loss))
			if err != nil {
				t.Fatal(err)
			}
			after, _ := m.adapterValues()
			checkSGDStep(t, st.Loss, before, after, names, ref, func(d, scale float64) bool { return d <= 1e-5*math.Max(1, scale) })
			if now, _ := m.Base().Weights(); !reflect.DeepEqual(now, base) {
				t.Error("a LoRA step changed the base weights")
			}
		})
	}
}

func decodeLogits(raw []byte, ids [][]int32, vocab int) [][][]float32 {
	vals, k := floats(raw), 0
	out := make([][][]float32, len(ids))
	for i := range ids {
		out[i] = make([][]float32, len(ids[i]))
		for j := range ids[i] {
			out[i][j] = vals[k : k+vocab]
			k += vocab
		}
	}
	return out
}

func floats(raw []byte) []float32 {
	vals := make([]float32, len(raw)/4)
	copy(f32Bytes(vals), raw)
	return vals
}

// TestLoRASaveLoadMerge: a peft adapter loaded onto a fresh base gives the
// same logits bit for bit; Save writes the merged weights, whose model
// (no adapters) gives the adapted logits within 1e-5; Base computes the
// base model's logits bit for bit.
func TestLoRASaveLoadMerge(t *testing.T) {
	backend, _ := parityBackend()
	cfg := tinyConfigs()["qwen2"]
	m, dir, adapter := loraModel(t, cfg)
	ids, mask := paddedBatch(cfg.VocabSize)
	want, _ := m.Logits(ids, mask)

	fresh, err := Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := fresh.Logits(ids, mask)
	if err := fresh.LoadAdapter(adapter); err != nil {
		t.Fatal(err)
	}
	if got, _ := fresh.Logits(ids, mask); !reflect.DeepEqual(got, want) {
		t.Error("a loaded adapter computes other logits")
	}
	if got, _ := m.Base().Logits(ids, mask); !reflect.DeepEqual(got, plain) {
		t.Error("Base's logits differ from the base model's")
	}
	out := t.TempDir()
	if err := m.Save(out, false); err != nil {
		t.Fatal(err)
	}
	merged, err := Load(backend, out)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := merged.Logits(ids, mask)
	if d, scale := maxDiff(got, want, mask); d > 1e-5*math.Max(1, scale) {
		t.Errorf("merged model: max |Δlogit| %g (largest %g)", d, scale)
	}
	if err := fresh.LoadAdapter(adapter); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("a second adapter: %v", err)
	}
}

// TestLoRAErrors: bad configurations and adapters are refused with the
// field or tensor named; full fine-tuning of bf16 weights is refused.
func TestLoRAErrors(t *testing.T) {
	backend, _ := parityBackend()
	cfg := tinyConfigs()["qwen2"]
	m, _ := New(backend, cfg, RandomWeights(cfg, 1, 0))
	for _, c := range []LoRAConfig{{Rank: 0}, {Rank: 2, Dropout: 1}, {Rank: 2, Targets: []string{"lm_head"}}} {
		if err := m.AddLoRA(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := m.SaveAdapter(t.TempDir(), "x"); err == nil {
		t.Error("saved an adapter the model lacks")
	}
	other := cfg
	other.HiddenSize = 32
	small, _ := New(backend, other, RandomWeights(other, 1, 0))
	small.AddLoRA(LoRAConfig{Rank: 2})
	dir := t.TempDir()
	small.SaveAdapter(dir, "small")
	if err := m.LoadAdapter(dir); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("adapter of another shape: %v", err)
	}
	held, _ := NewRandom(backend, cfg, 1, 0, dtypes.BFloat16)
	if _, err := NewTrainer(held, sgd(1), nil); err == nil {
		t.Error("full fine-tuning of bf16-held weights accepted")
	}
	if err := held.AddLoRA(LoRAConfig{Rank: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTrainer(held, sgd(1), nil); err != nil {
		t.Errorf("LoRA on bf16-held weights: %v", err)
	}
}

// TestLoRADropout: lora_dropout acts in training steps only: inference
// with dropout 0.5 computes what dropout 0 does, while a training step's
// update differs.
func TestLoRADropout(t *testing.T) {
	backend, _ := parityBackend()
	cfg := tinyConfigs()["qwen2"]
	ids, mask, loss := packedBatch(cfg.VocabSize)
	var logits [][][][]float32
	var adapters []map[string]Tensor
	for _, p := range []float64{0, 0.5} {
		m, _ := New(backend, cfg, RandomWeights(cfg, 2, 0.2))
		if err := m.AddLoRA(LoRAConfig{Rank: 2, Dropout: p, Seed: 4}); err != nil {
			t.Fatal(err)
		}
		tr := mustTrainer(t, m, sgd(0.5))
		for range 2 {
			if _, err := tr.Step(NLLInputs(ids, mask, loss)); err != nil {
				t.Fatal(err)
			}
		}
		a, _ := m.adapterValues()
		adapters = append(adapters, a)
		l, _ := m.Logits(ids, mask)
		logits = append(logits, l)
	}
	if reflect.DeepEqual(adapters[0], adapters[1]) {
		t.Error("dropout 0.5 changed no training step")
	}
	// The same adapters give the same logits: load the dropout run's
	// adapters into a model without dropout.
	m, _ := New(backend, cfg, RandomWeights(cfg, 2, 0.2))
	if err := m.setAdapters(LoRAConfig{Rank: 2, Alpha: 4}.Fill(), adapters[1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Logits(ids, mask); !reflect.DeepEqual(got, logits[1]) {
		t.Error("dropout acted outside training")
	}
}
