package model

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/gomlx/backends/default" // the Go backend, and XLA (CPU/CUDA through a PJRT plugin)
)

// pluginHint says how to get a PJRT plugin for the XLA backend.
const pluginHint = "the XLA backend needs a PJRT plugin: install it with `cocos pjrt install --plugin cuda12` (or cpu) " +
	"(needs internet; GoMLX also tries this itself unless GOMLX_NO_AUTO_INSTALL is set), or point PJRT_PLUGIN_LIBRARY_PATH at the " +
	"directory holding pjrt_c_api_cuda_plugin.so (e.g. JAX's jax_plugins/xla_cuda12), or name the file: GOMLX_BACKEND=xla:/path/to/pjrt_c_api_cuda_plugin.so"

// NewBackend opens a GoMLX backend: config if given, else $GOMLX_BACKEND,
// else "go" (GoMLX's pure-Go backend, runs anywhere; see Kernels). On a GPU machine use
// GOMLX_BACKEND=xla:cuda, or xla:/absolute/path/to/the/plugin.so.
func NewBackend(config string) (compute.Backend, error) {
	if config == "" {
		config = os.Getenv(compute.ConfigEnvVar)
	}
	if config == "" || config == "go" {
		// Unlimited workers, so independent ops run side by side: on 2
		// CPUs the tiny-20m training step is 1.30× faster than with the Go
		// backend's default pool of 2×CPUs (docs/journal.md). (GoMLX
		// v0.26's bounded pool could also deadlock there.)
		config = "go:parallelism=-1"
	}
	b, err := quietly(func() (compute.Backend, error) { return newWithConfig(config) })
	if err != nil && strings.HasPrefix(config, "xla") {
		return nil, fmt.Errorf("model: backend %q: %w — %s", config, err, pluginHint)
	}
	if err != nil {
		return nil, fmt.Errorf("model: backend %q: %w (GOMLX_BACKEND: go, xla:cpu, xla:cuda or xla:/path/to/pjrt_c_api_NAME_plugin.so)", config, err)
	}
	return b, nil
}

// newWithConfig is compute.NewWithConfig with any panic of a backend's
// constructor returned as an error.
func newWithConfig(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return compute.NewWithConfig(config)
}

// quietly runs open with os.Stdout pointed at /dev/null: the Go backend
// announces a parallelism setting on stdout, which carries the commands' JSON.
// Backends are opened before any output, so nothing else is silenced.
func quietly(open func() (compute.Backend, error)) (compute.Backend, error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return open()
	}
	defer null.Close()
	stdout := os.Stdout
	os.Stdout = null
	defer func() { os.Stdout = stdout }()
	return open()
}
