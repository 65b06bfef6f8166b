"""Local time (``--tz ZONE|local``): every UTC time gets its local twin, checked against the
standard library's zoneinfo and Skyfield, in Dushanbe and across a daylight-saving change."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from skyfield.api import load

from debris.cli import main

NIGHT = ["--night", "2024-11-01"]


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def _check_local(rows, zone):
    """Every *_local cell is its *_utc cell in `zone`, by zoneinfo and by Skyfield."""
    ts = load.timescale(builtin=True)
    checked = 0
    for row in rows:
        for name, utc_text in row.items():
            if not name.endswith("_utc") or not utc_text:
                continue
            local_text = row[name[:-4] + "_local"]
            utc = dt.datetime.fromisoformat(utc_text.replace("Z", "+00:00"))
            local = dt.datetime.fromisoformat(local_text)
            assert local == utc  # the same instant
            assert local.utcoffset() == utc.astimezone(zone).utcoffset()
            assert local.replace(tzinfo=None) == utc.astimezone(zone).replace(tzinfo=None)
            by_skyfield = ts.from_datetime(utc).astimezone(zone)
            assert abs((by_skyfield.replace(tzinfo=None) - local.replace(tzinfo=None))
                       .total_seconds()) < 1e-3
            checked += 1
    return checked


def test_the_dushanbe_night_in_local_time(capsys):
    zone = ZoneInfo("Asia/Dushanbe")
    code, out, _ = _run(["passes", "--site", "dushanbe", *NIGHT, "--norad", "25544,48274",
                         "--tz", "local", "--format", "csv"], capsys)
    assert code == 0
    rows = _rows(out)
    assert rows and _check_local(rows, zone) >= 3 * len(rows)
    assert all(row["rise_local"].endswith("+05:00") for row in rows)
    code, table, _ = _run(["passes", "--site", "dushanbe", *NIGHT, "--norad", "25544",
                           "--tz", "local"], capsys)
    assert "times Asia/Dushanbe (UTC+05:00)" in table
    assert "dark 18:23:32 .. 05:53:50+1 Asia/Dushanbe" in table  # 13:23:32 .. 00:53:50 UTC


def test_a_site_with_daylight_saving_across_the_change_night(tmp_path, capsys):
    """Berlin, night of 2024-10-26: clocks go back at 03:00 CEST (01:00 UTC)."""
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.berlin]\nlatitude_deg = 52.52\nlongitude_deg = 13.40\n'
                     'altitude_m = 40\ntimezone = "Europe/Berlin"\n')
    code, out, _ = _run(["passes", "--site", "berlin", "--sites-file", str(sites),
                         "--night", "2024-10-26", "--norad", "25544,20580,28654,33591",
                         "--tz", "local", "--format", "csv", "--min-elevation-deg", "0"],
                        capsys)
    assert code == 0
    rows = _rows(out)
    zone = ZoneInfo("Europe/Berlin")
    assert _check_local(rows, zone) > 0
    offsets = {row["rise_local"][-6:] for row in rows}
    assert offsets == {"+02:00", "+01:00"}  # passes on both sides of the change
    code, out, _ = _run(["crossings", "--site", "berlin", "--sites-file", str(sites),
                         "--night", "2024-10-26", "--az-deg", "0", "--el-deg", "45",
                         "--radius-deg", "30", "--tz", "Europe/Berlin", "--format", "csv"],
                        capsys)
    assert code == 0 and _check_local(_rows(out), zone) > 0


def test_bad_zones_are_refused(tmp_path, capsys):
    code, _, err = _run(["passes", "--site", "dushanbe", *NIGHT, "--norad", "25544", "--tz",
                         "Mars/Base"], capsys)
    assert code == 2 and "'Mars/Base' is not an IANA time zone" in err
    code, _, err = _run(["passes", "--site", "38.5,68.8", *NIGHT, "--norad", "25544", "--tz",
                         "local"], capsys)
    assert code == 2 and "has no time zone" in err
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.x]\nlatitude_deg = 1\nlongitude_deg = 2\ntimezone = "Nowhere"\n')
    code, _, err = _run(["passes", "--site", "x", "--sites-file", str(sites), *NIGHT], capsys)
    assert code == 2 and "timezone 'Nowhere' is not an IANA time zone" in err


@pytest.mark.parametrize("command", [["schedule", "--telescope",
                                      "examples/telescope_dushanbe.toml"]])
def test_the_schedule_in_local_time(command, capsys):
    code, out, _ = _run([*command, "--site", "dushanbe", *NIGHT, "--tz", "local", "--format",
                         "csv", "--output", "-"], capsys)
    assert code == 0
    rows = _rows(out)
    assert rows and _check_local(rows, ZoneInfo("Asia/Dushanbe")) >= 2 * len(rows)
