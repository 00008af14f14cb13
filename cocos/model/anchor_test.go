package model

import (
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestFairCore(t *testing.T) {
	for _, c := range []struct {
		avx512, avx2 bool
		core, want   string
	}{
		{true, true, "Prescott", "SkylakeX"},
		{true, true, "Haswell", "SkylakeX"},
		{true, true, "SkylakeX", ""},
		{true, true, "SapphireRapids", ""},
		{false, true, "Prescott", "Haswell"},
		{false, true, "Sandybridge", "Haswell"},
		{false, true, "Zen", ""},
		{false, true, "Haswell", ""},
		{false, false, "Nehalem", ""},
	} {
		if got := fairCore(c.avx512, c.avx2, c.core); got != c.want {
			t.Errorf("avx512=%v avx2=%v core %s: forced %q, want %q", c.avx512, c.avx2, c.core, got, c.want)
		}
	}
}

// TestFairAnchorOverridesOldCore: with the anchor's OpenBLAS pushed onto
// its SSE3 kernels (as Debian's 0.3.21 picks them on CPUs it does not
// know), FairAnchor runs it on the kernels this CPU fits and says so.
func TestFairAnchorOverridesOldCore(t *testing.T) {
	if runtime.GOARCH != "amd64" || !cpu.X86.HasAVX2 {
		t.Skip("needs an x86 CPU with AVX2")
	}
	t.Setenv("OPENBLAS_CORETYPE", "Prescott")
	_, file, _, _ := runtime.Caller(0)
	a, err := FairAnchor(envOr("COCOS_PYTHON", "/usr/bin/python3"), filepath.Join(filepath.Dir(file), "..", "..", "tools"))
	if err != nil {
		t.Fatal(err)
	}
	if a.BLAS == "" {
		t.Skip("PyTorch does not run on OpenBLAS here")
	}
	want := "Haswell"
	if cpu.X86.HasAVX512F {
		want = "SkylakeX"
	}
	if a.Core != want || a.Detected != "Prescott" || a.Forced != want {
		t.Errorf("anchor %+v: want %s forced over Prescott", a, want)
	}
	t.Log(a)
}
