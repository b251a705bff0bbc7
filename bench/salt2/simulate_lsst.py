"""Simulates Rubin (LSST) SN Ia light curves with sncosmo and fits them with sncosmo.fit_lc: the
fixture test/fixtures/salt2/lsst-simulated.json (test/unit/salt2/lsst-simulated.test.ts fits the
same epochs with fitSalt2; local/samples/make-lsst-simulated.ts builds wire-format packets of them).

    nice bench/salt2/sncosmo-python.sh bench/salt2/simulate_lsst.py

Deterministic (seed 2026). Everything here is simulated; no real Rubin photometry is involved.

Rubin terms: fluxes in nJy (AB zero point 31.4), bands lsstu…lssty. The cadence follows the
wide-fast-deep survey: a visit pair ~33 min apart in two bands every 2–5 nights. The noise is the
sky of a single 30 s visit at the band's 5σ depth m5 (Bianco et al. 2022, ApJS 258, 1, table 2:
u 23.70, g 24.97, r 24.52, i 24.13, z 23.56, y 22.55) plus the source's photon noise at ~0.5 nJy per
photo-electron. Visits in a band SALT2 does not cover at the true redshift are left out (the model
predicts no flux there); z-band epochs it covers at the true z but not at the lower bound of the
fitted z range are kept, and both fitters drop them.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from generate_fixtures import ALL_PARAMS, PRODUCT_BOUNDS, draw_truth, fit, salt2_model  # noqa: E402

import iminuit  # noqa: E402
import sncosmo  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "test", "fixtures", "salt2", "lsst-simulated.json")

ZP_NJY = 31.4
M5 = {"lsstu": 23.70, "lsstg": 24.97, "lsstr": 24.52, "lssti": 24.13, "lsstz": 23.56, "lssty": 22.55}
NJY_PER_ELECTRON = 0.5
# visit pairs of the WFD survey: the two bands of a night
PAIRS = [("lsstg", "lsstr"), ("lsstr", "lssti"), ("lssti", "lsstz"), ("lsstz", "lssty"),
         ("lsstu", "lsstg"), ("lsstg", "lssti"), ("lsstr", "lsstz")]
PAIR_GAP_DAYS = 33 / 1440


def sky_sigma(band):
    """nJy: a 5σ point source at m5 has flux 10^(-0.4 (m5 - 31.4))."""
    return 10 ** (-0.4 * (M5[band] - ZP_NJY)) / 5


def cadence(rng, start, end):
    """(time, band) of the visits between start and end."""
    visits = []
    night = start + rng.uniform(0, 3)
    while night < end:
        first, second = PAIRS[rng.integers(len(PAIRS))]
        visits.append((night, first))
        visits.append((night + PAIR_GAP_DAYS * rng.uniform(0.9, 1.1), second))
        night += rng.uniform(2, 5)
    return visits


def simulate(rng, k):
    model = salt2_model()
    truth = draw_truth(rng, 0.03, 61000)
    z = truth["z"]
    model.set(**truth)
    start = truth["t0"] + rng.uniform(-20, -8) * (1 + z)
    end = truth["t0"] + rng.uniform(20, 50) * (1 + z)
    # SALT2 predicts nothing outside its rest-frame range: visits in a band it does not cover at the
    # true z (y always, z below z ≈ 0.12) are not simulated
    visits = [(t, b) for t, b in cadence(rng, start, end) if model.bandoverlap(b)]
    time = np.array([t for t, _ in visits])
    band = [b for _, b in visits]
    true_flux = model.bandflux(band, time, zp=ZP_NJY, zpsys="ab")
    sky = np.array([sky_sigma(b) for b in band])
    err = np.sqrt(sky ** 2 + NJY_PER_ELECTRON * np.abs(true_flux))
    flux = true_flux + rng.normal(0, 1, len(visits)) * err
    data = {"time": [float(t) for t in time], "band": band, "flux": [float(f) for f in flux],
            "fluxerr": [float(e) for e in err], "zp": [ZP_NJY] * len(visits),
            "zpsys": ["ab"] * len(visits)}
    return {"name": "lsst-sim-%02d" % k, "truth": {p: float(v) for p, v in truth.items()},
            "data": data, "product": fit(data, {}, ALL_PARAMS, PRODUCT_BOUNDS)}


def main():
    rng = np.random.default_rng(2026)
    lightcurves = [simulate(rng, k) for k in range(20)]
    provenance = {"sncosmo": sncosmo.__version__, "iminuit": iminuit.__version__,
                  "numpy": np.__version__, "source": "salt2 v2.4", "seed": 2026,
                  "generator": "bench/salt2/simulate_lsst.py", "simulated": True}
    with open(OUT, "w") as fh:
        json.dump({"provenance": provenance, "lightcurves": lightcurves}, fh,
                  separators=(",", ":"), allow_nan=False)
        fh.write("\n")
    print("wrote %s (%d bytes)" % (os.path.relpath(OUT, REPO), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
