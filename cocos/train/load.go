package train

import (
	"context"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"

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

// Tuning says how a trainer holds and updates its model. The zero value is
// the paper's: full fine-tuning in f32.
type Tuning struct {
	// DType is the compute dtype (Float32, or BFloat16 on a GPU). With
	// LoRA the frozen base is held in it too; full fine-tuning keeps f32
	// weights (mixed precision) and holds its frozen reference in it.
	DType dtypes.DType
	// LoRA, with a Rank > 0, trains adapters instead of every weight.
	LoRA model.LoRAConfig
	// Checkpoint turns on per-layer gradient checkpointing.
	Checkpoint bool
}

func (t Tuning) dtype() dtypes.DType {
	if t.DType == dtypes.InvalidDType {
		return dtypes.Float32
	}
	return t.DType
}

// Held is the dtype the trained model's weights are held in: the compute
// dtype for LoRA's frozen base, f32 for full fine-tuning.
func (t Tuning) Held() dtypes.DType {
	if t.LoRA.Rank > 0 {
		return t.dtype()
	}
	return dtypes.Float32
}

// Apply sets m (loaded holding its weights in t.Held()) up to train as t
// says: its compute dtype, its adapters, checkpointing.
func (t Tuning) Apply(m *model.Model) error {
	if err := m.SetDType(t.dtype()); err != nil {
		return err
	}
	if t.LoRA.Rank > 0 {
		if err := m.AddLoRA(t.LoRA); err != nil {
			return err
		}
	}
	m.SetCheckpointing(t.Checkpoint)
	return nil
}

// LoadTrainable loads the model a trainer updates, set up as t says.
func LoadTrainable(ctx context.Context, backend compute.Backend, dirOrID string, t Tuning) (*model.Model, *tokenizer.Tokenizer, error) {
	m, tok, err := LoadModelWith(ctx, backend, dirOrID, model.LoadOptions{DType: t.Held()})
	if err != nil {
		return nil, nil, err
	}
	if err := t.Apply(m); err != nil {
		return nil, nil, err
	}
	return m, tok, nil
}

// LoadReference is the frozen model a trainer holds m (loaded from from)
// to: with LoRA and the same checkpoint, m without its adapters, no second
// copy (what TRL does with peft); else dirOrID, held in t's dtype.
func LoadReference(ctx context.Context, m *model.Model, from, dirOrID string, t Tuning) (*model.Model, error) {
	if m.LoRA() != nil && from == dirOrID {
		return m.Base(), nil
	}
	ref, _, err := LoadModelWith(ctx, m.Backend, dirOrID, model.LoadOptions{DType: t.dtype()})
	return ref, err
}
