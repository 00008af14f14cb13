// Package data loads the code-generation data sets CoCoS trains and
// evaluates on (MBPP, HumanEval, ...) into one Problem type.
package data

// Problem is one programming task in MBPP form.
type Problem struct {
	// ID is unique across sources, e.g. "mbpp/11" or "HumanEval/0".
	ID string
	// Text is the task description shown to the model.
	Text string
	// Code is the reference solution: a complete program.
	Code string
	// Tests are the unit tests, each counted on its own: usually one
	// assert, sometimes a block (preamble statements and one assert or loop).
	Tests []string
	// SetupCode runs after the program in its namespace, before the tests.
	SetupCode string
	// EntryPoint is the function under test, when the source names it.
	EntryPoint string
	// Source is the data set's name: "mbpp", "humaneval", ...
	Source string
	// Split is the split the problem belongs to: "prompt", "train",
	// "validation" or "test".
	Split string
	// Libraries lists the modules the problem needs, where the source
	// says (ODEX's library field).
	Libraries []string
}

// Splits returns the problems of one split, in order.
func Splits(ps []Problem, split string) []Problem {
	return inSplit(ps, split, func(p Problem) string { return p.Split })
}

// inSplit keeps the items whose split is split, in order.
func inSplit[T any](items []T, split string, of func(T) string) []T {
	var out []T
	for _, x := range items {
		if of(x) == split {
			out = append(out, x)
		}
	}
	return out
}
