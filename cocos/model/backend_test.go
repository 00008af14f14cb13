package model

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends/xla"
)

// TestNewBackend: GOMLX_BACKEND is honoured when no config is given;
// SimpleGo is the default; a missing PJRT plugin or an unknown backend is one
// error that says what to do.
func TestNewBackend(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	if b, err := NewBackend(""); err != nil || !strings.Contains(strings.ToLower(b.Name()), "go") {
		t.Errorf("GOMLX_BACKEND=go: %v, %v", b, err)
	}
	t.Setenv("GOMLX_BACKEND", "nosuch")
	if _, err := NewBackend(""); err == nil || !strings.Contains(err.Error(), `"nosuch"`) || !strings.Contains(err.Error(), "xla:cuda") {
		t.Errorf("GOMLX_BACKEND=nosuch: %v", err)
	}
	xla.EnableAutoInstall(false) // no download attempt here
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	_, err := NewBackend("xla:cuda")
	if err == nil || !strings.Contains(err.Error(), "cocos pjrt install") || !strings.Contains(err.Error(), "PJRT_PLUGIN_LIBRARY_PATH") || strings.Contains(err.Error(), "\n") {
		t.Errorf("missing CUDA plugin: %v", err)
	}
}
