"""Benchmark: nightly passes for the whole bundled LEO catalogue, debris vs Skyfield.

Same input in one run: the bundled catalogue's LEO objects (22,542), a 12-hour night over
Dushanbe (2024-11-01 13:00 UTC + 12 h), minimum elevation 10 deg.

* debris: the whole ``debris passes`` command as a separate process - imports, catalogue
  parsing, propagation, events, visibility and magnitudes, JSON written to a file - timed
  wall-clock (median of ``--repeat`` runs, each listed), with the peak resident memory of
  its processes;
* Skyfield: ``EarthSatellite.find_events`` looped over a random sample of the same objects
  (rise/culmination/set only, no visibility), timed and scaled to the full count;
* then debris with three sites in one run (Dushanbe, Hissar, Sanglokh).

Usage::

    python scripts/bench_passes.py [--sample 1000] [--repeat 3] [--backend auto|sgp4|heyoka|numba]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

START = "2024-11-01T13:00:00Z"
HOURS = 12.0


def run_debris_median(sites, backend, repeat) -> tuple[float, list, float, int]:
    """Median wall time of `repeat` whole ``debris passes`` processes (and all of them)."""
    runs = [run_debris(sites, backend) for _ in range(repeat)]
    times = sorted(r[0] for r in runs)
    return statistics.median(times), times, max(r[1] for r in runs), runs[0][2]


def run_debris(sites, backend) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "passes.json")
        argv = [sys.executable, "-m", "debris.cli", "passes", "--start", START, "--hours",
                str(HOURS), "--format", "json", "--output", out, "--backend", backend]
        for site in sites:
            argv += ["--site", site]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with open(out) as handle:
            doc = json.load(handle)
    return elapsed, max(peak, before) / 1024.0, len(doc["passes"])


def run_skyfield(sample: int) -> tuple[float, int, int, int]:
    import numpy as np
    from skyfield.api import EarthSatellite, wgs84

    from debris import Catalog, get_site, to_times
    from debris.timescale import skyfield_time, skyfield_timescale

    leo = Catalog.bundled().filter(leo=True)
    rng = np.random.default_rng(1)
    rows = rng.choice(len(leo), min(sample, len(leo)), replace=False)
    ts = skyfield_timescale()
    site = get_site("dushanbe")
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    t0 = skyfield_time(to_times(START))[0]
    t1 = skyfield_time(to_times(START).shift_seconds(HOURS * 3600.0))[0]
    sats = [EarthSatellite.from_satrec(leo.satrecs[i], ts) for i in rows]
    start = time.perf_counter()
    rises = 0
    for sat in sats:
        times, kinds = sat.find_events(here, t0, t1, altitude_degrees=10.0)
        rises += int((kinds == 0).sum())
    return time.perf_counter() - start, len(rows), len(leo), rises


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1000,
                        help="objects Skyfield is timed on (scaled to the full count)")
    parser.add_argument("--backend", default="auto", choices=["auto", "sgp4", "heyoka", "numba"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="debris runs per case; the median is reported (this machine's "
                             "timings vary by +-20 %% from one run to the next)")
    args = parser.parse_args()
    from debris.propagation import get_backend

    backend = get_backend(args.backend).name
    print(f"machine: {os.cpu_count()} CPUs; debris backend: {backend}")
    print(f"window: {START} + {HOURS:g} h, min elevation 10 deg, bundled catalogue LEO objects")
    d1, runs1, mem1, n1 = run_debris_median(["dushanbe"], backend, args.repeat)
    sky_s, sampled, total, rises = run_skyfield(args.sample)
    sky_full = sky_s * total / sampled
    print(f"debris passes, 1 site:  {d1:7.2f} s  median of {args.repeat} runs "
          f"({', '.join(f'{t:.2f}' for t in runs1)} s; whole process: imports, parsing, "
          f"events, visibility, magnitudes, JSON; {n1} passes; peak RSS {mem1:.0f} MB)")
    print(f"skyfield find_events:   {sky_full:7.2f} s  (timed on {sampled} random objects: "
          f"{sky_s:.2f} s, scaled to {total}; {rises} rises in the sample)")
    print(f"ratio skyfield/debris:  {sky_full / d1:7.1f}x  (target >= 20x; "
          f"{sky_full / runs1[-1]:.1f}x against the slowest run)")
    d3, runs3, mem3, n3 = run_debris_median(["dushanbe", "hissar", "sanglokh"], backend,
                                            args.repeat)
    print(f"debris passes, 3 sites: {d3:7.2f} s  median of {args.repeat} runs "
          f"({', '.join(f'{t:.2f}' for t in runs3)} s; {n3} passes; peak RSS {mem3:.0f} MB); "
          f"cost vs 1 site: {d3 / d1:.2f}x (target well under 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
