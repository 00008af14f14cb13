package sft

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

func TestBoostExamples(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 6, Test: 2})
	pairs := data.TwoTurnFromSuite(tasks[:6])
	ex := BoostExamples(pairs, prompt.Builder{}, 1)
	ones, twos := 0, 0
	for _, e := range ex {
		if !strings.HasSuffix(e.Prompt, "[BEGIN]\n") && !strings.HasSuffix(e.Prompt, "[CORRECT]\n") {
			t.Errorf("prompt ends oddly: %q", e.Prompt[len(e.Prompt)-20:])
		}
		if !strings.HasSuffix(e.Completion, "\n[DONE]") {
			t.Errorf("completion must end in [DONE]: %q", e.Completion)
		}
		switch e.Turns {
		case 1:
			ones++
		case 2:
			twos++
			if !strings.Contains(e.Prompt, "[DONE]"+prompt.Instruction+"[CORRECT]\n") {
				t.Errorf("2-turn prompt lacks the correction block")
			}
		}
	}
	if ones != 6 || twos != 6 {
		t.Errorf("mix %d:%d, want 1:1", ones, twos)
	}
}

// TestSFTLearns: a tiny model trained on boost examples of the suite
// lowers its completion loss clearly.
func TestSFTLearns(t *testing.T) {
	tok, ts := suiteBoost(t, 40, 16, 512)
	for _, x := range ts {
		n := 0
		for _, l := range x.LossMask {
			n += int(l)
		}
		if n == 0 || x.LossMask[0] != 0 || x.LossMask[len(x.LossMask)-1] != 1 {
			t.Fatalf("loss mask must cover the completion only")
		}
	}
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 64, 2), 1, 0.02)
	tr, err := model.NewTrainer(m, optimizer.Adam().LearningRate(3e-3).WeightDecay(0.1).Done(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, mask, loss := Batch(ts[:4], tok.PAD, 64)
	var first, last float32
	for step := range 25 {
		st, err := tr.Step(model.NLLInputs(ids, mask, loss))
		if err != nil {
			t.Fatal(err)
		}
		l := st.Loss
		if step == 0 {
			first = l
		}
		last = l
	}
	t.Logf("completion loss %.3f -> %.3f in 25 steps", first, last)
	if !(last < first*0.5) {
		t.Errorf("SFT did not learn: %.3f -> %.3f", first, last)
	}
}

// TestPack: first-fit decreasing into rows as wide as the longest example
// (rounded to the bucket), each example a numbered segment with its loss
// mask alongside, padding 0 everywhere.
func TestPack(t *testing.T) {
	ex := func(n, id int32) Tokenized {
		t := Tokenized{}
		for k := range n {
			t.IDs, t.LossMask = append(t.IDs, id), append(t.LossMask, int32(min(k, 1)))
		}
		return t
	}
	ids, mask, loss := Pack([]Tokenized{ex(3, 1), ex(7, 2), ex(4, 3), ex(5, 4)}, 0, 4)
	want := []struct{ ids, mask, loss []int32 }{
		{[]int32{2, 2, 2, 2, 2, 2, 2, 0}, []int32{1, 1, 1, 1, 1, 1, 1, 0}, []int32{0, 1, 1, 1, 1, 1, 1, 0}},
		{[]int32{4, 4, 4, 4, 4, 1, 1, 1}, []int32{1, 1, 1, 1, 1, 2, 2, 2}, []int32{0, 1, 1, 1, 1, 0, 1, 1}},
		{[]int32{3, 3, 3, 3, 0, 0, 0, 0}, []int32{1, 1, 1, 1, 0, 0, 0, 0}, []int32{0, 1, 1, 1, 0, 0, 0, 0}},
	}
	if len(ids) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(ids), len(want), ids)
	}
	for r, w := range want {
		if !reflect.DeepEqual(ids[r], w.ids) || !reflect.DeepEqual(mask[r], w.mask) || !reflect.DeepEqual(loss[r], w.loss) {
			t.Errorf("row %d: ids %v mask %v loss %v, want %v %v %v", r, ids[r], mask[r], loss[r], w.ids, w.mask, w.loss)
		}
	}
}

// TestPackedStepEqualsPadded: one optimiser step on packed rows gives the
// loss and the weights of the same step on right-padded rows — packing
// only saves the padding's compute.
func TestPackedStepEqualsPadded(t *testing.T) {
	tok, ts := suiteBoost(t, 20, 6, 300)
	step := func(batch func([]Tokenized, int, int) ([][]int32, [][]int32, [][]int32)) (float32, map[string]model.Tensor, int) {
		m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 2), 3, 0.05)
		tr, err := model.NewTrainer(m, optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(1).Done(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids, mask, loss := batch(ts, tok.PAD, 32)
		st, err := tr.Step(model.NLLInputs(ids, mask, loss))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := m.Weights()
		return st.Loss, w, len(ids) * len(ids[0])
	}
	lp, wp, np := step(Pack)
	lb, wb, nb := step(Batch)
	t.Logf("loss %.6f packed, %.6f padded; %d tokens packed, %d padded", lp, lb, np, nb)
	if np >= nb {
		t.Errorf("packing computes %d tokens, padding %d", np, nb)
	}
	if math.Abs(float64(lp-lb)) > 1e-5 {
		t.Errorf("loss %g packed, %g padded", lp, lb)
	}
	for name, x := range wp {
		for i, v := range x.Data {
			if d := math.Abs(float64(v - wb[name].Data[i])); d > 1e-5 {
				t.Fatalf("%s[%d]: %g packed, %g padded", name, i, v, wb[name].Data[i])
			}
		}
	}
}

// suiteBoost is the boost data of the first pairs of a train-sized suite,
// tokenized (none dropped) with a BPE of vocab ids trained on it. It is
// the two-split suite's: with the validation split's keys two of the
// first 20 tasks' examples exceed 512 tokens of a 300-id BPE.
func suiteBoost(t *testing.T, train, pairs, vocab int) (*tokenizer.Tokenizer, []Tokenized) {
	t.Helper()
	tasks := data.Suite(data.SuiteConfig{Train: train, Test: 2, Validation: -1})
	ex := BoostExamples(data.TwoTurnFromSuite(data.SuiteSplit(tasks, "train")[:pairs]), prompt.Builder{}, 1)
	var texts []string
	for _, e := range ex {
		texts = append(texts, e.Prompt, e.Completion)
	}
	tok, err := tokenizer.Train(texts, tokenizer.TrainConfig{VocabSize: vocab})
	if err != nil {
		t.Fatal(err)
	}
	ts, dropped, err := Tokenize(tok, ex, tok.EOS, 512)
	if err != nil || dropped != 0 {
		t.Fatalf("tokenize: %v, %d dropped", err, dropped)
	}
	return tok, ts
}

// TestBoostExamplesUpTo: each later-turn example is turn t of a t-turn
// dialogue (2 ≤ t ≤ turns) holding the first program once and the correct
// one t−2 times before the completion; turns ≤ 2 is BoostExamples.
func TestBoostExamplesUpTo(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 40, Test: 2})
	pairs := data.TwoTurnFromSuite(tasks[:40])
	if !reflect.DeepEqual(BoostExamplesUpTo(pairs, prompt.Builder{}, 2, 3), BoostExamples(pairs, prompt.Builder{}, 3)) {
		t.Error("turns 2 differs from BoostExamples")
	}
	seen := map[int]int{}
	for _, e := range BoostExamplesUpTo(pairs, prompt.Builder{}, 5, 3) {
		seen[e.Turns]++
		if e.Turns == 1 {
			continue
		}
		if got := strings.Count(e.Prompt, "[CORRECT]\n"); got != e.Turns-1 {
			t.Errorf("turn %d prompt has %d correction blocks", e.Turns, got)
		}
		code := strings.TrimSuffix(e.Completion, "\n[DONE]")
		if got := strings.Count(e.Prompt, "[CORRECT]\n"+code+"\n[DONE]"); got != e.Turns-2 {
			t.Errorf("turn %d prompt repeats the correct program %d times, want %d", e.Turns, got, e.Turns-2)
		}
	}
	if seen[1] != 40 || seen[2]+seen[3]+seen[4]+seen[5] != 40 || seen[2] == 0 || seen[5] == 0 || seen[6] != 0 {
		t.Errorf("turns drawn %v, want 40 one-turn and 40 over turns 2…5", seen)
	}
}
