package model

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func randTensor(r *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// TestDotVJP: the dot-based DotGeneral gradient equals GoMLX's own, for
// the contractions the model uses and for out-of-order contracting axes.
func TestDotVJP(t *testing.T) {
	backend, _ := NewBackend("go")
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name   string
		ldims  []int
		rdims  []int
		lc, lb []int
		rc, rb []int
	}{
		{"linear bti,oi", []int{2, 3, 4}, []int{5, 4}, []int{2}, nil, []int{1}, nil},
		{"scores bkgqd,bksd", []int{2, 2, 3, 4, 5}, []int{2, 2, 6, 5}, []int{4}, []int{0, 1}, []int{3}, []int{0, 1}},
		{"matmul", []int{3, 4}, []int{4, 5}, []int{1}, nil, []int{0}, nil},
		{"two contractions out of order", []int{3, 4, 5}, []int{5, 6, 3}, []int{2, 0}, nil, []int{0, 2}, nil},
		{"batch not first", []int{4, 2, 3}, []int{3, 2, 5}, []int{2}, []int{1}, []int{0}, []int{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lhs, rhs := randTensor(r, c.ldims...), randTensor(r, c.rdims...)
			grads := func(vjp VJP) []*tensors.Tensor {
				saved := VJPRegistration[NodeTypeDotGeneral]
				VJPRegistration[NodeTypeDotGeneral] = vjp
				defer func() { VJPRegistration[NodeTypeDotGeneral] = saved }()
				e := MustNewExec(backend, func(l, rr *Node) []*Node {
					out := DotGeneral(l, c.lc, c.lb, rr, c.rc, c.rb)
					w := Sin(IotaFull(out.Graph(), out.Shape())) // a non-uniform output gradient
					return Gradient(ReduceAllSum(Mul(out, w)), l, rr)
				})
				return e.MustExec(lhs, rhs)
			}
			want, got := grads(builtinDotGeneral), grads(dotVJP)
			for i := range want {
				a, b := want[i].Value(), got[i].Value()
				d := maxAbsDiff(tensors.MustCopyFlatData[float32](want[i]), tensors.MustCopyFlatData[float32](got[i]))
				if d > 1e-4 || !want[i].Shape().Equal(got[i].Shape()) {
					t.Errorf("gradient %d differs by %g (shapes %s vs %s): %v vs %v", i, d, want[i].Shape(), got[i].Shape(), a, b)
				}
			}
		})
	}
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}
