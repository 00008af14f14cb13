// Package model is the decoder-only transformer of Llama and Qwen2 (and
// deepseek-coder, a Llama) on GoMLX, loading and saving Hugging Face model
// directories: config.json, safetensors weights, tokenizer.json.
package model

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Config holds the architecture, in Hugging Face's config.json terms.
type Config struct {
	ModelType             string       `json:"model_type"` // "llama" or "qwen2"
	Architectures         []string     `json:"architectures,omitempty"`
	HiddenSize            int          `json:"hidden_size"`
	IntermediateSize      int          `json:"intermediate_size"`
	NumHiddenLayers       int          `json:"num_hidden_layers"`
	NumAttentionHeads     int          `json:"num_attention_heads"`
	NumKeyValueHeads      int          `json:"num_key_value_heads"`
	HeadDimension         int          `json:"head_dim,omitempty"`
	HiddenAct             string       `json:"hidden_act"`
	MaxPositionEmbeddings int          `json:"max_position_embeddings"`
	RopeTheta             float64      `json:"rope_theta"`
	RopeScaling           *RopeScaling `json:"rope_scaling,omitempty"`
	RMSNormEps            float64      `json:"rms_norm_eps"`
	VocabSize             int          `json:"vocab_size"`
	TieWordEmbeddings     bool         `json:"tie_word_embeddings"`
	AttentionBias         *bool        `json:"attention_bias,omitempty"` // Qwen2 always has q/k/v biases
	MLPBias               bool         `json:"mlp_bias,omitempty"`
	BOSTokenID            any          `json:"bos_token_id,omitempty"`
	EOSTokenID            any          `json:"eos_token_id,omitempty"`
	TorchDType            string       `json:"torch_dtype,omitempty"`
}

// RopeScaling is config.json's rope_scaling: "linear" (deepseek-coder) or
// "llama3" (Llama 3.1/3.2).
type RopeScaling struct {
	Type                          string  `json:"type,omitempty"`
	RopeType                      string  `json:"rope_type,omitempty"`
	Factor                        float64 `json:"factor"`
	LowFreqFactor                 float64 `json:"low_freq_factor,omitempty"`
	HighFreqFactor                float64 `json:"high_freq_factor,omitempty"`
	OriginalMaxPositionEmbeddings int     `json:"original_max_position_embeddings,omitempty"`
}

// Kind returns the scaling's name, whichever key the file used.
func (r *RopeScaling) Kind() string {
	if r.RopeType != "" {
		return r.RopeType
	}
	return r.Type
}

// LoadConfig reads and checks a config.json.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Validate reports the first field that this implementation cannot honour.
func (c Config) Validate() error {
	switch {
	case c.ModelType != "llama" && c.ModelType != "qwen2":
		return fmt.Errorf("model_type %q: want llama or qwen2", c.ModelType)
	case c.HiddenSize <= 0 || c.IntermediateSize <= 0 || c.NumHiddenLayers <= 0 || c.VocabSize <= 0:
		return fmt.Errorf("hidden_size, intermediate_size, num_hidden_layers and vocab_size must be positive")
	case c.NumAttentionHeads <= 0 || c.KVHeads() <= 0 || c.NumAttentionHeads%c.KVHeads() != 0:
		return fmt.Errorf("num_attention_heads (%d) must be a positive multiple of num_key_value_heads (%d)", c.NumAttentionHeads, c.KVHeads())
	case c.HeadDimension == 0 && c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("hidden_size %d is not divisible by num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	case c.HeadDim()%2 != 0:
		return fmt.Errorf("head dimension %d must be even for rotary embeddings", c.HeadDim())
	case c.HiddenAct != "" && c.HiddenAct != "silu":
		return fmt.Errorf("hidden_act %q: only silu is supported", c.HiddenAct)
	case c.MLPBias:
		return fmt.Errorf("mlp_bias is not supported")
	}
	if r := c.RopeScaling; r != nil {
		switch r.Kind() {
		case "linear", "llama3":
		default:
			return fmt.Errorf("rope_scaling %q: want linear or llama3", r.Kind())
		}
		if r.Factor <= 0 {
			return fmt.Errorf("rope_scaling.factor must be positive")
		}
	}
	return nil
}

// KVHeads is num_key_value_heads, defaulting to num_attention_heads.
func (c Config) KVHeads() int {
	if c.NumKeyValueHeads == 0 {
		return c.NumAttentionHeads
	}
	return c.NumKeyValueHeads
}

// HeadDim is head_dim, defaulting to hidden_size / num_attention_heads.
func (c Config) HeadDim() int {
	if c.HeadDimension > 0 {
		return c.HeadDimension
	}
	return c.HiddenSize / c.NumAttentionHeads
}

// QKVBias reports whether q, k and v projections have biases.
func (c Config) QKVBias() bool {
	if c.AttentionBias != nil {
		return *c.AttentionBias
	}
	return c.ModelType == "qwen2"
}

// Eps is rms_norm_eps with Hugging Face's default.
func (c Config) Eps() float64 {
	if c.RMSNormEps == 0 {
		return 1e-6
	}
	return c.RMSNormEps
}

// InvFreq returns the rotary inverse frequencies (head_dim/2 values) with
// rope_scaling applied, as transformers' rope initialisation computes them.
func (c Config) InvFreq() []float64 {
	dim := c.HeadDim()
	theta := c.RopeTheta
	if theta == 0 {
		theta = 10000
	}
	inv := make([]float64, dim/2)
	for i := range inv {
		inv[i] = 1 / math.Pow(theta, float64(2*i)/float64(dim))
	}
	r := c.RopeScaling
	if r == nil {
		return inv
	}
	switch r.Kind() {
	case "linear":
		for i := range inv {
			inv[i] /= r.Factor
		}
	case "llama3":
		low, high := r.LowFreqFactor, r.HighFreqFactor
		old := float64(r.OriginalMaxPositionEmbeddings)
		lowWavelen, highWavelen := old/low, old/high
		for i, f := range inv {
			wavelen := 2 * math.Pi / f
			switch {
			case wavelen > lowWavelen:
				inv[i] = f / r.Factor
			case wavelen < highWavelen:
				inv[i] = f
			default:
				smooth := (old/wavelen - low) / (high - low)
				inv[i] = (1-smooth)*f/r.Factor + smooth*f
			}
		}
	}
	return inv
}
