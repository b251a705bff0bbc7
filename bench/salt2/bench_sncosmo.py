"""sncosmo side of the SALT2 benchmark (bench/salt2/bench.ts runs it with the same light curves and
configurations): reads the cases as JSON on stdin, fits each `repeat` times with sncosmo.fit_lc
(salt2 v2.4, iminuit), prints CPU seconds per case as JSON. One BLAS thread: per-core numbers.
Each case is fitted once untimed first: the bandpasses sncosmo loads on first use and any other
one-time cost stay out of the timing, as the warm-up does on the TypeScript side."""

import json
import sys
import time
import warnings

import sncosmo
from astropy.table import Table


def fit(source, case, tab):
    """One sncosmo.fit_lc of the case; returns its call count."""
    model = sncosmo.Model(source=source)
    model.set(**case.get("fixed", {}))
    bounds = {k: tuple(v) for k, v in case["bounds"].items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, _ = sncosmo.fit_lc(tab, model, case["vary"], bounds=bounds)
    return res.ncall


def main():
    cases = json.load(sys.stdin)
    source = sncosmo.get_source("salt2", version="2.4")
    tables = [Table({k: c["data"][k] for k in ["time", "band", "flux", "fluxerr", "zp", "zpsys"]})
              for c in cases]
    for case, tab in zip(cases, tables):
        fit(source, case, tab)
    out = []
    for case, tab in zip(cases, tables):
        ncall = 0
        start = time.process_time()
        for _ in range(case["repeat"]):
            ncall += fit(source, case, tab)
        out.append({"name": case["name"], "cpuSeconds": time.process_time() - start,
                    "fits": case["repeat"], "ncall": ncall / case["repeat"]})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
