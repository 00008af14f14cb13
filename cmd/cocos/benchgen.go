package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/internal/memstat"
)

// processStart is when the process began (near enough: package init), the
// origin of "time to first token".
var processStart = time.Now()

func runBenchGenerate(ctx context.Context, args []string) error {
	fs := newFlags("bench generate", "bench generate --model DIR [--dtype float32|bfloat16] [--batches 1,8] [--prompt-len 32] [--new-tokens 32] [--torch]\n"+
		"       cocos bench generate --model DIR --workload mixed [--prompts 64] [--slots 8] [--max-new 512] [--tail 0.1] [--warm=false] [--data DIR]",
		"Loads a model directory and times greedy KV-cache decoding of random prompts: the time from the process's start\n"+
			"to the first new token (loading and compiling included), then tokens/s at each batch size; with the peak RSS\n"+
			"beside the weights' and the KV cache's own size. --torch adds PyTorch's tokens/s at the same shape (f32, CPU).\n"+
			"--workload mixed instead runs MBPP test prompts whose answers take their reference solutions' length (a tail\n"+
			"to the cap) through static batches and the continuous engine of the same slots, each once to compile and\n"+
			"once timed, and prints generated tokens/s of each; the last line is `speedup: X.XX` (continuous / static).")
	mf := addModelFlags(fs)
	batches := fs.String("batches", "1,8", "batch sizes, comma-separated")
	promptLen := fs.Int("prompt-len", 32, "prompt tokens per row")
	newTokens := fs.Int("new-tokens", 32, "new tokens per row (≥ 2)")
	torch := fs.Bool("torch", false, "also time PyTorch's decoding at the same shape (tools/python/bench_model.py)")
	tf := addTorchFlags(fs)
	layout := fs.String("layout", "hf", "projection weights held hf ([out, in], as every command holds them) or inference ([in, out]: model.LoadOptions.InferenceLayout, an experiment; docs/upstream.md)")
	workload := fs.String("workload", "uniform", "uniform (random prompts, every row the same length) or mixed (see above)")
	mixed := mixedFlags{prompts: fs.Int("prompts", 64, "mixed: MBPP test prompts"), slots: fs.Int("slots", 8, "mixed: sequences decoded together"),
		maxNew: fs.Int("max-new", 512, "mixed: the answers' cap (the paper's 512)"), tail: fs.Float64("tail", 0.1, "mixed: share of answers that run to the cap"),
		dir:  addDataFlag(fs),
		warm: fs.Bool("warm", true, "mixed: run each engine once untimed first, so the timed run compiles nothing")}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := mf.require("bench generate"); err != nil {
		return err
	}
	var sizes []int
	for _, f := range strings.Split(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bench generate: --batches %q: want positive integers separated by commas", *batches)
		}
		sizes = append(sizes, n)
	}
	if *newTokens < 2 {
		return fmt.Errorf("bench generate: --new-tokens %d: at least 2", *newTokens)
	}
	if *layout != "inference" && *layout != "hf" {
		return fmt.Errorf("bench generate: --layout %q: inference or hf", *layout)
	}
	if *workload != "uniform" && *workload != "mixed" {
		return fmt.Errorf("bench generate: --workload %q: uniform or mixed", *workload)
	}
	m, tok, err := mf.load(ctx, *mf.dir, model.LoadOptions{InferenceLayout: *layout == "inference"})
	if err != nil {
		return fmt.Errorf("bench generate: %w", err)
	}
	loaded := time.Since(processStart)
	backend, _ := mf.backend() // made by load
	fmt.Printf("cocos bench generate: %s (%.2fB params), weights in %s (%s), %s layout, backend %s\n", *mf.dir,
		float64(m.Config.NumParams())/1e9, *mf.dtype, memstat.GB(m.Store.ByteSize()), *layout, backend.Name())
	if *workload == "mixed" {
		if err := benchMixed(m, tok, mixed); err != nil {
			return fmt.Errorf("bench generate: %w", err)
		}
		return nil
	}
	fmt.Printf("loaded in %.1f s, RSS %s\n", loaded.Seconds(), memstat.GB(memstat.RSS()))
	bw, bound, err := m.ReadBound()
	if err != nil {
		return fmt.Errorf("bench generate: %w", err)
	}
	fmt.Printf("streaming-read bound: every weight read once in %.2f s (%.1f GB/s on %d threads): %.2f steps/s, the most batch-1 tok/s\n",
		1/bound, bw/1e9, runtime.NumCPU(), bound)
	var anchor model.Anchor
	if *torch {
		if anchor, err = model.FairAnchor(*tf.python, *tf.tools); err != nil {
			return err
		}
		fmt.Printf("anchor: %s\n", anchor)
	}
	for i, b := range sizes {
		t, err := m.TimeGenerate(b, *promptLen, *newTokens)
		if err != nil {
			return fmt.Errorf("bench generate: batch %d: %w", b, err)
		}
		if i == 0 {
			fmt.Printf("first token %.1f s after start (prefill of %d x %d with compiling: %.1f s)\n",
				(loaded + t.FirstToken).Seconds(), b, *promptLen, t.FirstToken.Seconds())
		}
		line := fmt.Sprintf("batch %d, %d+%d tokens: prefill %.2f s, decode %.2f tok/s (%.2f × the read bound), end to end %.2f tok/s, KV cache %s",
			b, *promptLen, *newTokens, t.Prefill.Seconds(), t.TokensPerS, t.TokensPerS/(float64(b)*bound), t.EndToEnd,
			memstat.GB(m.CacheBytes(b, *promptLen+*newTokens)))
		if *torch {
			tt, err := model.TorchGenerate(m.Config, b, *promptLen, *newTokens, *tf.python, *tf.tools, anchor)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" | PyTorch f32 end to end %.2f tok/s, ratio ours/PyTorch %.2f", tt, t.EndToEnd/tt)
		}
		fmt.Println(line)
	}
	fmt.Printf("peak RSS %s (weights %s)\n", memstat.GB(memstat.PeakRSS()), memstat.GB(m.Store.ByteSize()))
	return nil
}
