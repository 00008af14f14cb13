package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Dialogue generates turn after turn for the same rows, each turn's prompt
// extending the row's previous prompt and completion (then the feedback
// and instruction of the next turn). It keeps every row's tokens in one
// KV cache and prefills a turn from where its prompt stops agreeing with
// what the row holds, so a turn costs its new tokens rather than the whole
// conversation again: prefill is quadratic in the prompt, and from turn 2
// on it dominated multi-turn evaluation. The result equals generating each
// turn from scratch (same tokens at the same positions; floating-point
// sums may round differently).
type Dialogue struct {
	m     *Model
	tok   Tokenizer
	cache *KVCache
	held  [][]int // per row: the real tokens in the cache, in order
	slots [][]int // per row: the cache slot of each held token
}

// NewDialogue starts a dialogue; tok may be nil when no stop strings are used.
func (m *Model) NewDialogue(tok Tokenizer) *Dialogue { return &Dialogue{m: m, tok: tok} }

// Generate completes prompts; row i continues row i of the previous call,
// and the first call fixes the number of rows.
func (d *Dialogue) Generate(prompts []string, cfg GenerateConfig) ([]Generation, error) {
	ids := make([][]int, len(prompts))
	for i, p := range prompts {
		var err error
		if ids[i], err = d.tok.Encode(p); err != nil {
			return nil, fmt.Errorf("model: encode prompt %d: %w", i, err)
		}
	}
	return d.GenerateIDs(ids, cfg)
}

// GenerateIDs is Generate for tokenized prompts. A prompt whose tokens
// plus cfg.MaxNewTokens exceed the model's context gets a *ContextError
// before anything is computed.
func (d *Dialogue) GenerateIDs(prompts [][]int, cfg GenerateConfig) ([]Generation, error) {
	cfg.fill()
	if d.tok == nil && len(cfg.StopStrings) > 0 {
		return nil, fmt.Errorf("model: stop strings need a tokenizer")
	}
	if d.cache != nil && len(prompts) != d.cache.Batch {
		return nil, fmt.Errorf("model: dialogue of %d rows continued with %d prompts", d.cache.Batch, len(prompts))
	}
	// Before anything is fed or allocated: a prompt far past the context
	// would otherwise allocate its attention scores (tens of GB) and kill
	// the process, taking every other row (and a server's clients) with it.
	if err := d.m.CheckContext(prompts, cfg.MaxNewTokens); err != nil {
		return nil, err
	}
	if d.held == nil {
		d.held, d.slots = make([][]int, len(prompts)), make([][]int, len(prompts))
	}
	gens := make([]Generation, len(prompts))
	fresh := make([][]int32, len(prompts)) // per row: the prompt tokens not held yet
	for i, p := range prompts {
		gens[i].PromptIDs = p
		fresh[i] = d.rewind(i, p)
	}
	logits, err := d.feed(fresh, cfg.PadToken, cfg.Bucket, cfg.MaxNewTokens)
	if err != nil {
		return nil, err
	}
	rngs := samplers(cfg, len(prompts))
	done := make([]bool, len(prompts))
	for step := 0; step < cfg.MaxNewTokens; step++ {
		next := make([][]int32, len(prompts))
		active := false
		for b := range gens {
			if done[b] {
				continue
			}
			id, lp := sample(logits[b], cfg, rngs[b])
			g := &gens[b]
			g.NewIDs, g.LogProbs = append(g.NewIDs, id), append(g.LogProbs, lp)
			done[b] = g.finish(d.tok, id, cfg, step+1 == cfg.MaxNewTokens)
			if cfg.OnToken != nil && !cfg.OnToken(b, g) && !done[b] {
				g.Stop, done[b] = "cancelled", true
			}
			next[b] = []int32{int32(id)}
			active = active || !done[b]
		}
		if !active {
			break
		}
		if logits, err = d.feed(next, cfg.PadToken, 1, 0); err != nil {
			return nil, err
		}
	}
	return gens, nil
}

// samplers are the rows' random streams: (Seed, row), or cfg.Streams.
func samplers(cfg GenerateConfig, rows int) []*rand.Rand {
	rngs := make([]*rand.Rand, rows)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		if i < len(cfg.Streams) {
			rngs[i] = rand.New(rand.NewPCG(cfg.Streams[i][0], cfg.Streams[i][1]))
		}
	}
	return rngs
}

// rewind keeps the longest prefix of row b's held tokens that prompt
// starts with (leaving at least one prompt token to feed, whose logits
// start the completion), masks the rest out of the cache, and returns the
// prompt tokens after it.
func (d *Dialogue) rewind(b int, prompt []int) []int32 {
	keep := 0
	for keep < len(d.held[b]) && keep < len(prompt)-1 && d.held[b][keep] == prompt[keep] {
		keep++
	}
	if c := d.cache; c != nil {
		for _, s := range d.slots[b][keep:] {
			c.KeyMask[b][s] = 0
		}
		c.real[b] = int32(keep)
	}
	d.held[b], d.slots[b] = d.held[b][:keep], d.slots[b][:keep]
	out := make([]int32, len(prompt)-keep)
	for j, id := range prompt[keep:] {
		out[j] = int32(id)
	}
	return out
}

// feed runs one step over each row's new tokens (left-padded to a common
// width, a multiple of bucket; a nil row feeds padding) with room in the
// cache for reserve more tokens, and returns each row's last logits.
func (d *Dialogue) feed(rows [][]int32, pad, bucket, reserve int) ([][]float32, error) {
	width := 1
	for _, r := range rows {
		width = max(width, len(r))
	}
	width = roundUp(width, bucket)
	if d.cache == nil {
		d.cache = d.m.NewCache(len(rows), roundUp(width+reserve, max(bucket, 32)))
	} else if need := d.cache.Len + width + reserve; need > d.cache.Capacity {
		if err := d.cache.grow(roundUp(need, max(bucket, 32))); err != nil {
			return nil, err
		}
	}
	ids, mask := make([][]int32, len(rows)), make([][]int32, len(rows))
	for b, r := range rows {
		ids[b], mask[b] = make([]int32, width), make([]int32, width)
		off := width - len(r)
		for j := range width {
			ids[b][j] = int32(pad)
			if j >= off {
				ids[b][j], mask[b][j] = r[j-off], 1
				d.held[b] = append(d.held[b], int(r[j-off]))
				d.slots[b] = append(d.slots[b], d.cache.Len+j)
			}
		}
	}
	return d.m.Step(d.cache, ids, mask)
}

// grow moves the cache into a larger one of the given capacity; written
// slots keep their places, new ones are zero (as writeSlots needs).
func (c *KVCache) grow(capacity int) error {
	for b := range c.KeyMask {
		c.KeyMask[b] = append(c.KeyMask[b], make([]int32, capacity-c.Capacity)...)
	}
	for i, kv := range c.kv {
		d := kv.Shape().Dimensions // [batch, heads, capacity, head_dim]
		bigger := tensors.FromShape(shapes.Make(kv.DType(), d[0], d[1], capacity, d[3]))
		row := d[3] * kv.DType().Size() // bytes of one slot
		var inner error
		err := kv.ConstBytes(func(old []byte) {
			inner = bigger.MutableBytes(func(flat []byte) {
				for r := range d[0] * d[1] { // one (row, head) block of slots at a time
					copy(flat[r*capacity*row:], old[r*c.Capacity*row:(r+1)*c.Capacity*row])
				}
			})
		})
		if err == nil {
			err = inner
		}
		if err != nil {
			return fmt.Errorf("model: grow KV cache: %w", err)
		}
		kv.FinalizeAll()
		c.kv[i] = bigger
	}
	c.Capacity = capacity
	return nil
}
