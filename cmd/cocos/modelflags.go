package main

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/backends"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
)

// loadModel opens a model directory (config.json, *.safetensors,
// tokenizer.json) or a Hugging Face id (downloaded into the cache).
func loadModel(ctx context.Context, backend backends.Backend, dirOrID string) (*model.Model, *tokenizer.Tokenizer, error) {
	local, err := (&model.Hub{}).Resolve(ctx, dirOrID)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.Load(backend, local)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.LoadDir(local)
	if err != nil {
		return nil, nil, err
	}
	return m, tok, nil
}

// genConfig is decoding with the tokenizer's stop and padding tokens.
func genConfig(tok *tokenizer.Tokenizer, cfg model.GenerateConfig) model.GenerateConfig {
	if tok.EOS >= 0 {
		cfg.StopTokens = []int{tok.EOS}
	}
	if tok.PAD >= 0 {
		cfg.PadToken = tok.PAD
	}
	return cfg
}

// requireFlag reports a missing required flag.
func requireFlag(name, value string) error {
	if value == "" {
		return fmt.Errorf("--%s is required (-h lists the flags)", name)
	}
	return nil
}
