package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/atomicfile"
	"github.com/cocos-go/cocos/sandbox"
)

// Methods are the RL trainers by name.
const (
	CoCoS  = "cocos"   // RLOO on the accumulated progressive reward
	SCoRe1 = "score-1" // SCoRe stage I: binary r_2, turn-1 KL
	SCoRe2 = "score-2" // SCoRe stage II: binary, shaped reward over both turns
	TurnRL = "turn-rl" // turn 2 trained on a fixed, pre-sampled turn 1
)

// MethodConfig returns the RLOO settings and reward of a method on top of
// base (the paper's defaults where base leaves fields zero) under a
// recipe: CoCoS takes the recipe's mode; the other methods keep their own
// (SCoRe stage I takes the recipe's turn-1 sharing).
func MethodConfig(method string, base rl.RLOOConfig, rec recipe.Recipe) (rl.RLOOConfig, reward.Kind, error) {
	kind := reward.Progressive
	switch method {
	case CoCoS:
	case SCoRe1:
		base.Mode, base.Objective, kind = rl.Trajectory, rl.LastTurn, reward.Binary
		if base.Turn1KL == 0 {
			base.Turn1KL = 0.25 // the released code's coefficient
		}
	case SCoRe2:
		base.Mode, base.Objective, base.Turn1KL, kind = rl.Trajectory, rl.Shaped, 0, reward.Binary
	case TurnRL:
		base.Mode = rl.Turn2
	default:
		return base, 0, fmt.Errorf("train: unknown method %q (%s, %s, %s, %s)", method, CoCoS, SCoRe1, SCoRe2, TurnRL)
	}
	return rec.RL(base, method == CoCoS, method == SCoRe1), rec.Reward(kind), nil
}

// RLConfig is an RL run.
type RLConfig struct {
	// Method labels the rows and, for TurnRL, pre-samples turn 1; use
	// MethodConfig for each method's RLOO settings and reward.
	Method string
	// Recipe sets the prompts' format and the code extraction (the RLOO
	// settings and reward come from MethodConfig under the same recipe);
	// its name is written to the run's recipe.json. Default: the paper.
	Recipe       recipe.Recipe
	RLOO         rl.RLOOConfig
	Reward       reward.Kind
	MaxNewTokens int // per turn; default 512
	Warmup       int // learning-rate warm-up steps before the cosine decay; default 0
	Run          RunConfig
	Eval         *Eval
}

// RL trains a policy with RLOO on two-turn self-correction trajectories.
type RL struct {
	// Policy is trained; Reference is the frozen boost model of the KL.
	Policy, Reference *model.Model
	Tokenizer         *tokenizer.Tokenizer
	Judge             *sandbox.Executor
	Prompts           prompt.Builder
	Problems          []data.Problem
	// Model labels the rows (a model id or preset name).
	Model  string
	Config RLConfig
}

// Run trains, resuming from Config.Run.Dir if it holds a checkpoint.
func (t *RL) Run(ctx context.Context) (Summary, error) {
	cfg := t.Config
	cfg.RLOO = cfg.RLOO.Fill()
	if cfg.Method == "" {
		cfg.Method = CoCoS
	}
	if cfg.MaxNewTokens <= 0 {
		cfg.MaxNewTokens = 512
	}
	if len(t.Problems) == 0 {
		return Summary{}, fmt.Errorf("train: RL without problems")
	}
	if err := cfg.Run.fill(); err != nil {
		return Summary{}, err
	}
	sampler := &rl.Sampler{Policy: t.Policy, Tokenizer: t.Tokenizer, Judge: t.Judge, Prompts: cfg.Recipe.Prompts(t.Prompts),
		Reward: cfg.Reward, MaxNewTokens: cfg.MaxNewTokens, PadToken: max(t.Tokenizer.PAD, 0), BudgetPad: t.Tokenizer.PAD,
		SkipSpecial: cfg.Recipe.Generate(model.GenerateConfig{}).SkipSpecial}
	if t.Tokenizer.EOS >= 0 {
		sampler.StopTokens = []int{t.Tokenizer.EOS}
	}
	if cfg.Method == TurnRL {
		fixed, err := t.fixedTurn1(cfg, sampler)
		if err != nil {
			return Summary{}, err
		}
		sampler.FixedTurn1 = fixed
	}
	r, err := openRun(t.Policy, t.Tokenizer, cfg.Run, cfg.RLOO.Steps)
	if err != nil {
		return Summary{}, err
	}
	if err := writeRecipe(cfg); err != nil {
		r.abort()
		return Summary{}, err
	}
	trainer, err := rl.NewRLOO(t.Policy, t.Reference, cfg.RLOO)
	if err != nil {
		r.abort()
		return Summary{}, err
	}
	schedule := sft.Cosine{Peak: cfg.RLOO.LR, Warmup: cfg.Warmup, Total: cfg.RLOO.Steps}
	return r.loop(ctx, cfg.Eval, func() error {
		return t.step(ctx, r, trainer, sampler, cfg, schedule.At(r.step))
	})
}

// step samples the run's next batch of problems, trains on it and writes
// its trajectories.
func (t *RL) step(ctx context.Context, r *run, tr *rl.RLOO, s *rl.Sampler, cfg RLConfig, lr float64) error {
	if err := tr.SetLearningRate(lr); err != nil {
		return err
	}
	var ps []data.Problem
	for _, i := range batchAt(len(t.Problems), cfg.RLOO.Batch, r.cfg.Seed, r.step) {
		ps = append(ps, t.Problems[i])
	}
	seed := stepSeed(r.cfg.Seed, r.step)
	samples, err := s.Sample(ctx, ps, cfg.RLOO, seed)
	if err != nil {
		return fmt.Errorf("train: step %d: %w", r.step+1, err)
	}
	rollouts := make([]rl.Rollout, len(samples))
	for i, smp := range samples {
		rollouts[i] = smp.Rollout
	}
	st, err := tr.Step(rollouts)
	if err != nil {
		return fmt.Errorf("train: step %d: %w", r.step+1, err)
	}
	if err := r.traj.Write(t.rows(samples, st, r, cfg, seed)...); err != nil {
		return err
	}
	split := 0
	for _, smp := range samples {
		if smp.Split {
			split++
		}
	}
	r.done(Progress{Loss: st.Loss, Reward: st.MeanReward, KL: st.MeanKL, GradNorm: st.GradNorm, LR: lr,
		Split: float64(split) / float64(len(samples))}, st.MeanReward, true)
	return nil
}

// writeRecipe records the run's recipe and the RLOO settings it led to in
// the run directory's recipe.json.
func writeRecipe(cfg RLConfig) error {
	meta := cfg.Recipe.Metadata()
	meta["method"], meta["rl_mode"], meta["reward"] = cfg.Method, cfg.RLOO.Mode.String(), cfg.Reward.String()
	meta["gamma"], meta["old_log_probs"] = cfg.RLOO.EffectiveGamma(), cfg.RLOO.OldLogProbs.String()
	return atomicfile.WriteJSON(filepath.Join(cfg.Run.Dir, "recipe.json"), meta)
}

// rows are a step's trajectories, a row per sample and turn; LogProb, KL,
// Return and Advantage are the trajectory's and repeat on both turns.
func (t *RL) rows(samples []rl.Sample, st rl.StepStats, r *run, cfg RLConfig, seed uint64) []trajectory.Row {
	now := time.Now().UTC()
	rows := make([]trajectory.Row, 0, 2*len(samples))
	for i, smp := range samples {
		for turn := range 2 {
			edit := math.NaN()
			if turn == 1 {
				edit = metrics.EditRatio(smp.Codes[0], smp.Codes[1])
			}
			res := smp.Results[turn]
			rows = append(rows, trajectory.Row{Run: r.cfg.ID, Step: int64(r.step + 1), ProblemID: smp.Problem.ID,
				Sample: int32(i % cfg.RLOO.K), Turn: int32(turn + 1), Prompt: smp.Prompts[turn],
				Response: smp.Responses[turn], Code: smp.Codes[turn], Passed: int32(res.Passed), Total: int32(res.Total),
				Outcomes: res.Outcomes(), Reward: smp.TurnRewards[turn], Return: smp.Rollout.Reward,
				Advantage: st.Advantages[i], LogProb: st.LogProbs[i], RefLogProb: st.LogProbs[i] - st.KL[i], KL: st.KL[i],
				EditRatio: edit, Model: t.Model, Method: cfg.Method, Mode: cfg.RLOO.Mode.String(),
				Gamma: cfg.RLOO.EffectiveGamma(), Seed: int64(seed), Time: now})
		}
	}
	return rows
}

// fixedTurn1 is Turn-RL's pre-sampled turn 1: drawn once from the initial
// policy (at the rollout temperature) for every problem the run will visit,
// and kept in the run directory, so a resumed run trains on the same set.
func (t *RL) fixedTurn1(cfg RLConfig, s *rl.Sampler) (map[string]string, error) {
	path := filepath.Join(cfg.Run.Dir, "turn1.json")
	if b, err := os.ReadFile(path); err == nil {
		var fixed map[string]string
		if err := json.Unmarshal(b, &fixed); err != nil {
			return nil, fmt.Errorf("train: %s: %w", path, err)
		}
		return fixed, nil
	}
	// Only the problems the run's batches will visit need a turn 1.
	var used []data.Problem
	seen := map[int]bool{}
	for step := range cfg.RLOO.Steps {
		for _, i := range batchAt(len(t.Problems), cfg.RLOO.Batch, cfg.Run.Seed, step) {
			if !seen[i] {
				seen[i] = true
				used = append(used, t.Problems[i])
			}
		}
	}
	prompts := make([]string, len(used))
	for i, p := range used {
		prompts[i] = s.Prompts.First(p)
	}
	gen := model.GenerateConfig{MaxNewTokens: cfg.MaxNewTokens, Temperature: cfg.RLOO.Temperature, TopK: cfg.RLOO.TopK,
		Seed: stepSeed(cfg.Run.Seed, -1), StopTokens: s.StopTokens, PadToken: s.PadToken, SkipSpecial: s.SkipSpecial}
	if cfg.RLOO.Budget {
		gen.StopStrings, gen.StopTokens = []string{}, nil
	}
	fixed := map[string]string{}
	const chunk = 16
	for start := 0; start < len(prompts); start += chunk {
		end := min(start+chunk, len(prompts))
		gen.Seed++
		gens, err := t.Policy.Generate(t.Tokenizer, prompts[start:end], gen)
		if err != nil {
			return nil, fmt.Errorf("train: Turn-RL turn 1: %w", err)
		}
		for i, g := range gens {
			fixed[used[start+i].ID] = g.Text
		}
	}
	return fixed, atomicfile.WriteJSON(path, fixed)
}
