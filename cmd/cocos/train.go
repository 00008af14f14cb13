package main

import (
	"context"
	"flag"
	"fmt"
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

// common are the flag sets every trainer shares: the model, its tuning,
// the run directory and the recipe.
type common struct {
	model  *modelFlags
	tune   *tuningFlags
	runs   *runFlags
	recipe *string
	rec    recipe.Recipe   // --recipe, parsed by open
	run    train.RunConfig // the run's, filled by open
}

func addCommon(fs *flag.FlagSet) *common {
	return &common{model: addModelFlags(fs), tune: addTuningFlags(fs), runs: addRunFlags(fs), recipe: addRecipeFlag(fs)}
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
	if err := requireFlag("model", *c.model.dir); err != nil {
		return nil, nil, err
	}
	if err := requireFlag("out", *c.runs.out); err != nil {
		return nil, nil, err
	}
	var err error
	if c.rec, err = recipe.Parse(*c.recipe); err != nil {
		return nil, nil, err
	}
	backend, err := c.model.backend()
	if err != nil {
		return nil, nil, err
	}
	t, err := c.tuning()
	if err != nil {
		return nil, nil, err
	}
	m, tok, err := train.LoadTrainable(ctx, backend, *c.model.dir, t)
	if err != nil {
		return nil, nil, err
	}
	c.run = c.runs.config()
	return m, tok, nil
}

// tuning is the flags' train.Tuning.
func (c *common) tuning() (train.Tuning, error) {
	dt, err := c.model.dType()
	if err != nil {
		return train.Tuning{}, err
	}
	return c.tune.tuning(dt, c.runs.run.Seed), nil
}

// reference is the frozen model a trainer holds m to (train.LoadReference).
func (c *common) reference(ctx context.Context, m *model.Model, dir string) (*model.Model, error) {
	t, err := c.tuning()
	if err != nil {
		return nil, err
	}
	return train.LoadReference(ctx, m, *c.model.dir, dir, t)
}

// eval is the evaluation on suite test problems the flags ask for.
func (c *common) eval(judge *sandbox.Executor, tok *tokenizer.Tokenizer) *train.Eval {
	r := c.runs
	if *r.evalN <= 0 {
		return nil
	}
	ps := data.SuiteProblems(data.Suite(data.SuiteConfig{}), "test")
	gen := c.rec.Generate(genConfig(tok, model.GenerateConfig{MaxNewTokens: *r.evalTokens}))
	return &train.Eval{Runner: evaluate.Runner{Judge: judge, Prompts: c.prompts(), Generate: gen},
		Problems: ps[:min(*r.evalN, len(ps))], Every: *r.evalEvery}
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
	conf := cfg()
	conf.Run, conf.Eval, conf.WithoutEOS, conf.Recipe = c.run, c.eval(judge, tok), c.rec.BoostWithoutEOS, c.rec.String()
	examples := sft.BoostExamples(pairs, c.prompts(), c.run.Seed)
	job := &train.SFT{Model: m, Tokenizer: tok, Examples: examples, Config: conf}
	sum, err := job.Run(ctx)
	if err != nil {
		return fmt.Errorf("train sft: %w", err)
	}
	fmt.Printf("trained %d steps (resumed at %d); model in %s\n", sum.Steps, sum.Resumed, filepath.Join(sum.Dir, "model"))
	return nil
}

// addSFTFlags binds the flags of SFTConfig; the function returned reads
// them once they are parsed.
func addSFTFlags(fs *flag.FlagSet) func() train.SFTConfig {
	var cfg train.SFTConfig
	s := addScheduleFlags(fs, schedule{Steps: 1000, Batch: 256, LR: 2e-5, ClipNorm: 1}, "examples per step", true)
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", 0.1, "AdamW weight decay (negative: none)")
	fs.IntVar(&cfg.MaxLen, "max-len", 1024, "longest example in tokens")
	return func() train.SFTConfig {
		cfg.Steps, cfg.Batch, cfg.MicroBatch, cfg.LR, cfg.Warmup, cfg.ClipNorm = s.Steps, s.Batch, s.MicroBatch, s.LR, s.Warmup, s.ClipNorm
		return cfg
	}
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
	fs.Float64Var(&rc.Clip, "clip", 0, "PPO clip range (0: the recipe's: plain RLOO for the paper, 0.2 released)")
	fs.IntVar(&rc.Epochs, "epochs", 1, "optimisation epochs per batch (1, as the released script sets)")
	sched := addScheduleFlags(fs, schedule{Steps: 1500, Batch: 64, LR: 1e-5, ClipNorm: 1}, "prompts per step (k samples each)", true)
	sampling := addSamplingFlags(fs, 512)
	stage := fs.Int("stage", 1, "score: SCoRe stage 1 (turn-1 KL) or 2 (shaped reward)")
	fs.Float64Var(&rc.Turn1KL, "turn1-kl", 0, "score stage 1: turn-1 KL coefficient (0: the released code's 0.25)")
	fs.Float64Var(&rc.Alpha, "alpha", 10, "score stage 2: bonus α of the shaped reward")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rc.Steps, rc.Batch, rc.MicroBatch, rc.LR, rc.ClipNorm = sched.Steps, sched.Batch, sched.MicroBatch, sched.LR, sched.ClipNorm
	rc.Temperature = *sampling.temperature
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
		refDir = *c.model.dir
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
	job := &train.RL{Policy: policy, Reference: reference, Tokenizer: tok, Judge: judge, Problems: ps, Model: *c.model.dir,
		Config: train.RLConfig{Method: method, Recipe: c.rec, RLOO: rc, Reward: kind, MaxNewTokens: *sampling.maxNew, Warmup: sched.Warmup,
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
