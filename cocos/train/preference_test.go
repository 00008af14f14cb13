package train

import (
	"context"
	"math"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// margins is, per pair, how much more m than ref prefers chosen over
// rejected (summed completion log-probabilities).
func margins(t *testing.T, p *Preference, m *model.Model) []float64 {
	chosen, rejected, err := p.tokenize(512)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(chosen))
	for _, side := range []struct {
		part []sft.Tokenized
		sign float64
	}{{chosen, 1}, {rejected, -1}} {
		sign := side.sign
		for i, x := range side.part {
			ids, mask := [][]int32{x.IDs}, [][]int32{make([]int32, len(x.IDs))}
			for j := range mask[0] {
				mask[0][j] = 1
			}
			for _, mm := range []struct {
				m *model.Model
				s float64
			}{{m, 1}, {p.Reference, -1}} {
				lp, err := mm.m.LogProbs(ids, mask, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range lp[0] {
					out[i] += sign * mm.s * float64(v) * float64(x.LossMask[k+1])
				}
			}
		}
	}
	return out
}

// TestPreference: the first step's loss is log 2 (policy = reference, so
// every DPO margin is 0) plus the chosen completions' NLL; a few steps make
// the policy prefer every chosen completion more than the reference does;
// the run writes its checkpoint and model.
func TestPreference(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	pairs := []Pair{
		{Prompt: "def f(x):\n", Chosen: "    return x + 1\n[DONE]", Rejected: "    return x - 1\n[DONE]"},
		{Prompt: "def g(s):\n", Chosen: "    return s.upper()\n[DONE]", Rejected: "    return s\n[DONE][CORRECT]\n    return s.lower()\n[DONE]"},
	}
	var losses []float64
	p := &Preference{Model: tinytest.Model(t, cfg, 1, 0.1), Reference: tinytest.Model(t, cfg, 1, 0.1), Tokenizer: tok, Pairs: pairs,
		Config: PreferenceConfig{Steps: 8, Batch: 2, LR: 3e-3, Run: RunConfig{Dir: t.TempDir(), OnStep: func(pr Progress) { losses = append(losses, pr.Loss) }}}}
	// NLL of the chosen completions under the untrained model, token-averaged.
	chosen, _, _ := p.tokenize(512)
	var nll, n float64
	for _, x := range chosen {
		mask := make([]int32, len(x.IDs))
		for j := range mask {
			mask[j] = 1
		}
		lp, _ := p.Model.LogProbs([][]int32{x.IDs}, [][]int32{mask}, nil)
		for k, v := range lp[0] {
			nll -= float64(v) * float64(x.LossMask[k+1])
			n += float64(x.LossMask[k+1])
		}
	}
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := math.Log(2) + nll/n; math.Abs(losses[0]-want) > 1e-4 {
		t.Errorf("first loss %.6f, want log 2 + NLL = %.6f", losses[0], want)
	}
	for i, m := range margins(t, p, p.Model) {
		if m <= 0 {
			t.Errorf("pair %d: margin %.4f after training, want > 0", i, m)
		}
	}
	t.Logf("losses %.3f", losses)
}
