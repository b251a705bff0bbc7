#!/usr/bin/env bash
# Installs the Python clients astronomers read our streams with (requirements.txt: pittgoogle-client
# and Google's client libraries, pinned) into a virtualenv in the pgb cache, once per set of pins,
# and prints the virtualenv's python. Idempotent: a complete virtualenv for these pins is reused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements.txt"
cache="${PGB_CACHE_DIR:-$HOME/.cache/pgb}"
pins="$(grep -v '^#' "$requirements" | sha256sum | cut -c1-12)"
venv="$cache/python/outside-clients-$pins"

mkdir -p "$cache/python"
# one installer at a time; a second caller waits and then finds the virtualenv complete
exec 9>"$cache/python/.lock"
flock 9

if [[ -f "$venv/.complete" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

python="${PGB_PYTHON:-python3}"
if ! "$python" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "test/python/setup.sh: $python is not Python 3.10+ with the venv module" \
    "(pittgoogle-client needs 3.10+): install python3 and python3-venv, or set PGB_PYTHON" >&2
  exit 1
fi

log="$cache/python/outside-clients-$pins.log"
rm -rf "$venv"
echo "test/python/setup.sh: installing $(grep -vc '^#' "$requirements") pinned packages into $venv (log $log) …" >&2
if ! { "$python" -m venv "$venv" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$requirements"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "test/python/setup.sh: installing $requirements failed (PyPI reachable? full log: $log)" >&2
  exit 1
fi
touch "$venv/.complete"
echo "$venv/bin/python"
