package nb

import (
	"errors"
	"strings"
	"testing"
	"time"
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

func TestHeaderText(t *testing.T) {
	start := time.Date(2026, 12, 1, 3, 4, 0, 0, time.UTC)
	for _, c := range []struct {
		wall time.Duration
		want string
	}{
		{0, "commit abc · scale embedded · seeds 1, 2, 3 · wall time running since 2026-12-01 03:04 UTC"},
		{95 * time.Second, "commit abc · scale embedded · seeds 1, 2, 3 · wall time 1m35s (executed 2026-12-01)"},
	} {
		if got := HeaderText("abc", "embedded", []uint64{1, 2, 3}, start, c.wall); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestCommit(t *testing.T) {
	c := commit()
	if c == "unknown" {
		t.Skip("not in a git checkout")
	}
	if len(strings.TrimSuffix(c, "+changes")) != 12 {
		t.Errorf("commit %q", c)
	}
}
