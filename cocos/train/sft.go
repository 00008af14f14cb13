package train

import (
	"path/filepath"

	"context"
	"fmt"

	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/internal/atomicfile"
)

// SFTConfig is the boost model's supervised fine-tuning; zero fields take
// the paper's values (Table 8).
type SFTConfig struct {
	Steps      int     // default 1000
	Batch      int     // examples per optimiser step; default 256
	MicroBatch int     // examples per forward/backward pass; default Batch
	LR         float64 // AdamW peak learning rate; default 2e-5
	Warmup     int     // linear warm-up steps before the cosine decay; default 0 (the paper gives none)
	// WeightDecay is AdamW's decoupled decay; default 0.1 (negative: none).
	WeightDecay float64
	ClipNorm    float64 // global gradient-norm bound; default 1.0 (negative: none)
	MaxLen      int     // longest example in tokens (longer ones are dropped); default 1024
	// WithoutEOS ends completions without an EOS token to learn, as the
	// released boost SFT does (recipe.Recipe.BoostWithoutEOS); the model
	// then never learns to stop after [DONE].
	WithoutEOS bool
	// Recipe names the recipe the run belongs to, written with the EOS
	// choice to the run's recipe.json; default "paper".
	Recipe string
	Bucket int // pad batches to a multiple of this many tokens; default 32
	Run    RunConfig
	// Eval, if set, evaluates the model during and after training; its
	// trajectories join the run's.
	Eval *Eval
}

// Fill returns c with defaults applied.
func (c SFTConfig) Fill() SFTConfig {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Steps, 1000)
	def(&c.Batch, 256)
	def(&c.MicroBatch, c.Batch)
	def(&c.MaxLen, 1024)
	def(&c.Bucket, 32)
	if c.LR == 0 {
		c.LR = 2e-5
	}
	if c.WeightDecay == 0 {
		c.WeightDecay = 0.1
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	return c
}

// SFT fine-tunes a model on prompt/completion examples with the loss on
// completion tokens only (the boost model: sft.BoostExamples).
type SFT struct {
	Model     *model.Model
	Tokenizer *tokenizer.Tokenizer
	Examples  []sft.Example
	Config    SFTConfig
}

// Run trains, resuming from Config.Run.Dir if it holds a checkpoint.
func (s *SFT) Run(ctx context.Context) (Summary, error) {
	cfg := s.Config.Fill()
	if cfg.Batch%cfg.MicroBatch != 0 {
		return Summary{}, fmt.Errorf("train: SFTConfig.MicroBatch %d does not divide Batch %d", cfg.MicroBatch, cfg.Batch)
	}
	eos := s.Tokenizer.EOS
	if cfg.WithoutEOS {
		eos = -1
	}
	data, dropped, err := sft.Tokenize(s.Tokenizer, s.Examples, eos, cfg.MaxLen)
	if err != nil {
		return Summary{}, err
	}
	if len(data) == 0 {
		return Summary{}, fmt.Errorf("train: no SFT example fits in %d tokens (%d dropped)", cfg.MaxLen, dropped)
	}
	r, err := openRun(s.Model, s.Tokenizer, cfg.Run, cfg.Steps)
	if err != nil {
		return Summary{}, err
	}
	if cfg.Recipe == "" {
		cfg.Recipe = "paper"
	}
	meta := map[string]any{"recipe": cfg.Recipe, "boost_eos": !cfg.WithoutEOS}
	if err := atomicfile.WriteJSON(filepath.Join(cfg.Run.Dir, "recipe.json"), meta); err != nil {
		r.abort()
		return Summary{}, err
	}
	opt := optimizer.Adam().LearningRate(cfg.LR)
	if cfg.WeightDecay > 0 {
		opt = opt.WeightDecay(cfg.WeightDecay)
	}
	tr, err := model.NewTrainer(s.Model, opt.Done(), nil)
	if err != nil {
		r.abort()
		return Summary{}, err
	}
	tr.ClipNorm = max(cfg.ClipNorm, 0)
	schedule := sft.Cosine{Peak: cfg.LR, Warmup: cfg.Warmup, Total: cfg.Steps}
	return r.loop(ctx, cfg.Eval, func() error { return s.step(tr, r, data, cfg, schedule.At(r.step)) })
}

// step trains on the run's next batch, in micro-batches.
func (s *SFT) step(tr *model.Trainer, r *run, data []sft.Tokenized, cfg SFTConfig, lr float64) error {
	if err := tr.SetLearningRate(lr); err != nil {
		return err
	}
	idx := batchAt(len(data), cfg.Batch, r.cfg.Seed, r.step)
	var micro [][]any
	for start := 0; start < len(idx); start += cfg.MicroBatch {
		part := make([]sft.Tokenized, 0, cfg.MicroBatch)
		for _, i := range idx[start : start+cfg.MicroBatch] {
			part = append(part, data[i])
		}
		ids, mask, loss := sft.Pack(part, max(s.Tokenizer.PAD, 0), cfg.Bucket)
		micro = append(micro, model.NLLInputs(ids, mask, loss))
	}
	st, err := tr.Step(micro...)
	if err != nil {
		return fmt.Errorf("train: SFT step %d: %w", r.step+1, err)
	}
	r.done(Progress{Loss: float64(st.Loss), GradNorm: float64(st.GradNorm), LR: lr}, 0, false)
	return nil
}
