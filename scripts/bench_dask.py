"""Screening on Dask: overhead on this machine, and the cost per window at scale.

    python scripts/bench_dask.py [--days 7] [--sizes 26834,50000,100000] [--skip-overhead]

1. The same all-vs-all screening (the bundled catalogue, 5 km, ``--days`` from 2024-11-01)
   in one process and on a ``LocalCluster`` of 2 worker processes (this machine's two
   cores), in one run: both times, the overhead, and whether the outputs are identical.
2. For each size (the bundled catalogue, then synthetic catalogues of
   ``scripts/make_catalog.py``): the seconds of one screening window (the task a worker
   runs; 256 MB of states, the default) and, from the windows a day needs, the CPU seconds
   per day of screening; the README derives the workers a 100k-object, 7-day screening needs
   to finish within 10 minutes from these.
3. With ``--scale N --hours H``: a synthetic catalogue of N objects (seed 7) screened for H
   hours at 5 km in one process and on a LocalCluster of 2 workers in one run, where
   everything after the broad phase (TCA refinement, RIC, Pc) is a large share: both
   times, the seconds per conjunction after the windows, and whether the outputs are
   identical. ``--scale 100000 --hours 24`` is the figure the README gives.
"""

from __future__ import annotations

import argparse
import time


from debris import Catalog, screen, to_times
from debris.conjunctions.screening import window_bounds, window_candidates
from debris.io.tables import table_to_csv

START = "2024-11-01T00:00:00Z"
STEP_S = 60.0
MAX_BYTES = 256e6


def overhead(days: float) -> None:
    from debris.cluster import connect

    catalog = Catalog.bundled()
    end = to_times(START).shift_seconds(days * 86400.0)
    began = time.perf_counter()
    one = screen(catalog, START, end, 5.0)
    single = time.perf_counter() - began
    with connect("local:2") as executor:
        screen(catalog, START, to_times(START).shift_seconds(600.0), 5.0, executor=executor)
        began = time.perf_counter()  # workers started and their kernels loaded
        two = screen(catalog, START, end, 5.0, executor=executor)
        dask = time.perf_counter() - began
    same = table_to_csv(one) == table_to_csv(two)
    print(f"{len(catalog)} objects, {days:g} days, 5 km: one process {single:.1f} s, "
          f"LocalCluster of 2 workers {dask:.1f} s (overhead {100 * (dask / single - 1):+.1f} "
          f"%), {len(one)} conjunctions, outputs identical: {same}")


def per_window(sizes) -> None:
    from make_catalog import make_catalog  # scripts/ beside this one

    for n in sizes:
        if n == 26834:
            catalog, label = Catalog.bundled(), "bundled"
        else:
            catalog = Catalog.from_tle_lines(make_catalog(n, seed=1), source=f"synthetic {n}")
            label = "synthetic"
        n_steps = int(86400 / STEP_S)
        bounds = window_bounds(len(catalog), n_steps, MAX_BYTES)
        a, b = bounds[0]
        t0 = to_times(START)
        window_candidates(catalog, t0, 0, 2, STEP_S, 5.0, None, "auto")  # kernels loaded
        began = time.perf_counter()
        window_candidates(catalog, t0, a, b, STEP_S, 5.0, None, "auto")
        cost = time.perf_counter() - began
        per_day = cost * n_steps / (b - a)
        print(f"{len(catalog):>7} objects ({label}): a window of {b - a} minutes costs "
              f"{cost:.1f} s; {len(bounds)} windows per day, {per_day:.0f} s per day of "
              f"screening on this machine")


def scale(n: int, hours: float) -> None:
    from make_catalog import make_catalog  # scripts/ beside this one

    from debris.cluster import connect

    catalog = Catalog.from_tle_lines(make_catalog(n, seed=7), source=f"synthetic {n}")
    end = to_times(START).shift_seconds(hours * 3600.0)
    screen(catalog, START, to_times(START).shift_seconds(120.0), 5.0)  # kernels loaded
    marks = []
    began = time.perf_counter()
    one = screen(catalog, START, end, 5.0,
                 progress=lambda done, total: marks.append(time.perf_counter()))
    single = time.perf_counter() - began
    after = time.perf_counter() - marks[-1]
    with connect("local:2") as executor:
        screen(catalog, START, to_times(START).shift_seconds(120.0), 5.0, executor=executor)
        began = time.perf_counter()
        two = screen(catalog, START, end, 5.0, executor=executor)
        dask = time.perf_counter() - began
    same = table_to_csv(one) == table_to_csv(two)
    print(f"{n} synthetic objects, {hours:g} h, 5 km: {len(one)} conjunctions "
          f"({one.meta['candidates_refined']} candidates refined); one process {single:.1f} s "
          f"(after the windows {after:.1f} s: {1000 * after / max(len(one), 1):.3f} ms per "
          f"conjunction), LocalCluster of 2 workers {dask:.1f} s (ratio "
          f"{dask / single:.2f}), outputs identical: {same}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--sizes", default="26834,50000,100000")
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--scale", type=int, default=0,
                        help="only the one-process/cluster comparison on N synthetic objects")
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args(argv)
    if args.scale:
        scale(args.scale, args.hours)
        return 0
    if not args.skip_overhead:
        overhead(args.days)
    per_window([int(s) for s in args.sizes.split(",")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
