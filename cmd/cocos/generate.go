package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cocos-go/cocos/cocos/model"
)

func runGenerate(ctx context.Context, args []string) error {
	fs := newFlags("generate", "generate --model DIR --prompt TEXT [--max-new-tokens N] [--greedy] [--json]",
		"Completes a prompt with a model directory (config.json, *.safetensors, tokenizer.json).")
	mf := addModelFlags(fs)
	prompt := fs.String("prompt", "", "prompt text (required)")
	sampling := addSamplingFlags(fs, 128)
	greedy := fs.Bool("greedy", false, "greedy decoding (default: sample at --temperature)")
	topP := fs.Float64("top-p", 1.0, "nucleus sampling mass")
	var seed uint64
	addSeedFlag(fs, &seed)
	stop := fs.String("stop", "[DONE]", "stop string (empty: none)")
	asJSON := fs.Bool("json", false, `print {"ids", "new_ids", "text"} as JSON`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *mf.dir == "" || *prompt == "" {
		return fmt.Errorf("generate: --model and --prompt are required (`cocos generate -h` lists the flags)")
	}
	m, tok, err := mf.load(ctx, *mf.dir, model.LoadOptions{})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	cfg := genConfig(tok, model.GenerateConfig{MaxNewTokens: *sampling.maxNew, Temperature: *sampling.temperature, TopP: *topP, Seed: seed,
		StopStrings: []string{}})
	if *greedy {
		cfg.Temperature = 0
	}
	if *stop != "" {
		cfg.StopStrings = []string{*stop}
	}
	gens, err := m.Generate(tok, []string{*prompt}, cfg)
	if err != nil {
		return err
	}
	g := gens[0]
	if !*asJSON {
		fmt.Println(g.Text)
		return nil
	}
	out, err := json.Marshal(map[string]any{"ids": append(append([]int{}, g.PromptIDs...), g.NewIDs...), "new_ids": g.NewIDs, "text": g.Text})
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
