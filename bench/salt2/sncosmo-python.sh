#!/usr/bin/env bash
# Runs python3 with the reference sncosmo environment (salt2-spec.md §6.7): Debian bookworm's
# sncosmo 2.9.0 + iminuit 2.11.2 (+ numpy/scipy/astropy, python3-avro for the alerts), unpacked from
# .debs into a private prefix so the system python stays untouched, and an offline SNCOSMO_DATA_DIR
# made of symlinks to ../shared/data. Installs on first use (needs root and Debian's package
# registry; `apt-get update` first on a fresh machine), then only sets the environment.
#
# Usage: bench/salt2/sncosmo-python.sh script.py [args…]
set -euo pipefail

prefix="${PGB_SNCOSMO_PREFIX:-$HOME/.cache/pgb/sncosmo}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="${PGB_SHARED_DATA:-$(cd "$repo/../shared/data" && pwd)}"

if [ ! -e "$prefix/.complete" ]; then
  mkdir -p "$prefix/debs/partial" "$prefix/root"
  # --download-only resolves the dependency closure against what is installed and fetches only the
  # missing .debs; dpkg -x unpacks them without running maintainer scripts.
  apt-get install -y -qq --download-only --no-install-recommends \
    -o Dir::Cache::archives="$prefix/debs" \
    python3-sncosmo=2.9.0-1+b2 python3-iminuit=2.11.2-4 python3-avro >/dev/null
  for deb in "$prefix"/debs/*.deb; do dpkg -x "$deb" "$prefix/root"; done
  touch "$prefix/.complete"
fi

root="$prefix/root"
lib="$root/usr/lib/x86_64-linux-gnu"
# numpy finds BLAS/LAPACK through Debian's alternatives symlinks, which dpkg -x does not create.
export LD_LIBRARY_PATH="$lib:$lib/blas:$lib/lapack:$lib/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$root/usr/lib/python3/dist-packages"
# One BLAS thread: the benchmark measures fits per core.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# sncosmo's offline data layout (§6.7 step 2); astropy writes its config and cache under HOME.
work="$prefix/work"
mkdir -p "$work/home" "$work/data/models/salt2" "$work/data/bandpasses"
ln -sfn "$shared/salt2/salt2-4" "$work/data/models/salt2/salt2-4"
for survey in ztf sdss lsst; do ln -sfn "$shared/bandpasses/$survey" "$work/data/bandpasses/$survey"; done
export SNCOSMO_DATA_DIR="$work/data" PGB_SHARED_DATA="$shared"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
export PYTHONWARNINGS="ignore::DeprecationWarning"

exec /usr/bin/python3 "$@"
