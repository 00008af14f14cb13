// Package sft is supervised fine-tuning: the boost model's 1-turn and
// 2-turn examples, tokenized with the loss on completion tokens only.
package sft

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/data"
)

// Example is a prompt and the completion the model learns to write.
type Example struct {
	Prompt, Completion string
	Turns              int // the turn the completion answers: 1, 2, …
}

// BoostExamples builds the boost data in the authors' format, one 1-turn
// and one 2-turn example per pair (so 1:1), shuffled with seed:
//
//	1-turn: {question}[BEGIN]\n                               -> {correct}\n[DONE]
//	2-turn: {question}[BEGIN]\n{wrong}\n[DONE]{instruction}[CORRECT]\n -> {correct}\n[DONE]
func BoostExamples(pairs []data.TwoTurn, b prompt.Builder, seed uint64) []Example {
	return BoostExamplesUpTo(pairs, b, 2, seed)
}

// BoostExamplesUpTo is BoostExamples whose 2-turn example is, for each
// pair, turn t of a t-turn dialogue with t drawn uniformly from 2 … turns:
// the pair's first program at turn 1, its correct program at turns 2 …
// t−1 and as the completion. A pre-trained model carries what it learns
// at turn 2 to later turns; a model trained from scratch has never seen a
// prompt with two programs in it and falls apart at turn 3 unless these
// prompts are in its data.
func BoostExamplesUpTo(pairs []data.TwoTurn, b prompt.Builder, turns int, seed uint64) []Example {
	r := rand.New(rand.NewPCG(seed, 0x736674))
	out := make([]Example, 0, 2*len(pairs))
	for _, p := range pairs {
		first := b.First(p.Problem)
		done := prompt.Answer(p.Second)
		later := b.Next(p.Problem, first, p.First)
		t := 2
		if turns > 2 {
			t += r.IntN(turns - 1)
		}
		for range t - 2 {
			later = b.Next(p.Problem, later, p.Second)
		}
		out = append(out, Example{Prompt: first, Completion: done, Turns: 1},
			Example{Prompt: later, Completion: done, Turns: t})
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Tokenized is an example as ids with its loss mask (1 on completion
// tokens, the EOS after them included).
type Tokenized struct {
	IDs, LossMask []int32
}

// Tokenize encodes examples, appending eos (if ≥ 0) to each completion;
// examples longer than maxLen tokens are dropped and counted.
func Tokenize(tok model.Tokenizer, examples []Example, eos, maxLen int) ([]Tokenized, int, error) {
	var out []Tokenized
	dropped := 0
	for i, e := range examples {
		p, err := tok.Encode(e.Prompt)
		if err != nil {
			return nil, 0, fmt.Errorf("sft: example %d prompt: %w", i, err)
		}
		c, err := tok.Encode(e.Completion)
		if err != nil {
			return nil, 0, fmt.Errorf("sft: example %d completion: %w", i, err)
		}
		if eos >= 0 {
			c = append(c, eos)
		}
		if len(p)+len(c) > maxLen {
			dropped++
			continue
		}
		t := Tokenized{}
		for _, id := range p {
			t.IDs, t.LossMask = append(t.IDs, int32(id)), append(t.LossMask, 0)
		}
		for _, id := range c {
			t.IDs, t.LossMask = append(t.IDs, int32(id)), append(t.LossMask, 1)
		}
		out = append(out, t)
	}
	return out, dropped, nil
}

// Batch right-pads examples to a length rounded up to bucket, returning
// ids, attention mask and loss mask.
func Batch(ts []Tokenized, pad, bucket int) (ids, mask, loss [][]int32) {
	rows, losses := make([][]int32, len(ts)), make([][]int32, len(ts))
	for i, t := range ts {
		rows[i], losses[i] = t.IDs, t.LossMask
	}
	ids, mask, side := model.PadRight(rows, [][][]int32{losses}, pad, bucket)
	return ids, mask, side[0]
}

// Pack places examples in as few rows as first-fit decreasing allows, each
// row as long as the longest example rounded up to bucket, and returns
// ids, mask and loss mask like Batch. An example is a segment of its row:
// the mask holds its number (1, 2, … within the row; 0 on padding), and
// the model lets a segment attend only to itself, at positions counted
// from 0 (model.Positions) — so packing changes no loss or gradient, only
// how much padding is computed. Boost batches mix 1-turn and 2-turn
// examples (77 to 259 tokens on the suite): right-padding them to the
// longest computes about 60% more tokens than packing.
func Pack(ts []Tokenized, pad, bucket int) (ids, mask, loss [][]int32) {
	longest := 0
	for _, t := range ts {
		longest = max(longest, len(t.IDs))
	}
	width := (longest + bucket - 1) / bucket * bucket
	order := make([]int, len(ts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(ts[order[a]].IDs) > len(ts[order[b]].IDs) })
	var rows, losses, segs [][]int32
	for _, i := range order {
		t := ts[i]
		r := 0
		for r < len(rows) && len(rows[r])+len(t.IDs) > width {
			r++
		}
		if r == len(rows) {
			rows, losses, segs = append(rows, nil), append(losses, nil), append(segs, nil)
		}
		seg := int32(1)
		if n := len(segs[r]); n > 0 {
			seg = segs[r][n-1] + 1
		}
		rows[r], losses[r] = append(rows[r], t.IDs...), append(losses[r], t.LossMask...)
		for range t.IDs {
			segs[r] = append(segs[r], seg)
		}
	}
	ids, _, side := model.PadRight(rows, [][][]int32{losses, segs}, pad, bucket)
	return ids, side[1], side[0]
}
