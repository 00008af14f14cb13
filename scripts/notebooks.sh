#!/usr/bin/env bash
# Executes every notebook in notebooks/ under real Jupyter with the GoNB
# kernel (nbconvert --execute): a cell error fails the run. The executed
# copies go to $NB_OUT (default notebooks/executed) and the figures to
# notebooks/figures. Usage: scripts/notebooks.sh [NOTEBOOK...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/tools/bin:$PATH"
out=${NB_OUT:-$root/notebooks/executed}
mkdir -p "$out"
cd "$root/notebooks"
books=("$@")
[ ${#books[@]} -gt 0 ] || books=([0-9]*.ipynb)
start=$SECONDS
for nb in "${books[@]}"; do
  t=$SECONDS
  # Debian's jupyter runs on /usr/bin/python3, whatever python3 is first on PATH.
  if ! /usr/bin/python3 -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 \
      --output-dir "$out" "$nb" >"$out/${nb%.ipynb}.log" 2>&1; then
    echo "notebooks: $nb failed; its log:" >&2
    grep -v "^I[0-9]" "$out/${nb%.ipynb}.log" | tail -40 >&2
    exit 1
  fi
  echo "notebooks: $nb ok in $((SECONDS - t)) s"
done
# Every figure a notebook showed was exported as SVG and PNG.
for svg in figures/*.svg; do
  [ -s "$svg" ] && [ -s "${svg%.svg}.png" ] || { echo "notebooks: $svg lacks its PNG" >&2; exit 1; }
done
if grep -l "not exported" "$out"/*.ipynb >/dev/null 2>&1; then
  echo "notebooks: a figure was not exported:" >&2; grep -h -o "figure [^ ]* not exported[^\"]*" "$out"/*.ipynb >&2; exit 1
fi
echo "notebooks: ${#books[@]} executed in $((SECONDS - start)) s; $(ls figures/*.svg | wc -l) figures in notebooks/figures"
