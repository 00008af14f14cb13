package model

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	gm "github.com/gomlx/gomlx/ml/model"
)

// Weight gradients formed by the trainer. GoMLX differentiates x·Wᵀ with
// respect to W as dyᵀ·x with the adjoint dy [n, out] on the left,
// contracted on its leading axis; the Go backend's kernels read a left
// operand with its contracted axis last, so every weight gradient first
// copies dy transposed — 31 % of the tiny preset's training step, 21 % of
// tiny-20m's (docs/journal.md). The trainer's programs instead capture
// each product's dy (a custom-gradient identity on its output, the weight
// under StopGradient) and form dW themselves, transposing whichever is
// smaller: dy, or the product's input x — once for all the products that
// read the same x (q, k and v; gate and up) — and then the [in, out]
// result. The input's gradient dy·W still comes from autodiff.

// weightGradsParam is the graph parameter holding a training program's
// *weightGrads; programs without it differentiate as GoMLX does.
const weightGradsParam = "/cocos/weight_grads"

// weightGrads collects, while a training program's loss is built, the
// products whose weight gradient the trainer forms.
type weightGrads struct {
	products []*product
}

// product is one x·Wᵀ: its weight, its input [n, in] and, once GoMLX's
// autodiff reached it, its output's adjoint [n, out].
type product struct {
	w     *gm.Variable
	x, dy *Node
}

// useWeightGrads turns the trainer's weight gradients on for g's program:
// f32 programs of full fine-tuning without checkpointing (LoRA trains
// adapters only; checkpointed layers recompute their products inside
// GoMLX's backward pass, where a captured adjoint would not belong). In
// full fine-tuning every weight trains, the embedding too, so every
// product's input carries a gradient and GoMLX reaches each capturing
// identity.
func (m *Model) useWeightGrads(g *Graph) *weightGrads {
	if m.autodiffWeights || m.dtype() != dtypes.Float32 || m.checkpoint || m.lora != nil {
		return nil
	}
	wg := &weightGrads{}
	gm.SetGraphParam(g, weightGradsParam, wg)
	return wg
}

// times is x·Wᵀ for the weight variable v (whose graph value is w): with
// the program's weightGrads, the product's weight gradient is left to the
// trainer; otherwise timesTransposed's.
func times(v *gm.Variable, x, w *Node) *Node {
	wg, _ := gm.GetGraphParam(x.Graph(), weightGradsParam)
	grads, _ := wg.(*weightGrads)
	if grads == nil || v == nil || !v.Trainable || x.DType() != dtypes.Float32 {
		return timesTransposed(x, w)
	}
	p := &product{w: v, x: x}
	grads.products = append(grads.products, p)
	y := Einsum("ni,oi->no", x, StopGradient(w))
	return IdentityWithCustomGradient(y, func(_, dy *Node) *Node {
		p.dy = dy
		return dy
	})
}

// add adds the formed weight gradients to grads, the gradients of vars
// (autodiff's, zero for a weight read only through its products).
func (wg *weightGrads) add(vars []*gm.Variable, grads []*Node) {
	index := map[*gm.Variable]int{}
	for i, v := range vars {
		index[v] = i
	}
	byInput := map[*Node][]*product{}
	var inputs []*Node // in order of first use, so programs build the same graph every time
	for _, p := range wg.products {
		if p.dy == nil { // the loss does not depend on this product
			continue
		}
		if byInput[p.x] == nil {
			inputs = append(inputs, p.x)
		}
		byInput[p.x] = append(byInput[p.x], p)
	}
	for _, x := range inputs {
		ps := byInput[x]
		n, in := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
		outs := 0
		for _, p := range ps {
			outs += p.dy.Shape().Dimensions[1]
		}
		// Values copied transposed: each dy, or x once and each [in, out] result.
		transposeX := n*in+in*outs < n*outs
		var xt *Node
		if transposeX {
			xt = Transpose(x, 0, 1) // [in, n]
		}
		for _, p := range ps {
			var dw *Node
			if transposeX {
				dw = Transpose(Einsum("in,no->io", xt, p.dy), 0, 1)
			} else {
				dw = Einsum("no,ni->oi", p.dy, x)
			}
			if i, ok := index[p.w]; ok {
				grads[i] = Add(grads[i], dw)
			}
		}
	}
}
