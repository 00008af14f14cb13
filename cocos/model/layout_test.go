package model

import (
	"slices"
	"strings"
	"testing"
)

// TestInferenceLayout: with the large projections held [in, out] (here
// q, o, the MLP's and an untied head: a million values or more) as they
// are loaded, the logits and greedy tokens are the HF
// layout's, Weights gives the HF layout back bit for bit, and the model
// refuses training and adapters.
func TestInferenceLayout(t *testing.T) {
	backend, _ := NewBackend("go")
	for _, tied := range []bool{true, false} {
		cfg := tinyConfigs()["qwen2"]
		cfg.HiddenSize, cfg.IntermediateSize, cfg.NumAttentionHeads, cfg.NumKeyValueHeads = 1024, 2048, 8, 2
		cfg.VocabSize, cfg.TieWordEmbeddings = 1024, tied
		t.Run(map[bool]string{true: "tied", false: "untied"}[tied], func(t *testing.T) {
			m, err := New(backend, cfg, RandomWeights(cfg, 4, 0.2))
			if err != nil {
				t.Fatal(err)
			}
			ids, mask := paddedBatch(cfg.VocabSize)
			prompts := [][]int{{5, 9, 2, 7}, {3, 1}}
			gcfg := GenerateConfig{MaxNewTokens: 12, StopStrings: []string{}}
			logits, _ := m.Logits(ids, mask)
			gens, _ := m.GenerateIDs(nil, prompts, gcfg)
			before, _ := m.Weights()
			dir := t.TempDir()
			if err := m.Save(dir, false); err != nil {
				t.Fatal(err)
			}
			m, err = LoadWith(backend, dir, LoadOptions{InferenceLayout: true}) // transposed as it is read
			if err != nil {
				t.Fatal(err)
			}
			for w, want := range map[string][]int{"model.layers.0.mlp.up_proj.weight": {1024, 2048}, "model.layers.0.self_attn.k_proj.weight": {256, 1024}} {
				if got := m.Store.GetVariable(varPath(w)).Shape().Dimensions; !slices.Equal(got, want) {
					t.Fatalf("%s held %v, want %v", w, got, want)
				}
			}
			if !tied {
				if got := m.Store.GetVariable(varPath("lm_head.weight")).Shape().Dimensions; got[0] != 1024 || got[1] != cfg.VocabSize {
					t.Fatalf("lm_head held %v", got)
				}
			}
			after, _ := m.Logits(ids, mask)
			if d, scale := maxDiff(after, logits, mask); d > 1e-5*max(scale, 1) {
				t.Errorf("logits moved by %g with the inference layout", d)
			}
			again, err := m.GenerateIDs(nil, prompts, gcfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range gens {
				if !slices.Equal(again[i].NewIDs, gens[i].NewIDs) {
					t.Errorf("row %d: %v, HF layout %v", i, again[i].NewIDs, gens[i].NewIDs)
				}
			}
			w, _ := m.Weights()
			for n, x := range before {
				if maxAbsDiff(w[n].Data, x.Data) != 0 || !slices.Equal(w[n].Shape, x.Shape) {
					t.Errorf("Weights()[%s] is not the HF layout's", n)
				}
			}
			if _, err := NewTrainer(m, sgd(0.1), nil); err == nil || !strings.Contains(err.Error(), "inference layout") {
				t.Error("a model in the inference layout got a trainer")
			}
			if err := m.AddLoRA(LoRAConfig{Rank: 2}); err == nil {
				t.Error("a model in the inference layout got adapters")
			}
		})
	}
}
