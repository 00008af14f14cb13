package model

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// peftPrefix is what peft puts before a module's path in an adapter file
// of a causal LM (PeftModel → LoraModel → the HF model).
const peftPrefix = "base_model.model."

// peftConfig is the part of peft's adapter_config.json that LoRA reads and
// writes; the fields peft adds and LoRA does not use are written with
// their defaults.
type peftConfig struct {
	PeftType          string         `json:"peft_type"`
	TaskType          string         `json:"task_type"`
	R                 int            `json:"r"`
	LoraAlpha         float64        `json:"lora_alpha"`
	LoraDropout       float64        `json:"lora_dropout"`
	TargetModules     []string       `json:"target_modules"`
	Bias              string         `json:"bias"`
	BaseModel         string         `json:"base_model_name_or_path"`
	FanInFanOut       bool           `json:"fan_in_fan_out"`
	InferenceMode     bool           `json:"inference_mode"`
	InitLoraWeights   bool           `json:"init_lora_weights"`
	UseRSLoRA         bool           `json:"use_rslora"`
	UseDoRA           bool           `json:"use_dora"`
	ModulesToSave     []string       `json:"modules_to_save"`
	RankPattern       map[string]any `json:"rank_pattern"`
	AlphaPattern      map[string]any `json:"alpha_pattern"`
	LayersToTransform []int          `json:"layers_to_transform"`
}

// SaveAdapter writes the adapters in peft's format to dir:
// adapter_model.safetensors (f32, keys base_model.model.<module>.lora_A.weight
// [r, in] and ….lora_B.weight [out, r]) and adapter_config.json, so that
// peft's PeftModel.from_pretrained(base, dir) loads them. base names the
// base model (base_model_name_or_path).
func (m *Model) SaveAdapter(dir, base string) error {
	if m.lora == nil {
		return fmt.Errorf("model: no LoRA adapters to save")
	}
	vals, err := m.adapterValues()
	if err != nil {
		return err
	}
	out := make(map[string]Tensor, len(vals))
	for name, t := range vals {
		out[peftPrefix+name] = t
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteSafetensors(filepath.Join(dir, "adapter_model.safetensors"), out, false); err != nil {
		return err
	}
	c := m.lora
	b, err := json.MarshalIndent(peftConfig{PeftType: "LORA", TaskType: "CAUSAL_LM", R: c.Rank, LoraAlpha: c.Alpha,
		LoraDropout: c.Dropout, TargetModules: c.Targets, Bias: "none", BaseModel: base, InferenceMode: true,
		InitLoraWeights: true, RankPattern: map[string]any{}, AlphaPattern: map[string]any{}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "adapter_config.json"), b, 0o644)
}

// LoadAdapter attaches the peft LoRA adapter in dir (adapter_config.json
// and adapter_model.safetensors) to the model, freezing its base weights.
func (m *Model) LoadAdapter(dir string) error {
	path := filepath.Join(dir, "adapter_config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("model: adapter: %w", err)
	}
	var pc peftConfig
	if err := json.Unmarshal(b, &pc); err != nil {
		return fmt.Errorf("%s: %w (target_modules must be a list of module names)", path, err)
	}
	switch {
	case pc.PeftType != "LORA":
		return fmt.Errorf("%s: peft_type %q: only LORA adapters load", path, pc.PeftType)
	case pc.Bias != "" && pc.Bias != "none":
		return fmt.Errorf("%s: bias %q: only \"none\" is supported", path, pc.Bias)
	case pc.UseRSLoRA || pc.UseDoRA || pc.FanInFanOut:
		return fmt.Errorf("%s: use_rslora, use_dora and fan_in_fan_out are not supported", path)
	case len(pc.ModulesToSave) > 0:
		return fmt.Errorf("%s: modules_to_save %v is not supported", path, pc.ModulesToSave)
	case len(pc.RankPattern) > 0 || len(pc.AlphaPattern) > 0 || len(pc.LayersToTransform) > 0:
		return fmt.Errorf("%s: rank_pattern, alpha_pattern and layers_to_transform are not supported", path)
	}
	st := filepath.Join(dir, "adapter_model.safetensors")
	raw, err := ReadSafetensors(st)
	if err != nil {
		return fmt.Errorf("model: adapter: %w", err)
	}
	vals := make(map[string]Tensor, len(raw))
	for key, t := range raw {
		name, ok := strings.CutPrefix(key, peftPrefix)
		if !ok {
			return fmt.Errorf("%s: key %s lacks peft's %q prefix", st, key, peftPrefix)
		}
		vals[name] = t
	}
	c := LoRAConfig{Rank: pc.R, Alpha: pc.LoraAlpha, Dropout: pc.LoraDropout, Targets: pc.TargetModules}.Fill()
	if err := c.validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := m.setAdapters(c, vals); err != nil {
		return fmt.Errorf("%s: %w", st, err)
	}
	return nil
}
