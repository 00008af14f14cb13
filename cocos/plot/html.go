package plot

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/cocos-go/cocos/internal/echarts"
)

var libB64 = sync.OnceValue(func() string { return base64.StdEncoding.EncodeToString(echarts.Gzip()) })

// HTML is the figure as an HTML fragment that draws itself wherever
// scripts run (Jupyter Notebook and Lab, VS Code, nbconvert's HTML) with
// no network: it carries ECharts gzip-compressed and loads it once per
// page. The library is evaluated with AMD and CommonJS hidden, so that
// Jupyter's require.js does not capture it and it lands on window.echarts.
func (f *Figure) HTML() string {
	w, h := f.Size()
	id := "cocos-" + strings.ToLower(rand.Text())
	return fmt.Sprintf(`<div id="%[1]s" style="width:%[2]dpx;height:%[3]dpx"></div>
<script>
(function () {
  var lib = %[4]q;
  function load() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!window.cocosECharts) {
      var bytes = Uint8Array.from(atob(lib), function (c) { return c.charCodeAt(0); });
      var text = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
      window.cocosECharts = text.then(function (src) {
        new Function("define", "module", "exports", src)(undefined, undefined, undefined);
        return window.echarts;
      });
    }
    return window.cocosECharts;
  }
  load().then(function (echarts) {
    echarts.init(document.getElementById(%[1]q)).setOption(%[5]s);
  });
})();
</script>`, id, w, h, libB64(), f.Option())
}
