package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/explore"
	"github.com/cocos-go/cocos/cocos/lab"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/report"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
)

// ExplorerFile is the explorer's name beside report.html; the report's
// tables and charts link into it.
const ExplorerFile = "explorer.html"

// rlRuns are the demo's RL runs, whose rollouts the explorer samples.
var rlRuns = []string{"cocos", "turn-rl"}

// Report builds the demo's report and its trajectory explorer from the run
// directory alone: training curves from each run's progress log, the
// evaluations and rollouts from their Arrow trajectories.
func Report(dir string) (report.Page, *explore.Explorer, error) {
	p := report.Page{Title: "CoCoS on the built-in suite: boost, Turn-RL and CoCoS (" + dir + ")"}
	ex := &explore.Explorer{Title: "Trajectories of the demo (" + dir + ")", Family: explore.SuiteFamilies(data.Suite(Default().Suite))}
	evals := map[string][]metrics.Trajectory{}
	var names []string
	for _, m := range methods {
		rows, err := trajectory.ReadRows(filepath.Join(dir, "eval", m.Name))
		if err != nil {
			return p, nil, fmt.Errorf("demo report: %w", err)
		}
		evals[m.Name] = evaluate.Trajectories(rows)
		names = append(names, m.Name)
		ex.Evaluation(m.Name, rows)
	}
	flagged := report.Section{Heading: "Turn 1 flagged during RL"}
	var steps []any
	var curves []report.Series
	for _, run := range rlRuns {
		rows, err := trajectory.ReadRows(filepath.Join(dir, run, "trajectories"))
		if err != nil {
			continue // a demo stopped before this run
		}
		ex.Rollouts(run, rows, lab.RolloutsPerStep)
		x, shares := evaluate.FlaggedPerStep(rows)
		steps = steps[:0]
		var y []any
		for i := range x {
			steps, y = append(steps, x[i]), append(y, 100*shares[i])
		}
		curves = append(curves, report.Series{Name: run, Values: y})
	}
	if len(curves) > 0 {
		flagged.Text = "Per RL step, the share of sampled trajectories whose turn 1 defines none of the functions the tests call or is a stub: the curve on which spoiling turn 1 shows while it is learnt."
		flagged.Charts = []report.Chart{report.Line("Sampled turn 1 flagged (undefined or stub)", "step", "% of trajectories", steps, curves...)}
	}
	p.Sections = append(p.Sections, results(names, evals), diagnostics(names, evals), flagged, training(dir), turnwise(names, evals), editRatios(names, evals))
	return p, ex, nil
}

// results is the paper's table over turns 1→2, 1→T and T−1→T (section
// 8.3 reads both); each change carries its 95 % bootstrap interval, and
// the consecutive rows' changes link to the trajectories they count in the
// explorer.
func results(names []string, evals map[string][]metrics.Trajectory) report.Section {
	t := &report.Table{Header: []string{"model", "turns", "Acc@earlier turn", "Acc@later turn", "Δi→c", "Δc→i", "Δ", "McNemar p"}}
	for _, n := range names {
		ts := evals[n]
		for _, p := range pairs(len(ts[0])) {
			r := metrics.Summarize(n, ts, p[0], p[1])
			c := r.Cells()
			up, down := metrics.Discordant(ts, p[0], p[1])
			t.Rows = append(t.Rows, []string{n, fmt.Sprintf("%d→%d", p[0], p[1]), c[1], c[2],
				fmt.Sprintf("%s (%d)", c[3], up), fmt.Sprintf("%s (%d)", c[4], down), c[5], c[6]})
			var links []string
			if p[1] == p[0]+1 {
				link := func(tr string) string {
					return explore.Link(ExplorerFile, explore.Filter{Method: n, Kind: "eval", Transition: tr, Pair: p[0]})
				}
				links = []string{"", "", "", "", link("i→c"), link("c→i")}
			}
			t.Links = append(t.Links, links)
		}
	}
	return report.Section{Heading: "Results on the suite's test split (%)", Table: t,
		Text: "Greedy decoding; turn t sees the code of turn t−1 and the correction instruction. Each row compares an earlier and a later turn: 1→2, and with more turns 1→T (the cumulative change) and T−1→T (the last correction alone, as the released evaluation and Figure 4's pies count). " +
			"In brackets the 95 % paired-bootstrap interval over problems, then the number of problems; on the rows of consecutive turns that number links to them in " + ExplorerFile + ". " +
			"McNemar p: exact test of Δi→c against Δc→i."}
}

// pairs are the turn pairs of the results table over T turns: 1→2, then
// 1→T and T−1→T when T > 2.
func pairs(turns int) [][2]int {
	out := [][2]int{{1, 2}}
	if turns > 2 {
		out = append(out, [2]int{1, turns}, [2]int{turns - 1, turns})
	}
	return out
}

// diagnostics is the table of flags per method, each share linking to the
// flagged trajectories.
func diagnostics(names []string, evals map[string][]metrics.Trajectory) report.Section {
	t := &report.Table{Header: metrics.DiagnosticsHeader()}
	for _, n := range names {
		t.Rows = append(t.Rows, metrics.Diagnose(n, evals[n]).Cells())
		link := func(f metrics.Flag) string {
			return explore.Link(ExplorerFile, explore.Filter{Method: n, Kind: "eval", Flag: string(f)})
		}
		t.Links = append(t.Links, []string{"", "", link(metrics.Undefined), link(metrics.Stub), link(metrics.Unchanged)})
	}
	return report.Section{Heading: "Diagnostics (%)", Table: t,
		Text: "Undefined: wrong turn-1 programs that define none of the functions the tests call. Stub: wrong turn-1 programs whose tested functions ignore their arguments or return one constant. Both are shares of the wrong turn-1 programs. t2 = t1: problems whose turn-2 program repeats turn 1, of all problems."}
}

// training plots each run's per-step progress.
func training(dir string) report.Section {
	s := report.Section{Heading: "Training"}
	if ps, err := train.ReadProgress(filepath.Join(dir, "boost")); err == nil {
		x, loss := steps(ps, func(p train.Progress) float64 { return p.Loss })
		s.Charts = append(s.Charts, report.Line("Boost SFT loss", "step", "loss", x, report.Series{Name: "boost", Values: loss}))
	}
	var rewards, kls, splits []report.Series
	var x []any
	var recipes []string
	for _, run := range rlRuns {
		ps, err := train.ReadProgress(filepath.Join(dir, run))
		if err != nil {
			continue
		}
		var r, k, sp []any
		x, r = steps(ps, func(p train.Progress) float64 { return p.Reward })
		_, k = steps(ps, func(p train.Progress) float64 { return p.KL })
		_, sp = steps(ps, func(p train.Progress) float64 { return 100 * p.Split })
		rewards, kls = append(rewards, report.Series{Name: run, Values: r}), append(kls, report.Series{Name: run, Values: k})
		splits = append(splits, report.Series{Name: run, Values: sp})
		recipes = append(recipes, run+": "+recipeOf(filepath.Join(dir, run)))
	}
	if len(rewards) > 0 {
		s.Text = "Recipes (cocos/recipe): " + strings.Join(recipes, "; ") + ". Trained as two sequences: the share of a step's trajectories whose turn-2 context does not begin with the turn-1 ids the model sampled (turn 1 is then trained on those ids in a row of its own)."
		s.Charts = append(s.Charts, report.Line("Mean training reward R", "step", "reward", x, rewards...),
			report.Line("Sequence KL to the boost model", "step", "KL", x, kls...),
			report.Line("Trajectories trained as two sequences", "step", "% of trajectories", x, splits...))
	}
	if len(s.Charts) == 0 {
		s.Text = "No training logs found."
	}
	return s
}

// recipeOf is the recipe a run recorded in its recipe.json.
func recipeOf(dir string) string {
	var meta struct{ Recipe string }
	if b, err := os.ReadFile(filepath.Join(dir, "recipe.json")); err == nil && json.Unmarshal(b, &meta) == nil && meta.Recipe != "" {
		return meta.Recipe
	}
	return "unrecorded"
}

func steps(ps []train.Progress, f func(train.Progress) float64) (x, y []any) {
	for _, p := range ps {
		x, y = append(x, p.Step), append(y, f(p))
	}
	return x, y
}

// turnwise is Figure 4: accuracy per turn, the correct/incorrect
// transitions between consecutive turns, and the cumulative gain.
func turnwise(names []string, evals map[string][]metrics.Trajectory) report.Section {
	s := report.Section{Heading: "Turn-wise changes (Figure 4)"}
	var turnsX []any
	var acc, gain []report.Series
	for _, n := range names {
		ts := evals[n]
		var a, g []any
		turnsX = turnsX[:0]
		for t := 1; t <= len(ts[0]); t++ {
			turnsX = append(turnsX, t)
			a, g = append(a, 100*metrics.Acc(ts, t)), append(g, 100*(metrics.Acc(ts, t)-metrics.Acc(ts, 1)))
		}
		acc, gain = append(acc, report.Series{Name: n, Values: a}), append(gain, report.Series{Name: n, Values: g})
	}
	s.Charts = append(s.Charts, report.Line("Accuracy per turn", "turn", "Acc@t (%)", turnsX, acc...),
		report.Line("Cumulative net gain Acc@t − Acc@t1", "turn", "points", turnsX, gain...))
	for _, n := range names {
		s.Charts = append(s.Charts, transitions(n, evals[n]))
	}
	return s
}

// transitions stacks the shares of c→c, i→c, c→i and i→i per turn pair.
func transitions(name string, ts []metrics.Trajectory) report.Chart {
	var x []any
	shares := map[string][]any{}
	kinds := []string{"c→c", "i→c", "c→i", "i→i"}
	for t := 1; t < len(ts[0]); t++ {
		x = append(x, fmt.Sprintf("t%d→t%d", t, t+1))
		up, down, _ := metrics.Changes(ts, t, t+1)
		a := metrics.Acc(ts, t)
		for k, v := range []float64{a - down, up, down, 1 - a - up} {
			shares[kinds[k]] = append(shares[kinds[k]], 100*v)
		}
	}
	var series []report.Series
	for _, k := range kinds {
		series = append(series, report.Series{Name: k, Values: shares[k]})
	}
	c := report.StackedBar(name+": correctness transitions", "turns", "% of problems", x, series...)
	c.Click = ExplorerFile + "#method=" + name + "&kind=eval&pair={index}&transition={series}"
	return c
}

// editRatios is Figure 2 per model.
func editRatios(names []string, evals map[string][]metrics.Trajectory) report.Section {
	const bins = 10
	var x []any
	for b := range bins {
		x = append(x, fmt.Sprintf("%.1f–%.1f", float64(b)/bins, float64(b+1)/bins))
	}
	var series []report.Series
	for _, n := range names {
		h := metrics.Histogram(metrics.EditRatios(evals[n], 1, 2), bins)
		vals := make([]any, bins)
		for i, c := range h {
			vals[i] = c
		}
		series = append(series, report.Series{Name: n, Values: vals})
	}
	return report.Section{Heading: "Edit ratio between turn 1 and turn 2 (Figure 2)",
		Text:   "Over samples whose turn 2 is incorrect; 1 is unchanged code.",
		Charts: []report.Chart{report.Bars("Edit ratio t1→t2, incorrect turn 2", "edit ratio", "samples", x, series...)}}
}
