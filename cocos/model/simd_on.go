//go:build goexperiment.simd

package model

// simdBuilt: this binary carries the Go backend's SIMD kernels.
const simdBuilt = true
