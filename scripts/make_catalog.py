"""A synthetic LEO catalogue of N objects whose orbits follow the real catalogue's.

    python scripts/make_catalog.py N [--output FILE] [--seed 0]

Each object copies the mean motion, eccentricity, inclination and B* of a random LEO object
of the bundled catalogue (CelesTrak 2024-11-01), so altitudes, inclinations, eccentricities
and the shells of the large constellations (Starlink's 53 deg / 550 km, OneWeb's 87.9 deg /
1,200 km, ...) keep their real proportions; mean motion and inclination get a small jitter
(0.2 % and 0.05 deg) so no two objects are twins; node, argument of perigee and mean anomaly
are uniform. Epoch: 2024-11-01 00:00 UTC; NORAD numbers 1..N (Alpha-5 above 99999). For
scale tests of screening (scripts/bench_dask.py): 50k, 100k, 200k objects.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from debris import Catalog, to_times
from debris.observations.elements import satrec_from_x
from debris.tle import tle_lines


def make_catalog(n: int, seed: int = 0) -> list[str]:
    """3LE lines of `n` synthetic objects."""
    rng = np.random.default_rng(seed)
    leo = Catalog.bundled().filter(leo=True)
    leo = leo.subset(np.flatnonzero(leo.sgp4_init_error == 0))
    pick = rng.integers(0, len(leo), n)
    epoch = to_times("2024-11-01T00:00:00Z")
    lines = []
    for k, j in enumerate(pick, 1):
        sat = leo.satrecs[j]
        ecc = sat.ecco
        argp = rng.uniform(0, 2 * math.pi)
        x = [sat.no_kozai * (1 + rng.normal(0, 0.002)), ecc * math.cos(argp),
             ecc * math.sin(argp), min(max(sat.inclo + math.radians(rng.normal(0, 0.05)),
                                           0.0), math.pi),
             rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi), sat.bstar]
        synthetic = satrec_from_x(x, epoch.jd[0], epoch.fr[0], min(k, 99999))
        line1, line2 = tle_lines(synthetic, norad_id=k, intl_designator="2024-999A")
        lines += [f"SYNTHETIC {k}", line1, line2]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of objects (1..339999)")
    parser.add_argument("--output", default=None, help="3LE file (default: stdout)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not 1 <= args.n <= 339999:
        parser.error("N must be 1..339999 (the Alpha-5 range)")
    text = "\n".join(make_catalog(args.n, args.seed)) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
