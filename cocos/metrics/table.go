package metrics

import (
	"fmt"
	"strconv"
	"strings"
)

// Minus is the sign the tables print before a negative number (U+2212,
// as the paper typesets it); CSV files keep ASCII '-' for their readers.
const Minus = "−"

// Percent formats a fraction as tables print it, to one decimal: 0.125 →
// "12.5", −0.11 → "−11.0"; a value that rounds to zero is "0.0", unsigned.
func Percent(x float64) string {
	s := strconv.FormatFloat(100*x, 'f', 1, 64)
	if s == "-0.0" {
		return "0.0"
	}
	return strings.Replace(s, "-", Minus, 1)
}

// WithInterval is a fraction and its interval in percent, as the tables
// print a change: "−11.0 [−17.0, −5.0]".
func WithInterval(x float64, iv Interval) string {
	return fmt.Sprintf("%s [%s, %s]", Percent(x), Percent(iv.Lo), Percent(iv.Hi))
}

// PValue formats a p-value to three decimals, "<0.001" below.
func PValue(p float64) string {
	if p < 0.0005 {
		return "<0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// Cells are the row as the tables print it, in percent: the method, the
// two accuracies, Δi→c, Δc→i and Δ each with its interval
// ("−11.0 [−17.0, −5.0]"; the value alone on a row without one) and
// McNemar's p ("—" without one).
func (r Row) Cells() []string {
	out := []string{r.Method, Percent(r.Acc1), Percent(r.Acc2)}
	for i, x := range []float64{r.IToC, r.CToI, r.Delta} {
		if r.Problems > 0 {
			out = append(out, WithInterval(x, r.CI.Ordered()[i]))
		} else {
			out = append(out, Percent(x))
		}
	}
	return append(out, r.pCell())
}

func (r Row) pCell() string {
	if r.Problems == 0 {
		return "—"
	}
	return PValue(r.McNemarP)
}

// TableHeader is the column names of a table of rows: Acc@t1 and Acc@t5
// when every row compares turns 1 and 5, Acc@first and Acc@last (named
// in each row's method) when they differ.
func TableHeader(rows []Row) []string {
	if len(rows) == 0 {
		return Header(1, 2)
	}
	from, to := rows[0].Turns()
	for _, r := range rows[1:] {
		if f, t := r.Turns(); f != from || t != to {
			return []string{"method", "Acc@first", "Acc@last", "Δi→c", "Δc→i", "Δ", "McNemar p"}
		}
	}
	return Header(from, to)
}

// Header is the results table's column names for turns from and to.
func Header(from, to int) []string {
	return []string{"method", fmt.Sprintf("Acc@t%d", from), fmt.Sprintf("Acc@t%d", to), "Δi→c", "Δc→i", "Δ", "McNemar p"}
}

// TableNote says what Table's brackets and p are, for a caption.
const TableNote = "In brackets the 95 % paired-bootstrap interval over problems; McNemar p: exact test of Δi→c against Δc→i."

// SeedsNote says what SpreadTable's cells are, for a caption.
const SeedsNote = "Accuracies: mean ± sd over seeds. Changes: mean over seeds, in brackets the 95 % two-level bootstrap interval (seeds, then problems). McNemar p: exact test on the discordant problems pooled over seeds."

// Table renders rows as the paper prints them, in percent, each change
// with its interval (Row.Cells).
func Table(rows []Row) string {
	var b strings.Builder
	const format = "%-16s %8s %8s %20s %20s %20s %9s\n"
	fmt.Fprintf(&b, format, anys(TableHeader(rows))...)
	for _, r := range rows {
		fmt.Fprintf(&b, format, anys(r.Cells())...)
	}
	return b.String()
}

// anys converts cells for a format.
func anys(cells []string) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = c
	}
	return out
}
