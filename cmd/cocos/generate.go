package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/train"
)

func runGenerate(ctx context.Context, args []string) error {
	fs := newFlags("generate", "generate --model DIR --prompt TEXT [--max-new-tokens N] [--greedy] [--json]",
		"Completes a prompt with a model directory (config.json, *.safetensors, tokenizer.json).")
	dir := fs.String("model", "", "model directory, or a Hugging Face id downloaded into the cache ($COCOS_CACHE; $HF_TOKEN for gated models) (required)")
	prompt := fs.String("prompt", "", "prompt text (required)")
	maxNew := fs.Int("max-new-tokens", 128, "most tokens to generate")
	greedy := fs.Bool("greedy", false, "greedy decoding (default: sample at --temperature)")
	temp := fs.Float64("temperature", 0.9, "sampling temperature")
	topP := fs.Float64("top-p", 1.0, "nucleus sampling mass")
	seed := fs.Uint64("seed", 1, "sampling seed")
	stop := fs.String("stop", "[DONE]", "stop string (empty: none)")
	backendName := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	dtype := fs.String("dtype", "float32", "weights held and computed in float32, or bfloat16 (half the memory)")
	asJSON := fs.Bool("json", false, `print {"ids", "new_ids", "text"} as JSON`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *prompt == "" {
		return fmt.Errorf("generate: --model and --prompt are required (`cocos generate -h` lists the flags)")
	}
	backend, err := model.NewBackend(*backendName)
	if err != nil {
		return err
	}
	dt, err := parseDType(*dtype)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	m, tok, err := train.LoadModelWith(ctx, backend, *dir, model.LoadOptions{DType: dt})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	cfg := genConfig(tok, model.GenerateConfig{MaxNewTokens: *maxNew, Temperature: *temp, TopP: *topP, Seed: *seed, StopStrings: []string{}})
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
