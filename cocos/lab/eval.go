package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/cocos-go/cocos/cocos/baselines"
	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/prompting"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/atomicfile"
)

// Evaluation is one greedy multi-turn evaluation.
type Evaluation struct {
	Model string // model directory or Hugging Face id
	// Corrector, when set, writes turns 2 … T (Self-Corrector).
	Corrector string `json:",omitempty"`
	// ReVISE runs ReVISE's single-pass inference (its two attempts).
	ReVISE bool `json:",omitempty"`
	// Refine inserts the model's own feedback before each later turn
	// (Self-Refine, section 4).
	Refine bool `json:",omitempty"`
	// FewShot prefixes 3 worked examples (section 4's pre-trained models):
	// MBPP's prompt split, or the suite's first train problems.
	FewShot bool `json:",omitempty"`
	// Instruction replaces the correction instruction (section 8.4).
	Instruction string `json:",omitempty"`
	// Turns defaults to the scale's Turns.
	Turns int `json:",omitempty"`
	// Problems is the test set: "" for the main one, else an Extra name.
	Problems string `json:",omitempty"`
}

// Eval runs e, or reads it back when the evaluation called name already
// ran with the same settings, and returns one trajectory per problem.
// The rows are an Arrow table in Path("eval", name).
func (l *Lab) Eval(ctx context.Context, name string, e Evaluation) ([]metrics.Trajectory, error) {
	if e.Turns == 0 {
		e.Turns = l.Scale.Turns
	}
	dir := l.Path("eval", name)
	if rows, ok := l.cached(dir, l.key(e)); ok {
		ts := evaluate.Trajectories(rows)
		if _, err := os.Stat(filepath.Join(dir, diagnosticsFile)); err != nil { // evaluated before diagnostics existed
			return ts, saveDiagnostics(dir, name, ts)
		}
		return ts, nil
	}
	ps, err := l.problems(e.Problems)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := l.evaluate(ctx, name, e, ps)
	if err != nil {
		return nil, fmt.Errorf("lab: eval %s: %w", name, err)
	}
	l.logf("%s: %d problems × %d turns in %v", name, len(ps), e.Turns, time.Since(start).Round(time.Second))
	if err := saveRows(dir, res.Rows, l.key(e)); err != nil {
		return nil, fmt.Errorf("lab: eval %s: %w", name, err)
	}
	return res.Trajectories, saveDiagnostics(dir, name, res.Trajectories)
}

// key is what an evaluation is cached under: e with its models named
// relative to the root lab's directory when they lie inside it, so that a
// lab opened from another working directory (a notebook's, an example's)
// reads the same evaluation back.
func (l *Lab) key(e Evaluation) Evaluation {
	for _, p := range []*string{&e.Model, &e.Corrector} {
		if rel, err := filepath.Rel(l.rootLab().Dir, *p); *p != "" && err == nil && filepath.IsLocal(rel) {
			*p = rel
		}
	}
	return e
}

// diagnosticsFile holds an evaluation's metrics.Diagnostics beside its rows.
const diagnosticsFile = "diagnostics.json"

func saveDiagnostics(dir, name string, ts []metrics.Trajectory) error {
	if err := atomicfile.WriteJSON(filepath.Join(dir, diagnosticsFile), metrics.Diagnose(name, ts)); err != nil {
		return fmt.Errorf("lab: eval %s: %w", name, err)
	}
	return nil
}

// Diagnostics reads what the evaluation called name stored of its flags
// (metrics.Diagnose: turn-1 programs that define none of the tested
// functions, stubs, turn 2 = turn 1).
func (l *Lab) Diagnostics(name string) (metrics.Diagnostics, error) {
	var d metrics.Diagnostics
	path := filepath.Join(l.Path("eval", name), diagnosticsFile)
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &d)
	}
	if err != nil {
		return d, fmt.Errorf("lab: diagnostics of %s: %w", name, err)
	}
	return d, nil
}

func (l *Lab) evaluate(ctx context.Context, name string, e Evaluation, ps []data.Problem) (evaluate.Result, error) {
	m, tok, err := l.Load(ctx, e.Model)
	if err != nil {
		return evaluate.Result{}, err
	}
	r := &evaluate.Runner{Model: m, Tokenizer: tok, Judge: l.Judge, Batch: 32, RunID: name, ModelID: e.Model, Method: name,
		Prompts: l.prompts(), Generate: l.generate(tok)}
	r.Prompts.Instruction = e.Instruction
	if e.FewShot {
		shots, err := l.shots()
		if err != nil {
			return evaluate.Result{}, err
		}
		r.Prompts.FewShot = r.Prompts.FewShotPrefix(shots[:3])
	}
	if e.ReVISE {
		return baselines.EvaluateReVISE(ctx, m, tok, l.Judge, r.Prompts, ps, r.Generate, name)
	}
	if e.Corrector != "" {
		if r.Corrector, _, err = l.Load(ctx, e.Corrector); err != nil {
			return evaluate.Result{}, err
		}
	}
	if e.Refine {
		r.Next = prompting.Refine(prompting.SelfReviewer{Model: m, Tokenizer: tok, MaxTokens: l.Scale.MaxNewTokens})
	}
	return r.Run(ctx, ps, e.Turns)
}

// SETS runs section 4's SETS with the model as its own verifier (or reads
// it back) and returns its accuracies and the verifier's confusion matrix
// against the unit tests (Appendix A).
func (l *Lab) SETS(ctx context.Context, name, modelDir string, samples int) (prompting.SETSResult, error) {
	dir := l.Path("eval", name)
	key := map[string]any{"SETS": modelDir, "Samples": samples}
	var res prompting.SETSResult
	if b, err := os.ReadFile(filepath.Join(dir, "sets.json")); err == nil {
		if rows, ok := l.cached(dir, key); ok && json.Unmarshal(b, &res) == nil {
			res.Rows = rows
			return res, nil
		}
	}
	m, tok, err := l.Load(ctx, modelDir)
	if err != nil {
		return res, err
	}
	s := &prompting.SETS{Model: m, Tokenizer: tok, Judge: l.Judge, Samples: samples, MaxTokens: l.Scale.MaxNewTokens,
		Seed: l.Scale.Seed, Method: name, Verifier: prompting.SelfReviewer{Model: m, Tokenizer: tok, MaxTokens: l.Scale.MaxNewTokens}}
	if res, err = s.Run(ctx, l.Test); err != nil {
		return res, fmt.Errorf("lab: SETS %s: %w", name, err)
	}
	if err := saveRows(dir, res.Rows, key); err != nil {
		return res, err
	}
	summary := res
	summary.Rows = nil
	return res, atomicfile.WriteJSON(filepath.Join(dir, "sets.json"), summary)
}

func (l *Lab) problems(set string) ([]data.Problem, error) {
	if set == "" {
		return l.Test, nil
	}
	if ps, ok := l.Extra[set]; ok {
		return ps, nil
	}
	return nil, fmt.Errorf("lab: no test set %q at scale %s", set, l.Scale.Name)
}

// shots are section 4's worked examples.
func (l *Lab) shots() ([]data.Problem, error) {
	if l.tasks != nil {
		return l.Train[:3], nil
	}
	return data.LoadSplit(l.Scale.DataDir, "mbpp", "prompt")
}

// cached returns an evaluation's rows when dir finished one with key.
func (l *Lab) cached(dir string, key any) ([]trajectory.Row, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "done.json"))
	if err != nil {
		return nil, false
	}
	var got, want any
	wb, _ := json.Marshal(key)
	if json.Unmarshal(b, &got) != nil || json.Unmarshal(wb, &want) != nil || !reflect.DeepEqual(got, want) {
		l.logf("%s: settings changed, evaluating again", dir)
		return nil, false
	}
	rows, err := trajectory.ReadRows(dir)
	return rows, err == nil
}

// saveRows replaces dir's rows with rows and marks it done with key.
func saveRows(dir string, rows []trajectory.Row, key any) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := trajectory.WritePart(dir, rows...); err != nil {
		return err
	}
	return atomicfile.WriteJSON(filepath.Join(dir, "done.json"), key)
}
