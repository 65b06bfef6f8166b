"""The command line, run in-process through debris.cli.main."""

import json
import math
import os

import numpy as np
import pytest

from debris import __version__
from debris.cli import main

IRIDIUM = "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"


@pytest.fixture
def repo_root():
    return os.path.join(os.path.dirname(__file__), os.pardir)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"debris {__version__}"


def test_sites_lists_the_observatories(capsys):
    code, out, _ = run(capsys, "sites", "--format", "json")
    names = [s["name"] for s in json.loads(out)["sites"]]
    assert code == 0 and names == ["dushanbe", "hissar", "sanglokh"]


def test_catalog_info_reports_rejections(capsys, tmp_path, data_dir):
    lines = (data_dir / "spacetrack_2line.tle").read_text().splitlines()
    lines[3] = lines[3][:68] + str((int(lines[3][68]) + 1) % 10)
    bad = tmp_path / "one_bad.tle"
    bad.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "catalog", "info", str(bad), "--format", "json")
    info = json.loads(out)
    assert code == 0 and info["objects"] == 39 and info["rejected"] == 1
    (rej,) = info["rejected_records"]
    assert rej["line"] == 4 and "line 2 checksum mismatch" in rej["reason"]  # its own line
    code, out, _ = run(capsys, "catalog", "info", str(bad))
    assert "rejected records: 1" in out and f"{bad}:4" in out


def test_catalog_info_on_empty_file_fails_clearly(capsys, tmp_path):
    empty = tmp_path / "empty.tle"
    empty.write_text("")
    code, _, err = run(capsys, "catalog", "info", str(empty))
    assert code == 2 and "empty.tle: file is empty" in err


def test_ephemeris_csv_and_oem(capsys, tmp_path, repo_root):
    path = os.path.join(repo_root, IRIDIUM)
    out_csv = tmp_path / "eph.csv"
    code, _, err = run(capsys, "ephemeris", path, "--norad", "24946", "--start",
                       "2009-02-10T16:50:00Z", "--end", "2009-02-10T17:00:00Z", "--step-s", "60",
                       "--output", str(out_csv))
    assert code == 0
    rows = out_csv.read_text().splitlines()
    assert rows[0].startswith("time_utc,x_teme_km") and len(rows) == 12
    assert rows[1].startswith("2009-02-10T16:50:00.000Z,")
    from sgp4.api import Satrec

    lines = open(path).read().splitlines()
    sat = Satrec.twoline2rv(lines[1], lines[2])
    e, r, v = sat.sgp4(2454872.5, (16 * 60 + 50) / 1440.0)
    values = [float(x) for x in rows[1].split(",")[1:7]]
    assert np.allclose(values[:3], r, atol=1e-6) and np.allclose(values[3:], v, atol=1e-9)

    code, out, _ = run(capsys, "ephemeris", path, "--norad", "22675", "--start",
                       "2009-02-10T16:50:00Z", "--hours", "0.1", "--format", "oem",
                       "--frame", "itrs")
    assert code == 0
    for key in ("CCSDS_OEM_VERS = 2.0", "OBJECT_NAME = COSMOS 2251", "OBJECT_ID = 1993-036A",
                "CENTER_NAME = EARTH", "REF_FRAME = ITRF", "TIME_SYSTEM = UTC",
                "START_TIME = 2009-02-10T16:50:00.000", "META_STOP"):
        assert key in out
    assert out.strip().splitlines()[-1].startswith("2009-02-10T16:56:00.000 ")


def test_unknown_norad_and_site_messages(capsys, repo_root):
    path = os.path.join(repo_root, IRIDIUM)
    code, _, err = run(capsys, "ephemeris", path, "--norad", "1", "--start",
                       "2009-02-10T16:50:00Z", "--hours", "1")
    assert code == 2 and "NORAD 1 is not in this catalogue" in err
    code, _, err = run(capsys, "passes", path, "--site", "atlantis", "--night", "2009-02-10")
    assert code == 2 and "unknown site 'atlantis'; known sites: dushanbe" in err


def test_passes_json_written_atomically(capsys, tmp_path):
    out = tmp_path / "passes.json"
    code, _, err = run(capsys, "passes", "--site", "dushanbe", "--site", "38.26,69.22,2200",
                       "--norad", "25544,20580,5", "--start", "2024-11-01T00:00:00Z",
                       "--hours", "24", "--format", "json", "--output", str(out))
    assert code == 0 and "non-LEO objects skipped" in err  # 5 = Vanguard 1, not LEO
    doc = json.loads(out.read_text())
    assert doc["meta"]["tool"] == "debris" and doc["meta"]["passes"] == len(doc["passes"])
    assert doc["meta"]["window"] == {"start_utc": "2024-11-01T00:00:00.000Z",
                                     "end_utc": "2024-11-02T00:00:00.000Z"}
    assert {p["norad_id"] for p in doc["passes"]} == {25544, 20580}
    assert {p["site"] for p in doc["passes"]} == {"dushanbe", "38.26,69.22,2200"}
    first = doc["passes"][0]
    assert first["culmination_utc"].endswith("Z") and len(first["culmination_utc"]) == 24
    assert [f for f in os.listdir(tmp_path) if f != "passes.json"] == []


def test_stale_elements_are_mentioned_once(capsys):
    code, out, err = run(capsys, "passes", "--norad", "25544", "--site", "dushanbe",
                         "--night", "2024-12-01", "--format", "csv")
    assert code == 0 and err.count("more than 3 days from the window") == 1
    assert out.splitlines()[0].startswith("norad_id,name,site,rise_utc")


def test_failed_run_leaves_no_file(tmp_path, monkeypatch):
    from debris import io

    target = tmp_path / "out.txt"
    target.write_text("previous good data\n")
    with pytest.raises(RuntimeError):
        with io.atomic_write(target) as handle:
            handle.write("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "previous good data\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_python_m_debris_reports_versions_and_coverage():
    from debris.__main__ import report

    text = report()
    assert "propagation backends: sgp4" in text and "DE421" in text
    assert "bundled catalogue: celestrak_on_orbit_2024-11-01.omm.csv: 26834 objects" in text


def test_crossings_command_json(capsys, tmp_path):
    out = tmp_path / "crossings.json"
    code, _, err = run(capsys, "crossings", "--site", "dushanbe", "--start",
                       "2024-11-01T16:00:00Z", "--hours", "1", "--ra-deg", "5", "--dec-deg",
                       "38.5", "--radius-deg", "3", "--format", "json", "--output", str(out))
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert doc["meta"]["parameters"]["centre"] == {"ra_deg": 5.0, "dec_deg": 38.5,
                                                   "frame": "ICRS"}
    assert doc["meta"]["crossings"] == len(doc["crossings"]) > 0
    row = doc["crossings"][0]
    assert row["min_separation_deg"] <= 3.0 and row["closest_utc"].endswith("Z")
    code, _, err = run(capsys, "crossings", "--site", "dushanbe", "--radius-deg", "1",
                       "--ra-deg", "5", "--start", "2024-11-01T16:00:00Z", "--hours", "1")
    assert code == 2 and "either --ra-deg and --dec-deg" in err


def test_decayed_object_is_reported_not_fatal(capsys):
    # The ISS elements of 2024-10-31 propagated two years on: SGP4 reports decay (error 6).
    code, out, err = run(capsys, "passes", "--norad", "25544,58683", "--site", "sanglokh",
                         "--start", "2026-11-23T12:00:00Z", "--hours", "12", "--format", "json")
    assert code == 0
    assert "SGP4 failed for 1 objects during the window" in err and "NORAD 25544 (error 6)" in err
    doc = json.loads(out)
    assert doc["meta"]["sgp4_failures_in_window"] == 1
    assert {p["norad_id"] for p in doc["passes"]} == {58683}


def test_screen_json_with_sites(capsys, tmp_path):
    out = tmp_path / "conj.json"
    code, _, err = run(capsys, "screen", IRIDIUM, "--start", "2009-02-10T00:00:00Z", "--days",
                       "1", "--site", "dushanbe", "--site", "60,95", "--format", "json",
                       "--output", str(out))
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert doc["meta"]["conjunctions"] == 1 and doc["meta"]["command"] == "screen"
    row = doc["conjunctions"][0]
    assert (row["norad_id_1"], row["norad_id_2"]) == (22675, 24946)
    assert row["tca_utc"] == "2009-02-10T16:55:59.796Z"
    assert abs(row["miss_distance_km"] - 0.698) < 0.001
    assert set(row["observable_from"]) == {"dushanbe", "60,95"}
    assert row["covariance"] == "default" and row["hard_body_radius_m"] > 0
    assert 0 < row["probability"] <= row["max_probability"] <= 1


def test_screen_csv_has_a_column_per_site(capsys):
    code, out, _ = run(capsys, "screen", IRIDIUM, "--start", "2009-02-10T16:00:00Z", "--hours",
                       "2", "--site", "hissar", "--format", "csv")
    header = out.splitlines()[0].split(",")
    assert code == 0 and header[:2] == ["norad_id_1", "norad_id_2"]
    assert "observable_hissar" in header and len(out.splitlines()) == 2


def test_screen_cdm_output_parses_back(capsys, tmp_path):
    from debris.conjunctions import cdm_pc
    from debris.io.ccsds import OBLIGATORY_OBJECT, read_cdm

    folder = tmp_path / "cdms"
    code, _, err = run(capsys, "screen", IRIDIUM, "--start", "2009-02-10T16:00:00Z", "--hours",
                       "2", "--format", "cdm", "--output", str(folder))
    assert code == 0, err
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".cdm"]
    cdm = read_cdm(files[0])
    assert all(k in obj for obj in cdm.objects for k in OBLIGATORY_OBJECT)
    assert cdm.objects[0]["COVARIANCE_METHOD"] == "DEFAULT"
    assert cdm.relative["TCA"] == "2009-02-10T16:55:59.796"
    result = cdm_pc(cdm)  # the written states and covariances give back the written Pc
    assert result["probability"] == pytest.approx(float(cdm.relative["COLLISION_PROBABILITY"]),
                                                  rel=1e-6)
    assert result["miss_distance_km"] == pytest.approx(0.698, abs=0.001)


def test_screen_bad_input_messages(capsys, tmp_path):
    code, _, err = run(capsys, "screen", IRIDIUM, "--start", "2009-02-10T00:00:00Z",
                       "--primary", "99999")
    assert code == 2 and "primary NORAD id(s) not in the catalogue: 99999" in err
    code, _, err = run(capsys, "screen", IRIDIUM, "--start", "2009-02-10T00:00:00Z",
                       "--format", "cdm")
    assert code == 2 and "give --output DIR" in err
    bad = tmp_path / "hbr.csv"
    bad.write_text("norad_id,hbr_m\n24946,big\n")
    code, _, err = run(capsys, "screen", IRIDIUM, "--start", "2009-02-10T00:00:00Z",
                       "--hours", "1", "--hbr-file", str(bad))
    assert code == 2 and "hbr.csv, line 2: expected norad_id,hbr_m" in err


def test_pc_command_on_cara_cdms(capsys, data_dir, tmp_path):
    files = sorted(str(p) for p in (data_dir / "cara_cdms").glob("*.cdm"))[:5]
    broken = tmp_path / "broken.cdm"
    broken.write_text("CCSDS_CDM_VERS = 1.0\nnonsense\n")
    code, out, err = run(capsys, "pc", *files, str(broken), "--format", "json")
    assert code == 3 and "broken.cdm, line 2" in err  # reported, the others still done
    doc = json.loads(out)
    assert doc["meta"]["cdms"] == 5
    for rec in doc["results"]:
        assert rec["method"] == "foster"
        assert abs(rec["probability"] - rec["cdm_probability"]) <= 5e-3 * rec["cdm_probability"]
    code, out, _ = run(capsys, "pc", files[0], "--hbr-m", "1", "--method", "chan",
                       "--format", "json")
    small = json.loads(out)["results"][0]
    assert code == 0 and small["method"] == "chan" and small["hard_body_radius_m"] == 1.0
    assert small["probability"] < doc["results"][0]["probability"]  # a smaller disk


def test_schedule_command(capsys, tmp_path, leo_sample, repo_root):
    from sgp4.exporter import export_tle

    lines = []
    for name, sat in zip(leo_sample.name, leo_sample.satrecs):
        lines += [str(name), *export_tle(sat)]
    tle = tmp_path / "sample.3le"
    tle.write_text("\n".join(lines) + "\n")
    prio = tmp_path / "prio.csv"
    prio.write_text(f"norad_id,weight\n{leo_sample.norad_id[0]},5\n")
    out = tmp_path / "night.json"
    scope = os.path.join(repo_root, "examples", "telescope_dushanbe.toml")
    code, _, err = run(capsys, "schedule", str(tle), "--site", "dushanbe", "--night",
                       "2024-11-01", "--telescope", scope, "--priorities", str(prio),
                       "--format", "json", "--output", str(out), "--track-step-s", "2")
    assert code == 0, err
    doc = json.loads(out.read_text())
    info = doc["meta"]["objective"]["dushanbe_05m"]
    assert doc["meta"]["observations"] == len(doc["observations"]) == info["observations"] > 0
    assert info["objective"] >= info["objective_greedy"]
    assert doc["meta"]["night"]["start_utc"].startswith("2024-11-01T13:2")
    tracks = (tmp_path / "night.tracks.csv").read_text().splitlines()
    assert tracks[0] == "telescope,norad_id,time_utc,azimuth_deg,elevation_deg,ra_deg,dec_deg,rate_deg_s"
    # each track 30 s and 3 timing sigmas each side, a point every 2 s
    lengths = [round(math.ceil(30 + 6 * o["time_sigma_s"])) for o in doc["observations"]]
    assert len(tracks) - 1 == sum(n // 2 + 1 for n in lengths)
    bad = tmp_path / "bad.toml"
    bad.write_text(open(scope).read().replace("settle_time_s = 4.0", "settle_time_s = -1"))
    code, _, err = run(capsys, "schedule", str(tle), "--site", "dushanbe", "--night",
                       "2024-11-01", "--telescope", str(bad))
    assert code == 2 and "settle_time_s = -1; expected a number of seconds >= 0" in err


def test_progress_bar_only_on_a_terminal():
    import io as _io

    from debris.progress import progress_bar

    assert progress_bar("x", stream=_io.StringIO()) is None  # cron: quiet
    out = _io.StringIO()
    report = progress_bar("screening", stream=out, force=True)
    report(1, 4)
    report(4, 4)
    text = out.getvalue()
    assert "screening [" in text and "1/4" in text and text.endswith("4/4,     0 s left\n")


WINDOW = ["--start", "2009-02-10T16:00:00Z", "--hours", "1"]
TELESCOPE = "examples/telescope_dushanbe.toml"


@pytest.mark.parametrize("argv", [
    ["sites", "--sites-file", "{bad}"],
    ["passes", IRIDIUM, *WINDOW, "--std-mag-file", "{bad}"],
    ["screen", IRIDIUM, *WINDOW, "--hbr-file", "{bad}"],
    ["screen", IRIDIUM, *WINDOW, "--covariance-file", "{bad}"],
    ["screen", IRIDIUM, *WINDOW, "--primary-file", "{bad}"],
    ["schedule", IRIDIUM, *WINDOW, "--telescope", "{bad}"],
    ["schedule", IRIDIUM, *WINDOW, "--telescope", TELESCOPE, "--priorities", "{bad}"],
    ["schedule", IRIDIUM, *WINDOW, "--telescope", TELESCOPE, "--conjunctions", "{bad}"],
    ["nightly", "--config", "{bad}", "--offline"],
])
def test_binary_input_files_are_named(capsys, tmp_path, argv):
    # A binary file given where text is expected: exit 2 naming the file, not a traceback.
    bad = tmp_path / "binary.dat"
    bad.write_bytes(b"\x82\x00\xff binary")
    code, _, err = run(capsys, *[a.replace("{bad}", str(bad)) for a in argv])
    assert code == 2 and f"{bad}: not UTF-8 text" in err, err


def test_a_bug_is_an_internal_error_not_bad_input(capsys, monkeypatch):
    # Only DebrisError means bad input (exit 2); anything else is reported as a bug.
    import debris.cli.catalog as command

    def broken(args):
        raise ValueError("an internal slip")

    monkeypatch.setattr(command, "cmd_sites", broken)
    code, _, err = run(capsys, "sites")
    assert code == 1 and "internal error" in err and "Traceback" in err
    assert "an internal slip" in err
