#!/usr/bin/env bash
# Runs python3 with the reference sncosmo environment (docs/spec/salt2.md §6.7): sncosmo 2.9.0 +
# iminuit 2.11.2 (+ numpy/scipy/astropy, python3-avro for the alerts), Debian bookworm's packages,
# and an offline SNCOSMO_DATA_DIR made of symlinks to the SALT2 model and bandpasses that
# @pgb/broker-utils ships. Uses the system's python3 when it already has those versions; otherwise
# unpacks the missing .debs into a private prefix so the system python stays untouched (needs root
# and Debian's package registry; `apt-get update` first on a fresh machine).
#
# Usage: bench/salt2/sncosmo-python.sh script.py [args…]
set -euo pipefail

prefix="${PGB_SNCOSMO_PREFIX:-$HOME/.cache/pgb/sncosmo}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$repo/packages/salt2/data"
versions_check='import sncosmo, iminuit, avro; assert (sncosmo.__version__, iminuit.__version__) == ("2.9.0", "2.11.2"), (sncosmo.__version__, iminuit.__version__)'

# numpy finds BLAS/LAPACK through Debian's alternatives symlinks, which dpkg -x does not create.
use_prefix() {
  local root="$prefix/root" lib="$prefix/root/usr/lib/x86_64-linux-gnu"
  export LD_LIBRARY_PATH="$lib:$lib/blas:$lib/lapack:$lib/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PYTHONPATH="$root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
}

if /usr/bin/python3 -c "$versions_check" 2>/dev/null; then
  : # installed system-wide (apt-get install python3-sncosmo python3-iminuit python3-avro)
elif [ -e "$prefix/.complete" ]; then
  use_prefix
else
  mkdir -p "$prefix/debs/partial" "$prefix/root"
  # --download-only resolves the dependency closure against what is installed and fetches only the
  # missing .debs (none, when some are installed already); dpkg -x unpacks without maintainer scripts.
  apt-get install -y -qq --download-only --no-install-recommends \
    -o Dir::Cache::archives="$prefix/debs" \
    python3-sncosmo=2.9.0-1+b2 python3-iminuit=2.11.2-4 python3-avro >/dev/null
  shopt -s nullglob
  for deb in "$prefix"/debs/*.deb; do dpkg -x "$deb" "$prefix/root"; done
  shopt -u nullglob
  use_prefix
  if ! /usr/bin/python3 -c "$versions_check"; then
    echo "sncosmo-python.sh: python3 cannot import sncosmo 2.9.0 and iminuit 2.11.2 (system or" \
      "$prefix). Install them: apt-get install python3-sncosmo=2.9.0-1+b2 python3-iminuit=2.11.2-4" \
      "python3-avro, or remove $prefix and run again." >&2
    exit 1
  fi
  touch "$prefix/.complete"
fi

# One BLAS thread: the benchmark measures fits per core.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# sncosmo's offline data layout (§6.7 step 2); astropy writes its config and cache under HOME.
work="$prefix/work"
mkdir -p "$work/home" "$work/data/models/salt2" "$work/data/bandpasses"
ln -sfn "$data/salt2/salt2-4" "$work/data/models/salt2/salt2-4"
for survey in ztf sdss lsst; do ln -sfn "$data/bandpasses/$survey" "$work/data/bandpasses/$survey"; done
export SNCOSMO_DATA_DIR="$work/data"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
export PYTHONWARNINGS="ignore::DeprecationWarning"

exec /usr/bin/python3 "$@"
