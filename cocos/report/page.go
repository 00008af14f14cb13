package report

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/cocos-go/cocos/internal/atomicfile"
	"github.com/cocos-go/cocos/internal/echarts"
)

// Page is a report: a title and sections of text, tables and charts.
type Page struct {
	Title    string
	Sections []Section
}

// Section is a heading with, in order, a paragraph, a table and charts.
type Section struct {
	Heading string
	Text    string
	Table   *Table
	Charts  []Chart
}

// Table is a header row and rows of cells; Links, when set, holds per
// cell the address the cell links to ("" for none), as Rows is shaped.
type Table struct {
	Header []string
	Rows   [][]string
	Links  [][]string
}

// Cell is a table cell with the address it links to ("" for none).
type Cell struct{ Text, Link string }

// Cells pairs each cell of Rows with its link.
func (t *Table) Cells() [][]Cell {
	out := make([][]Cell, len(t.Rows))
	for i, r := range t.Rows {
		for j, text := range r {
			c := Cell{Text: text}
			if i < len(t.Links) && j < len(t.Links[i]) {
				c.Link = t.Links[i][j]
			}
			out[i] = append(out[i], c)
		}
	}
	return out
}

// WriteHTML renders the page with ECharts inlined.
func (p Page) WriteHTML(w io.Writer) error {
	type chart struct {
		ID     string
		Height int
		Option template.JS
		Click  string
	}
	type section struct {
		Section
		Charts []chart
	}
	var secs []section
	n := 0
	for _, s := range p.Sections {
		sec := section{Section: s}
		for _, c := range s.Charts {
			js, err := c.JSON()
			if err != nil {
				return fmt.Errorf("report: chart in %q: %w", s.Heading, err)
			}
			h := c.Height
			if h == 0 {
				h = 360
			}
			n++
			sec.Charts = append(sec.Charts, chart{ID: fmt.Sprintf("chart%d", n), Height: h, Option: template.JS(js), Click: c.Click})
		}
		secs = append(secs, sec)
	}
	return page.Execute(w, map[string]any{"Title": p.Title, "Sections": secs,
		"ECharts": template.JS(echarts.Source())})
}

// WriteFile renders the page to path, atomically (beside it, then renamed).
func (p Page) WriteFile(path string) error {
	if err := atomicfile.Write(path, p.WriteHTML); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{"lines": func(s string) []string {
	return strings.Split(s, "\n\n")
}}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.chart{width:100%;margin:1em 0}
</style>
<script>{{.ECharts}}</script></head><body>
<h1>{{.Title}}</h1>
{{range .Sections}}<section><h2>{{.Heading}}</h2>
{{range lines .Text}}{{if .}}<p>{{.}}</p>{{end}}{{end}}
{{with .Table}}<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Cells}}<tr>{{range .}}<td>{{if .Link}}<a href="{{.Link}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{range .Charts}}<div class="chart" id="{{.ID}}" style="height:{{.Height}}px"></div>
<script>(() => { const c = echarts.init(document.getElementById("{{.ID}}")); c.setOption({{.Option}});
{{if .Click}}const url = {{.Click}}; c.on("click", (p) => { location.href = url
  .replace("{series}", encodeURIComponent(p.seriesName)).replace("{name}", encodeURIComponent(p.name)).replace("{index}", p.dataIndex + 1); });{{end}} })();</script>
{{end}}</section>
{{end}}</body></html>
`))
