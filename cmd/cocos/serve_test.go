package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cocos-go/cocos/cocos/openai"
	"github.com/cocos-go/cocos/internal/sharedtest"
)

// TestServeCommand: `cocos serve` on a free port answers an OpenAI client
// and serves as the teacher of `cocos eval --refine external`, and Ctrl-C
// shuts it down cleanly.
func TestServeCommand(t *testing.T) {
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	cmd := exec.Command(bin, "serve", "--model", "tiny", "--addr", "127.0.0.1:0", "--id", "teacher")
	cmd.Dir = dir
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "serving teacher on http://") {
		cmd.Process.Kill()
		t.Fatalf("first line %q, %v", line, err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "serving teacher on "))
	c := &openai.Client{BaseURL: url, Model: "teacher", Timeout: time.Minute}
	text, err := c.Complete(context.Background(), "def add(a, b):", openai.Params{MaxTokens: 4})
	if err != nil {
		t.Errorf("completion: %v", err)
	}
	t.Logf("teacher said %q", text)
	// External-Refine with the served model as the teacher.
	out2 := cocos(t, bin, dir, "eval", "--model", "tiny", "--refine", "external", "--teacher-url", url, "--teacher-model", "teacher",
		"--teacher-max-tokens", "8", "--limit", "2", "--max-new-tokens", "4", "--method", "external-refine", "--out", "refine")
	if !strings.Contains(out2, "Acc@t1") || !strings.Contains(out2, "refine t1→t2") {
		t.Errorf("External-Refine printed no table:\n%s", out2)
	}
	out3 := cocos(t, bin, dir, "eval", "--model", "tiny", "--sets", "external", "--sets-samples", "2", "--teacher-url", url,
		"--teacher-model", "teacher", "--teacher-max-tokens", "8", "--limit", "2", "--max-new-tokens", "4")
	if !strings.Contains(out3, "verifier vs tests") {
		t.Errorf("External-SETS printed no confusion matrix:\n%s", out3)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly on Ctrl-C: %v", err)
	}
}

// TestSelfRefineFewShot: section 4's Self-Refine on MBPP — 3-shot code
// prompts and 3-shot feedback built from MBPP's prompt split (read from
// ../shared/data), then the refined turn.
func TestSelfRefineFewShot(t *testing.T) {
	dataDir := sharedtest.Path(t, "data")
	bin, dir := buildCocos(t), t.TempDir()
	cocos(t, bin, dir, "init", "--preset", "tiny", "--out", "tiny")
	out := cocos(t, bin, dir, "eval", "--model", "tiny", "--dataset", "mbpp", "--split", "test", "--data", dataDir, "--few-shot",
		"--refine", "self", "--limit", "1", "--max-new-tokens", "4", "--method", "self-refine")
	if !strings.Contains(out, "refine t1→t2") {
		t.Errorf("Self-Refine printed no table:\n%s", out)
	}
}
