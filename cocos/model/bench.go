package model

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// BenchShape is what `cocos bench model` measures for one preset.
type BenchShape struct {
	Preset                      string
	Batch, Seq, Steps           int // training step: batch × seq tokens, timed over Steps after a warm-up
	GenBatch, GenPrompt, GenNew int // greedy generation with the KV cache
	// The PyTorch side: Device "cpu" or "cuda", TorchDType "float32" or
	// "bfloat16", TorchImpl "reference" (bench_model.py's own model) or
	// "transformers" (Hugging Face's). Empty: cpu, float32, reference.
	Device, TorchDType, TorchImpl string
}

// BenchResult holds one preset's figures, ours and PyTorch's.
type BenchResult struct {
	Shape                 BenchShape
	Params                int
	TrainMS, TorchTrainMS float64
	GenTokS, TorchGenTokS float64
}

// Bench times a training step (forward, backward, AdamW) and greedy
// generation for shape on m's backend, then the same in PyTorch-CPU through
// python (tools/python/bench_model.py under toolsDir) run in the anchor's
// environment (FairAnchor).
func Bench(m *Model, shape BenchShape, python, toolsDir string, anchor Anchor, w io.Writer) (BenchResult, error) {
	res := BenchResult{Shape: shape, Params: m.Config.NumParams()}
	r := rand.New(rand.NewPCG(1, 2))
	randIDs := func(b, t int) ([][]int32, [][]int32) {
		ids, mask := make([][]int32, b), make([][]int32, b)
		for i := range ids {
			ids[i], mask[i] = make([]int32, t), make([]int32, t)
			for j := range t {
				ids[i][j], mask[i][j] = int32(r.IntN(m.Config.VocabSize)), 1
			}
		}
		return ids, mask
	}
	tr, err := NewTrainer(m, optimizer.Adam().LearningRate(2e-5).WeightDecay(0.1).Done(), nil)
	if err != nil {
		return res, err
	}
	ids, mask := randIDs(shape.Batch, shape.Seq)
	var total time.Duration
	for s := 0; s <= shape.Steps; s++ {
		start := time.Now()
		if _, err := tr.Step(NLLInputs(ids, mask, mask)); err != nil {
			return res, err
		}
		if s > 0 { // the first step compiles
			total += time.Since(start)
		}
	}
	res.TrainMS = float64(total.Milliseconds()) / float64(shape.Steps)
	prompts := make([][]int, shape.GenBatch)
	pids, _ := randIDs(shape.GenBatch, shape.GenPrompt)
	for i, row := range pids {
		for _, id := range row {
			prompts[i] = append(prompts[i], int(id))
		}
	}
	gcfg := GenerateConfig{MaxNewTokens: shape.GenNew, StopStrings: []string{}, Bucket: shape.GenPrompt}
	if _, err := m.GenerateIDs(nil, prompts, gcfg); err != nil { // compile
		return res, err
	}
	start := time.Now()
	if _, err := m.GenerateIDs(nil, prompts, gcfg); err != nil {
		return res, err
	}
	res.GenTokS = float64(shape.GenBatch*shape.GenNew) / time.Since(start).Seconds()
	if err := torchBench(m.Config, shape, python, toolsDir, anchor.Env, &res); err != nil {
		return res, err
	}
	fmt.Fprintf(w, "%-9s %5.2fM params  train step %dx%d: ours %8.1f ms  pytorch %8.1f ms  ratio %5.2f | generate %dx(%d+%d): ours %7.0f tok/s  pytorch %7.0f tok/s  ratio %5.2f\n",
		shape.Preset, float64(res.Params)/1e6, shape.Batch, shape.Seq, res.TrainMS, res.TorchTrainMS, res.TrainMS/res.TorchTrainMS,
		shape.GenBatch, shape.GenPrompt, shape.GenNew, res.GenTokS, res.TorchGenTokS, res.TorchGenTokS/res.GenTokS)
	return res, nil
}

func torchBench(cfg Config, shape BenchShape, python, toolsDir string, env []string, res *BenchResult) error {
	dir, err := os.MkdirTemp("", "cocos-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		return err
	}
	args := []string{filepath.Join(toolsDir, "python", "bench_model.py"), cfgPath}
	for _, v := range []int{shape.Batch, shape.Seq, shape.Steps, shape.GenBatch, shape.GenPrompt, shape.GenNew} {
		args = append(args, fmt.Sprint(v))
	}
	for flag, v := range map[string]string{"--device": shape.Device, "--dtype": shape.TorchDType, "--impl": shape.TorchImpl} {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	cmd := exec.Command(python, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("bench: PyTorch side (%s, needs python3-torch): %w", python, err)
	}
	var t struct {
		TrainMS float64 `json:"train_ms"`
		GenTokS float64 `json:"gen_tokens_per_s"`
	}
	if err := json.Unmarshal(out, &t); err != nil {
		return fmt.Errorf("bench: PyTorch side printed %q: %w", out, err)
	}
	res.TorchTrainMS, res.TorchGenTokS = t.TrainMS, t.GenTokS
	return nil
}

// GenerateTiming is greedy KV-cache decoding of random prompts at one batch
// size, as `cocos bench generate` reports it.
type GenerateTiming struct {
	Batch, PromptLen, NewTokens int
	FirstToken                  time.Duration // prefill and first token, compiling included: a fresh model's first call
	Prefill                     time.Duration // the same once compiled
	TokensPerS                  float64       // tokens after the first, all rows, per second
	EndToEnd                    float64       // every new token over the whole call, prefill included (bench_model.py's measure)
}

// TimeGenerate times greedy decoding of batch random prompts of promptLen
// tokens: the first token cold and warm, then newTokens (≥ 2) per row.
func (m *Model) TimeGenerate(batch, promptLen, newTokens int) (GenerateTiming, error) {
	res := GenerateTiming{Batch: batch, PromptLen: promptLen, NewTokens: newTokens}
	r := rand.New(rand.NewPCG(uint64(batch), 3))
	prompts := make([][]int, batch)
	for i := range prompts {
		for range promptLen {
			prompts[i] = append(prompts[i], r.IntN(m.Config.VocabSize))
		}
	}
	run := func(n int) (time.Duration, error) {
		start := time.Now()
		_, err := m.GenerateIDs(nil, prompts, GenerateConfig{MaxNewTokens: n, StopStrings: []string{}, Bucket: 32})
		return time.Since(start), err
	}
	var err error
	if res.FirstToken, err = run(1); err != nil {
		return res, err
	}
	if res.Prefill, err = run(1); err != nil {
		return res, err
	}
	if _, err = run(2); err != nil { // compiles the decoding step
		return res, err
	}
	total, err := run(newTokens)
	if err != nil {
		return res, err
	}
	res.TokensPerS = float64(batch*(newTokens-1)) / (total - res.Prefill).Seconds()
	res.EndToEnd = float64(batch*newTokens) / total.Seconds()
	return res, nil
}

// TorchGenerate times the same decoding in PyTorch (bench_model.py at
// cfg's shape, its own random weights, f32 on the CPU, in the anchor's
// environment): tokens per second.
func TorchGenerate(cfg Config, batch, promptLen, newTokens int, python, toolsDir string, anchor Anchor) (float64, error) {
	var res BenchResult
	shape := BenchShape{GenBatch: batch, GenPrompt: promptLen, GenNew: newTokens}
	if err := torchBench(cfg, shape, python, toolsDir, anchor.Env, &res); err != nil {
		return 0, err
	}
	return res.TorchGenTokS, nil
}

// Workload is generation work for benchmarks: prompts and the tokens each
// one generates (no stop string: a sequence ends at its own budget, as an
// answer of that length would).
type Workload struct {
	Prompts [][]int
	Answers []int
}

// WorkloadTiming is one run of a workload through an engine.
type WorkloadTiming struct {
	Static  bool
	Slots   int
	Elapsed time.Duration
	Tokens  int // tokens generated
	Stats   EngineStats
}

// TokensPerS is generated tokens per second, prefills included.
func (t WorkloadTiming) TokensPerS() float64 { return float64(t.Tokens) / t.Elapsed.Seconds() }

// TimeWorkload runs w through an engine of slots, continuous or static
// batching, greedy; warm runs it once first, so that the timed run
// compiles nothing.
func (m *Model) TimeWorkload(w Workload, slots int, static, warm bool) (WorkloadTiming, error) {
	res := WorkloadTiming{Static: static, Slots: slots}
	run := func() error {
		seqs := make([]*Sequence, len(w.Prompts))
		for i, p := range w.Prompts {
			seqs[i] = &Sequence{Prompt: p, Row: i, Config: GenerateConfig{MaxNewTokens: w.Answers[i], StopStrings: []string{}}}
		}
		e := m.NewEngine(nil, EngineConfig{Slots: slots, Static: static})
		start := time.Now()
		if err := e.Run(seqs...); err != nil {
			return err
		}
		res.Elapsed, res.Stats, res.Tokens = time.Since(start), e.Stats(), e.Stats().Generated
		return nil
	}
	if warm {
		if err := run(); err != nil {
			return res, err
		}
	}
	return res, run()
}

// ReadBound times one read of every weight's bytes, split over the CPUs
// (decoding reads each weight once per step): the store's bytes per
// second, and so the most decoding steps per second a step that only
// streamed the weights could take — batch-1 decoding's bound on this host.
func (m *Model) ReadBound() (bytesPerS, stepsPerS float64, err error) {
	var bufs [][]byte
	var total int64
	for v := range m.Store.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return 0, 0, err
		}
		if err := t.ConstBytes(func(b []byte) { bufs = append(bufs, b) }); err != nil {
			return 0, 0, err
		}
		total += int64(t.Shape().ByteSize())
	}
	read := func() time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		workers := runtime.NumCPU()
		sums := make([]uint64, workers)
		for w := range workers {
			wg.Go(func() {
				for _, b := range bufs {
					chunk := (len(b)/8/workers + 1) * 8
					lo, hi := min(w*chunk, len(b)), min((w+1)*chunk, len(b))
					sums[w] += sumWords(unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b[lo:hi]))), (hi-lo)/8))
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	read() // pages in, caches warm
	best := read()
	for range 2 {
		best = min(best, read())
	}
	bytesPerS = float64(total) / best.Seconds()
	return bytesPerS, bytesPerS / float64(total), nil
}

// sumWords adds xs up in 8 independent chains, so that the loop is bound
// by memory rather than by one chain of additions.
func sumWords(xs []uint64) uint64 {
	var a [8]uint64
	i := 0
	for ; i+8 <= len(xs); i += 8 {
		a[0] += xs[i]
		a[1] += xs[i+1]
		a[2] += xs[i+2]
		a[3] += xs[i+3]
		a[4] += xs[i+4]
		a[5] += xs[i+5]
		a[6] += xs[i+6]
		a[7] += xs[i+7]
	}
	for ; i < len(xs); i++ {
		a[0] += xs[i]
	}
	return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7]
}
