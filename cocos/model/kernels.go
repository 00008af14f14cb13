package model

import (
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/cpu"
)

// The Go backend's matmul, reduction and activation kernels use AVX2 or
// AVX-512 only in a binary built with GOEXPERIMENT=simd; without it they
// fall back to plain Go loops: on a 2-core AMD EPYC a tiny-20m training
// step took 18.2 s against 1.2-1.7 s, and generation ran 3-5x slower
// (docs/journal.md).

// Kernels names the Go backend's kernels this binary runs on this CPU:
// "AVX-512", "AVX2", or "scalar" with the reason.
func Kernels() string {
	switch {
	case runtime.GOARCH != "amd64":
		return "scalar (no SIMD kernels on " + runtime.GOARCH + ")"
	case !simdBuilt:
		return "scalar (built without GOEXPERIMENT=simd)"
	case cpu.X86.HasAVX512F && envAllows("GOMLX_GO_SIMD_AVX512"):
		return "AVX-512"
	case cpu.X86.HasAVX2 && envAllows("GOMLX_GO_SIMD_AVX2"):
		return "AVX2"
	}
	return "scalar (the CPU has no AVX2, or GOMLX_GO_SIMD_* turned it off)"
}

// SIMDWarning is a one-line note for stderr when this binary runs the Go
// backend without the SIMD kernels a rebuild would give it on this CPU,
// and "" otherwise.
func SIMDWarning() string {
	if simdBuilt || runtime.GOARCH != "amd64" || !cpu.X86.HasAVX2 {
		return ""
	}
	return "cocos: the Go backend runs without its SIMD kernels (this binary was built without GOEXPERIMENT=simd): " +
		"training is about 10x slower and generation 2-5x; rebuild with GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd (make does), " +
		"or use GOMLX_BACKEND=xla:cuda on a GPU"
}

// envAllows reads GoMLX's GOMLX_GO_SIMD_* switches: unset means on.
func envAllows(name string) bool {
	v, ok := os.LookupEnv(name)
	if !ok {
		return true
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}
