package plot

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"
)

func sample() []*Figure {
	x := []string{"1", "2", "3"}
	return []*Figure{
		Line("curve", "Mean training reward", "step", "reward", x, Series{"γ=0", []float64{0.1, 0.2, 0.3}}, Series{"γ=1", []float64{0.2, 0.25, 0.5}}),
		Bars("hist", "Edit ratio", "edit ratio", "samples", x, false, Series{"boost", []float64{3, 0, 7}}),
		Bars("stack", "Transitions", "turns", "%", x[:2], true, Series{"c→c", []float64{40, 41}}, Series{"i→c", []float64{5, 2}}),
		Pies("pies", "Turn-wise changes", []string{"t1→t2", "t2→t3"}, [][]Slice{{{"c→c", 40}, {"i→c", 5}}, {{"c→c", 44}, {"i→c", 1}}}),
	}
}

// TestOptions: each figure's option names its axes and series and its
// title, and parses as JSON.
func TestOptions(t *testing.T) {
	for _, f := range sample() {
		var opt map[string]any
		if err := json.Unmarshal([]byte(f.Option()), &opt); err != nil {
			t.Fatalf("%s: option is not JSON: %v", f.Name, err)
		}
		o := f.Option()
		for _, want := range []string{`"title"`, `"legend"`, `"series"`} {
			if !strings.Contains(o, want) {
				t.Errorf("%s: option lacks %s: %s", f.Name, want, o)
			}
		}
		if f.Name != "pies" {
			x := opt["xAxis"].([]any)[0].(map[string]any)
			y := opt["yAxis"].([]any)[0].(map[string]any)
			if x["name"] == "" || y["name"] == "" || x["name"] == nil || y["name"] == nil {
				t.Errorf("%s: unnamed axis: x %v y %v", f.Name, x["name"], y["name"])
			}
		}
		if w, h := f.Size(); w != DefaultWidth || h != DefaultHeight {
			t.Errorf("%s: size %dx%d", f.Name, w, h)
		}
	}
}

// TestHTML: the inline fragment carries the library and the option and
// fetches nothing.
func TestHTML(t *testing.T) {
	f := sample()[0]
	h := f.HTML()
	if !strings.Contains(h, f.Option()) || len(h) < 300_000 || strings.Contains(h, "src=") || strings.Contains(h, "http") {
		t.Errorf("fragment of %d bytes: option present %v, external reference %v", len(h), strings.Contains(h, f.Option()),
			strings.Contains(h, "src=") || strings.Contains(h, "http"))
	}
}

// TestExport renders every figure in Chromium: a well-formed SVG that
// holds the title text, and a PNG at three times the figure's size.
func TestExport(t *testing.T) {
	if _, err := (Exporter{}).browser(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, f := range sample() {
		svgPath, pngPath, err := Exporter{Dir: dir}.Export(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		svg, err := os.ReadFile(svgPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(svg, new(struct{ XMLName xml.Name })); err != nil {
			t.Errorf("%s: not XML: %v", svgPath, err)
		}
		var opt struct{ Title struct{ Text string } }
		if err := json.Unmarshal([]byte(f.Option()), &opt); err != nil || opt.Title.Text == "" {
			t.Fatalf("%s: no title in the option (%v)", f.Name, err)
		}
		if !bytes.Contains(svg, []byte(opt.Title.Text)) {
			t.Errorf("%s: title %q not in the SVG", svgPath, opt.Title.Text)
		}
		b, err := os.ReadFile(pngPath)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", pngPath, err)
		}
		if got := img.Bounds().Size(); got.X != 3*DefaultWidth || got.Y != 3*DefaultHeight {
			t.Errorf("%s: %v, want %dx%d", pngPath, got, 3*DefaultWidth, 3*DefaultHeight)
		}
	}
}
