package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/internal/sharedtest"
)

// buildCocos compiles the command once per test binary run.
func buildCocos(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cocos")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExec(t *testing.T) {
	bin := buildCocos(t)
	code := write(t, "code.py", "def add(a, b):\n    return a + b\n")
	tests := write(t, "tests.txt", "assert add(1, 2) == 3\n\nassert add(2, 2) == 5\nassert add('a', 'b') == 'ab'\n")
	out, err := exec.Command(bin, "exec", "--code", code, "--tests", tests, "--timeout", "2").Output()
	if err != nil {
		t.Fatalf("cocos exec: %v", err)
	}
	var res struct {
		Passed int `json:"passed"`
		Total  int `json:"total"`
		Tests  []struct {
			Outcome string `json:"outcome"`
			Message string `json:"message"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if res.Passed != 2 || res.Total != 3 || res.Tests[1].Outcome != "failed" || !strings.Contains(res.Tests[1].Message, "add(2, 2) == 5") {
		t.Errorf("unexpected result: %s", out)
	}
}

func TestExecErrors(t *testing.T) {
	bin := buildCocos(t)
	code := write(t, "code.py", "x = 1\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"exec", "--code", code}, "--code and --tests are required"},
		{[]string{"exec", "--code", "/nonexistent.py", "--tests", code}, "/nonexistent.py"},
		{[]string{"exec", "--code", code, "--tests", write(t, "empty.txt", "\n\n")}, "holds no test"},
		{[]string{"exec", "--bogus"}, "flag provided but not defined"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, c := range cases {
		out, err := exec.Command(bin, c.args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("cocos %v: err %v, output %q; want it to mention %q", c.args, err, out, c.want)
		}
	}
}

func TestDataStats(t *testing.T) {
	dir := sharedtest.Path(t, "data")
	bin := buildCocos(t)
	out, err := exec.Command(bin, "data", "stats", "--data", dir).Output()
	if err != nil {
		t.Fatalf("cocos data stats: %v", err)
	}
	want := "mbpp prompt 10\nmbpp test 500\nmbpp validation 90\nmbpp train 374\nhumaneval test 164\nodex test 439\n"
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	empty := t.TempDir()
	out, err = exec.Command(bin, "data", "stats", "--data", empty).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cocos data fetch mbpp") {
		t.Errorf("missing data sets: %v %s", err, out)
	}
}

func TestGenerateCommand(t *testing.T) {
	tok, err := tokenizer.Train([]string{"def add(a, b):\n    return a + b\n", "assert add(1, 2) == 3"},
		tokenizer.TrainConfig{VocabSize: 280, MinFrequency: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := model.Config{ModelType: "qwen2", HiddenSize: 32, IntermediateSize: 64, NumHiddenLayers: 1,
		NumAttentionHeads: 2, NumKeyValueHeads: 1, HiddenAct: "silu", RopeTheta: 1e6, RMSNormEps: 1e-6,
		VocabSize: tok.VocabSize(), TieWordEmbeddings: true, MaxPositionEmbeddings: 128}
	backend, _ := model.NewBackend("go")
	m, err := model.New(backend, cfg, model.RandomWeights(cfg, 1, 0.3))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := m.Save(dir, false); err != nil {
		t.Fatal(err)
	}
	if err := tok.SaveDir(dir); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(buildCocos(t), "generate", "--model", dir, "--prompt", "def add(a, b):",
		"--max-new-tokens", "5", "--greedy", "--stop", "", "--json").Output()
	if err != nil {
		t.Fatalf("cocos generate: %v", err)
	}
	var res struct {
		IDs    []int  `json:"ids"`
		NewIDs []int  `json:"new_ids"`
		Text   string `json:"text"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want, _ := m.Generate(tok, []string{"def add(a, b):"}, model.GenerateConfig{MaxNewTokens: 5, StopStrings: []string{}, StopTokens: []int{tok.EOS}, PadToken: tok.PAD})
	prompt, _ := tok.Encode("def add(a, b):")
	if !slices.Equal(res.NewIDs, want[0].NewIDs) || !slices.Equal(res.IDs, append(prompt, res.NewIDs...)) || res.Text != want[0].Text {
		t.Errorf("cocos generate: %+v, want new ids %v", res, want[0].NewIDs)
	}
}

// TestHints: a full disk and an unwritable directory get a line saying
// what to do, whatever wraps them; other errors get none.
func TestHints(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("demo: boost: %w", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), "disk is full"},
		{fmt.Errorf("demo: run directory: %w", &os.PathError{Op: "mkdir", Path: "/ro/x", Err: syscall.EACCES}), "choose a directory you can write"},
		{errors.New("train: bad flag"), ""},
	} {
		if got := hintFor(c.err); !strings.Contains(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("hintFor(%v) = %q, want it to say %q", c.err, got, c.want)
		}
	}
}

// TestSIMDWarning: a cocos built without GOEXPERIMENT=simd still runs and
// says once, on stderr, that the Go backend lacks its SIMD kernels and how
// to get them; the build with them says nothing.
func TestSIMDWarning(t *testing.T) {
	if model.SIMDWarning() != "" {
		t.Fatalf("this test binary was built without GOEXPERIMENT=simd: %s", model.SIMDWarning())
	}
	if !strings.HasPrefix(model.Kernels(), "AVX") {
		t.Skipf("no SIMD kernels on this machine (%s): nothing to warn about", model.Kernels())
	}
	plain := filepath.Join(t.TempDir(), "cocos-plain")
	build := exec.Command("go", "build", "-o", plain, ".")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOEXPERIMENT=") {
			build.Env = append(build.Env, kv)
		}
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build without GOEXPERIMENT: %v\n%s", err, out)
	}
	for _, c := range []struct {
		bin  string
		warn bool
	}{{buildCocos(t), false}, {plain, true}} {
		cmd := exec.Command(c.bin, "bench")
		cmd.Env = append(os.Environ(), "GOMLX_BACKEND=")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.Run() // "bench" without a name is a usage error after the warning
		got := strings.Count(stderr.String(), "without its SIMD kernels")
		if c.warn && (got != 1 || !strings.Contains(stderr.String(), "GOEXPERIMENT=simd")) {
			t.Errorf("%s: want one warning naming GOEXPERIMENT=simd, got:\n%s", c.bin, stderr.String())
		}
		if !c.warn && got != 0 {
			t.Errorf("%s (SIMD build) warned:\n%s", c.bin, stderr.String())
		}
	}
}
