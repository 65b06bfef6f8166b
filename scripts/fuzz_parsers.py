#!/usr/bin/env python3
"""Fuzz every parser of debris with mutated real files; print the counts.

    python scripts/fuzz_parsers.py               # 100,000 cases
    python scripts/fuzz_parsers.py --cases 500 --seed 3

Each case takes a real file (the repository's test data, the example TOML files), applies
one to four random mutations (characters replaced, spans deleted or repeated, lines
duplicated, swapped or dropped, the text cut short, binary bytes inserted, numbers replaced
by extreme ones) and reads it with the parser of its kind: TLE/3LE, OMM CSV/JSON/XML (and
propagates what loads), CDM KVN/XML (and recomputes Pc), telescope, nightly and site TOML,
observation files (IOD, UK, R.D.E., CCSDS TDM KVN and XML, CSV; read as the batch commands
read them, and their geometry computed), station lists, standard-magnitude tables and
SATCAT RCS tables (no impossible value may be kept).

A case passes when the parser accepts the text, or rejects records with their file, line
and reason, or refuses the file with one of debris' own errors naming it. Anything else (an
IndexError, a ZeroDivisionError, a numpy warning turned error, a rejection without a line)
is a failure: the script prints it and exits 1. ``tests/test_fuzz.py`` drives the same
mutations with hypothesis and runs this script with a few hundred cases.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

#: The kinds of mutation (see :func:`mutate`).
KINDS = ("replace", "delete", "repeat", "duplicate_line", "drop_line", "swap_lines",
         "truncate", "binary", "number", "blank_field")
_EXTREME = ("0", "-0", "1e308", "-1e308", "nan", "inf", "-1", "99999999999", "1e-320", "",
            "9" * 40, "0.0000000", "-99.9", "360.0001", "1.0", "2")


def mutate(text: str, ops) -> str:
    """Apply mutations to `text`. Each op is ``(kind, where, size, pick)``: `kind` one of
    :data:`KINDS`, `where` in [0, 1) (a position as a fraction of the text), `size` a small
    int, `pick` an int choosing a character or replacement."""
    for kind, where, size, pick in ops:
        n = len(text)
        at = int(where * n) if n else 0
        lines = text.split("\n")
        line = int(where * len(lines)) if lines else 0
        if kind == "replace" and n:
            char = chr(32 + pick % 95) if pick % 7 else chr(pick % 0x3000)
            text = text[:at] + char * size + text[at + size:]
        elif kind == "delete":
            text = text[:at] + text[at + size * (1 + pick % 20):]
        elif kind == "repeat":
            text = text[:at + size] + text[at:]
        elif kind == "duplicate_line" and lines:
            lines.insert(line, lines[line % len(lines)])
            text = "\n".join(lines)
        elif kind == "drop_line" and lines:
            del lines[line % len(lines)]
            text = "\n".join(lines)
        elif kind == "swap_lines" and len(lines) > 1:
            other = (line + 1 + pick) % len(lines)
            lines[line % len(lines)], lines[other] = lines[other], lines[line % len(lines)]
            text = "\n".join(lines)
        elif kind == "truncate":
            text = text[:at]
        elif kind == "binary":
            text = text[:at] + "".join(chr((pick + 37 * k) % 256) for k in range(size)) + \
                text[at:]
        elif kind == "number":
            # replace the number that starts at or after `at` by an extreme one
            k = at
            while k < n and not (text[k].isdigit() or text[k] in "+-."):
                k += 1
            end = k
            while end < n and (text[end].isdigit() or text[end] in "+-.eE"):
                end += 1
            text = text[:k] + _EXTREME[pick % len(_EXTREME)] + text[end:]
        elif kind == "blank_field":
            for sep in (",", "=", ">"):
                k = text.find(sep, at)
                if k >= 0:
                    end = min([j for j in (text.find(c, k + 1) for c in ",\n<") if j >= 0]
                              or [n])
                    text = text[:k + 1] + text[end:]
                    break
    return text


def random_ops(rng: random.Random):
    """One to four random mutations for :func:`mutate`."""
    return [(rng.choice(KINDS), rng.random(), rng.randint(1, 8), rng.randint(0, 10**6))
            for _ in range(rng.randint(1, 4))]


class Failure(AssertionError):
    """A case that broke the contract (module docstring)."""


def _check_rejections(catalog, source, text):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 2  # LF, CRLF, CR
    for r in catalog.rejected:
        if r.source != source or not r.reason:
            raise Failure(f"rejection without file or reason: {r!r}")
        if r.line_number is None or not 1 <= r.line_number <= lines:
            raise Failure(f"rejection without a line in the file: {r!r}")


def _catalogue(text, source):
    from debris import Catalog, propagate

    catalog = Catalog.from_text(text, source)
    _check_rejections(catalog, source, text)
    if len(catalog):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NaN warning is a failure too
            propagate(catalog, catalog.epoch[0:1], backend="sgp4")
    return "rejected records" if catalog.rejected else "accepted"


def _catalogue_file(text, source):
    """The same through a file, bytes and all (binary detection, decoding)."""
    from debris import Catalog

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source
        path.write_bytes(text.encode("utf-8", "surrogateescape")
                         if isinstance(text, str) else text)
        catalog = Catalog.from_file(path)
        _check_rejections(catalog, str(path), text)
    return "rejected records" if catalog.rejected else "accepted"


def _cdm(text, source):
    from debris.conjunctions import cdm_pc
    from debris.io.ccsds import parse_cdm

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cdm_pc(parse_cdm(text, source))
    return "accepted"


def _toml_file(loader):
    def run(text, source):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / source
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
            loader(path)
        return "accepted"
    return run


def _telescopes(path):
    from debris.telescope import load_telescopes

    load_telescopes(path)


def _nightly(path):
    from debris.nightly import load_config

    load_config(path)


def _sites(path):
    from debris.sites import load_sites_toml

    load_sites_toml(path)


def _observations_file(text, source):
    """An observation file read (IOD, UK, R.D.E., TDM, CSV; bytes and all), its rejections
    and dropped fields naming lines of the file, and the geometry of what loads, as the
    batch commands read it (unknown stations skip the file, never raise)."""
    from debris.observations import load_stations, observation_geometry, read_observations
    from debris.observations.batch import read_observation_batch

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source
        path.write_bytes(text.encode("utf-8", "surrogateescape")
                         if isinstance(text, str) else text)
        table = read_observations(path)
        lines = len(re.split(r"\r\n|\r|\n", text)) + 1  # as editors number them
        for r in table.meta.get("rejected", []):
            if r.source != str(path) or not r.reason or not 1 <= r.line_number <= lines:
                raise Failure(f"rejection without its file and line: {r!r}")
        for item in table.meta.get("dropped_fields", []):
            if not item.startswith(f"{path}:"):
                raise Failure(f"dropped field without its file: {item}")
        stations = load_stations([DATA / "observations" / "real_iod" /
                                  "sat_tracking_observatories.txt"])
        usable, skipped = read_observation_batch([path], stations)
        if len(usable):
            with np.errstate(all="ignore"):
                observation_geometry(usable, stations)
    return "rejected records" if table.meta.get("rejected") else "accepted"


def _table_file(loader):
    """A small table (stations, standard magnitudes, SATCAT RCS) read from a file."""
    def run(text, source):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / source
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
            table = loader(path)
            for item in getattr(table, "rejected", []):
                if not item.startswith(f"{path}, line "):
                    raise Failure(f"rejected row without its line: {item}")
            for value in getattr(table, "values", lambda: [])():
                if isinstance(value, float) and not np.isfinite(value):
                    raise Failure(f"a non-finite value was kept: {value}")
        return "rejected records" if getattr(table, "rejected", None) else "accepted"
    return run


def _station_list(path):
    from debris.observations import read_station_list

    return read_station_list(path)


def _std_mags(path):
    from debris.magnitude import load_std_mag_table

    return load_std_mag_table(path)


def _rcs(path):
    from debris.magnitude import load_rcs_table

    return load_rcs_table(path)


def _horizon(path):
    from debris.horizon import load_horizon

    mask = load_horizon(path)
    if not np.all(np.isfinite(mask(np.arange(0.0, 360.0, 7.5)))):
        raise Failure("a horizon mask gives a non-finite limit")
    return mask


def _published(path):
    from debris.magnitude import PublishedMagnitudes

    return PublishedMagnitudes.from_file(path)


def _observation_seeds() -> dict:
    obs = DATA / "observations"
    trusat = obs / "trusat"
    from debris.observations import read_observations, tdm_text

    table = read_observations(obs / "real_iod" / "SATOBS-ML-19200716.txt")
    csv = ("time_utc,station,ra_deg,dec_deg,sigma_arcsec,magnitude,norad_id\n"
           "2024-11-01T17:00:00Z,4353,10.5,20.25,2,4.5,25544\n"
           "2024-11-01T17:00:05.5Z,4353,10.7,20.5,,,25544\n"
           "2024-11-01T17:00:10Z,dushanbe,10.9,20.75,3,5.0,\n")
    return {
        "iod": [(trusat / "IOD_data_compliant.txt").read_text(),
                (obs / "real_iod" / "23908_20200316.txt").read_text(),
                (obs / "satfit_deep_space" / "22988.txt").read_text()],
        "uk": [(trusat / "UK_data_compliant.txt").read_text()],
        "rde": [(trusat / "RDE_data_compliant.txt").read_text()],
        "tdm": [tdm_text(table), tdm_text(table, xml=True)],
        "obs-csv": [csv],
    }


_SITES_TOML = """# two sites of the Institute of Astrophysics
[sites.sanglokh2]
latitude_deg = 38.2547
longitude_deg = 69.2208
altitude_m = 2300
description = "Sanglokh, 1 m telescope"

[sites.hissar2]
latitude_deg = 38.5186
longitude_deg = 68.6806
altitude_m = 726
"""


def targets() -> dict:
    """{name: (seed texts, run(text, source) -> outcome)}."""
    cdm_files = sorted((DATA / "cara_cdms").glob("*.cdm"))[:6]
    cdm_texts = [p.read_text() for p in cdm_files]
    from debris.io.ccsds import parse_cdm

    cdm_xml = [parse_cdm(t).to_xml() for t in cdm_texts[:3]]
    tle = [(DATA / name).read_text() for name in ("spacetrack_quirks.3le",
                                                  "spacetrack_2line.tle")]
    tle.append((ROOT / "tle" / "iridium33_cosmos2251_2009-02-10_original_elset.3le")
               .read_text())
    tle.append("\n".join((DATA / "SGP4-VER.TLE").read_text().splitlines()[:60]))
    return {
        "tle": (tle, _catalogue),
        "omm-csv": ([(DATA / "celestrak_sample.omm.csv").read_text()], _catalogue),
        "omm-json": ([(DATA / "celestrak_sample.omm.json").read_text()], _catalogue),
        "omm-xml": ([(DATA / "celestrak_sample.omm.xml").read_text()], _catalogue),
        "catalogue-file": (tle[:1] + [(DATA / "celestrak_sample.omm.csv").read_text()],
                           _catalogue_file),
        "cdm-kvn": (cdm_texts, _cdm),
        "cdm-xml": (cdm_xml, _cdm),
        "telescope-toml": ([(ROOT / "examples" / "telescope_dushanbe.toml").read_text()],
                           _toml_file(_telescopes)),
        "nightly-toml": ([(ROOT / "examples" / "nightly_tajikistan.toml").read_text()],
                         _toml_file(_nightly)),
        "sites-toml": ([_SITES_TOML], _toml_file(_sites)),
        **{name: (seeds, _observations_file) for name, seeds in _observation_seeds().items()},
        "station-list": ([(DATA / "observations" / "real_iod" /
                           "sat_tracking_observatories.txt").read_text(),
                          (DATA / "observations" / "satfit_deep_space" / "STATIONS.IN")
                          .read_text(errors="replace")], _table_file(_station_list)),
        "std-mag-table": (["norad_id,std_mag\n25544,-1.8\n20580,2.2\n24946,4.0\n"],
                          _table_file(_std_mags)),
        "satcat-rcs": (["\n".join((ROOT / "tle" / "satcat_rcs_2025-01-12.csv").read_text()
                                  .splitlines()[:40]) + "\n"], _table_file(_rcs)),
        "horizon": (["# az el\n0 5\n60 25\n120, 25\n200 5\n210 40\n220 5\n300 12\n"],
                    _table_file(_horizon)),
        "published-mags": ([(ROOT / "tle" / "std_magnitudes.csv").read_text()],
                           _table_file(_published)),
    }


_SOURCES = {"tle": "fuzz.tle", "omm-csv": "fuzz.csv", "omm-json": "fuzz.json",
            "omm-xml": "fuzz.xml", "catalogue-file": "fuzz.txt", "cdm-kvn": "fuzz.cdm",
            "cdm-xml": "fuzz_cdm.xml", "telescope-toml": "fuzz_telescope.toml",
            "nightly-toml": "fuzz_nightly.toml", "sites-toml": "fuzz_sites.toml",
            "iod": "fuzz_iod.txt", "uk": "fuzz_uk.txt", "rde": "fuzz_rde.txt",
            "tdm": "fuzz.tdm", "obs-csv": "fuzz_obs.csv", "station-list": "fuzz_sites.txt",
            "std-mag-table": "fuzz_mags.csv", "satcat-rcs": "fuzz_satcat.csv",
            "horizon": "fuzz_horizon.txt", "published-mags": "fuzz_published.csv"}


def run_case(name, run, text) -> str:
    """Run one case: its outcome, or :class:`Failure` naming what broke."""
    from debris.errors import DebrisError

    source = _SOURCES[name]
    try:
        return run(text, source)
    except DebrisError as exc:
        if source not in str(exc):
            raise Failure(f"{type(exc).__name__} does not name the file: {exc}") from None
        return "refused"
    except Failure:
        raise
    except Exception as exc:  # noqa: BLE001 - exactly what the fuzzing is for
        raise Failure(f"{type(exc).__name__}: {exc}") from exc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20241101)
    args = parser.parse_args(argv)
    os.environ.setdefault("DEBRIS_BACKEND", "sgp4")
    np.seterr(all="ignore")
    rng = random.Random(args.seed)
    table = targets()
    names = list(table)
    counts = collections.defaultdict(collections.Counter)
    failures = []
    began = time.perf_counter()
    for case in range(args.cases):
        name = names[case % len(names)]
        seeds, run = table[name]
        ops = random_ops(rng)
        text = mutate(rng.choice(seeds), ops)
        try:
            counts[name][run_case(name, run, text)] += 1
        except Failure as exc:
            counts[name]["FAILED"] += 1
            if len(failures) < 20:
                failures.append(f"{name} case {case} ops {ops}: {exc}")
    outcomes = ("accepted", "rejected records", "refused", "FAILED")
    print(f"{args.cases} cases in {time.perf_counter() - began:.0f} s (seed {args.seed})")
    print(f"{'parser':16}" + "".join(f"{o:>18}" for o in outcomes))
    for name in names:
        print(f"{name:16}" + "".join(f"{counts[name][o]:>18}" for o in outcomes))
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    print(f"{'all':16}" + "".join(f"{total[o]:>18}" for o in outcomes))
    for line in failures:
        print("FAILED:", line)
    return 1 if total["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main())
