// Package demo runs the whole CoCoS pipeline on the built-in task suite,
// sized for a 2-core CPU: a tiny model from scratch → boost SFT → CoCoS and
// Turn-RL → multi-turn evaluation of the three → the paper's tables and an
// HTML report. Every stage resumes: running it again on the same directory
// continues where it stopped.
package demo

import (
	"io"

	"github.com/cocos-go/cocos/cocos/lab"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
)

// Config sizes a demo run; Default is the embedded default.
type Config struct {
	Dir  string // run directory (required)
	Seed uint64 // seeds data order, sampling and initial weights; default 1
	// Model is the architecture; its VocabSize is the suite tokenizer's.
	Model model.Config
	Suite data.SuiteConfig
	SFT   train.SFTConfig
	// RL is CoCoS's RLOO (trajectory mode, as the paper); Turn-RL takes the
	// same sizes in its own mode.
	RL           rl.RLOOConfig
	MaxNewTokens int // per turn, training and evaluation
	EvalTurns    int // default 5 (the 2-turn table is its first two turns: greedy decoding)
	EvalProblems int // first N of the suite's test split; 0: all
	Progress     io.Writer
}

// Default is the demo of README's first command: the notebooks' embedded
// scale, 4 to 9 minutes on a 2-core CPU with the Go backend
// (docs/demo.md has the sizing).
func Default() Config {
	e := lab.Embedded()
	return Config{Seed: e.Seed, Model: e.Model, Suite: e.Suite, SFT: e.SFT, RL: e.RL,
		MaxNewTokens: e.MaxNewTokens, EvalTurns: e.Turns, EvalProblems: e.EvalProblems}
}

// scale is the demo as a lab scale.
func (c Config) scale() lab.Scale {
	return lab.Scale{Name: "demo", Model: c.Model, Dataset: "suite", Suite: c.Suite, SFT: c.SFT, RL: c.RL,
		MaxNewTokens: c.MaxNewTokens, EvalProblems: c.EvalProblems, Turns: max(c.EvalTurns, 2), Seed: c.Seed}
}

// Reduced is Default cut to a few steps and problems (lab.Reduced): the
// same code path, for CI.
func Reduced() Config {
	c, r := Default(), lab.Reduced(Default().scale())
	c.SFT, c.RL, c.MaxNewTokens, c.EvalTurns, c.EvalProblems = r.SFT, r.RL, r.MaxNewTokens, r.Turns, r.EvalProblems
	return c
}
