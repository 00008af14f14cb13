package lab

import (
	"context"
	"fmt"

	"github.com/cocos-go/cocos/cocos/baselines"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
)

// run is the RunConfig of the run named name.
func (l *Lab) run(name string) train.RunConfig {
	return train.RunConfig{Dir: l.Path(name), ID: name, Seed: l.Scale.Seed, SaveEvery: 25, Progress: l.Log}
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
	policy, tok, err := l.trainable(ctx, from)
	if err != nil {
		return "", fmt.Errorf("lab: %s: %w", name, err)
	}
	ref, err := l.reference(ctx, policy, from, boost)
	if err != nil {
		return "", fmt.Errorf("lab: %s: reference: %w", name, err)
	}
	base := l.Scale.RL
	base.Mode = rl.Trajectory
	rc, kind, err := train.MethodConfig(method, base, l.Scale.Recipe)
	if err != nil {
		return "", err
	}
	cfg := train.RLConfig{Method: method, Recipe: l.Scale.Recipe, RLOO: rc, Reward: kind, MaxNewTokens: l.Scale.MaxNewTokens, Run: l.run(name)}
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
	m, tok, err := l.trainable(ctx, boost)
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
		ex := baselines.TurnSFT(cands, l.prompts(), seed)
		if method == "self-corrector" {
			ex = baselines.SelfCorrector(cands, l.prompts(), seed)
		}
		if len(ex) == 0 {
			return "", fmt.Errorf("lab: %s: no example: every sample was correct, or none", method)
		}
		cfg := b.SFT
		cfg.Run, cfg.Recipe = l.run(method), l.Scale.Recipe.String()
		_, err = (&train.SFT{Model: m, Tokenizer: tok, Examples: ex, Config: cfg}).Run(ctx)
	case "revise":
		pairs := baselines.ReVISE(cands, l.prompts())
		if len(pairs) == 0 {
			return "", fmt.Errorf("lab: revise: no preference pair: every sample was correct, or none")
		}
		ref, rerr := l.reference(ctx, m, boost, boost)
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
	return baselines.SampleOnce(ctx, l.Path("samples.json"), m, tok, l.Judge, l.prompts(), ps, l.Scale.Baselines.Samples, gen)
}

// generate is the scale's decoding: greedy, MaxNewTokens, the tokenizer's
// stop and padding tokens, the recipe's decoding of responses.
func (l *Lab) generate(tok *tokenizer.Tokenizer) model.GenerateConfig {
	return l.Scale.Recipe.Generate(train.WithSpecialTokens(tok, model.GenerateConfig{MaxNewTokens: l.Scale.MaxNewTokens}))
}

// prompts is the recipe's prompt format.
func (l *Lab) prompts() prompt.Builder { return l.Scale.Recipe.Prompts(prompt.Builder{}) }
