// Package rl holds CoCoS's reinforcement learning: RLOO over multi-turn
// trajectories in the paper's and the released code's modes.
package rl

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
)

// Mode is which tokens of a trajectory are the action.
type Mode int

const (
	// Trajectory: each of the k samples draws its own turn 1 … T and the
	// policy gradient covers every turn's tokens (the paper's Eq. 6).
	Trajectory Mode = iota
	// Turn2: turn 1 is drawn once per prompt without gradient and shared by
	// the k samples; only the last turn's tokens are trained (the authors'
	// released code). The γ·r_1 term then cancels in the leave-one-out
	// baseline.
	Turn2
	// FirstShared: each sample draws its own turn 1, but every turn 2
	// follows the first sample's; only turn 2 is trained, and a turn-1 KL
	// (Turn1KL) reads each sample's own turn 1 (the released SCoRe stage I).
	FirstShared
)

var modeNames = [...]string{"trajectory", "turn2", "first-shared"}

func (m Mode) String() string { return modeNames[m] }

// ParseMode reads a Mode's name.
func ParseMode(s string) (Mode, error) {
	for m, n := range modeNames {
		if n == s {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("rl: unknown mode %q (trajectory, turn2, first-shared)", s)
}

// OldLogProbs is where a step reads the policy's log-probs of its sampled
// tokens for the PPO ratio's denominator and the KL to the reference.
type OldLogProbs int

const (
	// PolicyLogProbs recomputes them under the policy's full softmax at the
	// sampling temperature: the distribution the paper's sampler draws
	// from, so the ratio starts at 1.
	PolicyLogProbs OldLogProbs = iota
	// SampledLogProbs takes those of the sampling distribution itself
	// (the released code: temperature, then top-k renormalised), while the
	// new policy's and the reference's come from the full softmax: the
	// ratio is ≤ 1 and the KL estimate biased upwards.
	SampledLogProbs
)

func (o OldLogProbs) String() string { return [...]string{"policy", "sampled"}[o] }

// Objective is how a trajectory's turn rewards r_1 … r_T make its reward R.
type Objective int

const (
	// Accumulated is CoCoS's R = γ^(T-1)·r_1 + Σ γ^(T-t)·(r_t − r_{t-1}).
	Accumulated Objective = iota
	// LastTurn is SCoRe stage I's R = r_T (turn 1 is held by Turn1KL).
	LastTurn
	// Shaped is SCoRe stage II's R = Σ r_t + α·(r_T − r_1).
	Shaped
)

func (o Objective) String() string { return [...]string{"accumulated", "last-turn", "shaped"}[o] }

// RLOOConfig holds CoCoS's RLOO settings; zero fields take the paper's
// values (Table 8) where it gives them.
type RLOOConfig struct {
	Mode        Mode
	K           int     // samples per prompt; default 2
	Beta        float64 // KL coefficient; default 0.01
	Gamma       float64 // discount of the accumulated reward; default 0.5 (set NoGamma for 0)
	NoGamma     bool    // use γ = 0
	Temperature float64 // rollout sampling temperature; default 0.9
	// TopK samples rollouts among the K highest logits; 0 (the paper): all.
	// The released code leaves Hugging Face's default of 50.
	TopK int
	// OldLogProbs is the source of the ratio's old log-probs and the KL's
	// policy log-probs; default PolicyLogProbs.
	OldLogProbs OldLogProbs
	// Budget generates every turn to its full token budget, stopping at
	// neither [DONE] nor EOS, and trains (loss and KL) each turn's tokens up
	// to the first padding token (EOS where pad = EOS), as the released code
	// does; false (the paper): a turn ends at [DONE] or EOS.
	Budget bool
	Clip   float64 // PPO clip range on the sequence ratio; 0 is plain REINFORCE (the released code: 0.2)
	Epochs int     // optimisation epochs per batch; default 1 (the released code too)
	LR     float64 // Adam learning rate; default 1e-5
	Steps  int     // default 1500
	Batch  int     // prompts per step; default 128 / K
	// Turn1KL adds SCoRe stage I's penalty: this coefficient times the KL
	// of the turn-1 tokens alone (0.25 in the released code), on top of Beta.
	Turn1KL float64
	// Objective is the trajectory reward R: CoCoS's accumulated reward
	// (default), or SCoRe's stage I (LastTurn) or stage II (Shaped).
	Objective Objective
	// Alpha is the Shaped objective's improvement bonus; default 10 (SCoRe
	// asks for a large one).
	Alpha float64
	// ClipNorm bounds the global gradient norm; default 1.0 (TRL's
	// max_grad_norm), negative for none.
	ClipNorm float64
	// MicroBatch, when > 0, accumulates gradients over micro-batches of this
	// many rollouts (it must divide Batch·K), to bound activation memory.
	MicroBatch int
}

// Fill returns c with defaults applied.
func (c RLOOConfig) Fill() RLOOConfig {
	if c.K <= 1 {
		c.K = 2
	}
	if c.Beta == 0 {
		c.Beta = 0.01
	}
	if c.Gamma == 0 && !c.NoGamma {
		c.Gamma = 0.5
	}
	if c.Temperature == 0 {
		c.Temperature = 0.9
	}
	if c.Epochs <= 0 {
		c.Epochs = 1
	}
	if c.LR == 0 {
		c.LR = 1e-5
	}
	if c.Steps <= 0 {
		c.Steps = 1500
	}
	if c.Batch <= 0 {
		c.Batch = 128 / c.K
	}
	if c.Alpha == 0 {
		c.Alpha = 10
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	return c
}

// Advantages returns RLOO's leave-one-out advantages: each sample's score
// minus the mean score of the other k−1 samples of its prompt. scores are
// grouped by prompt, k consecutive samples each; a score is the reward
// minus β times the sequence KL (the released code subtracts it before the
// baseline), with no normalisation.
func Advantages(scores []float64, k int) ([]float64, error) {
	if k < 2 || len(scores)%k != 0 {
		return nil, fmt.Errorf("rl: %d scores do not form groups of k=%d ≥ 2", len(scores), k)
	}
	out := make([]float64, len(scores))
	for g := 0; g < len(scores); g += k {
		var sum float64
		for _, s := range scores[g : g+k] {
			sum += s
		}
		for i := g; i < g+k; i++ {
			out[i] = scores[i] - (sum-scores[i])/float64(k-1)
		}
	}
	return out, nil
}

// PolicyLoss is the RLOO objective to minimise for a batch of N rollouts
// held in R ≥ N token rows:
//
//	−(1/N) Σ_i A_i · Σ_{rows r of i} Σ_t action[r,t] · logπ(token_t)
//
// with tokenLogProbs and action of [R, T], owner of [R] (the rollout each
// row belongs to: a trajectory whose sampled turn 1 is not what its turn-2
// context re-encodes is two rows) and advantages of [N]. With clip > 0 it
// is PPO's clipped form on each rollout's sequence ratio
// exp(Σ action·(logπ − logπ_old)), as the released code trains.
func PolicyLoss(tokenLogProbs, action, owner, advantages, oldSeqLogProbs *Node, clip float64) *Node {
	g := tokenLogProbs.Graph()
	act := ConvertDType(action, dtypes.Float32)
	rows := ReduceSum(Mul(tokenLogProbs, act), -1) // [R]
	n := advantages.Shape().Dimensions[0]
	seq := ReduceSum(Mul(OneHot(owner, n, dtypes.Float32), ExpandAxes(rows, -1)), 0) // [N]
	if clip <= 0 {
		return MulScalar(ReduceAllSum(Mul(advantages, seq)), -1/float64(n))
	}
	ratio := Exp(Sub(seq, oldSeqLogProbs))
	// Min/Max rather than Clip: GoMLX v0.26 had no gradient for Clamp.
	clipped := Min(Max(ratio, Scalar(g, dtypes.Float32, 1-clip)), Scalar(g, dtypes.Float32, 1+clip))
	obj := Min(Mul(ratio, advantages), Mul(clipped, advantages))
	return MulScalar(ReduceAllSum(obj), -1/float64(n))
}
