package demo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/cocos-go/cocos/cocos/lab"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/train"
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
	LastPair          []metrics.Row            // t(T−1)→tT per method, when T > 2
	Turns             map[string][]float64     // Acc@t per method, t = 1..T
	Diagnostics       []metrics.Diagnostics    // per method, over all turns' trajectories
	Stages            map[string]time.Duration // wall time per stage (this process)
	Report            string                   // path of report.html
	Explorer          string                   // path of explorer.html
}

// Run runs (or resumes) the demo in cfg.Dir.
func Run(ctx context.Context, cfg Config) (Result, error) {
	res := Result{Stages: map[string]time.Duration{}, Turns: map[string][]float64{}}
	if cfg.Dir == "" {
		return res, errors.New("demo: Config.Dir is required")
	}
	l, err := lab.OpenDir(cfg.scale(), cfg.Dir)
	if err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	defer l.Close()
	l.Log = cfg.Progress
	d := &demo{cfg: cfg, lab: l, res: &res}
	for _, st := range []struct {
		name string
		fn   func(context.Context) error
	}{{"boost", d.boost}, {"cocos", d.cocos}, {"turn-rl", d.turnRL}, {"eval", d.eval}, {"report", d.report}} {
		start := time.Now()
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "== %s\n", st.name)
		}
		if err := st.fn(ctx); err != nil {
			return res, fmt.Errorf("demo: %s: %w", st.name, err)
		}
		res.Stages[st.name] = time.Since(start)
	}
	return res, nil
}

type demo struct {
	cfg Config
	lab *lab.Lab
	res *Result
}

// boost trains a tiny model from scratch, then fine-tunes it on the
// suite's 1-turn and 2-turn examples.
func (d *demo) boost(ctx context.Context) error {
	_, err := d.lab.Boost(ctx)
	return err
}

func (d *demo) cocos(ctx context.Context) error {
	_, err := d.lab.RL(ctx, "cocos", train.CoCoS, "", nil)
	return err
}

func (d *demo) turnRL(ctx context.Context) error {
	_, err := d.lab.RL(ctx, "turn-rl", train.TurnRL, "", nil)
	return err
}

// eval runs each model greedily over EvalTurns turns on the test split;
// a finished evaluation is read back.
func (d *demo) eval(ctx context.Context) error {
	turns := max(d.cfg.EvalTurns, 2)
	for _, m := range methods {
		ts, err := d.lab.Eval(ctx, m.Name, lab.Evaluation{Model: filepath.Join(d.cfg.Dir, m.Model), Turns: turns})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		d.res.TwoTurn = append(d.res.TwoTurn, metrics.Summarize(m.Name, ts, 1, 2))
		d.res.AllTurns = append(d.res.AllTurns, metrics.Summarize(m.Name, ts, 1, turns))
		if turns > 2 {
			d.res.LastPair = append(d.res.LastPair, metrics.Summarize(m.Name, ts, turns-1, turns))
		}
		d.res.Diagnostics = append(d.res.Diagnostics, metrics.Diagnose(m.Name, ts))
		for t := 1; t <= turns; t++ {
			d.res.Turns[m.Name] = append(d.res.Turns[m.Name], metrics.Acc(ts, t))
		}
	}
	return nil
}

// report writes report.html and explorer.html from what the run
// directory holds.
func (d *demo) report(context.Context) error {
	var err error
	d.res.Report, d.res.Explorer, err = WriteReport(d.cfg.Dir)
	return err
}

// WriteReport writes dir/report.html and dir/explorer.html (Report) and
// returns their paths.
func WriteReport(dir string) (reportPath, explorerPath string, err error) {
	p, ex, err := Report(dir)
	if err != nil {
		return "", "", err
	}
	reportPath, explorerPath = filepath.Join(dir, "report.html"), filepath.Join(dir, ExplorerFile)
	if err := p.WriteFile(reportPath); err != nil {
		return "", "", err
	}
	return reportPath, explorerPath, ex.WriteFile(explorerPath)
}
