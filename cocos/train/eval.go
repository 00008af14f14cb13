package train

import (
	"context"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
)

// Eval evaluates the model under training on held-out problems (greedy,
// multi-turn, as evaluate.Runner), writing its rows into the run's
// trajectories with the step they were taken at and Method "eval".
type Eval struct {
	// Runner sets the judge, prompts and decoding; the run fills in its
	// model, tokenizer and labels.
	Runner   evaluate.Runner
	Problems []data.Problem
	Turns    int // default 2
	// Every is the number of steps between evaluations; 0 evaluates after
	// the last step only.
	Every int
	// OnEval, if set, receives each evaluation's metrics (turn 1 to the last).
	OnEval func(step int, s metrics.Row)
}

// maybeRun evaluates if step r.step is due.
func (e *Eval) maybeRun(ctx context.Context, r *run, m *model.Model, tok *tokenizer.Tokenizer) error {
	if e == nil || !(r.step == r.steps || e.Every > 0 && r.step%e.Every == 0) {
		return nil
	}
	turns := e.Turns
	if turns <= 0 {
		turns = 2
	}
	runner := e.Runner
	runner.Model, runner.Tokenizer, runner.RunID, runner.Method = m, tok, r.cfg.ID, "eval"
	res, err := runner.Run(ctx, e.Problems, turns)
	if err != nil {
		return err
	}
	for i := range res.Rows {
		res.Rows[i].Step = int64(r.step)
	}
	if err := r.traj.Write(res.Rows...); err != nil {
		return err
	}
	if e.OnEval != nil {
		e.OnEval(r.step, metrics.Summarize("eval", res.Trajectories, 1, turns))
	}
	return nil
}
