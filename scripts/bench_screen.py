"""Benchmark: all-vs-all conjunction screening of the whole bundled catalogue, debris vs astroz.

Same input in one run: the bundled catalogue (26,834 objects, CelesTrak 2024-11-01), a window
starting 2024-11-01T00:00Z, threshold 5 km.

* debris: :func:`debris.screen` (broad phase, Hermite narrow phase, exact SGP4 TCA, RIC, Pc
  and max Pc for every conjunction), timed in-process after loading the catalogue, with the
  process's peak memory;
* astroz: ``astroz.screen`` (compiled SIMD SGP4/SDP4 screening, step 1 min, its own
  completeness bound) on the same element sets (written out as TLEs), timed the same way;
* then the two lists are matched (same pair, TCA within 1 s) and every approach that only
  one tool reports is checked with python-sgp4 (golden-section search on the exact
  distance): is it a real local minimum below the threshold inside the window?

Usage::

    python scripts/bench_screen.py [--hours 6] [--threshold-km 5]
    python scripts/bench_screen.py --catalog FILE --start 2024-07-05T00:00:00Z --leo --hours 24
    python scripts/bench_screen.py --catalog FILE --start 2024-07-05T00:00:00Z --leo --days 7
    python scripts/bench_screen.py --catalog FILE ... --days 7 --primary 25544,48274,20580

``--catalog`` screens another catalogue (a Space-Track snapshot, say) from ``--start``;
``--leo`` keeps its LEO objects (mean motion >= 11.25 rev/day).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import resource
import sys
import time

import numpy as np

START = "2024-11-01T00:00:00Z"


def _exact_min(sat1, sat2, t0, seconds, span):
    """Golden-section minimum of the exact SGP4 distance within +-30 s of `seconds`."""
    def dist(s):
        t = t0.shift_seconds(s)
        e1, r1, _ = sat1.sgp4(t.jd[0], t.fr[0])
        e2, r2, _ = sat2.sgp4(t.jd[0], t.fr[0])
        return math.dist(r1, r2) if e1 == 0 and e2 == 0 else math.inf

    a, b = max(seconds - 30.0, 0.0), min(seconds + 30.0, span)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        c, d = b - g * (b - a), a + g * (b - a)
        if dist(c) < dist(d):
            b = d
        else:
            a = c
    x = 0.5 * (a + b)
    interior = 1.0 < x < span - 1.0 and dist(x) <= min(dist(x - 1.0), dist(x + 1.0))
    _exact_min.last_flat = abs(dist(x - 30.0) - dist(x + 30.0)) < 1e-9 and dist(x) < 1e-6
    return x, dist(x), interior


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--days", type=float, help="the window in days (instead of --hours)")
    parser.add_argument("--threshold-km", type=float, default=5.0)
    parser.add_argument("--catalog", help="catalogue file (default: the bundled one)")
    parser.add_argument("--start", default=START, help="window start, ISO-8601 UTC")
    parser.add_argument("--leo", action="store_true", help="screen the LEO objects only")
    parser.add_argument("--primary", help="NORAD ids, comma-separated: screen these against "
                        "the catalogue (astroz: its `target` option) instead of all-vs-all")
    args = parser.parse_args()
    if args.days is not None:
        args.hours = 24.0 * args.days

    import debris
    from debris.propagation import get_backend

    catalog = (debris.Catalog.from_file(args.catalog) if args.catalog
               else debris.Catalog.bundled())
    if args.leo:
        catalog = catalog.filter(leo=True)
    t0 = debris.to_times(args.start)
    span = args.hours * 3600.0
    source = args.catalog or "bundled, CelesTrak 2024-11-01"
    print(f"machine: 2 CPUs; catalogue: {len(catalog)} objects ({source}"
          f"{', LEO' if args.leo else ''}); "
          f"window {args.start} + {args.hours:g} h; threshold {args.threshold_km:g} km; "
          f"debris propagation backend: {get_backend('auto').name}")

    # Warm-up on a tiny case so that numba's compile/cache load is not in the timing of
    # either tool (astroz compiles nothing at run time): near-Earth and deep-space objects,
    # a threshold wide enough for conjunctions (their assessment compiles too).
    deep = np.flatnonzero(catalog.mean_motion_rev_day < 6.4)[:20]
    debris.screen(catalog.subset(np.concatenate([np.arange(50), deep])), t0,
                  t0.shift_seconds(600.0), 2000.0)
    primaries = [int(x) for x in args.primary.split(",")] if args.primary else None
    if primaries:
        print(f"primaries: {primaries}")
        debris.screen(catalog.subset(np.arange(50)), t0, t0.shift_seconds(600.0), 5.0,
                      primaries=catalog.norad_id[:1].tolist())
    start = time.perf_counter()
    ours = debris.screen(catalog, t0, t0.shift_seconds(span), args.threshold_km,
                         primaries=primaries)
    ours_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"debris screen:  {ours_s:7.2f} s  {len(ours)} conjunctions (with RIC, Pc, max Pc); "
          f"process peak RSS {peak_mb:.0f} MB")

    try:
        import astroz
    except ImportError:
        print("astroz is not installed (pip install astroz): no comparison")
        return 0
    from sgp4.exporter import export_tle

    lines = []
    for name, sat in zip(catalog.name, catalog.satrecs):
        line1, line2 = export_tle(sat)
        lines += [str(name)[:24] or "UNKNOWN", line1, line2]
    constellation = astroz.Constellation("\n".join(lines) + "\n")
    if constellation.num_satellites != len(catalog):
        print(f"astroz read {constellation.num_satellites} of {len(catalog)} objects")
    start = time.perf_counter()
    target = None
    if primaries:
        index = {int(n): k for k, n in enumerate(constellation.satnums)}
        target = [index[n] for n in primaries]
    theirs = astroz.screen(constellation, args.hours * 60.0, threshold=args.threshold_km,
                           step=1.0, target=target, start_time=dt.datetime.fromisoformat(
                               args.start.replace("Z", "+00:00")))
    theirs_s = time.perf_counter() - start
    print(f"astroz screen:  {theirs_s:7.2f} s  {len(theirs.i)} approaches (pair, time, "
          "distance, speed)")
    print(f"ratio astroz/debris: {theirs_s / ours_s:.2f}x")

    # Agreement (astroz indexes its own output order: map through its satnums)
    ids = np.asarray(constellation.satnums)
    tca = ours["tca_utc"].seconds_since(t0)
    mine = {}
    for a, b, t in zip(ours["norad_id_1"].tolist(), ours["norad_id_2"].tolist(), tca):
        mine.setdefault((min(a, b), max(a, b)), []).append(t)
    other = {}
    for i, j, t in zip(np.asarray(theirs.i), np.asarray(theirs.j), np.asarray(theirs.time)):
        a, b = int(ids[i]), int(ids[j])
        other.setdefault((min(a, b), max(a, b)), []).append(float(t) * 60.0)

    def unmatched(x, y, window):
        out = []
        for pair, times in x.items():
            for t in times:
                if not any(abs(t - u) <= window for u in y.get(pair, [])):
                    out.append((pair, t))
        return out

    only_ours, only_theirs = unmatched(mine, other, 1.0), unmatched(other, mine, 1.0)
    print(f"matched (same pair, TCA within 1 s): {len(tca) - len(only_ours)}; "
          f"only debris: {len(only_ours)}; only astroz: {len(only_theirs)}")
    loose = unmatched(mine, other, 60.0)
    print(f"  of debris' unmatched, {len(only_ours) - len(loose)} have an astroz entry for the "
          "same pair within 60 s (co-moving pairs whose distance is flat to millimetres: "
          "their TCA is not defined to the second)")
    rows = {int(n): k for k, n in enumerate(catalog.norad_id.tolist())}
    for label, items in (("only debris", only_ours), ("only astroz", only_theirs)):
        real = edge = above = constant = 0
        for n, ((a, b), t) in enumerate(items):
            x, d, interior = _exact_min(catalog.satrecs[rows[a]], catalog.satrecs[rows[b]],
                                        t0, t, span)
            flat = _exact_min.last_flat
            if n < 5 or (interior and not flat and d <= args.threshold_km):
                print(f"    {label}: NORAD {a} x {b} at t = {t:.3f} s; exact search: "
                      f"{d:.4f} km at {x:.3f} s, interior minimum: {interior}")
            if flat:
                constant += 1
            elif not interior:
                edge += 1
            elif d <= args.threshold_km:
                real += 1
            else:
                above += 1
        if items:
            print(f"  {label}: exact SGP4 says {real} real approaches below the threshold, "
                  f"{above} minima above it, {edge} not a minimum inside the window, "
                  f"{constant} pairs whose distance does not change (identical elements: "
                  "docked objects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
