// Package baselines builds the training data of the paper's trained
// baselines (appendix B): Turn-SFT and Self-Corrector.
package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

// Candidates are a problem's sampled programs, judged.
type Candidates struct {
	Problem            data.Problem
	Correct, Incorrect []string // distinct extracted programs
}

// Sample draws n turn-1 programs per problem from m (Turn-SFT samples 10
// from the pre-trained model) and splits them by the sandbox's verdict.
func Sample(ctx context.Context, m *model.Model, tok model.Tokenizer, judge *sandbox.Executor, b prompt.Builder,
	problems []data.Problem, n int, gen model.GenerateConfig) ([]Candidates, error) {
	out := make([]Candidates, len(problems))
	for i, p := range problems {
		prompts := make([]string, n)
		for k := range prompts {
			prompts[k] = b.First(p)
		}
		g := gen
		g.Seed = gen.Seed + uint64(i)
		gens, err := m.Generate(tok, prompts, g)
		if err != nil {
			return nil, fmt.Errorf("baselines: sampling %s: %w", p.ID, err)
		}
		seen := map[string]bool{}
		var jobs []sandbox.Job
		var codes []string
		for _, gn := range gens {
			code := prompt.Extract(gn.Text)
			if !seen[code] {
				seen[code] = true
				codes = append(codes, code)
				jobs = append(jobs, sandbox.Job{Program: code, Setup: p.SetupCode, Tests: p.Tests})
			}
		}
		res, err := judge.RunBatch(ctx, jobs)
		if err != nil {
			return nil, fmt.Errorf("baselines: judging %s: %w", p.ID, err)
		}
		out[i].Problem = p
		for k, r := range res {
			if r.AllPassed() {
				out[i].Correct = append(out[i].Correct, codes[k])
			} else {
				out[i].Incorrect = append(out[i].Incorrect, codes[k])
			}
		}
	}
	return out, nil
}

// pairs matches each incorrect candidate with a correct one of its
// problem, in turn: the 2-turn data (problems without a correct candidate
// give none).
func pairs(cands []Candidates) []data.TwoTurn {
	var out []data.TwoTurn
	for _, c := range cands {
		for k, wrong := range c.Incorrect {
			if len(c.Correct) > 0 {
				out = append(out, data.TwoTurn{Problem: c.Problem, First: wrong, Second: c.Correct[k%len(c.Correct)]})
			}
		}
	}
	return out
}

// TurnSFT is Turn-SFT's data: 1-turn examples from correct candidates and
// 2-turn examples (incorrect, then correct), each set cut to the smaller
// one's size so they mix 1:1, shuffled with seed.
func TurnSFT(cands []Candidates, b prompt.Builder, seed uint64) []sft.Example {
	r := rand.New(rand.NewPCG(seed, 0x7475726e))
	var one, two []sft.Example
	for _, c := range cands {
		for _, code := range c.Correct {
			one = append(one, sft.Example{Prompt: b.First(c.Problem), Completion: prompt.Answer(code), Turns: 1})
		}
	}
	for _, ex := range sft.BoostExamples(pairs(cands), b, seed) {
		if ex.Turns == 2 {
			two = append(two, ex)
		}
	}
	r.Shuffle(len(one), func(i, j int) { one[i], one[j] = one[j], one[i] })
	n := min(len(one), len(two))
	out := append(one[:n:n], two[:n]...)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// SelfCorrector is the corrector's data: the 2-turn examples only (the
// generator stays frozen).
func SelfCorrector(cands []Candidates, b prompt.Builder, seed uint64) []sft.Example {
	var out []sft.Example
	for _, ex := range sft.BoostExamples(pairs(cands), b, seed) {
		if ex.Turns == 2 {
			out = append(out, ex)
		}
	}
	return out
}
