// Package tinytest builds the tiny models and tokenizers that tests of the
// training and evaluation packages run on.
package tinytest

import (
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

// Tokenizer trains a byte-level BPE of vocab ids on prompt.Corpus(tasks).
func Tokenizer(t testing.TB, tasks []data.Task, vocab int) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Train(prompt.Corpus(tasks), tokenizer.TrainConfig{VocabSize: vocab})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Config is a small Qwen2-shaped architecture: hidden size, layers, and
// heads over half as many KV heads (hidden/16 heads, at least 2).
func Config(vocab, hidden, layers int) model.Config {
	heads := max(2, hidden/16)
	return model.Config{ModelType: "qwen2", HiddenSize: hidden, IntermediateSize: 2 * hidden, NumHiddenLayers: layers,
		NumAttentionHeads: heads, NumKeyValueHeads: heads / 2, HiddenAct: "silu", RopeTheta: 10000, RMSNormEps: 1e-6,
		VocabSize: vocab, TieWordEmbeddings: true, MaxPositionEmbeddings: 2048}
}

// Model is cfg with random weights (seed, std) on the Go backend.
func Model(t testing.TB, cfg model.Config, seed uint64, std float64) *model.Model {
	t.Helper()
	backend, err := model.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(backend, cfg, model.RandomWeights(cfg, seed, std))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// SameWeights fails the test unless a and b hold bit-identical weights
// (what a resumed run must reach).
func SameWeights(t testing.TB, a, b *model.Model) {
	t.Helper()
	wa, errA := a.Weights()
	wb, errB := b.Weights()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for name, x := range wa {
		for i, v := range x.Data {
			if v != wb[name].Data[i] {
				t.Fatalf("%s[%d]: %g, then %g", name, i, v, wb[name].Data[i])
			}
		}
	}
}

// Judge is a one-worker sandbox closed when the test ends.
func Judge(t testing.TB) *sandbox.Executor {
	t.Helper()
	e, err := sandbox.New(sandbox.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
