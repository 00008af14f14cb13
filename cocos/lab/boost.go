package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/atomicfile"
)

// Boost returns the boost model's directory, training it first if needed:
// at embedded scale a tiny model from scratch, then SFT on the suite's
// 1-turn and 2-turn examples; at paper scale SFT of Base on KodCode's.
// With Scale.BoostAttempts the 2-turn examples' first turns are the
// model's own failed attempts (the turn1Run, then sampling).
//
// The boost model lives in the root lab's directory, shared by every
// recipe: "boost", or "boost-no-eos" for a recipe whose boost learns no
// EOS (the released code's).
func (l *Lab) Boost(ctx context.Context) (string, error) {
	withoutEOS := l.Scale.Recipe.BoostWithoutEOS
	l = l.rootLab()
	name := "boost"
	if withoutEOS {
		name = "boost-no-eos"
	}
	out := l.Path(name, "model")
	if done(l.Path(name)) {
		return out, nil
	}
	base, err := l.base()
	if err != nil {
		return "", fmt.Errorf("lab: boost: %w", err)
	}
	pairs, err := l.boostPairs(ctx)
	if err != nil {
		return "", fmt.Errorf("lab: boost: %w", err)
	}
	cfg := l.Scale.SFT
	if l.Scale.BoostAttempts > 0 {
		if base, pairs, err = l.ownAttempts(ctx, base, pairs); err != nil {
			return "", fmt.Errorf("lab: boost: %w", err)
		}
		cfg.Steps -= cfg.Steps / 2
	}
	// The boost data keep the paper's prompt format under every recipe:
	// the released code does not hold how its KodCode data were made
	// two-turn, and the suite's tests carry no whitespace to strip.
	examples := sft.BoostExamplesUpTo(pairs, prompt.Builder{}, l.Scale.BoostTurns, l.Scale.Seed)
	cfg.WithoutEOS, cfg.Recipe = withoutEOS, "paper"
	if withoutEOS {
		cfg.Recipe = "paper+boost-no-eos" // the boost of every recipe without EOS
	}
	return out, l.sft(ctx, name, base, examples, cfg)
}

// base is the model the boost starts from: Scale.Base, or at embedded
// scale a fresh model with a BPE trained on the suite (the "init" run).
func (l *Lab) base() (string, error) {
	if l.Scale.Base != "" {
		return l.Scale.Base, nil
	}
	dir := l.Path("init")
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		return dir, nil
	}
	preset := model.Preset{Name: l.Scale.Name, Config: l.Scale.Model}
	_, _, err := train.InitModel(l.Backend, preset, data.SuiteSplit(l.tasks, "train"), l.Scale.Seed, dir)
	return dir, err
}

// sft trains the model in from on examples into the run called name.
func (l *Lab) sft(ctx context.Context, name, from string, examples []sft.Example, cfg train.SFTConfig) error {
	m, tok, err := l.trainable(ctx, from)
	if err != nil {
		return fmt.Errorf("lab: %s: %w", name, err)
	}
	cfg.Run = l.run(name)
	l.logf("%s SFT: %d steps of %d examples from %s", name, cfg.Steps, cfg.Batch, from)
	if _, err := (&train.SFT{Model: m, Tokenizer: tok, Examples: examples, Config: cfg}).Run(ctx); err != nil {
		return fmt.Errorf("lab: %s: %w", name, err)
	}
	return nil
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

// turn1Run is the first half of a boost built from its own attempts: SFT
// on 1-turn examples, and the programs it sampled (attempts.json).
const turn1Run = "boost-turn1"

// ownAttempts builds 2-turn pairs as KodCode's are built, from a model's
// failed attempts rather than hand-written mistakes: the first half of the
// boost SFT trains from base on the 1-turn examples alone (turn1Run),
// that model samples one program at τ = 0.9 for each of the first
// BoostAttempts problems, and each failed program becomes its problem's
// turn 1 (with BoostCopies each correct one too, turn 2 repeating it). It
// returns the half-trained model and the pairs.
func (l *Lab) ownAttempts(ctx context.Context, base string, pairs []data.TwoTurn) (string, []data.TwoTurn, error) {
	first := l.Path(turn1Run, "model")
	if !done(l.Path(turn1Run)) {
		var ones []sft.Example
		for _, e := range sft.BoostExamples(pairs, prompt.Builder{}, l.Scale.Seed) {
			if e.Turns == 1 {
				ones = append(ones, e)
			}
		}
		cfg := l.Scale.SFT
		cfg.Steps /= 2
		if err := l.sft(ctx, turn1Run, base, ones, cfg); err != nil {
			return "", nil, err
		}
	}
	attempts, err := l.attempts(ctx, first, pairs[:min(l.Scale.BoostAttempts, len(pairs))])
	if err != nil {
		return "", nil, err
	}
	return first, data.WithAttempts(pairs, attempts, l.Scale.BoostCopies), nil
}

// attempts samples modelDir once on each pair's problem and returns the
// programs by problem id, kept in attempts.json so a resumed boost trains
// on the same pairs.
func (l *Lab) attempts(ctx context.Context, modelDir string, pairs []data.TwoTurn) (map[string]data.Attempt, error) {
	path := l.Path(turn1Run, "attempts.json")
	out := map[string]data.Attempt{}
	if b, err := os.ReadFile(path); err == nil {
		return out, json.Unmarshal(b, &out)
	}
	m, tok, err := l.Load(ctx, modelDir)
	if err != nil {
		return nil, err
	}
	ps := make([]data.Problem, len(pairs))
	for i, p := range pairs {
		ps[i] = p.Problem
	}
	gen := l.generate(tok)
	gen.Temperature, gen.Seed = 0.9, l.Scale.Seed
	r := &evaluate.Runner{Model: m, Tokenizer: tok, Judge: l.Judge, Batch: 64, Generate: gen, RunID: "attempts", ModelID: modelDir}
	res, err := r.Run(ctx, ps, 1)
	if err != nil {
		return nil, fmt.Errorf("sampling attempts: %w", err)
	}
	correct := 0
	for i, t := range res.Trajectories {
		out[ps[i].ID] = data.Attempt{Code: t[0].Code, Correct: t[0].Correct()}
		if t[0].Correct() {
			correct++
		}
	}
	l.logf("boost attempts: %d of %d sampled programs correct", correct, len(ps))
	return out, atomicfile.WriteJSON(path, out)
}
