// Command gamma runs section 8.1's ablation from a plain Go program: CoCoS
// trained with each discount γ over several seeds, each best-reward model
// evaluated turn 1 → turn 2, the table printed over seeds (accuracies as
// mean ± sd, Δi→c, Δc→i and Δ as the mean and its two-level bootstrap
// interval over seeds and problems, McNemar's p pooled over seeds) and
// written to OUT/gamma.csv: one line per seed and γ, each change with its
// 95 % paired-bootstrap bounds over that seed's problems and McNemar's p,
// and per γ a line with seed "all" holding the means, the two-level
// bounds and the pooled p. The calls are the γ notebook's (cocos/lab);
// runs resume, so a second run only reads back.
//
//	go run ./examples/gamma -seeds 1,2,3 -out runs/gamma
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
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/examples/internal/cli"
)

func main() {
	seeds := flag.String("seeds", "1,2,3", "comma-separated seeds: one boost model and one CoCoS run per γ each")
	gammas := flag.String("gammas", "0,0.5,1,2", "comma-separated discounts γ (Figure 3: 0, 0.5, 1, 2)")
	out := flag.String("out", "runs/gamma", "directory of the runs and of gamma.csv")
	split := flag.String("split", "test", "evaluation split: test, or validation while choosing settings")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *seeds, *gammas, *out, *split); err != nil {
		fmt.Fprintln(os.Stderr, "gamma:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, seedList, gammaList, out, split string) error {
	seeds, err := cli.Seeds(seedList)
	if err != nil {
		return fmt.Errorf("-seeds: %w", err)
	}
	gammas, err := cli.List(gammaList, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	if err != nil {
		return fmt.Errorf("-gammas: %w", err)
	}
	evals := make([][][]metrics.Trajectory, len(gammas)) // per γ, one evaluation per seed
	for _, seed := range seeds {
		got, err := seedRuns(ctx, seed, gammas, out, split)
		if err != nil {
			return fmt.Errorf("seed %d: %w", seed, err)
		}
		for i, ts := range got {
			evals[i] = append(evals[i], ts)
		}
	}
	var spreads []metrics.Spread
	for i, g := range gammas {
		spreads = append(spreads, metrics.SummarizeSeeds(fmt.Sprintf("γ=%g", g), evals[i], 1, 2))
	}
	fmt.Printf("CoCoS per γ, turn 1 → turn 2 on the %s split, %% (seeds %s)\n", split, seedList)
	fmt.Print(metrics.SpreadTable(spreads))
	fmt.Println(metrics.SeedsNote)
	return writeCSV(filepath.Join(out, "gamma.csv"), seeds, gammas, spreads)
}

// seedRuns trains and evaluates one seed's CoCoS run per γ, from that
// seed's boost model, in OUT/seed-N.
func seedRuns(ctx context.Context, seed uint64, gammas []float64, out, split string) ([][]metrics.Trajectory, error) {
	l, err := cli.OpenSeed(seed, out, split)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	var evals [][]metrics.Trajectory
	for _, g := range gammas {
		name := fmt.Sprintf("gamma-%g", g)
		best, err := l.RL(ctx, name, train.CoCoS, "", func(c *train.RLConfig) {
			c.RLOO.Gamma, c.RLOO.NoGamma = g, g == 0
		})
		if err != nil {
			return nil, err
		}
		ts, err := l.Eval(ctx, name+"-"+split, lab.Evaluation{Model: best, Turns: 2})
		if err != nil {
			return nil, err
		}
		evals = append(evals, ts)
	}
	return evals, nil
}

func writeCSV(path string, seeds []uint64, gammas []float64, spreads []metrics.Spread) error {
	var records [][]string
	for i, g := range gammas {
		gamma := strconv.FormatFloat(g, 'g', -1, 64)
		for k, r := range spreads[i].Rows {
			records = append(records, record(gamma, strconv.FormatUint(seeds[k], 10), r))
		}
		records = append(records, record(gamma, "all", spreads[i].Mean))
	}
	header := append(append([]string{"gamma", "seed"}, cli.RowHeader()...), cli.IntervalHeader()...)
	return cli.WriteCSV(path, header, records)
}

func record(gamma, seed string, r metrics.Row) []string {
	return append(append([]string{gamma, seed}, cli.RowFields(r)...), cli.IntervalFields(r)...)
}
