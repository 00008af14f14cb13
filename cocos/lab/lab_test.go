package lab

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// tiny is the embedded scale cut to a few steps and problems.
func tiny() Scale {
	s := Embedded()
	s.Name = "tiny"
	s.Model = tinytest.Config(s.Model.VocabSize, 16, 1)
	s.SFT.Steps, s.SFT.Batch, s.SFT.Warmup = 2, 2, 0
	s.RL.Steps, s.RL.Batch = 1, 2
	s.MaxNewTokens, s.EvalProblems, s.Turns = 8, 3, 2
	return s
}

// TestRunsAreKept: a lab trains the boost model and an RL run once; asking
// again returns the same directories without training, and an evaluation
// is read back from its Arrow rows unless its settings change.
func TestRunsAreKept(t *testing.T) {
	t.Setenv("COCOS_RUNS", t.TempDir())
	l, err := Open(tiny())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Log = nil
	ctx := context.Background()
	boost, err := l.Boost(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rlDir, err := l.RL(ctx, "cocos", train.CoCoS, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(rlDir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.RL(ctx, "cocos", train.CoCoS, "", func(*train.RLConfig) { t.Error("a finished run was configured again") })
	if err != nil || again != rlDir {
		t.Fatalf("second RL: %q, %v", again, err)
	}
	if st2, _ := os.Stat(rlDir); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("a finished run was written again")
	}
	e := Evaluation{Model: boost}
	first, err := l.Eval(ctx, "boost", e)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 3 || len(first[0]) != 2 {
		t.Fatalf("got %d trajectories of %d turns, want 3 of 2", len(first), len(first[0]))
	}
	l.Judge.Close() // a cached evaluation needs no judge
	back, err := l.Eval(ctx, "boost", e)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, back) {
		t.Errorf("read back %v, evaluated %v", back, first)
	}
	if _, err := l.Eval(ctx, "boost", Evaluation{Model: boost, Turns: 3}); err == nil {
		t.Error("changed settings were served from the cache")
	}
}

// TestBoostFromAttempts: with BoostAttempts the boost first trains on
// 1-turn examples (boost-turn1), keeps that model's sampled programs with
// their verdicts, and trains the boost from it.
func TestBoostFromAttempts(t *testing.T) {
	t.Setenv("COCOS_RUNS", t.TempDir())
	s := tiny()
	s.SFT.Steps, s.BoostAttempts, s.BoostCopies, s.BoostTurns = 4, 5, true, 3
	l, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Log = nil
	if _, err := l.Boost(context.Background()); err != nil {
		t.Fatal(err)
	}
	var attempts map[string]data.Attempt
	raw, err := os.ReadFile(l.Path("boost-turn1", "attempts.json"))
	if err != nil || json.Unmarshal(raw, &attempts) != nil || len(attempts) != 5 {
		t.Fatalf("attempts.json: %d attempts, %v", len(attempts), err)
	}
	for run, steps := range map[string]int{"boost-turn1": 2, "boost": 2} {
		if n := countLines(t, l.Path(run, "progress.jsonl")); n < steps {
			t.Errorf("%s: %d progress lines, want ≥ %d steps", run, n, steps)
		}
	}
}

func countLines(t *testing.T, path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(raw), "\n")
}

// TestEvalSplit: the validation split is where configurations are chosen;
// it shares no problem with the test split, and an unknown split is an
// error naming the field.
func TestEvalSplit(t *testing.T) {
	t.Setenv("COCOS_RUNS", t.TempDir())
	test, val := tiny(), tiny()
	val.EvalSplit = "validation"
	lt, err := Open(test)
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	lv, err := Open(val)
	if err != nil {
		t.Fatal(err)
	}
	defer lv.Close()
	seen := map[string]bool{}
	for _, p := range lt.Test {
		seen[p.Text+p.Tests[0]] = true
		if p.Split != "test" {
			t.Errorf("%s in Test at EvalSplit \"\"", p.Split)
		}
	}
	for _, p := range lv.Test {
		if p.Split != "validation" || seen[p.Text+p.Tests[0]] {
			t.Errorf("validation problem %s (split %s) also in test", p.ID, p.Split)
		}
	}
	bad := tiny()
	bad.EvalSplit = "train"
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "EvalSplit") {
		t.Errorf("EvalSplit train: %v", err)
	}
}

// TestReduced: COCOS_SCALE=reduced shrinks a scale into its own runs.
func TestReduced(t *testing.T) {
	t.Setenv("COCOS_SCALE", "")
	if s := FromEnv(Embedded()); !reflect.DeepEqual(s, Embedded()) {
		t.Error("FromEnv changed the scale without COCOS_SCALE")
	}
	t.Setenv("COCOS_SCALE", "reduced")
	s := FromEnv(Embedded())
	if s.Name != "embedded-reduced" || s.SFT.Steps >= Embedded().SFT.Steps || s.RL.Steps >= Embedded().RL.Steps {
		t.Errorf("reduced scale %s: %d SFT, %d RL steps", s.Name, s.SFT.Steps, s.RL.Steps)
	}
}

// TestRecipeLabs: a lab's recipe puts its runs in recipe/NAME beside the
// paper's while the boost models stay shared, one per EOS choice: the
// released recipe trains "boost-no-eos" and its CoCoS run records the
// recipe; a recipe that keeps EOS reuses the paper's boost.
func TestRecipeLabs(t *testing.T) {
	root := t.TempDir()
	s := tiny()
	s.Recipe = recipe.Released()
	l, err := OpenDir(s, root)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Log = nil
	ctx := context.Background()
	boost, err := l.Boost(ctx)
	if err != nil || boost != filepath.Join(root, "boost-no-eos", "model") {
		t.Fatalf("released boost %q, %v", boost, err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "boost-no-eos", "recipe.json")); err != nil || !strings.Contains(string(b), `"boost_eos": false`) {
		t.Errorf("boost-no-eos/recipe.json: %s %v", b, err)
	}
	best, err := l.RL(ctx, "cocos", train.CoCoS, "", nil)
	if err != nil || best != filepath.Join(root, "recipe", "released", "cocos", "best") {
		t.Fatalf("released run %q, %v", best, err)
	}
	b, err := os.ReadFile(filepath.Join(root, "recipe", "released", "cocos", "recipe.json"))
	if err != nil || !strings.Contains(string(b), `"rl_mode": "turn2"`) {
		t.Errorf("recipe.json: %s %v", b, err)
	}
	budget, err := recipe.Parse("paper+budget")
	if err != nil {
		t.Fatal(err)
	}
	lb := l.WithRecipe(budget)
	if lb.Dir != filepath.Join(root, "recipe", "paper+budget") || lb.Scale.Recipe.String() != "paper+budget" {
		t.Errorf("paper+budget lab in %s", lb.Dir)
	}
	if got, err := lb.Boost(ctx); err != nil || got != filepath.Join(root, "boost", "model") {
		t.Errorf("paper+budget boost %q, %v", got, err)
	}
	if _, err := lb.Eval(ctx, "boost", Evaluation{Model: boost, Turns: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(lb.Dir, "eval", "boost", "done.json")); err != nil {
		t.Errorf("the recipe's evaluation is not in its directory: %v", err)
	}
}

// TestStripTestsNoOpOnSuite: no suite problem's tests carry surrounding
// whitespace, so the strip-tests departure writes the paper's prompts
// byte for byte there (DefaultRecipes leaves it out for that reason).
func TestStripTestsNoOpOnSuite(t *testing.T) {
	strip, err := recipe.Parse("paper+strip-tests")
	if err != nil {
		t.Fatal(err)
	}
	b, p := strip.Prompts(prompt.Builder{}), prompt.Builder{}
	for _, tk := range data.Suite(data.SuiteConfig{}) {
		if b.First(tk.Problem) != p.First(tk.Problem) {
			t.Fatalf("%s: stripping changes the prompt", tk.Problem.ID)
		}
	}
}
