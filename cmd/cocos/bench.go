package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/cocos-go/cocos/cocos/model"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

func runBench(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "model" {
		return runBenchModel(args[1:])
	}
	if len(args) == 0 || args[0] != "sandbox" {
		return fmt.Errorf("bench: name a benchmark: cocos bench sandbox | cocos bench model")
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
	fs := newFlags("bench model", "bench model [--steps N] [--tools DIR]",
		"Times one training step (forward, backward, AdamW) and greedy KV-cache generation of the tiny\n"+
			"presets with GoMLX, and the same in PyTorch-CPU, in one run; the last line is the training-step\n"+
			"time ratio (ours / PyTorch) of the ~20M-parameter preset.")
	steps := fs.Int("steps", 3, "timed training steps after one warm-up step")
	tools := fs.String("tools", "tools", "the repository's tools directory (holds python/bench_model.py)")
	python := fs.String("python", "/usr/bin/python3", "python with torch (Debian: python3-torch)")
	backendName := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
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
	fmt.Printf("cocos bench model: backend %s%s, %d CPUs\n", backend.Name(), kernels, runtime.NumCPU())
	var last model.BenchResult
	for _, shape := range []model.BenchShape{
		{Preset: "tiny", Batch: 16, Seq: 64, Steps: *steps, GenBatch: 8, GenPrompt: 32, GenNew: 64},
		{Preset: "tiny-20m", Batch: 8, Seq: 128, Steps: *steps, GenBatch: 8, GenPrompt: 32, GenNew: 64},
	} {
		p, err := model.FindPreset(shape.Preset)
		if err != nil {
			return err
		}
		m, err := model.New(backend, p.Config, model.RandomWeights(p.Config, 1, 0.02))
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
