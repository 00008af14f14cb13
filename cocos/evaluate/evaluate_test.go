package evaluate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// TestRunThreeTurns drives the whole loop with a tiny random model on suite
// problems: prompts chain turn to turn, every turn is judged, metrics and
// Arrow rows come out, and the rows survive a write and read.
func TestRunThreeTurns(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 4})
	tok := tinytest.Tokenizer(t, tasks, 400)
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 1), 1, 0.5)
	judge := tinytest.Judge(t)
	ps := data.SuiteProblems(tasks, "test")
	r := &Runner{Model: m, Tokenizer: tok, Judge: judge, Generate: model.GenerateConfig{MaxNewTokens: 8, StopTokens: []int{tok.EOS}},
		RunID: "test", ModelID: "random", Method: "eval"}
	res, err := r.Run(context.Background(), ps, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trajectories) != len(ps) || len(res.Rows) != 3*len(ps) {
		t.Fatalf("%d trajectories, %d rows", len(res.Trajectories), len(res.Rows))
	}
	byProblem := map[string][]trajectory.Row{}
	for _, row := range res.Rows {
		byProblem[row.ProblemID] = append(byProblem[row.ProblemID], row)
	}
	for id, rows := range byProblem {
		if !math.IsNaN(rows[0].EditRatio) || math.IsNaN(rows[1].EditRatio) {
			t.Errorf("%s: edit ratio must be null on turn 1 only", id)
		}
		for k := 1; k < 3; k++ {
			want := rows[k-1].Prompt + rows[k-1].Code + "\n[DONE]" + prompt.Instruction + "[CORRECT]\n"
			if rows[k].Prompt != want {
				t.Errorf("%s turn %d prompt does not continue turn %d", id, k+1, k)
			}
		}
		if rows[0].Total != 3 || !strings.HasPrefix(rows[0].Prompt, "You are an expert Python programmer") {
			t.Errorf("%s: %+v", id, rows[0])
		}
	}
	_ = metrics.Table([]metrics.Row{metrics.Summarize("random", res.Trajectories, 1, 2)})
	path := filepath.Join(t.TempDir(), "eval.arrows")
	w, _ := trajectory.Create(path)
	w.Write(res.Rows...)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	back, err := trajectory.ReadRows(path)
	if err != nil || len(back) != len(res.Rows) || back[5].Code != res.Rows[5].Code {
		t.Errorf("Arrow round trip: %d rows, %v", len(back), err)
	}
	rebuilt := Trajectories(back)
	if fmt.Sprint(rebuilt) != fmt.Sprint(res.Trajectories) {
		t.Errorf("trajectories rebuilt from rows differ:\n%v\n%v", rebuilt, res.Trajectories)
	}
}

// TestRunKeepsFinishedBatches: when the next-turn step fails (a teacher
// that died) in the second batch, Run returns the error with the first
// batch's trajectories and rows.
func TestRunKeepsFinishedBatches(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 4})
	tok := tinytest.Tokenizer(t, tasks, 400)
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 1), 1, 0.5)
	judge := tinytest.Judge(t)
	calls := 0
	r := &Runner{Model: m, Tokenizer: tok, Judge: judge, Batch: 2, Generate: model.GenerateConfig{MaxNewTokens: 4},
		Next: func(_ context.Context, ps []data.Problem, prompts, codes []string) ([]string, error) {
			if calls++; calls == 2 {
				return nil, fmt.Errorf("teacher gone")
			}
			return prompts, nil
		}}
	res, err := r.Run(context.Background(), data.SuiteProblems(tasks, "test"), 2)
	if err == nil || !strings.Contains(err.Error(), "teacher gone") {
		t.Fatalf("want the teacher's error, got %v", err)
	}
	if len(res.Trajectories) != 2 || len(res.Rows) != 4 {
		t.Errorf("kept %d trajectories and %d rows, want the first batch's 2 and 4", len(res.Trajectories), len(res.Rows))
	}
}

// TestRunPastContext: a turn whose prompt plus budget exceeds the model's
// context fails the evaluation with an error naming the problem and both
// numbers, rather than generating past the positions the model knows.
func TestRunPastContext(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 4})
	tok := tinytest.Tokenizer(t, tasks, 400)
	ps := data.SuiteProblems(tasks, "test")[:2]
	const maxNew = 8
	longest := 0 // turn 1 fits exactly; turn 2, its prompt longer, does not
	for _, p := range ps {
		ids, err := tok.Encode(prompt.Builder{}.First(p))
		if err != nil {
			t.Fatal(err)
		}
		longest = max(longest, len(ids))
	}
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	cfg.MaxPositionEmbeddings = longest + maxNew
	r := &Runner{Model: tinytest.Model(t, cfg, 1, 0.5), Tokenizer: tok, Judge: tinytest.Judge(t),
		Generate: model.GenerateConfig{MaxNewTokens: maxNew}}
	res, err := r.Run(context.Background(), ps, 2)
	var ce *model.ContextError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *model.ContextError", err)
	}
	for _, want := range []string{"turn 2", "problem " + ps[ce.Row].ID, fmt.Sprint(ce.PromptTokens), fmt.Sprint(cfg.MaxPositionEmbeddings)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if len(res.Rows) != 0 {
		t.Errorf("%d rows of a batch that failed", len(res.Rows))
	}
}
