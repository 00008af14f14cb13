package model

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/cpu"
)

// Anchor is the PyTorch process a benchmark compares with: which BLAS
// kernels and how many threads it runs, and the environment it runs in.
// A benchmark against an anchor on kernels older than the CPU (Debian's
// OpenBLAS 0.3.21 runs its SSE3 Prescott kernels on AVX-512 Xeons it does
// not recognise) would report a win that is not one.
type Anchor struct {
	Torch          string `json:"torch"`
	IntraOpThreads int    `json:"intra_op_threads"`
	BLAS           string `json:"blas"` // the OpenBLAS library's path, "" if another BLAS
	Core           string `json:"core"` // openblas_get_corename() as the anchor runs
	BLASThreads    int    `json:"blas_threads"`
	// Detected is the core OpenBLAS chose by itself when Forced overrode
	// it: OPENBLAS_CORETYPE, set for the anchor's process only.
	Detected, Forced string `json:"-"`
	// Env is the environment to run the anchor's processes in.
	Env []string `json:"-"`
}

// OpenBLAS's x86 cores with AVX2 kernels, and those with AVX-512 ones.
var (
	avx2Cores   = []string{"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"}
	avx512Cores = []string{"SkylakeX", "Cooperlake", "SapphireRapids"}
)

// fairCore is the OPENBLAS_CORETYPE that gives a CPU with these vector
// extensions kernels that fit it when OpenBLAS picked core, or "" when
// core already fits.
func fairCore(avx512, avx2 bool, core string) string {
	switch {
	case avx512 && !slices.Contains(avx512Cores, core):
		return "SkylakeX"
	case !avx512 && avx2 && !slices.Contains(avx2Cores, core):
		return "Haswell"
	}
	return ""
}

// FairAnchor probes the BLAS that python's torch runs here
// (tools/python/blas_info.py under toolsDir) and, where OpenBLAS's core is
// older than this CPU's vector extensions (AVX-512 → SkylakeX, AVX2 →
// Haswell), sets OPENBLAS_CORETYPE for the anchor's processes — dropping
// OPENBLAS_L2_SIZE, which goes with a forced core — and probes again to
// confirm. The benchmarking process's own environment is left alone.
func FairAnchor(python, toolsDir string) (Anchor, error) {
	env := os.Environ()
	a, err := probeBLAS(python, toolsDir, env)
	if err != nil {
		return a, err
	}
	force := fairCore(cpu.X86.HasAVX512F, cpu.X86.HasAVX2, a.Core)
	if a.BLAS == "" || force == "" {
		a.Env = env
		return a, nil
	}
	var fair []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") {
			fair = append(fair, kv)
		}
	}
	fair = append(fair, "OPENBLAS_CORETYPE="+force)
	b, err := probeBLAS(python, toolsDir, fair)
	if err != nil {
		return a, err
	}
	if b.Core != force {
		return a, fmt.Errorf("bench: OPENBLAS_CORETYPE=%s left the anchor's OpenBLAS on %s", force, b.Core)
	}
	b.Detected, b.Forced, b.Env = a.Core, force, fair
	return b, nil
}

func probeBLAS(python, toolsDir string, env []string) (Anchor, error) {
	var a Anchor
	cmd := exec.Command(python, filepath.Join(toolsDir, "python", "blas_info.py"))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return a, fmt.Errorf("bench: probing PyTorch's BLAS (%s, needs python3-torch): %w", python, err)
	}
	if err := json.Unmarshal(out, &a); err != nil {
		return a, fmt.Errorf("bench: blas_info.py printed %q: %w", out, err)
	}
	return a, nil
}

// String is the anchor's line in a benchmark's header.
func (a Anchor) String() string {
	core := a.Core
	switch {
	case a.BLAS == "":
		core = "not OpenBLAS"
	case a.Forced != "":
		core += fmt.Sprintf(" (OpenBLAS picked %s; OPENBLAS_CORETYPE=%s for the anchor only)", a.Detected, a.Forced)
	}
	return fmt.Sprintf("PyTorch %s, BLAS kernels %s, %d intra-op threads, %d BLAS threads", a.Torch, core, a.IntraOpThreads, a.BLASThreads)
}
