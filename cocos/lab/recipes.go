package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/train"
)

// RecipeRun is CoCoS trained under one recipe and seed, its best model
// evaluated.
type RecipeRun struct {
	Recipe string
	Seed   uint64
	Gamma  float64
	// Best is the save window whose mean logged training reward chose the
	// evaluated model, as the paper selects.
	Best train.Best
	// Weights is the SHA-256 of the run's final weights: runs that trained
	// the same model have the same digest.
	Weights string
	Eval    []metrics.Trajectory
}

// CoCoS trains CoCoS under the lab's recipe with discount gamma (< 0: the
// scale's), or reads the run back, and evaluates its best model greedily
// over turns on the test problems. The scale's γ is the run "cocos",
// another the run "cocos-gamma-G".
func (l *Lab) CoCoS(ctx context.Context, gamma float64, turns int) (RecipeRun, error) {
	name, edit := "cocos", func(*train.RLConfig) {}
	if gamma < 0 {
		gamma = l.Scale.RL.Fill().EffectiveGamma()
	}
	if gamma != l.Scale.RL.Fill().EffectiveGamma() {
		name = fmt.Sprintf("cocos-gamma-%g", gamma)
		edit = func(c *train.RLConfig) { c.RLOO.Gamma, c.RLOO.NoGamma = gamma, gamma == 0 }
	}
	run := RecipeRun{Recipe: l.Scale.Recipe.String(), Seed: l.Scale.Seed, Gamma: gamma}
	best, err := l.RL(ctx, name, train.CoCoS, "", edit)
	if err != nil {
		return run, err
	}
	if run.Best, err = train.ReadBest(l.Path(name)); err != nil {
		return run, err
	}
	if run.Weights, err = digest(l.Path(name, "model", "model.safetensors")); err != nil {
		return run, err
	}
	split := l.Scale.EvalSplit
	if split == "" {
		split = "test"
	}
	run.Eval, err = l.Eval(ctx, name+"-"+split, Evaluation{Model: best, Turns: turns})
	return run, err
}

func digest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("lab: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RecipeSweep is the recipes ablation: CoCoS under each recipe, one run
// per seed, every seed's lab sharing its boost models across recipes.
type RecipeSweep struct {
	Recipes []recipe.Recipe
	// Gammas, if set, are discounts to train the released recipe with too
	// (Figure 3 under the released code).
	Gammas []float64
	Turns  int // evaluation turns; default 3
}

// RecipeRuns are a sweep's runs: Runs[recipe][seed], Gamma[γ][seed].
type RecipeRuns struct {
	Recipes []string
	Runs    [][]RecipeRun
	Gammas  []float64
	Gamma   [][]RecipeRun
}

// Run trains and evaluates the sweep with each seed's lab (labs[s] at the
// paper's recipe), resuming what is done.
func (sw RecipeSweep) Run(ctx context.Context, labs []*Lab) (RecipeRuns, error) {
	turns := sw.Turns
	if turns == 0 {
		turns = 3
	}
	out := RecipeRuns{Runs: make([][]RecipeRun, len(sw.Recipes)), Gammas: sw.Gammas, Gamma: make([][]RecipeRun, len(sw.Gammas))}
	for _, l := range labs {
		for i, r := range sw.Recipes {
			if len(out.Recipes) < len(sw.Recipes) {
				out.Recipes = append(out.Recipes, r.String())
			}
			run, err := l.WithRecipe(r).CoCoS(ctx, -1, turns)
			if err != nil {
				return out, fmt.Errorf("lab: recipe %s, seed %d: %w", r, l.Scale.Seed, err)
			}
			out.Runs[i] = append(out.Runs[i], run)
		}
		for i, g := range sw.Gammas {
			run, err := l.WithRecipe(recipe.Released()).CoCoS(ctx, g, turns)
			if err != nil {
				return out, fmt.Errorf("lab: released γ = %g, seed %d: %w", g, l.Scale.Seed, err)
			}
			out.Gamma[i] = append(out.Gamma[i], run)
		}
	}
	return out, nil
}

// evals are runs' evaluations, one per seed.
func evals(runs []RecipeRun) [][]metrics.Trajectory {
	out := make([][]metrics.Trajectory, len(runs))
	for s, r := range runs {
		out[s] = r.Eval
	}
	return out
}

// Table is every recipe's results over seeds, turn 1 → turn 2 (and turn
// 1 → the last turn): accuracies as mean ± sd, the changes with their
// two-level bootstrap intervals.
func (rr RecipeRuns) Table(to int) []metrics.Spread {
	var out []metrics.Spread
	for i, name := range rr.Recipes {
		out = append(out, metrics.SummarizeSeeds(name, evals(rr.Runs[i]), 1, to))
	}
	return out
}

// Effect is what one recipe changes against the paper's, each a mean over
// seeds of the recipe's value minus the paper's on the same problems, with
// its 95 % two-level paired bootstrap interval.
type Effect struct {
	Recipe string
	// Acc1 is Acc@t1; Delta is Δ from turn 1 to 2; Flagged is the share of
	// problems whose turn 1 is wrong and flagged (undefined or stub);
	// Unchanged the share whose turn 2 repeats turn 1.
	Acc1, Delta, Flagged, Unchanged metrics.Difference
}

// EffectHeader names Effect's cells.
func EffectHeader() []string {
	return []string{"recipe − paper", "Acc@t1", "Δ (t1→t2)", "turn 1 flagged", "t2 = t1"}
}

// Cells are the effect's row, in percent points with intervals.
func (e Effect) Cells() []string {
	return []string{e.Recipe, e.Acc1.String(), e.Delta.String(), e.Flagged.String(), e.Unchanged.String()}
}

// Effects compares each recipe with the one named base ("paper").
func (rr RecipeRuns) Effects(base string) ([]Effect, error) {
	b := -1
	for i, name := range rr.Recipes {
		if name == base {
			b = i
		}
	}
	if b < 0 {
		return nil, fmt.Errorf("lab: no %s recipe to compare with", base)
	}
	stats := []func(metrics.Trajectory) float64{
		func(tr metrics.Trajectory) float64 { return one(tr[0].Correct()) },
		func(tr metrics.Trajectory) float64 { return one(tr[1].Correct()) - one(tr[0].Correct()) },
		func(tr metrics.Trajectory) float64 { return one(!tr[0].Correct() && len(metrics.Flags(tr, 1)) > 0) },
		func(tr metrics.Trajectory) float64 { return one(tr[1].Code == tr[0].Code) },
	}
	var out []Effect
	for i, name := range rr.Recipes {
		if i == b {
			continue
		}
		e := Effect{Recipe: name}
		for k, f := range []*metrics.Difference{&e.Acc1, &e.Delta, &e.Flagged, &e.Unchanged} {
			d, err := metrics.Bootstrap{}.Difference(perProblem(rr.Runs[b], stats[k]), perProblem(rr.Runs[i], stats[k]))
			if err != nil {
				return nil, fmt.Errorf("lab: %s against %s: %w", name, base, err)
			}
			*f = d
		}
		out = append(out, e)
	}
	return out, nil
}

func perProblem(runs []RecipeRun, f func(metrics.Trajectory) float64) [][]float64 {
	out := make([][]float64, len(runs))
	for s, r := range runs {
		out[s] = metrics.PerProblem(r.Eval, f)
	}
	return out
}

func one(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// GammaRow is the released recipe trained with one γ: the models chosen
// by the logged training reward and their results over seeds.
type GammaRow struct {
	Gamma float64
	// BestSteps and BestRewards are each seed's chosen window.
	BestSteps   []int
	BestRewards []float64
	// SameWeights reports whether every seed's final weights equal those
	// of the first γ's run with that seed (γ cancels in the gradient).
	SameWeights bool
	Spread      metrics.Spread
}

// GammaRows are the sweep's γ runs under the released recipe.
func (rr RecipeRuns) GammaRows() []GammaRow {
	var out []GammaRow
	for i, g := range rr.Gammas {
		row := GammaRow{Gamma: g, SameWeights: true,
			Spread: metrics.SummarizeSeeds(fmt.Sprintf("γ=%g", g), evals(rr.Gamma[i]), 1, 2)}
		for s, run := range rr.Gamma[i] {
			row.BestSteps, row.BestRewards = append(row.BestSteps, run.Best.Step), append(row.BestRewards, run.Best.Reward)
			row.SameWeights = row.SameWeights && run.Weights == rr.Gamma[0][s].Weights
		}
		out = append(out, row)
	}
	return out
}

// DefaultRecipes are the recipes the ablation runs at the embedded scale:
// the paper's, the released code's, and the paper with each released
// departure that can change a zero-shot CoCoS run on the suite alone.
// Three cannot, and are left out: few-shot-once (no few-shot block),
// score-first-shared (SCoRe only) and strip-tests (no suite problem's
// tests carry surrounding whitespace: TestStripTestsNoOpOnSuite).
func DefaultRecipes() []string {
	out := []string{"paper", "released"}
	for _, d := range recipe.Departures() {
		switch d.Name {
		case "few-shot-once", "score-first-shared", "strip-tests":
		default:
			out = append(out, "paper+"+d.Name)
		}
	}
	return out
}

// EffectTable renders effects as text.
func EffectTable(effects []Effect) string {
	var b strings.Builder
	h := EffectHeader()
	fmt.Fprintf(&b, "%-24s %24s %24s %24s %24s\n", h[0], h[1], h[2], h[3], h[4])
	for _, e := range effects {
		c := e.Cells()
		fmt.Fprintf(&b, "%-24s %24s %24s %24s %24s\n", c[0], c[1], c[2], c[3], c[4])
	}
	return b.String()
}

// GammaHeader names GammaRow's cells.
func GammaHeader() []string {
	return []string{"γ", "best step per seed", "logged reward there", "same weights", "Acc@t1", "Acc@t2", "Δ"}
}

// Cells are the row as tables print it.
func (g GammaRow) Cells() []string {
	steps, rewards := make([]string, len(g.BestSteps)), make([]string, len(g.BestRewards))
	for i := range g.BestSteps {
		steps[i], rewards[i] = strconv.Itoa(g.BestSteps[i]), strconv.FormatFloat(g.BestRewards[i], 'f', 2, 64)
	}
	c := g.Spread.Cells()
	return []string{strconv.FormatFloat(g.Gamma, 'g', -1, 64), strings.Join(steps, ", "), strings.Join(rewards, ", "),
		strconv.FormatBool(g.SameWeights), c[0], c[1], c[4]}
}

// GammaTable renders γ rows as text.
func GammaTable(rows []GammaRow) string {
	var b strings.Builder
	h := GammaHeader()
	fmt.Fprintf(&b, "%-5s %-20s %-22s %-6s %13s %13s %24s\n", h[0], h[1], h[2], h[3], h[4], h[5], h[6])
	for _, r := range rows {
		c := r.Cells()
		fmt.Fprintf(&b, "%-5s %-20s %-22s %-6s %13s %13s %24s\n", c[0], c[1], c[2], c[3], c[4], c[5], c[6])
	}
	return b.String()
}
