package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cocos-go/cocos/cocos/baselines"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
)

// run is the RunConfig of the run named name.
func (l *Lab) run(name string) train.RunConfig {
	return train.RunConfig{Dir: l.Path(name), ID: name, Seed: l.Scale.Seed, SaveEvery: 25, Progress: l.Log}
}

// Boost returns the boost model's directory, training it first if needed:
// at embedded scale a tiny model from scratch, then SFT on the suite's
// 1-turn and 2-turn examples; at paper scale SFT of Base on KodCode's.
func (l *Lab) Boost(ctx context.Context) (string, error) {
	out := l.Path("boost", "model")
	if done(l.Path("boost")) {
		return out, nil
	}
	base := l.Scale.Base
	if base == "" {
		base = l.Path("init")
		if _, err := os.Stat(filepath.Join(base, "config.json")); err != nil {
			preset := model.Preset{Name: l.Scale.Name, Config: l.Scale.Model}
			if _, _, err := train.InitModel(l.Backend, preset, data.SuiteSplit(l.tasks, "train"), l.Scale.Seed, base); err != nil {
				return "", fmt.Errorf("lab: boost: %w", err)
			}
		}
	}
	m, tok, err := l.Load(ctx, base)
	if err != nil {
		return "", fmt.Errorf("lab: boost: %w", err)
	}
	pairs, err := l.boostPairs(ctx)
	if err != nil {
		return "", fmt.Errorf("lab: boost: %w", err)
	}
	cfg := l.Scale.SFT
	cfg.Run = l.run("boost")
	l.logf("boost SFT: %d steps of %d examples from %s", cfg.Steps, cfg.Batch, base)
	job := &train.SFT{Model: m, Tokenizer: tok, Examples: sft.BoostExamples(pairs, prompt.Builder{}, l.Scale.Seed), Config: cfg}
	if _, err := job.Run(ctx); err != nil {
		return "", fmt.Errorf("lab: boost: %w", err)
	}
	return out, nil
}

func (l *Lab) boostPairs(ctx context.Context) ([]data.TwoTurn, error) {
	if l.Scale.KodCode == "" {
		if l.tasks == nil {
			return nil, fmt.Errorf("scale %s trains on %s: set Scale.KodCode (or $COCOS_KODCODE) to KodCode's parquet file", l.Scale.Name, l.Scale.Dataset)
		}
		return data.TwoTurnFromSuite(data.SuiteSplit(l.tasks, "train")), nil
	}
	ps, _, err := data.LoadKodCode(l.Scale.KodCode)
	if err != nil {
		return nil, err
	}
	return data.TwoTurnFromMutants(ctx, l.Judge, data.Splits(ps, "train"), 8)
}

// RL trains method (train.CoCoS, SCoRe1, SCoRe2, TurnRL) from the model
// in from against the boost model, into the run called name, and returns
// its best model (the highest training reward, as the paper selects).
// edit, if not nil, changes the RLOO settings and reward first (an
// ablation's γ, mode or reward).
func (l *Lab) RL(ctx context.Context, name, method, from string, edit func(*train.RLConfig)) (string, error) {
	best := l.Path(name, "best")
	if done(l.Path(name)) {
		return best, nil
	}
	boost, err := l.Boost(ctx)
	if err != nil {
		return "", err
	}
	if from == "" {
		from = boost
	}
	policy, tok, err := l.Load(ctx, from)
	if err != nil {
		return "", fmt.Errorf("lab: %s: %w", name, err)
	}
	ref, _, err := l.Load(ctx, boost)
	if err != nil {
		return "", fmt.Errorf("lab: %s: reference: %w", name, err)
	}
	base := l.Scale.RL
	base.Mode = rl.Trajectory
	rc, kind, err := train.MethodConfig(method, base)
	if err != nil {
		return "", err
	}
	cfg := train.RLConfig{Method: method, RLOO: rc, Reward: kind, MaxNewTokens: l.Scale.MaxNewTokens, Run: l.run(name)}
	if edit != nil {
		edit(&cfg)
	}
	l.logf("%s: %s, %d steps of %d prompts × %d samples", name, method, cfg.RLOO.Steps, cfg.RLOO.Batch, cfg.RLOO.K)
	job := &train.RL{Policy: policy, Reference: ref, Tokenizer: tok, Judge: l.Judge, Problems: l.Train, Model: from, Config: cfg}
	if _, err := job.Run(ctx); err != nil {
		return "", fmt.Errorf("lab: %s: %w", name, err)
	}
	return best, nil
}

// Baseline trains one of the methods learned from judged samples of the
// boost model ("turn-sft", "self-corrector", "revise") and returns its
// model. Self-Corrector's model is the corrector (turns 2 … T); the boost
// model stays the generator.
func (l *Lab) Baseline(ctx context.Context, method string) (string, error) {
	out := l.Path(method, "model")
	if done(l.Path(method)) {
		return out, nil
	}
	boost, err := l.Boost(ctx)
	if err != nil {
		return "", err
	}
	m, tok, err := l.Load(ctx, boost)
	if err != nil {
		return "", err
	}
	cands, err := l.candidates(ctx, m, tok)
	if err != nil {
		return "", fmt.Errorf("lab: %s: %w", method, err)
	}
	b, seed := l.Scale.Baselines, l.Scale.Seed
	switch method {
	case "turn-sft", "self-corrector":
		ex := baselines.TurnSFT(cands, prompt.Builder{}, seed)
		if method == "self-corrector" {
			ex = baselines.SelfCorrector(cands, prompt.Builder{}, seed)
		}
		if len(ex) == 0 {
			return "", fmt.Errorf("lab: %s: no example: every sample was correct, or none", method)
		}
		cfg := b.SFT
		cfg.Run = l.run(method)
		_, err = (&train.SFT{Model: m, Tokenizer: tok, Examples: ex, Config: cfg}).Run(ctx)
	case "revise":
		pairs := baselines.ReVISE(cands, prompt.Builder{})
		if len(pairs) == 0 {
			return "", fmt.Errorf("lab: revise: no preference pair: every sample was correct, or none")
		}
		ref, _, rerr := l.Load(ctx, boost)
		if rerr != nil {
			return "", rerr
		}
		cfg := b.ReVISE
		cfg.Run = l.run(method)
		_, err = (&train.Preference{Model: m, Reference: ref, Tokenizer: tok, Pairs: pairs, Config: cfg}).Run(ctx)
	default:
		return "", fmt.Errorf("lab: unknown baseline %q (turn-sft, self-corrector, revise)", method)
	}
	if err != nil {
		return "", fmt.Errorf("lab: %s: %w", method, err)
	}
	return out, nil
}

// candidates samples the boost model on the train problems once; the
// three baselines share them (samples.json).
func (l *Lab) candidates(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer) ([]baselines.Candidates, error) {
	ps := l.Train
	if n := l.Scale.Baselines.Problems; n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	gen := l.generate(tok)
	gen.Temperature, gen.Seed = 0.9, l.Scale.Seed
	l.logf("sampling (once) %d programs for each of %d train problems", l.Scale.Baselines.Samples, len(ps))
	return baselines.SampleOnce(ctx, l.Path("samples.json"), m, tok, l.Judge, prompt.Builder{}, ps, l.Scale.Baselines.Samples, gen)
}

// generate is the scale's decoding: greedy, MaxNewTokens, the tokenizer's
// stop and padding tokens.
func (l *Lab) generate(tok *tokenizer.Tokenizer) model.GenerateConfig {
	return train.WithSpecialTokens(tok, model.GenerateConfig{MaxNewTokens: l.Scale.MaxNewTokens})
}
