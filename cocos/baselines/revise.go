package baselines

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/sandbox"

	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/train"
)

// Refine is the marker after which a ReVISE model writes its second
// attempt. ReVISE adds a dedicated [refine] token; here the protocol's
// [CORRECT] marker (an added token of the suite tokenizer, plain text for
// others) plays that role, so no embedding has to be added.
const Refine = prompt.Correct + "\n"

// ReVISE builds ReVISE's preference pairs (train them with train.Preference) from judged candidates (Lee et
// al. 2025): after a correct program, stopping is preferred to refining it
// into a wrong one; after an incorrect one, refining into a correct program
// is preferred to stopping. The chosen completion is also the SFT target.
func ReVISE(cands []Candidates, b prompt.Builder) []train.Pair {
	var out []train.Pair
	end := "\n" + prompt.Done
	for _, c := range cands {
		first := b.First(c.Problem)
		for k, good := range c.Correct {
			if len(c.Incorrect) > 0 {
				out = append(out, train.Pair{Prompt: first, Chosen: good + end,
					Rejected: good + end + Refine + c.Incorrect[k%len(c.Incorrect)] + end})
			}
		}
		for k, bad := range c.Incorrect {
			if len(c.Correct) > 0 {
				out = append(out, train.Pair{Prompt: first, Chosen: bad + end + Refine + c.Correct[k%len(c.Correct)] + end,
					Rejected: bad + end})
			}
		}
	}
	return out
}

// ReVISEAttempts splits a ReVISE completion into its attempts: the program
// before the refine marker, and the one after it (the first again when the
// model stopped). ReVISE is bounded by its trained turns: two.
func ReVISEAttempts(completion string) (first, second string) {
	first = prompt.Extract(completion)
	i := strings.Index(completion, prompt.Correct)
	if i < 0 || strings.TrimSpace(completion[i+len(prompt.Correct):]) == "" {
		return first, first // stopped, or a marker with nothing after it
	}
	return first, prompt.Extract(completion[i+len(prompt.Correct):])
}

// EvaluateReVISE runs ReVISE's inference: one generation per problem that
// may continue past the first [DONE] with the refine marker until EOS (or
// gen.MaxNewTokens); its attempts are judged as turns 1 and 2.
func EvaluateReVISE(ctx context.Context, m *model.Model, tok model.Tokenizer, judge *sandbox.Executor, b prompt.Builder,
	problems []data.Problem, gen model.GenerateConfig, method string) (evaluate.Result, error) {
	var res evaluate.Result
	prompts := make([]string, len(problems))
	for i, p := range problems {
		prompts[i] = b.First(p)
	}
	gen.StopStrings = []string{} // a first [DONE] does not end a ReVISE answer
	gens, err := m.Generate(tok, prompts, gen)
	if err != nil {
		return res, fmt.Errorf("baselines: ReVISE: %w", err)
	}
	var jobs []sandbox.Job
	codes := make([][2]string, len(gens))
	for i, g := range gens {
		codes[i][0], codes[i][1] = ReVISEAttempts(g.Text)
		for _, c := range codes[i] {
			jobs = append(jobs, sandbox.Job{Program: c, Setup: problems[i].SetupCode, Tests: problems[i].Tests})
		}
	}
	results, err := judge.RunBatch(ctx, jobs)
	if err != nil {
		return res, fmt.Errorf("baselines: ReVISE: %w", err)
	}
	for i, p := range problems {
		var tr metrics.Trajectory
		for turn := range 2 {
			r := results[2*i+turn]
			mt := metrics.Turn{Code: codes[i][turn]}
			for _, tc := range r.Tests {
				mt.Passed = append(mt.Passed, tc.Outcome == sandbox.Passed)
			}
			tr = append(tr, mt)
			edit := math.NaN()
			if turn == 1 {
				edit = metrics.EditRatio(codes[i][0], codes[i][1])
			}
			res.Rows = append(res.Rows, trajectory.Row{Run: method, ProblemID: p.ID, Turn: int32(turn + 1), Prompt: prompts[i],
				Response: gens[i].Text, Code: codes[i][turn], Passed: int32(r.Passed), Total: int32(r.Total), Outcomes: r.Outcomes(),
				Reward: r.PassRatio(), EditRatio: edit, Method: method, Time: time.Now().UTC()})
		}
		res.Trajectories = append(res.Trajectories, tr)
	}
	return res, nil
}
