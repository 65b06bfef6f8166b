"""Observations: identification against the whole catalogue, and one object's orbit fit.

    python scripts/bench_observations.py [--observations 1000] [--fit-observations 50]

1. **Identification**: ``--observations`` simulated observations (5-observation tracks of
   random LEO objects visible from Sanglokh on the night of 2024-11-01, 5" noise, 1-s
   along-track offsets) against the whole bundled catalogue (26,834 objects), debris'
   ``identify`` (catalogue already loaded; compiled kernels from their cache: a first run
   compiles them once). The peer is the obvious approach with the reference propagator:
   python-sgp4's ``SatrecArray`` evaluating every object at every observation time (only
   that propagation is timed, on a tenth of the times, and scaled: a lower bound of its
   cost). Target: 1,000 observations within 5 s on two cores.
2. **Fit**: one object (an SL-8 rocket body) from ``--fit-observations`` observations over
   two nights, starting 100 km along the track off, debris' ``fit_orbit`` against SciPy's
   ``least_squares`` (Levenberg-Marquardt, MINPACK) minimising the same residuals from the
   same start. Target: 0.2 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import least_squares
from sgp4.api import SatrecArray

from debris import Catalog, get_site, identify
from debris.observations import (fit_orbit, load_stations, observation_geometry,
                                 simulate_catalog_tracks, simulate_tracks, sgp4_truth)
from debris.observations.elements import satrec_from_x, x_from_satrec
from debris.observations.fit import _Problem
from debris.table import Table

START = "2024-11-01T12:00:00Z"


def simulated_observations(catalog, count, rng, draw: int = 600):
    """`count` simulated observations of random LEO objects (`draw` objects at a time) seen
    from Sanglokh on the night of 2024-11-01 (station 193, 5" noise, 1-s along-track
    offsets)."""
    site = get_site("sanglokh")
    leo = np.flatnonzero(catalog.is_leo())
    tables, total = [], 0
    while total < count:
        table = simulate_catalog_tracks(catalog, rng.choice(leo, draw, replace=False), site,
                                        "193", START, 14, noise_arcsec=5,
                                        along_track_sigma_s=1.0, rng=rng)
        tables.append(table)
        total += len(table)
    table = Table.concat(tables).take(np.arange(count))
    table.meta["rejected"] = []
    return table


def bench_identify(catalog, count, rng) -> None:
    obs = simulated_observations(catalog, count, rng)
    stations = load_stations()
    identify(obs.take(np.arange(10)), catalog, stations)  # kernels loaded, catalogue prepared
    start = time.perf_counter()
    table, tracks = identify(obs, catalog, stations)
    ours = time.perf_counter() - start
    right = np.mean(tracks["norad_id"] == tracks["reported_norad_id"])
    times = obs["time"][np.arange(0, count, 10)]
    array = SatrecArray(catalog.satrecs)
    start = time.perf_counter()
    array.sgp4(times.jd, times.fr)
    peer = (time.perf_counter() - start) * count / len(times)
    print(f"identify {count} observations ({len(tracks)} tracks) against {len(catalog)} "
          f"objects: debris {ours:.2f} s ({right:.1%} of tracks identified as simulated); "
          f"python-sgp4 SatrecArray at every observation time (propagation only) "
          f"{peer:.1f} s; ratio {peer / ours:.1f}x")


def bench_fit(catalog, count, rng) -> None:
    k = catalog.index_of(4391)
    sat = catalog.satrecs[k]
    site = get_site("sanglokh")
    obs = simulate_tracks(sgp4_truth(sat), site, "193", START, 40, track_s=120, step_s=10,
                          noise_arcsec=2.0, rng=rng)
    obs = obs.take(np.linspace(0, len(obs) - 1, count).astype(int))
    stations = load_stations()
    geometry = observation_geometry(obs, stations)
    x = x_from_satrec(sat)
    x[5] += 100.0 / np.linalg.norm(sat.sgp4(sat.jdsatepoch, sat.jdsatepochF)[1])
    begin = satrec_from_x(x, sat.jdsatepoch, sat.jdsatepochF, 4391)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        fit = fit_orbit(geometry, begin, sigma_arcsec=obs["sigma_arcsec"], norad_id=4391)
        runs.append(time.perf_counter() - start)
    ours = min(runs)
    # SciPy on the same residuals, from the same start carried to the same epoch.
    problem = _Problem(geometry, obs["sigma_arcsec"], (geometry.times.jd[-1],
                                                       geometry.times.fr[-1]), 4391)
    x0 = x_from_satrec(fit.unrounded).copy()
    x0[:6] = x_from_satrec(_carried(begin, problem))[:6]
    rows = np.arange(len(obs))
    start = time.perf_counter()
    result = least_squares(lambda p: problem.residual(np.r_[p, x0[6]], rows), x0[:6],
                           method="lm", x_scale="jac")
    peer = time.perf_counter() - start
    east, north = result.fun.reshape(2, -1)
    rms_peer = float(np.sqrt(np.mean(east ** 2 + north ** 2))) * 2.0  # sigma 2"
    days = np.ptp(geometry.times.seconds_since(geometry.times)) / 86400.0
    print(f"fit {count} observations over {days:.1f} days from 100 km off: debris "
          f"{ours * 1000:.0f} ms (RMS {fit.rms_arcsec:.2f}\", {fit.iterations} iterations); "
          f"SciPy least_squares(lm) {peer * 1000:.0f} ms ({result.nfev} evaluations, RMS "
          f"{rms_peer:.2f}\"); ratio {peer / ours:.1f}x")


def _carried(start, problem):
    from debris.observations.elements import mean_elements_from_state  # bench helper

    _, r, v = start.sgp4(*problem.epoch)
    return satrec_from_x(mean_elements_from_state(r, v, *problem.epoch, start.bstar),
                         *problem.epoch)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1000)
    parser.add_argument("--fit-observations", type=int, default=50)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(11)
    catalog = Catalog.bundled()
    bench_identify(catalog, args.observations, rng)
    bench_fit(catalog, args.fit_observations, rng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
