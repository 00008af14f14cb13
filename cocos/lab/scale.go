// Package lab is what the notebooks drive: one Scale picks the data, the
// model and every size, and a Lab runs the paper's experiments at that
// scale. Each run lives in its own directory under Lab.Dir and is done
// once: a cell that asks for a finished run gets it back from disk, an
// interrupted one resumes, so notebook cells can be re-run freely and
// share runs (GoNB starts a fresh process for every cell).
package lab

import (
	"fmt"
	"os"

	"github.com/gomlx/compute/dtypes"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/rl"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
)

// Scale sizes everything a notebook runs.
type Scale struct {
	// Name names the runs directory (runs/NAME).
	Name string
	// Base is the model the boost SFT starts from: a Hugging Face id or a
	// directory; empty trains Model from scratch on the built-in suite.
	Base  string
	Model model.Config
	// Dataset holds the RL prompts (its train split) and the main test
	// split: "suite" (built in) or "mbpp". Extra names more test sets
	// ("humaneval", "odex") for section 7's tables.
	Dataset string
	Extra   []string
	Suite   data.SuiteConfig
	// DataDir holds MBPP, HumanEval and ODEX (default: data.ResolveDir).
	DataDir string
	// KodCode is the parquet file of the boost data at paper scale (empty:
	// the suite's two-turn pairs).
	KodCode string
	SFT     train.SFTConfig
	// BoostAttempts, when > 0, builds the boost's 2-turn examples from the
	// model's own failed attempts, as KodCode's are a model's failed trials:
	// the first half of the SFT steps train on 1-turn examples alone, that
	// model samples one program for each of the first BoostAttempts pairs'
	// problems, and a failed one replaces the pair's mistake (the suite's
	// hand-written one, KodCode's mutant) as its turn 1 for the second
	// half. 0: those mistakes.
	BoostAttempts int
	// BoostCopies keeps the correct attempts too, as 2-turn examples whose
	// turn 2 is the reference program again: without them every 2-turn
	// example changes its turn 1, and the boost learns to always edit.
	BoostCopies bool
	// BoostTurns spreads the 2-turn examples over turns 2 … BoostTurns
	// (sft.BoostExamplesUpTo) so that a model trained from scratch has seen
	// the prompts of later turns; ≤ 2: the paper's 2 turns.
	BoostTurns int
	RL         rl.RLOOConfig
	// Tuning is how every trainer (boost SFT, RL, the baselines) holds and
	// updates its model: the compute dtype, LoRA (Tuning.LoRA.Rank > 0:
	// low-rank adapters instead of every weight, the RL and DPO reference
	// the base without them, each run exporting the merged model and its
	// peft adapter in model/adapter) and gradient checkpointing. The zero
	// value is the paper's Table 8: full fine-tuning in f32.
	Tuning train.Tuning
	// Baselines size Turn-SFT, Self-Corrector and ReVISE.
	Baselines Baselines
	// MaxNewTokens per turn, in training and evaluation.
	MaxNewTokens int
	// EvalProblems keeps the first N test problems (0: all).
	EvalProblems int
	// EvalSplit is the split Lab.Test holds: "test" (default) for the
	// reported tables, "validation" while choosing a configuration.
	EvalSplit string
	// Turns is the most turns an evaluation runs (section 8.3: 5).
	Turns int
	// EvalEvery is the steps between the test evaluations of a run that
	// tracks its accuracy (TrackAccuracy: Figure 3's learning curves).
	EvalEvery int
	// SETSSamples is SETS's programs per problem (section 4: 20).
	SETSSamples int
	Seed        uint64
	// Recipe is the paper's text (the zero value) or the authors' released
	// code, or the paper with some of the released departures
	// (recipe.Parse): the RL runs, their prompts and the evaluations follow
	// it; runs of a recipe other than the paper's live in runs/NAME/recipe/R.
	Recipe recipe.Recipe
}

// PaperLoRA is Paper with LoRA adapters of rank r on every projection
// instead of full fine-tuning — an extension, not the paper's recipe — the
// base held and computed in bf16, with per-layer gradient checkpointing:
// about 13 GB of device memory for one RL step of Qwen2.5-1.5B at the
// paper's batch and micro-batch (r = 16, rl.EstimateBudget), so a 24 GB
// card runs it. The RL and DPO reference is the base without the adapters.
func PaperLoRA(modelID string, r int) Scale {
	s := Paper(modelID)
	s.Name = fmt.Sprintf("paper-lora-r%d", r)
	s.Tuning = train.Tuning{DType: dtypes.BFloat16, LoRA: model.LoRAConfig{Rank: r}, Checkpoint: true}
	return s
}

// Baselines size the methods trained on judged samples of the boost model.
type Baselines struct {
	Problems int // first N train problems sampled (0: all)
	Samples  int // programs per problem
	SFT      train.SFTConfig
	ReVISE   train.PreferenceConfig
}

// Embedded is the default: the built-in suite's level-1 families and a
// tiny model from scratch, sized for minutes per run on a 2-core CPU and
// chosen on the suite's validation split (docs/journal.md lists every
// configuration tried): the boost model solves about two thirds of the
// problems at turn 1, and 120 RL steps move its second turn.
func Embedded() Scale {
	return Scale{
		Name: "embedded",
		Model: model.Config{ModelType: "qwen2", HiddenSize: 64, IntermediateSize: 128, NumHiddenLayers: 2,
			NumAttentionHeads: 4, NumKeyValueHeads: 2, HiddenAct: "silu", RopeTheta: 10000, RMSNormEps: 1e-6,
			VocabSize: 1024, TieWordEmbeddings: true, MaxPositionEmbeddings: 1024},
		Dataset:      "suite",
		Suite:        data.SuiteConfig{MaxLevel: 1},
		SFT:          train.SFTConfig{Steps: 1200, Batch: 8, LR: 1e-2, Warmup: 60, MaxLen: 512},
		RL:           rl.RLOOConfig{K: 2, Batch: 8, Steps: 120, LR: 1e-3},
		MaxNewTokens: 40,
		EvalProblems: 100,
		Turns:        5,
		EvalEvery:    20,
		SETSSamples:  4,
		Seed:         1,
		Baselines: Baselines{Problems: 24, Samples: 4,
			SFT:    train.SFTConfig{Steps: 20, Batch: 8, LR: 2e-3, MaxLen: 512},
			ReVISE: train.PreferenceConfig{Steps: 10, Batch: 4, LR: 2e-4, Beta: 0.1, SFTWeight: 1, MaxLen: 512}},
	}
}

// Reduced is s cut to a few steps and problems, in runs/NAME-reduced: the
// same code path in seconds to a minute, for CI's pass over the notebooks
// and the examples. Its numbers mean nothing.
func Reduced(s Scale) Scale {
	s.Name += "-reduced"
	// Enough boost SFT that some samples pass: the baselines need correct
	// and wrong programs of the same problem. Training differs by CPU: on
	// a 2-core AVX-512 EPYC 150 steps left none of 96 samples correct,
	// 600 gave 12 (7 problems with both).
	s.SFT.Steps, s.SFT.Warmup = min(s.SFT.Steps, 600), min(s.SFT.Warmup, 10)
	s.RL.Steps, s.RL.Batch = 2, 2
	s.Baselines.Problems, s.Baselines.Samples = 24, 4
	s.Baselines.SFT.Steps, s.Baselines.ReVISE.Steps = 2, 2
	s.MaxNewTokens, s.EvalProblems, s.Turns, s.EvalEvery, s.SETSSamples = 24, 8, 3, 1, 2
	return s
}

// FromEnv is s, or Reduced(s) when $COCOS_SCALE is "reduced" (how CI runs
// the notebooks and examples quickly without editing them).
func FromEnv(s Scale) Scale {
	if os.Getenv("COCOS_SCALE") == "reduced" {
		return Reduced(s)
	}
	return s
}

// Paper is the paper's setting (Table 8) for a pre-trained model id
// (Qwen/Qwen2.5-1.5B, meta-llama/Llama-3.2-1B,
// deepseek-ai/deepseek-coder-1.3b-base): boost SFT on KodCode
// ($COCOS_KODCODE), RL on MBPP's train split, evaluation on MBPP's test
// split, HumanEval and ODEX, with full fine-tuning as the paper does. It
// needs a GPU (GOMLX_BACKEND=xla:cuda) and, for one RL step of
// Qwen2.5-1.5B at the paper's batch, about 37 GB of it with
//
//	s.Tuning = train.Tuning{DType: dtypes.BFloat16, Checkpoint: true}
//
// (a 40 or 80 GB card; 83 GB without checkpointing, 140 GB in f32:
// rl.EstimateBudget, docs/paper-scale.md). On a 24 GB card use PaperLoRA.
func Paper(modelID string) Scale {
	return Scale{
		Name:         "paper",
		Base:         modelID,
		Dataset:      "mbpp",
		Extra:        []string{"humaneval", "odex"},
		KodCode:      os.Getenv("COCOS_KODCODE"),
		SFT:          train.SFTConfig{Steps: 1000, Batch: 256, MicroBatch: 8, LR: 2e-5, WeightDecay: 0.1, ClipNorm: 1, MaxLen: 1024},
		RL:           rl.RLOOConfig{K: 2, Batch: 64, MicroBatch: 8, Steps: 1500, LR: 1e-5, Beta: 0.01, Gamma: 0.5, Temperature: 0.9},
		MaxNewTokens: 512,
		Turns:        5,
		EvalEvery:    100,
		SETSSamples:  20,
		Seed:         1,
		Baselines: Baselines{Samples: 10,
			SFT:    train.SFTConfig{Steps: 500, Batch: 64, MicroBatch: 8, LR: 1e-5, WeightDecay: 0.1, ClipNorm: 1, MaxLen: 1024},
			ReVISE: train.PreferenceConfig{Steps: 100, Batch: 16, LR: 1e-5, Beta: 0.1, SFTWeight: 1, MaxLen: 1024}},
	}
}
