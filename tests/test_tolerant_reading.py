"""Tolerant reading of real observation files: the essential fields decide whether a line is an
observation; any other field that does not follow its format costs only that field.

The judge of "essential fields valid" below is written from the published column layouts
(README of the data, Lewis' IOD page, the RGO UK page), by slicing, not with debris' readers.
"""

import re
from pathlib import Path
import numpy as np
import pytest

from debris import ObservationFileError, read_observations
from debris.cli import main
from debris.observations.iod_lines import parse_iod_line
from debris.observations.uk import parse_uk_line

OBS = "observations"
ROOT = Path(__file__).resolve().parents[1]

#: The IOD essential fields by column (1-based, inclusive) and what each must hold.
_IOD_ESSENTIAL = ((1, 5, r"\d{5}"), (17, 20, r"\d{4}|[A-Z]{4}|[A-Z]{2}\d{2}|T\d{3}|\d{3}T"),
                  (24, 40, r"(19|20)\d{6,15} *"), (45, 45, r"[1-7]"), (46, 46, r"[0-6]"),
                  (48, 54, r"\d+ *"), (55, 55, r"[+-]"), (56, 61, r"\d+ *"))
_UK_ESSENTIAL = ((1, 7, r"\d{5}[\dA-Z]{2}"), (8, 11, r"\d{4}"), (12, 17, r"\d{6}"),
                 (18, 27, r"\d{6,10} *"), (34, 34, r"[1-6]"), (35, 42, r"\d+ *"),
                 (43, 43, r"[+-]"), (44, 50, r"\d+ *"), (55, 55, r"[0-6]"))


def _essential_ok(line: str, layout) -> bool:
    p = line.rstrip("\r\n").ljust(80)
    return all(re.fullmatch(pattern, p[a - 1:b]) for a, b, pattern in layout)


def _read(path, **options):
    """The file's observations, or None for a file without any (satfit keeps element sets
    of objects it has no observations of)."""
    try:
        return read_observations(path, **options)
    except ObservationFileError as exc:
        assert "no observation lines" in str(exc)
        return None


def _real_files(data_dir):
    folder = data_dir / OBS
    files = sorted((folder / "satfit_deep_space").glob("*.txt"))
    files += sorted(p for p in (folder / "real_iod").glob("*.txt") if "observatories" not in
                    p.name)
    files += sorted(p for p in (folder / "trusat").glob("*.txt") if "answers" not in p.name)
    return files


def test_every_real_file_reads_every_line_whose_essential_fields_are_valid(data_dir):
    """Every real file: >= 99 % of the lines whose essential fields are valid are read, and
    every rejected line names the essential field at fault with its file and line."""
    valid = read = 0
    missed = []
    for path in _real_files(data_dir):
        table = _read(path)
        kept = set(table["line"].tolist()) if table is not None else set()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _essential_ok(line, _IOD_ESSENTIAL) and line[21:22] not in "CO" or \
                    _essential_ok(line, _UK_ESSENTIAL):
                valid += 1
                if number in kept:
                    read += 1
                else:
                    missed.append(f"{path.name}:{number}: {line}")
        for item in table.meta["rejected"] if table is not None else ():
            text = str(item)
            assert text.startswith(f"{path}:{item.line_number}"), text
            assert re.search(r"column|angle|date|time|header|not an R\.D\.E|KEYWORD", text), text
    assert valid >= 1900
    assert read / valid >= 0.99, missed[:10]
    assert not missed  # in fact every one of them


def test_the_satfit_archive_is_read_whole(data_dir):
    """satfit solved orbits from these files: every observation line is read (the one
    rejected line is an observer's free-text note), among them the lines with sky condition
    'R', a negative 'flash period', day 00 and a designator shifted by two columns."""
    files = [p for p in sorted((data_dir / OBS / "satfit_deep_space").glob("*.txt"))
             if _read(p) is not None]
    table = read_observations(files)
    rejected = [str(r) for r in table.meta["rejected"]]
    assert len(rejected) == 1 and "96137.txt:5" in rejected[0]
    assert len(table) == 1825
    strict = read_observations(files, strict=True)
    assert len(strict) == len(table) - 52  # what the strict reading loses
    # Day 00 of April 2010 (station 6226) is 31 March.
    rows = np.flatnonzero((table["station"] == "6226") & (table["norad_id"] == 25746))
    days = {str(t)[:10] for t in table["time"][rows].to_datetime64()}
    assert "2010-03-31" in days and not any(d.endswith("-00") for d in days)


def test_each_file_gets_one_warning_summary_per_field_and_value(data_dir):
    path = data_dir / OBS / "satfit_deep_space" / "28385.txt"
    table = read_observations(path)
    lines = path.read_text().splitlines()
    r_lines = [n for n, line in enumerate(lines, 1) if line[21:22] == "R"]
    assert len(r_lines) >= 5
    summary = table.meta["tolerated"]
    assert f"{path}: column 22: 'R' on {len(r_lines)} lines (from line {r_lines[0]}): sky " \
           "condition unknown" in summary
    assert sum("column 22" in s for s in summary) == 1
    assert not table.meta["rejected"]


@pytest.mark.parametrize("line,field", [
    # an unknown sky condition, a station's own two-digit behaviour, a bad magnitude
    ("23794 96 010A   2701 R 20040506012614270 17 25 1100114-184298 38 I+020 10", "column 22"),
    ("23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 12+02  10", "column 66"),
    ("23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 I+0x0 10", "columns 67-70"),
    ("23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10 -10   ",
     "columns 75-80"),
    ("23794 96 010A   2701 G 20040506012614270 1x 25 1100114-184298 38 I+020 10", "columns 42-43"),
    ("23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 3x I+020 10", "columns 63-64"),
    ("23794 96 010A=A0=A0 2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10",
     "non-breaking space"),
    ("23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10 trailing note",
     "columns 81+"),
    ("23794 96 010A\t  2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10", "tab"),
    ("> 23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10", "column 1"),
    ("23794 96 010A 2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10", "columns 7-20"),
])
def test_a_bad_optional_iod_field_costs_only_that_field(line, field):
    with pytest.raises(ValueError):
        parse_iod_line(line, strict=True)
    row = parse_iod_line(line, strict=False)
    assert field in [t[0] for t in row["tolerated"]]
    # the position of the clean line (format 2: RA 11h 00.114m, Dec -18deg 42.98')
    assert row["ra_deg"] == pytest.approx((11 + 0.114 / 60) * 15, abs=1e-9)
    assert row["dec_deg"] == pytest.approx(-(18 + 42.98 / 60), abs=1e-9)
    assert row["station"] == "2701" and row["norad_id"] == 23794
    assert row["time"] == "2004-05-06T01:26:14.270"


@pytest.mark.parametrize("line,field", [
    ("23794 96 010A   2701 G 20040506012614270 17 25 11x0114-184298 38 I+020 10", "angle 1"),
    ("23794 96 010A   2701 G 20040506012614270 17 85 1100114-184298 38 I+020 10", "angle format"),
    ("23794 96 010A   2701 G 20040506012614270 17 2A 1100114-184298 38 I+020 10", "epoch code"),
    ("23794 96 010A   270A G 20040506012614270 17 25 1100114-184298 38 I+020 10", "station"),
    ("23794 96 010A   2701 G 20041306012614270 17 25 1100114-184298 38 I+020 10", "time"),
    ("2379  96 010    2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10", "NORAD"),
])
def test_a_bad_essential_iod_field_rejects_the_line_naming_it(line, field):
    with pytest.raises(ValueError, match=field):
        parse_iod_line(line, strict=False)


def test_a_bad_optional_uk_field_costs_only_that_field():
    good = "9701201201803101520195542  01   12172038  +15585   1  5             +6 +8   190R"
    bad = good[:79] + "Q" + " extra"
    with pytest.raises(ValueError):
        parse_uk_line(bad, strict=True)
    row = parse_uk_line(bad, strict=False)
    assert {t[0] for t in row["tolerated"]} == {"column 80", "columns 81+"}
    clean = parse_uk_line(good)
    assert row["ra_deg"] == clean["ra_deg"] and row["dec_deg"] == clean["dec_deg"]


def _run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_strict_on_the_command_line_rejects_what_tolerant_reading_keeps(data_dir, tmp_path,
                                                                         capsys):
    path = data_dir / OBS / "satfit_deep_space" / "28385.txt"
    stations = data_dir / OBS / "satfit_deep_space" / "STATIONS.IN"
    tle = tmp_path / "28385.tle"
    tle.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n")
    base = ["identify", str(path), "--catalog", str(tle), "--stations", str(stations),
            "--format", "csv"]
    code, loose, err = _run(base, capsys)
    assert code == 0, err
    assert "read as missing" in err and "column 22: 'R'" in err
    # the README's example lines, word for word (paths as the README runs them)
    readme = (ROOT / "README.md").read_text()
    shown = [line.strip() for line in readme.splitlines() if "debris: read as missing:" in line]
    assert len(shown) == 3
    for line in shown:
        assert line.replace("tests/data/observations/satfit_deep_space/28385.txt",
                            str(path)) in err
    code, strict, err = _run(base + ["--strict"], capsys)
    assert code == 0, err
    assert "column 22 (sky condition)" in err
    assert len(strict.splitlines()) < len(loose.splitlines())


def test_tdm_keywords_not_needed_warn_and_a_bad_magnitude_costs_only_itself(tmp_path):
    path = tmp_path / "night.tdm"
    path.write_text("""CCSDS_TDM_VERS = 2.0
CREATION_DATE = 2024-11-01T00:00:00
ORIGINATOR = TEST
META_START
TIME_SYSTEM = UTC
PARTICIPANT_1 = 4171
PARTICIPANT_2 = 25544
MODE = SEQUENTIAL
PATH = 2,1
ANGLE_TYPE = RADEC
REFERENCE_FRAME = EME2000
META_STOP
DATA_START
ANGLE_1 = 2024-11-01T18:00:00.000 120.5
ANGLE_2 = 2024-11-01T18:00:00.000 30.25
RANGE = 2024-11-01T18:00:00.000 812.4
MAG = 2024-11-01T18:00:00.000 bright
ANGLE_1 = 2024-11-01T18:00:10.000 121.5
ANGLE_2 = 2024-11-01T18:00:10.000 30.75
RANGE = 2024-11-01T18:00:10.000 815.0
DATA_STOP
""")
    table = read_observations(path)
    assert len(table) == 2 and not table.meta["rejected"]
    assert np.isnan(table["magnitude"]).all()
    assert f"{path}: RANGE: 'RANGE' on 2 lines (from line 16): data keyword not read" in \
        table.meta["tolerated"]
    assert any("MAG: 'bright'" in s for s in table.meta["tolerated"])
    assert len(read_observations(path, strict=True).meta["rejected"]) == 1
