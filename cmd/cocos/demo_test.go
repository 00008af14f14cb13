package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	for _, want := range []string{"Acc@t1", "boost", "turn-rl", "cocos", "report: run/report.html", "Turn 1 → turn 3", "Acc@t3"} {
		if !strings.Contains(first, want) {
			t.Errorf("output lacks %q:\n%s", want, first)
		}
	}
	run := filepath.Join(dir, "run")
	for _, p := range []string{"report.html", "boost/checkpoints", "boost/model/model.safetensors", "cocos/best/config.json",
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
	again := cocos(t, bin, dir, "demo", "--reduced", "--dir", "run", "--quiet")
	if tables(first) != tables(again) {
		t.Errorf("the resumed demo printed other results:\n%s\n---\n%s", first, again)
	}
}

// tables is the part of the demo's output before the wall times.
func tables(out string) string { return out[:strings.Index(out, "wall time")] }
