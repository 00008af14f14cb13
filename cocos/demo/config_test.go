package demo

import (
	"reflect"
	"testing"

	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/train"
)

// TestDefaultIsTheMeasuredDemo: the default is the configuration whose
// time docs/BENCHMARKS.md and tables docs/demo.md record.
func TestDefaultIsTheMeasuredDemo(t *testing.T) {
	c := Default()
	want := Config{Seed: 1, Model: c.Model, Suite: c.Suite,
		SFT:          train.SFTConfig{Steps: 1200, Batch: 8, LR: 1e-2, Warmup: 60, MaxLen: 512},
		RL:           rl.RLOOConfig{K: 2, Batch: 8, Steps: 120, LR: 1e-3},
		MaxNewTokens: 40, EvalTurns: 5, EvalProblems: 100}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() = %+v\nwant %+v", c, want)
	}
	if m := c.Model; m.HiddenSize != 64 || m.NumHiddenLayers != 2 || m.NumAttentionHeads != 4 || m.VocabSize != 1024 || c.Suite.MaxLevel != 1 {
		t.Errorf("model %+v, suite %+v", m, c.Suite)
	}
}
