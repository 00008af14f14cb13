package explore

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/internal/atomicfile"
)

//go:embed assets/explorer.js
var script string

//go:embed assets/explorer.css
var style string

// WriteHTML renders the explorer: its data inlined as JSON beside the
// page's script and style, so the file opens offline.
func (e *Explorer) WriteHTML(w io.Writer) error {
	diag := make([][]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		diag[i] = d.Cells()
	}
	data, err := json.Marshal(map[string]any{"title": e.Title, "tasks": e.Tasks, "trajs": e.Trajs,
		"diagnostics": map[string]any{"header": metrics.DiagnosticsHeader(), "rows": diag}})
	if err != nil {
		return fmt.Errorf("explore: %w", err)
	}
	// json.Marshal escapes <, > and &, so no "</script>" ends the block early.
	return page.Execute(w, map[string]any{"Title": e.Title, "Data": template.JS(data),
		"Script": template.JS(script), "Style": template.CSS(style)})
}

// WriteFile renders the explorer to path, atomically.
func (e *Explorer) WriteFile(path string) error {
	if err := atomicfile.Write(path, e.WriteHTML); err != nil {
		return fmt.Errorf("explore: %w", err)
	}
	return nil
}

// HTML is the explorer as an iframe for a notebook cell (its script runs
// in a frame of its own), height pixels tall.
func (e *Explorer) HTML(height int) (string, error) {
	var b strings.Builder
	if err := e.WriteHTML(&b); err != nil {
		return "", err
	}
	return fmt.Sprintf(`<iframe srcdoc="%s" style="width:100%%;height:%dpx;border:1px solid #ccc"></iframe>`,
		template.HTMLEscapeString(b.String()), height), nil
}

// Filter is a view of the explorer that a link opens: every field left
// empty shows all. Pair is the turn t of the transition t → t+1 (default 1).
type Filter struct {
	Method, Kind, Set, Family, Transition, Flag, Query string
	Pair                                               int
}

// Link is the address of the explorer at file (a path relative to the
// page linking to it) showing f.
func Link(file string, f Filter) string {
	v := url.Values{}
	for k, s := range map[string]string{"method": f.Method, "kind": f.Kind, "set": f.Set, "family": f.Family,
		"transition": f.Transition, "flag": f.Flag, "q": f.Query} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Pair > 1 {
		v.Set("pair", fmt.Sprint(f.Pair))
	}
	return file + "#" + v.Encode()
}

var page = template.Must(template.New("explorer").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>{{.Style}}</style></head><body>
<h1>{{.Title}}</h1>
<div id="filters"></div>
<div id="summary"><span id="count">…</span> <span id="of"></span></div>
<div id="tables"><table id="counts"></table><table id="diagnostics"></table></div>
<div id="main"><div id="list"></div><div id="detail"></div></div>
<script type="application/json" id="data">{{.Data}}</script>
<script>{{.Script}}</script>
</body></html>
`))
