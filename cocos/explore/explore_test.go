package explore

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
)

var clampTask = data.Problem{ID: "suite/test/7", Text: "Clamp n to [3, 13].", Tests: []string{"assert clamp(1) == 3", "assert clamp(20) == 13", "assert clamp(5) == 5"}}

// rows are a problem's turns: each code judged by the outcomes given.
func rows(p data.Problem, step int64, sample int32, codes []string, outcomes [][]uint8) []trajectory.Row {
	var out []trajectory.Row
	b := prompt.Builder{}
	pr := b.First(p)
	for k, c := range codes {
		passed := 0
		for _, o := range outcomes[k] {
			if o == 0 {
				passed++
			}
		}
		out = append(out, trajectory.Row{ProblemID: p.ID, Step: step, Sample: sample, Turn: int32(k + 1), Prompt: pr, Code: c,
			Outcomes: outcomes[k], Passed: int32(passed), Total: int32(len(outcomes[k])), Reward: float64(passed) / 3, Return: 0.5,
			Advantage: 0.25, Method: "cocos"})
		pr = b.Next(p, pr, c)
	}
	return out
}

// TestExplorer: the explorer's trajectories carry the task, per-turn
// verdicts, diffs and flags; rollouts keep perStep per step and drop the
// run's periodic evaluations.
func TestExplorer(t *testing.T) {
	stub := "def clamp(n):\n    if n > 13:\n        return 3"
	fixed := "def clamp(n):\n    return max(3, min(n, 13))"
	ex := &Explorer{Family: SuiteFamilies([]data.Task{{Problem: clampTask, Family: "clamp"}})}
	ex.Evaluation("cocos", rows(clampTask, 0, 0, []string{stub, fixed, fixed}, [][]uint8{{1, 0, 1}, {0, 0, 0}, {0, 0, 0}}))
	if len(ex.Trajs) != 1 || len(ex.Tasks) != 1 || len(ex.Diagnostics) != 1 || ex.Diagnostics[0].Stub != 1 {
		t.Fatalf("%d trajectories, %d tasks, diagnostics %+v", len(ex.Trajs), len(ex.Tasks), ex.Diagnostics)
	}
	tr, task := ex.Trajs[0], ex.Tasks[0]
	if task.Text != clampTask.Text || fmt.Sprint(task.Tests) != fmt.Sprint(clampTask.Tests) || tr.Family != "clamp" || tr.Set != "suite" || tr.Advantage != nil {
		t.Errorf("task %+v, trajectory %+v", task, tr)
	}
	if fmt.Sprint(tr.Turns[0].Flags) != "[stub]" || fmt.Sprint(tr.Turns[2].Flags) != "[unchanged]" || fmt.Sprint(tr.Turns[1].Outcomes) != "[0 0 0]" {
		t.Errorf("turns %+v", tr.Turns)
	}
	want := " def clamp(n):\n-    if n > 13:\n-        return 3\n+    return max(3, min(n, 13))\n"
	if !strings.HasPrefix(tr.Turns[1].Prompt, prompt.Instruction) || tr.Turns[1].Whole || task.Prompt != (prompt.Builder{}).First(clampTask) {
		t.Errorf("turn 2's prompt adds %q", tr.Turns[1].Prompt)
	}
	if tr.Turns[1].Diff != want || tr.Turns[2].Diff != "" {
		t.Errorf("diff of turn 2:\n%s\nwant\n%s", tr.Turns[1].Diff, want)
	}
	var rl []trajectory.Row
	for step := int64(1); step <= 3; step++ {
		for s := range int32(3) {
			rl = append(rl, rows(clampTask, step, s, []string{stub, fixed}, [][]uint8{{1, 1, 1}, {0, 0, 0}})...)
		}
	}
	periodic := rows(clampTask, 2, 0, []string{fixed, fixed}, [][]uint8{{0, 0, 0}, {0, 0, 0}})
	for i := range periodic {
		periodic[i].Method = "eval"
	}
	ro := &Explorer{}
	ro.Rollouts("cocos", append(rl, periodic...), 2)
	if len(ro.Trajs) != 6 || ro.Trajs[0].Kind != "rollout" || ro.Trajs[5].Step != 3 || ro.Trajs[1].Sample != 1 || *ro.Trajs[0].Advantage != 0.25 {
		t.Errorf("rollouts: %d kept, first %+v", len(ro.Trajs), ro.Trajs[0])
	}
	if fam := SuiteFamilies([]data.Task{{Problem: clampTask, Family: "clamp"}})(clampTask.ID, "assert other(1) == 2"); fam != "" {
		t.Errorf("a problem whose tests differ got family %q", fam)
	}
}

func TestLink(t *testing.T) {
	got := Link("explorer.html", Filter{Method: "cocos", Transition: "c→i", Pair: 2})
	if got != "explorer.html#method=cocos&pair=2&transition=c%E2%86%92i" {
		t.Errorf("Link = %s", got)
	}
}

// TestExplorerPage: the page inlines its data so that a "</script>" in a
// program cannot end the data block, and a notebook frame escapes it.
func TestExplorerPage(t *testing.T) {
	ex := &Explorer{Title: "t"}
	ex.Evaluation("m", rows(clampTask, 0, 0, []string{"s = '</script><b>'", "x"}, [][]uint8{{1, 1, 1}, {1, 1, 1}}))
	var b strings.Builder
	if err := ex.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "</script>") != 2 {
		t.Errorf("a program's </script> reached the page")
	}
	h, err := ex.HTML(500)
	if err != nil || !strings.HasPrefix(h, `<iframe srcdoc="`) || strings.Contains(h, "<script") {
		t.Errorf("iframe: %v %.80s", err, h)
	}
}

// large is an explorer of problems × turns of one evaluation, with code
// of realistic length that changes between turns.
func large(problems, turns int) (*Explorer, int) {
	ex := &Explorer{Title: fmt.Sprintf("%d problems × %d turns", problems, turns)}
	iToC := 0
	for p := range problems {
		task := data.Problem{ID: fmt.Sprintf("mbpp/%d", p), Text: strings.Repeat("Write a function. ", 8),
			Tests: []string{fmt.Sprintf("assert f%d(1) == 2", p), fmt.Sprintf("assert f%d(2) == 3", p), fmt.Sprintf("assert f%d(3) == 4", p)}}
		var codes []string
		var outs [][]uint8
		for k := range turns {
			codes = append(codes, fmt.Sprintf("def f%d(n):\n%s    return n + %d\n", p, strings.Repeat(fmt.Sprintf("    x = n * %d\n", k), 12), (p+k)%3))
			ok := uint8((p + k) % 3 / 2)
			outs = append(outs, []uint8{1 - ok, 1 - ok, 0})
		}
		if outs[0][0] != 0 && outs[1][0] == 0 {
			iToC++
		}
		ex.Evaluation("cocos", rows(task, 0, 0, codes, outs))
	}
	return ex, iToC
}

// TestExplorerLargeInChromium: the explorer of 500 problems × 5 turns,
// opened in headless Chromium with no network, is ready within 10 s and
// filters to the count the rows hold.
func TestExplorerLargeInChromium(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join("..", "..", "tools", "node", "explorer_test.mjs"))
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "playwright-core")); err != nil {
		t.Fatalf("npm playwright-core is not installed: run `make setup` (%v)", err)
	}
	ex, iToC := large(500, 5)
	path := filepath.Join(t.TempDir(), "explorer.html")
	if err := ex.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	start := time.Now()
	out, err := exec.Command("node", script, path, `[{"hash":""},{"select":{"f-transition":"i→c"}},{"search":"f49("}]`).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var seen struct {
		Errors []string
		Steps  []struct {
			Count  int
			LoadMs float64
			Ms     float64
		}
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("%.1f MB; ready %.0f ms after navigation, filter %.0f ms, search %.0f ms (browser start included: %v)",
		float64(info.Size())/1e6, seen.Steps[0].LoadMs, seen.Steps[1].Ms, seen.Steps[2].Ms, time.Since(start).Round(time.Millisecond))
	if len(seen.Errors) > 0 || seen.Steps[0].Count != 500 || seen.Steps[1].Count != iToC || seen.Steps[2].Count < 1 {
		t.Errorf("errors %v; counts %+v, want 500, %d, ≥1", seen.Errors, seen.Steps, iToC)
	}
	if seen.Steps[0].LoadMs > 10_000 {
		t.Errorf("the explorer took %.0f ms to be ready, more than 10 s", seen.Steps[0].LoadMs)
	}
}
