package main

import (
	"context"
	"fmt"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
)

func runInit(_ context.Context, args []string) error {
	fs := newFlags("init", "init --preset tiny --out DIR [--seed N]",
		"Makes a from-scratch model directory: a tiny preset's architecture with random weights and a byte-level\n"+
			"BPE tokenizer trained on the built-in suite. Train it with `cocos train sft --model DIR`.")
	presetName := fs.String("preset", "tiny", "architecture: tiny or tiny-20m")
	out := fs.String("out", "", "model directory to write (required)")
	seed := fs.Uint64("seed", 1, "weight initialisation seed")
	backendName := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
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
	backend, err := model.NewBackend(*backendName)
	if err != nil {
		return err
	}
	m, _, err := train.InitModel(backend, preset, data.Suite(data.SuiteConfig{}), *seed, *out)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Printf("%s: %s, %d parameters\n", *out, preset.Name, m.Config.NumParams())
	return nil
}
