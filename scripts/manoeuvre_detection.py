"""Manoeuvres found in real element-set histories, scored against the operators' times.

    python scripts/manoeuvre_detection.py [FOLDER]

For each ``NAME.tle`` with a ``manoeuvres_NAME.yaml`` beside it (default: the six LEO
histories of Shorten et al.'s benchmark copied into ``tests/data/history``), the sets are
run through :func:`debris.manoeuvres.detect_manoeuvres` and scored with
:func:`debris.manoeuvres.score_manoeuvres`: a flag is right when an operator's manoeuvre lies
between the set before the flagged one and the set after. Printed per satellite and pooled:
flags, right flags, manoeuvres, found, precision and recall, beside the jump rule alone (a
semi-major axis jump of more than 0.5 km between sets: the archive's rule before).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else REPO / "tests" / "data" / "history"
    sys.path.insert(0, str(REPO / "src"))
    from debris.manoeuvres import detect_manoeuvres, jump_rule, score_manoeuvres
    from debris.uncertainty import read_history, read_manoeuvres

    print(f"{'satellite':13s} {'sets':>5s} {'flags':>5s} {'right':>5s} {'man.':>5s} "
          f"{'found':>5s} {'precision':>9s} {'recall':>6s}   jump rule alone   (seconds)")
    pooled = np.zeros((2, 4), int)
    for path in sorted(folder.glob("*.tle")):
        times = path.with_name(f"manoeuvres_{path.stem}.yaml")
        if not times.exists():
            continue
        history = read_history(path)
        truth = read_manoeuvres(times)
        began = time.perf_counter()
        ours = score_manoeuvres(detect_manoeuvres(history), history.epoch_jd, truth)
        seconds = time.perf_counter() - began
        rule = score_manoeuvres(jump_rule(history), history.epoch_jd, truth)
        for row, s in enumerate((ours, rule)):
            pooled[row] += [s["flags"], s["right"], s["manoeuvres"], s["found"]]
        print(f"{path.stem:13s} {len(history.satrecs):5d} {ours['flags']:5d} "
              f"{ours['right']:5d} {ours['manoeuvres']:5d} {ours['found']:5d} "
              f"{ours['precision']:9.2f} {ours['recall']:6.2f}   "
              f"{rule['precision']:.2f} / {rule['recall']:.2f}        ({seconds:.2f})")
    (f, r, m, n), (f0, r0, m0, n0) = pooled
    print(f"{'pooled':13s} {'':5s} {f:5d} {r:5d} {m:5d} {n:5d} {r / f:9.2f} {n / m:6.2f}   "
          f"{r0 / f0:.2f} / {n0 / m0:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
