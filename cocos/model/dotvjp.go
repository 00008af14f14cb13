package model

import (
	"reflect"
	"slices"
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.26 differentiates DotGeneral by broadcasting the output
// gradient against the other operand (a Mul the size of both) and reducing
// it: on SimpleGo a 1024×128×512 matmul's backward took 734 ms against a
// 25 ms forward. The gradient of a dot is itself a dot; dotGeneralVJP
// computes it that way. TestDotVJP checks it against GoMLX's own.

var (
	registerOnce      sync.Once
	builtinDotGeneral = VJPRegistration[NodeTypeDotGeneral]
)

// UseDotVJP installs the dot-based gradient for DotGeneral in GoMLX's
// (process-wide) VJP table. Model constructors call it.
func UseDotVJP() {
	registerOnce.Do(func() { VJPRegistration[NodeTypeDotGeneral] = dotVJP })
}

func dotVJP(node *Node, v []*Node, s shapes.Shape) []*Node {
	if p, ok := dotGeneralAxes(node); ok {
		return dotGeneralVJP(node, v[0], p)
	}
	return builtinDotGeneral(node, v, s)
}

type dotAxes struct{ lc, lb, rc, rb []int }

// dotGeneralAxes reads a DotGeneral node's axes. GoMLX keeps them in an
// unexported struct; reflection can read (not write) its int slices.
func dotGeneralAxes(node *Node) (dotAxes, bool) {
	f := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !f.IsValid() || f.IsNil() {
		return dotAxes{}, false
	}
	s := f.Elem()
	if s.Kind() == reflect.Pointer {
		s = s.Elem()
	}
	ints := func(name string) ([]int, bool) {
		v := s.FieldByName(name)
		if !v.IsValid() || v.Kind() != reflect.Slice {
			return nil, false
		}
		out := make([]int, v.Len())
		for i := range out {
			out[i] = int(v.Index(i).Int())
		}
		return out, true
	}
	var p dotAxes
	var ok [4]bool
	p.lc, ok[0] = ints("lhsContractingAxes")
	p.lb, ok[1] = ints("lhsBatchAxes")
	p.rc, ok[2] = ints("rhsContractingAxes")
	p.rb, ok[3] = ints("rhsBatchAxes")
	return p, ok[0] && ok[1] && ok[2] && ok[3]
}

// crossAxes are an operand's axes that are neither contracted nor batch.
func crossAxes(rank int, contracting, batch []int) []int {
	var out []int
	for a := range rank {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			out = append(out, a)
		}
	}
	return out
}

func seq(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// dotGeneralVJP: the output is [batch, lhs cross, rhs cross]. The gradient
// of lhs contracts v's rhs-cross axes with rhs's cross axes, leaving
// [batch, lhs cross, rhs contracting (in rhs axis order)], which is then
// transposed into lhs's own axis order; likewise for rhs.
func dotGeneralVJP(node, v *Node, p dotAxes) []*Node {
	in := node.Inputs()
	lhs, rhs := in[0], in[1]
	lx := crossAxes(lhs.Rank(), p.lc, p.lb)
	rx := crossAxes(rhs.Rank(), p.rc, p.rb)
	nb := len(p.lb)
	vLX, vRX := seq(nb, len(lx)), seq(nb+len(lx), len(rx))
	gradL := DotGeneral(v, vRX, seq(0, nb), rhs, rx, p.rb)
	gradR := DotGeneral(v, vLX, seq(0, nb), lhs, lx, p.lb)
	return []*Node{
		toOperandOrder(gradL, lhs.Rank(), p.lb, lx, p.lc, p.rc),
		toOperandOrder(gradR, rhs.Rank(), p.rb, rx, p.rc, p.lc),
	}
}

// toOperandOrder transposes a gradient laid out as [batch, this cross,
// other's contracted axes in increasing order] into the operand's order.
func toOperandOrder(grad *Node, rank int, batch, cross, contracting, otherContracting []int) *Node {
	sorted := slices.Sorted(slices.Values(otherContracting))
	perm := make([]int, rank)
	for a := range rank {
		switch {
		case slices.Contains(batch, a):
			perm[a] = slices.Index(batch, a)
		case slices.Contains(cross, a):
			perm[a] = len(batch) + slices.Index(cross, a)
		default:
			i := slices.Index(contracting, a)
			perm[a] = len(batch) + len(cross) + slices.Index(sorted, otherContracting[i])
		}
	}
	if slices.Equal(perm, seq(0, rank)) {
		return grad
	}
	return TransposeAllAxes(grad, perm...)
}
