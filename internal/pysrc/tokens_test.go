package pysrc

import (
	"fmt"
	"testing"
)

func TestTokens(t *testing.T) {
	for src, want := range map[string]string{
		`def f(a, b=2):  # add`:       `[N:def N:f O:( N:a O:, N:b O:= #:2 O:) O::]`,
		`return rb'x\'y' + "z"`:       `[N:return S:rb'x\'y' O:+ S:"z"]`,
		`s = """a # not a comment"""`: `[N:s O:= S:"""a # not a comment"""]`,
		`x = 1.5e-3 + .5`:             `[N:x O:= #:1.5e-3 O:+ #:.5]`,
	} {
		var got []string
		for _, tk := range Tokens(src) {
			got = append(got, fmt.Sprintf("%s:%s", "N#SO"[tk.Kind:tk.Kind+1], tk.Text))
		}
		if fmt.Sprint(got) != want {
			t.Errorf("Tokens(%s) = %v, want %s", src, got, want)
		}
	}
}
