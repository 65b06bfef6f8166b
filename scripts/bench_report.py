"""The nightly report stage on the README's example night: time and size.

    python scripts/bench_report.py [--folder DIR]

Runs ``examples/nightly_tajikistan.toml`` for the night of 2024-11-01 offline on the bundled
catalogue (26,834 objects, three sites, the 0.5 m telescope's schedule) and times the two
parts of its report stage as the pipeline calls them: the HTML (``render_report``) and the
PNG charts (``write_png_charts``), and prints the report's size. Run it on an earlier
revision (``git worktree add``) to compare: the issue's target is the stage 3 times faster
and the file smaller than the 1.9 MB of the version that drew every pass.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", help="where the night goes (default: a temporary one)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    import debris.nightly as nightly  # this checkout's, not an installed one

    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench_report_"))
    folder.mkdir(parents=True, exist_ok=True)
    text = (REPO / "examples" / "nightly_tajikistan.toml").read_text()
    text = text.replace('output_folder = "../nightly"', f'output_folder = "{folder / "out"}"')
    text = text.replace('catalog = "../tle/', f'catalog = "{REPO / "tle"}/')
    text = text.replace('telescope_file = "telescope_dushanbe.toml"',
                        f'telescope_file = "{REPO / "examples" / "telescope_dushanbe.toml"}"')
    text = re.sub(r"(?m)^archive = .*$", "", text)
    config = folder / "nightly.toml"
    config.write_text(text)
    spent = {}

    def timed(name, func):
        def wrapper(*a, **k):
            began = time.perf_counter()
            try:
                return func(*a, **k)
            finally:
                spent[name] = time.perf_counter() - began
        return wrapper

    nightly.render_report = timed("html", nightly.render_report)
    nightly.write_png_charts = timed("png", nightly.write_png_charts)
    began = time.perf_counter()
    out = nightly.run_nightly(config, night="2024-11-01", offline=True)
    total = time.perf_counter() - began
    size = (out / "report.html").stat().st_size
    print(f"example night 2024-11-01 (26,834 objects, 3 sites): whole run {total:.1f} s")
    print(f"report stage: {spent['html'] + spent['png']:.2f} s (HTML {spent['html']:.2f} s, "
          f"PNG charts {spent['png']:.2f} s); report.html {size / 1e6:.2f} MB")
    print(f"outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
