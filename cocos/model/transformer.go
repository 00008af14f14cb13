package model

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified
	gm "github.com/gomlx/gomlx/ml/model"
)

// Graph code walks scopes with At, not In: GoMLX's In refuses to enter a
// sub-scope twice from one scope, and the decoder enters "model" once per
// layer. Every weight sits at its HF path (see varPath).

// param returns the graph node of the weight at path under s, in the
// dtype the graph computes in (the stored weight stays f32: see SetDType).
func param(s *gm.Scope, g *Graph, path ...string) *Node {
	_, w := weight(s, g, path...)
	return w
}

// weight is param with the variable it reads.
func weight(s *gm.Scope, g *Graph, path ...string) (*gm.Variable, *Node) {
	for _, p := range path {
		s = s.At("%s", p)
	}
	v := s.Store().GetVariable(s.Scope())
	if v == nil {
		panic("model: missing weight " + s.Scope())
	}
	return v, ConvertDType(v.NodeValue(g), computeDType(g))
}

// dtypeParam is the graph parameter holding the dtype a program computes
// in; Model.prepare sets it.
const dtypeParam = "/cocos/compute_dtype"

// computeDType is the dtype g's forward computes in: Float32 unless the
// program was prepared for BFloat16.
func computeDType(g *Graph) dtypes.DType {
	if v, ok := gm.GetGraphParam(g, dtypeParam); ok {
		return v.(dtypes.DType)
	}
	return dtypes.Float32
}

// f32 converts x to float32 (a no-op on f32 graphs): transformers runs
// RMSNorm, softmax and the log-probs in f32 whatever the model's dtype.
func f32(x *Node) *Node { return ConvertDType(x, dtypes.Float32) }

// Logits runs the full forward pass. ids and positions are [batch, seq]
// int32; mask is [batch, seq] with 1 for real tokens and 0 for padding
// (left or right). It returns [batch, seq, vocab] float32 logits.
func Logits(s *gm.Scope, cfg Config, ids, positions, mask *Node) *Node {
	return lmHead(s, cfg, Hidden(s, cfg, ids, positions, mask))
}

// Hidden runs the decoder without the LM head: [batch, seq, hidden], the
// final norm applied. Losses that read a few positions apply the head to
// those only (see TokenLogProbs): at a 1,024-token vocabulary the head
// costs as much as the rest of a tiny model.
func Hidden(s *gm.Scope, cfg Config, ids, positions, mask *Node) *Node {
	x, _ := forward(s, cfg, ids, positions, attentionMask(mask), nil)
	return x
}

// lmHead maps hidden states [batch, seq, hidden] to logits [batch, seq, vocab].
func lmHead(s *gm.Scope, cfg Config, x *Node) *Node {
	head := []string{"lm_head", "weight"}
	if cfg.TieWordEmbeddings {
		head = []string{"model", "embed_tokens", "weight"}
	}
	v, w := weight(s, x.Graph(), head...)
	d := x.Shape().Dimensions
	flat := Reshape(x, d[0]*d[1], d[2]) // 2-D: see linear
	var y *Node
	if cfg.TieWordEmbeddings {
		y = times(v, flat, w)
	} else {
		y = project(v, flat, w) // an untied head is a projection (the inference layout)
	}
	return Reshape(y, d[0], d[1], cfg.VocabSize)
}

// layerCache is one layer's keys and values, [slots, kv_heads, capacity,
// head_dim], and how a step writes its own into them.
type layerCache struct {
	k, v  *Node
	write kvWrite
}

// kvWrite stores a step's keys (or values) of [batch, kv_heads, t,
// head_dim] into a layer's cache and returns the updated cache and the
// keys (or values) the step's attention reads.
type kvWrite func(cache, update *Node) (stored, attend *Node)

// forward runs the decoder over ids with a [batch, 1, queries, keys]
// attention mask and returns the normed hidden states. With caches, each
// layer's keys and values go through its cache's write, attention reads
// what it returns, and the updated caches are returned.
func forward(s *gm.Scope, cfg Config, ids, positions, mask *Node, caches []*layerCache) (*Node, []*layerCache) {
	g := ids.Graph()
	x := Gather(param(s, g, "model", "embed_tokens", "weight"), InsertAxes(ids, -1))
	cos, sin := rotary(cfg, positions)
	bias := maskBias(cfg, mask)
	remat, _ := gm.GetGraphParam(g, checkpointParam)
	for i := range cfg.NumHiddenLayers {
		var c *layerCache
		if caches != nil {
			c = caches[i]
		}
		if remat == true {
			// Keep only each layer's input for the backward pass and
			// recompute the layer's activations there (SetCheckpointing).
			x = x.Checkpoint()
		}
		x, c = decoderLayer(s.At("model").At("layers").At("%d", i), cfg, x, cos, sin, bias, c)
		if caches != nil {
			caches[i] = c
		}
	}
	if remat == true {
		x = x.StopCheckpoint()
	}
	return rmsNorm(s.At("model").At("norm"), cfg, x), caches
}

// rotary returns cos and sin of [batch, seq, head_dim] for each position,
// the frequencies repeated over both halves as transformers does.
func rotary(cfg Config, positions *Node) (cos, sin *Node) {
	g := positions.Graph()
	inv := cfg.InvFreq()
	fs := make([]float32, len(inv))
	for i, v := range inv {
		fs[i] = float32(v)
	}
	freqs := Mul(InsertAxes(f32(positions), -1), Reshape(Const(g, fs), 1, 1, len(fs))) // [b, t, d/2]
	emb := Concatenate([]*Node{freqs, freqs}, -1)
	dt := computeDType(g) // computed in f32, used in the model's dtype, as transformers does
	return ConvertDType(Cos(emb), dt), ConvertDType(Sin(emb), dt)
}

// applyRotary rotates x of [batch, heads, seq, head_dim] (rotate_half form).
// rotate_half(x) = [-x2, x1] is taken as x times a fixed ±1 permutation
// matrix rather than with slices: exact, and its gradient needs no Pad
// (which GoMLX v0.26's backend lacked; a d×d product costs little).
func applyRotary(x, cos, sin *Node) *Node {
	d := x.Shape().Dimensions[3]
	half := d / 2
	r := make([]float32, d*d) // r[i][j] = 1 where output j takes input i
	for j := range half {
		r[(j+half)*d+j] = -1 // output j < half is -x[j+half]
		r[j*d+j+half] = 1    // output j+half is x[j]
	}
	rot := Einsum("bhtd,de->bhte", x, ConvertDType(Reshape(Const(x.Graph(), r), d, d), x.DType()))
	cos, sin = InsertAxes(cos, 1), InsertAxes(sin, 1) // broadcast over heads
	return Add(Mul(x, cos), Mul(rot, sin))
}

// attentionMask is [batch, 1, seq, seq]: query i may see key j when j <= i,
// key j is a real token and both are of the same segment. mask holds 0 on
// padding and a segment number on real tokens: 1 everywhere for one
// sequence per row, 1, 2, … for rows packed with several (sft.Pack).
func attentionMask(mask *Node) *Node {
	g := mask.Graph()
	t := mask.Shape().Dimensions[1]
	rows := Iota(g, shapes.Make(dtypes.Int32, t, t), 0)
	cols := Iota(g, shapes.Make(dtypes.Int32, t, t), 1)
	causal := InsertAxes(GreaterOrEqual(rows, cols), 0)                   // [1, t, t]
	keys := InsertAxes(GreaterThan(mask, ScalarZero(g, dtypes.Int32)), 1) // [b, 1, t]
	same := Equal(InsertAxes(mask, -1), InsertAxes(mask, 1))              // [b, t, t]
	return InsertAxes(LogicalAnd(LogicalAnd(causal, keys), same), 1)
}

// maskBias turns a [batch, 1, queries, keys] attention mask into an
// additive bias of the scores' shape, [batch, kv_heads, group·queries,
// keys]: -0 where attention is allowed (adding it changes no score) and the
// dtype's lowest finite value where not (its softmax weight is exactly 0;
// finite, so a row with every key blocked stays uniform rather than NaN).
// Built once per forward and shared by the layers: on the Go backend a
// broadcast to the scores' shape costs as much as the softmax it feeds.
func maskBias(cfg Config, mask *Node) *Node {
	d := mask.Shape().Dimensions
	nkv := cfg.KVHeads()
	dt := computeDType(mask.Graph())
	lowest := -math.MaxFloat32
	if dt == dtypes.BFloat16 {
		lowest = -3.38e38 // rounds to bf16's lowest finite; -MaxFloat32 would round to -Inf
	}
	blocked := OneMinus(ConvertDType(InsertAxes(mask, 1), dt)) // [b, 1, 1, q, s]
	group := cfg.NumAttentionHeads / nkv
	full := BroadcastToDims(MulScalar(blocked, lowest), d[0], nkv, group, d[2], d[3])
	return Reshape(full, d[0], nkv, group*d[2], d[3]) // the scores' [b, kv_heads, group·queries, keys]
}

func decoderLayer(s *gm.Scope, cfg Config, x, cos, sin, bias *Node, c *layerCache) (*Node, *layerCache) {
	h := rmsNorm(s.At("input_layernorm"), cfg, x)
	a, c := attention(s.At("self_attn"), cfg, h, cos, sin, bias, c)
	x = Add(x, a)
	h = rmsNorm(s.At("post_attention_layernorm"), cfg, x)
	return Add(x, mlp(s.At("mlp"), cfg, h)), c
}

// rmsNorm is transformers' LlamaRMSNorm: x / sqrt(mean(x²) + eps) in f32,
// back to x's dtype, times weight.
func rmsNorm(s *gm.Scope, cfg Config, x *Node) *Node {
	g := x.Graph()
	x32 := f32(x)
	variance := ReduceAndKeep(Square(x32), ReduceMean, -1)
	// 1/sqrt rather than Rsqrt: GoMLX (v0.28 still) has no gradient for Rsqrt.
	normed := ConvertDType(Div(x32, Sqrt(AddScalar(variance, cfg.Eps()))), x.DType())
	return Mul(normed, InsertAxes(param(s, g, "weight"), 0, 0))
}

// linear is x·Wᵀ (+ b) for a weight of [out, in], HF's nn.Linear layout.
// The product runs on x flattened to [batch·seq, in]: the weight's
// gradient then contracts one leading axis, which the Go backend lays out
// for its matmul kernel with a fast 2-D transpose instead of a generic
// rank-3 one (a quarter of a training step's time before).
// x may come flattened already ([batch·seq, in], and the result stays so):
// products that read one input (q, k and v; gate and up) then share its
// node, which the trainer's weight gradients transpose once for all of
// them (weightgrad.go).
func linear(s *gm.Scope, x *Node, bias bool) *Node {
	g := x.Graph()
	d := x.Shape().Dimensions
	v, w := weight(s, g, "weight")
	flat := flatten(x)
	y := project(v, flat, w)
	if delta := loraDelta(s, flat); delta != nil {
		y = Add(y, delta)
	}
	if bias {
		y = Add(y, InsertAxes(param(s, g, "bias"), 0))
	}
	if len(d) == 2 {
		return y
	}
	return Reshape(y, d[0], d[1], outFeatures(g, w))
}

// flatten is x [batch, seq, features] as [batch·seq, features] (a 2-D x
// as it is).
func flatten(x *Node) *Node {
	if d := x.Shape().Dimensions; len(d) == 3 {
		return Reshape(x, d[0]*d[1], d[2])
	}
	return x
}

// timesTransposed is x·Wᵀ for x [n, in] and W [out, in]. Fewer than 8 f32
// rows (decoding a few sequences) go as W·xᵀ instead: the Go backend splits
// a product's work by its left operand's rows, in blocks of 8, and packs a
// right operand whose contracted axis is last with scalar code, so x·Wᵀ
// for 1–4 rows ran on one core repacking all of W — 13.4–14.5 against
// 4.4–4.7 ms at Qwen2.5-1.5B's 1,536 → 8,960, equal at 8 rows
// (BenchmarkLinearLayout); batch-1 decoding of that model went from 0.74
// to 1.41 tokens/s. In bf16 the rewrite made decoding slower (0.89 → 0.70
// tokens/s at batch 1), so bf16 keeps x·Wᵀ. Weights under a million
// values keep x·Wᵀ too, so the embedded models (hidden 64 and 128)
// compute as they did.
func timesTransposed(x, w *Node) *Node {
	n, in, out := x.Shape().Dimensions[0], x.Shape().Dimensions[1], w.Shape().Dimensions[0]
	if n < 8 && large(out, in) && x.DType() == dtypes.Float32 {
		return Transpose(Einsum("oi,ni->on", w, x), 0, 1)
	}
	return Einsum("ni,oi->no", x, w)
}

func attention(s *gm.Scope, cfg Config, x, cos, sin, bias *Node, c *layerCache) (*Node, *layerCache) {
	b, t := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	nh, nkv, hd := cfg.NumAttentionHeads, cfg.KVHeads(), cfg.HeadDim()
	heads := func(y *Node, n int) *Node { // [b, t, n*hd] -> [b, n, t, hd]
		return TransposeAllAxes(Reshape(y, b, t, n, hd), 0, 2, 1, 3)
	}
	flat := flatten(x)
	q := applyRotary(heads(linear(s.At("q_proj"), flat, cfg.QKVBias()), nh), cos, sin)
	k := applyRotary(heads(linear(s.At("k_proj"), flat, cfg.QKVBias()), nkv), cos, sin)
	v := heads(linear(s.At("v_proj"), flat, cfg.QKVBias()), nkv)
	// Grouped-query attention: query head h reads key/value head h/(nh/nkv).
	// The group's queries are one axis, [b, nkv, group·t, hd]: the products'
	// gradients with respect to k and v then contract a middle axis the Go
	// backend's matmul reads as is, where separate group and query axes
	// needed a generic transpose of the scores per layer.
	group := nh / nkv
	q = Reshape(q, b, nkv, group*t, hd)
	if c != nil {
		next := &layerCache{write: c.write}
		next.k, k = c.write(c.k, k)
		next.v, v = c.write(c.v, v)
		c = next
	}
	scores := Add(MulScalar(Einsum("bkqd,bksd->bkqs", q, k), 1/math.Sqrt(float64(hd))), bias)
	probs := ConvertDType(Softmax(f32(scores), -1), scores.DType()) // softmax in f32, as transformers does
	out := Einsum("bkqs,bksd->bkqd", probs, v)                      // [b, nkv, group·t, hd]
	out = Reshape(out, b, nh, t, hd)
	out = Reshape(TransposeAllAxes(out, 0, 2, 1, 3), b, t, nh*hd)
	return linear(s.At("o_proj"), out, false), c
}

// mlp is SwiGLU: down(silu(gate(x)) * up(x)).
func mlp(s *gm.Scope, cfg Config, x *Node) *Node {
	flat := flatten(x)
	gate := linear(s.At("gate_proj"), flat, false)
	up := linear(s.At("up_proj"), flat, false)
	return Reshape(linear(s.At("down_proj"), Mul(Mul(gate, Sigmoid(gate)), up), false), x.Shape().Dimensions...)
}
