package nb

import (
	"errors"
	"strings"
	"testing"
)

// TestTableHTML: cells and caption are escaped, the header is a row of th.
func TestTableHTML(t *testing.T) {
	h := TableHTML("a<b", []string{"method", "Acc"}, [][]string{{"<script>", "1.0"}})
	for _, want := range []string{"a&lt;b", "&lt;script&gt;", "<th", ">method</th>", ">1.0</td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("missing %q in %s", want, h)
		}
	}
	if strings.Contains(h, "<script>") {
		t.Errorf("unescaped cell: %s", h)
	}
}

// TestMust: a value passes through, an error fails the cell.
func TestMust(t *testing.T) {
	if Must(3, nil) != 3 {
		t.Error("Must changed the value")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("Must did not panic on an error")
		}
	}()
	Must(0, errors.New("boom"))
}
