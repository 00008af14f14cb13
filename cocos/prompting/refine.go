// Package prompting holds section 4's prompting-based self-correction on
// a pre-trained model: Self-Refine and External-Refine (feedback on the
// previous code from the model itself or from a teacher behind an
// OpenAI-compatible API, then a refined solution). Simple prompting is the
// evaluation runner with a few-shot prefix (prompt.Builder.FewShot).
package prompting

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/openai"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/serve"
	"github.com/cocos-go/cocos/data"
)

// Reviewer writes feedback for each request (see FeedbackRequest).
type Reviewer interface {
	Review(ctx context.Context, requests []string) ([]string, error)
}

// FeedbackRequest asks for a review of code written for p, without the
// verdict of the tests (the model is not told whether it is correct).
func FeedbackRequest(p data.Problem, code string) string {
	return "You are an expert Python programmer. Here is a task and a solution.\n\nTask: " + p.Text +
		" The code should pass these tests:\n" + strings.Join(p.Tests, "\n") + "\n\nSolution:\n" + code +
		"\n\nReview the solution: is it correct? If not, say briefly what is wrong, without writing code.\nFeedback:"
}

// Refine is the evaluation's next-turn step: each code is reviewed, and
// the next prompt continues the last one with the code, the feedback and a
// request for the refined solution.
func Refine(r Reviewer) evaluate.NextFunc {
	return func(ctx context.Context, ps []data.Problem, prompts, codes []string) ([]string, error) {
		reqs := make([]string, len(ps))
		for i, p := range ps {
			reqs[i] = FeedbackRequest(p, codes[i])
		}
		fb, err := r.Review(ctx, reqs)
		if err != nil {
			return nil, fmt.Errorf("prompting: feedback: %w", err)
		}
		out := make([]string, len(ps))
		for i := range ps {
			out[i] = prompts[i] + prompt.Answer(codes[i]) + "\n\nFeedback: " + strings.TrimSpace(fb[i]) +
				"\n\nUsing the feedback, write the corrected solution.\n" + prompt.Begin + "\n"
		}
		return out, nil
	}
}

// SelfReviewer is Self-Refine's reviewer: the model under evaluation,
// greedy, up to MaxTokens (default 64), stopping at a blank line, after
// Shots (see FeedbackShots; empty: zero-shot).
type SelfReviewer struct {
	Model     *model.Model
	Tokenizer model.Tokenizer
	MaxTokens int
	Shots     string
}

// Review implements Reviewer.
func (s SelfReviewer) Review(_ context.Context, requests []string) ([]string, error) {
	prompts := make([]string, len(requests))
	for i, r := range requests {
		prompts[i] = s.Shots + r
	}
	gens, err := s.Model.Generate(s.Tokenizer, prompts, model.GenerateConfig{MaxNewTokens: orDefault(s.MaxTokens, 64),
		StopStrings: []string{"\n\n"}})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(gens))
	for i, g := range gens {
		out[i] = strings.TrimSuffix(g.Text, "\n\n")
	}
	return out, nil
}

// TeacherReviewer is External-Refine's reviewer: a teacher model behind an
// OpenAI-compatible chat endpoint, Parallel requests at a time (default 8).
type TeacherReviewer struct {
	Client    *openai.Client
	MaxTokens int // default 256
	Parallel  int
}

// Review implements Reviewer; the first failure (after the client's
// retries) fails the whole batch, naming the request.
func (t TeacherReviewer) Review(ctx context.Context, requests []string) ([]string, error) {
	out := make([]string, len(requests))
	errs := make([]error, len(requests))
	sem := make(chan struct{}, orDefault(t.Parallel, 8))
	var wg sync.WaitGroup
	for i, req := range requests {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = t.Client.Chat(ctx, []serve.ChatMessage{{Role: "user", Content: req}},
				openai.Params{MaxTokens: orDefault(t.MaxTokens, 256)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("request %d of %d: %w", i+1, len(requests), err)
		}
	}
	return out, nil
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}
