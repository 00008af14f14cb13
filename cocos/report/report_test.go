package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/internal/echarts"
)

// TestPage: a page inlines ECharts once, loads nothing from elsewhere, and
// carries each chart's option and the table's cells, escaped.
func TestPage(t *testing.T) {
	p := Page{Title: "t <1>", Sections: []Section{{
		Heading: "s", Text: "first\n\nsecond",
		Table: &Table{Header: []string{"a", "b"}, Rows: [][]string{{"x<y", "2"}}},
		Charts: []Chart{Line("loss", "step", "loss", []any{1, 2}, Series{Name: "boost", Values: []any{2.5, 1.25}}),
			StackedBar("tr", "t", "%", []any{"t1→t2"}, Series{Name: "c→c", Values: []any{40.0}})},
	}}}
	path := filepath.Join(t.TempDir(), "r.html")
	if err := p.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	html := string(b)
	for _, want := range []string{"<title>t &lt;1&gt;</title>", "<td>x&lt;y</td>", "<p>second</p>", `"data":[2.5,1.25]`,
		`"stack":"total"`, `getElementById("chart2")`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(html, "echarts.init("); n != 2 {
		t.Errorf("%d charts initialised, want 2", n)
	}
	if len(html) < len(echarts.Source()) || strings.Contains(html, "<script src=") {
		t.Error("ECharts is not inlined, or a script is loaded from elsewhere")
	}
}
