"""Benchmark: the full bundled catalogue over one day at 60 s, debris vs plain python-sgp4.

Each case runs in its own fresh process (so peak memory is its own) on the same input:

* ``python-sgp4``       one ``SatrecArray.sgp4`` call over all objects and times (the peer);
* ``debris sgp4``       ``debris.propagate(..., backend="sgp4")`` (forked workers);
* ``debris heyoka``     ``debris.propagate(..., backend="heyoka")`` (when installed);
* ``debris numba``      ``debris.propagate(..., backend="numba")`` (debris' compiled kernel);
* ``debris windowed``   ``debris.iter_propagate`` over 256 MB windows (bounded memory);
* then the near-Earth objects alone: python-sgp4's ``SatrecArray`` against debris' SIMD-lane
  kernel (:mod:`debris.propagation.sgp4_lanes`) writing into arrays allocated beforehand.

Prints the throughput (object-times per second), the ratio to python-sgp4 and the peak
resident memory of each case. Usage::

    python scripts/bench_propagation.py [--hours 24] [--step-s 60] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def run_case(case: str, hours: float, step_s: float) -> dict:

    from debris import Catalog, iter_propagate, propagate, time_range
    from debris.propagation import get_backend

    catalog = Catalog.bundled()
    times = time_range("2024-11-01T00:00:00Z", hours=hours, step_s=step_s)
    backend = None
    start = time.perf_counter()
    if case == "python-sgp4":
        from sgp4.api import SatrecArray

        array = SatrecArray(catalog.satrecs)
        e, r, v = array.sgp4(times.jd, times.fr)
        ok = int((e == 0).sum())
    elif case.startswith("near-"):  # near-Earth objects only, output arrays allocated first
        import numpy as np

        from debris.propagation.sgp4_lanes import propagate_grid

        engine = get_backend("numba")
        table, near = engine.prepared(catalog.satrecs)[:2]
        catalog = catalog.subset(near)
        n, t = len(catalog), len(times)
        r, v, e = np.empty((n, t, 3)), np.empty((n, t, 3)), np.zeros((n, t), np.int8)
        jd, fr = times.jd.astype(float), times.fr.astype(float)
        rows = np.arange(n)
        if case == "near-numba-kernel":
            backend = "numba"
            propagate_grid(table[:1], rows[:1], jd[:2], fr[:2], r, v, e)  # load the kernel
            r.fill(0.0), v.fill(0.0)  # touch the pages before the clock starts
            start = time.perf_counter()
            propagate_grid(table, rows, jd, fr, r, v, e)
        else:
            from sgp4.api import SatrecArray

            array = SatrecArray(catalog.satrecs)
            start = time.perf_counter()
            e, r, v = array.sgp4(jd, fr)
        ok = int((e == 0).sum())
    elif case == "debris-windowed":
        backend = get_backend("auto").name
        ok = 0
        for _, states in iter_propagate(catalog, times, max_bytes=256e6):
            ok += int((states.error == 0).sum())
    else:
        backend = case.split("-", 1)[1]
        if backend == "numba":  # load (or compile once into numba's cache) the kernel first
            propagate(catalog.subset([0]), times[0:2], backend="numba")
            start = time.perf_counter()
        states = propagate(catalog, times, backend=backend)
        ok = int((states.error == 0).sum())
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"case": case, "backend": backend, "objects": len(catalog), "times": len(times),
            "seconds": elapsed, "ok_states": ok, "peak_rss_mb": peak_kb / 1024.0,
            "worker_peak_rss_mb": child_kb / 1024.0,
            "rate": len(catalog) * len(times) / elapsed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--step-s", type=float, default=60.0)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.hours, args.step_s)))
        return 0
    import os

    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    results = []
    from debris.propagation import available_backends

    cases = ["python-sgp4", "debris-sgp4"] + [f"debris-{name}" for name in ("heyoka", "numba")
                                              if name in available_backends()]
    for case in cases + ["debris-windowed"]:
        out = subprocess.run([sys.executable, __file__, "--case", case, "--hours", str(args.hours),
                              "--step-s", str(args.step_s)], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{case}: failed\n{out.stderr}", file=sys.stderr)
            return 1
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    near = []
    for case in ("near-python-sgp4", "near-numba-kernel"):
        out = subprocess.run([sys.executable, __file__, "--case", case, "--hours", str(args.hours),
                              "--step-s", str(args.step_s)], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{case}: failed\n{out.stderr}", file=sys.stderr)
            return 1
        near.append(json.loads(out.stdout.strip().splitlines()[-1]))
    peer = results[0]
    print(f"input: bundled catalogue, {peer['objects']} objects x {peer['times']} times "
          f"({args.hours:g} h at {args.step_s:g} s) = {peer['objects'] * peer['times']:,} "
          "propagations")
    print(f"{'case':<18} {'backend':<8} {'seconds':>8} {'M prop/s':>9} {'vs sgp4':>8} "
          f"{'peak MB':>8} {'worker MB':>9}")
    for r in results:
        print(f"{r['case']:<18} {r['backend'] or '-':<8} {r['seconds']:8.2f} {r['rate'] / 1e6:9.2f} "
              f"{r['rate'] / peer['rate']:7.2f}x {r['peak_rss_mb']:8.0f} {r['worker_peak_rss_mb']:9.0f}")
    print("peak MB: the process's peak resident memory; worker MB: the largest forked SGP4 "
          "worker's, which shares the parent's pages (not additive)")
    print(f"near-Earth objects only ({near[0]['objects']} x {near[0]['times']}), kernel time "
          "with the output arrays allocated beforehand:")
    for r in near:
        print(f"  {r['case']:<18} {r['seconds']:8.2f} s {r['rate'] / 1e6:9.2f} M prop/s "
              f"{r['rate'] / near[0]['rate']:7.2f}x")
    if len({r["ok_states"] for r in results}) != 1:
        print("WARNING: the cases disagree on the number of successful states", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
