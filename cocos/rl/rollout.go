package rl

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

// Sampler draws two-turn CoCoS trajectories and scores them.
type Sampler struct {
	Policy    *model.Model
	Tokenizer model.Tokenizer
	Judge     *sandbox.Executor
	Prompts   prompt.Builder
	Reward    reward.Kind
	// MaxNewTokens per turn; default 512.
	MaxNewTokens int
	StopTokens   []int
	PadToken     int
	// BudgetPad is the id whose first sampled occurrence ends a turn's
	// action under a fixed budget: the tokenizer's pad (EOS for Qwen,
	// DeepSeek and the suite's tokenizers); -1 for none (Llama's pad is
	// never generated: every sampled token counts).
	BudgetPad int
	// FixedTurn1, when set, gives each problem's turn-1 response by ID:
	// Turn-RL trains turn 2 on a fixed, pre-sampled turn 1 (use Turn2 mode).
	FixedTurn1 map[string]string
	// SkipSpecial decodes responses without special tokens (the released
	// recipe, whose fixed budget samples past EOS).
	SkipSpecial bool
}

// Sample is one trajectory with its turns' results.
type Sample struct {
	Problem     data.Problem
	Prompts     [2]string
	Responses   [2]string
	IDs         [2][]int // the ids sampled at each turn (none for a fixed turn 1)
	Codes       [2]string
	Results     [2]sandbox.Result
	TurnRewards [2]float64
	Rollout     Rollout
	// Split reports a trajectory trained as two sequences: its turn-2
	// context does not begin with the ids sampled at turn 1.
	Split bool
}

// Sample draws cfg.K trajectories per problem (turn 1, then turn 2 after
// the correction instruction), judges both turns and builds each
// trajectory's token sequences (see Rollout). In Trajectory mode the
// action is the turn-1 and turn-2 ids the model sampled; in Turn2 mode
// turn 1 is drawn once per problem and shared, and only the turn-2 ids are
// the action; in FirstShared mode each sample draws its own turn 1 (whose
// tokens only Turn1KL reads) and every turn 2 follows the first one's.
func (s *Sampler) Sample(ctx context.Context, problems []data.Problem, cfg RLOOConfig, seed uint64) ([]Sample, error) {
	cfg = cfg.Fill()
	gen := s.generateConfig(cfg, seed)
	firsts := 1
	if cfg.Mode != Turn2 {
		firsts = cfg.K
	}
	// Turn 1: firsts samples per problem.
	var p1 []string
	for _, p := range problems {
		for range firsts {
			p1 = append(p1, s.Prompts.First(p))
		}
	}
	// Trajectory mode continues each turn-1 row into its turn 2: a dialogue
	// keeps the rows' KV cache, and turn 2 prefills only its new tokens.
	d := s.Policy.NewDialogue(s.Tokenizer)
	g1, err := s.turn1(d, problems, p1, firsts, gen)
	if err != nil {
		return nil, fmt.Errorf("rl: turn 1: %w", contextProblem(err, problems, firsts))
	}
	r1, err := s.judge(ctx, problems, firsts, g1)
	if err != nil {
		return nil, err
	}
	// Turn 2: K samples per problem, each after its own (or the shared) turn 1.
	samples := make([]Sample, 0, len(problems)*cfg.K)
	var p2 []string
	for i, p := range problems {
		for k := range cfg.K {
			j := i*firsts + k%firsts
			ctxOf := j // the turn 1 that turn 2 follows
			if cfg.Mode == FirstShared {
				ctxOf = i * firsts
			}
			code := s.Prompts.Extract(g1[ctxOf].Text)
			smp := Sample{Problem: p, Prompts: [2]string{p1[j], s.Prompts.Next(p, p1[ctxOf], code)},
				Responses: [2]string{g1[j].Text}, IDs: [2][]int{g1[j].NewIDs}, Codes: [2]string{s.Prompts.Extract(g1[j].Text)}, Results: [2]sandbox.Result{r1[j]}}
			smp.TurnRewards[0] = reward.Turn(r1[j], s.Reward)
			samples = append(samples, smp)
			p2 = append(p2, smp.Prompts[1])
		}
	}
	gen.Seed = seed + 1
	if cfg.Mode != Trajectory || s.FixedTurn1 != nil {
		d = s.Policy.NewDialogue(s.Tokenizer) // turn 2's rows are not turn 1's
	}
	g2, err := d.Generate(p2, gen)
	if err != nil {
		return nil, fmt.Errorf("rl: turn 2: %w", contextProblem(err, problems, cfg.K))
	}
	r2, err := s.judge(ctx, problems, cfg.K, g2)
	if err != nil {
		return nil, err
	}
	for i := range samples {
		smp := &samples[i]
		smp.Responses[1], smp.Codes[1], smp.Results[1] = g2[i].Text, s.Prompts.Extract(g2[i].Text), r2[i]
		smp.IDs[1] = g2[i].NewIDs
		smp.TurnRewards[1] = reward.Turn(r2[i], s.Reward)
		first := g1[(i/cfg.K)*firsts+(i%cfg.K)%firsts]
		smp.Rollout.Seqs, smp.Split = s.sequences(first, g2[i], cfg)
		smp.Rollout.Reward = cfg.trajectoryReward(smp.TurnRewards[:])
	}
	return samples, nil
}

// contextProblem names the problem whose prompt did not fit the model's
// context: a *model.ContextError knows only its row, and row r of a turn
// with per rows a problem is problems[r/per].
func contextProblem(err error, problems []data.Problem, per int) error {
	var ce *model.ContextError
	if errors.As(err, &ce) && per > 0 && ce.Row >= 0 && ce.Row/per < len(problems) {
		return fmt.Errorf("problem %s: %w", problems[ce.Row/per].ID, err)
	}
	return err
}

// generateConfig is the rollouts' sampling: the temperature and top-k, and
// the stops — [DONE] and EOS, or none under a fixed budget.
func (s *Sampler) generateConfig(cfg RLOOConfig, seed uint64) model.GenerateConfig {
	gen := model.GenerateConfig{MaxNewTokens: s.MaxNewTokens, Temperature: cfg.Temperature, TopK: cfg.TopK, Seed: seed,
		StopTokens: s.StopTokens, PadToken: s.PadToken, SkipSpecial: s.SkipSpecial}
	if cfg.Budget {
		gen.StopStrings, gen.StopTokens = []string{}, nil
	}
	return gen
}

// turn1 samples the first turns, or takes them from FixedTurn1.
func (s *Sampler) turn1(d *model.Dialogue, problems []data.Problem, prompts []string, per int, gen model.GenerateConfig) ([]model.Generation, error) {
	if s.FixedTurn1 == nil {
		return d.Generate(prompts, gen)
	}
	out := make([]model.Generation, len(prompts))
	for i := range out {
		text, ok := s.FixedTurn1[problems[i/per].ID]
		if !ok {
			return nil, fmt.Errorf("no fixed turn 1 for %s", problems[i/per].ID)
		}
		out[i].Text = text
	}
	return out, nil
}

// trajectoryReward is R under the configured objective.
func (c RLOOConfig) trajectoryReward(turns []float64) float64 {
	switch c.Objective {
	case LastTurn:
		return turns[len(turns)-1]
	case Shaped:
		return reward.Shaped(turns, c.Alpha)
	}
	return reward.Accumulated(turns, c.gamma())
}

// EffectiveGamma is γ as used: 0 with NoGamma.
func (c RLOOConfig) EffectiveGamma() float64 { return c.gamma() }

func (c RLOOConfig) gamma() float64 {
	if c.NoGamma {
		return 0
	}
	return c.Gamma
}

// judge runs each generation's code against its problem's tests; per
// problems are repeated per consecutive generations.
func (s *Sampler) judge(ctx context.Context, problems []data.Problem, per int, gens []model.Generation) ([]sandbox.Result, error) {
	jobs := make([]sandbox.Job, len(gens))
	for i, g := range gens {
		p := problems[i/per]
		jobs[i] = sandbox.Job{Program: s.Prompts.Extract(g.Text), Setup: p.SetupCode, Tests: p.Tests}
	}
	res, err := s.Judge.RunBatch(ctx, jobs)
	if err != nil {
		return nil, fmt.Errorf("rl: judge: %w", err)
	}
	return res, nil
}

// sequences builds a trajectory's rows from its turns' generations. The
// turn-2 row is the prompt as the model read it and the ids it sampled.
// Turn 1 is trained (Trajectory mode) or charged a KL (Turn1KL) on the ids
// the model sampled there: inside the turn-2 row when that row begins with
// turn 1's prompt and ids, else in a row of its own (split reports it) —
// text around the code, fences, or a BPE split other than the re-encoded
// one make the turn-2 context differ from what was sampled. Under a fixed
// budget a turn's ids count up to its first padding token.
func (s *Sampler) sequences(g1, g2 model.Generation, cfg RLOOConfig) (seqs []Sequence, split bool) {
	two := s.row(g2.PromptIDs, g2.NewIDs, g2.LogProbs, cfg.Budget)
	if cfg.Mode == Turn2 || len(g1.PromptIDs) == 0 { // no turn 1 of its own (or a fixed, pre-sampled one)
		return []Sequence{two}, false
	}
	one := s.row(g1.PromptIDs, g1.NewIDs, g1.LogProbs, cfg.Budget)
	one.Turn1 = one.Action
	if cfg.Mode != Trajectory {
		one.Action = make([]int32, len(one.IDs))
	}
	if n := len(one.IDs); n <= len(g2.PromptIDs) && slices.Equal(one.IDs, two.IDs[:n]) {
		copy(two.Action, one.Action)
		two.Turn1 = append(one.Turn1, make([]int32, len(two.IDs)-n)...)
		copy(two.Sampled, one.Sampled)
		return []Sequence{two}, false
	}
	return []Sequence{one, two}, cfg.Mode == Trajectory // FirstShared's other turn 1s are KL rows by design
}

// row is a prompt and its sampled ids as one sequence, the ids the action
// and their sampling log-probs kept; under a budget the ids from the first
// padding token on are not action.
func (s *Sampler) row(prompt, ids []int, lps []float32, budget bool) Sequence {
	n := len(prompt) + len(ids)
	sq := Sequence{IDs: make([]int32, 0, n), Action: make([]int32, n), Sampled: make([]float32, n)}
	for _, id := range prompt {
		sq.IDs = append(sq.IDs, int32(id))
	}
	live := true
	for j, id := range ids {
		live = live && !(budget && id == s.BudgetPad)
		sq.IDs = append(sq.IDs, int32(id))
		if live {
			sq.Action[len(prompt)+j] = 1
		}
		if j < len(lps) {
			sq.Sampled[len(prompt)+j] = lps[j]
		}
	}
	return sq
}
