// Package nb is the notebooks' display: figures inline in GoNB (and
// exported to SVG and PNG for a paper), tables, and a Must for cells.
// Outside a GoNB cell the displays print nothing.
package nb

import (
	"context"
	"fmt"
	"html"
	"os"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/cocos-go/cocos/cocos/explore"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/plot"
)

// FiguresDir is where Show exports figures: $COCOS_FIGURES, else
// "figures" next to the notebook.
func FiguresDir() string {
	if d := os.Getenv("COCOS_FIGURES"); d != "" {
		return d
	}
	return "figures"
}

// Show displays the figure in the notebook and exports it as
// FiguresDir()/NAME.svg and .png; a failed export is reported under the
// figure, which stays displayed.
func Show(f *plot.Figure) {
	gonbui.DisplayHTML(f.HTML())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svg, png, err := plot.Exporter{Dir: FiguresDir()}.Export(ctx, f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "figure %s not exported: %v\n", f.Name, err)
		return
	}
	fmt.Printf("exported %s and %s\n", svg, png)
}

// Table displays a table of text cells.
func Table(caption string, header []string, rows [][]string) {
	gonbui.DisplayHTML(TableHTML(caption, header, rows))
}

// TableHTML is Table's HTML.
func TableHTML(caption string, header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-variant-numeric:tabular-nums">`)
	if caption != "" {
		fmt.Fprintf(&b, `<caption style="caption-side:top;text-align:left;font-weight:bold">%s</caption>`, html.EscapeString(caption))
	}
	row := func(tag string, cells []string) {
		b.WriteString("<tr>")
		for i, c := range cells {
			align := "right"
			if i == 0 {
				align = "left"
			}
			fmt.Fprintf(&b, `<%s style="padding:2px 10px;text-align:%s;border-bottom:1px solid #ccc">%s</%s>`, tag, align, html.EscapeString(c), tag)
		}
		b.WriteString("</tr>")
	}
	row("th", header)
	for _, r := range rows {
		row("td", r)
	}
	b.WriteString("</table>")
	return b.String()
}

// Results displays the paper's table (percent; each change with its
// 95 % paired-bootstrap interval, and McNemar's p) and prints it as text,
// so it also reads in a terminal and in nbconvert's output.
func Results(caption string, rows []metrics.Row) {
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = r.Cells()
	}
	Table(caption, metrics.TableHeader(rows), cells)
	fmt.Print(caption + "\n" + metrics.Table(rows) + metrics.TableNote + "\n")
}

// Explorer displays a trajectory explorer (lab.Explorer) in the cell, in a
// frame 720 pixels tall, and prints how many trajectories it holds.
func Explorer(ex *explore.Explorer) {
	h, err := ex.HTML(720)
	Check(err)
	gonbui.DisplayHTML(h)
	fmt.Printf("explorer: %d trajectories of %d problems\n", len(ex.Trajs), len(ex.Tasks))
}

// Diagnostics displays the flags of evaluations (metrics.Diagnose) and
// prints them as text.
func Diagnostics(caption string, ds []metrics.Diagnostics) {
	cells := make([][]string, len(ds))
	for i, d := range ds {
		cells[i] = d.Cells()
	}
	Table(caption, metrics.DiagnosticsHeader(), cells)
	fmt.Print(caption + "\n" + metrics.DiagnosticsTable(ds))
}

// Markdown displays Markdown text.
func Markdown(text string) { gonbui.DisplayMarkdown(text) }

// Must returns v, or panics with err: a failed step fails its cell.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Check panics with err when it is not nil.
func Check(err error) {
	if err != nil {
		panic(err)
	}
}

// Spreads displays results over seeds (metrics.SummarizeSeeds): the
// accuracies as mean ± sd, the changes as their mean and two-level
// bootstrap interval over seeds and problems, and McNemar's p of the
// discordant problems pooled over seeds. Spreads built from rows alone
// (metrics.OverSeeds) show mean ± sd throughout.
func Spreads(caption string, spreads []metrics.Spread) {
	cells := make([][]string, len(spreads))
	h := metrics.Header(1, 2)
	for i, s := range spreads {
		cells[i] = append([]string{fmt.Sprintf("%s (%d seeds)", s.Method, s.Seeds)}, s.Cells()...)
		h = metrics.Header(s.Mean.Turns())
	}
	Table(caption, h, cells)
	fmt.Print(caption + "\n" + metrics.SpreadTable(spreads) + metrics.SeedsNote + "\n")
}
