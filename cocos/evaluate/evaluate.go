// Package evaluate runs multi-turn self-correction: each problem's turn-1
// prompt, then up to T turns where the model sees its previous code and the
// correction instruction; every turn is judged in the sandbox, scored, and
// kept as metrics trajectories and Arrow rows.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/sandbox"
)

// Runner holds what an evaluation needs.
type Runner struct {
	Model *model.Model
	// Corrector, if set, writes turns 2 … T (Self-Corrector's separately
	// trained corrector; Model, frozen, writes turn 1).
	Corrector *model.Model
	Tokenizer model.Tokenizer
	Judge     *sandbox.Executor
	Prompts   prompt.Builder
	// Generate sets decoding; the zero value is the paper's evaluation:
	// greedy, up to 512 new tokens, stop at [DONE].
	Generate model.GenerateConfig
	Reward   reward.Kind
	Gamma    float64 // for the accumulated reward column; default 0.5
	Batch    int     // prompts per generation call; default 16
	// Next, if set, builds turns 2 … T's prompts instead of Prompts.Next.
	Next NextFunc
	// RunID, ModelID and Method label the Arrow rows.
	RunID, ModelID, Method string
}

// NextFunc builds the next turn's prompts from each problem's last prompt
// and extracted code (prompting methods such as Self-Refine insert feedback
// there).
type NextFunc func(ctx context.Context, ps []data.Problem, prompts, codes []string) ([]string, error)

// next is the Next hook, or the protocol's correction prompt.
func (r *Runner) next(ctx context.Context, ps []data.Problem, prompts, codes []string) ([]string, error) {
	if r.Next != nil {
		return r.Next(ctx, ps, prompts, codes)
	}
	out := make([]string, len(prompts))
	for i := range prompts {
		out[i] = r.Prompts.Next(ps[i], prompts[i], codes[i])
	}
	return out, nil
}

// contextProblem names the problem whose prompt did not fit the model's
// context (a *model.ContextError knows only its row in the batch).
func contextProblem(err error, ps []data.Problem) error {
	var ce *model.ContextError
	if errors.As(err, &ce) && ce.Row >= 0 && ce.Row < len(ps) {
		return fmt.Errorf("problem %s: %w", ps[ce.Row].ID, err)
	}
	return err
}

// Result is an evaluation's outcome.
type Result struct {
	Trajectories []metrics.Trajectory // per problem, turns 1..T
	Rows         []trajectory.Row     // one per problem and turn
}

// Run evaluates problems over turns turns.
func (r *Runner) Run(ctx context.Context, problems []data.Problem, turns int) (Result, error) {
	if r.Batch <= 0 {
		r.Batch = 16
	}
	if r.Gamma == 0 {
		r.Gamma = 0.5
	}
	var res Result
	for start := 0; start < len(problems); start += r.Batch {
		part := problems[start:min(start+r.Batch, len(problems))]
		tr, rows, err := r.runBatch(ctx, part, turns)
		if err != nil {
			return res, err
		}
		res.Trajectories = append(res.Trajectories, tr...)
		res.Rows = append(res.Rows, rows...)
	}
	return res, nil
}

func (r *Runner) runBatch(ctx context.Context, ps []data.Problem, turns int) ([]metrics.Trajectory, []trajectory.Row, error) {
	prompts := make([]string, len(ps))
	for i, p := range ps {
		prompts[i] = r.Prompts.First(p)
	}
	trajs := make([]metrics.Trajectory, len(ps))
	rewards := make([][]float64, len(ps))
	var rows []trajectory.Row
	// Each turn's prompt extends the last: a dialogue per model keeps the
	// rows' KV cache, so a turn prefills only its new tokens.
	first := r.Model.NewDialogue(r.Tokenizer)
	later := first
	if r.Corrector != nil {
		later = r.Corrector.NewDialogue(r.Tokenizer)
	}
	for t := 1; t <= turns; t++ {
		start := time.Now()
		d := first
		if t > 1 {
			d = later
		}
		gens, err := d.Generate(prompts, r.Generate)
		if err != nil {
			return nil, nil, fmt.Errorf("evaluate: turn %d: %w", t, contextProblem(err, ps))
		}
		jobs := make([]sandbox.Job, len(ps))
		codes := make([]string, len(ps))
		for i, g := range gens {
			codes[i] = r.Prompts.Extract(g.Text)
			jobs[i] = sandbox.Job{Program: codes[i], Setup: ps[i].SetupCode, Tests: ps[i].Tests}
		}
		results, err := r.Judge.RunBatch(ctx, jobs)
		if err != nil {
			return nil, nil, fmt.Errorf("evaluate: turn %d: %w", t, err)
		}
		for i, res := range results {
			turn := metrics.Turn{Code: codes[i], Tests: strings.Join(ps[i].Tests, "\n")}
			for _, tr := range res.Tests {
				turn.Passed = append(turn.Passed, tr.Outcome == sandbox.Passed)
			}
			rewards[i] = append(rewards[i], reward.Turn(res, r.Reward))
			edit := math.NaN()
			if t > 1 {
				edit = metrics.EditRatio(trajs[i][t-2].Code, codes[i])
			}
			trajs[i] = append(trajs[i], turn)
			var lp float64
			for _, v := range gens[i].LogProbs {
				lp += float64(v)
			}
			rows = append(rows, trajectory.Row{
				Run: r.RunID, ProblemID: ps[i].ID, Turn: int32(t), Prompt: prompts[i], Response: gens[i].Text,
				Code: codes[i], Passed: int32(res.Passed), Total: int32(res.Total), Outcomes: res.Outcomes(),
				Reward: rewards[i][t-1], Return: reward.Accumulated(rewards[i], r.Gamma), LogProb: lp,
				PromptTokens: int32(len(gens[i].PromptIDs)), ResponseTokens: int32(len(gens[i].NewIDs)),
				EditRatio: edit, Model: r.ModelID, Method: r.Method, Gamma: r.Gamma,
				Seed: int64(r.Generate.Seed), Time: start.UTC(),
			})
		}
		if t == turns {
			break
		}
		if prompts, err = r.next(ctx, ps, prompts, codes); err != nil {
			return nil, nil, fmt.Errorf("evaluate: prompts of turn %d: %w", t+1, err)
		}
	}
	return trajs, rows, nil
}

// Trajectories rebuilds the metrics' view of evaluation rows (read back
// from the Arrow store): one trajectory per problem and sample, in order of
// first appearance, its turns in turn order, with the unit tests its
// prompts show. Rows of one run and method only.
func Trajectories(rows []trajectory.Row) []metrics.Trajectory {
	groups := Group(rows)
	out := make([]metrics.Trajectory, 0, len(groups))
	for _, rs := range groups {
		out = append(out, Trajectory(rs))
	}
	return out
}

// Group splits rows into trajectories, one per step, problem and sample,
// in order of first appearance, each in turn order.
func Group(rows []trajectory.Row) [][]trajectory.Row {
	type key struct {
		step    int64
		problem string
		sample  int32
	}
	index := map[key]int{}
	var groups [][]trajectory.Row
	for _, r := range rows {
		k := key{r.Step, r.ProblemID, r.Sample}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	for _, rs := range groups {
		sort.SliceStable(rs, func(a, b int) bool { return rs[a].Turn < rs[b].Turn })
	}
	return groups
}

// Trajectory is one trajectory's rows (a group of Group) as the metrics
// see it, with the unit tests its prompts show.
func Trajectory(rs []trajectory.Row) metrics.Trajectory {
	var tests string
	for _, r := range rs {
		if t, ok := prompt.Tests(r.Prompt); ok {
			tests = t
			break
		}
	}
	tr := make(metrics.Trajectory, len(rs))
	for k, r := range rs {
		tr[k].Code, tr[k].Tests = r.Code, tests
		for _, o := range r.Outcomes {
			tr[k].Passed = append(tr[k].Passed, sandbox.Outcome(o) == sandbox.Passed)
		}
	}
	return tr
}

// PerStep groups an RL run's rows by step into trajectories, in step
// order, keeping the trajectories whose rows keep accepts (its periodic
// evaluations have Method "eval", its rollouts the run's method).
func PerStep(rows []trajectory.Row, keep func(trajectory.Row) bool) (steps []int64, ts [][]metrics.Trajectory) {
	byStep := map[int64][]metrics.Trajectory{}
	for _, rs := range Group(rows) {
		if keep(rs[0]) {
			byStep[rs[0].Step] = append(byStep[rs[0].Step], Trajectory(rs))
		}
	}
	for s := range byStep {
		steps = append(steps, s)
	}
	slices.Sort(steps)
	for _, s := range steps {
		ts = append(ts, byStep[s])
	}
	return steps, ts
}

// FlaggedPerStep is, per step of an RL run's rows (its periodic
// evaluations left out), the share of sampled trajectories whose turn 1 is
// flagged (metrics.FlaggedTurn1): spoiling turn 1 shows on this curve
// while the policy learns it.
func FlaggedPerStep(rows []trajectory.Row) (steps []int64, shares []float64) {
	steps, ts := PerStep(rows, func(r trajectory.Row) bool { return r.Method != "eval" })
	for _, t := range ts {
		shares = append(shares, metrics.FlaggedTurn1(t))
	}
	return steps, shares
}
