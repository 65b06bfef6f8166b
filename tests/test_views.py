"""The observer's view on a terminal: summary first, the most useful rows, complete files;
the Moon against Skyfield."""

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest

from debris.cli import main
from debris.sites import parse_site
from debris.sun import moon_tonight, night_window

README_FIRST = ["passes", "--site", "dushanbe", "--night", "2024-11-01", "--visible-only"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def first_command(tmp_path_factory):
    """The README's first command's output, and the same passes as CSV."""
    import subprocess
    import sys

    def call(*extra):
        return subprocess.run([sys.executable, "-m", "debris.cli", *README_FIRST, *extra],
                              capture_output=True, text=True, check=True).stdout

    return call(), call("--format", "csv")


def test_first_command_prints_summary_and_top_passes_in_one_screen(first_command):
    text, csv_text = first_command
    lines = text.splitlines()
    more = next(k for k, line in enumerate(lines) if line.startswith("# 18417 more"))
    assert more < 40  # summary, heading and 20 passes: one terminal screen
    head = "\n".join(lines[:more])
    assert "dushanbe: dark 13:23:32 .. 00:53:50+1 UTC" in head and "Moon 0% lit" in head
    assert max(len(line) for line in lines[:more + 1]) <= 100  # the first screen: 100 columns
    assert "18,437 passes of 11,906 objects" in head and "payload" in head
    assert "brightest: 25544 ISS (ZARYA)" in head and "highest:" in head
    assert "the first 20 of 18437 visible passes, by magnitude" in head
    assert re.search(r"the SATCAT RCS for 9,871, published values for 6,909,\s+#\s+regime and "
                     r"type defaults for 5,762", head)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 18437  # the file stays complete
    mags = sorted(float(r["min_magnitude"]) for r in rows)
    shown = [float(line.split()[-3].split("±")[0]) for line in lines[more - 20:more]]
    assert shown == pytest.approx(mags[:20], abs=0.051)  # the 20 brightest, in order
    assert {r["std_magnitude_source"] for r in rows} == {"rcs", "type", "published"}


def test_sort_limit_all_and_brighter_than(capsys, tmp_path):
    args = README_FIRST + ["--norad", "25544,44234,47304,52152,61208,20580,48274"]
    code, out, _ = run(capsys, *args, "--sort", "elevation", "--limit", "3")
    assert code == 0
    table = [line for line in out.splitlines() if line[:1].isdigit()]
    assert len(table) == 3 and "more visible passes not shown" in out
    elevations = [float(line.split()[-7]) for line in table]
    assert elevations == sorted(elevations, reverse=True)
    code, out, _ = run(capsys, *args, "--all", "--sort", "time")
    assert "not shown" not in out and "every" in out
    code, out, _ = run(capsys, *args, "--brighter-than", "2.05", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(float(r["min_magnitude"]) < 2.05 for r in rows)
    with pytest.raises(SystemExit) as stop:
        main([*args, "--limit", "0"])
    assert stop.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_screen_and_schedule_summaries(capsys):
    code, out, _ = run(capsys, "screen", "--start", "2024-11-01T00:00Z", "--hours", "6",
                       "--primary", "25544,20580", "--threshold-km", "20", "--limit", "2")
    assert code == 0
    assert "closest: 25544 ISS (ZARYA) x" in out and "most probable:" in out
    assert "the first 2 of" in out and "by miss" in out
    rows = [line for line in out.splitlines() if re.match(r"\d\d-\d\d \d\d:", line)]
    misses = [float(line.split()[-4]) for line in rows]
    assert len(misses) == 2 and misses == sorted(misses)


@pytest.fixture(scope="module")
def few_objects(tmp_path_factory, leo_sample):
    """The 300-object LEO sample as a 3LE file (the schedule's input)."""
    from sgp4.exporter import export_tle

    lines = []
    for name, sat in zip(leo_sample.name, leo_sample.satrecs):
        lines += [str(name), *export_tle(sat)]
    path = tmp_path_factory.mktemp("few") / "sample.3le"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("argv, wide_column", [
    (["schedule", "FEW", "--site", "dushanbe", "--night", "2024-11-01", "--telescope",
      "examples/telescope_dushanbe.toml"], "az1"),
    (["screen", "--start", "2024-11-01T00:00Z", "--hours", "6", "--primary", "25544,20580",
      "--threshold-km", "20"], "I_km"),
    (["crossings", "--site", "dushanbe", "--start", "2024-11-01T16:00Z", "--hours", "1",
      "--ra-deg", "83.8", "--dec-deg", "-5.4", "--radius-deg", "1.5"], "exit"),
])
def test_terminal_tables_keep_to_100_columns(capsys, monkeypatch, few_objects, argv,
                                             wide_column):
    """Without --wide every terminal table and its comments fit 100 columns; --wide shows
    every column (here the one named) and leaves the lines as long as they are."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # the example telescope's path
    argv = [str(few_objects) if a == "FEW" else a for a in argv]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 100
    code, wide, _ = run(capsys, *argv, "--wide")
    header = next(line for line in wide.splitlines() if line.startswith("norad_id")
                  or line.startswith("telescope") or line.startswith("tca"))
    assert code == 0 and wide_column in header.split()
    if argv[0] != "crossings":
        assert wide_column not in next(line for line in out.splitlines()
                                       if line.startswith(("norad_id", "tca"))).split()


def test_moon_against_skyfield():
    """Illuminated fraction and altitude against Skyfield (almanac, topocentric alt/az)."""
    from skyfield import almanac
    from skyfield.api import wgs84

    from debris.sun import ephemeris
    from debris.timescale import skyfield_time

    site = parse_site("dushanbe")
    start, end = night_window(site, "2024-11-15")  # near full Moon
    moon = moon_tonight(site, start, end)
    eph = ephemeris()
    t = skyfield_time(moon["times"])
    middle = skyfield_time(moon["times"][np.array([len(moon["times"]) // 2])])
    assert moon["illuminated_fraction"] == pytest.approx(
        float(almanac.fraction_illuminated(eph, "moon", middle)[0]), abs=0.01)
    here = eph["earth"] + wgs84.latlon(site.latitude_deg, site.longitude_deg,
                                       elevation_m=site.altitude_m)
    alt = here.at(t).observe(eph["moon"]).apparent().altaz()[0].degrees
    assert moon["altitude_deg"] == pytest.approx(alt, abs=0.05)  # topocentric, both
    assert moon["up"] and moon["illuminated_fraction"] > 0.95
