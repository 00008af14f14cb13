// Command ablations runs, from a plain Go program and over several seeds,
// the ablations that the SCoRe-collapse and reward notebooks show for one
// seed (sections 5.2 and 8.2): per seed the boost model, CoCoS with the
// progressive and with the binary reward, and SCoRe stage I with and
// without its turn-1 KL, each best-reward model evaluated turn 1 → turn 2.
// It prints the paper's metrics over seeds (accuracies as mean ± sd, Δi→c,
// Δc→i and Δ as the mean and its two-level bootstrap interval over seeds
// and problems, McNemar's p pooled over seeds), and mean ± sd of the share
// of incorrect turn-2 programs left unchanged from turn 1 (section 5.2's
// collapse) and of section 8.2's unit-level changes in both readings: the
// unit tests that go fail → pass and pass → fail (of all tests), and the
// problems whose number of passing tests went up or down (Table 5's
// reading, the released code's). It writes one line per seed and model
// to OUT/ablations.csv, each change with its 95 % paired-bootstrap bounds
// over that seed's problems and McNemar's p, and per model a line with
// seed "all" holding the means, the two-level bounds and the pooled p.
// Runs resume, so a second run only reads back.
//
//	go run ./examples/ablations -seeds 1,2,3 -out runs/ablations
//
// $COCOS_SCALE=reduced runs the same code at a few steps (CI).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"

	"github.com/cocos-go/cocos/cocos/lab"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/examples/internal/cli"
)

// arm is one model of the comparison: the boost model (no method) or an
// RL run from it.
type arm struct {
	name, method string
	edit         func(*train.RLConfig)
}

var arms = []arm{
	{name: "boost"},
	{name: "cocos", method: train.CoCoS},
	{name: "cocos-binary", method: train.CoCoS, edit: func(c *train.RLConfig) { c.Reward = reward.Binary }},
	{name: "score-kl", method: train.SCoRe1, edit: func(c *train.RLConfig) { c.RLOO.Turn1KL = 0.25 }},
	{name: "score-no-kl", method: train.SCoRe1, edit: func(c *train.RLConfig) { c.RLOO.Turn1KL = 0 }},
}

// result is one model's numbers on one seed, as fractions.
type result struct {
	row                           metrics.Row
	unchanged, failPass, passFail float64
	better, worse                 float64 // shares of problems (metrics.ProblemsBetterWorse)
}

func main() {
	seeds := flag.String("seeds", "1,2,3", "comma-separated seeds: one boost model and its runs each")
	out := flag.String("out", "runs/ablations", "directory of the runs and of ablations.csv")
	split := flag.String("split", "test", "evaluation split: test, or validation while choosing settings")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *seeds, *out, *split); err != nil {
		fmt.Fprintln(os.Stderr, "ablations:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, seedList, out, split string) error {
	seeds, err := cli.Seeds(seedList)
	if err != nil {
		return fmt.Errorf("-seeds: %w", err)
	}
	evals := make([][][]metrics.Trajectory, len(arms)) // per arm, one evaluation per seed
	for _, seed := range seeds {
		got, err := seedRuns(ctx, seed, out, split)
		if err != nil {
			return fmt.Errorf("seed %d: %w", seed, err)
		}
		for i, ts := range got {
			evals[i] = append(evals[i], ts)
		}
	}
	spreads := make([]metrics.Spread, len(arms))
	results := make([][]result, len(arms)) // per arm, one per seed
	for i, a := range arms {
		spreads[i] = metrics.SummarizeSeeds(a.name, evals[i], 1, 2)
		for k, ts := range evals[i] {
			results[i] = append(results[i], measure(spreads[i].Rows[k], ts))
		}
	}
	fmt.Printf("Turn 1 → turn 2 on the %s split, %% (seeds %s)\n", split, seedList)
	report(spreads, results)
	return writeCSV(filepath.Join(out, "ablations.csv"), seeds, spreads, results)
}

// seedRuns trains (or reads back) one seed's models in OUT/seed-N and
// evaluates each.
func seedRuns(ctx context.Context, seed uint64, out, split string) ([][]metrics.Trajectory, error) {
	l, err := cli.OpenSeed(seed, out, split)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	var evals [][]metrics.Trajectory
	for _, a := range arms {
		dir, err := a.train(ctx, l)
		if err != nil {
			return nil, err
		}
		ts, err := l.Eval(ctx, a.name+"-"+split, lab.Evaluation{Model: dir, Turns: 2})
		if err != nil {
			return nil, err
		}
		evals = append(evals, ts)
	}
	return evals, nil
}

func (a arm) train(ctx context.Context, l *lab.Lab) (string, error) {
	if a.method == "" {
		return l.Boost(ctx)
	}
	return l.RL(ctx, a.name, a.method, "", a.edit)
}

// measure adds to a seed's row the collapse and section 8.2's numbers.
func measure(row metrics.Row, ts []metrics.Trajectory) result {
	r := result{row: row}
	ratios := metrics.EditRatios(ts, 1, 2)
	same := 0
	for _, x := range ratios {
		if x == 1 {
			same++
		}
	}
	if len(ratios) > 0 {
		r.unchanged = float64(same) / float64(len(ratios))
	}
	r.failPass, r.passFail = metrics.UnitChanges(ts, 1, 2)
	r.better, r.worse = metrics.ProblemsBetterWorse(ts, 1, 2).Shares()
	return r
}

func report(spreads []metrics.Spread, results [][]result) {
	fmt.Print(metrics.SpreadTable(spreads))
	fmt.Println(metrics.SeedsNote)
	fmt.Printf("\n%-16s %24s %16s %16s %16s %16s\n", "model", "wrong turn 2 unchanged",
		"tests fail→pass", "tests pass→fail", "problems better", "problems worse")
	for i, a := range arms {
		rs := results[i]
		fmt.Printf("%-16s %24s %16s %16s %16s %16s\n", a.name, spread(rs, func(r result) float64 { return r.unchanged }),
			spread(rs, func(r result) float64 { return r.failPass }), spread(rs, func(r result) float64 { return r.passFail }),
			spread(rs, func(r result) float64 { return r.better }), spread(rs, func(r result) float64 { return r.worse }))
	}
	fmt.Println("mean ± sd over seeds; tests: % of all unit tests that flip between the turns; " +
		"problems: % of problems whose number of passing tests went up or down (section 8.2's reading in Table 5)")
}

// spread is "mean ± sd" in percent of one number over seeds.
func spread(rs []result, f func(result) float64) string {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	m, sd := metrics.MeanSD(xs)
	return metrics.Percent(m) + " ± " + metrics.Percent(sd)
}

func writeCSV(path string, seeds []uint64, spreads []metrics.Spread, results [][]result) error {
	var records [][]string
	for i, a := range arms {
		for k, r := range results[i] {
			records = append(records, record(a.name, strconv.FormatUint(seeds[k], 10), r))
		}
		records = append(records, record(a.name, "all", mean(results[i], spreads[i].Mean)))
	}
	header := append([]string{"model", "seed"}, cli.RowHeader()...)
	header = append(header, "wrong_t2_unchanged", "tests_fail_to_pass", "tests_pass_to_fail", "problems_better", "problems_worse")
	return cli.WriteCSV(path, append(header, cli.IntervalHeader()...), records)
}

func record(model, seed string, r result) []string {
	rec := append([]string{model, seed}, cli.RowFields(r.row)...)
	rec = append(rec, cli.Fixed(r.unchanged, r.failPass, r.passFail, r.better, r.worse)...)
	return append(rec, cli.IntervalFields(r.row)...)
}

// mean is the seeds' mean of each number, beside the spread's mean row.
func mean(rs []result, row metrics.Row) result {
	m, k := result{row: row}, float64(len(rs))
	for _, r := range rs {
		m.unchanged += r.unchanged / k
		m.failPass += r.failPass / k
		m.passFail += r.passFail / k
		m.better += r.better / k
		m.worse += r.worse / k
	}
	return m
}
