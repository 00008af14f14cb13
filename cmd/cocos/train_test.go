package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// cocos runs the command in dir and returns its stdout.
func cocos(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cocos %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// TestTrainCommands: a short `cocos train` of each trainer, from a model
// `cocos init` makes, writes checkpoints, exported models and Arrow
// trajectories; `cocos eval` prints the paper's table and writes rows.
func TestTrainCommands(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	cocos(t, bin, dir, "train", "sft", "--model", "tiny", "--out", "sft", "--steps", "2", "--batch", "2", "--limit", "8",
		"--lr", "1e-3", "--eval", "2", "--eval-max-new-tokens", "8", "--quiet")
	runDirOK(t, filepath.Join(dir, "sft"), 2, 2*2, "eval")
	rl := []string{"--model", "sft/model", "--steps", "1", "--batch", "1", "--max-new-tokens", "8", "--limit", "4", "--eval", "0", "--quiet"}
	for _, c := range []struct {
		out    string
		args   []string
		method string
	}{
		{"cocos", []string{"cocos"}, "cocos"},
		{"cocos-turn2", []string{"cocos", "--mode", "turn2"}, "cocos"},
		{"score-1", []string{"score", "--stage", "1"}, "score-1"},
		{"score-2", []string{"score", "--stage", "2"}, "score-2"},
		{"turn-rl", []string{"turn-rl"}, "turn-rl"},
		{"cocos-released", []string{"cocos", "--recipe", "released"}, "cocos"},
		{"score-1-released", []string{"score", "--stage", "1", "--recipe", "released"}, "score-1"},
		{"cocos-budget", []string{"cocos", "--recipe", "paper+budget+top-k"}, "cocos"},
	} {
		args := append(append([]string{"train"}, c.args...), append(rl, "--out", c.out)...)
		cocos(t, bin, dir, args...)
		runDirOK(t, filepath.Join(dir, c.out), 1, 1*2*2, c.method)
	}
	out := cocos(t, bin, dir, "eval", "--model", "cocos/best", "--limit", "2", "--max-new-tokens", "8", "--out", "eval")
	if !strings.Contains(out, "Acc@t1") || !strings.Contains(out, "Δi→c") {
		t.Errorf("eval printed no table:\n%s", out)
	}
	if rows, err := trajectory.ReadRows(filepath.Join(dir, "eval")); err != nil || len(rows) != 2*2 {
		t.Errorf("eval rows: %d, %v", len(rows), err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "eval", "recipe.json")); err != nil || !strings.Contains(string(b), `"recipe": "paper"`) {
		t.Errorf("eval/recipe.json: %s %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sft", "recipe.json")); err != nil || !strings.Contains(string(b), `"boost_eos": true`) {
		t.Errorf("sft/recipe.json: %s %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "cocos-released", "recipe.json")); err != nil ||
		!strings.Contains(string(b), `"recipe": "released"`) || !strings.Contains(string(b), `"rl_mode": "turn2"`) {
		t.Errorf("cocos-released/recipe.json: %s %v", b, err)
	}
	out = cocos(t, bin, dir, "eval", "--model", "cocos-released/best", "--recipe", "released", "--limit", "2", "--turns", "3",
		"--max-new-tokens", "8")
	if !strings.Contains(out, "recipe: released") || !strings.Contains(out, "Δi→c") {
		t.Errorf("eval --recipe released printed:\n%s", out)
	}
	if _, err := exec.Command(bin, "eval", "--model", "tiny", "--recipe", "released+nope").Output(); err == nil {
		t.Error("an unknown departure was accepted")
	}
}

// runDirOK checks a finished run: its last checkpoint, its final model and
// rows rows of method.
func runDirOK(t *testing.T, dir string, steps, rows int, method string) {
	t.Helper()
	for _, p := range []string{filepath.Join("checkpoints", stepName(steps)), filepath.Join("model", "model.safetensors"), filepath.Join("model", "tokenizer.json")} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: missing %s", dir, p)
		}
	}
	got, err := trajectory.ReadRows(filepath.Join(dir, "trajectories"))
	if err != nil || len(got) != rows {
		t.Fatalf("%s: %d trajectory rows (%v), want %d", dir, len(got), err, rows)
	}
	for _, r := range got {
		if r.Method != method {
			t.Fatalf("%s: row of method %q, want %q", dir, r.Method, method)
		}
	}
}

func stepName(n int) string { return fmt.Sprintf("step-%08d", n) }

// TestTrainKilledResumes: `cocos train sft` killed with SIGKILL after its
// checkpoint at step 2 resumes when the same command runs again, and ends
// with the weights of an uninterrupted run.
func TestTrainKilledResumes(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	args := func(out string) []string {
		return []string{"train", "sft", "--model", "tiny", "--out", out, "--steps", "6", "--batch", "2", "--limit", "16",
			"--lr", "1e-3", "--save-every", "2", "--eval", "0", "--quiet"}
	}
	cocos(t, bin, dir, args("whole")...)
	cmd := exec.Command(bin, args("killed")...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "killed", "checkpoints", stepName(2))
	deadline := time.Now().Add(5 * time.Minute)
	for _, err := os.Stat(first); err != nil; _, err = os.Stat(first) {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint at step 2")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, "killed", "model")); err == nil {
		t.Fatal("the run finished before it was killed: the test saw no resume")
	}
	out := cocos(t, bin, dir, args("killed")...)
	if !strings.Contains(out, "resumed at 2") && !strings.Contains(out, "resumed at 4") {
		t.Errorf("second run did not resume from a checkpoint: %s", out)
	}
	backend, _ := model.NewBackend("go")
	a, errA := model.Load(backend, filepath.Join(dir, "whole", "model"))
	b, errB := model.Load(backend, filepath.Join(dir, "killed", "model"))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	tinytest.SameWeights(t, a, b) // uninterrupted, then killed and resumed
}

// TestTrainInterrupted: Ctrl-C (SIGINT) stops `cocos train sft` between
// steps with exit status 130 and a line saying how to resume; the same
// command then resumes from the last checkpoint.
func TestTrainInterrupted(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	args := []string{"train", "sft", "--model", "tiny", "--out", "run", "--steps", "6", "--batch", "2", "--limit", "16",
		"--save-every", "1", "--eval", "0", "--quiet"}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "run", "checkpoints", stepName(1))
	for _, err := os.Stat(first); err != nil; _, err = os.Stat(first) {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(stderr.String(), "run the same command again") {
		t.Fatalf("interrupted run: %v, stderr %q", err, stderr.String())
	}
	if out := cocos(t, bin, dir, args...); !strings.Contains(out, "trained 6 steps (resumed at ") || strings.Contains(out, "resumed at 0") {
		t.Errorf("second run did not resume: %s", out)
	}
}

// TestTrainBaselineNoExamples: `cocos train turn-sft` and `revise` sample
// and judge candidates, keep them in the run directory, and when a (random)
// model wrote no correct program say so in one line with a non-zero exit;
// `cocos eval --revise` runs ReVISE's one-pass inference.
func TestTrainBaselineNoExamples(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	for _, c := range []struct{ trainer, says string }{{"turn-sft", "no training example"}, {"revise", "no preference pair"}} {
		cmd := exec.Command(bin, "train", c.trainer, "--model", "tiny", "--out", c.trainer, "--limit", "2", "--samples", "2",
			"--max-new-tokens", "8", "--eval", "0", "--quiet")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.says) || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
			t.Errorf("%s: want one line saying %q, got %v: %s", c.trainer, c.says, err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, c.trainer, "candidates.json")); err != nil {
			t.Errorf("%s: candidates.json not kept", c.trainer)
		}
	}
	out := cocos(t, bin, dir, "eval", "--model", "tiny", "--revise", "--limit", "2", "--max-new-tokens", "8", "--method", "revise", "--out", "rv")
	if !strings.Contains(out, "revise t1→t2") {
		t.Errorf("eval --revise printed no table:\n%s", out)
	}
}

// TestTrainLoRA: `cocos train sft` and `cocos train cocos` with
// --lora-rank export the merged model and its peft adapter, and the adapter
// loaded onto the starting model computes what the merged model does.
func TestTrainLoRA(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	sft := []string{"train", "sft", "--model", "tiny", "--out", "sft", "--steps", "2", "--batch", "2", "--limit", "8",
		"--lr", "1e-2", "--eval", "0", "--quiet", "--lora-rank", "4", "--checkpoint"}
	cocos(t, bin, dir, sft...)
	cocos(t, bin, dir, sft...) // finished: resumes at its end
	for _, p := range []string{"checkpoints/" + stepName(2), "model/model.safetensors", "model/adapter/adapter_model.safetensors", "model/adapter/adapter_config.json"} {
		if _, err := os.Stat(filepath.Join(dir, "sft", p)); err != nil {
			t.Errorf("sft: missing %s", p)
		}
	}
	cocos(t, bin, dir, "train", "cocos", "--model", "sft/model", "--out", "rl", "--steps", "1", "--batch", "1",
		"--max-new-tokens", "8", "--limit", "4", "--eval", "0", "--quiet", "--lora-rank", "2")
	runDirOK(t, filepath.Join(dir, "rl"), 1, 1*2*2, "cocos")
	backend, _ := model.NewBackend("go")
	merged, err := model.Load(backend, filepath.Join(dir, "sft", "model"))
	if err != nil {
		t.Fatal(err)
	}
	adapted, err := model.Load(backend, filepath.Join(dir, "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	if err := adapted.LoadAdapter(filepath.Join(dir, "sft", "model", "adapter")); err != nil {
		t.Fatal(err)
	}
	ids, mask := [][]int32{{5, 9, 13, 2, 7}}, [][]int32{{1, 1, 1, 1, 1}}
	a, _ := merged.Logits(ids, mask)
	b, _ := adapted.Logits(ids, mask)
	plain, _ := adapted.Base().Logits(ids, mask)
	var d, moved float64
	for j := range a[0] {
		for v := range a[0][j] {
			d = max(d, float64(abs32(a[0][j][v]-b[0][j][v])))
			moved = max(moved, float64(abs32(b[0][j][v]-plain[0][j][v])))
		}
	}
	if d > 1e-4 || moved == 0 {
		t.Errorf("merged vs base+adapter: max |Δlogit| %g; the adapter moved the logits by %g", d, moved)
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
