package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/tinytest"
	"github.com/cocos-go/cocos/sandbox"
)

// fixture is the suite, its tokenizer and a one-worker judge.
type fixture struct {
	tasks []data.Task
	tok   *tokenizer.Tokenizer
	judge *sandbox.Executor
}

func newFixture(t *testing.T) fixture {
	tasks := data.Suite(data.SuiteConfig{Train: 24, Test: 4})
	return fixture{tasks: tasks, tok: tinytest.Tokenizer(t, tasks, 400), judge: tinytest.Judge(t)}
}

func (f fixture) model(t *testing.T, seed uint64) *model.Model {
	return tinytest.Model(t, tinytest.Config(f.tok.VocabSize(), 32, 1), seed, 0.1)
}

func (f fixture) eval() *Eval {
	return &Eval{Runner: evaluate.Runner{Judge: f.judge, Generate: model.GenerateConfig{MaxNewTokens: 8, StopTokens: []int{f.tok.EOS}}},
		Problems: data.SuiteProblems(f.tasks, "test")[:2]}
}

// stopAfter returns a context cancelled by OnStep once step n is done: the
// run stops as a killed one would, between checkpoints.
func stopAfter(n int) (context.Context, func(Progress)) {
	ctx, cancel := context.WithCancel(context.Background())
	return ctx, func(p Progress) {
		if p.Step == n {
			cancel()
		}
	}
}

func exists(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing %s", p)
		}
	}
}

// TestSFTResume: boost SFT with micro-batches, stopped after step 3 of 4
// (checkpoint at 2) and run again with the same configuration, ends with
// the weights of an uninterrupted run, and both write checkpoints, the
// exported model and the final evaluation's trajectories.
func TestSFTResume(t *testing.T) {
	f := newFixture(t)
	examples := sft.BoostExamples(data.TwoTurnFromSuite(data.SuiteSplit(f.tasks, "train"))[:16], prompt.Builder{}, 1)
	config := func(dir string, onStep func(Progress)) SFTConfig {
		return SFTConfig{Steps: 4, Batch: 4, MicroBatch: 2, LR: 3e-3, MaxLen: 512, Eval: f.eval(),
			Run: RunConfig{Dir: dir, SaveEvery: 2, OnStep: onStep}}
	}
	whole := f.model(t, 1)
	var losses []float64
	sum, err := (&SFT{Model: whole, Tokenizer: f.tok, Examples: examples,
		Config: config(filepath.Join(t.TempDir(), "whole"), func(p Progress) { losses = append(losses, p.Loss) })}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 4 || len(losses) != 4 {
		t.Fatalf("summary %+v, %d progress reports", sum, len(losses))
	}
	t.Logf("SFT losses %.3f", losses)
	dir := filepath.Join(t.TempDir(), "resumed")
	ctx, onStep := stopAfter(3)
	if _, err := (&SFT{Model: f.model(t, 1), Tokenizer: f.tok, Examples: examples, Config: config(dir, onStep)}).Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	resumed := f.model(t, 7) // other weights: the checkpoint must replace them
	sum, err = (&SFT{Model: resumed, Tokenizer: f.tok, Examples: examples, Config: config(dir, nil)}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != 2 || sum.Steps != 4 {
		t.Errorf("resumed run: %+v, want resumed from step 2", sum)
	}
	tinytest.SameWeights(t, whole, resumed)
	exists(t, filepath.Join(dir, "checkpoints", "step-00000002"), filepath.Join(dir, "checkpoints", "step-00000004"),
		filepath.Join(dir, "model", "model.safetensors"), filepath.Join(dir, "model", "tokenizer.json"))
	rows, err := trajectory.ReadRows(filepath.Join(dir, "trajectories"))
	if err != nil || len(rows) != 4 || rows[0].Step != 4 || rows[0].Method != "eval" {
		t.Errorf("evaluation trajectories: %d rows, %v", len(rows), err)
	}
	progress, err := ReadProgress(dir)
	if err != nil || len(progress) != 4 || progress[3].Step != 4 || progress[2].Resumed != 2 {
		t.Errorf("progress log: %+v, %v; want steps 1-4 once each, step 3 from the resumed run", progress, err)
	}
	if _, err := model.Load(resumed.Backend, filepath.Join(dir, "model")); err != nil {
		t.Errorf("exported model does not load: %v", err)
	}
}

// rlConfig is a two-prompt, two-sample RL run of steps steps.
func rlConfig(t *testing.T, method string, mode rl.Mode, dir string, steps int) RLConfig {
	rc, kind, err := MethodConfig(method, rl.RLOOConfig{Mode: mode, K: 2, Batch: 2, Steps: steps, LR: 1e-3}, recipe.Paper())
	if err != nil {
		t.Fatal(err)
	}
	return RLConfig{Method: method, RLOO: rc, Reward: kind, MaxNewTokens: 12, Run: RunConfig{Dir: dir, SaveEvery: 2}}
}

// TestRLMethods: a short run of each RL trainer writes checkpoints, the
// best-reward and final models, and one row per sample and turn labelled
// with its method and mode.
func TestRLMethods(t *testing.T) {
	f := newFixture(t)
	problems := data.SuiteProblems(f.tasks, "train")[:6]
	for _, c := range []struct {
		method string
		mode   rl.Mode
	}{{CoCoS, rl.Trajectory}, {CoCoS, rl.Turn2}, {SCoRe1, 0}, {SCoRe2, 0}, {TurnRL, 0}} {
		t.Run(fmt.Sprintf("%s-%v", c.method, c.mode), func(t *testing.T) {
			dir := t.TempDir()
			cfg := rlConfig(t, c.method, c.mode, dir, 2)
			job := &RL{Policy: f.model(t, 1), Reference: f.model(t, 1), Tokenizer: f.tok, Judge: f.judge,
				Problems: problems, Model: "tiny-test", Config: cfg}
			sum, err := job.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			exists(t, filepath.Join(dir, "checkpoints", "step-00000002"), filepath.Join(dir, "best", "config.json"),
				filepath.Join(dir, "model", "model.safetensors"))
			rows, err := trajectory.ReadRows(filepath.Join(dir, "trajectories"))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2*2*2*2 {
				t.Fatalf("%d rows, want steps·prompts·k·turns = 16", len(rows))
			}
			for _, r := range rows {
				if r.Method != c.method || r.Mode != cfg.RLOO.Mode.String() || r.Model != "tiny-test" || r.Total == 0 {
					t.Fatalf("row %+v", r)
				}
			}
			t.Logf("best mean reward %.3f at step %d", sum.BestReward, sum.BestStep)
			if c.method == TurnRL {
				exists(t, filepath.Join(dir, "turn1.json"))
				checkFixedTurn1(t, dir, rows)
			}
		})
	}
}

// checkFixedTurn1: every Turn-RL turn-1 row is the pre-sampled response.
func checkFixedTurn1(t *testing.T, dir string, rows []trajectory.Row) {
	fixed, err := (&RL{}).fixedTurn1(RLConfig{Run: RunConfig{Dir: dir}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Turn == 1 && r.Response != fixed[r.ProblemID] {
			t.Errorf("%s: turn 1 %q is not the fixed %q", r.ProblemID, r.Response, fixed[r.ProblemID])
		}
	}
}

// TestRLResume: a CoCoS run stopped after step 3 of 4 (checkpoint at 2)
// and run again reaches the uninterrupted run's weights, and its
// trajectories read back as the uninterrupted run's: step 3, written twice,
// is read once.
func TestRLResume(t *testing.T) {
	f := newFixture(t)
	problems := data.SuiteProblems(f.tasks, "train")[:6]
	run := func(ctx context.Context, dir string, policy *model.Model, onStep func(Progress)) (Summary, error) {
		cfg := rlConfig(t, CoCoS, rl.Trajectory, dir, 4)
		cfg.Run.OnStep, cfg.Run.ID = onStep, "run"
		// A reference other than the policy: with a random policy every
		// reward is 0, and the KL term alone makes the advantages (and so the
		// updates) non-zero.
		return (&RL{Policy: policy, Reference: f.model(t, 2), Tokenizer: f.tok, Judge: f.judge, Problems: problems, Config: cfg}).Run(ctx)
	}
	whole, wholeDir := f.model(t, 1), t.TempDir()
	if _, err := run(context.Background(), wholeDir, whole, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, onStep := stopAfter(3)
	if _, err := run(ctx, dir, f.model(t, 1), onStep); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	resumed := f.model(t, 9)
	if sum, err := run(context.Background(), dir, resumed, nil); err != nil || sum.Resumed != 2 {
		t.Fatalf("resume: %+v %v", sum, err)
	}
	tinytest.SameWeights(t, whole, resumed)
	if w0, w4 := weightsOf(t, f.model(t, 1)), weightsOf(t, whole); w0 == w4 {
		t.Fatal("RL left the weights unchanged: the comparison cannot see a resume that loses steps")
	}
	a, errA := trajectory.ReadRows(filepath.Join(wholeDir, "trajectories"))
	b, errB := trajectory.ReadRows(filepath.Join(dir, "trajectories"))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if ka, kb := rowKeys(a), rowKeys(b); fmt.Sprint(ka) != fmt.Sprint(kb) {
		t.Errorf("trajectories differ:\nuninterrupted %v\nresumed       %v", ka, kb)
	}
}

// rowKeys lists rows as step/problem/sample/turn/response, sorted.
func rowKeys(rows []trajectory.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%d/%s/%d/%d/%q", r.Step, r.ProblemID, r.Sample, r.Turn, r.Response))
	}
	sort.Strings(out)
	return out
}

// weightsOf is a fingerprint of a model's weights.
func weightsOf(t *testing.T, m *model.Model) string {
	ws, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, x := range ws {
		for i, v := range x.Data {
			sum += float64(v) * float64(i%7+1)
		}
	}
	return fmt.Sprintf("%.9g", sum)
}

// TestReleasedRecipe: under the released recipe CoCoS trains turn 2 on a
// shared turn 1, so one RLOO step with γ = 0 and one with γ = 2, from the
// same weights and seed, reach bit-identical parameters (γ·r_1 cancels in
// the leave-one-out baseline) while the logged reward differs wherever a
// turn 1 scored; the run records its recipe; SCoRe stage I runs in its
// released first-shared mode on the raw-count-free binary reward.
func TestReleasedRecipe(t *testing.T) {
	f := newFixture(t)
	problems := data.SuiteProblems(f.tasks, "train")[:6]
	rec := recipe.Released()
	var models []*model.Model
	var rewards []float64
	var turn1 float64
	for _, gamma := range []float64{0, 2} {
		dir := t.TempDir()
		rc, kind, err := MethodConfig(CoCoS, rl.RLOOConfig{K: 2, Batch: 2, Steps: 1, LR: 1e-2, Gamma: gamma, NoGamma: gamma == 0}, rec)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Mode != rl.Turn2 || !rc.Budget || rc.TopK != 50 || rc.OldLogProbs != rl.SampledLogProbs || rc.Clip != 0.2 || kind != reward.PassedCount {
			t.Fatalf("released CoCoS settings: %+v, reward %v", rc, kind)
		}
		policy := f.model(t, 1)
		job := &RL{Policy: policy, Reference: f.model(t, 2), Tokenizer: f.tok, Judge: f.judge, Problems: problems, Model: "tiny-test",
			Config: RLConfig{Method: CoCoS, Recipe: rec, RLOO: rc, Reward: kind, MaxNewTokens: 12, Run: RunConfig{Dir: dir, SaveEvery: 1}}}
		if _, err := job.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		models = append(models, policy)
		ps, err := ReadProgress(dir)
		if err != nil || len(ps) != 1 {
			t.Fatalf("progress: %v %v", ps, err)
		}
		rewards = append(rewards, ps[0].Reward)
		rows, err := trajectory.ReadRows(filepath.Join(dir, "trajectories"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Turn == 1 {
				turn1 += r.Reward
			}
			if r.Turn == 2 && len(r.Response) == 0 {
				t.Errorf("empty turn-2 response under a fixed budget")
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "recipe.json"))
		if err != nil || !strings.Contains(string(b), `"recipe": "released"`) && !strings.Contains(string(b), `"recipe":"released"`) {
			t.Errorf("recipe.json: %s %v", b, err)
		}
	}
	tinytest.SameWeights(t, models[0], models[1])
	if turn1 != 0 && rewards[0] == rewards[1] {
		t.Errorf("γ = 0 and γ = 2 logged the same reward %g although turn 1 scored", rewards[0])
	}
	t.Logf("logged reward γ=0 %.3f, γ=2 %.3f (turn-1 rewards sum %.1f)", rewards[0], rewards[1], turn1)
	rc, kind, err := MethodConfig(SCoRe1, rl.RLOOConfig{K: 2, Batch: 2, Steps: 1, LR: 1e-3}, rec)
	if err != nil || rc.Mode != rl.FirstShared || kind != reward.Binary {
		t.Fatalf("released SCoRe stage I: %+v %v %v", rc, kind, err)
	}
	job := &RL{Policy: f.model(t, 1), Reference: f.model(t, 1), Tokenizer: f.tok, Judge: f.judge, Problems: problems,
		Config: RLConfig{Method: SCoRe1, Recipe: rec, RLOO: rc, Reward: kind, MaxNewTokens: 8, Run: RunConfig{Dir: t.TempDir()}}}
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
