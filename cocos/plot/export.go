package plot

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/cocos-go/cocos/internal/atomicfile"
	"github.com/cocos-go/cocos/internal/echarts"
)

// Exporter writes figures as SVG and PNG files, rendered by ECharts in
// headless Chromium: the SVG from ECharts' SVG renderer (vector text and
// lines for a paper), the PNG from its canvas renderer at PixelRatio.
type Exporter struct {
	// Dir receives NAME.svg and NAME.png.
	Dir string
	// Browser is the Chromium binary; default $COCOS_CHROMIUM, else
	// chromium or chromium-browser on PATH (Debian: apt install chromium).
	Browser string
	// PixelRatio scales the PNG; default 3 (a 480 px figure → 1440 px,
	// 300 dpi across a 4.8 in wide figure).
	PixelRatio float64
}

// Export writes f's SVG and PNG and returns their paths.
func (e Exporter) Export(ctx context.Context, f *Figure) (svgPath, pngPath string, err error) {
	if f.Name == "" {
		return "", "", errors.New("plot: export: the figure has no Name")
	}
	browser, err := e.browser()
	if err != nil {
		return "", "", err
	}
	page, err := os.CreateTemp("", "cocos-figure-*.html")
	if err != nil {
		return "", "", fmt.Errorf("plot: export: %w", err)
	}
	defer os.Remove(page.Name())
	w, h := f.Size()
	if _, err := fmt.Fprintf(page, exportPage, echarts.Source(), w, h, f.Option(), e.pixelRatio()); err != nil {
		page.Close()
		return "", "", fmt.Errorf("plot: export: %w", err)
	}
	if err := page.Close(); err != nil {
		return "", "", fmt.Errorf("plot: export: %w", err)
	}
	svg, png, err := draw(ctx, browser, page.Name())
	if err != nil {
		return "", "", fmt.Errorf("plot: export %s: %w", f.Name, err)
	}
	svgPath, pngPath = filepath.Join(e.Dir, f.Name+".svg"), filepath.Join(e.Dir, f.Name+".png")
	if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return "", "", fmt.Errorf("plot: export: %w", err)
	}
	for path, b := range map[string][]byte{svgPath: []byte(svg), pngPath: png} {
		if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return "", "", fmt.Errorf("plot: export: %w", err)
		}
	}
	return svgPath, pngPath, nil
}

func (e Exporter) pixelRatio() float64 {
	if e.PixelRatio > 0 {
		return e.PixelRatio
	}
	return 3
}

func (e Exporter) browser() (string, error) {
	for _, b := range []string{e.Browser, os.Getenv("COCOS_CHROMIUM"), "chromium", "chromium-browser"} {
		if b == "" {
			continue
		}
		if p, err := exec.LookPath(b); err == nil {
			return p, nil
		}
		if e.Browser != "" || os.Getenv("COCOS_CHROMIUM") != "" {
			return "", fmt.Errorf("plot: export: browser %s not found", b)
		}
	}
	return "", errors.New("plot: export needs Chromium: apt install chromium, or set COCOS_CHROMIUM to its path")
}

// draw loads the page and reads back the two renderings.
func draw(ctx context.Context, browser, page string) (svg string, png []byte, err error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser),
		// Root in a container cannot use Chromium's sandbox; the page is our
		// own file and the network is off.
		chromedp.NoSandbox, chromedp.Flag("proxy-server", "127.0.0.1:9"), chromedp.Flag("proxy-bypass-list", "<-loopback>"))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	var dataURL, failure string
	err = chromedp.Run(bctx,
		chromedp.Navigate("file://"+page),
		chromedp.Evaluate(`window.cocosError || ""`, &failure),
		chromedp.Evaluate(`window.cocosSVG || ""`, &svg),
		chromedp.Evaluate(`window.cocosPNG || ""`, &dataURL))
	if err != nil {
		return "", nil, err
	}
	if failure != "" {
		return "", nil, errors.New(failure)
	}
	b64, ok := strings.CutPrefix(dataURL, "data:image/png;base64,")
	if !ok || !strings.HasPrefix(svg, "<svg") {
		return "", nil, errors.New("ECharts rendered nothing")
	}
	png, err = base64.StdEncoding.DecodeString(b64)
	return svg, png, err
}

// exportPage draws the option twice, with the SVG and the canvas
// renderers, and leaves the results on window.
const exportPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><script>%s</script></head><body>
<div id="svg" style="width:%[2]dpx;height:%[3]dpx"></div><div id="png" style="width:%[2]dpx;height:%[3]dpx"></div>
<script>
try {
  var option = %[4]s;
  option.animation = false;
  var s = echarts.init(document.getElementById("svg"), null, {renderer: "svg"});
  s.setOption(option);
  window.cocosSVG = s.renderToSVGString();
  var c = echarts.init(document.getElementById("png"), null, {renderer: "canvas"});
  c.setOption(option);
  window.cocosPNG = c.getDataURL({type: "png", pixelRatio: %[5]g, backgroundColor: "#ffffff"});
} catch (e) { window.cocosError = "ECharts: " + e; }
</script></body></html>`
