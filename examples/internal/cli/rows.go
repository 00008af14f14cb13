package cli

import (
	"strconv"

	"github.com/cocos-go/cocos/cocos/metrics"
)

// RowHeader is the CSV columns of RowFields.
func RowHeader() []string { return []string{"acc_t1", "acc_t2", "i_to_c", "c_to_i", "delta"} }

// RowFields are the paper's five numbers of a row, as fractions.
func RowFields(r metrics.Row) []string { return Fixed(r.Acc1, r.Acc2, r.IToC, r.CToI, r.Delta) }

// IntervalHeader is the CSV columns of IntervalFields; the files append
// them after their older columns, which keep their places.
func IntervalHeader() []string {
	return []string{"i_to_c_lo", "i_to_c_hi", "c_to_i_lo", "c_to_i_hi", "delta_lo", "delta_hi", "mcnemar_p"}
}

// IntervalFields are a row's 95 % bootstrap bounds of Δi→c, Δc→i and Δ
// (fractions) and McNemar's p (4 significant digits: small ones matter).
func IntervalFields(r metrics.Row) []string {
	ci := r.CI
	out := Fixed(ci.IToC.Lo, ci.IToC.Hi, ci.CToI.Lo, ci.CToI.Hi, ci.Delta.Lo, ci.Delta.Hi)
	return append(out, strconv.FormatFloat(r.McNemarP, 'g', 4, 64))
}
