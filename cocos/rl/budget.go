package rl

import (
	"github.com/cocos-go/cocos/cocos/model"
)

// BudgetShape is a CoCoS step as a device holds it: Rows rollouts sampled
// together, then updated MicroBatch rows at a time.
type BudgetShape struct {
	Rows, MicroBatch int
	SeqLen           int // tokens per trajectory (prompt, every turn, the feedback between)
	ActionTokens     int // tokens per trajectory whose log-probs the loss reads
	// LoRARank > 0: adapters of this rank on every projection, the base
	// frozen and shared with the reference; 0: full fine-tuning.
	LoRARank int
	// WeightBytes is the frozen weights' bytes per value (4 f32, 2 bf16);
	// full fine-tuning keeps f32 master weights whatever it says, and a
	// reference in it. ComputeBytes is the activations' and KV cache's.
	WeightBytes, ComputeBytes int
	// Checkpoint: per-layer gradient checkpointing (only each layer's input
	// is kept for the backward pass, one layer's activations recomputed).
	Checkpoint bool
}

// PaperBudgetShape is the paper's step (Table 8: 64 prompts × 2 samples,
// micro-batch 8, 512 new tokens a turn, 2 turns) with prompts of 256
// tokens and 64 of feedback between the turns.
func PaperBudgetShape() BudgetShape {
	return BudgetShape{Rows: 128, MicroBatch: 8, SeqLen: 256 + 2*512 + 64, ActionTokens: 2 * 512, WeightBytes: 4, ComputeBytes: 4}
}

// Budget is a step's device memory by component, in bytes.
type Budget struct {
	Weights, Reference, Adapters, Gradients, Optimiser, Activations, Logits, KVCache int64
}

// Total sums the components.
func (b Budget) Total() int64 {
	return b.Weights + b.Reference + b.Adapters + b.Gradients + b.Optimiser + b.Activations + b.Logits + b.KVCache
}

// EstimateBudget is the memory a step of shape s needs on a device for the
// architecture cfg, from the model's own arithmetic (nothing measured):
//   - full fine-tuning: f32 weights, a reference in WeightBytes, f32
//     gradients and Adam's two f32 moments for every weight;
//   - LoRA: the base once in WeightBytes (the reference is the base), the
//     adapters, their gradients and Adam's moments in f32;
//   - activations kept for the backward pass of one micro-batch: per layer
//     and token, the inputs of every matmul and norm (6·hidden + 2·q + 2·kv +
//     4·intermediate values) and the attention probabilities and scores
//     (2·heads·SeqLen); with checkpointing, each layer's input plus one
//     layer's activations;
//   - the LM head at the read positions, model.HeadChunk of them at a time:
//     logits, their softmax and its gradient in f32 (3 × vocab × 4 bytes
//     a position);
//   - the rollouts' KV cache: Rows × SeqLen tokens.
func EstimateBudget(cfg model.Config, s BudgetShape) Budget {
	p := int64(cfg.NumParams())
	var b Budget
	if s.LoRARank > 0 {
		b.Weights = p * int64(s.WeightBytes)
		b.Adapters = int64(model.LoRAConfig{Rank: s.LoRARank}.Fill().NumParams(cfg)) * 4
		b.Gradients, b.Optimiser = b.Adapters, 2*b.Adapters
	} else {
		b.Weights, b.Reference = 4*p, p*int64(s.WeightBytes)
		b.Gradients, b.Optimiser = 4*p, 8*p
	}
	h, hd := int64(cfg.HiddenSize), int64(cfg.HeadDim())
	q, kv := int64(cfg.NumAttentionHeads)*hd, int64(cfg.KVHeads())*hd
	layer := 6*h + 2*q + 2*kv + 4*int64(cfg.IntermediateSize) + 2*int64(cfg.NumAttentionHeads)*int64(s.SeqLen)
	tokens := int64(s.MicroBatch) * int64(s.SeqLen)
	layers, cb := int64(cfg.NumHiddenLayers), int64(s.ComputeBytes)
	if s.Checkpoint {
		b.Activations = tokens * (layers*h + layer) * cb
	} else {
		b.Activations = tokens * layers * layer * cb
	}
	b.Logits = 3 * int64(min(s.MicroBatch*s.ActionTokens, model.HeadChunk)) * int64(cfg.VocabSize) * 4
	b.KVCache = cfg.CacheBytes(s.Rows, s.SeqLen) / 4 * cb
	return b
}
