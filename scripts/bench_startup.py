"""Start-up time of ``import debris`` and of the command line, two versions side by side.

    python scripts/bench_startup.py --before REF [--runs 25]

The old version is checked out with ``git worktree`` into a temporary folder; both source
trees are byte-compiled first (as ``pip install`` does), then ``python -X importtime -c
"import debris"`` and ``... "import debris.cli"`` (what ``debris --version`` loads) run
alternately, `--runs` times each, and the median cumulative import time is printed with the
ratio. Timing the imports inside the interpreter leaves out the interpreter's own start,
which is the same for both.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULES = ("debris", "debris.cli")


def import_time_s(src: Path, module: str) -> float:
    """Cumulative import time of `module` from the sources in `src` (one fresh process)."""
    env = dict(os.environ, PYTHONPATH=str(src))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         env=env, capture_output=True, text=True, check=True).stderr
    line = [row for row in err.splitlines() if row.split("|")[-1].strip() == module][-1]
    return int(line.split("|")[1]) / 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git ref of the old version")
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="debris-startup-") as tmp:
        old = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old),
                        args.before], check=True, capture_output=True)
        try:
            trees = {"before": old / "src", "after": REPO / "src"}
            for src in trees.values():
                compileall.compile_dir(src / "debris", quiet=1)
            times = {(name, m): [] for name in trees for m in MODULES}
            for _ in range(args.runs):
                for name, src in trees.items():
                    for module in MODULES:
                        times[(name, module)].append(import_time_s(src, module))
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)],
                           capture_output=True)
    for module in MODULES:
        before = statistics.median(times[("before", module)])
        after = statistics.median(times[("after", module)])
        print(f"import {module:11s} before {before * 1e3:6.1f} ms  after {after * 1e3:6.1f} ms"
              f"  after/before {after / before:.3f}  (median of {args.runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
