#!/usr/bin/env bash
# The GPU check: cocos on XLA CUDA proven equal to PyTorch and timed beside
# it on the same GPU, in one go (docs/BENCHMARKS.md, "GPU").
#
#   scripts/gpu-check.sh build        here, with Go: the binaries it runs, into build/gpu
#                                     (the GPU machine has no Go and no network)
#   scripts/gpu-check.sh run [OUT]    on the GPU machine, from the repository root, with
#                                     build/gpu/binaries.tar.xz carried along; writes OUT/summary.md
#                                     (default $OUT or build/gpu-check) and a log per part
#
# Each part has a time limit; together they stay under 7.5 minutes, so a
# freshly started GPU machine finishes within 15 minutes of device time.
# On a machine without an NVIDIA GPU `run` takes the Go backend and small shapes:
# the dry run that proves the script before GPU time is spent on it.
# The GPU side needs CUDA, PyTorch, transformers and JAX's CUDA PJRT plugin
# (jax_plugins.xla_cuda12 or 13), whose .so GoMLX loads as xla:/path/to/plugin.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/gpu"
cd "$root"

if [ "${1:-}" = "build" ]; then
  set -e
  export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd CGO_ENABLED=1
  mkdir -p "$bin"
  # Stripped: build/gpu travels to the GPU machine, 64 MiB at most.
  go build -ldflags='-s -w' -o "$bin/cocos" ./cmd/cocos
  go test -c -ldflags='-s -w' -o "$bin/model.test" ./cocos/model
  # The oldest glibc the binaries accept (the GPU image's must be as new).
  glibc=$(objdump -T "$bin/cocos" "$bin/model.test" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  # What travels: the two binaries xz-compressed (72 MB raw, over the 64 MiB a run carries).
  tar -C "$bin" -cJf "$bin/binaries.tar.xz" cocos model.test
  echo "gpu-check: built cocos and model.test in $bin (needs ${glibc:-an unknown glibc});" \
    "carry build/gpu/binaries.tar.xz ($(du -m "$bin/binaries.tar.xz" | cut -f1) MB)"
  exit 0
fi
[ "${1:-}" = "run" ] || { echo "usage: scripts/gpu-check.sh build | run [OUT]" >&2; exit 2; }
out=${2:-${OUT:-$root/build/gpu-check}}
out=$(mkdir -p "$out" && cd "$out" && pwd)
summary="$out/summary.md"
if [ ! -x "$bin/cocos" ] || [ ! -x "$bin/model.test" ]; then
  [ -f "$bin/binaries.tar.xz" ] || { echo "gpu-check: run 'scripts/gpu-check.sh build' first" >&2; exit 2; }
  tar -C "$bin" -xJf "$bin/binaries.tar.xz"
fi
# The first python that has torch: $COCOS_PYTHON, python3, Debian's.
py=""
for c in ${COCOS_PYTHON:-} python3 /usr/bin/python3; do
  if "$c" -c 'import torch' 2>/dev/null; then py=$(command -v "$c"); break; fi
done
[ -n "$py" ] || { echo "gpu-check: no python with torch (set COCOS_PYTHON)" >&2; exit 2; }
note() { echo "$*" | tee -a "$summary"; }
started=$SECONDS

# part NAME LIMIT_S CMD...: runs CMD under a time limit into OUT/NAME.log
# and notes its outcome and wall time; a failed part does not stop the rest.
part() {
  local name=$1 limit=$2 t=$SECONDS rc
  shift 2
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  note "- $name: exit $rc in $((SECONDS - t)) s (log: $name.log)"
  return $rc
}

: >"$summary"
note "# cocos GPU check, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if nvidia-smi -L >/dev/null 2>&1; then
  gpu=1
  note "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)"
  plugin=$("$py" - <<'PY'
import importlib, os
for name in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        d = os.path.dirname(importlib.import_module(name).__file__)
    except ImportError:
        continue
    for f in sorted(os.listdir(d)):
        if f.endswith(".so") and "plugin" in f:
            print(os.path.join(d, f)); raise SystemExit
PY
)
  [ -n "$plugin" ] || { note "no JAX CUDA PJRT plugin found (jax_plugins.xla_cuda12/13)"; exit 1; }
  export GOMLX_BACKEND="xla:$plugin"
  device=cuda preset=qwen2.5-1.5b
  bench=(--batch 8 --seq 512 --gen-batch 128 --gen-prompt 128 --gen-new 512 --steps 3)
  rloo=(--prompts 64 --samples 2 --turns 2 --prompt-len 256 --new-tokens 512 --micro-batch 16)
  demo=()
else
  gpu=0
  note "no NVIDIA GPU: dry run on the Go backend, small shapes"
  export GOMLX_BACKEND=go
  device=cpu preset=tiny
  bench=(--batch 4 --seq 64 --gen-batch 4 --gen-prompt 16 --gen-new 16 --steps 1)
  rloo=(--prompts 4 --samples 2 --turns 2 --prompt-len 32 --new-tokens 16)
  demo=(--reduced)
fi
note "backend: $GOMLX_BACKEND; PyTorch $("$py" -c 'import torch; print(torch.__version__)' 2>&1 | tail -1), transformers $("$py" -c 'import transformers; print(transformers.__version__)' 2>/dev/null || echo absent)"

# Peak GPU memory over a part, sampled every 200 ms.
watch_mem() { [ $gpu = 1 ] && nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 >"$out/$1.mem" 2>/dev/null & }
peak_mem() { [ -s "$out/$1.mem" ] && note "  peak GPU memory: $(sort -n "$out/$1.mem" | tail -1) MiB (whole GPU, sampled every 200 ms)"; }

note ""
note "## Parity with PyTorch: every TestParity* test (f32: 1e-4 on logits and gradients; bf16: TestParityBF16Compute, 3% of the largest logit)"
(cd cocos/model && part parity 75 env COCOS_TEST_BACKEND="$GOMLX_BACKEND" COCOS_TOOLS="$root/tools" COCOS_PYTHON="$py" \
  "$bin/model.test" -test.run 'TestParity' -test.v -test.count=1)
grep -E '^(--- |ok|FAIL|PASS)|max \|' "$out/parity.log" | sed 's/^/    /' | tee -a "$summary"

impl=transformers
"$py" -c 'import transformers' 2>/dev/null || impl=reference
for dt in bfloat16 float32; do
  note ""
  note "## cocos bench model, $preset, both sides in $dt: ours on $GOMLX_BACKEND, PyTorch ($impl) on $device"
  watch_mem "bench-$dt"; pid=$!
  limit=90; [ $dt = float32 ] && limit=75
  part "bench-$dt" $limit "$bin/cocos" bench model --preset "$preset" "${bench[@]}" --device "$device" \
    --dtype "$dt" --torch-dtype "$dt" --torch-impl "$impl" --python "$py" --tools tools
  kill $pid 2>/dev/null; peak_mem "bench-$dt"
  grep -E 'train step|ratio' "$out/bench-$dt.log" | sed 's/^/    /' | tee -a "$summary"
done

note ""
note "## One CoCoS RLOO step at the paper's batch in bf16 (${rloo[*]})"
watch_mem rloo; pid=$!
part rloo 110 "$bin/cocos" bench rloo --preset "$preset" --dtype bfloat16 "${rloo[@]}"
kill $pid 2>/dev/null; peak_mem rloo
grep -E '^rloo step' "$out/rloo.log" | sed 's/^/    /' | tee -a "$summary"

note ""
note "## The embedded demo on $GOMLX_BACKEND"
rm -rf "$out/demo"
part demo 90 "$bin/cocos" demo --dir "$out/demo" "${demo[@]}"
tail -25 "$out/demo.log" | sed 's/^/    /' >>"$summary"

note ""
note "total: $((SECONDS - started)) s"
