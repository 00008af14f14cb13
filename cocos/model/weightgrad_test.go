package model

import (
	"math"
	"testing"
)

// TestFormedWeightGradsMatchAutodiff: at the embedded scale's shape, on
// packed SFT-like rows of several widths, one SGD step with the formed
// weight gradients moves every weight as GoMLX's own gradients do, to
// float32 rounding.
func TestFormedWeightGradsMatchAutodiff(t *testing.T) {
	backend, _ := NewBackend("go")
	cfg := Config{ModelType: "qwen2", HiddenSize: 64, IntermediateSize: 128, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, HiddenAct: "silu", RopeTheta: 10000, RMSNormEps: 1e-6, VocabSize: 1024, TieWordEmbeddings: true,
		MaxPositionEmbeddings: 2048}
	for _, width := range []int{40, 200} {
		var ids, mask, loss [][]int32
		for r := range 8 {
			row, m, l := make([]int32, width), make([]int32, width), make([]int32, width)
			for j := range row {
				row[j], m[j] = int32((r*31+j*17+3)%cfg.VocabSize), int32(1+j/(width/2)) // two packed segments
				l[j] = int32(j % 3 / 2)
			}
			ids, mask, loss = append(ids, row), append(mask, m), append(loss, l)
		}
		step := func(autodiff bool) map[string]Tensor {
			m, err := New(backend, cfg, RandomWeights(cfg, 3, 0.1))
			if err != nil {
				t.Fatal(err)
			}
			m.autodiffWeights = autodiff
			if _, err := mustTrainer(t, m, sgd(1)).Step(NLLInputs(ids, mask, loss)); err != nil {
				t.Fatal(err)
			}
			w, _ := m.Weights()
			return w
		}
		formed, plain := step(false), step(true)
		for name, w := range plain {
			var d, scale float64
			for i, v := range w.Data {
				d = math.Max(d, math.Abs(float64(v-formed[name].Data[i])))
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			if d > 1e-6*scale+1e-7 {
				t.Errorf("width %d, %s: max |Δ| %g after one step (weights up to %g)", width, name, d, scale)
			}
		}
	}
}
