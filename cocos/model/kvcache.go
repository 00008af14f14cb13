package model

import (
	"fmt"
	"math/bits"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
)

// kvCache holds the keys and values of a set of slots for incremental
// decoding: per layer, k and v of [slots, kv_heads, capacity, head_dim].
// A slot holds one sequence contiguously from index 0, token j at index j
// (its position), so attention masks by position alone and no per-token
// mask travels with the cache. Indices at or past a slot's length hold
// zeros or stale values that no query reads: a prefill clears its slot
// from where it starts writing, and a decoding step adds each new key to
// the zero it finds there.
type kvCache struct {
	slots, capacity int
	kv              []*tensors.Tensor
}

// KVBytesPerToken is the KV cache's size per token held, in bytes, in f32
// (2 × layers × kv_heads × head_dim × 4).
func (c Config) KVBytesPerToken() int64 {
	return 2 * int64(c.NumHiddenLayers) * int64(c.KVHeads()) * int64(c.HeadDim()) * 4
}

// CacheBytes is the memory a KV cache of slots × capacity tokens takes in
// f32, in bytes.
func (c Config) CacheBytes(slots, capacity int) int64 {
	return c.KVBytesPerToken() * int64(slots) * int64(capacity)
}

// CacheBytes is the memory a KV cache of slots × capacity tokens takes in
// the model's compute dtype, in bytes.
func (m *Model) CacheBytes(slots, capacity int) int64 {
	return m.Config.CacheBytes(slots, capacity) / 4 * int64(m.dtype().Size())
}

// newKVCache allocates a cache of zeros.
func (m *Model) newKVCache(slots, capacity int) *kvCache {
	c := &kvCache{slots: slots, capacity: capacity}
	shape := shapes.Make(m.dtype(), slots, m.Config.KVHeads(), capacity, m.Config.HeadDim())
	for range 2 * m.Config.NumHiddenLayers {
		c.kv = append(c.kv, tensors.FromShape(shape))
	}
	return c
}

// relayout returns a cache of slots × capacity whose slot i holds slot
// from[i] of c (its first capacity indices; -1 leaves it zero), and frees
// c. Growing a cache for longer sequences, or shrinking it to fit a memory
// budget, costs one copy of what is kept.
func (c *kvCache) relayout(m *Model, slots, capacity int, from []int) (*kvCache, error) {
	out := m.newKVCache(slots, capacity)
	keep := min(c.capacity, capacity)
	for i, kv := range c.kv {
		d := kv.Shape().Dimensions // [slots, heads, capacity, head_dim]
		row := d[3] * kv.DType().Size()
		var inner error
		err := kv.ConstBytes(func(old []byte) {
			inner = out.kv[i].MutableBytes(func(flat []byte) {
				for dst, src := range from {
					if src < 0 {
						continue
					}
					for h := range d[1] {
						o := ((dst*d[1] + h) * capacity) * row
						s := ((src*d[1] + h) * c.capacity) * row
						copy(flat[o:o+keep*row], old[s:s+keep*row])
					}
				}
			})
		})
		if err == nil {
			err = inner
		}
		if err != nil {
			return nil, fmt.Errorf("model: relayout KV cache: %w", err)
		}
	}
	c.free()
	return out, nil
}

func (c *kvCache) free() {
	for _, kv := range c.kv {
		kv.FinalizeAll()
	}
	c.kv = nil
}

// run executes a program whose inputs end with the cache and whose
// outputs are logits then the updated cache, which replaces c's.
func (c *kvCache) run(m *Model, exec *gm.Exec, args ...any) ([][]float32, error) {
	for _, kv := range c.kv {
		// Donated: the program writes into the cache's own buffers instead
		// of copying the whole cache per layer per token (and on a GPU the
		// cache is not held twice).
		d, err := DonateTensorBuffer(kv, m.Backend, 0)
		if err != nil {
			return nil, fmt.Errorf("model: KV cache: %w", err)
		}
		args = append(args, d)
	}
	out, err := exec.Exec(args...)
	if err != nil {
		c.kv = nil // donated and lost: the caller drops the cache
		return nil, err
	}
	for i := range c.kv {
		c.kv[i].FinalizeAll()
		c.kv[i] = out[1+i]
	}
	return out[0].Value().([][]float32), nil
}

// prefillRow is one prompt a prefill feeds: its tokens, the index they
// start at in its slot (after the prefix the slot keeps), and the slots
// it fills (more than one when samples share the prompt).
type prefillRow struct {
	ids   []int
	start int
	dst   []int
}

// prefill feeds rows in one program — all starting empty slots (fresh),
// or all extending what their slots hold — and returns each row's logits
// after its last id. Rows are padded to a common width, a multiple of
// bucket, and their count to a power of two (few program shapes); the
// caller makes room: every row's start plus that width fits the capacity.
func (c *kvCache) prefill(m *Model, rows []prefillRow, fresh bool, bucket int) ([][]float32, error) {
	width := 0
	for _, r := range rows {
		width = max(width, roundUp(len(r.ids), bucket))
	}
	n := pow2(len(rows))
	ids, start, last, home := make([][]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	var src, dst []int32
	for i := range ids {
		ids[i] = make([]int32, width)
		if i >= len(rows) {
			continue // padding: computed, written nowhere
		}
		for j, id := range rows[i].ids {
			ids[i][j] = int32(id)
		}
		start[i], last[i], home[i] = int32(rows[i].start), int32(len(rows[i].ids)-1), int32(rows[i].dst[0])
		for _, d := range rows[i].dst {
			src, dst = append(src, int32(i)), append(dst, int32(d))
		}
	}
	for len(dst) < pow2(len(dst)) { // padding: the last write again (it overwrites, so twice is once)
		src, dst = append(src, src[len(src)-1]), append(dst, dst[len(dst)-1])
	}
	exec, err := m.program(fresh)
	if err != nil {
		return nil, err
	}
	logits, err := c.run(m, exec, ids, start, last, home, src, dst)
	if err != nil {
		return nil, fmt.Errorf("model: prefill: %w", err)
	}
	return logits[:len(rows)], nil
}

// pow2 is the least power of two ≥ n (1 for n ≤ 1).
func pow2(n int) int { return 1 << bits.Len(uint(max(n, 1)-1)) }

// decode feeds one token to each of the given slots, writing it at the
// slot's length, and returns each one's logits. Slots are given in
// ascending order; live false marks padding entries, which write nothing.
func (c *kvCache) decode(m *Model, ids, slots, lens []int32, live []int32) ([][]float32, error) {
	col := make([][]int32, len(ids))
	for i, id := range ids {
		col[i] = []int32{id}
	}
	exec, err := m.decodeProgram()
	if err != nil {
		return nil, err
	}
	logits, err := c.run(m, exec, col, slots, lens, live)
	if err != nil {
		return nil, fmt.Errorf("model: decode: %w", err)
	}
	return logits, nil
}

// program compiles a prefill on first use: fresh (the slot starts empty
// and attention reads the prompt's own keys) or extending a slot that
// holds a prefix (attention reads the slot's cache).
func (m *Model) program(fresh bool) (*gm.Exec, error) {
	e := &m.extend
	if fresh {
		e = &m.fresh
	}
	return m.compile(e, func(s *gm.Scope, in []*Node) []*Node { return prefillGraph(s, m.Config, in, fresh) })
}

// decodeProgram compiles the decoding step on first use.
func (m *Model) decodeProgram() (*gm.Exec, error) {
	return m.compile(&m.decode, func(s *gm.Scope, in []*Node) []*Node { return decodeGraph(s, m.Config, in) })
}

func (m *Model) compile(e **gm.Exec, build func(s *gm.Scope, in []*Node) []*Node) (*gm.Exec, error) {
	if *e == nil {
		exec, err := gm.NewExec(m.Backend, m.Store, func(s *gm.Scope, in []*Node) []*Node {
			m.prepare(s, in[0].Graph())
			return build(s, in)
		})
		if err != nil {
			return nil, err
		}
		*e = programs(exec)
	}
	return *e, nil
}

// scalar is element i of a 1-D node, as a scalar.
func scalar(x *Node, i int) *Node { return Reshape(Slice(x, AxisElem(i))) }

// prefillGraph: in = ids [n, width], start [n], last [n] (each row's last
// real id), home [n] (the slot an extending row reads), src [d] and dst
// [d] (slot dst[i] takes row src[i]), then k and v per layer. Ids after a
// row's last are padding: their keys and values are written as zeros, and
// no real query sees them. Fresh rows start from empty slots and attend to
// their own keys; extending rows read their slot, clear it past start,
// and attend to it.
func prefillGraph(s *gm.Scope, cfg Config, in []*Node, fresh bool) []*Node {
	ids, start, last, home, src, dst := in[0], in[1], in[2], in[3], in[4], in[5]
	kv := in[6:]
	g := ids.Graph()
	n, width := ids.Shape().Dimensions[0], ids.Shape().Dimensions[1]
	capacity := kv[0].Shape().Dimensions[2]
	pos := Add(Iota(g, shapes.Make(dtypes.Int32, n, width), 1), along(start, 0, n, width))
	keys := width
	if !fresh {
		keys = capacity
	}
	// Query i of a row sits at index start+i and sees the indices up to its own.
	cols := Iota(g, shapes.Make(dtypes.Int32, n, width, keys), 2)
	mask := InsertAxes(GreaterOrEqual(InsertAxes(pos, -1), cols), 1) // [n, 1, width, keys] (fresh rows start at 0)
	real := LessOrEqual(Iota(g, shapes.Make(dtypes.Int32, n, 1, width, 1), 2), along(last, 0, n, 1, width, 1))
	zero := ScalarZero(g, dtypes.Int32)
	write := func(cache, update *Node) (*Node, *Node) {
		d := cache.Shape().Dimensions
		update = Where(real, update, ZerosLike(update))
		var slots *Node // the rows' slots after this step, [n, heads, capacity, head_dim]
		if fresh {
			slots = Zeros(g, shapes.Make(cache.DType(), n, d[1], d[2], d[3]))
		} else {
			slots = Gather(cache, InsertAxes(home, -1))
			kept := LessThan(Iota(g, shapes.Make(dtypes.Int32, n, 1, d[2], 1), 2), along(start, 0, n, 1, d[2], 1))
			slots = Where(kept, slots, ZerosLike(slots)) // clear what a slot held past the kept prefix
		}
		for i := range n {
			row := Slice(update, AxisRange(i, i+1))
			slots = DynamicUpdateSlice(slots, row, []*Node{Const(g, int32(i)), zero, scalar(start, i), zero})
		}
		for i := range dst.Shape().Dimensions[0] {
			row := Gather(slots, Reshape(Slice(src, AxisElem(i)), 1, 1))
			cache = DynamicUpdateSlice(cache, row, []*Node{scalar(dst, i), zero, zero, zero})
		}
		if fresh {
			return cache, update
		}
		return cache, slots
	}
	x, caches := decodeLayers(s, cfg, ids, pos, mask, kv, write)
	h := x.Shape().Dimensions[2]
	index := Concatenate([]*Node{Iota(g, shapes.Make(dtypes.Int32, n, 1), 0), InsertAxes(last, -1)}, -1) // (row, last)
	logits := lmHead(s, cfg, Reshape(Gather(x, index), n, 1, h))
	return append([]*Node{f32(Squeeze(logits, 1))}, caches...)
}

// along broadcasts x [dims[axis]] to dims, varying along axis.
func along(x *Node, axis int, dims ...int) *Node {
	shape := make([]int, len(dims))
	for i := range shape {
		shape[i] = 1
	}
	shape[axis] = dims[axis]
	return BroadcastToDims(Reshape(x, shape...), dims...)
}

// decodeGraph: in = ids [n, 1], slots [n] (ascending), lens [n] (the index
// each token is written at, its position), live [n] (0 for padding
// entries), then k and v per layer of [slots, …]. With n below the cache's
// slots, attention reads a gathered copy of the n slots: a step costs the
// sequences still running, not every slot (static batches computed
// finished rows until the longest one ended).
func decodeGraph(s *gm.Scope, cfg Config, in []*Node) []*Node {
	ids, slots, lens, live := in[0], in[1], in[2], in[3]
	g := ids.Graph()
	n, capacity, all := ids.Shape().Dimensions[0], in[4].Shape().Dimensions[2], in[4].Shape().Dimensions[0]
	pos := InsertAxes(lens, -1)
	cols := Iota(g, shapes.Make(dtypes.Int32, n, capacity), 1)
	mask := InsertAxes(LessOrEqual(cols, InsertAxes(lens, -1)), 1, 1) // [n, 1, 1, capacity]
	isLive := InsertAxes(GreaterThan(live, ScalarZero(g, dtypes.Int32)), 1, 2, 3)
	at := func(slot *Node, heads int) *Node { // [n·heads, 3]: (slot, head, len) per written key
		grid := shapes.Make(dtypes.Int32, n, heads, 1)
		b := BroadcastToDims(InsertAxes(slot, 1, 2), n, heads, 1)
		l := BroadcastToDims(InsertAxes(lens, 1, 2), n, heads, 1)
		return Reshape(Concatenate([]*Node{b, Iota(g, grid, 1), l}, -1), n*heads, 3)
	}
	write := func(cache, update *Node) (*Node, *Node) {
		d := update.Shape().Dimensions // [n, heads, 1, head_dim]
		kept := Where(BroadcastToDims(isLive, d...), update, ZerosLike(update))
		stored := ScatterSum(cache, at(slots, d[1]), Reshape(kept, n*d[1], d[3]), false, true)
		if n == all {
			return stored, stored // slots are 0…n-1: attention reads the cache itself
		}
		mine := Gather(cache, InsertAxes(slots, -1)) // [n, heads, capacity, head_dim]
		seen := ScatterSum(mine, at(Iota(g, shapes.Make(dtypes.Int32, n), 0), d[1]), Reshape(update, n*d[1], d[3]), true, true)
		return stored, seen
	}
	x, caches := decodeLayers(s, cfg, ids, pos, mask, in[4:], write)
	return append([]*Node{f32(Squeeze(lmHead(s, cfg, x), 1))}, caches...)
}

// decodeLayers runs the decoder with each layer's keys and values written
// by write (which returns the updated cache and the keys or values
// attention reads) and returns the normed hidden states followed by the
// updated caches.
func decodeLayers(s *gm.Scope, cfg Config, ids, pos, mask *Node, kv []*Node, write kvWrite) (*Node, []*Node) {
	caches := make([]*layerCache, cfg.NumHiddenLayers)
	for i := range caches {
		caches[i] = &layerCache{k: kv[2*i], v: kv[2*i+1], write: write}
	}
	x, caches := forward(s, cfg, ids, pos, mask, caches)
	var out []*Node
	for _, c := range caches {
		out = append(out, c.k, c.v)
	}
	return x, out
}
