// Package plot builds the paper's figures as go-echarts charts, renders
// them inline (HTML that carries ECharts itself, so notebooks and reports
// work offline) and exports them to SVG and PNG with headless Chromium.
package plot

import (
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// Figure is a go-echarts chart and the name its exports take.
type Figure struct {
	// Name is the file stem of the exported SVG and PNG ("fig3-gamma").
	Name string
	// Chart is any go-echarts chart (charts.NewLine(), charts.NewPie(), …).
	Chart render.Renderer
}

// Default size in CSS pixels: at a paper's column width (3.3 in) the
// 12 px text prints at about 7 pt.
const (
	DefaultWidth  = 480
	DefaultHeight = 320
)

// New wraps a chart built with go-echarts directly.
func New(name string, chart render.Renderer) *Figure { return &Figure{Name: name, Chart: chart} }

// Option is the chart's ECharts option as JSON.
func (f *Figure) Option() string { return f.Chart.RenderSnippet().Option }

var sizeRE = regexp.MustCompile(`width:\s*(\d+)px;\s*height:\s*(\d+)px`)

// Size is the chart's width and height in CSS pixels, as its
// initialization options set them (pixel sizes only; else the default).
func (f *Figure) Size() (w, h int) {
	m := sizeRE.FindStringSubmatch(f.Chart.RenderSnippet().Element)
	if m == nil {
		return DefaultWidth, DefaultHeight
	}
	w, _ = strconv.Atoi(m[1])
	h, _ = strconv.Atoi(m[2])
	return w, h
}

// Series is a named sequence of values over a figure's x.
type Series struct {
	Name   string
	Values []float64
}

// global are the options every figure shares: a title, a plain legend
// under it (it wraps; a scrolling legend would print with a pager) and a
// white background for print.
func global(title string, names []string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Width: px(DefaultWidth), Height: px(DefaultHeight), BackgroundColor: "#ffffff"}),
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center", TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(names) > 1), Top: "30", Left: "center", Width: px(DefaultWidth - 40)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithAnimation(false),
	}
}

func px(n int) string { return fmt.Sprintf("%dpx", n) }

// legendRows estimates how many rows the legend wraps to: 12 px text is
// about 7 px a character, plus the icon and gaps.
func legendRows(names []string) int {
	if len(names) < 2 {
		return 0
	}
	rows, used := 1, 0
	for _, n := range names {
		w := 7*utf8.RuneCountInString(n) + 45
		if used > 0 && used+w > DefaultWidth-40 {
			rows, used = rows+1, 0
		}
		used += w
	}
	return rows
}

// axes names both axes and leaves room above the plot for the legend.
func axes(xName, yName string, scale bool, names []string, bottom int) []charts.GlobalOpts {
	top := 48 + 22*legendRows(names)
	return []charts.GlobalOpts{
		charts.WithGridOpts(opts.Grid{Top: fmt.Sprint(top), Left: "56", Right: "24", Bottom: fmt.Sprint(bottom)}),
		charts.WithXAxisOpts(opts.XAxis{Name: xName, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Name: yName, NameLocation: "middle", NameGap: 40, Scale: opts.Bool(scale)}),
	}
}

// categories shows every category label, turned when they would not fit
// side by side; it returns the x axis and the room below the plot.
func categories(xName string, x []string) (charts.GlobalOpts, int) {
	longest, chars := 0, 0
	for _, c := range x {
		n := utf8.RuneCountInString(c)
		longest, chars = max(longest, n), chars+n+2
	}
	label := &opts.AxisLabel{Show: opts.Bool(true), Interval: "0"}
	gap := 28
	if 7*chars > DefaultWidth-80 {
		label.Rotate = 30
		gap = 16 + 4*longest // the turned labels' height: about half their length
	}
	return charts.WithXAxisOpts(opts.XAxis{Name: xName, NameLocation: "middle", NameGap: gap, AxisLabel: label}), gap + 20
}

func names(series []Series) []string {
	out := make([]string, len(series))
	for i, s := range series {
		out[i] = s.Name
	}
	return out
}

// Line plots series over x (learning curves, accuracy per turn).
func Line(name, title, xName, yName string, x []string, series ...Series) *Figure {
	c := charts.NewLine()
	c.SetGlobalOptions(append(global(title, names(series)), axes(xName, yName, true, names(series), 48)...)...)
	c.SetXAxis(x)
	for _, s := range series {
		data := make([]opts.LineData, len(s.Values))
		for i, v := range s.Values {
			data[i] = opts.LineData{Value: v}
		}
		c.AddSeries(s.Name, data, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(len(x) <= 30)}))
	}
	return New(name, c)
}

// Bars draws series as bars per category; stacked piles them up (the
// shares of the correctness transitions per turn pair).
func Bars(name, title, xName, yName string, x []string, stacked bool, series ...Series) *Figure {
	c := charts.NewBar()
	xAxis, bottom := categories(xName, x)
	c.SetGlobalOptions(append(append(global(title, names(series)), axes(xName, yName, false, names(series), bottom)...), xAxis)...)
	c.SetXAxis(x)
	for _, s := range series {
		data := make([]opts.BarData, len(s.Values))
		for i, v := range s.Values {
			data[i] = opts.BarData{Value: v}
		}
		var so []charts.SeriesOpts
		if stacked {
			so = append(so, charts.WithBarChartOpts(opts.BarChart{Stack: "total"}))
		}
		c.AddSeries(s.Name, data, so...)
	}
	return New(name, c)
}

// Slice is one wedge of a pie.
type Slice struct {
	Name  string
	Value float64
}

// Pies draws one donut per group side by side (Figure 4: the transitions
// of each turn pair), the group's name in its hole and one legend for the
// slice names.
func Pies(name, title string, groups []string, slices [][]Slice) *Figure {
	c := charts.NewPie()
	var legend []string
	for _, s := range slices[0] {
		legend = append(legend, s.Name)
	}
	c.SetGlobalOptions(append(global(title, legend),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "4", Data: legend}))...)
	n := max(len(groups), 1)
	// Radii are percent of half the smaller side: as large as n pies fit
	// side by side, with a hole wide enough for the caption.
	outer := min(70, 80*DefaultWidth/(n*DefaultHeight))
	inner := outer * 55 / 100
	for i, grp := range groups {
		center := []string{fmt.Sprintf("%.1f%%", 100*(float64(i)+0.5)/float64(n)), "52%"}
		data := make([]opts.PieData, len(slices[i]))
		for j, s := range slices[i] {
			data[j] = opts.PieData{Name: s.Name, Value: s.Value}
		}
		c.AddSeries(grp, data,
			charts.WithPieChartOpts(opts.PieChart{Center: center, Radius: []string{fmt.Sprintf("%d%%", inner), fmt.Sprintf("%d%%", outer)}}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(false)}))
		// The hole's caption: a transparent disc labelled at its centre.
		c.AddSeries(grp, []opts.PieData{{Name: grp, Value: 1, ItemStyle: &opts.ItemStyle{Color: "transparent"}}},
			charts.WithPieChartOpts(opts.PieChart{Center: center, Radius: fmt.Sprintf("%d%%", inner)}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "center", Formatter: "{b}", FontSize: 11}))
	}
	return New(name, c)
}
