#!/usr/bin/env bash
# Installs what cocos needs on a fresh Debian machine. Idempotent: every
# step checks first and does nothing when its tool is already there.
#   setup.sh            what the tests need (PyTorch and npm references too,
#                       Jupyter with the GoNB kernel and Chromium for the
#                       notebooks and their figures)
#   setup.sh --runtime  what running cocos needs: python3 with the libraries
#                       programs may use, and bubblewrap
set -euo pipefail
runtime_only=false
[ "${1:-}" = "--runtime" ] && runtime_only=true

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/bin/python3 ] || need_apt+=(python3)
have bwrap || need_apt+=(bubblewrap)
# Python packages the sandbox offers programs: pytest for KodCode's tests,
# and the libraries ODEX problems use, as Debian packages them.
py_pkgs=(python3-pytest python3-numpy python3-pandas python3-scipy python3-matplotlib python3-bs4
  python3-requests python3-regex python3-tz python3-multidict python3-sqlalchemy python3-flask
  python3-django python3-mock python3-html5lib python3-lxml)
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c "import pytest, numpy, pandas, scipy, matplotlib, bs4, requests, regex, pytz, multidict, sqlalchemy,  flask, django, mock, html5lib, lxml" 2>/dev/null; then
  need_apt+=("${py_pkgs[@]}")
fi
if ! $runtime_only; then
# PyTorch is the independent reference the transformer's parity tests
# compare against; pthread OpenBLAS keeps it from being 40x slower.
/usr/bin/python3 -c "import torch" 2>/dev/null || need_apt+=(python3-torch libopenblas0-pthread)
have node || need_apt+=(nodejs)
have npm || need_apt+=(npm)
# The notebooks: Jupyter (Debian's, on /usr/bin/python3) executes them,
# Chromium exports their figures and drives the browser test.
/usr/bin/python3 -c "import notebook, nbconvert, nbclient, ipykernel" 2>/dev/null ||
  need_apt+=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel)
have chromium || need_apt+=(chromium fonts-dejavu-core)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: apt-get install ${need_apt[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
# Independent references for tests (apache-arrow reads our Arrow files, the
# official openai client drives cocos serve).
root=$(cd "$(dirname "$0")/.." && pwd)
nodedir="$root/tools/node"
if ! $runtime_only && { [ ! -d "$nodedir/node_modules/apache-arrow" ] || [ ! -d "$nodedir/node_modules/openai" ] || [ "$nodedir/package-lock.json" -nt "$nodedir/node_modules/.package-lock.json" ]; }; then
  echo "setup: npm ci in tools/node"
  (cd "$nodedir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# GoNB v0.11.5 and goimports, built from tools/gonb (the proxy has no
# version list for `go install …@v0.11.5`), and GoNB's kernel spec with a
# PATH that finds go and goimports, and the toolchain and SIMD kernels that
# cocos builds with, so notebook cells get them too.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
if ! $runtime_only; then
  bin="$root/tools/bin"
  if [ ! -x "$bin/gonb" ] || [ "$root/tools/gonb/go.mod" -nt "$bin/gonb" ]; then
    echo "setup: building GoNB into tools/bin"
    (cd "$root/tools/gonb" && go build -o "$bin/" github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
  fi
  kernel="$(/usr/bin/python3 -m jupyter --data-dir)/kernels/gonb/kernel.json"
  if [ ! -f "$kernel" ] || ! grep -q "\"$bin/gonb\"" "$kernel" || ! grep -q '"GOEXPERIMENT": "simd"' "$kernel"; then
    echo "setup: installing the GoNB kernel"
    # gopls only serves autocompletion: not needed to execute notebooks.
    PATH="$bin:$PATH" "$bin/gonb" --install --force_deps --logtostderr=false
    KPATH="$bin:$(dirname "$(command -v go)"):$PATH" /usr/bin/python3 - "$kernel" <<'PY'
import json, os, sys
k = json.load(open(sys.argv[1]))
env = k.setdefault("env", {})
env["PATH"] = os.environ["KPATH"]
env["GOTOOLCHAIN"] = os.environ["GOTOOLCHAIN"]
env["GOEXPERIMENT"] = os.environ["GOEXPERIMENT"]
json.dump(k, open(sys.argv[1], "w"), indent=1)
PY
  fi
fi

echo "setup: ok ($(/usr/bin/python3 --version), bubblewrap $(bwrap --version | cut -d' ' -f2), $(go version | cut -d' ' -f3) GOEXPERIMENT=$GOEXPERIMENT)"
