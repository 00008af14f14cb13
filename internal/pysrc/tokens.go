package pysrc

import "strings"

// Kind is a token's class.
type Kind int

// Token kinds: identifiers and keywords, numbers, string literals (with
// their prefix and quotes), and everything else one byte at a time.
const (
	Name Kind = iota
	Number
	String
	Op
)

// Token is one lexical token of Python source.
type Token struct {
	Kind Kind
	Text string
}

// Tokens splits source into tokens, dropping whitespace, line breaks and
// comments. An unterminated string runs to the end.
func Tokens(src string) []Token {
	var out []Token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			j := stringEnd(src, i)
			out, i = append(out, Token{String, src[i:j]}), j
		case IsIdentByte(c) && !(c >= '0' && c <= '9'):
			j := i
			for j < len(src) && IsIdentByte(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '\'' || src[j] == '"') && isStringPrefix(src[i:j]) {
				j = stringEnd(src, j)
				out, i = append(out, Token{String, src[i:j]}), j
				continue
			}
			out, i = append(out, Token{Name, src[i:j]}), j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (IsIdentByte(src[j]) || src[j] == '.' || (src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E')) {
				j++
			}
			out, i = append(out, Token{Number, src[i:j]}), j
		default:
			out, i = append(out, Token{Op, src[i : i+1]}), i+1
		}
	}
	return out
}

// stringEnd is the index after the string literal whose quote is at i.
func stringEnd(src string, i int) int {
	q := src[i : i+1]
	if strings.HasPrefix(src[i:], q+q+q) {
		q = q + q + q
	}
	for j := i + len(q); j < len(src); j++ {
		if src[j] == '\\' {
			j++
		} else if strings.HasPrefix(src[j:], q) {
			return j + len(q)
		} else if len(q) == 1 && src[j] == '\n' {
			return j
		}
	}
	return len(src)
}

func isStringPrefix(p string) bool {
	switch strings.ToLower(p) {
	case "r", "u", "b", "f", "br", "rb", "fr", "rf":
		return true
	}
	return false
}
