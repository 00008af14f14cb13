package model

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
)

// layoutParam is the graph parameter marking a model whose projection
// weights are held [in, out] (SetInferenceLayout).
const layoutParam = "/cocos/inference_layout"

// SetInferenceLayout holds every large projection weight (q, k, v, o,
// gate, up, down, and an untied LM head; a million values or more, see
// large) transposed, [in, out] instead of Hugging Face's [out, in], so that
// decoding multiplies x·W: the Go backend packs a right operand whose
// contracted axis is last with scalar code on every call, and x·W ran
// 2.2× faster than x·Wᵀ for 8 rows in f32 and 1.8× in bf16 at
// Qwen2.5-1.5B's MLP shape (BenchmarkLinearLayout). In a whole decoding
// step the gain depends on how the backend holds the buffers and a single
// row gets slower (docs/BENCHMARKS.md, docs/upstream.md), so no command
// uses it by default: `cocos bench generate --layout inference` measures
// it. Weights and Save still give HF's layout. It is for models that are
// not trained afterwards, and is refused with LoRA adapters attached; a
// Trainer refuses such a model. Tied embeddings stay [vocab, hidden]: the
// token lookup reads them so. Each weight is transposed in memory, one at
// a time; LoadOptions.InferenceLayout transposes as it reads instead.
func (m *Model) SetInferenceLayout() error {
	if m.inference {
		return nil
	}
	if m.lora != nil {
		return fmt.Errorf("model: the inference layout is for models without LoRA adapters (merge them first)")
	}
	for _, w := range m.Config.Weights() {
		if !projection(w.Name) || !large(w.Shape[0], w.Shape[1]) {
			continue
		}
		v := m.Store.GetVariable(varPath(w.Name))
		if v == nil {
			return fmt.Errorf("model: weight %s is missing from the store", w.Name)
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
		tt, err := transposed(m.Backend, t)
		if err != nil {
			return fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
		if err := v.SetValue(tt); err != nil {
			return fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
	}
	m.inference = true
	m.dropPrograms()
	return nil
}

// large reports whether a weight of rows × cols values is one whose
// product's layout matters on the Go backend (timesTransposed,
// SetInferenceLayout): the embedded models' weights are all smaller.
func large(rows, cols int) bool { return rows*cols >= 1<<20 }

// projection reports whether the weight called name is one a linear layer
// multiplies (its layout SetInferenceLayout changes).
func projection(name string) bool {
	return strings.HasSuffix(name, "_proj.weight") || name == "lm_head.weight"
}

// transposed is a 2-D tensor's transpose, as a new tensor in the
// backend's own buffer (as newModel makes weights: on the Go backend one
// copy shared with the host, not a host copy and a device copy).
func transposed(backend compute.Backend, t *tensors.Tensor) (*tensors.Tensor, error) {
	d := t.Shape().Dimensions
	if len(d) != 2 {
		return nil, fmt.Errorf("transpose of a %d-D tensor", len(d))
	}
	out, err := tensors.FromShapeForBackend(backend, 0, shapes.Make(t.DType(), d[1], d[0]))
	if err != nil {
		return nil, err
	}
	size := t.DType().Size()
	var inner error
	err = t.ConstBytes(func(src []byte) {
		inner = out.MutableBytes(func(dst []byte) {
			transposeBytes(dst, src, d[0], d[1], size)
		})
	})
	if err == nil {
		err = inner
	}
	if err == nil {
		err = out.ToDevice(backend, 0)
	}
	return out, err
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
// model is in the inference layout and w is large.
func held(g *Graph, w *Node) bool {
	v, _ := gm.GetGraphParam(g, layoutParam)
	d := w.Shape().Dimensions
	return v == true && large(d[0], d[1])
}

// project is x·Wᵀ for a weight w in HF's layout, or x·W for one held
// [in, out] by SetInferenceLayout; v is w's variable (see times).
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
