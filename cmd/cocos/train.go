package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

const trainUsage = "train: name a trainer: cocos train sft|cocos|score|turn-rl|turn-sft|self-corrector|revise --model DIR --out RUN [flags] (-h for each)"

func runTrain(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf(trainUsage)
	}
	switch args[0] {
	case "sft":
		return runTrainSFT(ctx, args[1:])
	case "cocos", "score", "turn-rl":
		return runTrainRL(ctx, args[0], args[1:])
	case "turn-sft", "self-corrector":
		return runTrainBaseline(ctx, args[0], args[1:])
	case "revise":
		return runTrainReVISE(ctx, args[1:])
	}
	return fmt.Errorf("%s; not %q", trainUsage, args[0])
}

// common are the flags every trainer shares: model, run directory, backend.
type common struct {
	model, out, backend *string
	run                 train.RunConfig
	evalN, evalEvery    *int
	evalTokens          *int
	quiet               *bool
	dtype               *string
	lora                model.LoRAConfig
	loraTargets         *string
	checkpoint          *bool
	recipe              *string
	rec                 recipe.Recipe // --recipe, parsed by open
}

func addCommon(fs *flag.FlagSet) *common {
	c := &common{
		model:      fs.String("model", "", "model directory or Hugging Face id to start from (required; `cocos init` makes a tiny one)"),
		out:        fs.String("out", "", "run directory (required); running the same command again resumes it"),
		backend:    fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)"),
		evalN:      fs.Int("eval", 16, "evaluate on this many suite test problems after training (0: none)"),
		evalEvery:  fs.Int("eval-every", 0, "also evaluate every N steps (0: after the last step only)"),
		evalTokens: fs.Int("eval-max-new-tokens", 512, "most new tokens per evaluation turn"),
		quiet:      fs.Bool("quiet", false, "no progress output"),
		dtype: fs.String("dtype", "float32", "compute dtype, float32 or bfloat16 (a GPU's); with --lora-rank the frozen base is held in it, "+
			"without it the weights stay f32 (mixed precision) and the reference is held in it"),
		checkpoint: fs.Bool("checkpoint", false, "per-layer gradient checkpointing: recompute each layer's activations in the backward pass"),
		loraTargets: fs.String("lora-targets", strings.Join(model.LoRATargets, ","),
			"with --lora-rank: the linear modules adapted, comma-separated"),
		recipe: addRecipeFlag(fs),
	}
	fs.IntVar(&c.lora.Rank, "lora-rank", 0, "train LoRA adapters of this rank instead of every weight (0: full fine-tuning, the paper's); the reference is the base without them")
	fs.Float64Var(&c.lora.Alpha, "lora-alpha", 0, "LoRA alpha; the update is scaled by alpha/rank (0: 2 x rank)")
	fs.Float64Var(&c.lora.Dropout, "lora-dropout", 0, "dropout on the adapters' input while training")
	fs.Uint64Var(&c.run.Seed, "seed", 1, "seed of data order and sampling")
	fs.IntVar(&c.run.SaveEvery, "save-every", 50, "steps between checkpoints")
	fs.IntVar(&c.run.Keep, "keep", 2, "checkpoints kept")
	return c
}

// addRecipeFlag binds --recipe.
func addRecipeFlag(fs *flag.FlagSet) *string {
	var names []string
	for _, d := range recipe.Departures() {
		names = append(names, d.Name)
	}
	return fs.String("recipe", "paper", "paper (the paper's text) or released (the authors' code, github.com/jeonghun3572/CoCoS); "+
		"paper+NAME… flips single departures to the released code's: "+strings.Join(names, ", "))
}

// prompts is the recipe's prompt format.
func (c *common) prompts() prompt.Builder { return c.rec.Prompts(prompt.Builder{}) }

// open checks the flags, loads the model and fills the run config.
func (c *common) open(ctx context.Context) (*model.Model, *tokenizer.Tokenizer, error) {
	for name, v := range map[string]string{"model": *c.model, "out": *c.out} {
		if err := requireFlag(name, v); err != nil {
			return nil, nil, err
		}
	}
	var err error
	if c.rec, err = recipe.Parse(*c.recipe); err != nil {
		return nil, nil, err
	}
	backend, err := model.NewBackend(*c.backend)
	if err != nil {
		return nil, nil, err
	}
	t, err := c.tuning()
	if err != nil {
		return nil, nil, err
	}
	m, tok, err := train.LoadTrainable(ctx, backend, *c.model, t)
	if err != nil {
		return nil, nil, err
	}
	c.run.Dir = *c.out
	if !*c.quiet {
		c.run.Progress = os.Stderr
	}
	return m, tok, nil
}

// tuning is the flags' train.Tuning.
func (c *common) tuning() (train.Tuning, error) {
	dt, err := parseDType(*c.dtype)
	if err != nil {
		return train.Tuning{}, err
	}
	t := train.Tuning{DType: dt, LoRA: c.lora, Checkpoint: *c.checkpoint}
	if t.LoRA.Rank > 0 {
		t.LoRA.Targets, t.LoRA.Seed = strings.Split(*c.loraTargets, ","), c.run.Seed
	}
	return t, nil
}

// reference is the frozen model a trainer holds m to (train.LoadReference).
func (c *common) reference(ctx context.Context, m *model.Model, dir string) (*model.Model, error) {
	t, err := c.tuning()
	if err != nil {
		return nil, err
	}
	return train.LoadReference(ctx, m, *c.model, dir, t)
}

// eval is the evaluation on suite test problems the flags ask for.
func (c *common) eval(judge *sandbox.Executor, tok *tokenizer.Tokenizer) *train.Eval {
	if *c.evalN <= 0 {
		return nil
	}
	ps := data.SuiteProblems(data.Suite(data.SuiteConfig{}), "test")
	gen := c.rec.Generate(genConfig(tok, model.GenerateConfig{MaxNewTokens: *c.evalTokens}))
	return &train.Eval{Runner: evaluate.Runner{Judge: judge, Prompts: c.prompts(), Generate: gen},
		Problems: ps[:min(*c.evalN, len(ps))], Every: *c.evalEvery}
}

func runTrainSFT(ctx context.Context, args []string) error {
	fs := newFlags("train sft", "train sft --model DIR --out RUN [flags]",
		"Boost SFT: 1-turn and 2-turn examples mixed 1:1, loss on completions only, AdamW with a cosine schedule.\n"+
			"Examples come from the built-in suite's wrong solutions, or from KodCode's sandbox-checked mutants.")
	c := addCommon(fs)
	cfg := addSFTFlags(fs)
	kodcode := fs.String("kodcode", "", "KodCode parquet file to build the examples from (default: the built-in suite)")
	limit := fs.Int("limit", 0, "use only the first N two-turn pairs (0: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, tok, err := c.open(ctx)
	if err != nil {
		return fmt.Errorf("train sft: %w", err)
	}
	judge, err := sandbox.New(sandbox.Config{})
	if err != nil {
		return err
	}
	defer judge.Close()
	pairs, err := boostPairs(ctx, judge, *kodcode)
	if err != nil {
		return fmt.Errorf("train sft: %w", err)
	}
	if *limit > 0 && *limit < len(pairs) {
		pairs = pairs[:*limit]
	}
	cfg.Run, cfg.Eval, cfg.WithoutEOS, cfg.Recipe = c.run, c.eval(judge, tok), c.rec.BoostWithoutEOS, c.rec.String()
	examples := sft.BoostExamples(pairs, c.prompts(), c.run.Seed)
	job := &train.SFT{Model: m, Tokenizer: tok, Examples: examples, Config: *cfg}
	sum, err := job.Run(ctx)
	if err != nil {
		return fmt.Errorf("train sft: %w", err)
	}
	fmt.Printf("trained %d steps (resumed at %d); model in %s\n", sum.Steps, sum.Resumed, filepath.Join(sum.Dir, "model"))
	return nil
}

// addSFTFlags binds the flags of SFTConfig.
func addSFTFlags(fs *flag.FlagSet) *train.SFTConfig {
	var cfg train.SFTConfig
	fs.IntVar(&cfg.Steps, "steps", 1000, "optimiser steps")
	fs.IntVar(&cfg.Batch, "batch", 256, "examples per step")
	fs.IntVar(&cfg.MicroBatch, "micro-batch", 0, "examples per forward/backward pass (gradient accumulation; 0: --batch)")
	fs.Float64Var(&cfg.LR, "lr", 2e-5, "peak learning rate")
	fs.IntVar(&cfg.Warmup, "warmup", 0, "linear warm-up steps")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", 0.1, "AdamW weight decay (negative: none)")
	fs.Float64Var(&cfg.ClipNorm, "clip-norm", 1, "global gradient-norm bound (negative: none)")
	fs.IntVar(&cfg.MaxLen, "max-len", 1024, "longest example in tokens")
	return &cfg
}

// boostPairs are the two-turn pairs of the boost data.
func boostPairs(ctx context.Context, judge *sandbox.Executor, kodcode string) ([]data.TwoTurn, error) {
	if kodcode == "" {
		return data.TwoTurnFromSuite(data.SuiteSplit(data.Suite(data.SuiteConfig{}), "train")), nil
	}
	ps, _, err := data.LoadKodCode(kodcode)
	if err != nil {
		return nil, err
	}
	return data.TwoTurnFromMutants(ctx, judge, data.Splits(ps, "train"), 8)
}

func runTrainRL(ctx context.Context, name string, args []string) error {
	fs := newFlags("train "+name, "train "+name+" --model DIR --out RUN [flags]", rlSummary[name])
	c := addCommon(fs)
	problems := addProblemFlags(fs, "train")
	ref := fs.String("ref", "", "frozen reference (the boost model) for the KL term (default: --model)")
	var rc rl.RLOOConfig
	mode := fs.String("mode", "", "cocos: trajectory (both turns trained, the paper) or turn2 (the released code); default: the recipe's")
	fs.IntVar(&rc.K, "k", 2, "RLOO samples per prompt")
	fs.Float64Var(&rc.Beta, "beta", 0.01, "KL coefficient")
	fs.Float64Var(&rc.Gamma, "gamma", 0.5, "discount of the accumulated reward")
	fs.BoolVar(&rc.NoGamma, "no-gamma", false, "γ = 0 (only the last improvement counts)")
	fs.Float64Var(&rc.Temperature, "temperature", 0.9, "rollout sampling temperature")
	fs.Float64Var(&rc.Clip, "clip", 0, "PPO clip range (0: the recipe's: plain RLOO for the paper, 0.2 released)")
	fs.IntVar(&rc.Epochs, "epochs", 1, "optimisation epochs per batch (1, as the released script sets)")
	fs.Float64Var(&rc.LR, "lr", 1e-5, "peak Adam learning rate (cosine decay)")
	fs.IntVar(&rc.Steps, "steps", 1500, "RL steps")
	fs.IntVar(&rc.Batch, "batch", 64, "prompts per step (k samples each)")
	fs.IntVar(&rc.MicroBatch, "micro-batch", 0, "rollouts per forward/backward pass (0: all)")
	fs.Float64Var(&rc.ClipNorm, "clip-norm", 1, "global gradient-norm bound (negative: none)")
	stage := fs.Int("stage", 1, "score: SCoRe stage 1 (turn-1 KL) or 2 (shaped reward)")
	fs.Float64Var(&rc.Turn1KL, "turn1-kl", 0, "score stage 1: turn-1 KL coefficient (0: the released code's 0.25)")
	fs.Float64Var(&rc.Alpha, "alpha", 10, "score stage 2: bonus α of the shaped reward")
	maxNew := fs.Int("max-new-tokens", 512, "most new tokens per turn")
	warmup := fs.Int("warmup", 0, "learning-rate warm-up steps")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	method, err := rlMethod(name, *stage)
	if err != nil {
		return err
	}
	policy, tok, err := c.open(ctx)
	if err != nil {
		return fmt.Errorf("train %s: %w", name, err)
	}
	rc, kind, err := train.MethodConfig(method, rc, c.rec)
	if err != nil {
		return err
	}
	if *mode != "" && method == train.CoCoS {
		if rc.Mode, err = rl.ParseMode(*mode); err != nil {
			return err
		}
	}
	refDir := *ref
	if refDir == "" {
		refDir = *c.model
	}
	reference, err := c.reference(ctx, policy, refDir)
	if err != nil {
		return fmt.Errorf("train %s: reference: %w", name, err)
	}
	ps, err := problems.load()
	if err != nil {
		return fmt.Errorf("train %s: %w", name, err)
	}
	judge, err := sandbox.New(sandbox.Config{})
	if err != nil {
		return err
	}
	defer judge.Close()
	job := &train.RL{Policy: policy, Reference: reference, Tokenizer: tok, Judge: judge, Problems: ps, Model: *c.model,
		Config: train.RLConfig{Method: method, Recipe: c.rec, RLOO: rc, Reward: kind, MaxNewTokens: *maxNew, Warmup: *warmup,
			Run: c.run, Eval: c.eval(judge, tok)}}
	sum, err := job.Run(ctx)
	if err != nil {
		return fmt.Errorf("train %s: %w", name, err)
	}
	fmt.Printf("trained %d steps (resumed at %d); best mean reward %.4f at step %d in %s; final model in %s\n",
		sum.Steps, sum.Resumed, sum.BestReward, sum.BestStep, filepath.Join(sum.Dir, "best"), filepath.Join(sum.Dir, "model"))
	return nil
}

var rlSummary = map[string]string{
	"cocos":   "CoCoS: RLOO on the accumulated progressive reward, KL to the frozen boost model.",
	"score":   "SCoRe: stage 1 trains turn 2 on the binary reward with a KL penalty on turn 1; stage 2 trains both turns on the shaped reward.",
	"turn-rl": "Turn-RL: turn 1 is sampled once from the starting model and kept fixed; RLOO trains turn 2.",
}

// rlMethod maps a command and SCoRe stage to a train method.
func rlMethod(name string, stage int) (string, error) {
	switch {
	case name == "cocos":
		return train.CoCoS, nil
	case name == "turn-rl":
		return train.TurnRL, nil
	case stage == 1:
		return train.SCoRe1, nil
	case stage == 2:
		return train.SCoRe2, nil
	}
	return "", fmt.Errorf("train score: --stage is 1 or 2, not %d", stage)
}
