package data

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// Task is a problem of the built-in suite, with what the suite knows
// beyond the Problem: its family, difficulty, and wrong solutions.
type Task struct {
	Problem
	// Family names the generator, e.g. "sum_greater".
	Family string
	// Level is the difficulty: 1 one operation, 2 a loop or list, 3 a
	// composition of two steps.
	Level int
	// Key is the family and its parameters: no key is in both splits.
	Key string
	// Wrong holds plausible wrong solutions (off-by-one, wrong operator,
	// wrong comparison, a missed case); each fails at least one test.
	Wrong []string
}

// SuiteConfig sizes the built-in task suite. The zero value is the
// embedded default.
type SuiteConfig struct {
	// Seed makes the suite reproducible. Default 1.
	Seed uint64
	// Train, Validation and Test are the number of tasks per split.
	// Defaults 2000, 200, 200; a negative Validation means no validation
	// split (its keys stay in train: the suite before it had one).
	Train, Validation, Test int
	// TestFraction is the share of parameter keys reserved for the test
	// split, and again for the validation split (where configurations are
	// chosen, so the test split is used once per reported table). Default
	// 0.15.
	TestFraction float64
	// MaxLevel keeps only the families of at most this difficulty level
	// (1 to 3); default 3, all of them. A model trained from scratch on a
	// CPU in minutes learns level 1 and 2 families.
	MaxLevel int
}

func (c *SuiteConfig) fill() {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Train <= 0 {
		c.Train = 2000
	}
	if c.Validation == 0 {
		c.Validation = 200
	}
	if c.Test <= 0 {
		c.Test = 200
	}
	if c.TestFraction <= 0 {
		c.TestFraction = 0.15
	}
	if c.MaxLevel <= 0 {
		c.MaxLevel = 3
	}
}

// Suite generates the built-in task suite: MBPP-form problems in several
// families, in varied phrasings, each with a reference solution, three
// asserts and wrong solutions. The same config always gives the same suite.
// A task's split is decided by a hash of its key, so train and test never
// share a (family, parameters) pair.
func Suite(cfg SuiteConfig) []Task {
	cfg.fill()
	r := rand.New(rand.NewPCG(cfg.Seed, 0x636f636f73))
	want := map[string]int{"train": cfg.Train, "validation": max(cfg.Validation, 0), "test": cfg.Test}
	// A key may come back with other inputs and phrasing, a bounded number
	// of times, so that no family's few parameters flood a split.
	repeats := map[string]int{"train": 6, "validation": 2, "test": 2}
	seen := map[string]int{}
	var fams []family
	for _, f := range families {
		if f.level <= cfg.MaxLevel {
			fams = append(fams, f)
		}
	}
	var out []Task
	// With few families the keys may run out first: then each key may come
	// back once more, and again (the default suite fills on the first pass).
	left := func() int { return want["train"] + want["validation"] + want["test"] }
	budget := 200 * left()
	for tries, extra := 0, 0; left() > 0; tries++ {
		if tries == budget {
			if extra++; extra > 4 {
				break
			}
			tries = 0
		}
		fam := fams[r.IntN(len(fams))]
		s := fam.gen(r)
		key := fam.name + "(" + s.params + ")"
		split := keySplit(key, cfg.Seed, cfg.TestFraction)
		if split == "validation" && cfg.Validation < 0 {
			split = "train"
		}
		if want[split] == 0 {
			continue
		}
		inputs, ok := chooseInputs(r, s)
		if !ok {
			continue
		}
		fn := s.names[r.IntN(len(s.names))]
		text := s.texts[r.IntN(len(s.texts))]
		if seen[key] >= repeats[split]+extra {
			continue
		}
		seen[key]++
		want[split]--
		t := Task{Family: fam.name, Level: fam.level, Key: key}
		t.ID = fmt.Sprintf("suite/%s/%d", split, len(out))
		t.Text = text
		t.EntryPoint = fn
		t.Code = s.code.src(fn)
		for _, in := range inputs {
			t.Tests = append(t.Tests, fmt.Sprintf("assert %s(%s) == %s", fn, pyArgs(in), pyLiteral(s.code.eval(in))))
		}
		for _, w := range s.wrong {
			t.Wrong = append(t.Wrong, w.src(fn))
		}
		t.Source, t.Split = "suite", split
		out = append(out, t)
	}
	return out
}

// SuiteSplit returns the suite's tasks of one split.
func SuiteSplit(tasks []Task, split string) []Task {
	return inSplit(tasks, split, func(t Task) string { return t.Split })
}

// SuiteProblems returns the suite's problems of one split.
func SuiteProblems(tasks []Task, split string) []Problem {
	var out []Problem
	for _, t := range SuiteSplit(tasks, split) {
		out = append(out, t.Problem)
	}
	return out
}

// keySplit puts a key in the test split with probability frac, else in
// validation with probability frac, else in train: the test keys do not
// depend on whether a validation split exists.
func keySplit(key string, seed uint64, frac float64) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", seed, key)
	switch u := float64(h.Sum64() % 10000); {
	case u < frac*10000:
		return "test"
	case u < 2*frac*10000:
		return "validation"
	}
	return "train"
}

// chooseInputs draws three inputs on which every wrong variant differs
// from the reference at least once and the three tests are distinct.
func chooseInputs(r *rand.Rand, s spec) ([][]any, bool) {
	for attempt := 0; attempt < 60; attempt++ {
		var ins [][]any
		seen := map[string]bool{}
		for len(ins) < 3 {
			in := s.input(r)
			k := pyArgs(in)
			if seen[k] {
				if attempt++; attempt > 60 {
					return nil, false
				}
				continue
			}
			seen[k] = true
			ins = append(ins, in)
		}
		if allWrongCaught(s, ins) {
			return ins, true
		}
	}
	return nil, false
}

func allWrongCaught(s spec, ins [][]any) bool {
	for _, w := range s.wrong {
		caught := false
		for _, in := range ins {
			if !sameValue(w.eval(in), s.code.eval(in)) {
				caught = true
				break
			}
		}
		if !caught {
			return false
		}
	}
	return true
}

// spec is one parameterised problem: its phrasings, function names, the
// reference and wrong solutions (as Python source and as Go semantics, so
// tests can be chosen that catch every wrong one), and an input drawer.
type spec struct {
	params string
	texts  []string
	names  []string
	code   solution
	wrong  []solution
	input  func(r *rand.Rand) []any
}

// solution is Python source for a function name, and what it computes.
type solution struct {
	src  func(fn string) string
	eval func(in []any) any
}

// py builds a solution from a source template whose {fn} is the function
// name.
func py(template string, eval func(in []any) any) solution {
	return solution{src: func(fn string) string { return strings.ReplaceAll(template, "{fn}", fn) }, eval: eval}
}

// family generates specs of one kind.
type family struct {
	name  string
	level int
	gen   func(r *rand.Rand) spec
}
