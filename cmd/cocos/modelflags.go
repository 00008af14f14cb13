package main

import (
	"context"
	"fmt"

	"github.com/gomlx/compute"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
)

// loadModel opens a model directory or a Hugging Face id.
func loadModel(ctx context.Context, backend compute.Backend, dirOrID string) (*model.Model, *tokenizer.Tokenizer, error) {
	return train.LoadModel(ctx, backend, dirOrID)
}

// genConfig is decoding with the tokenizer's stop and padding tokens.
func genConfig(tok *tokenizer.Tokenizer, cfg model.GenerateConfig) model.GenerateConfig {
	return train.WithSpecialTokens(tok, cfg)
}

// requireFlag reports a missing required flag.
func requireFlag(name, value string) error {
	if value == "" {
		return fmt.Errorf("--%s is required (-h lists the flags)", name)
	}
	return nil
}
