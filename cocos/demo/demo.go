package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/sandbox"
)

// The evaluated models, in table order, and the directories they come from.
var methods = []struct{ Name, Model string }{
	{"boost", filepath.Join("boost", "model")},
	{"turn-rl", filepath.Join("turn-rl", "best")},
	{"cocos", filepath.Join("cocos", "best")},
}

// Result is what a demo measured.
type Result struct {
	TwoTurn, AllTurns []metrics.Row            // t1→t2 and t1→tT per method
	Turns             map[string][]float64     // Acc@t per method, t = 1..T
	Stages            map[string]time.Duration // wall time per stage (this process)
	Report            string                   // path of report.html
}

// Run runs (or resumes) the demo in cfg.Dir.
func Run(ctx context.Context, cfg Config) (Result, error) {
	res := Result{Stages: map[string]time.Duration{}, Turns: map[string][]float64{}}
	if cfg.Dir == "" {
		return res, errors.New("demo: Config.Dir is required")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return res, fmt.Errorf("demo: run directory: %w", err)
	}
	backend, err := model.NewBackend("")
	if err != nil {
		return res, err
	}
	judge, err := sandbox.New(sandbox.Config{})
	if err != nil {
		return res, err
	}
	defer judge.Close()
	d := &demo{cfg: cfg, backend: backend, judge: judge, tasks: data.Suite(cfg.Suite), res: &res}
	for _, st := range []struct {
		name string
		fn   func(context.Context) error
	}{{"init", d.init}, {"boost", d.boost}, {"cocos", d.cocos}, {"turn-rl", d.turnRL}, {"eval", d.eval}, {"report", d.report}} {
		start := time.Now()
		d.logf("== %s", st.name)
		if err := st.fn(ctx); err != nil {
			return res, fmt.Errorf("demo: %s: %w", st.name, err)
		}
		res.Stages[st.name] = time.Since(start)
	}
	return res, nil
}

type demo struct {
	cfg     Config
	backend backends.Backend
	judge   *sandbox.Executor
	tasks   []data.Task
	res     *Result
}

func (d *demo) logf(format string, args ...any) {
	if d.cfg.Progress != nil {
		fmt.Fprintf(d.cfg.Progress, format+"\n", args...)
	}
}

func (d *demo) path(parts ...string) string {
	return filepath.Join(append([]string{d.cfg.Dir}, parts...)...)
}

// init writes the from-scratch model once.
func (d *demo) init(context.Context) error {
	if _, err := os.Stat(d.path("init", "config.json")); err == nil {
		return nil
	}
	_, _, err := train.InitModel(d.backend, model.Preset{Name: "demo", Config: d.cfg.Model}, data.SuiteSplit(d.tasks, "train"), d.cfg.Seed, d.path("init"))
	return err
}

func (d *demo) load(rel string) (*model.Model, *tokenizer.Tokenizer, error) {
	m, err := model.Load(d.backend, d.path(rel))
	if err != nil {
		return nil, nil, err
	}
	tok, err := tokenizer.LoadDir(d.path(rel))
	return m, tok, err
}

func (d *demo) run(name string) train.RunConfig {
	return train.RunConfig{Dir: d.path(name), ID: name, Seed: d.cfg.Seed, SaveEvery: 25, Progress: d.cfg.Progress}
}

// boost fine-tunes the initial model on the suite's 1-turn and 2-turn examples.
func (d *demo) boost(ctx context.Context) error {
	m, tok, err := d.load("init")
	if err != nil {
		return err
	}
	pairs := data.TwoTurnFromSuite(data.SuiteSplit(d.tasks, "train"))
	cfg := d.cfg.SFT
	cfg.Run = d.run("boost")
	_, err = (&train.SFT{Model: m, Tokenizer: tok, Examples: sft.BoostExamples(pairs, prompt.Builder{}, d.cfg.Seed), Config: cfg}).Run(ctx)
	return err
}

func (d *demo) cocos(ctx context.Context) error { return d.rl(ctx, train.CoCoS, "cocos") }

func (d *demo) turnRL(ctx context.Context) error { return d.rl(ctx, train.TurnRL, "turn-rl") }

// rl trains method from the boost model against the boost model.
func (d *demo) rl(ctx context.Context, method, dir string) error {
	policy, tok, err := d.load(filepath.Join("boost", "model"))
	if err != nil {
		return err
	}
	ref, _, err := d.load(filepath.Join("boost", "model"))
	if err != nil {
		return err
	}
	base := d.cfg.RL
	base.Mode = rl.Trajectory
	rc, kind, err := train.MethodConfig(method, base)
	if err != nil {
		return err
	}
	job := &train.RL{Policy: policy, Reference: ref, Tokenizer: tok, Judge: d.judge, Problems: data.SuiteProblems(d.tasks, "train"),
		Model: "demo", Config: train.RLConfig{Method: method, RLOO: rc, Reward: kind, MaxNewTokens: d.cfg.MaxNewTokens, Run: d.run(dir)}}
	_, err = job.Run(ctx)
	return err
}

// eval runs each model greedily over EvalTurns turns on the test split;
// a finished evaluation (its metrics.json) is not redone.
func (d *demo) eval(ctx context.Context) error {
	ps := data.SuiteProblems(d.tasks, "test")
	if n := d.cfg.EvalProblems; n > 0 && n < len(ps) {
		ps = ps[:n]
	}
	turns := max(d.cfg.EvalTurns, 2)
	for _, m := range methods {
		ts, err := d.evalOne(ctx, m.Name, m.Model, ps, turns)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		d.res.TwoTurn = append(d.res.TwoTurn, metrics.Summarize(m.Name, ts, 1, 2))
		d.res.AllTurns = append(d.res.AllTurns, metrics.Summarize(fmt.Sprintf("%s t1→t%d", m.Name, turns), ts, 1, turns))
		for t := 1; t <= turns; t++ {
			d.res.Turns[m.Name] = append(d.res.Turns[m.Name], metrics.Acc(ts, t))
		}
	}
	return nil
}

func (d *demo) evalOne(ctx context.Context, name, modelDir string, ps []data.Problem, turns int) ([]metrics.Trajectory, error) {
	dir := d.path("eval", name)
	done := filepath.Join(dir, "done.json")
	if _, err := os.Stat(done); err == nil {
		rows, err := trajectory.ReadRows(dir)
		return evaluate.Trajectories(rows), err
	}
	os.RemoveAll(dir) // an evaluation cut short is redone whole
	m, tok, err := d.load(modelDir)
	if err != nil {
		return nil, err
	}
	r := &evaluate.Runner{Model: m, Tokenizer: tok, Judge: d.judge, Batch: 32, RunID: name, ModelID: modelDir, Method: name,
		Generate: model.GenerateConfig{MaxNewTokens: d.cfg.MaxNewTokens, StopTokens: []int{tok.EOS}, PadToken: max(tok.PAD, 0)}}
	start := time.Now()
	res, err := r.Run(ctx, ps, turns)
	if err != nil {
		return nil, err
	}
	w, err := trajectory.CreatePart(dir)
	if err != nil {
		return nil, err
	}
	if err := w.Write(res.Rows...); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	d.logf("%s: %d problems × %d turns in %v", name, len(ps), turns, time.Since(start).Round(time.Second))
	b, _ := json.Marshal(map[string]any{"problems": len(ps), "turns": turns})
	return res.Trajectories, os.WriteFile(done, b, 0o644)
}

// report writes report.html from what the run directory holds.
func (d *demo) report(context.Context) error {
	p, err := Report(d.cfg.Dir)
	if err != nil {
		return err
	}
	d.res.Report = d.path("report.html")
	return p.WriteFile(d.res.Report)
}
