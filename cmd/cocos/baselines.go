package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/cocos-go/cocos/cocos/baselines"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

var baselineSummary = map[string]string{
	"turn-sft": "Turn-SFT (appendix B): sample --samples programs per problem from --model, judge them, and SFT on\n" +
		"1-turn (correct) and 2-turn (incorrect → correct) examples mixed 1:1.",
	"self-corrector": "Self-Corrector (Welleck et al. 2023): the same samples, SFT of a corrector on the 2-turn examples only;\n" +
		"evaluate with `cocos eval --model GENERATOR --corrector RUN/model` (the generator stays frozen).",
}

// judgedFlags are the flags of the baselines that train on judged
// samples: the problems, how many programs each, and how they are sampled.
type judgedFlags struct {
	problems *problemFlags
	samples  *int
	sampling *samplingFlags
}

func addJudgedFlags(fs *flag.FlagSet) *judgedFlags {
	return &judgedFlags{problems: addProblemFlags(fs, "train"),
		samples:  fs.Int("samples", 10, "programs sampled per problem"),
		sampling: addSamplingFlags(fs, 512)}
}

// sampled is what a sampling baseline trains from.
type sampled struct {
	m     *model.Model
	tok   *tokenizer.Tokenizer
	judge *sandbox.Executor
	cands []baselines.Candidates
}

// open loads the model and problems, starts the judge (the caller closes
// it) and samples or reloads the run's candidates.
func (s *judgedFlags) open(ctx context.Context, c *common) (*sampled, error) {
	m, tok, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.problems.load()
	if err != nil {
		return nil, err
	}
	judge, err := sandbox.New(sandbox.Config{})
	if err != nil {
		return nil, err
	}
	gen := genConfig(tok, model.GenerateConfig{MaxNewTokens: *s.sampling.maxNew, Temperature: *s.sampling.temperature, Seed: c.run.Seed})
	cands, err := candidates(ctx, c, m, tok, judge, ps, *s.samples, gen)
	if err != nil {
		judge.Close()
		return nil, err
	}
	return &sampled{m: m, tok: tok, judge: judge, cands: cands}, nil
}

func runTrainBaseline(ctx context.Context, name string, args []string) error {
	fs := newFlags("train "+name, "train "+name+" --model DIR --out RUN [flags]", baselineSummary[name])
	c := addCommon(fs)
	cfg := addSFTFlags(fs)
	smp := addJudgedFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := smp.open(ctx, c)
	if err != nil {
		return fmt.Errorf("train %s: %w", name, err)
	}
	defer d.judge.Close()
	examples := baselines.TurnSFT(d.cands, c.prompts(), c.run.Seed)
	if name == "self-corrector" {
		examples = baselines.SelfCorrector(d.cands, c.prompts(), c.run.Seed)
	}
	if len(examples) == 0 {
		return fmt.Errorf("train %s: no training example: the model's %d samples per problem were all correct or all incorrect", name, *smp.samples)
	}
	conf := cfg()
	conf.Run, conf.Eval, conf.Recipe = c.run, c.eval(d.judge, d.tok), c.rec.String()
	sum, err := (&train.SFT{Model: d.m, Tokenizer: d.tok, Examples: examples, Config: conf}).Run(ctx)
	if err != nil {
		return fmt.Errorf("train %s: %w", name, err)
	}
	fmt.Printf("trained %d steps on %d examples (resumed at %d); model in %s\n", sum.Steps, len(examples), sum.Resumed, filepath.Join(sum.Dir, "model"))
	return nil
}

// candidates samples and judges once per run directory (candidates.json).
func candidates(ctx context.Context, c *common, m *model.Model, tok model.Tokenizer, judge *sandbox.Executor,
	ps []data.Problem, n int, gen model.GenerateConfig) ([]baselines.Candidates, error) {
	return baselines.SampleOnce(ctx, filepath.Join(*c.runs.out, "candidates.json"), m, tok, judge, c.prompts(), ps, n, gen)
}

func runTrainReVISE(ctx context.Context, args []string) error {
	fs := newFlags("train revise", "train revise --model DIR --out RUN [flags]",
		"ReVISE (Lee et al. 2025): sample --samples programs per problem from --model, judge them, and train with SFT\n"+
			"plus DPO in one backward pass to stop after a correct program and to refine ([CORRECT]) after a wrong one.\n"+
			"Evaluate with `cocos eval --model RUN/model --revise`.")
	c := addCommon(fs)
	var cfg train.PreferenceConfig
	sched := addScheduleFlags(fs, schedule{Steps: 100, Batch: 16, LR: 1e-5, ClipNorm: 1}, "preference pairs per step", false)
	fs.Float64Var(&cfg.Beta, "beta", 0.1, "DPO temperature β")
	fs.Float64Var(&cfg.SFTWeight, "sft-weight", 1, "weight of the chosen completions' NLL")
	fs.IntVar(&cfg.MaxLen, "max-len", 1024, "longest sequence in tokens")
	smp := addJudgedFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := smp.open(ctx, c)
	if err != nil {
		return fmt.Errorf("train revise: %w", err)
	}
	defer d.judge.Close()
	ref, err := c.reference(ctx, d.m, *c.model.dir)
	if err != nil {
		return fmt.Errorf("train revise: reference: %w", err)
	}
	pairs := baselines.ReVISE(d.cands, c.prompts())
	if len(pairs) == 0 {
		return fmt.Errorf("train revise: no preference pair: the model's %d samples per problem were all correct or all incorrect", *smp.samples)
	}
	cfg.Run, cfg.Steps, cfg.Batch, cfg.LR, cfg.ClipNorm = c.run, sched.Steps, sched.Batch, sched.LR, sched.ClipNorm
	sum, err := (&train.Preference{Model: d.m, Reference: ref, Tokenizer: d.tok, Pairs: pairs, Config: cfg}).Run(ctx)
	if err != nil {
		return fmt.Errorf("train revise: %w", err)
	}
	fmt.Printf("trained %d steps on %d pairs (resumed at %d); model in %s\n", sum.Steps, len(pairs), sum.Resumed, filepath.Join(sum.Dir, "model"))
	return nil
}
