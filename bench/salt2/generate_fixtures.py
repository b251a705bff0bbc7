"""Writes the SALT2 parity fixtures (test/fixtures/salt2/*.json) by running sncosmo itself.

Reference: sncosmo 2.9.0 + iminuit 2.11.2 (Debian bookworm), salt2 pinned to version 2.4, offline data
from test/data (docs/spec/salt2.md §6.7). Run through the wrapper that provides that environment:

    nice bench/salt2/sncosmo-python.sh bench/salt2/generate_fixtures.py

Deterministic (fixed seeds). The light curves of every fit are stored in the fixtures, so the
TypeScript tests fit exactly the same epochs.
"""

import glob
import io
import json
import math
import os
import sys
import warnings

import astropy.units as u
import iminuit
import numpy as np
import sncosmo
from astropy.table import Table
from sncosmo.fitting import guess_t0_and_amplitude, t0_bounds, cut_bands
from sncosmo.photdata import photometric_data

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(REPO, "test", "data")
OUT = os.path.join(REPO, "test", "fixtures", "salt2")

ZTF_BANDS = ["ztfg", "ztfr", "ztfi"]
SDSS_BANDS = ["sdssg", "sdssr", "sdssi", "sdssz"]
# sncosmo's lsst* loader (nm, trim 0.001) applied to the v1.9 files of packages/salt2/data/bandpasses/lsst (sncosmo's own
# registry points at the v1.1 files of 2016; see docs/salt2.md).
LSST_BANDS = ["lsstu", "lsstg", "lsstr", "lssti", "lsstz", "lssty"]
ALL_BANDS = ZTF_BANDS + SDSS_BANDS + LSST_BANDS
LN10_2_5 = math.log(10) / 2.5
LN4 = math.log(10 / 2.5)  # Pitt-Google's factor (docs/spec/salt2.md §3.3)

PRODUCT_BOUNDS = {"z": (0.01, 0.2), "x1": (-5.0, 5.0), "c": (-5.0, 5.0)}
ALL_PARAMS = ["z", "t0", "x0", "x1", "c"]


def salt2_model():
    return sncosmo.Model(source=sncosmo.get_source("salt2", version="2.4"))


def table(cols):
    return Table({k: cols[k] for k in ["time", "band", "flux", "fluxerr", "zp", "zpsys"]})


def columns(tab):
    return {
        "time": [float(x) for x in tab["time"]],
        "band": [str(x) for x in tab["band"]],
        "flux": [float(x) for x in tab["flux"]],
        "fluxerr": [float(x) for x in tab["fluxerr"]],
        "zp": [float(x) for x in tab["zp"]],
        "zpsys": [str(x) for x in tab["zpsys"]],
    }


def num(x):
    """JSON number or null for NaN/inf."""
    x = float(x)
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------------------------------
# Light curves


def lc_a():
    text = open(os.path.join(OUT, "lc-a.csv")).read()
    tab = Table.read(text, format="ascii.csv")
    return columns(tab)


def lc_b(factor):
    tab = Table.read(open(os.path.join(OUT, "lc-b.csv")).read(), format="ascii.csv")
    flux = 10 ** (0.4 * (np.array(tab["magzpsci"]) - np.array(tab["magpsf"])))
    return {
        "time": [float(x) for x in tab["mjd"]],
        "band": ["ztf" + str(b) for b in tab["band"]],
        "flux": [float(x) for x in flux],
        "fluxerr": [float(x) for x in flux * np.array(tab["sigmapsf"]) * factor],
        "zp": [float(x) for x in tab["magzpsci"]],
        "zpsys": ["ab"] * len(tab),
    }


def sncosmo_example():
    path = os.path.join(DATA, "lightcurves", "sncosmo_example", "example_photometric_data.dat")
    return columns(sncosmo.read_lc(path))


def hsf_20aai_ztf():
    path = os.path.join(DATA, "lightcurves", "hsf_dr1", "20aai", "all.phot")
    rows = [line.split() for line in open(path) if line.strip() and not line.startswith("mjd")]
    rows = [r for r in rows if r[1] in ("ztfg", "ztfr")]
    return {
        "time": [float(r[0]) for r in rows],
        "band": [r[1] for r in rows],
        "flux": [float(r[2]) for r in rows],
        "fluxerr": [float(r[3]) for r in rows],
        "zp": [float(r[6]) for r in rows],
        "zpsys": [r[7] for r in rows],
    }


# ---------------------------------------------------------------------------------------------
# Fixtures


def bands_fixture():
    out = {}
    for name in ALL_BANDS:
        b = sncosmo.get_bandpass(name)
        grid, dwave = sncosmo.utils.integration_grid(b.minwave(), b.maxwave(), 5.0)
        out[name] = {
            "nKept": int(len(b.wave)),
            "minwave": float(b.minwave()),
            "maxwave": float(b.maxwave()),
            "waveEff": float(b.wave_eff),
            "zpAB": float(sncosmo.get_magsystem("ab").zpbandflux(b)),
            "gridN": int(len(grid)),
            "gridSpacing": float(dwave),
        }
    return out


EDGE_PHASES = [-25.0, -20.0, -19.7, -19.5, -19.0, -10.3, 0.0, 15.2, 48.99, 49.0, 49.2, 49.99, 50.0,
               50.0001, 55.0]


def bandflux_fixture(rng):
    cases = []
    model = salt2_model()
    for name in ALL_BANDS:
        b = sncosmo.get_bandpass(name)
        zmin = max(0.0, b.maxwave() / 9200.0 - 1.0)
        zmax = b.minwave() / 2000.0 - 1.0
        lo, hi = max(0.01, zmin + 1e-3), min(zmin + 0.3, zmax - 1e-3)
        zs = list(rng.uniform(lo, hi, 10))
        # Wavelength edge cells (docs/spec/salt2.md §1.3): the blue end of the band at rest < 2010 Å, and the
        # red end > 9190 Å where reachable.
        zs.append(zmax - rng.uniform(0.0, 0.004) * (1 + zmax))
        zs.append(zmin + rng.uniform(0.0, 0.001) if zmin > 0 else 0.0)
        for z in zs:
            x0 = 10 ** rng.uniform(-5, -3)
            x1 = rng.uniform(-3, 3)
            c = rng.uniform(-0.3, 0.5)
            t0 = rng.uniform(55000, 60000)
            zp = rng.uniform(20, 31)
            phases = EDGE_PHASES + list(rng.uniform(-20, 50, 5))
            times = [t0 + p * (1 + z) for p in phases]
            model.set(z=z, t0=t0, x0=x0, x1=x1, c=c)
            flux = model.bandflux(name, times, zp=zp, zpsys="ab")
            cases.append({
                "band": name, "z": float(z), "t0": float(t0), "x0": float(x0), "x1": float(x1),
                "c": float(c), "zp": float(zp), "time": [float(t) for t in times],
                "flux": [float(f) for f in flux],
            })
    return cases


def chisq_fixture(rng, lcs):
    out = []
    model = salt2_model()
    for name, data, center in lcs:
        tab = table(data)
        for k in range(8):
            p = dict(center)
            if k > 0:
                p["z"] = center["z"] * (1 + rng.uniform(-0.2, 0.2))
                p["t0"] = center["t0"] + rng.uniform(-3, 3)
                p["x0"] = center["x0"] * (1 + rng.uniform(-0.2, 0.2))
                p["x1"] = center["x1"] + rng.uniform(-1, 1)
                p["c"] = center["c"] + rng.uniform(-0.1, 0.1)
            model.set(**p)
            out.append({"lightcurve": name, "parameters": {k2: float(v) for k2, v in p.items()},
                        "chisq": float(sncosmo.chisq(tab, model)),
                        "chisqModelcov": float(sncosmo.chisq(tab, model, modelcov=True))})
    return out


def named_fits(lcs):
    lca, lcb, lcb_pg, example, aai = (lcs[k] for k in ["LC-A", "LC-B", "LC-B-pg", "example", "20aai"])
    x15 = {"x1": (-5.0, 5.0), "c": (-5.0, 5.0)}
    pg_b = dict(PRODUCT_BOUNDS, t0=(59282.0, 59302.0))
    four = ["t0", "x0", "x1", "c"]
    cases = [
        ("F1", "LC-A", {"z": 0.05}, four, {}),
        ("F2", "LC-A", {"z": 0.05}, four, x15),
        ("F3", "LC-A", {}, ALL_PARAMS, PRODUCT_BOUNDS),
        ("F4 (modelcov)", "LC-A", {"z": 0.05}, four, {}),
        ("F5", "LC-B", {}, ALL_PARAMS, pg_b),
        ("F6", "LC-B", {"z": 0.07}, four, x15),
        ("F7", "LC-B-pg", {}, ALL_PARAMS, pg_b),
        ("F8", "LC-B", {}, ALL_PARAMS, dict(pg_b, t0=(59290.0, 59298.0))),
        ("LC-B product", "LC-B", {}, ALL_PARAMS, PRODUCT_BOUNDS),
        ("failure 4: t0 window", "LC-A", {"z": 0.05}, four, {"t0": (59010.0, 59020.0)}),
        ("failure 5: x1 window", "LC-A", {"z": 0.05}, four, {"x1": (0.8, 0.9)}),
        ("failure 5: x1 fixed", "LC-A", {"z": 0.05, "x1": 0.8}, ["t0", "x0", "c"], {}),
        ("sncosmo example, z in [0.3, 0.7]", "example", {}, ALL_PARAMS, {"z": (0.3, 0.7)}),
        ("sncosmo example, z fixed", "example", {"z": 0.5}, four, {}),
        ("20aai ztf, product", "20aai", {}, ALL_PARAMS, PRODUCT_BOUNDS),
        ("20aai ztf, z in [0.01, 0.2]", "20aai", {}, ALL_PARAMS, {"z": (0.01, 0.2)}),
        ("20aai ztf, z fixed 0.03", "20aai", {"z": 0.03}, four, {}),
        ("LC-B product (modelcov)", "LC-B", {}, ALL_PARAMS, PRODUCT_BOUNDS),
        ("20aai ztf, z fixed 0.03 (modelcov)", "20aai", {"z": 0.03}, four, {}),
    ]
    out = []
    for name, lc, fixed, vparam, bounds in cases:
        modelcov = "modelcov" in name
        rec = {"name": name, "lightcurve": lc, "fixed": fixed, "vparam": vparam,
               "bounds": {k: list(v) for k, v in bounds.items()}, "modelcov": modelcov}
        rec.update(fit(lcs[lc], fixed, vparam, bounds, modelcov))
        out.append(rec)
    return out


def fit(data, fixed, vparam, bounds, modelcov=False):
    """sncosmo.fit_lc with the salt2 v2.4 model, `fixed` set on the model first: the fixture record of
    the start point (docs/spec/salt2.md §4.4 steps 3-6) and the result, or of the error raised."""
    tab = table(data)
    model = salt2_model()
    model.set(**fixed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res, _ = sncosmo.fit_lc(tab, model, vparam, bounds=dict(bounds), modelcov=modelcov)
        except Exception as err:
            return {"error": {"type": type(err).__name__, "message": str(err)}}
    rec = {}
    m2 = salt2_model()
    m2.set(**fixed)
    pd = photometric_data(tab)
    pd = pd[np.argsort(pd.time, kind="stable")]
    b = dict(bounds)
    if "z" in vparam:
        m2.set(z=sum(b["z"]) / 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitdata, _ = cut_bands(pd, m2, z_bounds=b.get("z", None))
    rec["zStart"] = float(m2.get("z"))
    if "t0" in vparam and "t0" not in b:
        rec["t0Bounds"] = [float(v) for v in t0_bounds(fitdata, m2)]
    if "t0" in vparam or "x0" in vparam:
        t0, x0 = guess_t0_and_amplitude(fitdata, m2, 5.0)
        rec["guess"] = {"t0": float(t0), "x0": float(x0)}
    rec["result"] = result_record(res)
    # HESSE of the plain χ²; not a reference for model-covariance fits.
    rec["result"]["hesseErrors"] = None if modelcov else hesse_errors(tab, res)
    dropped = [str(w.message) for w in caught if "Dropping" in str(w.message)]
    if dropped:
        rec["warnings"] = dropped
    return rec


def hesse_errors(tab, res):
    """Minuit HESSE errors at sncosmo's optimum: sncosmo reports MIGRAD's covariance, which is only
    approximate when MIGRAD did not run HESSE itself (docs/spec/salt2.md §4.6-4.7)."""
    model = salt2_model()
    names = list(res.vparam_names)
    fixed = {k: float(v) for k, v in zip(res.param_names, res.parameters) if k not in names}

    def chi(*args):
        model.set(**dict(zip(names, args)), **fixed)
        return sncosmo.chisq(tab, model)

    start = [float(res.parameters[res.param_names.index(n)]) for n in names]
    try:
        m = iminuit.Minuit(chi, *start, name=names)
        m.errordef = 1
        m.hesse()
        return {n: num(m.errors[n]) for n in names}
    except Exception:  # a degenerate optimum: no reference
        return None


def result_record(res):
    return {
        "success": bool(res.success),
        "message": res.message,
        "ncall": int(res.ncall),
        "chisq": float(res.chisq),
        "ndof": int(res.ndof),
        "parameters": dict(zip(res.param_names, [float(p) for p in res.parameters])),
        "vparamNames": list(res.vparam_names),
        "nfit": int(res.nfit),
        "errors": {k: num(v) for k, v in res.errors.items()},
        "covariance": [[num(v) for v in row] for row in res.covariance]
        if res.covariance is not None else None,
    }


def failure_fixture(lcs):
    lca = lcs["LC-A"]
    out = []
    noisy = dict(lca, fluxerr=[e * 1000 for e in lca["fluxerr"]])
    out.append({"name": "no S/N > 5", "data": noisy, "fixed": {"z": 0.05},
                "vparam": ["t0", "x0", "x1", "c"], "bounds": {},
                **fit(noisy, {"z": 0.05}, ["t0", "x0", "x1", "c"], {})})
    tophat = sncosmo.Bandpass([1000.0, 1000.5, 1499.5, 1500.0], [0.0, 1.0, 1.0, 0.0], name="tophat")
    sncosmo.register(tophat, force=True)
    uv = dict(lca, band=["tophat"] * len(lca["band"]))
    out.append({"name": "no band overlaps", "data": uv, "fixed": {"z": 0.05},
                "vparam": ["t0", "x0", "x1", "c"], "bounds": {},
                **fit(uv, {"z": 0.05}, ["t0", "x0", "x1", "c"], {})})
    half = dict(lca, band=[b if i % 2 else "tophat" for i, b in enumerate(lca["band"])])
    out.append({"name": "one band dropped", "data": half, "fixed": {"z": 0.05},
                "vparam": ["t0", "x0", "x1", "c"], "bounds": {},
                **fit(half, {"z": 0.05}, ["t0", "x0", "x1", "c"], {})})
    out.append({"name": "z unbounded", "fixed": {}, "vparam": ALL_PARAMS, "bounds": {},
                **fit(lca, {}, ALL_PARAMS, {})})
    return out


# ---------------------------------------------------------------------------------------------
# Real ZTF alerts (docs/spec/broker.md §6 SALT2 epochs, and the Pitt-Google pipeline of docs/spec/salt2.md §6.8)


def read_alert(path):
    import avro.datafile
    import avro.io
    with open(path, "rb") as fh:
        reader = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
        records = list(reader)
    return records[0]


def finite(*xs):
    return all(x is not None and isinstance(x, (int, float)) and math.isfinite(x) for x in xs)


def product_epochs(alert):
    """docs/spec/broker.md §6: prv_candidates then candidate; signed flux, ln(10)/2.5 errors."""
    rows = list(alert.get("prv_candidates") or []) + [alert["candidate"]]
    ep = {k: [] for k in ["time", "band", "flux", "fluxerr", "zp", "zpsys", "detection"]}
    for r in rows:
        if not finite(r.get("magpsf"), r.get("sigmapsf"), r.get("magzpsci"), r.get("jd")):
            continue
        if r.get("fid") not in (1, 2, 3):
            continue
        negative = r.get("isdiffpos") in ("f", "0")
        s = -1.0 if negative else 1.0
        flux = s * 10 ** (-0.4 * (r["magpsf"] - r["magzpsci"]))
        ep["time"].append(r["jd"] - 2400000.5)
        ep["band"].append({1: "ztfg", 2: "ztfr", 3: "ztfi"}[r["fid"]])
        ep["flux"].append(flux)
        ep["fluxerr"].append(abs(flux) * r["sigmapsf"] * LN10_2_5)
        ep["zp"].append(float(r["magzpsci"]))
        ep["zpsys"].append("ab")
        ep["detection"].append(not negative)
    return ep


def pitt_google_epochs(alert):
    """docs/spec/salt2.md §6.8: non-null magpsf, unsigned flux, ln 4 errors. (Alerts of schema < 3.3 have no
    magzpsci in prv_candidates; the reference would fail there, these rows are skipped.)"""
    rows = list(alert.get("prv_candidates") or []) + [alert["candidate"]]
    ep = {k: [] for k in ["time", "band", "flux", "fluxerr", "zp", "zpsys", "detection"]}
    for r in rows:
        if r.get("magpsf") is None or r.get("magzpsci") is None:
            continue
        flux = 10 ** ((r["magzpsci"] - r["magpsf"]) / 2.5)
        ep["time"].append(r["jd"] - 2400000.5)
        ep["band"].append({1: "ztfg", 2: "ztfr", 3: "ztfi"}[r["fid"]])
        ep["flux"].append(flux)
        ep["fluxerr"].append(flux * r["sigmapsf"] * LN4)
        ep["zp"].append(float(r["magzpsci"]))
        ep["zpsys"].append("ab")
        ep["detection"].append(r.get("isdiffpos") == "t")
    return ep


def cuts(ep):
    snr = [f / e for f, e in zip(ep["flux"], ep["fluxerr"])]
    ndet = sum(ep["detection"])
    max_snr = max(snr) if snr else None
    return {"maxSnr": max_snr, "detections": ndet,
            "pass": bool(max_snr is not None and max_snr >= 5 and ndet >= 5)}


def alerts_fixture():
    out = []
    paths = sorted(glob.glob(os.path.join(DATA, "ztf", "alerts", "*", "*.avro")))
    for path in paths:
        alert = read_alert(path)
        rec = {"file": os.path.relpath(path, os.path.join(DATA, "ztf", "alerts")),
               "objectId": alert["objectId"], "candid": str(alert["candid"])}
        ep = product_epochs(alert)
        rec["product"] = {"epochs": ep, "cuts": cuts(ep)}
        if rec["product"]["cuts"]["pass"]:
            rec["product"].update(fit(ep, {}, ALL_PARAMS, PRODUCT_BOUNDS))
        pg = pitt_google_epochs(alert)
        rec["pittGoogle"] = {"epochs": pg, "cuts": cuts(pg)}
        if rec["pittGoogle"]["cuts"]["pass"]:
            first = next(t for t, f, e in zip(pg["time"], pg["flux"], pg["fluxerr"]) if f / e >= 5)
            T = int(first)
            bounds = dict(PRODUCT_BOUNDS, t0=(T - 10.0, T + 10.0))
            rec["pittGoogle"]["T"] = T
            rec["pittGoogle"].update(fit(pg, {}, ALL_PARAMS, bounds))
        out.append(rec)
    return out


# ---------------------------------------------------------------------------------------------
# Simulated ZTF light curves (docs/spec/salt2.md §6.7 (c))


def draw_truth(rng, z_low, t0):
    """SALT2 parameters of a simulated SN Ia: z ~ U(z_low, 0.15), t0 within 5 d of `t0`, x0 of a
    standard candle at z with 0.15 dex scatter, x1 ~ N(0, 1) within ±3, c ~ U(-0.15, 0.3)."""
    z = rng.uniform(z_low, 0.15)
    return {"z": z, "t0": t0 + rng.uniform(-5, 5),
            "x0": 1.5e-3 * (0.05 / z) ** 2 * 10 ** rng.normal(0, 0.15),
            "x1": float(np.clip(rng.normal(0, 1), -3, 3)), "c": rng.uniform(-0.15, 0.3)}


def simulated_fixture(rng, n):
    model = salt2_model()
    out = []
    for k in range(n):
        truth = draw_truth(rng, 0.02, 59000)
        z = truth["z"]
        model.set(**truth)
        start = truth["t0"] + rng.uniform(-25, -3) * (1 + z)
        end = truth["t0"] + rng.uniform(15, 60) * (1 + z)
        bands = ["ztfg", "ztfr"] + (["ztfi"] if rng.uniform() < 0.3 else [])
        rows = []
        for band in bands:
            cadence = rng.uniform(1.5, 4.0)
            t = start + rng.uniform(0, cadence)
            while t < end:
                rows.append((t, band))
                t += cadence * rng.uniform(0.7, 1.3)
        rows.sort()
        time = np.array([r[0] for r in rows])
        band = [r[1] for r in rows]
        zp = rng.uniform(25.9, 26.4, len(rows))
        true_flux = model.bandflux(band, time, zp=zp, zpsys="ab")
        err = np.sqrt(rng.uniform(15, 40) ** 2 + 0.8 * np.abs(true_flux))
        flux = true_flux + rng.normal(0, 1, len(rows)) * err
        data = {"time": [float(x) for x in time], "band": band, "flux": [float(x) for x in flux],
                "fluxerr": [float(x) for x in err], "zp": [float(x) for x in zp],
                "zpsys": ["ab"] * len(rows)}
        rec = {"name": "sim-%03d" % k, "truth": {k2: float(v) for k2, v in truth.items()},
               "data": data, "fits": {}}
        rec["fits"]["zFixed"] = fit(data, {"z": z}, ["t0", "x0", "x1", "c"], {})
        rec["fits"]["product"] = fit(data, {}, ALL_PARAMS, PRODUCT_BOUNDS)
        snr = flux / err
        if np.any(snr >= 5):
            T = int(time[np.argmax(snr >= 5)])
            rec["fits"]["pittGoogle"] = fit(
                data, {}, ALL_PARAMS, dict(PRODUCT_BOUNDS, t0=(T - 10.0, T + 10.0)))
            rec["fits"]["pittGoogle"]["bounds"] = {"t0": [T - 10.0, T + 10.0]}
        out.append(rec)
    return out


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as fh:
        json.dump(obj, fh, separators=(",", ":"), allow_nan=False)
        fh.write("\n")
    print("wrote %s (%d bytes)" % (os.path.relpath(path, REPO), os.path.getsize(path)))


def main():
    os.makedirs(OUT, exist_ok=True)
    provenance = {"sncosmo": sncosmo.__version__, "iminuit": iminuit.__version__,
                  "numpy": np.__version__, "source": "salt2 v2.4",
                  "generator": "bench/salt2/generate_fixtures.py"}
    lcs = {"LC-A": lc_a(), "LC-B": lc_b(LN10_2_5), "LC-B-pg": lc_b(LN4),
           "example": sncosmo_example(), "20aai": hsf_20aai_ztf()}
    only = set(sys.argv[1:])

    def want(name):
        return not only or name in only

    if want("bandflux"):
        write("bandflux.json", {"provenance": provenance, "bands": bands_fixture(),
                                "cases": bandflux_fixture(np.random.default_rng(1))})
    if want("lightcurves"):
        write("lightcurves.json", {"provenance": provenance, "lightcurves": lcs})
    if want("chisq"):
        centers = [("LC-A", lcs["LC-A"], dict(z=0.05, t0=59000.0, x0=1.5e-3, x1=0.7, c=0.08)),
                   ("LC-B", lcs["LC-B"], dict(z=0.07, t0=59300.0, x0=9e-4, x1=-0.4, c=0.02)),
                   ("LC-B-pg", lcs["LC-B-pg"], dict(z=0.07, t0=59300.0, x0=9e-4, x1=-0.4, c=0.02)),
                   ("example", lcs["example"],
                    dict(z=0.5, t0=55100.0, x0=1.20482820761e-05, x1=0.5, c=0.2)),
                   ("20aai", lcs["20aai"], dict(z=0.03, t0=58873.3, x0=1.7e-3, x1=-2.0, c=-0.02))]
        write("chisq.json", {"provenance": provenance,
                             "cases": chisq_fixture(np.random.default_rng(2), centers)})
    if want("fits"):
        write("fits.json", {"provenance": provenance, "fits": named_fits(lcs),
                            "failures": failure_fixture(lcs)})
    if want("alerts"):
        write("alerts.json", {"provenance": provenance, "alerts": alerts_fixture()})
    if want("simulated"):
        write("simulated.json", {"provenance": provenance,
                                 "lightcurves": simulated_fixture(np.random.default_rng(3), 80)})


if __name__ == "__main__":
    main()
