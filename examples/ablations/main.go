// Command ablations runs, from a plain Go program and over several seeds,
// the ablations that the SCoRe-collapse and reward notebooks show for one
// seed (sections 5.2 and 8.2): per seed the boost model, CoCoS with the
// progressive and with the binary reward, and SCoRe stage I with and
// without its turn-1 KL, each best-reward model evaluated turn 1 → turn 2.
// It prints mean ± sd over seeds of the paper's metrics, of the share of
// incorrect turn-2 programs left unchanged from turn 1 (section 5.2's
// collapse) and of the unit tests that go fail → pass and pass → fail
// (section 8.2), and writes one line per seed and model to
// OUT/ablations.csv. Runs resume, so a second run only reads back.
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
	results := make([][]result, len(arms)) // per arm, one per seed
	for _, seed := range seeds {
		got, err := seedRuns(ctx, seed, out, split)
		if err != nil {
			return fmt.Errorf("seed %d: %w", seed, err)
		}
		for i, r := range got {
			results[i] = append(results[i], r)
		}
	}
	fmt.Printf("Turn 1 → turn 2 on the %s split, %% (mean ± sd over seeds %s)\n", split, seedList)
	report(results)
	return writeCSV(filepath.Join(out, "ablations.csv"), seeds, results)
}

// seedRuns trains (or reads back) one seed's models in OUT/seed-N and
// evaluates each.
func seedRuns(ctx context.Context, seed uint64, out, split string) ([]result, error) {
	l, err := cli.OpenSeed(seed, out, split)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	var res []result
	for _, a := range arms {
		dir, err := a.train(ctx, l)
		if err != nil {
			return nil, err
		}
		ts, err := l.Eval(ctx, a.name+"-"+split, lab.Evaluation{Model: dir, Turns: 2})
		if err != nil {
			return nil, err
		}
		res = append(res, measure(a.name, ts))
	}
	return res, nil
}

func (a arm) train(ctx context.Context, l *lab.Lab) (string, error) {
	if a.method == "" {
		return l.Boost(ctx)
	}
	return l.RL(ctx, a.name, a.method, "", a.edit)
}

func measure(name string, ts []metrics.Trajectory) result {
	r := result{row: metrics.Summarize(name, ts, 1, 2)}
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
	return r
}

func report(results [][]result) {
	var spreads []metrics.Spread
	for i, a := range arms {
		var rows []metrics.Row
		for _, r := range results[i] {
			rows = append(rows, r.row)
		}
		spreads = append(spreads, metrics.OverSeeds(a.name, rows))
	}
	fmt.Print(metrics.SpreadTable(spreads))
	fmt.Printf("\n%-16s %24s %16s %16s\n", "model", "wrong turn 2 unchanged", "tests fail→pass", "tests pass→fail")
	for i, a := range arms {
		fmt.Printf("%-16s %24s %16s %16s\n", a.name, spread(results[i], func(r result) float64 { return r.unchanged }),
			spread(results[i], func(r result) float64 { return r.failPass }), spread(results[i], func(r result) float64 { return r.passFail }))
	}
}

// spread is "mean ± sd" in percent of one number over seeds.
func spread(rs []result, f func(result) float64) string {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	m, sd := metrics.MeanSD(xs)
	return fmt.Sprintf("%.1f ± %.1f", 100*m, 100*sd)
}

func writeCSV(path string, seeds []uint64, results [][]result) error {
	var records [][]string
	for i, a := range arms {
		for k, r := range results[i] {
			rec := []string{a.name, strconv.FormatUint(seeds[k], 10)}
			rec = append(rec, cli.Fixed(r.row.Acc1, r.row.Acc2, r.row.IToC, r.row.CToI, r.row.Delta, r.unchanged, r.failPass, r.passFail)...)
			records = append(records, rec)
		}
	}
	return cli.WriteCSV(path, []string{"model", "seed", "acc_t1", "acc_t2", "i_to_c", "c_to_i", "delta",
		"wrong_t2_unchanged", "tests_fail_to_pass", "tests_pass_to_fail"}, records)
}
