package rl

import (
	"context"
	"fmt"

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
	// FixedTurn1, when set, gives each problem's turn-1 response by ID:
	// Turn-RL trains turn 2 on a fixed, pre-sampled turn 1 (use Turn2 mode).
	FixedTurn1 map[string]string
}

// Sample is one trajectory with its turns' results.
type Sample struct {
	Problem     data.Problem
	Prompts     [2]string
	Responses   [2]string
	Codes       [2]string
	Results     [2]sandbox.Result
	TurnRewards [2]float64
	Rollout     Rollout
}

// Sample draws cfg.K trajectories per problem (turn 1, then turn 2 after
// the correction instruction), judges both turns and builds each
// trajectory as one token sequence: turn-1 prompt, turn-1 code, the
// correction block, the turn-2 response. In Trajectory mode the action is
// the turn-1 code and the turn-2 response; in Turn2 mode turn 1 is drawn
// once per problem and shared, and only the turn-2 response is the action.
func (s *Sampler) Sample(ctx context.Context, problems []data.Problem, cfg RLOOConfig, seed uint64) ([]Sample, error) {
	cfg = cfg.Fill()
	gen := model.GenerateConfig{MaxNewTokens: s.MaxNewTokens, Temperature: cfg.Temperature, Seed: seed,
		StopTokens: s.StopTokens, PadToken: s.PadToken}
	firsts := 1
	if cfg.Mode == Trajectory {
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
		return nil, fmt.Errorf("rl: turn 1: %w", err)
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
			code := prompt.Extract(g1[j].Text)
			smp := Sample{Problem: p, Prompts: [2]string{p1[j], s.Prompts.Next(p1[j], code)},
				Responses: [2]string{g1[j].Text}, Codes: [2]string{code}, Results: [2]sandbox.Result{r1[j]}}
			smp.TurnRewards[0] = reward.Turn(r1[j], s.Reward)
			samples = append(samples, smp)
			p2 = append(p2, smp.Prompts[1])
		}
	}
	gen.Seed = seed + 1
	if firsts != cfg.K || s.FixedTurn1 != nil {
		d = s.Policy.NewDialogue(s.Tokenizer) // turn 2's rows are not turn 1's
	}
	g2, err := d.Generate(p2, gen)
	if err != nil {
		return nil, fmt.Errorf("rl: turn 2: %w", err)
	}
	r2, err := s.judge(ctx, problems, cfg.K, g2)
	if err != nil {
		return nil, err
	}
	for i := range samples {
		smp := &samples[i]
		smp.Responses[1], smp.Codes[1], smp.Results[1] = g2[i].Text, prompt.Extract(g2[i].Text), r2[i]
		smp.TurnRewards[1] = reward.Turn(r2[i], s.Reward)
		ro, err := s.sequence(smp, g2[i].NewIDs, cfg.Mode)
		if err != nil {
			return nil, err
		}
		ro.Reward = cfg.trajectoryReward(smp.TurnRewards[:])
		smp.Rollout = ro
	}
	return samples, nil
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
		jobs[i] = sandbox.Job{Program: prompt.Extract(g.Text), Setup: p.SetupCode, Tests: p.Tests}
	}
	res, err := s.Judge.RunBatch(ctx, jobs)
	if err != nil {
		return nil, fmt.Errorf("rl: judge: %w", err)
	}
	return res, nil
}

// sequence builds the trajectory's tokens and action mask: the turn-2
// prompt (which holds the turn-1 prompt and code) and the turn-2 response.
// The turn-1 tokens are those of the turn-2 prompt that overlap the bytes
// the model wrote at turn 1 — the code and the "\n[DONE]" after it — found
// by decoding token by token, so they are conditioned on exactly the turn-1
// prompt before them. Encoding the turn-1 prompt and code alone can differ
// at the seams (an empty code's newlines merge with [DONE]'s, a closing
// quote with the newline after it), and a token that straddles the code's
// edge still carries code, so straddling tokens belong to the turn. In
// Trajectory mode they are action too.
func (s *Sampler) sequence(smp *Sample, turn2 []int, mode Mode) (Rollout, error) {
	ids, err := s.Tokenizer.Encode(smp.Prompts[1])
	if err != nil {
		return Rollout{}, err
	}
	ro := Rollout{Turn1: make([]int32, len(ids)+len(turn2))}
	start := len(smp.Prompts[0])
	end := start + len(prompt.Answer(smp.Codes[0]))
	pos := 0
	for j, id := range ids {
		n := tokenLen(s.Tokenizer, id)
		inTurn := int32(0)
		if n > 0 && pos < end && pos+n > start {
			inTurn = 1
		}
		ro.Turn1[j] = inTurn
		action := int32(0)
		if mode == Trajectory {
			action = inTurn
		}
		ro.IDs, ro.Action = append(ro.IDs, int32(id)), append(ro.Action, action)
		pos += n
	}
	if pos != len(smp.Prompts[1]) {
		return Rollout{}, fmt.Errorf("rl: the tokenizer does not decode the turn-2 prompt byte for byte (%d of %d bytes)", pos, len(smp.Prompts[1]))
	}
	for _, id := range turn2 {
		ro.IDs, ro.Action = append(ro.IDs, int32(id)), append(ro.Action, 1)
	}
	return ro, nil
}

// tokenLen is the number of bytes a token stands for: raw bytes where the
// tokenizer gives them (tokenizer.Tokenizer does), else its decoded text.
func tokenLen(tok model.Tokenizer, id int) int {
	if bt, ok := tok.(interface{ TokenBytes(id int) []byte }); ok {
		return len(bt.TokenBytes(id))
	}
	return len(tok.Decode([]int{id}, false))
}
