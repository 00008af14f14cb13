// Package echarts holds Apache ECharts, embedded so that reports and
// notebook figures render offline (assets/README.md says where it comes
// from and how the copy is checked).
package echarts

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sync"
)

// Version is the embedded ECharts release.
const Version = "6.1.0"

//go:embed assets/echarts.min.js.gz
var gz []byte

// Gzip returns echarts.min.js gzip-compressed, as embedded.
func Gzip() []byte { return gz }

// Source returns echarts.min.js.
var Source = sync.OnceValue(func() []byte {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		panic(fmt.Sprintf("echarts: embedded library: %v", err)) // the binary itself is broken
	}
	b, err := io.ReadAll(r)
	if err != nil {
		panic(fmt.Sprintf("echarts: embedded library: %v", err))
	}
	return b
})
