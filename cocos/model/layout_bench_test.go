package model

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
)

// BenchmarkLinearLayout times x·Wᵀ at Qwen2.5-1.5B's MLP shape (in 1,536,
// out 8,960) on the Go backend for n rows of x, with W in HF's [out, in]
// layout (what linear multiplies) and in [in, out]: the backend packs an
// operand whose contracted axis is last with scalar code on every call,
// which is most of a decoding step's time at this size (docs/upstream.md).
//
//	GOEXPERIMENT=simd go test -run '^$' -bench LinearLayout ./cocos/model
func BenchmarkLinearLayout(b *testing.B) {
	backend, err := NewBackend("go")
	if err != nil {
		b.Fatal(err)
	}
	const in, out = 1536, 8960
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.BFloat16} {
		for _, n := range []int{1, 2, 4, 8, 1024} {
			for _, c := range []struct {
				name, eq string
				w        []int
			}{{"out-in", "ni,oi->no", []int{out, in}}, {"in-out", "ni,io->no", []int{in, out}}, {"out-in-lhs", "oi,ni->on", []int{out, in}}} {
				b.Run(fmt.Sprintf("%s/n=%d/%s", dt, n, c.name), func(b *testing.B) {
					e := MustNewExec(backend, func(x, w *Node) *Node {
						if c.name == "out-in-lhs" { // W·xᵀ, then the small [out, n] result transposed
							return Transpose(Einsum(c.eq, w, x), 0, 1)
						}
						return Einsum(c.eq, x, w)
					})
					x := tensors.FromShape(shapes.Make(dt, n, in))
					w := tensors.FromShape(shapes.Make(dt, c.w...))
					e.MustExec(x, w)
					b.ResetTimer()
					for range b.N {
						e.MustExec(x, w)
					}
				})
			}
		}
	}
}
