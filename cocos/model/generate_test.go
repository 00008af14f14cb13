package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/tokenizer"
)

func tinyTokenizer(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Train([]string{
		"def add(a, b):\n    return a + b\n", "assert add(1, 2) == 3", "Write a function to add two numbers.",
		"def count_vowels(s):\n    return sum(1 for ch in s if ch in 'aeiou')\n[DONE]",
	}, tokenizer.TrainConfig{VocabSize: 300, MinFrequency: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tinyModel(t *testing.T, vocab int) *Model {
	t.Helper()
	backend, _ := NewBackend("go")
	cfg := tinyConfigs()["qwen2"]
	cfg.VocabSize = vocab
	m, err := New(backend, cfg, RandomWeights(cfg, 9, 0.3))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// logitsAlone is the full forward's logits at every position of ids, a
// single unpadded sequence.
func logitsAlone(t *testing.T, m *Model, ids []int) [][]float32 {
	t.Helper()
	row, mask := make([]int32, len(ids)), make([]int32, len(ids))
	for i, id := range ids {
		row[i], mask[i] = int32(id), 1
	}
	logits, err := m.Logits([][]int32{row}, [][]int32{mask})
	if err != nil {
		t.Fatal(err)
	}
	return logits[0]
}

// greedyChain extends ids by argmax, running the full forward each time on
// the unpadded sequence: the slow, obviously right version of Generate.
func greedyChain(t *testing.T, m *Model, ids []int, n int) []int {
	seq := slices.Clone(ids)
	for range n {
		last := logitsAlone(t, m, seq)[len(seq)-1]
		best := 0
		for i, v := range last {
			if v > last[best] {
				best = i
			}
		}
		seq = append(seq, best)
	}
	return seq[len(ids):]
}

func TestGenerateGreedyMatchesFullForward(t *testing.T) {
	tok := tinyTokenizer(t)
	m := tinyModel(t, tok.VocabSize())
	prompts := []string{"def add(a, b):", "Write a function to add two numbers.\n", "assert"}
	gens, err := m.Generate(tok, prompts, GenerateConfig{MaxNewTokens: 6, StopStrings: []string{}, Bucket: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range gens {
		want := greedyChain(t, m, g.PromptIDs, 6)
		if !slices.Equal(g.NewIDs, want) || g.Stop != "length" || g.Text != tok.Decode(want, false) {
			t.Errorf("prompt %d: batched greedy %v (%s), one-by-one full forward %v", i, g.NewIDs, g.Stop, want)
		}
		for _, lp := range g.LogProbs {
			if lp > 0 {
				t.Errorf("log-prob %v > 0", lp)
			}
		}
	}
}

func TestGenerateSamplingAndStops(t *testing.T) {
	tok := tinyTokenizer(t)
	m := tinyModel(t, tok.VocabSize())
	prompts := []string{"def add(a, b):", "assert"}
	cfg := GenerateConfig{MaxNewTokens: 8, Temperature: 0.9, TopP: 0.95, Seed: 42, StopStrings: []string{}, Bucket: 8}
	a, _ := m.Generate(tok, prompts, cfg)
	b, _ := m.Generate(tok, prompts, cfg)
	cfg.Seed = 43
	c, _ := m.Generate(tok, prompts, cfg)
	if !slices.Equal(a[0].NewIDs, b[0].NewIDs) || !slices.Equal(a[1].NewIDs, b[1].NewIDs) {
		t.Error("the same seed gave different samples")
	}
	if slices.Equal(a[0].NewIDs, c[0].NewIDs) && slices.Equal(a[1].NewIDs, c[1].NewIDs) {
		t.Error("another seed gave the same samples")
	}
	greedy, _ := m.Generate(tok, prompts[:1], GenerateConfig{MaxNewTokens: 5, StopStrings: []string{}})
	first := greedy[0].NewIDs[0]
	stopTok, _ := m.Generate(tok, prompts[:1], GenerateConfig{MaxNewTokens: 5, StopStrings: []string{}, StopTokens: []int{first}})
	if len(stopTok[0].NewIDs) != 1 || stopTok[0].Stop != "stop_token" {
		t.Errorf("stop token: %+v", stopTok[0])
	}
	stopAt := tok.Decode(greedy[0].NewIDs[:2], false)
	stopStr, _ := m.Generate(tok, prompts[:1], GenerateConfig{MaxNewTokens: 5, StopStrings: []string{stopAt}})
	if stopStr[0].Stop != "stop_string" || stopStr[0].Text != stopAt {
		t.Errorf("stop string %q: got %q (%s)", stopAt, stopStr[0].Text, stopStr[0].Stop)
	}
}

// TestOnTokenCancelsOneRow: the hook sees every token of every row, and a
// row it ends stops there while the others decode as they would without it.
func TestOnTokenCancelsOneRow(t *testing.T) {
	tok := tinyTokenizer(t)
	m := tinyModel(t, tok.VocabSize())
	prompts := []string{"def add(a, b):", "assert"}
	cfg := GenerateConfig{MaxNewTokens: 8, Temperature: 0.9, Seed: 5, StopStrings: []string{}, Bucket: 8}
	plain, err := m.Generate(tok, prompts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	cfg.OnToken = func(row int, g *Generation) bool {
		seen[row]++
		if len(g.NewIDs) != seen[row] || g.Text != tok.Decode(g.NewIDs, false) {
			t.Errorf("row %d, call %d: %d tokens, text %q", row, seen[row], len(g.NewIDs), g.Text)
		}
		return row != 0 || len(g.NewIDs) < 3
	}
	hooked, err := m.Generate(tok, prompts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if g := hooked[0]; g.Stop != "cancelled" || !slices.Equal(g.NewIDs, plain[0].NewIDs[:3]) || seen[0] != 3 {
		t.Errorf("cancelled row: %v (%s) after %d calls, want the first 3 of %v", g.NewIDs, g.Stop, seen[0], plain[0].NewIDs)
	}
	if g := hooked[1]; !slices.Equal(g.NewIDs, plain[1].NewIDs) || g.Stop != plain[1].Stop || seen[1] != len(g.NewIDs) {
		t.Errorf("the other row: %v (%s), without the hook %v (%s)", g.NewIDs, g.Stop, plain[1].NewIDs, plain[1].Stop)
	}
}

// TestDialogueMatchesFresh: three turns of a dialogue — each prompt
// extending the last prompt and completion verbatim, with an edit inside
// the held tokens, or the completion dropped — give the tokens and
// log-probs of generating each turn's prompt from scratch. The small
// bucket makes the cache grow between turns.
func TestDialogueMatchesFresh(t *testing.T) {
	tok := tinyTokenizer(t)
	m := tinyModel(t, tok.VocabSize())
	cfg := GenerateConfig{MaxNewTokens: 6, StopStrings: []string{}, Bucket: 4}
	prompts := []string{"def add(a, b):", "Write a function to add two numbers.\n", "assert"}
	d := m.NewDialogue(tok)
	fresh := 0 // prompt tokens that prefilling every turn from scratch would feed
	for turn := range 3 {
		got, err := d.Generate(prompts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.Generate(tok, prompts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			fresh += len(want[i].PromptIDs)
			if !slices.Equal(got[i].NewIDs, want[i].NewIDs) {
				t.Errorf("turn %d row %d: dialogue %v, fresh %v", turn+1, i, got[i].NewIDs, want[i].NewIDs)
			}
			for k, lp := range got[i].LogProbs {
				if d := lp - want[i].LogProbs[k]; d > 1e-4 || d < -1e-4 {
					t.Errorf("turn %d row %d token %d: log-prob %g, fresh %g", turn+1, i, k, lp, want[i].LogProbs[k])
				}
			}
		}
		prompts = []string{
			prompts[0] + got[0].Text + "\n[DONE] again:",                // continues verbatim
			"Write a function to sum two numbers.\n" + got[1].Text + "", // edits a held token
			prompts[2] + " add(1, 2) == 3\n",                            // drops the completion
		}
	}
	if st := d.Stats(); st.Prefilled >= fresh {
		t.Errorf("the dialogue prefilled %d tokens, prefilling every turn %d: nothing was reused", st.Prefilled, fresh)
	}
	if _, err := d.Generate(prompts[:2], cfg); err == nil {
		t.Error("a dialogue of 3 rows continued with 2 prompts")
	}
}

// TestGenerateRefusesPastContext: a prompt whose tokens plus the budget
// exceed max_position_embeddings (256 here) gets a *ContextError naming
// both numbers, before anything is fed — a prompt of 200,000 tokens must
// not allocate its attention scores — and a dialogue so refused goes on.
func TestGenerateRefusesPastContext(t *testing.T) {
	m := tinyModel(t, 97)
	ids := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = 1 + i%96
		}
		return out
	}
	for _, c := range []struct {
		name    string
		prompts [][]int
		maxNew  int
		row     int // the row refused; -1 when all fit
	}{
		{"fits exactly", [][]int{ids(250), ids(3)}, 6, -1},
		{"one token over", [][]int{ids(3), ids(251)}, 6, 1},
		{"default budget of 512", [][]int{ids(3)}, 0, 0},
		{"far past the context", [][]int{ids(200_000)}, 16, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			gens, err := m.GenerateIDs(nil, c.prompts, GenerateConfig{MaxNewTokens: c.maxNew, StopStrings: []string{}})
			if c.row < 0 {
				if err != nil || len(gens) != len(c.prompts) {
					t.Fatalf("within the context: %v", err)
				}
				return
			}
			var ce *ContextError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ContextError", err)
			}
			budget := c.maxNew
			if budget == 0 {
				budget = 512 // GenerateConfig's default
			}
			want := ContextError{Row: c.row, PromptTokens: len(c.prompts[c.row]), MaxNewTokens: budget, ContextLength: 256}
			if *ce != want {
				t.Errorf("error %+v, want %+v", *ce, want)
			}
			for _, n := range []int{want.PromptTokens, want.MaxNewTokens, want.ContextLength} {
				if !strings.Contains(err.Error(), fmt.Sprint(n)) {
					t.Errorf("%q does not name %d", err, n)
				}
			}
		})
	}
	d := m.NewDialogue(nil)
	cfg := GenerateConfig{MaxNewTokens: 4, StopStrings: []string{}}
	if _, err := d.GenerateIDs([][]int{ids(300)}, cfg); err == nil {
		t.Fatal("a dialogue's turn past the context was generated")
	}
	if _, err := d.GenerateIDs([][]int{ids(10)}, cfg); err != nil {
		t.Errorf("the next turn, within the context: %v", err)
	}
}
