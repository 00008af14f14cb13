package plot

import (
	"fmt"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/train"
)

// Run is a named training run's progress log (train.ReadProgress).
type Run struct {
	Name     string
	Progress []train.Progress
}

// Curves plots one quantity of each run's progress over steps (Figure 1's
// and Figure 3's learning curves: Reward, KL, Loss).
func Curves(name, title, yName string, runs []Run, value func(train.Progress) float64) *Figure {
	var x []string
	var series []Series
	for _, r := range runs {
		s := Series{Name: r.Name}
		for i, p := range r.Progress {
			if i >= len(x) {
				x = append(x, fmt.Sprint(p.Step))
			}
			s.Values = append(s.Values, value(p))
		}
		series = append(series, s)
	}
	return Line(name, title, "step", yName, x, series...)
}

// Eval is a named evaluation's trajectories.
type Eval struct {
	Name string
	Runs []metrics.Trajectory
}

func turnsOf(evals []Eval) int {
	n := 0
	for _, e := range evals {
		if len(e.Runs) > 0 {
			n = max(n, len(e.Runs[0]))
		}
	}
	return n
}

func turnAxis(n int) []string {
	x := make([]string, n)
	for t := range n {
		x[t] = fmt.Sprint(t + 1)
	}
	return x
}

// Accuracy plots Acc@t per turn for each evaluation.
func Accuracy(name, title string, evals []Eval) *Figure {
	return perTurn(name, title, "Acc@t (%)", evals, func(ts []metrics.Trajectory, t int) float64 { return metrics.Acc(ts, t) })
}

// NetGain is Figure 4's line: the cumulative net gain Acc@t − Acc@t1, in
// points, per turn.
func NetGain(name, title string, evals []Eval) *Figure {
	return perTurn(name, title, "Acc@t − Acc@t1 (points)", evals, func(ts []metrics.Trajectory, t int) float64 {
		return metrics.Acc(ts, t) - metrics.Acc(ts, 1)
	})
}

// perTurn plots 100·f(t) over the turns for each evaluation.
func perTurn(name, title, yName string, evals []Eval, f func(ts []metrics.Trajectory, t int) float64) *Figure {
	n := turnsOf(evals)
	var series []Series
	for _, e := range evals {
		s := Series{Name: e.Name}
		for t := 1; t <= n; t++ {
			s.Values = append(s.Values, 100*f(e.Runs, t))
		}
		series = append(series, s)
	}
	return Line(name, title, "turn", yName, turnAxis(n), series...)
}

// Transitions is Figure 4's pies: for each pair of consecutive turns, the
// share of problems that stay correct, are fixed, are broken, or stay
// wrong.
func Transitions(name, title string, ts []metrics.Trajectory) *Figure {
	var groups []string
	var slices [][]Slice
	for t := 1; len(ts) > 0 && t < len(ts[0]); t++ {
		up, down, _ := metrics.Changes(ts, t, t+1)
		a := metrics.Acc(ts, t)
		groups = append(groups, fmt.Sprintf("t%d→t%d", t, t+1))
		slices = append(slices, []Slice{{"c→c", 100 * (a - down)}, {"i→c", 100 * up}, {"c→i", 100 * down}, {"i→i", 100 * (1 - a - up)}})
	}
	return Pies(name, title, groups, slices)
}

// EditRatios is Figure 2: the histogram of the edit-distance ratio
// between turns 1 and 2 over the samples whose turn 2 is incorrect (1 is
// unchanged code).
func EditRatios(name, title string, evals []Eval, bins int) *Figure {
	x := make([]string, bins)
	for b := range bins {
		x[b] = fmt.Sprintf("%.2g", float64(b)/float64(bins))
	}
	var series []Series
	for _, e := range evals {
		s := Series{Name: e.Name}
		for _, c := range metrics.Histogram(metrics.EditRatios(e.Runs, 1, 2), bins) {
			s.Values = append(s.Values, float64(c))
		}
		series = append(series, s)
	}
	return Bars(name, title, fmt.Sprintf("edit ratio (bins of %.2g from)", 1/float64(bins)), "samples", x, false, series...)
}

// Tracked is a run's evaluations during training.
type Tracked struct {
	Name   string
	Points []metrics.Checkpoint
}

// LearningCurves plots Acc@t over training steps for each run and each
// turn t asked for (Figure 1, Figure 3).
func LearningCurves(name, title string, runs []Tracked, turns ...int) *Figure {
	var x []string
	var series []Series
	for _, r := range runs {
		for _, t := range turns {
			s := Series{Name: fmt.Sprintf("%s Acc@t%d", r.Name, t)}
			if len(turns) == 1 {
				s.Name = r.Name
			}
			for i, p := range r.Points {
				if i >= len(x) {
					x = append(x, fmt.Sprint(p.Step))
				}
				s.Values = append(s.Values, 100*metrics.Acc(p.Runs, t))
			}
			series = append(series, s)
		}
	}
	return Line(name, title, "step", "accuracy (%)", x, series...)
}
