package model

import (
	"fmt"
	"os"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/default" // SimpleGo, and XLA (CPU/CUDA through a PJRT plugin)
)

// NewBackend opens a GoMLX backend: config if given, else $GOMLX_BACKEND,
// else "go" (SimpleGo, pure Go, runs anywhere). On a GPU machine use
// GOMLX_BACKEND=xla:cuda.
func NewBackend(config string) (backends.Backend, error) {
	if config == "" {
		config = os.Getenv(backends.ConfigEnvVar)
	}
	if config == "" || config == "go" {
		// Sequential graph execution: with graph-level parallelism, SimpleGo
		// (v0.26) deadlocks on 2-CPU machines when a parallel op inside a
		// worker waits for a worker the graph already holds (seen on
		// backward passes). Ops still parallelise internally.
		config = "go:ops_sequential"
	}
	b, err := backends.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("model: backend %q: %w", config, err)
	}
	return b, nil
}
