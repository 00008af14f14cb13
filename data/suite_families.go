package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// families are the suite's problem generators. Each wrong solution is a
// mistake a small model plausibly makes: off-by-one, wrong operator, wrong
// comparison, a missed case.
var families = []family{
	{"affine", 1, genAffine},
	{"remainder_check", 1, genRemainder},
	{"threshold_label", 1, genThreshold},
	{"clamp", 1, genClamp},
	{"abs_difference", 1, genAbsDiff},
	{"sum_greater", 2, genSumGreater},
	{"count_divisible", 2, genCountDivisible},
	{"map_list", 2, genMapList},
	{"filter_list", 2, genFilterList},
	{"count_char", 2, genCountChar},
	{"count_vowels", 2, genCountVowels},
	{"sum_range", 2, genSumRange},
	{"digit_sum", 2, genDigitSum},
	{"count_divisors", 2, genCountDivisors},
	{"sum_squares_greater", 3, genSumSquaresGreater},
	{"long_words", 3, genLongWords},
	{"spread_plus", 3, genSpreadPlus},
	{"scaled_digit_sum", 3, genScaledDigitSum},
}

// Input drawers.
func drawInt(lo, hi int) func(*rand.Rand) []any {
	return func(r *rand.Rand) []any { return []any{lo + r.IntN(hi-lo+1)} }
}

func randList(r *rand.Rand, minLen, maxLen, lo, hi int) []int {
	l := make([]int, minLen+r.IntN(maxLen-minLen+1))
	for i := range l {
		l[i] = lo + r.IntN(hi-lo+1)
	}
	return l
}

func drawList(minLen, maxLen, lo, hi int) func(*rand.Rand) []any {
	return func(r *rand.Rand) []any { return []any{randList(r, minLen, maxLen, lo, hi)} }
}

var suiteWords = strings.Fields("apple tree sun river stone code cat house light moon bird rain " +
	"map data fire green blue sky road book lamp salt wind glass pen door")

func randSentence(r *rand.Rand, minWords, maxWords int) string {
	n := minWords + r.IntN(maxWords-minWords+1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = suiteWords[r.IntN(len(suiteWords))]
	}
	return strings.Join(ws, " ")
}

func pyMod(a, m int) int { return ((a % m) + m) % m }

func num(in []any, i int) int { return in[i].(int) }
func list(in []any) []int     { return in[0].([]int) }
func text(in []any) string    { return in[0].(string) }
func sumIf(l []int, keep func(int) bool) int {
	s := 0
	for _, x := range l {
		if keep(x) {
			s += x
		}
	}
	return s
}

// Level 1.

func genAffine(r *rand.Rand) spec {
	a, b := 2+r.IntN(8), 1+r.IntN(20)
	return spec{
		params: fmt.Sprintf("%d,%d", a, b),
		texts: []string{
			fmt.Sprintf("Write a function to multiply a number by %d and then add %d.", a, b),
			fmt.Sprintf("Write a python function that returns %d times the given integer plus %d.", a, b),
			fmt.Sprintf("Write a function to compute %d*n + %d for an integer n.", a, b),
		},
		names: []string{"scale_and_shift", "affine_value", "compute_value"},
		code:  py(fmt.Sprintf("def {fn}(n):\n    return %d * n + %d\n", a, b), func(in []any) any { return a*num(in, 0) + b }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    return %d * n - %d\n", a, b), func(in []any) any { return a*num(in, 0) - b }),
			py(fmt.Sprintf("def {fn}(n):\n    return %d * (n + %d)\n", a, b), func(in []any) any { return a * (num(in, 0) + b) }),
			py(fmt.Sprintf("def {fn}(n):\n    return %d * n + %d\n", a, b+1), func(in []any) any { return a*num(in, 0) + b + 1 }),
		},
		input: drawInt(-20, 50),
	}
}

func genRemainder(r *rand.Rand) spec {
	m := 3 + r.IntN(7)
	k := r.IntN(m)
	return spec{
		params: fmt.Sprintf("%d,%d", m, k),
		texts: []string{
			fmt.Sprintf("Write a function to check whether a number leaves remainder %d when divided by %d.", k, m),
			fmt.Sprintf("Write a python function that returns True if n %% %d equals %d, and False otherwise.", m, k),
		},
		names: []string{"has_remainder", "check_remainder", "is_remainder"},
		code:  py(fmt.Sprintf("def {fn}(n):\n    return n %% %d == %d\n", m, k), func(in []any) any { return pyMod(num(in, 0), m) == k }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    return n %% %d != %d\n", m, k), func(in []any) any { return pyMod(num(in, 0), m) != k }),
			py(fmt.Sprintf("def {fn}(n):\n    return n %% %d == %d\n", m+1, k), func(in []any) any { return pyMod(num(in, 0), m+1) == k }),
		},
		input: drawInt(0, 60),
	}
}

func genThreshold(r *rand.Rand) spec {
	k := 5 + r.IntN(40)
	pair := [][2]string{{"big", "small"}, {"high", "low"}, {"large", "tiny"}}[r.IntN(3)]
	hi, lo := pair[0], pair[1]
	label := func(isHigh bool) string {
		if isHigh {
			return hi
		}
		return lo
	}
	return spec{
		params: fmt.Sprintf("%d,%s", k, hi),
		texts: []string{
			fmt.Sprintf("Write a function that returns '%s' if a number is greater than %d and '%s' otherwise.", hi, k, lo),
			fmt.Sprintf("Write a python function to label numbers above %d as '%s' and all others as '%s'.", k, hi, lo),
		},
		names: []string{"label_number", "classify", "size_label"},
		code: py(fmt.Sprintf("def {fn}(n):\n    if n > %d:\n        return '%s'\n    return '%s'\n", k, hi, lo),
			func(in []any) any { return label(num(in, 0) > k) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    if n >= %d:\n        return '%s'\n    return '%s'\n", k, hi, lo),
				func(in []any) any { return label(num(in, 0) >= k) }),
			py(fmt.Sprintf("def {fn}(n):\n    if n < %d:\n        return '%s'\n    return '%s'\n", k, hi, lo),
				func(in []any) any { return label(num(in, 0) < k) }),
		},
		input: func(r *rand.Rand) []any {
			if r.IntN(3) == 0 {
				return []any{k}
			}
			return []any{k - 20 + r.IntN(41)}
		},
	}
}

func genClamp(r *rand.Rand) spec {
	lo := r.IntN(10)
	hi := lo + 5 + r.IntN(20)
	clamp := func(x int) int { return min(max(x, lo), hi) }
	return spec{
		params: fmt.Sprintf("%d,%d", lo, hi),
		texts: []string{
			fmt.Sprintf("Write a function to clamp a number to the range from %d to %d.", lo, hi),
			fmt.Sprintf("Write a python function that limits n so that it is at least %d and at most %d.", lo, hi),
		},
		names: []string{"clamp", "limit_range", "bound_value"},
		code:  py(fmt.Sprintf("def {fn}(n):\n    if n < %d:\n        return %d\n    if n > %d:\n        return %d\n    return n\n", lo, lo, hi, hi), func(in []any) any { return clamp(num(in, 0)) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    if n < %d:\n        return %d\n    return n\n", lo, lo), func(in []any) any { return max(num(in, 0), lo) }),
			py(fmt.Sprintf("def {fn}(n):\n    if n < %d:\n        return %d\n    if n > %d:\n        return %d\n    return n\n", lo, hi, hi, lo),
				func(in []any) any {
					x := num(in, 0)
					if x < lo {
						return hi
					}
					if x > hi {
						return lo
					}
					return x
				}),
		},
		input: drawInt(lo-15, hi+15),
	}
}

func genAbsDiff(r *rand.Rand) spec {
	k := 1 + r.IntN(30)
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to find the distance between a number and %d.", k),
			fmt.Sprintf("Write a python function that returns the absolute difference between n and %d.", k),
		},
		names: []string{"distance_to", "abs_difference", "gap"},
		code: py(fmt.Sprintf("def {fn}(n):\n    return abs(n - %d)\n", k), func(in []any) any {
			d := num(in, 0) - k
			return max(d, -d)
		}),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    return n - %d\n", k), func(in []any) any { return num(in, 0) - k }),
			py(fmt.Sprintf("def {fn}(n):\n    return abs(n + %d)\n", k), func(in []any) any {
				d := num(in, 0) + k
				return max(d, -d)
			}),
		},
		input: drawInt(-10, 60),
	}
}

// Level 2.

func genSumGreater(r *rand.Rand) spec {
	k := r.IntN(30)
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to find the sum of the elements of a list that are greater than %d.", k),
			fmt.Sprintf("Write a python function that adds up all numbers in the list bigger than %d.", k),
		},
		names: []string{"sum_greater", "sum_above", "total_over"},
		code: py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        if x > %d:\n            total += x\n    return total\n", k),
			func(in []any) any { return sumIf(list(in), func(x int) bool { return x > k }) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        if x >= %d:\n            total += x\n    return total\n", k),
				func(in []any) any { return sumIf(list(in), func(x int) bool { return x >= k }) }),
			py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        if x > %d:\n            total += 1\n    return total\n", k),
				func(in []any) any {
					return len(slices.DeleteFunc(slices.Clone(list(in)), func(x int) bool { return x <= k }))
				}),
		},
		input: func(r *rand.Rand) []any {
			l := randList(r, 3, 7, 0, 40)
			l[r.IntN(len(l))] = k // a boundary element catches >= for >
			return []any{l}
		},
	}
}

func genCountDivisible(r *rand.Rand) spec {
	d := 2 + r.IntN(11)
	count := func(l []int, keep func(int) bool) int {
		n := 0
		for _, x := range l {
			if keep(x) {
				n++
			}
		}
		return n
	}
	return spec{
		params: fmt.Sprint(d),
		texts: []string{
			fmt.Sprintf("Write a function to count how many numbers in a list are divisible by %d.", d),
			fmt.Sprintf("Write a python function that returns the number of multiples of %d in the given list.", d),
		},
		names: []string{"count_multiples", "count_divisible", "num_divisible"},
		code: py(fmt.Sprintf("def {fn}(nums):\n    count = 0\n    for x in nums:\n        if x %% %d == 0:\n            count += 1\n    return count\n", d),
			func(in []any) any { return count(list(in), func(x int) bool { return x%d == 0 }) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(nums):\n    count = 0\n    for x in nums:\n        if x %% %d != 0:\n            count += 1\n    return count\n", d),
				func(in []any) any { return count(list(in), func(x int) bool { return x%d != 0 }) }),
			py(fmt.Sprintf("def {fn}(nums):\n    count = 0\n    for x in nums[1:]:\n        if x %% %d == 0:\n            count += 1\n    return count\n", d),
				func(in []any) any { return count(list(in)[1:], func(x int) bool { return x%d == 0 }) }),
		},
		input: drawList(3, 8, 0, 40),
	}
}

func genMapList(r *rand.Rand) spec {
	k := 2 + r.IntN(11)
	apply := func(l []int, f func(int) int) []int {
		out := make([]int, len(l))
		for i, x := range l {
			out[i] = f(x)
		}
		return out
	}
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to multiply every element of a list by %d.", k),
			fmt.Sprintf("Write a python function that returns a new list with each number times %d.", k),
		},
		names: []string{"scale_list", "multiply_all", "times_each"},
		code: py(fmt.Sprintf("def {fn}(nums):\n    return [x * %d for x in nums]\n", k),
			func(in []any) any { return apply(list(in), func(x int) int { return x * k }) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(nums):\n    return [x + %d for x in nums]\n", k),
				func(in []any) any { return apply(list(in), func(x int) int { return x + k }) }),
			py(fmt.Sprintf("def {fn}(nums):\n    return [x * %d for x in nums[:-1]]\n", k),
				func(in []any) any {
					l := list(in)
					return apply(l[:max(0, len(l)-1)], func(x int) int { return x * k })
				}),
		},
		input: drawList(2, 6, -5, 20),
	}
}

func genFilterList(r *rand.Rand) spec {
	k := r.IntN(20)
	keep := func(l []int, f func(int) bool) []int {
		out := []int{}
		for _, x := range l {
			if f(x) {
				out = append(out, x)
			}
		}
		return out
	}
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to remove the numbers smaller than %d from a list.", k),
			fmt.Sprintf("Write a python function that keeps only the elements that are at least %d.", k),
		},
		names: []string{"drop_small", "keep_large", "filter_at_least"},
		code: py(fmt.Sprintf("def {fn}(nums):\n    return [x for x in nums if x >= %d]\n", k),
			func(in []any) any { return keep(list(in), func(x int) bool { return x >= k }) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(nums):\n    return [x for x in nums if x > %d]\n", k),
				func(in []any) any { return keep(list(in), func(x int) bool { return x > k }) }),
			py(fmt.Sprintf("def {fn}(nums):\n    return [x for x in nums if x < %d]\n", k),
				func(in []any) any { return keep(list(in), func(x int) bool { return x < k }) }),
		},
		input: func(r *rand.Rand) []any {
			l := randList(r, 3, 7, 0, 30)
			l[r.IntN(len(l))] = k
			return []any{l}
		},
	}
}

func genCountChar(r *rand.Rand) spec {
	c := string(rune('a' + r.IntN(26)))
	return spec{
		params: c,
		texts: []string{
			fmt.Sprintf("Write a function to count the occurrences of the letter '%s' in a string.", c),
			fmt.Sprintf("Write a python function that returns how many times '%s' appears in the given text.", c),
		},
		names: []string{"count_letter", "letter_count", "occurrences"},
		code: py(fmt.Sprintf("def {fn}(s):\n    count = 0\n    for ch in s:\n        if ch == '%s':\n            count += 1\n    return count\n", c),
			func(in []any) any { return strings.Count(text(in), c) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(s):\n    count = 0\n    for ch in s:\n        if ch != '%s':\n            count += 1\n    return count\n", c),
				func(in []any) any { return len(text(in)) - strings.Count(text(in), c) }),
			py(fmt.Sprintf("def {fn}(s):\n    return s.count('%s') - 1\n", c), func(in []any) any { return strings.Count(text(in), c) - 1 }),
		},
		input: func(r *rand.Rand) []any {
			s := randSentence(r, 1, 4)
			if r.IntN(2) == 0 {
				s += " " + c + c
			}
			return []any{s}
		},
	}
}

func genCountVowels(r *rand.Rand) spec {
	vowels := []string{"aeiou", "aeiouy"}[r.IntN(2)]
	missed := vowels[:len(vowels)-1] // forgets the last vowel
	count := func(s, set string) int {
		n := 0
		for _, ch := range s {
			if strings.ContainsRune(set, ch) {
				n++
			}
		}
		return n
	}
	return spec{
		params: vowels,
		texts: []string{
			fmt.Sprintf("Write a function to count the characters of a string that are in '%s'.", vowels),
			fmt.Sprintf("Write a python function that counts the vowels of a lowercase string, where the vowels are '%s'.", vowels),
		},
		names: []string{"count_vowels", "vowel_count", "num_vowels"},
		code:  py(fmt.Sprintf("def {fn}(s):\n    return sum(1 for ch in s if ch in '%s')\n", vowels), func(in []any) any { return count(text(in), vowels) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(s):\n    return sum(1 for ch in s if ch in '%s')\n", missed), func(in []any) any { return count(text(in), missed) }),
			py(fmt.Sprintf("def {fn}(s):\n    return sum(1 for ch in s if ch not in '%s')\n", vowels), func(in []any) any { return len(text(in)) - count(text(in), vowels) }),
		},
		input: func(r *rand.Rand) []any {
			s := randSentence(r, 1, 3)
			if r.IntN(2) == 0 {
				s += " " + vowels[len(vowels)-1:]
			}
			return []any{s}
		},
	}
}

func genSumRange(r *rand.Rand) spec {
	start := r.IntN(6)
	sum := func(a, b int) int {
		s := 0
		for i := a; i <= b; i++ {
			s += i
		}
		return s
	}
	return spec{
		params: fmt.Sprint(start),
		texts: []string{
			fmt.Sprintf("Write a function to find the sum of all integers from %d to n inclusive.", start),
			fmt.Sprintf("Write a python function that adds the numbers %d, %d, ..., n.", start, start+1),
		},
		names: []string{"sum_upto", "range_sum", "total_to_n"},
		code: py(fmt.Sprintf("def {fn}(n):\n    total = 0\n    for i in range(%d, n + 1):\n        total += i\n    return total\n", start),
			func(in []any) any { return sum(start, num(in, 0)) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    total = 0\n    for i in range(%d, n):\n        total += i\n    return total\n", start),
				func(in []any) any { return sum(start, num(in, 0)-1) }),
			py(fmt.Sprintf("def {fn}(n):\n    total = 0\n    for i in range(%d, n + 1):\n        total += i\n    return total\n", start+1),
				func(in []any) any { return sum(start+1, num(in, 0)) }),
		},
		input: drawInt(3, 30),
	}
}

func digitSum(n int) int {
	s := 0
	for n = max(n, -n); n > 0; n /= 10 {
		s += n % 10
	}
	return s
}

func genDigitSum(r *rand.Rand) spec {
	k := r.IntN(10)
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to compute the sum of the digits of a non-negative integer, plus %d.", k),
			fmt.Sprintf("Write a python function that adds up the digits of n and then adds %d.", k),
		},
		names: []string{"digit_sum", "sum_digits", "digits_total"},
		code: py(fmt.Sprintf("def {fn}(n):\n    total = 0\n    while n > 0:\n        total += n %% 10\n        n //= 10\n    return total + %d\n", k),
			func(in []any) any { return digitSum(num(in, 0)) + k }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    total = 0\n    while n > 10:\n        total += n %% 10\n        n //= 10\n    return total + %d\n", k),
				func(in []any) any {
					t, n := 0, num(in, 0)
					for ; n > 10; n /= 10 {
						t += n % 10
					}
					return t + k
				}),
			py(fmt.Sprintf("def {fn}(n):\n    return len(str(n)) + %d\n", k), func(in []any) any { return len(fmt.Sprint(num(in, 0))) + k }),
		},
		input: drawInt(5, 9999),
	}
}

func genCountDivisors(r *rand.Rand) spec {
	lo := 1 + r.IntN(3)
	count := func(n, from, to int) int {
		c := 0
		for i := from; i <= to; i++ {
			if n%i == 0 {
				c++
			}
		}
		return c
	}
	return spec{
		params: fmt.Sprint(lo),
		texts: []string{
			fmt.Sprintf("Write a function to count the divisors of n that are at least %d.", lo),
			fmt.Sprintf("Write a python function that returns how many integers d with %d <= d <= n divide n.", lo),
		},
		names: []string{"count_divisors", "divisor_count", "num_divisors"},
		code: py(fmt.Sprintf("def {fn}(n):\n    count = 0\n    for d in range(%d, n + 1):\n        if n %% d == 0:\n            count += 1\n    return count\n", lo),
			func(in []any) any { return count(num(in, 0), lo, num(in, 0)) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    count = 0\n    for d in range(%d, n):\n        if n %% d == 0:\n            count += 1\n    return count\n", lo),
				func(in []any) any { return count(num(in, 0), lo, num(in, 0)-1) }),
			py(fmt.Sprintf("def {fn}(n):\n    count = 0\n    for d in range(%d, n + 1):\n        if d %% n == 0:\n            count += 1\n    return count\n", lo),
				func(in []any) any { return 1 }),
		},
		input: drawInt(4, 60),
	}
}

// Level 3.

func genSumSquaresGreater(r *rand.Rand) spec {
	k := r.IntN(15)
	f := func(l []int, keep func(int) bool, sq func(int) int) int {
		t := 0
		for _, x := range l {
			if keep(x) {
				t += sq(x)
			}
		}
		return t
	}
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to find the sum of the squares of the list elements greater than %d.", k),
			fmt.Sprintf("Write a python function that squares each number above %d in a list and returns the total.", k),
		},
		names: []string{"sum_squares_above", "square_total", "sum_big_squares"},
		code: py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        if x > %d:\n            total += x * x\n    return total\n", k),
			func(in []any) any {
				return f(list(in), func(x int) bool { return x > k }, func(x int) int { return x * x })
			}),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        if x > %d:\n            total += x * 2\n    return total\n", k),
				func(in []any) any {
					return f(list(in), func(x int) bool { return x > k }, func(x int) int { return 2 * x })
				}),
			py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        if x >= %d:\n            total += x * x\n    return total\n", k),
				func(in []any) any {
					return f(list(in), func(x int) bool { return x >= k }, func(x int) int { return x * x })
				}),
			py(fmt.Sprintf("def {fn}(nums):\n    total = 0\n    for x in nums:\n        total += x * x\n    return total\n"),
				func(in []any) any {
					return f(list(in), func(int) bool { return true }, func(x int) int { return x * x })
				}),
		},
		input: func(r *rand.Rand) []any {
			l := randList(r, 3, 6, 0, 20)
			l[r.IntN(len(l))] = k
			return []any{l}
		},
	}
}

func genLongWords(r *rand.Rand) spec {
	k := 2 + r.IntN(5)
	count := func(s string, keep func(int) bool) int {
		n := 0
		for _, w := range strings.Fields(s) {
			if keep(len(w)) {
				n++
			}
		}
		return n
	}
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to count the words of a sentence that are longer than %d characters.", k),
			fmt.Sprintf("Write a python function that splits a string into words and returns how many have more than %d letters.", k),
		},
		names: []string{"count_long_words", "long_word_count", "words_longer"},
		code: py(fmt.Sprintf("def {fn}(s):\n    return len([w for w in s.split() if len(w) > %d])\n", k),
			func(in []any) any { return count(text(in), func(n int) bool { return n > k }) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(s):\n    return len([w for w in s.split() if len(w) >= %d])\n", k),
				func(in []any) any { return count(text(in), func(n int) bool { return n >= k }) }),
			py(fmt.Sprintf("def {fn}(s):\n    return len([w for w in s.split(' ')[1:] if len(w) > %d])\n", k),
				func(in []any) any {
					ws := strings.Split(text(in), " ")
					return count(strings.Join(ws[1:], " "), func(n int) bool { return n > k })
				}),
		},
		input: func(r *rand.Rand) []any { return []any{randSentence(r, 2, 6)} },
	}
}

func genSpreadPlus(r *rand.Rand) spec {
	k := r.IntN(20)
	spread := func(l []int) int { return slices.Max(l) - slices.Min(l) }
	return spec{
		params: fmt.Sprint(k),
		texts: []string{
			fmt.Sprintf("Write a function to find the difference between the largest and smallest element of a list, plus %d.", k),
			fmt.Sprintf("Write a python function that returns max(nums) - min(nums) + %d without using sorting.", k),
		},
		names: []string{"spread_plus", "range_plus", "span_value"},
		code: py(fmt.Sprintf("def {fn}(nums):\n    lo = hi = nums[0]\n    for x in nums:\n        if x < lo:\n            lo = x\n        if x > hi:\n            hi = x\n    return hi - lo + %d\n", k),
			func(in []any) any { return spread(list(in)) + k }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(nums):\n    lo = hi = nums[0]\n    for x in nums[1:-1]:\n        if x < lo:\n            lo = x\n        if x > hi:\n            hi = x\n    return hi - lo + %d\n", k),
				func(in []any) any {
					l := list(in)
					return spread(append([]int{l[0]}, l[1:max(1, len(l)-1)]...)) + k
				}),
			py(fmt.Sprintf("def {fn}(nums):\n    return nums[-1] - nums[0] + %d\n", k), func(in []any) any { l := list(in); return l[len(l)-1] - l[0] + k }),
		},
		input: drawList(3, 7, -10, 30),
	}
}

func genScaledDigitSum(r *rand.Rand) spec {
	a := 2 + r.IntN(18)
	return spec{
		params: fmt.Sprint(a),
		texts: []string{
			fmt.Sprintf("Write a function to multiply n by %d and return the sum of the digits of the result.", a),
			fmt.Sprintf("Write a python function that computes the digit sum of %d*n for a non-negative integer n.", a),
		},
		names: []string{"scaled_digit_sum", "digit_sum_of_product", "product_digits"},
		code: py(fmt.Sprintf("def {fn}(n):\n    m = n * %d\n    total = 0\n    while m > 0:\n        total += m %% 10\n        m //= 10\n    return total\n", a),
			func(in []any) any { return digitSum(num(in, 0) * a) }),
		wrong: []solution{
			py(fmt.Sprintf("def {fn}(n):\n    total = 0\n    while n > 0:\n        total += n %% 10\n        n //= 10\n    return total * %d\n", a),
				func(in []any) any { return digitSum(num(in, 0)) * a }),
			py(fmt.Sprintf("def {fn}(n):\n    m = n + %d\n    total = 0\n    while m > 0:\n        total += m %% 10\n        m //= 10\n    return total\n", a),
				func(in []any) any { return digitSum(num(in, 0) + a) }),
		},
		input: drawInt(3, 999),
	}
}
