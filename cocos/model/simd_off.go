//go:build !goexperiment.simd

package model

// simdBuilt: this binary was built without GOEXPERIMENT=simd, so the Go
// backend runs its scalar kernels.
const simdBuilt = false
