// Package recipe names the two ways this project runs CoCoS: the paper's
// text (Paper, the default) and the authors' released code (Released,
// github.com/jeonghun3572/CoCoS at 2e0c27e, read fact by fact in
// ../shared/paper/PROTOCOL.md). Each place the released code departs from
// the text is a field of Recipe that can be flipped alone (Departures),
// so that an ablation can say which departures move the results. What the
// two share — batch, steps, learning rate, β, k, temperature, the token
// budget — stays in the trainers' own configurations.
package recipe

import (
	"fmt"
	"strings"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/cocos/rl"
)

// Recipe is one way to run CoCoS. The zero value is the paper's text; each
// field's comment gives the released code's value.
type Recipe struct {
	// Name is "paper", "released", or the base and the departures flipped
	// on it ("paper+budget+top-k"); Parse reads it back.
	Name string
	// Mode is what CoCoS trains: every sample's own turn 1 and turn 2
	// (rl.Trajectory, the paper's Eq. 6), or one shared turn 1 and turn 2
	// alone (rl.Turn2, released), where γ·r_1 cancels in the baseline.
	Mode rl.Mode
	// Budget generates every RL turn to its full token budget, stopping at
	// neither [DONE] nor EOS, and masks loss and KL from the first padding
	// token on (released: the policy's EOS and pad ids are removed).
	Budget bool
	// BoostWithoutEOS ends the boost model's SFT completions at [DONE]
	// without an EOS to learn (released: pad = EOS labels are masked).
	BoostWithoutEOS bool
	// TopK samples RL rollouts among the K highest logits, with the old
	// log-probs of the sampling distribution (top-K renormalised) while
	// the policy's and the reference's come from the full softmax
	// (released: Hugging Face's default of 50, left unset).
	TopK int
	// RawCount makes r_t the number of passing tests rather than their
	// share (released); binary rewards stay binary.
	RawCount bool
	// History is what turns t ≥ 2 show: the whole dialogue (prompt.Full)
	// or the task and the last code alone (prompt.Last, released).
	History prompt.History
	// FewShotOnce shows a few-shot block at turn 1 only (released).
	FewShotOnce bool
	// StripTests strips the joined tests of surrounding whitespace in the
	// prompt (released).
	StripTests bool
	// Extraction reads code out of responses decoded without special
	// tokens by the released code_process (prompt.ReleasedExtraction).
	Extraction prompt.Extraction
	// SCoReFirstShared builds SCoRe stage I's every turn 2 from the first
	// sample's turn 1 and trains no turn-1 token (rl.FirstShared, released).
	SCoReFirstShared bool
	// Clip is PPO's clip on the sequence ratio: 0 is plain RLOO (the
	// paper), 0.2 released.
	Clip float64
	// Epochs is PPO epochs per batch: 1 in both (the released script
	// overrides TRL's default of 4); 0 reads as 1.
	Epochs int
}

// Departure is one way the released code departs from the paper's text.
type Departure struct {
	Name string // as Parse reads it
	Doc  string // what the released code does
	// Apply sets the departure's fields to the released code's values.
	Apply func(*Recipe)
}

// Departures lists every departure, in PROTOCOL.md's order.
func Departures() []Departure {
	return []Departure{
		{"turn2", "one shared turn 1 per prompt, turn 2 alone trained", func(r *Recipe) { r.Mode = rl.Turn2 }},
		{"budget", "no stop: every rollout is the full budget, masked after the first pad/EOS", func(r *Recipe) { r.Budget = true }},
		{"boost-no-eos", "the boost model's completions end at [DONE] with no EOS", func(r *Recipe) { r.BoostWithoutEOS = true }},
		{"top-k", "top-50 sampling, old log-probs from the renormalised top 50", func(r *Recipe) { r.TopK = 50 }},
		{"count", "r_t the raw count of passing tests", func(r *Recipe) { r.RawCount = true }},
		{"last-code", "turns t ≥ 2 show the task and the last code only", func(r *Recipe) { r.History = prompt.Last }},
		{"few-shot-once", "a few-shot block at turn 1 only", func(r *Recipe) { r.FewShotOnce = true }},
		{"strip-tests", "the joined tests stripped of surrounding whitespace", func(r *Recipe) { r.StripTests = true }},
		{"extraction", "code_process on responses decoded without special tokens", func(r *Recipe) { r.Extraction = prompt.ReleasedExtraction }},
		{"score-first-shared", "SCoRe stage I: every turn 2 after the first turn 1, no turn-1 gradient", func(r *Recipe) { r.SCoReFirstShared = true }},
		{"clip", "PPO clip 0.2 on the sequence ratio", func(r *Recipe) { r.Clip = 0.2 }},
	}
}

// Paper is the paper's text: the default.
func Paper() Recipe { return Recipe{Name: "paper"} }

// Released is the authors' released code: every departure applied.
func Released() Recipe {
	r := Paper()
	for _, d := range Departures() {
		d.Apply(&r)
	}
	r.Name = "released"
	return r
}

// Parse reads a recipe's name: "paper", "released", or either followed by
// "+departure" terms (Departures' names) flipped to the released value.
func Parse(name string) (Recipe, error) {
	parts := strings.Split(name, "+")
	var r Recipe
	switch parts[0] {
	case "paper", "":
		r = Paper()
	case "released":
		r = Released()
	default:
		return r, fmt.Errorf("recipe: unknown recipe %q (paper, released, or paper+DEPARTURE…)", parts[0])
	}
	for _, p := range parts[1:] {
		d, ok := departure(p)
		if !ok {
			return r, fmt.Errorf("recipe: %q: unknown departure %q (%s)", name, p, strings.Join(names(), ", "))
		}
		d.Apply(&r)
	}
	if name == "" {
		name = "paper"
	}
	r.Name = name
	return r, nil
}

// With is r with the named departures applied, named for them.
func (r Recipe) With(departures ...string) (Recipe, error) {
	name := r.Name
	if name == "" {
		name = "paper"
	}
	for _, d := range departures {
		name += "+" + d
	}
	return Parse(name)
}

func departure(name string) (Departure, bool) {
	for _, d := range Departures() {
		if d.Name == name {
			return d, true
		}
	}
	return Departure{}, false
}

func names() []string {
	var out []string
	for _, d := range Departures() {
		out = append(out, d.Name)
	}
	return out
}

// String is the recipe's name ("paper" for the zero value).
func (r Recipe) String() string {
	if r.Name == "" {
		return "paper"
	}
	return r.Name
}

// Prompts is b with the recipe's prompt format and extraction.
func (r Recipe) Prompts(b prompt.Builder) prompt.Builder {
	b.History, b.FewShotOnce, b.StripTests, b.Extraction = r.History, r.FewShotOnce, r.StripTests, r.Extraction
	return b
}

// Reward is the turn reward kind under the recipe.
func (r Recipe) Reward(k reward.Kind) reward.Kind {
	if r.RawCount && k == reward.Progressive {
		return reward.PassedCount
	}
	return k
}

// RL is c with the recipe's RL departures flipped on, for a method: CoCoS
// takes the recipe's mode, SCoRe stage I its turn-1 sharing; the other
// methods keep their own. Fields at the paper's value leave c as it is, so
// a caller's explicit mode or clip stands under the paper recipe.
func (r Recipe) RL(c rl.RLOOConfig, cocos, scoreStage1 bool) rl.RLOOConfig {
	if cocos && r.Mode != rl.Trajectory {
		c.Mode = r.Mode
	}
	if scoreStage1 && r.SCoReFirstShared {
		c.Mode = rl.FirstShared
	}
	c.Budget = c.Budget || r.Budget
	if r.TopK > 0 {
		c.TopK, c.OldLogProbs = r.TopK, rl.SampledLogProbs
	}
	if r.Clip > 0 {
		c.Clip = r.Clip
	}
	if r.Epochs > 0 {
		c.Epochs = r.Epochs
	}
	return c
}

// Generate is an evaluation's decoding under the recipe: the released code
// decodes responses without special tokens. (It also generates greedily
// past [DONE] to EOS; the code it reads is cut at the first [DONE], which
// greedy decoding reaches with the same tokens either way, so evaluation
// keeps stopping there.)
func (r Recipe) Generate(g model.GenerateConfig) model.GenerateConfig {
	g.SkipSpecial = r.Extraction == prompt.ReleasedExtraction
	return g
}

// Metadata is the recipe as key-value pairs for a run's metadata.
func (r Recipe) Metadata() map[string]any {
	return map[string]any{"recipe": r.String(), "mode": r.Mode.String(), "budget": r.Budget,
		"boost_eos": !r.BoostWithoutEOS, "top_k": r.TopK, "raw_count": r.RawCount, "history": r.History.String(),
		"few_shot_once": r.FewShotOnce, "strip_tests": r.StripTests, "extraction": r.Extraction.String(),
		"score_first_shared": r.SCoReFirstShared, "clip": r.Clip, "epochs": max(r.Epochs, 1)}
}
