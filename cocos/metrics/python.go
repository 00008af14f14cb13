package metrics

import (
	"slices"
	"strings"

	"github.com/cocos-go/cocos/internal/pysrc"
)

// Function is a top-level def of a program.
type Function struct {
	Name   string
	Params []string
	Body   [][]pysrc.Token // per logical line of the body (after the signature's colon), its tokens
}

// Functions are the program's top-level function definitions (a program
// that does not lex yields what lexed before the error).
func Functions(code string) []Function {
	lines, _ := pysrc.Lines(code)
	var out []Function
	for _, stmt := range pysrc.Block(lines) {
		if stmt[0].Indent != 0 || !pysrc.StartsWithWord(stmt[0].Text, "def") {
			continue
		}
		if f, ok := parseDef(stmt); ok {
			out = append(out, f)
		}
	}
	return out
}

// parseDef reads `def name(params) -> ann: body` and the lines under it.
func parseDef(stmt []pysrc.Line) (Function, bool) {
	toks := pysrc.Tokens(stmt[0].Text)
	if len(toks) < 4 || toks[1].Kind != pysrc.Name || toks[2].Text != "(" {
		return Function{}, false
	}
	f := Function{Name: toks[1].Text}
	depth, i := 0, 2
	expectName := true
	for ; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.Text == "(" || t.Text == "[" || t.Text == "{":
			depth++
		case t.Text == ")" || t.Text == "]" || t.Text == "}":
			depth--
		case depth == 1 && t.Text == ",":
			expectName = true
		case depth == 1 && expectName && t.Kind == pysrc.Name:
			f.Params, expectName = append(f.Params, t.Text), false
		}
		if depth == 0 {
			break
		}
	}
	for i++; i < len(toks) && toks[i].Text != ":"; i++ { // the return annotation
	}
	if rest := toks[min(i+1, len(toks)):]; len(rest) > 0 { // def f(x): return x
		f.Body = append(f.Body, rest)
	}
	for _, l := range stmt[1:] {
		f.Body = append(f.Body, pysrc.Tokens(l.Text))
	}
	return f, true
}

// IgnoresArgs reports a function with parameters whose body names none.
func (f Function) IgnoresArgs() bool {
	if len(f.Params) == 0 {
		return false
	}
	for _, line := range f.Body {
		for _, t := range line {
			if t.Kind == pysrc.Name && slices.Contains(f.Params, t.Text) {
				return false
			}
		}
	}
	return true
}

// ReturnsConstant reports a function whose return statements all return
// the same literal (None when it returns nothing) and that does not yield.
// Two different literals (return True … return False) are a decision, not
// a constant.
func (f Function) ReturnsConstant() bool {
	values := map[string]bool{}
	for _, toks := range f.Body {
		for i, t := range toks {
			if t.Kind == pysrc.Name && t.Text == "yield" {
				return false
			}
			if t.Kind != pysrc.Name || t.Text != "return" {
				continue
			}
			v, ok := literal(toks[i+1:])
			if !ok {
				return false
			}
			values[v] = true
		}
	}
	return len(values) <= 1
}

// literal reads a return value made of constants only (numbers, strings,
// True/False/None, and brackets or commas around them), up to a ';'.
func literal(toks []pysrc.Token) (string, bool) {
	var b strings.Builder
	for _, t := range toks {
		if t.Text == ";" {
			break
		}
		switch {
		case t.Kind == pysrc.Number || t.Kind == pysrc.String:
		case t.Kind == pysrc.Name && (t.Text == "True" || t.Text == "False" || t.Text == "None"):
		case t.Kind == pysrc.Op && strings.Contains("()[]{},-+:", t.Text):
		default:
			return "", false
		}
		b.WriteString(t.Text)
	}
	if b.Len() == 0 {
		return "None", true
	}
	return b.String(), true
}

// Called are the functions unit tests call that a program must define:
// names called in the tests, through the aliases the tests assign
// (HumanEval's `candidate = entry_point`), less what the tests define or
// import themselves, keywords and Python's builtins.
func Called(tests string) []string {
	lines, _ := pysrc.Lines(tests)
	own := map[string]bool{}
	alias := map[string]string{}
	var calls []string
	for _, l := range lines {
		toks := pysrc.Tokens(l.Text)
		if len(toks) == 0 {
			continue
		}
		switch first := toks[0].Text; {
		case first == "import" || first == "from":
			for _, t := range toks {
				if t.Kind == pysrc.Name {
					own[t.Text] = true
				}
			}
			continue
		case (first == "def" || first == "class") && len(toks) > 1:
			own[toks[1].Text] = true
		case len(toks) == 3 && toks[0].Kind == pysrc.Name && toks[1].Text == "=" && toks[2].Kind == pysrc.Name:
			alias[first] = toks[2].Text
			continue
		case len(toks) > 1 && toks[0].Kind == pysrc.Name && toks[1].Text == "=":
			own[first] = true
		}
		for i, t := range toks[:len(toks)-1] {
			if t.Kind == pysrc.Name && toks[i+1].Text == "(" && (i == 0 || toks[i-1].Text != ".") {
				calls = append(calls, t.Text)
			}
		}
	}
	var out []string
	for _, c := range calls {
		for seen := 0; alias[c] != "" && seen < 8; seen++ {
			c = alias[c]
		}
		if !own[c] && !builtin(c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func builtin(name string) bool {
	return slices.Contains(pythonBuiltins, name) || strings.HasSuffix(name, "Error") || strings.HasSuffix(name, "Exception")
}

// pythonBuiltins are Python 3's keywords that may precede a parenthesis
// and its built-in functions and types.
var pythonBuiltins = strings.Fields(`and as assert await del elif else for from global if in is lambda nonlocal not or
	print raise return while with yield abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr
	classmethod compile complex delattr dict dir divmod enumerate eval exec filter float format frozenset getattr
	globals hasattr hash help hex id input int isinstance issubclass iter len list locals map max memoryview min next
	object oct open ord pow property range repr reversed round set setattr slice sorted staticmethod str sum super
	tuple type vars zip __import__`)
