package model

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// TestWriteRandomLoads: the streamed random checkpoint holds exactly
// RandomWeights, in f32 and (rounded) in bf16, and NewRandom draws the same.
func TestWriteRandomLoads(t *testing.T) {
	backend, _ := parityBackend()
	cfg := tinyConfigs()["qwen2"]
	want := RandomWeights(cfg, 5, 0.2)
	for _, bf16 := range []bool{false, true} {
		dir := t.TempDir()
		if err := WriteRandom(dir, cfg, 5, 0.2, bf16); err != nil {
			t.Fatal(err)
		}
		m, err := Load(backend, dir)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := m.Weights()
		for name, w := range want {
			for i, v := range w.Data {
				if exp := roundBF16(v, bf16); got[name].Data[i] != exp {
					t.Fatalf("bf16=%v: %s[%d] = %g, want %g", bf16, name, i, got[name].Data[i], exp)
				}
			}
		}
	}
	r, err := NewRandom(backend, cfg, 5, 0.2, dtypes.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Weights(); !reflect.DeepEqual(got, want) {
		t.Error("NewRandom's weights differ from RandomWeights'")
	}
}

func roundBF16(v float32, bf16 bool) float32 {
	if !bf16 {
		return v
	}
	return math.Float32frombits(uint32(toBF16(v)) << 16)
}

// TestLoadBF16Weights: weights held in bf16 give bit for bit the logits
// of f32 weights computing in bf16 (both round each weight to nearest
// even once), hold half the bytes, and save back to the same file values.
func TestLoadBF16Weights(t *testing.T) {
	backend, _ := parityBackend()
	cfg := tinyConfigs()["llama3"]
	dir := t.TempDir()
	if err := WriteRandom(dir, cfg, 3, 0.2, false); err != nil {
		t.Fatal(err)
	}
	mixed, err := Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := mixed.SetDType(dtypes.BFloat16); err != nil {
		t.Fatal(err)
	}
	held, err := LoadWith(backend, dir, LoadOptions{DType: dtypes.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	if h, f := held.Store.ByteSize(), mixed.Store.ByteSize(); 2*h != f {
		t.Errorf("bf16 weights take %d bytes, f32 %d", h, f)
	}
	ids, mask := paddedBatch(cfg.VocabSize)
	a, err := mixed.Logits(ids, mask)
	if err != nil {
		t.Fatal(err)
	}
	b, err := held.Logits(ids, mask)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		d, _ := maxDiff(a, b, mask)
		t.Errorf("bf16-held logits differ from f32 weights computing in bf16: max |Δ| %g", d)
	}
	out := t.TempDir()
	if err := held.Save(out, true); err != nil {
		t.Fatal(err)
	}
	again, err := LoadWith(backend, out, LoadOptions{DType: dtypes.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	w1, _ := held.Weights()
	w2, _ := again.Weights()
	if !reflect.DeepEqual(w1, w2) {
		t.Error("bf16 save and load changed the weights")
	}
}

// TestLoadErrors: a damaged or incomplete directory is an error naming
// the file and the tensor.
func TestLoadErrors(t *testing.T) {
	backend, _ := parityBackend()
	cfg := tinyConfigs()["qwen2"]
	dir := t.TempDir()
	if err := WriteRandom(dir, cfg, 1, 0, true); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "model.safetensors")
	info, _ := os.Stat(path)
	if err := os.Truncate(path, info.Size()-100); err != nil {
		t.Fatal(err)
	}
	_, err := Load(backend, dir)
	if err == nil || !strings.Contains(err.Error(), "model.safetensors") || !strings.Contains(err.Error(), "data_offsets") {
		t.Errorf("truncated file: %v", err)
	}
	small := cfg
	small.NumHiddenLayers = 1
	if err := WriteRandom(dir, small, 1, 0, true); err != nil {
		t.Fatal(err)
	}
	if err := writeConfig(dir, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(backend, dir); err == nil || !strings.Contains(err.Error(), "model.layers.1.") {
		t.Errorf("missing layer: %v", err)
	}
	if _, err := LoadWith(backend, dir, LoadOptions{DType: dtypes.Float16}); err == nil {
		t.Error("f16 weights accepted")
	}
}
