package model

import (
	"strings"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	gm "github.com/gomlx/gomlx/ml/model"
)

// The inference layout (LoadOptions.InferenceLayout) holds every large
// projection weight (q, k, v, o, gate, up, down, and an untied LM head; a
// million values or more, see large) transposed, [in, out] instead of
// Hugging Face's [out, in], so that decoding multiplies x·W: the Go
// backend packs a right operand whose contracted axis is last with scalar
// code on every call, and x·W ran 2.2× faster than x·Wᵀ for 8 rows in f32
// and 1.8× in bf16 at Qwen2.5-1.5B's MLP shape (BenchmarkLinearLayout). In
// a whole decoding step the gain depends on how the backend holds the
// buffers and a single row gets slower (docs/journal.md,
// docs/upstream.md), so no command loads so by default: `cocos bench
// generate --layout inference` measures it. Weights and Save still give
// HF's layout; a Trainer and adapters are refused, and tied embeddings
// stay [vocab, hidden] (the token lookup reads them so).

// layoutParam is the graph parameter marking a model in the inference
// layout.
const layoutParam = "/cocos/inference_layout"

// large reports whether a weight of rows × cols values is one whose
// product's layout matters on the Go backend (timesTransposed, the
// inference layout): the embedded models' weights are all smaller.
func large(rows, cols int) bool { return rows*cols >= 1<<20 }

// transposedWeight reports whether the inference layout holds the weight
// called name, of HF shape [out, in], transposed.
func transposedWeight(name string, shape []int) bool {
	projection := strings.HasSuffix(name, "_proj.weight") || name == "lm_head.weight"
	return projection && large(shape[0], shape[1])
}

// transposeBytes writes the [cols, rows] transpose of src, a [rows, cols]
// matrix of size-byte elements, into dst, in blocks that stay in cache.
func transposeBytes(dst, src []byte, rows, cols, size int) {
	const block = 64
	for r0 := 0; r0 < rows; r0 += block {
		for c0 := 0; c0 < cols; c0 += block {
			for r := r0; r < min(r0+block, rows); r++ {
				for c := c0; c < min(c0+block, cols); c++ {
					copy(dst[(c*rows+r)*size:(c*rows+r+1)*size], src[(r*cols+c)*size:(r*cols+c+1)*size])
				}
			}
		}
	}
}

// held reports whether the projection weight w is held [in, out]: its
// model is in the inference layout and w is large (transposedWeight).
func held(g *Graph, w *Node) bool {
	v, _ := gm.GetGraphParam(g, layoutParam)
	d := w.Shape().Dimensions
	return v == true && large(d[0], d[1])
}

// project is x·Wᵀ for a weight w in HF's layout, or x·W for one held
// [in, out] in the inference layout; v is w's variable (see times).
func project(v *gm.Variable, x, w *Node) *Node {
	if held(x.Graph(), w) {
		return Einsum("ni,io->no", x, w)
	}
	return times(v, x, w)
}

// outFeatures is a projection weight's output width in either layout.
func outFeatures(g *Graph, w *Node) int {
	if held(g, w) {
		return w.Shape().Dimensions[1]
	}
	return w.Shape().Dimensions[0]
}
