"""First run after installing: the README's first command in a fresh virtual environment.

    python scripts/bench_first_run.py [--keep]

Creates a virtual environment in a temporary folder, installs debris there exactly as the
README's first command does (``pip install .``; the install is timed but not counted), with
an empty kernel cache of its own (``DEBRIS_CACHE_DIR`` in the temporary folder), then runs the
README's command (``debris passes --site dushanbe --night 2024-11-01 --visible-only``) three
times: the first run compiles debris' numba kernels (its stderr line is shown), the next two
load them from the cache. Then debris is installed again over itself, as the README's second
command does (``pip install '.[test]'`` rewrites every file of the same version), and the
command runs once more: the cache (outside the install, :mod:`debris.kernel_cache`) must
still serve it. Targets: the first run within 20 s on two cores, compilation included; the
run after the reinstall as fast as a cached one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMAND = ["passes", "--site", "dushanbe", "--night", "2024-11-01", "--visible-only"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the virtual environment")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="debris-first-run-"))
    try:
        venv = folder / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        start = time.perf_counter()
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(REPO)], check=True,
                       cwd=folder)
        print(f"pip install .          {time.perf_counter() - start:6.1f} s (not counted)")
        env = dict(os.environ, DEBRIS_CACHE_DIR=str(folder / "cache"))
        env.pop("NUMBA_CACHE_DIR", None)
        for run in range(4):
            if run == 3:
                start = time.perf_counter()
                subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--force-reinstall",
                                "--no-deps", str(REPO)], check=True, cwd=folder)
                print(f"pip install again      {time.perf_counter() - start:6.1f} s "
                      "(not counted)")
            start = time.perf_counter()
            done = subprocess.run([str(venv / "bin" / "debris"), *COMMAND], cwd=folder, env=env,
                                  capture_output=True, text=True)
            took = time.perf_counter() - start
            rows = max(0, len(done.stdout.splitlines()) - 2)
            label = ("first run (compiles)" if run == 0 else "after the reinstall"
                     if run == 3 else f"run {run + 1} (cached)")
            print(f"{label:22s} {took:6.1f} s  exit {done.returncode}, ~{rows} table lines")
            for line in done.stderr.splitlines():
                if "compiling" in line or run == 0:
                    print(f"    stderr: {line}")
        print(f"machine: {os.cpu_count()} CPUs; target: first run within 20 s")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
