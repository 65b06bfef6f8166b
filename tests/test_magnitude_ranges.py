"""Ranges on every magnitude and uncertainty input (issue 22, case 4): an impossible value
never reaches a prediction or the archive; each one left out is named with its line."""

import numpy as np
import pytest

from debris.archive import Archive
from debris.catalog import Catalog
from debris.cli import main
from debris.magnitude import (StandardMagnitudes, load_rcs_table,
                              load_std_mag_table, magnitude_sources)
from debris.observations import read_observations
from debris.table import Table
from debris.timescale import to_times

IRIDIUM = "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"


def test_std_mag_table_leaves_out_impossible_rows(tmp_path):
    path = tmp_path / "mags.csv"
    path.write_text("norad_id,std_mag\n25544,-50\n24946,nan\n22675,inf\n1,abc\nx,3\n"
                    "33442,4.5\n")
    table = load_std_mag_table(path)
    assert table == {33442: 4.5}
    assert len(table.rejected) == 5
    assert f"{path}, line 2: std_mag: '-50' is not a possible magnitude (expected -30..30)" \
        in table.rejected
    assert any("line 3" in r and "'nan'" in r for r in table.rejected)
    assert any("line 4" in r and "'inf'" in r for r in table.rejected)
    assert any("line 6: norad_id" in r for r in table.rejected)


def test_std_mag_file_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "mags.csv"
    path.write_text("norad_id,std_mag\n24946,-50\n22675,inf\n")
    output = tmp_path / "passes.csv"
    code = main(["passes", IRIDIUM, "--start", "2009-02-10T12:00Z", "--hours", "12",
                 "--site", "dushanbe", "--std-mag-file", str(path), "--format", "csv",
                 "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert f"left out {path}, line 2: std_mag: '-50'" in err
    assert f"left out {path}, line 3: std_mag: 'inf'" in err
    text = output.read_text()
    header, *rows = [line.split(",") for line in text.splitlines()]
    assert rows and "inf" not in text
    for row in rows:  # the table's rows were left out: the RCS magnitudes stand
        assert row[header.index("std_magnitude_source")] == "rcs"
        assert -30 <= float(row[header.index("std_magnitude")]) <= 30


def test_rcs_table_leaves_out_impossible_rows(tmp_path):
    path = tmp_path / "satcat.csv"
    path.write_text("NORAD_CAT_ID,RCS\n1,0\n2,-3\n3,nan\n4,1e9\n5,\n6,2.5\n")
    table = load_rcs_table(path)
    assert table == {6: 2.5} and len(table.rejected) == 4


def test_library_dicts_and_old_archives_lose_impossible_magnitudes(tmp_path):
    catalog = Catalog.from_files([IRIDIUM])
    norad = int(catalog.norad_id[0])
    values, sources = magnitude_sources(catalog, StandardMagnitudes(
        table={norad: np.nan}, observed={norad: -97.4}))
    assert -30 <= values[0] <= 30 and sources[0] in ("rcs", "type")
    # An archive that stored -99 before the ranges were checked: ignored when read.
    with Archive(tmp_path / "a.sqlite") as archive:
        archive._db.execute("INSERT INTO observed_magnitudes VALUES (?,?,?,?,?,?,?)",
                            (norad, "2009-02-10T00:00:00.000Z", "4171", -99.0, -97.4, 500.0,
                             60.0))
        archive._db.commit()
        for k in range(3):
            archive._db.execute("INSERT INTO observed_magnitudes VALUES (?,?,?,?,?,?,?)",
                                (norad, f"2009-02-10T00:0{k + 1}:00.000Z", "4171", 5.0, 6.0,
                                 500.0, 60.0))
        archive._db.commit()
        assert archive.observed_std_mags() == {norad: 6.0}
        # ... and never stored again.
        reduced = Table({"norad_id": np.array([norad, norad]),
                         "time": to_times(["2009-02-11T00:00:00Z", "2009-02-11T00:01:00Z"]),
                         "station": np.array(["4171", "4171"]),
                         "magnitude": np.array([-99.0, 5.0]),
                         "std_magnitude": np.array([-97.4, 6.0]),
                         "range_km": np.array([500.0, 500.0]),
                         "phase_angle_deg": np.array([60.0, 60.0])})
        assert archive.add_observed_magnitudes(reduced) == 1


@pytest.mark.parametrize("field, value", [("magnitude", "-99"), ("magnitude", "nan"),
                                          ("magnitude", "inf"), ("magnitude", "31")])
def test_an_observed_magnitude_out_of_range_costs_the_field_not_the_line(tmp_path, field,
                                                                          value):
    path = tmp_path / "obs.csv"
    path.write_text("time_utc,station,ra_deg,dec_deg,magnitude\n"
                    f"2024-11-01T17:00:00Z,dushanbe,10,20,{value}\n"
                    "2024-11-01T17:00:05Z,dushanbe,10.1,20.1,4.5\n")
    table = read_observations(path)
    assert len(table) == 2 and np.isnan(table["magnitude"][0]) and table["magnitude"][1] == 4.5
    assert table.meta["dropped_fields"] == [
        f"{path}:2: magnitude: {float(value)!r} is not a possible magnitude (expected -30..30)"
        "; the observation is kept without it"]


def test_an_iod_magnitude_of_minus_99_is_dropped(tmp_path):
    line = "25544 98 067A   4353 F 20160720013132250 17 25 1918175+113996 56 S-990 10"
    path = tmp_path / "obs.txt"
    path.write_text(line + "\n")
    table = read_observations(path)
    assert len(table) == 1 and np.isnan(table["magnitude"][0])
    assert "magnitude: -99.0 is not a possible magnitude" in table.meta["dropped_fields"][0]


@pytest.mark.parametrize("row, expected", [("25544,-1", "hbr_m with a radius > 0 and <= 1000"),
                                           ("25544,nan", "hbr_m"), ("25544,inf", "hbr_m")])
def test_hbr_file_ranges(tmp_path, capsys, row, expected):
    path = tmp_path / "hbr.csv"
    path.write_text(f"norad_id,hbr_m\n{row}\n")
    code = main(["screen", IRIDIUM, "--start", "2009-02-10T00:00Z", "--hours", "6",
                 "--hbr-file", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}, line 2" in err and expected in err


@pytest.mark.parametrize("row", ["25544,nan,1,1", "25544,1,inf,1", "25544,1,1,0"])
def test_covariance_file_ranges(tmp_path, capsys, row):
    path = tmp_path / "cov.csv"
    path.write_text(f"norad_id,sigma_r_km,sigma_t_km,sigma_n_km\n{row}\n")
    code = main(["screen", IRIDIUM, "--start", "2009-02-10T00:00Z", "--hours", "6",
                 "--covariance-file", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}, line 2" in err and "sigmas > 0 and <= 10000 km" in err
