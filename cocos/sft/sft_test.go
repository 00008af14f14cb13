package sft

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

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
	tasks := data.Suite(data.SuiteConfig{Train: 40, Test: 4})
	ex := BoostExamples(data.TwoTurnFromSuite(data.SuiteSplit(tasks, "train")[:16]), prompt.Builder{}, 1)
	var texts []string
	for _, e := range ex {
		texts = append(texts, e.Prompt, e.Completion)
	}
	tok, err := tokenizer.Train(texts, tokenizer.TrainConfig{VocabSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	ts, dropped, err := Tokenize(tok, ex, tok.EOS, 512)
	if err != nil || dropped != 0 {
		t.Fatalf("tokenize: %v, %d dropped", err, dropped)
	}
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
	tr, err := model.NewTrainer(m, optimizers.Adam().LearningRate(3e-3).WeightDecay(0.1).Done(), nil)
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
