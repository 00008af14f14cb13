package model

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// tinyConfigs are small random models of each architecture: Qwen2 (q/k/v
// biases, tied embeddings, θ 1e6), Llama 3.2 (GQA, llama3 rope scaling,
// tied) and deepseek-coder (Llama with linear rope scaling, untied head).
func tinyConfigs() map[string]Config {
	base := func(mt string) Config {
		return Config{ModelType: mt, HiddenSize: 64, IntermediateSize: 160, NumHiddenLayers: 2,
			NumAttentionHeads: 4, NumKeyValueHeads: 2, HiddenAct: "silu", MaxPositionEmbeddings: 256,
			RMSNormEps: 1e-6, VocabSize: 97}
	}
	qwen := base("qwen2")
	qwen.RopeTheta, qwen.TieWordEmbeddings = 1e6, true
	llama := base("llama")
	llama.RopeTheta, llama.TieWordEmbeddings, llama.RMSNormEps = 500000, true, 1e-5
	llama.RopeScaling = &RopeScaling{RopeType: "llama3", Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 16}
	deepseek := base("llama")
	deepseek.NumKeyValueHeads, deepseek.RopeTheta = 4, 100000
	deepseek.RopeScaling = &RopeScaling{Type: "linear", Factor: 4}
	return map[string]Config{"qwen2": qwen, "llama3": llama, "deepseek": deepseek}
}

// paddedBatch has a full row, a left-padded row and a right-padded row.
func paddedBatch(vocab int) (ids, mask [][]int32) {
	const t = 12
	for r, pad := range []struct{ left, right int }{{0, 0}, {4, 0}, {0, 3}} {
		row, m := make([]int32, t), make([]int32, t)
		for j := range row {
			if j >= pad.left && j < t-pad.right {
				row[j], m[j] = int32((r*31+j*7+3)%vocab), 1
			}
		}
		ids, mask = append(ids, row), append(mask, m)
	}
	return ids, mask
}

// referenceLogits runs tools/python/hf_reference.py (PyTorch) on a saved model.
func referenceLogits(t *testing.T, dir string, ids, mask [][]int32, vocab int) [][][]float32 {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "tools", "python", "hf_reference.py")
	in, out := filepath.Join(dir, "input.json"), filepath.Join(dir, "logits.bin")
	b, _ := json.Marshal(map[string]any{"ids": ids, "mask": mask})
	os.WriteFile(in, b, 0o644)
	cmd := exec.Command("/usr/bin/python3", script, dir, in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("PyTorch reference: %v\n%s", err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][][]float32, len(ids))
	k := 0
	for i := range ids {
		res[i] = make([][]float32, len(ids[i]))
		for j := range ids[i] {
			res[i][j] = make([]float32, vocab)
			for v := range res[i][j] {
				res[i][j][v] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
				k++
			}
		}
	}
	return res
}

// maxDiff compares logits at real (unpadded) positions.
func maxDiff(a, b [][][]float32, mask [][]int32) (float64, float64) {
	var d, scale float64
	for i := range a {
		for j := range a[i] {
			if mask[i][j] == 0 {
				continue
			}
			for v := range a[i][j] {
				d = math.Max(d, math.Abs(float64(a[i][j][v]-b[i][j][v])))
				scale = math.Max(scale, math.Abs(float64(b[i][j][v])))
			}
		}
	}
	return d, scale
}

// TestParityForward: the full forward pass over a padded batch equals an
// independent PyTorch implementation within 1e-4, for each architecture,
// and survives a save/load round trip through safetensors.
func TestParityForward(t *testing.T) {
	backend, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range tinyConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(backend, cfg, RandomWeights(cfg, 7, 0.2))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := m.Save(dir, false); err != nil {
				t.Fatal(err)
			}
			ids, mask := paddedBatch(cfg.VocabSize)
			ours, err := m.Logits(ids, mask)
			if err != nil {
				t.Fatal(err)
			}
			ref := referenceLogits(t, dir, ids, mask, cfg.VocabSize)
			d, scale := maxDiff(ours, ref, mask)
			t.Logf("max |Δlogit| %.2e (logits up to %.2f)", d, scale)
			if d > 1e-4 || scale < 0.1 {
				t.Errorf("max |Δlogit| = %g (scale %g), want ≤ 1e-4 on non-trivial logits", d, scale)
			}
			back, err := Load(backend, dir)
			if err != nil {
				t.Fatal(err)
			}
			again, err := back.Logits(ids, mask)
			if err != nil {
				t.Fatal(err)
			}
			if d, _ := maxDiff(again, ours, mask); d != 0 {
				t.Errorf("logits changed after save/load: %g", d)
			}
		})
	}
}

// TestParityLogProbs: per-token log-probs and a continuation's summed
// log-prob match log-softmax computed in float64 from PyTorch's logits.
func TestParityLogProbs(t *testing.T) {
	backend, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfigs()["qwen2"]
	m, err := New(backend, cfg, RandomWeights(cfg, 11, 0.2))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m.Save(dir, false)
	ids, mask := paddedBatch(cfg.VocabSize)
	ours, err := m.LogProbs(ids, mask)
	if err != nil {
		t.Fatal(err)
	}
	ref := referenceLogits(t, dir, ids, mask, cfg.VocabSize)
	start := []int{5, 7, 3} // where each row's continuation begins
	want := make([]float64, len(ids))
	var d float64
	for r := range ids {
		for j := 0; j+1 < len(ids[r]); j++ {
			if mask[r][j+1] == 0 {
				continue
			}
			lse := logSumExp(ref[r][j])
			lp := float64(ref[r][j][ids[r][j+1]]) - lse
			d = math.Max(d, math.Abs(lp-float64(ours[r][j])))
			if j+1 >= start[r] {
				want[r] += lp
			}
		}
	}
	got := ContinuationLogProb(ours, start)
	for r := range got {
		d = math.Max(d, math.Abs(got[r]-want[r]))
	}
	t.Logf("max |Δlogprob| %.2e", d)
	if d > 1e-4 {
		t.Errorf("max |Δlogprob| = %g, want ≤ 1e-4", d)
	}
}

func logSumExp(xs []float32) float64 {
	mx := math.Inf(-1)
	for _, x := range xs {
		mx = math.Max(mx, float64(x))
	}
	var s float64
	for _, x := range xs {
		s += math.Exp(float64(x) - mx)
	}
	return mx + math.Log(s)
}
