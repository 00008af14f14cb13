// Command recipes measures which of the authors' released code's
// departures from the paper's text matter (cocos/recipe): CoCoS trained
// under the paper's recipe, the released one, and the paper with each
// released departure alone, over seeds; each best-reward model evaluated
// greedily over 3 turns. It prints the results over seeds (changes with
// their two-level bootstrap intervals), each recipe's effect against the
// paper's on Acc@t1, Δ and the diagnostics (paired bootstrap intervals over
// seeds and problems), and the released recipe trained with each γ:
// bit-identical models whose logged rewards, and so the checkpoints chosen
// by them, differ. Tables go to OUT/recipes.csv, OUT/effects.csv and
// OUT/gamma.csv. The calls are notebook 09's (cocos/lab); runs resume.
//
//	go run ./examples/recipes -seeds 1,2,3 -out runs/recipes
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
	"strings"

	"github.com/cocos-go/cocos/cocos/lab"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/examples/internal/cli"
)

func main() {
	seeds := flag.String("seeds", "1,2,3", "comma-separated seeds: one boost model (per EOS choice) and one run per recipe each")
	recipes := flag.String("recipes", strings.Join(lab.DefaultRecipes(), ","), "comma-separated recipes (cocos/recipe names)")
	gammas := flag.String("gammas", "0,0.5,1,2", "discounts to train the released recipe with (empty: none)")
	turns := flag.Int("turns", 3, "evaluation turns")
	out := flag.String("out", "runs/recipes", "directory of the runs and the CSV files")
	split := flag.String("split", "test", "evaluation split: test, or validation")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *seeds, *recipes, *gammas, *turns, *out, *split); err != nil {
		fmt.Fprintln(os.Stderr, "recipes:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, seedList, recipeList, gammaList string, turns int, out, split string) error {
	seeds, err := cli.Seeds(seedList)
	if err != nil {
		return fmt.Errorf("-seeds: %w", err)
	}
	sweep := lab.RecipeSweep{Turns: turns}
	if sweep.Recipes, err = cli.List(recipeList, recipe.Parse); err != nil {
		return fmt.Errorf("-recipes: %w", err)
	}
	if gammaList != "" {
		if sweep.Gammas, err = cli.List(gammaList, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }); err != nil {
			return fmt.Errorf("-gammas: %w", err)
		}
	}
	var labs []*lab.Lab
	for _, seed := range seeds {
		l, err := cli.OpenSeed(seed, out, split)
		if err != nil {
			return err
		}
		defer l.Close()
		labs = append(labs, l)
	}
	rr, err := sweep.Run(ctx, labs)
	if err != nil {
		return err
	}
	return report(rr, turns, seedList, split, out)
}

func report(rr lab.RecipeRuns, turns int, seedList, split, out string) error {
	table := rr.Table(2)
	fmt.Printf("CoCoS per recipe, turn 1 → turn 2 on the %s split, %% (seeds %s)\n", split, seedList)
	fmt.Print(metrics.SpreadTable(table))
	if turns > 2 {
		fmt.Printf("\nturn 1 → turn %d\n", turns)
		fmt.Print(metrics.SpreadTable(rr.Table(turns)))
	}
	fmt.Println(metrics.SeedsNote)
	effects, err := rr.Effects("paper")
	if err != nil {
		return err
	}
	fmt.Println("\nEach recipe against the paper's, percentage points (95 % paired bootstrap over seeds and problems)")
	fmt.Print(lab.EffectTable(effects))
	if err := writeRecipes(filepath.Join(out, "recipes.csv"), table); err != nil {
		return err
	}
	if err := writeEffects(filepath.Join(out, "effects.csv"), effects); err != nil {
		return err
	}
	if len(rr.Gammas) == 0 {
		return nil
	}
	rows := rr.GammaRows()
	fmt.Println("\nThe released recipe per γ: the same gradient, another logged reward, another checkpoint chosen")
	fmt.Print(lab.GammaTable(rows))
	return writeGamma(filepath.Join(out, "gamma.csv"), rows)
}

func writeRecipes(path string, spreads []metrics.Spread) error {
	var records [][]string
	for _, s := range spreads {
		records = append(records, append(append([]string{s.Method}, cli.RowFields(s.Mean)...), cli.IntervalFields(s.Mean)...))
	}
	return cli.WriteCSV(path, append(append([]string{"recipe"}, cli.RowHeader()...), cli.IntervalHeader()...), records)
}

func writeEffects(path string, effects []lab.Effect) error {
	var records [][]string
	for _, e := range effects {
		rec := []string{e.Recipe}
		for _, d := range []metrics.Difference{e.Acc1, e.Delta, e.Flagged, e.Unchanged} {
			rec = append(rec, cli.Fixed(d.Value, d.Lo, d.Hi)...)
		}
		records = append(records, rec)
	}
	var header []string
	for _, c := range []string{"acc_t1", "delta", "flagged_t1", "unchanged"} {
		header = append(header, c, c+"_lo", c+"_hi")
	}
	return cli.WriteCSV(path, append([]string{"recipe"}, header...), records)
}

func writeGamma(path string, rows []lab.GammaRow) error {
	var records [][]string
	for _, r := range rows {
		for s := range r.BestSteps {
			records = append(records, []string{strconv.FormatFloat(r.Gamma, 'g', -1, 64), strconv.Itoa(s),
				strconv.Itoa(r.BestSteps[s]), strconv.FormatFloat(r.BestRewards[s], 'f', 4, 64), strconv.FormatBool(r.SameWeights)})
		}
		m := r.Spread.Mean
		records = append(records, append([]string{strconv.FormatFloat(r.Gamma, 'g', -1, 64), "all", "", "", strconv.FormatBool(r.SameWeights)},
			append(cli.RowFields(m), cli.IntervalFields(m)...)...))
	}
	header := append([]string{"gamma", "seed", "best_step", "best_reward", "same_weights"}, append(cli.RowHeader(), cli.IntervalHeader()...)...)
	return cli.WriteCSV(path, header, pad(records, len(header)))
}

// pad fills short records to the header's width (per-seed lines hold no
// table row).
func pad(records [][]string, n int) [][]string {
	for i := range records {
		for len(records[i]) < n {
			records[i] = append(records[i], "")
		}
	}
	return records
}
