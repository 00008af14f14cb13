#!/usr/bin/env bash
# Executes the notebooks under real Jupyter with the GoNB kernel
# (nbconvert --execute); a cell error fails the run.
#
#   scripts/notebooks.sh [NOTEBOOK...]           CI's pass: the reduced scale
#       (COCOS_SCALE=reduced), executed copies, runs and figures in a scratch
#       directory ($NB_OUT, default build/notebooks); the committed notebooks
#       and figures are not touched.
#   scripts/notebooks.sh --commit [NOTEBOOK...]  the embedded scale, executed
#       in place with their figures in notebooks/figures: what is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/tools/bin:$PATH"
commit=false
if [ "${1:-}" = "--commit" ]; then commit=true; shift; fi
if $commit; then
  figures=$root/notebooks/figures
  export COCOS_FIGURES=$figures
  where=(--inplace)
else
  out=${NB_OUT:-$root/build/notebooks}
  rm -rf "$out"
  mkdir -p "$out"
  figures=$out/figures
  export COCOS_SCALE=reduced COCOS_RUNS=$out/runs COCOS_FIGURES=$figures
  where=(--output-dir "$out")
fi
mkdir -p "$figures"
logs=${out:-$root/build/notebooks-commit}
mkdir -p "$logs"
cd "$root/notebooks"
books=("$@")
[ ${#books[@]} -gt 0 ] || books=([0-9]*.ipynb)
start=$SECONDS
for nb in "${books[@]}"; do
  t=$SECONDS
  # Debian's jupyter runs on /usr/bin/python3, whatever python3 is first on PATH.
  if ! /usr/bin/python3 -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 \
      "${where[@]}" "$nb" >"$logs/${nb%.ipynb}.log" 2>&1; then
    echo "notebooks: $nb failed; its log:" >&2
    grep -v "^I[0-9]" "$logs/${nb%.ipynb}.log" | tail -40 >&2
    exit 1
  fi
  echo "notebooks: $nb ok in $((SECONDS - t)) s"
done
# Every figure a notebook showed was exported as SVG and PNG.
for svg in "$figures"/*.svg; do
  [ -s "$svg" ] && [ -s "${svg%.svg}.png" ] || { echo "notebooks: $svg lacks its PNG" >&2; exit 1; }
done
executed=$root/notebooks
$commit || executed=$out
if grep -l "not exported" "$executed"/[0-9]*.ipynb >/dev/null 2>&1; then
  echo "notebooks: a figure was not exported:" >&2; grep -h -o "figure [^ ]* not exported[^\"]*" "$executed"/[0-9]*.ipynb >&2; exit 1
fi
# Committed notebooks name no machine's paths: GoNB's go.work message and the
# figure exports print the checkout's absolute path.
if $commit; then
  for nb in "${books[@]}"; do sed -i "s#${root}#.#g" "$root/notebooks/$nb"; done
fi
echo "notebooks: ${#books[@]} executed in $((SECONDS - start)) s; $(ls "$figures"/*.svg | wc -l) figures in $figures"
