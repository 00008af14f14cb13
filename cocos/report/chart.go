// Package report renders self-contained HTML reports with Apache ECharts:
// the library is embedded and inlined, so a report opens offline.
package report

import (
	"encoding/json"
)

// Chart is one ECharts option (see https://echarts.apache.org/en/option.html)
// with its height in pixels.
type Chart struct {
	Option map[string]any
	Height int // default 360
	// Click, when set, is where a click on a bar or point goes: {series},
	// {name} and {index} (1-based) are replaced by the clicked item's.
	Click string
}

// Series is a named sequence of y values (nil for a gap) over a chart's x.
type Series struct {
	Name   string
	Values []any
}

// Line is a line chart of series over x.
func Line(title, xName, yName string, x []any, series ...Series) Chart {
	return Chart{Option: map[string]any{
		"title":   map[string]any{"text": title},
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 28},
		"grid":    map[string]any{"top": 70, "left": 60, "right": 30},
		"xAxis":   map[string]any{"type": "category", "name": xName, "data": x},
		"yAxis":   map[string]any{"type": "value", "name": yName, "scale": true},
		"series":  seriesOf("line", "", series),
	}}
}

// Bars is a grouped bar chart of series per x category.
func Bars(title, xName, yName string, x []any, series ...Series) Chart {
	c := Line(title, xName, yName, x, series...)
	c.Option["series"] = seriesOf("bar", "", series)
	c.Option["tooltip"] = map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}}
	c.Option["yAxis"] = map[string]any{"type": "value", "name": yName}
	return c
}

// StackedBar stacks series per x category (e.g. the shares of the four
// correctness transitions per turn).
func StackedBar(title, xName, yName string, x []any, series ...Series) Chart {
	c := Bars(title, xName, yName, x, series...)
	c.Option["series"] = seriesOf("bar", "total", series)
	return c
}

func seriesOf(kind, stack string, series []Series) []map[string]any {
	out := make([]map[string]any, len(series))
	for i, s := range series {
		out[i] = map[string]any{"name": s.Name, "type": kind, "data": s.Values, "showSymbol": len(s.Values) < 40}
		if stack != "" {
			out[i]["stack"] = stack
		}
	}
	return out
}

// JSON is the chart's option as JSON.
func (c Chart) JSON() (string, error) {
	b, err := json.Marshal(c.Option)
	return string(b), err
}
