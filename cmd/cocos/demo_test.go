package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/data/trajectory"
)

// TestReducedDemo is CI's run of the demo: `cocos demo --reduced` takes the
// default's code path with fewer steps and problems, prints the tables and
// writes checkpoints, trajectories and a report; run again, it resumes
// every stage from the directory and prints the same tables.
func TestReducedDemo(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	first := cocos(t, bin, dir, "demo", "--reduced", "--dir", "run", "--quiet")
	// The last table compares turns 1 and 3 and says so in its header.
	for _, want := range []string{"Acc@t1", "boost", "turn-rl", "cocos", "report: run/report.html", "Turn 1 → turn 3", "Acc@t3",
		"Diagnostics (%)", "undefined", "explorer: run/explorer.html"} {
		if !strings.Contains(first, want) {
			t.Errorf("output lacks %q:\n%s", want, first)
		}
	}
	run := filepath.Join(dir, "run")
	for _, p := range []string{"report.html", "explorer.html", "eval/cocos/diagnostics.json", "boost/checkpoints", "boost/model/model.safetensors", "cocos/best/config.json",
		"turn-rl/turn1.json", "cocos/progress.jsonl"} {
		if _, err := os.Stat(filepath.Join(run, p)); err != nil {
			t.Errorf("missing %s", p)
		}
	}
	for _, m := range []string{"boost", "turn-rl", "cocos"} {
		rows, err := trajectory.ReadRows(filepath.Join(run, "eval", m))
		if err != nil || len(rows) != 8*3 {
			t.Errorf("eval/%s: %d rows (%v), want 8 problems × 3 turns", m, len(rows), err)
		}
	}
	if rows, err := trajectory.ReadRows(filepath.Join(run, "cocos", "trajectories")); err != nil || len(rows) != 2*2*2*2 {
		t.Errorf("cocos training trajectories: %d rows (%v), want 2 steps × 2 prompts × 2 samples × 2 turns", len(rows), err)
	}
	html, _ := os.ReadFile(filepath.Join(run, "report.html"))
	if !strings.Contains(string(html), "<title>CoCoS on the built-in suite: boost, Turn-RL and CoCoS (") {
		t.Error("report title does not say what it shows")
	}
	if n := strings.Count(string(html), "echarts.init("); n < 8 {
		t.Errorf("report has %d charts", n)
	}
	if !strings.Contains(string(html), `href="explorer.html#kind=eval&amp;method=cocos&amp;transition=c%E2%86%92i"`) {
		t.Error("the report's Δc→i cell does not link to the explorer")
	}
	for _, want := range []string{"cocos: paper; turn-rl: paper", "Trajectories trained as two sequences"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the report does not show %q (the runs' recipes and the split share)", want)
		}
	}
	checkExplorer(t, run)
	again := cocos(t, bin, dir, "demo", "--reduced", "--dir", "run", "--quiet")
	if tables(first) != tables(again) {
		t.Errorf("the resumed demo printed other results:\n%s\n---\n%s", first, again)
	}
}

// tables is the part of the demo's output before the wall times.
func tables(out string) string { return out[:strings.Index(out, "wall time")] }

// checkExplorer opens the demo's explorer in headless Chromium with no
// network, filters it as a reader would, and checks each count it shows
// against the same count taken from the Arrow rows.
func checkExplorer(t *testing.T, run string) {
	t.Helper()
	rows, err := trajectory.ReadRows(filepath.Join(run, "eval", "cocos"))
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string][]bool{} // per problem, correct per turn
	for _, r := range rows {
		for len(ok[r.ProblemID]) < int(r.Turn) {
			ok[r.ProblemID] = append(ok[r.ProblemID], false)
		}
		ok[r.ProblemID][r.Turn-1] = r.Total > 0 && r.Passed == r.Total
	}
	transitions := func(a, b int, okA, okB bool) int {
		n := 0
		for _, turns := range ok {
			if turns[a-1] == okA && turns[b-1] == okB {
				n++
			}
		}
		return n
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", "tools", "node", "explorer_test.mjs"))
	steps := `[{"hash":"method=cocos&kind=eval&transition=c→i"},{"select":{"f-transition":"i→i"}},{"select":{"f-pair":"2","f-transition":"c→c"}},{"select":{"f-transition":""}},{"clickDiag":"cocos stub"}]`
	out, err := exec.Command("node", script, filepath.Join(run, "explorer.html"), steps).Output()
	if err != nil {
		t.Fatalf("node explorer_test.mjs: %v\n%s", err, out)
	}
	var seen struct {
		Blocked, Errors []string
		Steps           []struct{ Count int }
		Detail          string
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var diag metrics.Diagnostics // what the evaluation stored beside its rows
	if b, err := os.ReadFile(filepath.Join(run, "eval", "cocos", "diagnostics.json")); err != nil || json.Unmarshal(b, &diag) != nil {
		t.Fatalf("eval/cocos/diagnostics.json: %v", err)
	}
	want := []int{transitions(1, 2, true, false), transitions(1, 2, false, false), transitions(2, 3, true, true), len(ok),
		int(math.Round(diag.Stub * float64(diag.Wrong1)))}
	for i, s := range seen.Steps {
		if s.Count != want[i] {
			t.Errorf("explorer step %d shows %d trajectories, the Arrow rows have %d", i, s.Count, want[i])
		}
	}
	if len(seen.Steps) != len(want) || len(seen.Blocked) > 0 || len(seen.Errors) > 0 || !strings.Contains(seen.Detail, "Turn 1:") {
		t.Errorf("explorer: %d steps, requests %v, errors %v, detail %q", len(seen.Steps), seen.Blocked, seen.Errors, seen.Detail)
	}
}
