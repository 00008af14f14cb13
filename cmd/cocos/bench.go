package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/rl"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

func runBench(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "model" {
		return runBenchModel(args[1:])
	}
	if len(args) > 0 && args[0] == "generate" {
		return runBenchGenerate(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "rloo" {
		return runBenchRLOO(args[1:])
	}
	if len(args) == 0 || args[0] != "sandbox" {
		return fmt.Errorf("bench: name a benchmark: cocos bench sandbox | cocos bench model | cocos bench generate | cocos bench rloo")
	}
	fs := newFlags("bench sandbox", "bench sandbox [--data DIR] [--workers N]",
		"Judges every MBPP canonical solution twice, through the sandbox and through a reference\nexecutor (one fresh python process per test), and prints tests/s and their ratio.")
	dir := fs.String("data", "", "data directory holding mbpp/mbpp.jsonl (default $COCOS_DATA or ../shared/data)")
	workers := fs.Int("workers", 0, "parallel workers for both executors (default: number of CPUs)")
	share := fs.Bool("share-process", false, "run a job's tests in one process (faster; see sandbox.Limits.ShareProcess)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	d, err := data.ResolveDir(*dir)
	if err != nil {
		return err
	}
	ps, err := data.LoadMBPP(filepath.Join(d, "mbpp", "mbpp.jsonl"))
	if err != nil {
		return err
	}
	jobs := make([]sandbox.Job, len(ps))
	for i, p := range ps {
		jobs[i] = sandbox.Job{Program: p.Code, Setup: p.SetupCode, Tests: p.Tests}
	}
	e, err := sandbox.New(sandbox.Config{Workers: *workers, Limits: sandbox.Limits{ShareProcess: *share}})
	if err != nil {
		return err
	}
	defer e.Close()
	fmt.Printf("cocos bench sandbox: all %d MBPP canonical solutions, isolation on (bubblewrap), share-process=%v\n", len(ps), *share)
	_, err = sandbox.Bench(ctx, e, jobs, os.Stdout)
	return err
}

func runBenchModel(args []string) error {
	fs := newFlags("bench model", "bench model [--preset NAME --batch B --seq T --gen-batch N --gen-prompt P --gen-new M] [--device cpu|cuda] [--torch-dtype float32|bfloat16]",
		"Times one training step (forward, backward, AdamW) and greedy KV-cache generation with GoMLX, and the same\n"+
			"in PyTorch, in one run. Without --preset: the tiny presets on the CPU, the last line the training-step time\n"+
			"ratio (ours / PyTorch) of the ~20M-parameter one. With --preset: that model at the shape given, random weights.")
	steps := fs.Int("steps", 3, "timed training steps after one warm-up step")
	tools := fs.String("tools", "tools", "the repository's tools directory (holds python/bench_model.py)")
	python := fs.String("python", "/usr/bin/python3", "python with torch (Debian: python3-torch)")
	backendName := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	preset := fs.String("preset", "", "one preset (e.g. qwen2.5-1.5b) instead of the tiny pair")
	batch := fs.Int("batch", 8, "with --preset: training rows")
	seq := fs.Int("seq", 128, "with --preset: training tokens per row")
	genBatch := fs.Int("gen-batch", 8, "with --preset: generation rows")
	genPrompt := fs.Int("gen-prompt", 32, "with --preset: prompt tokens per row")
	genNew := fs.Int("gen-new", 64, "with --preset: new tokens per row")
	device := fs.String("device", "cpu", "PyTorch's device: cpu or cuda")
	dtype := fs.String("dtype", "float32", "our compute dtype: float32 or bfloat16 (mixed precision, f32 weights)")
	torchDType := fs.String("torch-dtype", "float32", "PyTorch's dtype: float32 or bfloat16")
	impl := fs.String("torch-impl", "reference", "PyTorch side: reference (tools/python/bench_model.py's own model) or transformers (HF's, needs the package)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	backend, err := model.NewBackend(*backendName)
	if err != nil {
		return err
	}
	kernels := ""
	if backend.String() == "go" {
		kernels = ", kernels " + model.Kernels()
	}
	dt, err := parseDType(*dtype)
	if err != nil {
		return err
	}
	fmt.Printf("cocos bench model: backend %s%s, %d CPUs, ours in %s; PyTorch on %s in %s (%s)\n", backend.Name(), kernels, runtime.NumCPU(), *dtype, *device, *torchDType, *impl)
	shapes := []model.BenchShape{
		{Preset: "tiny", Batch: 16, Seq: 64, GenBatch: 8, GenPrompt: 32, GenNew: 64},
		{Preset: "tiny-20m", Batch: 8, Seq: 128, GenBatch: 8, GenPrompt: 32, GenNew: 64},
	}
	if *preset != "" {
		shapes = []model.BenchShape{{Preset: *preset, Batch: *batch, Seq: *seq, GenBatch: *genBatch, GenPrompt: *genPrompt, GenNew: *genNew}}
	}
	var last model.BenchResult
	for _, shape := range shapes {
		shape.Steps, shape.Device, shape.TorchDType, shape.TorchImpl = *steps, *device, *torchDType, *impl
		m, err := randomModel(backend, shape.Preset, dt)
		if err != nil {
			return err
		}
		if last, err = model.Bench(m, shape, *python, *tools, os.Stdout); err != nil {
			return err
		}
	}
	fmt.Printf("ratio: %.2f\n", last.TrainMS/last.TorchTrainMS)
	return nil
}

func runBenchRLOO(args []string) error {
	fs := newFlags("bench rloo", "bench rloo [--preset NAME] [--prompts 128 --samples 2 --turns 2 --prompt-len 256 --new-tokens 512]",
		"Times one CoCoS RLOO step at the paper's batch on synthetic data (random prompts, feedback and rewards;\n"+
			"no stop string, so every turn samples --new-tokens): the rollouts of every turn with the KV cache, then the\n"+
			"policy and reference log-probs and the update. Random weights. GPU memory is read outside (nvidia-smi).")
	preset := fs.String("preset", "qwen2.5-1.5b", "model preset")
	prompts := fs.Int("prompts", 64, "prompts per step (the paper: 128 trajectories = 64 prompts x 2 samples)")
	samples := fs.Int("samples", 2, "samples per prompt (RLOO's k)")
	turns := fs.Int("turns", 2, "turns per trajectory")
	promptLen := fs.Int("prompt-len", 256, "prompt tokens")
	newTokens := fs.Int("new-tokens", 512, "tokens sampled per turn (the paper's cap)")
	feedback := fs.Int("feedback", 64, "feedback and instruction tokens between turns")
	micro := fs.Int("micro-batch", 0, "rollouts per gradient micro-batch (0: all at once)")
	dtype := fs.String("dtype", "float32", "compute dtype: float32 or bfloat16 (mixed precision, f32 weights)")
	backendName := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	backend, err := model.NewBackend(*backendName)
	if err != nil {
		return err
	}
	dt, err := parseDType(*dtype)
	if err != nil {
		return err
	}
	policy, err := randomModel(backend, *preset, dt)
	if err != nil {
		return err
	}
	ref, err := randomModel(backend, *preset, dt) // the same seed: the same weights
	if err != nil {
		return err
	}
	fmt.Printf("cocos bench rloo: %s (%.2fM params) in %s, backend %s\n", *preset, float64(policy.Config.NumParams())/1e6, *dtype, backend.Name())
	_, err = rl.Bench(policy, ref, rl.BenchShape{Prompts: *prompts, K: *samples, Turns: *turns, PromptLen: *promptLen,
		NewTokens: *newTokens, FeedbackLen: *feedback, MicroBatch: *micro, Seed: 1}, os.Stdout)
	return err
}

// randomModel is the preset with the benchmarks' random weights (seed 1,
// std 0.02), computing in dt.
func randomModel(backend compute.Backend, preset string, dt dtypes.DType) (*model.Model, error) {
	p, err := model.FindPreset(preset)
	if err != nil {
		return nil, err
	}
	m, err := model.New(backend, p.Config, model.RandomWeights(p.Config, 1, 0.02))
	if err != nil {
		return nil, err
	}
	return m, m.SetDType(dt)
}

// parseDType reads a --dtype flag.
func parseDType(name string) (dtypes.DType, error) {
	switch name {
	case "float32", "f32":
		return dtypes.Float32, nil
	case "bfloat16", "bf16":
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("--dtype is float32 or bfloat16, not %q", name)
}
