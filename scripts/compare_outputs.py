"""Run the README's example commands on two versions of debris and compare their outputs.

    python scripts/compare_outputs.py --before REF [--after REF] [--quick] [--keep DIR]

Each version is checked out with ``git worktree`` into a temporary folder (the working tree
itself is used for ``--after`` when it is not given) and run with its own ``src/`` first on
``PYTHONPATH``, so both use this environment's dependencies. The commands are the README's:
passes (table, JSON, CSV), crossings, screen (all-vs-all JSON, the Iridium/Cosmos case with a
site, primaries as CDMs), pc on the CDMs, schedule (JSON and pointing tracks), ephemeris (OEM),
catalog info and the offline nightly run.

Outputs are compared file by file: byte for byte first; where the bytes differ, JSON, CSV,
CDM/OEM (KVN) and text are parsed and compared field by field, text exactly and numbers with
a relative tolerance (``--rtol``, default 1e-9), after masking what changes from run to run
(creation times, wall times, log time stamps). Every file is listed with its verdict and, for
numbers that differ at all, the largest difference. Exit status 0 when every file is
identical or within the tolerance, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNNER = "import sys; from debris.cli import main; sys.exit(main(sys.argv[1:]))"

#: Lines or fields that differ from run to run whatever the code (creation times, timings).
_VOLATILE = re.compile(r"(created_utc|CREATION_DATE|wall time \(s\)|wall_time_s|"
                       r"night's outputs in|report written \(\d+ PNG charts\))")
_LOG_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _commands(tle: Path, tmp: Path, quick: bool):
    """(name, argv, outputs) of the README's examples; outputs relative to the run folder."""
    night = ["--night", "2024-11-01"]
    iridium = str(tle / "iridium33_cosmos2251_2009-02-10_original_elset.3le")
    out = [
        ("passes_table", ["passes", "--site", "dushanbe", *night, "--visible-only"], []),
        ("passes_json", ["passes", "--site", "sanglokh", "--site", "38.5,68.8,800",
                         "--start", "2024-11-01T12:00Z", "--hours", "12", "--format", "json",
                         "--output", "passes.json"], ["passes.json"]),
        ("passes_csv", ["passes", *night, "--site", "hissar", "--std-mag-file",
                        str(tmp / "mags.csv"), "--format", "csv", "--output", "passes.csv"],
         ["passes.csv"]),
        ("crossings_table", ["crossings", "--site", "dushanbe", "--start", "2024-11-01T16:00Z",
                             "--hours", "2", "--ra-deg", "83.8", "--dec-deg", "-5.4",
                             "--radius-deg", "1.5"], []),
        ("crossings_json", ["crossings", "--site", "dushanbe", "--start", "2024-11-01T16:00Z",
                            "--hours", "2", "--az-deg", "180", "--el-deg", "45",
                            "--radius-deg", "3", "--format", "json", "--output",
                            "crossings.json"], ["crossings.json"]),
        ("screen_iridium", ["screen", iridium, "--start", "2009-02-10T00:00Z", "--days", "1",
                            "--site", "dushanbe"], []),
        ("screen_iridium_json", ["screen", iridium, "--start", "2009-02-10T00:00Z", "--days",
                                 "1", "--site", "dushanbe", "--format", "json", "--output",
                                 "iridium.json"], ["iridium.json"]),
        ("screen_cdm", ["screen", "--primary", "25544,48274", "--start", "2024-11-01T00:00Z",
                        "--days", "2" if quick else "7", "--format", "cdm", "--output",
                        "cdms"], ["cdms"]),
        ("screen_covariance", ["screen", "--primary", "25544,48274", "--start",
                               "2024-11-01T00:00Z", "--days", "1", "--covariance-file",
                               str(tmp / "sigmas.csv"), "--hbr-file", str(tmp / "radii.csv"),
                               "--format", "csv", "--output", "conj_cov.csv"],
         ["conj_cov.csv"]),
        ("pc", ["pc", "@cdms", *sorted(str(p) for p in (REPO / "tests" / "data" / "cara_cdms")
                                       .glob("*.cdm"))[:12], "--format", "json", "--output",
                "pc.json"], ["pc.json"]),
        ("screen_all", ["screen", "--start", "2024-11-01T00:00Z",
                        *(["--hours", "3"] if quick else ["--days", "1"]),
                        "--threshold-km", "5", "--format", "json", "--output", "conj.json"],
         ["conj.json"]),
        ("schedule", ["schedule", "--site", "dushanbe", *night, "--telescope",
                      str(REPO / "examples" / "telescope_dushanbe.toml"), "--priorities",
                      str(tmp / "weights.csv"), "--conjunctions", "conj.json", "--format",
                      "json", "--output", "night.json"], ["night.json", "night.tracks.csv"]),
        ("ephemeris", ["ephemeris", "--norad", "25544", "--start", "2024-11-01T00:00:00Z",
                       "--hours", "2", "--step-s", "30", "--frame", "itrs", "--format", "oem",
                       "--output", "iss.oem"], ["iss.oem"]),
        ("catalog_info", ["catalog", "info", str(tle / "iridium33_cosmos2251_2009-02-10_"
                                                  "original_elset.3le"), "--format", "json"],
         []),
        ("sites", ["sites"], []),
        ("nightly", ["nightly", "--config", str(tmp / "nightly.toml"), *night, "--offline"],
         ["nightly_out/2024-11-01"]),
    ]
    return out


def _inputs(tmp: Path, tle: Path) -> None:
    """The small input files the README's examples name."""
    (tmp / "mags.csv").write_text("norad_id,std_mag\n25544,-1.8\n48274,1.5\n")
    (tmp / "sigmas.csv").write_text("norad_id,sigma_r_km,sigma_t_km,sigma_n_km\n"
                                    "25544,0.05,0.3,0.05\n")
    (tmp / "radii.csv").write_text("norad_id,hbr_m\n25544,50\n48274,10\n")
    (tmp / "weights.csv").write_text("norad_id,weight\n25544,5\n48274,3\n")
    config = (REPO / "examples" / "nightly_tajikistan.toml").read_text()
    config = config.replace('output_folder = "../nightly"', 'output_folder = "nightly_out"')
    config = config.replace('"../tle/', f'"{tle}/')
    config = config.replace('"telescope_dushanbe.toml"',
                            f'"{REPO / "examples" / "telescope_dushanbe.toml"}"')
    config = re.sub(r'archive = ".*"', f'archive = "{tmp / "archive.sqlite"}"', config)
    (tmp / "nightly.toml").write_text(config)


def run_version(tree: Path, folder: Path, quick: bool) -> dict:
    """Run every command with `tree`'s sources into `folder`; returns {name: seconds}."""
    folder.mkdir(parents=True, exist_ok=True)
    tle = REPO / "tle"
    _inputs(folder, tle)
    env = dict(os.environ, PYTHONPATH=str(tree / "src"), PYTHONHASHSEED="0")
    env.pop("DEBRIS_BACKEND", None)
    (folder / "paths.json").write_text(json.dumps([str(tree), str(folder)]))
    timings = {}
    for name, argv, _ in _commands(tle, folder, quick):
        argv = [a for arg in argv for a in (sorted(str(p.relative_to(folder)) for p in (
            folder / "cdms").glob("*.cdm")) if arg == "@cdms" else [arg])]
        began = time.monotonic()
        result = subprocess.run([sys.executable, "-c", RUNNER, *argv], cwd=folder, env=env,
                                capture_output=True, text=True)
        timings[name] = time.monotonic() - began
        (folder / f"{name}.stdout").write_text(result.stdout)
        (folder / f"{name}.stderr").write_text(
            "".join(line + "\n" for line in result.stderr.splitlines()
                    if not line.startswith(("debris nightly:", "screening ["))))
        (folder / f"{name}.exit").write_text(f"{result.returncode}\n")
        print(f"  {name}: exit {result.returncode}, {timings[name]:.1f} s", flush=True)
    return timings


# ------------------------------------------------------------------------ comparison
class Diff:
    def __init__(self, rtol):
        self.rtol, self.text, self.numbers, self.max_rel, self.max_abs = rtol, [], 0, 0.0, 0.0
        self.where = ""

    def number(self, a: float, b: float, where: str) -> None:
        if a == b or (math.isnan(a) and math.isnan(b)):
            return
        self.numbers += 1
        diff = abs(a - b)
        rel = diff / max(abs(a), abs(b))
        if rel > self.max_rel:
            self.max_rel, self.where = rel, where
        self.max_abs = max(self.max_abs, diff)

    def value(self, a, b, where: str) -> None:
        if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
            if a != b:
                self.text.append(f"{where}: {a!r} != {b!r}")
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            self.number(float(a), float(b), where)
        elif isinstance(a, str) and isinstance(b, str):
            if _NUMBER.match(a.strip()) and _NUMBER.match(b.strip()):
                self.number(float(a), float(b), where)
            elif a != b and not _VOLATILE.search(where):
                self.text.append(f"{where}: {a[:80]!r} != {b[:80]!r}")
        elif isinstance(a, dict) and isinstance(b, dict):
            if list(a) != list(b):
                self.text.append(f"{where}: keys {list(a)[:8]} != {list(b)[:8]}")
            for key in a:
                if key in b and not _VOLATILE.search(str(key)):
                    self.value(a[key], b[key], f"{where}.{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                self.text.append(f"{where}: {len(a)} items != {len(b)}")
            for k, (x, y) in enumerate(zip(a, b)):
                self.value(x, y, f"{where}[{k}]")
        elif a != b:
            self.text.append(f"{where}: {a!r} != {b!r}")

    def ok(self) -> bool:
        return not self.text and self.max_rel <= self.rtol


def _kvn(text: str) -> dict:
    """A CCSDS KVN message as {section/KEYWORD: value} (units and comments dropped)."""
    out, section = {}, "header"
    for line in text.splitlines():
        match = re.match(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*(\[[^\]]*\])?\s*$", line)
        if not match or _VOLATILE.search(line):
            continue
        key, value = match.group(1), match.group(2)
        if key == "OBJECT":
            section = value
        out[f"{section}/{key}"] = value
    return out


def _cells(text: str, kind: str):
    if kind == "json":
        return json.loads(text)
    if kind == "kvn":
        return _kvn(text)
    if kind == "csv":
        return list(csv.reader(io.StringIO(text)))
    rows = []
    for line in text.splitlines():
        if _VOLATILE.search(line):
            continue
        line = _LOG_STAMP.sub("", line)
        rows.append(re.split(r"(\s+|,|=|\[|\])", line))
    return rows


def _normalised(path: Path, root: Path) -> str:
    """The file's text with its version's tree, the repository the inputs come from and the
    run folder replaced by placeholders."""
    text = path.read_text()
    tree, run = json.loads((root / "paths.json").read_text())
    return text.replace(run, "<run>").replace(tree, "<tree>").replace(str(REPO), "<tree>")


def compare_file(a: Path, b: Path, roots, rtol: float) -> tuple[str, Diff | None]:
    if a.read_bytes() == b.read_bytes():
        return "identical", None
    kind = {".json": "json", ".csv": "csv", ".cdm": "kvn"}.get(a.suffix, "text")
    diff = Diff(rtol)
    try:
        text_a, text_b = _normalised(a, roots[0]), _normalised(b, roots[1])
        if text_a == text_b:
            return "identical apart from the versions' folder names", None
        diff.value(_cells(text_a, kind), _cells(text_b, kind), a.name)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"unreadable ({exc})", diff
    if not diff.text and not diff.numbers:
        return "identical apart from creation/wall times", diff
    if diff.ok():
        return (f"numbers within rtol: {diff.numbers} differ, max relative "
                f"{diff.max_rel:.2e} (absolute {diff.max_abs:.3g}) at {diff.where}"), diff
    detail = "; ".join(diff.text[:3])
    return (f"DIFFERENT: {len(diff.text)} text differences ({detail}); {diff.numbers} numbers "
            f"differ, max relative {diff.max_rel:.2e} (absolute {diff.max_abs:.3g}) at "
            f"{diff.where}"), diff


def _cdm_summary(pairs) -> str:
    """The largest difference of each CDM keyword over (before, after) file pairs, in the
    message's units."""
    worst = {}
    for a, b in pairs:
        ka, kb = _kvn(a.read_text()), _kvn(b.read_text())
        for key in ka.keys() & kb.keys():
            try:
                d = abs(float(ka[key]) - float(kb[key]))
            except ValueError:
                continue
            name = key.split("/", 1)[1]
            worst[name] = max(worst.get(name, 0.0), d)
    shown = {k: v for k, v in worst.items() if v > 0}
    return ", ".join(f"{k} {v:.3g}" for k, v in sorted(shown.items(), key=lambda x: -x[1]))


def compare(before: Path, after: Path, quick: bool, rtol: float) -> bool:
    good = True
    counts = {}
    cdm_pairs = []
    names = []
    for name, _, outputs in _commands(REPO / "tle", before, quick):
        names += [f"{name}.stdout", f"{name}.stderr", f"{name}.exit"] + outputs
    for rel in names:
        pa, pb = before / rel, after / rel
        files = ([p.relative_to(before) for p in sorted(pa.rglob("*")) if p.is_file()]
                 if pa.is_dir() else [Path(rel)])
        if pb.is_dir():
            extra = {p.relative_to(after) for p in pb.rglob("*") if p.is_file()} - set(files)
            for path in sorted(extra):
                print(f"{path}: only after")
                good = False
        for path in files:
            if not (after / path).exists() or not (before / path).exists():
                print(f"{path}: missing in {'after' if (before / path).exists() else 'before'}")
                good = False
                continue
            verdict, diff = compare_file(before / path, after / path, (before, after),
                                         rtol)
            good &= diff is None or diff.ok()
            counts[verdict.split(":")[0]] = counts.get(verdict.split(":")[0], 0) + 1
            if path.suffix == ".cdm":
                cdm_pairs.append((before / path, after / path))
            print(f"{path}: {verdict}")
    print("summary: " + "; ".join(f"{v} {k}" for k, v in counts.items()))
    if cdm_pairs:
        print(f"CDMs ({len(cdm_pairs)}), largest difference per keyword (km, km/s, m, m/s, "
              f"m**2 ...): {_cdm_summary(cdm_pairs) or 'none'}")
    return good


def _worktree(ref: str, where: Path) -> Path:
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(where), ref],
                   check=True, capture_output=True)
    return where


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git ref of the old version")
    parser.add_argument("--after", help="git ref of the new version (default: working tree)")
    parser.add_argument("--quick", action="store_true", help="shorter screening windows")
    parser.add_argument("--rtol", type=float, default=1e-9)
    parser.add_argument("--keep", help="keep the outputs in this folder (and reuse a "
                        "'before' run found there)")
    args = parser.parse_args(argv)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="debris-compare-"))
    trees = []
    try:
        before_out = base / "before"
        if not (before_out / "nightly.exit").exists():
            tree = _worktree(args.before, base / "tree-before")
            trees.append(tree)
            print(f"before ({args.before}):")
            run_version(tree, before_out, args.quick)
        after_tree = REPO
        if args.after:
            after_tree = _worktree(args.after, base / "tree-after")
            trees.append(after_tree)
        shutil.rmtree(base / "after", ignore_errors=True)
        print(f"after ({args.after or 'working tree'}):")
        run_version(after_tree, base / "after", args.quick)
        print("comparison:")
        return 0 if compare(before_out, base / "after", args.quick, args.rtol) else 1
    finally:
        for tree in trees:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
