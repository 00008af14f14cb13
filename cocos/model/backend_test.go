package model

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/go-xla/compute/xla"
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

// TestDefaultBackendKeepsStdout: opening the default SimpleGo backend (whose
// parallelism setting SimpleGo announces on stdout) writes nothing to
// stdout, which carries the commands' JSON.
func TestDefaultBackendKeepsStdout(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	_, err = NewBackend("")
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	if err != nil || len(out) != 0 {
		t.Errorf("NewBackend: %v; wrote %q to stdout", err, out)
	}
}

// TestKernels: the kernels reported follow the build: a GOEXPERIMENT=simd
// build on an AVX2 CPU names them and has nothing to warn about.
func TestKernels(t *testing.T) {
	k := Kernels()
	switch {
	case !simdBuilt && (!strings.HasPrefix(k, "scalar") || !strings.Contains(k, "GOEXPERIMENT=simd")):
		t.Errorf("built without SIMD, Kernels() = %q", k)
	case simdBuilt && SIMDWarning() != "":
		t.Errorf("built with SIMD, yet warns: %s", SIMDWarning())
	}
	t.Logf("kernels: %s", k)
}
