"""Peak memory and wall time of ``debris identify`` on IOD files of 1, 10 and 50 MB.

    python scripts/bench_identify_memory.py [--sizes-mb 1 10 50] [--keep DIR]

The files hold simulated observations in IOD format 2 (5-observation tracks of random LEO
objects of the bundled catalogue seen from Sanglokh, 5" noise, 1-s along-track offsets;
about 65 bytes a line, so 10 MB is 160,000 observations): one night's worth is simulated and
repeated on the following nights (times shifted by whole days) to reach each size. Each file
is identified against the whole bundled catalogue (26,834 objects) by the command a user
runs, ``debris identify FILE --stations ST --format csv --output OUT``, in a process of its
own; its peak resident memory is read from the operating system (``getrusage`` of the
child) and printed with the wall time. Target (issue 22): a 10 MB file in under 500 MB.

No peer reads IOD files at this scale (find_orb and satfit work object by object), so the
figure stands on its own; before this change the same 10 MB file peaked at 3.5 GB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_observations import simulated_observations  # the same simulated night
from debris import Catalog
from debris.observations import iod_text
from debris.table import Table

STATION = "0193 SO   38.261139   69.217556   2300  Sanglokh\n"
_MEASURE = ("import resource, subprocess, sys; "
            "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
            "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def write_file(night: Table, path: Path, size_mb: float) -> int:
    """Write `night` on consecutive nights until the file reaches `size_mb`; lines written."""
    lines = 0
    with open(path, "w", encoding="utf-8") as handle:
        day = 0
        while handle.tell() < size_mb * 1e6:
            shifted = Table(dict(night.columns), dict(night.meta))
            shifted.columns["time"] = night["time"].shift_seconds(86400.0 * day)
            text = iod_text(shifted).replace(" 193 ", "0193 ")
            room = int(size_mb * 1e6) - handle.tell()
            full = len(text) > room
            if full:  # whole lines up to the size
                text = text[:text.rfind("\n", 0, room) + 1]
            handle.write(text)
            lines += text.count("\n")
            day += 1
            if full:
                break
    return lines


def measure(path: Path, stations: Path, output: Path) -> tuple[float, float, int]:
    """(peak MB, wall s, exit status) of ``debris identify`` on `path`."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "debris.cli", "identify",
               str(path), "--stations", str(stations), "--format", "csv", "--output",
               str(output)]
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    wall = time.perf_counter() - start
    return int(out[1]) / 1024.0, wall, int(out[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1.0, 10.0, 50.0])
    parser.add_argument("--keep", help="folder to keep the generated files in")
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="debris-identify-"))
    folder.mkdir(parents=True, exist_ok=True)
    night = simulated_observations(Catalog.bundled(), 16000, np.random.default_rng(5),
                                   draw=3000)
    stations = folder / "stations.txt"
    stations.write_text(STATION)
    print(f"{'file':>8} {'observations':>13} {'peak memory':>12} {'per 1000 obs':>13} "
          f"{'wall':>8}")
    for size in args.sizes_mb:
        path = folder / f"observations_{size:g}mb.iod"
        lines = write_file(night, path, size)
        peak, wall, code = measure(path, stations, folder / "identified.csv")
        print(f"{os.path.getsize(path) / 1e6:6.1f}MB {lines:13,d} {peak:9.0f} MB "
              f"{peak / lines * 1000:10.2f} MB {wall:7.1f}s"
              + ("" if code == 0 else f"  (exit status {code})"), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
