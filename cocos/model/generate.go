package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Tokenizer is what generation needs from a tokenizer.
type Tokenizer interface {
	Encode(text string) ([]int, error)
	Decode(ids []int, skipSpecial bool) string
}

// GenerateConfig controls sampling. The zero value is greedy decoding of up
// to 512 tokens that stops at "[DONE]" (the paper's evaluation setting).
type GenerateConfig struct {
	// MaxNewTokens caps each completion. Default 512.
	MaxNewTokens int
	// Temperature 0 is greedy; the paper samples RL rollouts at 0.9.
	Temperature float64
	// TopP keeps the smallest set of tokens whose probability reaches it.
	// Default 1 (no truncation).
	TopP float64
	// TopK, when > 0, samples among the K highest logits only (ties with
	// the K-th kept, as Hugging Face's top-k does), renormalised; the
	// released CoCoS code samples with Hugging Face's default of 50. Applied
	// before TopP.
	TopK int
	// SkipSpecial decodes Text without special tokens, as Hugging Face's
	// skip_special_tokens=True (the released code decodes responses so).
	SkipSpecial bool
	// Seed makes sampling reproducible; row r draws from its own stream.
	Seed uint64
	// Streams, if set, gives each row its sampler's (seed, stream) instead
	// of (Seed, r): a server batching requests keeps each one's own.
	Streams [][2]uint64
	// StopStrings end a row once its text contains one. Default ["[DONE]"];
	// use []string{} for none.
	StopStrings []string
	// StopTokens end a row when sampled (EOS).
	StopTokens []int
	// PadToken fills left padding and finished rows. Default 0.
	PadToken int
	// Bucket rounds prompt length and cache capacity up to a multiple, so
	// that few distinct shapes are compiled. Default 32.
	Bucket int
	// Engine sizes the generation engine of a Dialogue's first call (the
	// zero value: a slot per row, continuous batching, DefaultKVMemory).
	Engine EngineConfig
	// OnToken, if set, is called after each token a row samples, with the
	// row so far (Stop is set on its last call). Returning false ends the
	// row there (Stop "cancelled") while the others go on: a server frees
	// the row of a client that went away. It runs on the generating
	// goroutine, so it must not block.
	OnToken func(row int, g *Generation) bool
}

func (c *GenerateConfig) fill() {
	if c.MaxNewTokens <= 0 {
		c.MaxNewTokens = 512
	}
	if c.TopP <= 0 || c.TopP > 1 {
		c.TopP = 1
	}
	if c.StopStrings == nil {
		c.StopStrings = []string{"[DONE]"}
	}
	if c.Bucket <= 0 {
		c.Bucket = 32
	}
}

// Generation is one completion.
type Generation struct {
	PromptIDs []int
	NewIDs    []int
	Text      string    // decoded NewIDs, cut just after a stop string
	LogProbs  []float32 // log-prob of each new token under the sampling distribution
	Stop      string    // "stop_string", "stop_token", "length" or "cancelled"
}

func roundUp(n, k int) int { return (n + k - 1) / k * k }

// ContextLength is the most tokens a row may hold, its prompt and its new
// tokens together: config.json's max_position_embeddings, or 0 (no limit)
// when the config leaves it unset.
func (m *Model) ContextLength() int { return max(m.Config.MaxPositionEmbeddings, 0) }

// ContextError reports a prompt whose tokens and generation budget
// together exceed the model's context: generation refuses it up front
// rather than run past the positions the model was trained on (and
// allocate a cache and attention scores for them).
type ContextError struct {
	Row           int // the prompt's index in the generation call
	PromptTokens  int
	MaxNewTokens  int
	ContextLength int
}

func (e *ContextError) Error() string {
	return fmt.Sprintf("model: prompt %d: %d prompt tokens + %d new tokens = %d exceed the model's maximum context length of %d tokens (max_position_embeddings)",
		e.Row, e.PromptTokens, e.MaxNewTokens, e.PromptTokens+e.MaxNewTokens, e.ContextLength)
}

// CheckContext returns a *ContextError for the first prompt that, with
// maxNew tokens after it, does not fit the model's context; nil when all
// fit or the model sets no limit.
func (m *Model) CheckContext(prompts [][]int, maxNew int) error {
	limit := m.ContextLength()
	if limit == 0 {
		return nil
	}
	for i, p := range prompts {
		if len(p)+maxNew > limit {
			return &ContextError{Row: i, PromptTokens: len(p), MaxNewTokens: maxNew, ContextLength: limit}
		}
	}
	return nil
}

// Generate completes prompts as one batch with the KV cache.
func (m *Model) Generate(tok Tokenizer, prompts []string, cfg GenerateConfig) ([]Generation, error) {
	return m.NewDialogue(tok).Generate(prompts, cfg)
}

// GenerateIDs completes tokenized prompts. tok decodes text for stop
// strings; it may be nil when there are none (Text is then empty). A
// prompt that does not fit the context with MaxNewTokens after it gets a
// *ContextError (see CheckContext).
func (m *Model) GenerateIDs(tok Tokenizer, prompts [][]int, cfg GenerateConfig) ([]Generation, error) {
	return m.NewDialogue(tok).GenerateIDs(prompts, cfg)
}

// finish decodes the row's text and reports whether the row is complete.
func (g *Generation) finish(tok Tokenizer, id int, cfg GenerateConfig, full bool) bool {
	if tok != nil {
		// Byte-level tokens can stop inside a character: keep the text valid
		// UTF-8 (as HF decodes with errors="replace"), so prompts built from
		// it encode and decode byte for byte.
		g.Text = strings.ToValidUTF8(tok.Decode(g.NewIDs, cfg.SkipSpecial), "\uFFFD")
	}
	for _, s := range cfg.StopStrings {
		if i := strings.Index(g.Text, s); s != "" && i >= 0 {
			g.Text, g.Stop = g.Text[:i+len(s)], "stop_string"
			return true
		}
	}
	for _, s := range cfg.StopTokens {
		if id == s {
			g.Stop = "stop_token"
			return true
		}
	}
	if full {
		g.Stop = "length"
	}
	return full
}

// sample picks a token from logits: argmax at temperature 0, else from the
// temperature-scaled distribution truncated to top-k, then top-p. It
// returns the token's log-prob under the distribution it was drawn from
// (the truncated one, renormalised). Only top-p
// below 1 sorts the vocabulary: a sort per row and token was a sixth of a
// benchmark run's CPU time (docs/journal.md).
func sample(logits []float32, cfg GenerateConfig, r *rand.Rand) (int, float32) {
	t := cfg.Temperature
	if t <= 0 {
		t = 1
	}
	best, maxv := 0, math.Inf(-1)
	for i, l := range logits {
		if v := float64(l) / t; v > maxv {
			best, maxv = i, v
		}
	}
	probs := make([]float64, len(logits))
	floor := math.Inf(-1)
	if cfg.TopK > 0 && cfg.Temperature > 0 {
		floor = float64(kthLargest(logits, cfg.TopK))
	}
	var z float64
	for i, l := range logits {
		if float64(l) >= floor {
			probs[i] = math.Exp(float64(l)/t - maxv)
			z += probs[i]
		}
	}
	if cfg.Temperature <= 0 {
		return best, float32(math.Log(probs[best] / z))
	}
	support, mass := nucleus(probs, z, cfg.TopP)
	u := r.Float64() * mass
	last := best
	for _, i := range support {
		if probs[i] == 0 {
			continue
		}
		if u -= probs[i]; u <= 0 {
			return i, float32(math.Log(probs[i] / mass))
		}
		last = i
	}
	return last, float32(math.Log(probs[last] / mass))
}

// nucleus returns the tokens sampling draws from and their unnormalised
// mass: every token at top-p 1, else the most probable ones (ties to the
// lower id) until their share of z reaches topP.
func nucleus(probs []float64, z, topP float64) ([]int, float64) {
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	if topP >= 1 {
		return order, z
	}
	sort.Slice(order, func(a, b int) bool {
		pa, pb := probs[order[a]], probs[order[b]]
		return pa > pb || (pa == pb && order[a] < order[b])
	})
	keep, mass := 0, 0.0
	for keep < len(order) && (keep == 0 || mass/z < topP) {
		mass += probs[order[keep]]
		keep++
	}
	return order[:keep], mass
}

// kthLargest is the k-th largest of xs (the smallest when k ≥ len(xs)),
// from a min-heap of the k largest: one pass, O(len·log k).
func kthLargest(xs []float32, k int) float32 {
	if k >= len(xs) {
		return slices.Min(xs)
	}
	h := make([]float32, 0, k)
	for _, x := range xs {
		if len(h) < k {
			h = append(h, x)
			for i := len(h) - 1; i > 0 && h[(i-1)/2] > h[i]; i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
			continue
		}
		if x <= h[0] {
			continue
		}
		h[0] = x
		for i := 0; ; {
			c := 2*i + 1
			if c >= k {
				break
			}
			if c+1 < k && h[c+1] < h[c] {
				c++
			}
			if h[i] <= h[c] {
				break
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	return h[0]
}
