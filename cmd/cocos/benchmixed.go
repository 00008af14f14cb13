package main

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
)

// mixedFlags shape `bench generate --workload mixed`.
type mixedFlags struct {
	prompts, slots, maxNew *int
	tail                   *float64
	dir                    *string
	warm                   *bool
}

// mixedWorkload is n MBPP test prompts in the paper's zero-shot format,
// each answered by as many tokens as its reference solution (and "
// [DONE]") takes, except a tail fraction that runs to the cap, as answers
// that never stop do: the lengths a CoCoS rollout or evaluation meets.
func mixedWorkload(tok *tokenizer.Tokenizer, f mixedFlags) (model.Workload, error) {
	var w model.Workload
	dir, err := data.ResolveDir(*f.dir)
	if err != nil {
		return w, err
	}
	ps, err := data.LoadSplit(dir, "mbpp", "test")
	if err != nil {
		return w, err
	}
	r := rand.New(rand.NewPCG(34, 1))
	r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	for i, p := range ps[:min(*f.prompts, len(ps))] {
		ids, err := tok.Encode(prompt.Builder{}.First(p))
		if err != nil {
			return w, fmt.Errorf("problem %s: %w", p.ID, err)
		}
		answer, err := tok.Encode(p.Code + "\n[DONE]")
		if err != nil {
			return w, fmt.Errorf("problem %s: %w", p.ID, err)
		}
		n := min(len(answer), *f.maxNew)
		if int(float64(i+1)**f.tail) > int(float64(i)**f.tail) { // evenly spread: exactly the tail's share
			n = *f.maxNew
		}
		w.Prompts, w.Answers = append(w.Prompts, ids), append(w.Answers, n)
	}
	return w, nil
}

// benchMixed runs the mixed workload through static batches and the
// continuous engine with the same slots; the last line is the speedup.
func benchMixed(m *model.Model, tok *tokenizer.Tokenizer, f mixedFlags) error {
	if tok == nil {
		return fmt.Errorf("--workload mixed needs the model directory's tokenizer")
	}
	w, err := mixedWorkload(tok, f)
	if err != nil {
		return err
	}
	sorted := slices.Sorted(slices.Values(w.Answers))
	total, promptLens := 0, make([]int, len(w.Prompts))
	for i, n := range w.Answers {
		total, promptLens[i] = total+n, len(w.Prompts[i])
	}
	fmt.Printf("workload: %d MBPP test prompts (%d–%d tokens), answers of their reference solutions' length, %.0f %% to the cap of %d: "+
		"median %d, p90 %d, %d tokens in all; %d slots\n", len(w.Prompts), slices.Min(promptLens), slices.Max(promptLens), *f.tail*100, *f.maxNew,
		sorted[len(sorted)/2], sorted[len(sorted)*9/10], total, *f.slots)
	var runs [2]model.WorkloadTiming
	for i, static := range []bool{true, false} {
		if runs[i], err = m.TimeWorkload(w, *f.slots, static, *f.warm); err != nil {
			return err
		}
		t, name := runs[i], map[bool]string{true: "static    ", false: "continuous"}[static]
		fmt.Printf("%s %6.1f s  %8.2f tok/s  %6d steps  %7d slot-steps computed (%.0f %% decoding a running sequence)  %d prefills (%d shared)  KV cache peak %.1f MB\n",
			name, t.Elapsed.Seconds(), t.TokensPerS(), t.Stats.Steps, t.Stats.Computed, 100*float64(t.Stats.Generated-len(w.Prompts))/float64(t.Stats.Computed), // each sequence's first token comes from its prefill
			t.Stats.Prefills, t.Stats.Shared, float64(t.Stats.PeakBytes)/1e6)
	}
	fmt.Printf("speedup: %.2f\n", runs[1].TokensPerS()/runs[0].TokensPerS())
	return nil
}
