#!/usr/bin/env bash
# Executes the notebooks with the tslab (TypeScript) Jupyter kernel and fails on the first cell
# error. Installs what it needs, idempotently, into the cache (never into the repository):
#   <cache>/tslab    tslab from the npm registry (its zeromq dependency ships a prebuilt binary;
#                    zeromq's install script is the one script allowed, to verify that binary)
#   <cache>/jupyter  a Python virtualenv with nbconvert and jupyter_client, and tslab's kernel spec
# Needs `npm ci` first: the notebooks import the compiled @pgb/broker-utils (dist/).
#   usage: bash notebooks/run.sh [notebook.ipynb ...]   (default: every notebook in this folder)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache="${PGB_CACHE_DIR:-$HOME/.cache/pgb}"
tslab_dir="$cache/tslab"
venv="$cache/jupyter"
tslab_bin="$tslab_dir/node_modules/.bin/tslab"

if [ ! -x "$tslab_bin" ]; then
  echo "notebooks: installing tslab into $tslab_dir" >&2
  mkdir -p "$tslab_dir"
  cat >"$tslab_dir/package.json" <<'JSON'
{ "private": true, "description": "tslab for pgb notebooks", "allowScripts": { "zeromq": true } }
JSON
  npm install --prefix "$tslab_dir" --ignore-scripts=false --no-audit --no-fund --loglevel=error \
    tslab@1.0.22 >&2
fi

if [ ! -x "$venv/bin/jupyter-nbconvert" ]; then
  echo "notebooks: installing nbconvert into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet nbconvert==7.17.2 jupyter_client==8.10.0 >&2
fi

# tslab's own installer needs IPython for a temporary folder; the kernel spec is just this file.
spec="$venv/share/jupyter/kernels/tslab"
mkdir -p "$spec"
printf '{"argv": ["%s", "kernel", "--config-path", "{connection_file}"], "display_name": "TypeScript", "language": "typescript"}\n' \
  "$tslab_bin" >"$spec/kernel.json"

export METADATA_SERVER_DETECTION=none GCE_METADATA_HOST=127.0.0.1:1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$here"
notebooks=("$@")
[ ${#notebooks[@]} -gt 0 ] || notebooks=(*.ipynb)
for nb in "${notebooks[@]}"; do
  echo "notebooks: executing $nb" >&2
  JUPYTER_PATH="$venv/share/jupyter" "$venv/bin/jupyter-nbconvert" --to notebook --execute \
    --ExecutePreprocessor.timeout=300 --output-dir "$out" "$nb"
done
echo "notebooks: ${#notebooks[@]} executed without error" >&2
