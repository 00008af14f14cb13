package train

import (
	"context"

	"github.com/gomlx/compute"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
)

// LoadModel opens a model directory (config.json, *.safetensors,
// tokenizer.json) or a Hugging Face id (downloaded into the cache once),
// with f32 weights.
func LoadModel(ctx context.Context, backend compute.Backend, dirOrID string) (*model.Model, *tokenizer.Tokenizer, error) {
	return LoadModelWith(ctx, backend, dirOrID, model.LoadOptions{})
}

// LoadModelWith is LoadModel holding the weights as opts says.
func LoadModelWith(ctx context.Context, backend compute.Backend, dirOrID string, opts model.LoadOptions) (*model.Model, *tokenizer.Tokenizer, error) {
	local, err := (&model.Hub{}).Resolve(ctx, dirOrID)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.LoadWith(backend, local, opts)
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.LoadDir(local)
	if err != nil {
		return nil, nil, err
	}
	return m, tok, nil
}

// WithSpecialTokens returns cfg stopping at the tokenizer's EOS and
// padding with its PAD token, when it has them.
func WithSpecialTokens(tok *tokenizer.Tokenizer, cfg model.GenerateConfig) model.GenerateConfig {
	if tok.EOS >= 0 {
		cfg.StopTokens = []int{tok.EOS}
	}
	if tok.PAD >= 0 {
		cfg.PadToken = tok.PAD
	}
	return cfg
}
