package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/train"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/memstat"
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
	dir := addDataFlag(fs)
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
	torch := addTorchFlags(fs)
	backendName := addBackendFlag(fs)
	preset := fs.String("preset", "", "one preset (e.g. qwen2.5-1.5b) instead of the tiny pair")
	batch := fs.Int("batch", 8, "with --preset: training rows")
	seq := fs.Int("seq", 128, "with --preset: training tokens per row")
	genBatch := fs.Int("gen-batch", 8, "with --preset: generation rows")
	genPrompt := fs.Int("gen-prompt", 32, "with --preset: prompt tokens per row")
	genNew := fs.Int("gen-new", 64, "with --preset: new tokens per row")
	device := fs.String("device", "cpu", "PyTorch's device: cpu or cuda")
	dtype := addDTypeFlag(fs)
	torchDType := fs.String("torch-dtype", "float32", "PyTorch's dtype: float32 or bfloat16")
	layers := fs.Int("layers", 0, "with --preset: keep this many decoder layers (0: all; 1 with --vocab 1024 times one layer of the real shape)")
	vocab := fs.Int("vocab", 0, "with --preset: this vocabulary size instead of the preset's (0: the preset's)")
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
	anchor, err := model.FairAnchor(*torch.python, *torch.tools)
	if err != nil {
		return err
	}
	fmt.Printf("cocos bench model: backend %s%s, %d CPUs, ours in %s; PyTorch on %s in %s (%s): %s\n",
		backend.Name(), kernels, runtime.NumCPU(), *dtype, *device, *torchDType, *impl, anchor)
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
		p, err := model.FindPreset(shape.Preset)
		if err != nil {
			return err
		}
		if *layers > 0 {
			p.Config.NumHiddenLayers = *layers
		}
		if *vocab > 0 {
			p.Config.VocabSize = *vocab
		}
		m, err := randomModel(backend, p.Config, dt)
		if err != nil {
			return err
		}
		if last, err = model.Bench(m, shape, *torch.python, *torch.tools, anchor, os.Stdout); err != nil {
			return err
		}
	}
	fmt.Printf("ratio: %.2f\n", last.TrainMS/last.TorchTrainMS)
	return nil
}

func runBenchRLOO(args []string) error {
	fs := newFlags("bench rloo", "bench rloo [--preset NAME | --model DIR] [--lora-rank R] [--prompts 128 --samples 2 --turns 2 --prompt-len 256 --new-tokens 512]",
		"Times one CoCoS RLOO step on synthetic data (random prompts, feedback and rewards; no stop string, so every\n"+
			"turn samples --new-tokens): the rollouts of every turn with the KV cache, the policy and reference log-probs,\n"+
			"and the update; then the memory by component and the process's peak RSS, and the device memory a step at\n"+
			"the paper's batch needs, full fine-tuning and LoRA, against 24, 40 and 80 GB cards. Random weights.")
	preset := fs.String("preset", "qwen2.5-1.5b", "model preset (random weights)")
	mf := addModelFlags(fs) // --model: a model directory instead of --preset
	prompts := fs.Int("prompts", 64, "prompts per step (the paper: 128 trajectories = 64 prompts x 2 samples)")
	samples := fs.Int("samples", 2, "samples per prompt (RLOO's k)")
	turns := fs.Int("turns", 2, "turns per trajectory")
	promptLen := fs.Int("prompt-len", 256, "prompt tokens")
	newTokens := fs.Int("new-tokens", 512, "tokens sampled per turn (the paper's cap)")
	feedback := fs.Int("feedback", 64, "feedback and instruction tokens between turns")
	var micro int
	addMicroBatchFlag(fs, &micro)
	tf := addTuningFlags(fs)
	static := fs.Bool("static", false, "sample the rollouts with static batches, as before continuous batching (for comparison)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	backend, err := mf.backend()
	if err != nil {
		return err
	}
	dt, err := mf.dType()
	if err != nil {
		return err
	}
	start := memstat.RSS()
	t := tf.tuning(dt, 1)
	policy, ref, err := rlooModels(backend, *preset, *mf.dir, t)
	if err != nil {
		return err
	}
	lora, remat := t.LoRA, t.Checkpoint
	fmt.Printf("cocos bench rloo: %s (%.2fB params) computing in %s, %s, checkpointing %v, backend %s\n", policy.Config.ModelType,
		float64(policy.Config.NumParams())/1e9, dt, tuning(lora), remat, backend.Name())
	shape := rl.BenchShape{Prompts: *prompts, K: *samples, Turns: *turns, PromptLen: *promptLen,
		NewTokens: *newTokens, FeedbackLen: *feedback, MicroBatch: micro, Seed: 1, Static: *static}
	res, err := rl.Bench(policy, ref, shape, os.Stdout)
	if err != nil {
		return err
	}
	printMemory(policy, ref, lora.Rank > 0, res, start)
	rows := *prompts * *samples
	mb := rows
	if micro > 0 {
		mb = micro
	}
	est := rl.EstimateBudget(policy.Config, rl.BudgetShape{Rows: rows, MicroBatch: mb, SeqLen: res.Tokens / rows,
		ActionTokens: *turns * *newTokens, LoRARank: lora.Rank, WeightBytes: dt.Size(), ComputeBytes: dt.Size(), Checkpoint: remat})
	fmt.Printf("the estimate at this shape: activations %s, logits %s (rl.EstimateBudget)\n", memstat.GB(est.Activations), memstat.GB(est.Logits))
	return printBudget(policy.Config, lora.Rank)
}

// rlooModels is the policy, set up as t says (train.Tuning, as `cocos
// train` sets it up), and its reference: with LoRA the policy's base, else
// a second model held and computing in t's dtype.
func rlooModels(backend compute.Backend, preset, dir string, t train.Tuning) (policy, ref *model.Model, err error) {
	load := func(dt dtypes.DType) (*model.Model, error) {
		if dir != "" {
			m, _, err := train.LoadModelWith(context.Background(), backend, dir, model.LoadOptions{DType: dt})
			return m, err
		}
		p, err := model.FindPreset(preset)
		if err != nil {
			return nil, err
		}
		return model.NewRandom(backend, p.Config, 1, 0.02, dt) // the same seed: the same weights
	}
	if policy, err = load(t.Held()); err != nil {
		return nil, nil, err
	}
	if err := t.Apply(policy); err != nil {
		return nil, nil, err
	}
	if t.LoRA.Rank > 0 {
		return policy, policy.Base(), nil
	}
	ref, err = load(t.DType)
	return policy, ref, err
}

func tuning(lora model.LoRAConfig) string {
	if lora.Rank == 0 {
		return "full fine-tuning (f32 weights, Adam)"
	}
	c := lora.Fill()
	return fmt.Sprintf("LoRA r=%d alpha=%g on %s (base frozen, Adam on the adapters)", c.Rank, c.Alpha, strings.Join(c.Targets, ","))
}

// printMemory prints what the step held, by component, beside the peak RSS.
func printMemory(policy, ref *model.Model, lora bool, res rl.BenchResult, startRSS int64) {
	u := policy.Memory()
	refBytes, refNote := int64(0), "shared: the policy's base without adapters"
	if ref.Store != policy.Store {
		refBytes, refNote = ref.Memory().Weights, "a second copy"
	}
	grads := u.Trainable(lora)
	known := u.Weights + refBytes + u.Adapters + grads + u.Optimiser + u.Accumulated + res.KVCacheBytes
	peak := memstat.PeakRSS()
	fmt.Printf("memory: weights %s, reference %s (%s), adapters %s, gradients %s, optimiser %s, gradient accumulators %s, KV cache %s\n",
		memstat.GB(u.Weights), memstat.GB(refBytes), refNote, memstat.GB(u.Adapters), memstat.GB(grads),
		memstat.GB(u.Optimiser), memstat.GB(u.Accumulated), memstat.GB(res.KVCacheBytes))
	fmt.Printf("peak RSS %s; activations, logits and the rest ≈ peak − those − the process before the models (%s) = %s\n",
		memstat.GB(peak), memstat.GB(startRSS), memstat.GB(peak-known-startRSS))
}

// printBudget prints the device memory of one step at the paper's batch,
// full fine-tuning and LoRA, beside the cards people train on.
func printBudget(cfg model.Config, rank int) error {
	if rank == 0 {
		rank = 16
	}
	fmt.Println("device memory of one step at the paper's batch (64 prompts x 2, micro-batch 8, 256 + 2 x 512 + 64 tokens), estimated (rl.EstimateBudget):")
	fmt.Printf("  %-44s %8s %8s %8s %8s %8s %8s %8s %8s  %s\n", "setting", "weights", "ref", "grads", "adam", "activ.", "logits", "KV", "total", "fits")
	for _, r := range []struct {
		name string
		edit func(*rl.BudgetShape)
	}{
		{"full fine-tuning, f32", func(*rl.BudgetShape) {}},
		{"full fine-tuning, bf16 compute, ref bf16", func(s *rl.BudgetShape) { s.ComputeBytes, s.WeightBytes = 2, 2 }},
		{"full, bf16 compute, checkpointing", func(s *rl.BudgetShape) { s.ComputeBytes, s.WeightBytes, s.Checkpoint = 2, 2, true }},
		{fmt.Sprintf("LoRA r=%d, bf16 base and compute", rank), func(s *rl.BudgetShape) { s.LoRARank, s.ComputeBytes, s.WeightBytes = rank, 2, 2 }},
		{fmt.Sprintf("LoRA r=%d, bf16, checkpointing", rank), func(s *rl.BudgetShape) {
			s.LoRARank, s.ComputeBytes, s.WeightBytes, s.Checkpoint = rank, 2, 2, true
		}},
		{fmt.Sprintf("LoRA r=%d, bf16, checkpointing, micro-batch 2", rank), func(s *rl.BudgetShape) {
			s.LoRARank, s.ComputeBytes, s.WeightBytes, s.Checkpoint, s.MicroBatch = rank, 2, 2, true, 2
		}},
	} {
		s := rl.PaperBudgetShape()
		r.edit(&s)
		b := rl.EstimateBudget(cfg, s)
		var fits []string
		for _, card := range []int64{24, 40, 80} {
			if b.Total() <= card*1e9 {
				fits = append(fits, fmt.Sprintf("%d GB", card))
			}
		}
		if len(fits) == 0 {
			fits = []string{"none of 24/40/80 GB"}
		}
		g := func(n int64) string { return fmt.Sprintf("%.1f", float64(n)/1e9) }
		fmt.Printf("  %-44s %8s %8s %8s %8s %8s %8s %8s %8s  %s\n", r.name, g(b.Weights+b.Adapters), g(b.Reference), g(b.Gradients),
			g(b.Optimiser), g(b.Activations), g(b.Logits), g(b.KVCache), g(b.Total()), strings.Join(fits, ", "))
	}
	return nil
}

// randomModel is cfg with the benchmarks' random weights (seed 1, std
// 0.02), held in f32 and computing in dt.
func randomModel(backend compute.Backend, cfg model.Config, dt dtypes.DType) (*model.Model, error) {
	m, err := model.NewRandom(backend, cfg, 1, 0.02, dtypes.Float32)
	if err != nil {
		return nil, err
	}
	return m, m.SetDType(dt)
}
