package data

import (
	"fmt"
	"strconv"
	"strings"
)

// pyLiteral writes v as the Python literal that evaluates to it, for the
// value types the task suite uses: int, bool, string, []int, []string.
func pyLiteral(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return pyString(x)
	case []int:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = strconv.Itoa(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	panic(fmt.Sprintf("pyLiteral: unsupported %T", v))
}

// pyString quotes s as Python's repr does for ASCII text.
func pyString(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case string(r) == q:
			b.WriteString(`\` + q)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r > 0x7e:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(q)
	return b.String()
}

// pyArgs formats a call's arguments.
func pyArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = pyLiteral(a)
	}
	return strings.Join(parts, ", ")
}

// sameValue compares two suite values.
func sameValue(a, b any) bool { return pyLiteral(a) == pyLiteral(b) }
