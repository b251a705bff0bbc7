"""sncosmo side of the SALT2 benchmark (bench/salt2/bench.ts runs it with the same light curves and
configurations): reads the cases as JSON on stdin, fits each `repeat` times with sncosmo.fit_lc
(salt2 v2.4, iminuit), prints CPU seconds per case as JSON. One BLAS thread: per-core numbers."""

import json
import sys
import time
import warnings

import sncosmo
from astropy.table import Table


def main():
    cases = json.load(sys.stdin)
    source = sncosmo.get_source("salt2", version="2.4")
    out = []
    for case in cases:
        d = case["data"]
        tab = Table({k: d[k] for k in ["time", "band", "flux", "fluxerr", "zp", "zpsys"]})
        bounds = {k: tuple(v) for k, v in case["bounds"].items()}
        ncall = 0
        start = time.process_time()
        for _ in range(case["repeat"]):
            model = sncosmo.Model(source=source)
            model.set(**case.get("fixed", {}))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res, _ = sncosmo.fit_lc(tab, model, case["vary"], bounds=dict(bounds))
            ncall += res.ncall
        out.append({"name": case["name"], "cpuSeconds": time.process_time() - start,
                    "fits": case["repeat"], "ncall": ncall / case["repeat"]})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
