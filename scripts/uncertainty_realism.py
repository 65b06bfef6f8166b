"""Covariance realism of element-set predictions on real histories with manoeuvre truth.

    python scripts/uncertainty_realism.py [FOLDER] [--regimes CSV]

For each ``NAME.tle`` with a ``manoeuvres_NAME.yaml`` beside it (default: the six LEO
histories of Shorten et al.'s benchmark copied into ``tests/data/history``): every set is
predicted to the epochs of the sets of the next 10 days (pairs across an operator's
manoeuvre left out), and every 30 days a model fitted on the previous 365 days'
errors (:func:`debris.uncertainty.fit_uncertainty`) is judged on the next 30 days' errors,
which it never saw, beside the screening's fixed covariance (RTN 0.1/0.5/0.1 km growing
0.05/1.0/0.05 km per day). Printed per satellite and overall at 1, 3 and 7 days: the median
squared Mahalanobis distance (ideal 2.37; the issue's standard: within a factor 1.5) and
the fraction inside the 95 % ellipsoid (ideal 0.95; standard 0.90-0.98).

Then the regime prior, judged leave-one-out: each satellite's errors at the prior made from
the other satellites' models (fitted on their whole histories), as an object without a
history of its own would get it. ``--regimes CSV`` writes those models as the bundled regime
table (``tle/uncertainty_regimes.csv``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    regimes = None
    if "--regimes" in argv:
        at = argv.index("--regimes")
        regimes = Path(argv[at + 1])
        del argv[at:at + 2]
    folder = Path(argv[0]) if argv else REPO / "tests" / "data" / "history"
    sys.path.insert(0, str(REPO / "src"))
    from debris.uncertainty import (CHI2_3_95, RegimePrior, fit_uncertainty,
                                    history_differences, read_history, read_manoeuvres,
                                    realism, rolling_realism)

    rows, pooled = [], {"d2": [], "age": []}
    regime_rows, kept = [], []
    for path in sorted(folder.glob("*.tle")):
        manoeuvres = path.with_name(f"manoeuvres_{path.stem}.yaml")
        if not manoeuvres.exists():
            continue
        began = time.perf_counter()
        history = read_history(path)
        diffs = history_differences(history, manoeuvres=read_manoeuvres(manoeuvres))
        result = rolling_realism(history, diffs)
        pooled["d2"].append(result["d2"])
        pooled["age"].append(result["age_days"])
        rows.append((path.stem, len(history.satrecs), len(diffs.age_days), result,
                     time.perf_counter() - began))
        whole = fit_uncertainty(diffs, history.norad_id)
        regime_rows.append(RegimePrior.row(whole, history.satrecs[-1], path.stem))
        kept.append((path.stem, history, diffs))
    print("median d2 (ideal 2.37) and share inside the 95 % ellipsoid (ideal 0.95), "
          "rolling 365-day models judged on the next 30 days")
    print(f"{'satellite':13s} {'sets':>5s} {'errors':>7s}  "
          + "  ".join(f"{f'{a:g} d: ours':>16s} {'default':>13s}" for a in (1, 3, 7)))
    for name, sets, errors, result, seconds in rows:
        cells = "  ".join(f"{m['median_d2']:6.2f} {m['inside_95']:5.3f}    "
                          f"{d['median_d2']:6.2f} {d['inside_95']:5.3f}"
                          for m, d in zip(result["model"], result["default"]))
        print(f"{name:13s} {sets:5d} {errors:7d}  {cells}   ({seconds:.1f} s)")
    d2, age = np.concatenate(pooled["d2"]), np.concatenate(pooled["age"])
    cells = []
    for a in (1.0, 3.0, 7.0):
        near = np.abs(age - a) <= 0.5
        cells.append(f"{np.median(d2[near]):6.2f} {np.mean(d2[near] <= CHI2_3_95):5.3f}")
    print(f"{'all':13s} {'':5s} {len(d2):7d}  " + "  ".join(f"{c}{'':19s}" for c in cells))
    prior = RegimePrior(regime_rows)
    print("\nregime prior, leave-one-out (the other satellites' models): median d2 and share "
          "inside the 95 % ellipsoid at 1, 3, 7 days")
    for name, history, diffs in kept:
        model = prior.model_for(history.satrecs[-1])
        if model is None:
            print(f"{name:13s} no other satellite in its regime (the default model)")
            continue
        cells = "  ".join(f"{m['median_d2']:6.2f} {m['inside_95']:5.3f}"
                          for m in realism(diffs, model))
        print(f"{name:13s} {cells}   ({model.objects} objects)")
    if regimes is not None:
        write_regimes(regimes, regime_rows)
        print(f"\nwrote {regimes} ({len(regime_rows)} objects)")
    return 0


def write_regimes(path: Path, rows) -> None:
    """The regime table: each object's model fitted on its whole history (operators'
    manoeuvres left out), with its latest set's regime."""
    columns = list(rows[0])
    lines = ["# Element-set uncertainty models of public histories (debris.uncertainty."
             "RegimePrior): sigma_k(age) = amp_k * age_days ** pow_k (km), RTN correlations.",
             "# Fitted by scripts/uncertainty_realism.py --regimes on Shorten et al.'s benchmark "
             "histories (Space-Track TLEs; manoeuvre times from the operators via the IDS).",
             ",".join(columns)]
    for row in rows:
        lines.append(",".join(row[c] if c == "name" else
                              (f"{row[c]:.0f}" if c in ("norad_id", "samples") else
                               f"{row[c]:.6g}") for c in columns))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
