package rl

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
)

// BenchShape is one CoCoS RLOO step as `cocos bench rloo` times it: Prompts
// prompts of PromptLen tokens, K samples each, Turns turns of NewTokens
// sampled tokens, FeedbackLen tokens of feedback and instruction between
// turns, then one policy update on every trajectory.
type BenchShape struct {
	Prompts, K, Turns             int
	PromptLen, NewTokens          int
	FeedbackLen, MicroBatch, Seed int
	// Static samples with static batches, as before continuous batching
	// (model.EngineConfig.Static), for comparison.
	Static bool
}

// BenchResult is one step's time by phase and its memory.
type BenchResult struct {
	Rollout, LogProbs, Update time.Duration
	Turns                     []time.Duration // each turn's sampling
	Tokens                    int             // tokens in the update (all trajectories, padding excluded)
	HeapBytes                 uint64          // Go heap in use after the update (host memory on the Go backend)
	KVCacheBytes              int64           // the rollouts' KV cache at its largest (the last turn's)
}

// Bench runs one CoCoS step on synthetic data: random prompts and feedback
// (the sandbox and the tokenizer are not what it measures), sampling at the
// paper's temperature with no stop string, so every turn runs to NewTokens
// — the most a step can cost — and random 0/1 rewards.
func Bench(policy, ref *model.Model, shape BenchShape, w io.Writer) (BenchResult, error) {
	var res BenchResult
	r := rand.New(rand.NewPCG(uint64(shape.Seed), 7))
	rows := shape.Prompts * shape.K
	random := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = r.IntN(policy.Config.VocabSize)
		}
		return out
	}
	gen := model.GenerateConfig{MaxNewTokens: shape.NewTokens, Temperature: 0.9, StopStrings: []string{}, Seed: uint64(shape.Seed),
		Engine: model.EngineConfig{Static: shape.Static}}
	d := policy.NewDialogue(nil)
	prompts := make([][]int, rows)
	for p := range shape.Prompts {
		base := random(shape.PromptLen)
		for k := range shape.K {
			prompts[p*shape.K+k] = base
		}
	}
	traj := make([]Sequence, rows)
	start := time.Now()
	for turn := range shape.Turns {
		t0 := time.Now()
		gens, err := d.GenerateIDs(prompts, gen)
		res.Turns = append(res.Turns, time.Since(t0))
		if err != nil {
			return res, fmt.Errorf("rl: bench turn %d: %w", turn+1, err)
		}
		for i, g := range gens {
			if turn == 0 {
				traj[i].IDs, traj[i].Action = toInt32(g.PromptIDs, 0), toInt32(g.PromptIDs, 0)
			}
			traj[i].IDs = append(traj[i].IDs, toInt32(g.NewIDs, -1)...)
			traj[i].Action = append(traj[i].Action, toInt32(g.NewIDs, 1)...)
			next := append(append(append([]int(nil), g.PromptIDs...), g.NewIDs...), random(shape.FeedbackLen)...)
			if turn+1 < shape.Turns {
				traj[i].IDs = append(traj[i].IDs, toInt32(next[len(next)-shape.FeedbackLen:], -1)...)
				traj[i].Action = append(traj[i].Action, make([]int32, shape.FeedbackLen)...)
				prompts[i] = next
			}
		}
	}
	res.Rollout = time.Since(start)
	width := shape.PromptLen + shape.Turns*shape.NewTokens + (shape.Turns-1)*shape.FeedbackLen
	res.KVCacheBytes = policy.CacheBytes(rows, width)
	rollouts := make([]Rollout, rows)
	for i := range traj {
		rollouts[i] = Rollout{Seqs: []Sequence{traj[i]}, Reward: float64(r.IntN(2))}
		res.Tokens += len(traj[i].IDs)
	}
	rloo, err := NewRLOO(policy, ref, RLOOConfig{K: shape.K, Batch: shape.Prompts, MicroBatch: shape.MicroBatch})
	if err != nil {
		return res, err
	}
	st, err := rloo.Step(rollouts)
	if err != nil {
		return res, fmt.Errorf("rl: bench update: %w", err)
	}
	res.LogProbs, res.Update = st.LogProbTime, st.UpdateTime
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapBytes = ms.HeapInuse
	engine := map[bool]string{true: "static batches", false: "continuous batching"}[shape.Static]
	fmt.Fprintf(w, "rloo step: %d prompts x %d samples x %d turns, prompt %d + %d new tokens a turn: rollout %.1f s (%s; turns %s), "+
		"log-probs %.1f s, update %.1f s (%d tokens), Go heap %.2f GiB\n",
		shape.Prompts, shape.K, shape.Turns, shape.PromptLen, shape.NewTokens, res.Rollout.Seconds(), engine, seconds(res.Turns),
		res.LogProbs.Seconds(), res.Update.Seconds(), res.Tokens, float64(res.HeapBytes)/(1<<30))
	return res, nil
}

func seconds(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.1f", d.Seconds())
	}
	return strings.Join(parts, " + ")
}

// toInt32 converts ids; mark ≥ 0 replaces every value by mark (an action
// mask of the same length).
func toInt32(ids []int, mark int32) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
		if mark >= 0 {
			out[i] = mark
		}
	}
	return out
}
