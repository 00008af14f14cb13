package model

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
)

// KVCache holds a batch's keys and values for incremental decoding,
// pre-allocated at a fixed capacity so that every step has the same shapes
// (XLA compiles one program per shape). It takes
// 2 × layers × batch × kv_heads × capacity × head_dim × 4 bytes in f32
// (2 in bf16): see CacheBytes.
type KVCache struct {
	Batch, Capacity int
	Len             int       // slots written so far (the same for every row)
	KeyMask         [][]int32 // [batch][capacity]: 1 where a slot holds a real token
	real            []int32   // real tokens per row, for positions
	kv              []*tensors.Tensor
}

// CacheBytes is the memory a KVCache of this shape takes in f32, in bytes.
func (c Config) CacheBytes(batch, capacity int) int64 {
	return 2 * int64(c.NumHiddenLayers) * int64(batch) * int64(c.KVHeads()) * int64(capacity) * int64(c.HeadDim()) * 4
}

// CacheBytes is the memory a KVCache of this shape takes in the model's
// compute dtype, in bytes.
func (m *Model) CacheBytes(batch, capacity int) int64 {
	return m.Config.CacheBytes(batch, capacity) / 4 * int64(m.dtype().Size())
}

// NewCache allocates an empty cache.
func (m *Model) NewCache(batch, capacity int) *KVCache {
	c := &KVCache{Batch: batch, Capacity: capacity, KeyMask: make([][]int32, batch), real: make([]int32, batch)}
	for i := range c.KeyMask {
		c.KeyMask[i] = make([]int32, capacity)
	}
	shape := shapes.Make(m.dtype(), batch, m.Config.KVHeads(), capacity, m.Config.HeadDim())
	for range 2 * m.Config.NumHiddenLayers {
		c.kv = append(c.kv, tensors.FromShape(shape))
	}
	return c
}

// Step feeds each row's next tokens (all rows the same count; mask marks
// real ones, e.g. left padding of a prompt) and returns the logits of each
// row's last token, [batch][vocab]: all that decoding reads, so a prefill
// neither computes nor copies the head over the whole prompt. The first
// step is the prefill.
func (m *Model) Step(c *KVCache, ids, mask [][]int32) ([][]float32, error) {
	if len(ids) != c.Batch {
		return nil, fmt.Errorf("model: step of %d rows on a cache of %d", len(ids), c.Batch)
	}
	t := len(ids[0])
	if c.Len+t > c.Capacity {
		return nil, fmt.Errorf("model: cache full: %d + %d tokens exceed capacity %d", c.Len, t, c.Capacity)
	}
	pos := make([][]int32, c.Batch)
	for b := range ids {
		pos[b] = make([]int32, t)
		for j := range t {
			c.real[b] += mask[b][j]
			pos[b][j] = max(c.real[b]-1, 0)
			c.KeyMask[b][c.Len+j] = mask[b][j]
		}
	}
	exec, err := m.stepExec(c.Len == 0)
	if err != nil {
		return nil, err
	}
	args := []any{ids, pos, c.KeyMask, int32(c.Len)}
	for _, kv := range c.kv {
		// Donated: the step writes its keys and values into the cache's
		// own buffer instead of copying the whole cache per layer per token
		// (and on a GPU the cache is not held twice).
		d, err := DonateTensorBuffer(kv, m.Backend, 0)
		if err != nil {
			return nil, fmt.Errorf("model: step: %w", err)
		}
		args = append(args, d)
	}
	out, err := exec.Exec(args...)
	if err != nil {
		return nil, err
	}
	for i := range c.kv {
		c.kv[i].FinalizeAll()
		c.kv[i] = out[1+i]
	}
	c.Len += t
	return out[0].Value().([][]float32), nil
}

// stepExec compiles the decoding step on first use: one for prefills
// (the cache is empty, attention reads the prompt's own keys) and one for
// the steps after (attention reads the whole cache).
func (m *Model) stepExec(prefill bool) (*gm.Exec, error) {
	e := &m.step
	if prefill {
		e = &m.prefill
	}
	if *e == nil {
		exec, err := gm.NewExec(m.Backend, m.Store, func(s *gm.Scope, in []*Node) []*Node {
			m.prepare(s, in[0].Graph())
			return stepGraph(s, m.Config, in, prefill)
		})
		if err != nil {
			return nil, err
		}
		*e = programs(exec)
	}
	return *e, nil
}

// stepGraph: in = ids, positions, key mask, start, then k and v per layer.
func stepGraph(s *gm.Scope, cfg Config, in []*Node, prefill bool) []*Node {
	ids, pos, keyMask, start := in[0], in[1], in[2], in[3]
	g := ids.Graph()
	t, capacity := ids.Shape().Dimensions[1], keyMask.Shape().Dimensions[1]
	var mask *Node
	if prefill {
		mask = attentionMask(Slice(keyMask, AxisRange(), AxisRange(0, t)))
	} else {
		// Query i sits in slot start+i: it sees slots up to its own that hold real tokens.
		rows := Add(Iota(g, shapes.Make(dtypes.Int32, t, capacity), 0), start)
		cols := Iota(g, shapes.Make(dtypes.Int32, t, capacity), 1)
		causal := InsertAxes(GreaterOrEqual(rows, cols), 0, 0)
		keys := InsertAxes(GreaterThan(keyMask, ScalarZero(g, dtypes.Int32)), 1, 1)
		mask = LogicalAnd(causal, keys)
	}
	caches := make([]*layerCache, cfg.NumHiddenLayers)
	for i := range caches {
		caches[i] = &layerCache{k: in[4+2*i], v: in[5+2*i], start: start, local: prefill}
	}
	x, caches := forward(s, cfg, ids, pos, mask, caches)
	last := Slice(x, AxisRange(), AxisElem(-1), AxisRange()) // [b, 1, hidden]
	out := []*Node{f32(Squeeze(lmHead(s, cfg, last), 1))}
	for _, c := range caches {
		out = append(out, c.k, c.v)
	}
	return out
}
