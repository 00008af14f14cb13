// Package pysrc reads just enough Python source for cocos: logical lines,
// statement blocks and tokens, honouring strings, brackets, continuations
// and comments as Python's tokenizer does. It is no parser: it serves the
// data loaders (splitting HumanEval's and ODEX's test programs) and the
// diagnostics of generated programs.
package pysrc

import (
	"fmt"
	"strings"
)

// Line is one logical line of Python source: a statement header or a
// simple statement, possibly spanning several physical lines.
type Line struct {
	Indent int    // columns of leading whitespace (tab = 8)
	Text   string // the physical lines, joined with \n, indentation kept
	Num    int    // 1-based physical line where it starts
}

// Lines splits Python source into logical lines, honouring strings
// (triple-quoted too), brackets, backslash continuations and comments, as
// Python's tokenizer does. Blank and comment-only lines are dropped.
func Lines(src string) ([]Line, error) {
	var out []Line
	phys := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var cur []string
	start, depth := 0, 0
	quote := "" // open string delimiter carried across lines ("'''" or `"""`)
	for i, l := range phys {
		if len(cur) == 0 {
			if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			start = i
		}
		cur = append(cur, l)
		cont := scanLine(l, &depth, &quote)
		if depth > 0 || quote != "" || cont {
			continue
		}
		out = append(out, Line{Indent: indentOf(cur[0]), Text: strings.Join(cur, "\n"), Num: start + 1})
		cur = nil
	}
	if len(cur) > 0 {
		return out, fmt.Errorf("line %d: unterminated statement (open bracket or string)", start+1)
	}
	return out, nil
}

// scanLine advances the bracket depth and open triple-quote over one
// physical line; it reports a trailing backslash continuation.
func scanLine(l string, depth *int, quote *string) bool {
	for i := 0; i < len(l); i++ {
		if *quote != "" {
			if l[i] == '\\' {
				i++
			} else if strings.HasPrefix(l[i:], *quote) {
				i += len(*quote) - 1
				*quote = ""
			}
			continue
		}
		switch c := l[i]; c {
		case '#':
			return false
		case '(', '[', '{':
			*depth++
		case ')', ']', '}':
			*depth--
		case '\'', '"':
			q := string(c)
			if strings.HasPrefix(l[i:], q+q+q) {
				*quote = q + q + q
				i += 2
				continue
			}
			for i++; i < len(l) && l[i] != c; i++ {
				if l[i] == '\\' {
					i++
				}
			}
		case '\\':
			if i == len(l)-1 {
				return true
			}
		}
	}
	return false
}

func indentOf(l string) int {
	n := 0
	for _, c := range l {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 8 - n%8
		default:
			return n
		}
	}
	return n
}

// Block groups logical lines into statements at the indentation of the
// first line: each statement is its header plus its nested lines.
func Block(lines []Line) [][]Line {
	if len(lines) == 0 {
		return nil
	}
	base := lines[0].Indent
	var out [][]Line
	for _, l := range lines {
		if l.Indent <= base || len(out) == 0 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], l)
	}
	return out
}

// Dedent removes n columns of indentation from every line of a statement.
func Dedent(stmt []Line, n int) string {
	var b strings.Builder
	for _, l := range stmt {
		for _, phys := range strings.Split(l.Text, "\n") {
			if indentOf(phys) >= n {
				phys = strings.TrimLeft(phys[:min(len(phys), n)], " \t") + phys[min(len(phys), n):]
			}
			b.WriteString(phys)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// StartsWithWord reports whether text, after its indentation, starts with
// word as a whole word.
func StartsWithWord(text, word string) bool {
	t := strings.TrimLeft(text, " \t")
	return strings.HasPrefix(t, word) && (len(t) == len(word) || !IsIdentByte(t[len(word)]))
}

// IsIdentByte reports whether c may be part of a Python identifier (any
// non-ASCII byte counts, as UTF-8 letters do).
func IsIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
