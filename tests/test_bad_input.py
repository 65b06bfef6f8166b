"""Bad input, case by case: each gets one clear line naming what was wrong, exit status 2, no
traceback, and no output written or replaced. The README's table "Bad input" lists these
cases; each row is one test here (by its id)."""

import errno
import json
import os
import re
from pathlib import Path

import pytest

from debris.cli import main

IRIDIUM = "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"
WINDOW = ["--start", "2009-02-10T00:00:00Z", "--hours", "6"]
CDM = "tests/data/cara_cdms/" + sorted(os.listdir("tests/data/cara_cdms"))[0]
TELESCOPE = "examples/telescope_dushanbe.toml"
SATFIT = "tests/data/observations/satfit_deep_space/"


@pytest.fixture
def files(tmp_path):
    """Bad files of every kind, by name."""
    out = {}
    binary = bytes(range(256)) * 12
    for name, content in {"binary.tle": binary, "binary.cdm": b"\x82\xff" + binary,
                          "binary.toml": b"\x82\xff\x00" + binary, "empty.tle": b"",
                          "garbage.tle": b"hello world\nnot a TLE\n1 bad line\n"}.items():
        (tmp_path / name).write_bytes(content)
        out[name] = str(tmp_path / name)
    csv = Path("tests/data/celestrak_sample.omm.csv").read_text().splitlines()
    header = csv[0].split(",")
    drop = header.index("MEAN_MOTION")
    rows = [",".join(c for k, c in enumerate(line.split(",")) if k != drop) for line in csv]
    (tmp_path / "no_mean_motion.csv").write_text("\n".join(rows) + "\n")
    out["no_mean_motion.csv"] = str(tmp_path / "no_mean_motion.csv")
    high = bytes(range(0x80, 0x100)) * 8 + b"\n" + bytes(range(0x20, 0x7f)) * 4  # no control
    (tmp_path / "binary_high.iod").write_bytes(high)
    out["binary_high.iod"] = str(tmp_path / "binary_high.iod")
    out["folder"] = str(tmp_path)
    out["missing"] = str(tmp_path / "missing.tle")
    (tmp_path / "a_file").write_text("x")
    out["under_a_file"] = str(tmp_path / "a_file" / "out.csv")
    return out


#: (id, argv with @name for the file `files` makes, message that must be on stderr)
CASES = [
    ("binary-catalogue", ["passes", "@binary.tle", "--night", "2024-11-01"],
     r"binary\.tle: binary data \(control bytes on \d+ of \d+ lines, first at line 1\), not a catalogue"),
    ("binary-catalogue-info", ["catalog", "info", "@binary.tle"], r"binary data"),
    ("empty-catalogue", ["screen", "@empty.tle", *WINDOW], r"empty\.tle: file is empty"),
    ("folder-as-catalogue", ["passes", "@folder"], r"is a folder, not a catalogue file"),
    ("missing-catalogue", ["passes", "@missing"], r"missing\.tle: no such file"),
    ("no-usable-element-set", ["passes", "@garbage.tle"], r"no usable element sets"),
    ("no-usable-element-set-info", ["catalog", "info", "@garbage.tle"],
     r"no usable element sets"),
    ("omm-csv-without-column", ["catalog", "info", "@no_mean_motion.csv"],
     r"no_mean_motion\.csv: CSV header lacks MEAN_MOTION"),
    ("binary-cdm", ["pc", "@binary.cdm"], r"binary\.cdm: not UTF-8 text \(byte 0x82"),
    ("binary-toml", ["schedule", IRIDIUM, "--telescope", "@binary.toml", *WINDOW],
     r"binary\.toml: not UTF-8 text"),
    ("unknown-site", ["passes", IRIDIUM, "--site", "atlantis", *WINDOW], r"atlantis"),
    ("bad-time", ["passes", IRIDIUM, "--start", "2009-02-30T00:00", "--hours", "1"],
     r"2009-02-30"),
    ("negative-step", ["screen", IRIDIUM, *WINDOW, "--step-s", "-60"],
     r"--step-s: -60 is outside the range: expected a number 1\.\.3600 s"),
    ("zero-step", ["screen", IRIDIUM, *WINDOW, "--step-s", "0"], r"--step-s: 0 is outside"),
    ("zero-days", ["screen", IRIDIUM, "--start", "2009-02-10", "--days", "0"],
     r"--days: 0 is outside the range: expected a number > 0"),
    ("zero-hours", ["passes", IRIDIUM, "--start", "2009-02-10", "--hours", "0"],
     r"--hours: 0 is outside the range"),
    ("end-before-start", ["passes", IRIDIUM, "--start", "2009-02-10T06:00Z", "--end",
                          "2009-02-10T05:00Z"], r"is not after --start"),
    ("elevation-above-90", ["passes", IRIDIUM, *WINDOW, "--min-elevation-deg", "120"],
     r"--min-elevation-deg: 120 is outside the range: expected a number 0\.\.90 deg"),
    ("elevation-below-0", ["passes", IRIDIUM, *WINDOW, "--min-elevation-deg", "-100"],
     r"--min-elevation-deg: -100 is outside"),
    ("sun-altitude-out-of-range", ["passes", IRIDIUM, *WINDOW, "--sun-altitude-deg", "-100"],
     r"--sun-altitude-deg: -100 is outside the range: expected a number -90\.\.90 deg"),
    ("declination-out-of-range", ["crossings", IRIDIUM, *WINDOW, "--ra-deg", "10",
                                  "--dec-deg", "120", "--radius-deg", "1"],
     r"--dec-deg: 120 is outside the range: expected a number -90\.\.90 deg"),
    ("negative-radius", ["crossings", IRIDIUM, *WINDOW, "--ra-deg", "10", "--dec-deg", "10",
                         "--radius-deg", "-1"], r"--radius-deg: -1 is outside"),
    ("negative-hbr", ["pc", CDM, "--hbr-m", "-5"], r"--hbr-m: -5 is outside the range"),
    ("negative-threshold", ["screen", IRIDIUM, *WINDOW, "--threshold-km", "-1"],
     r"--threshold-km: -1 is outside"),
    ("zero-track-step", ["schedule", IRIDIUM, "--telescope", TELESCOPE, *WINDOW,
                         "--track-step-s", "0"], r"--track-step-s: 0 is outside"),
    ("not-a-number", ["screen", IRIDIUM, *WINDOW, "--step-s", "abc"],
     r"--step-s: 'abc' is not a number"),
    ("unknown-primary", ["screen", IRIDIUM, *WINDOW, "--primary", "99999"],
     r"primary NORAD id\(s\) not in the catalogue: 99999"),
    ("bad-norad-list", ["passes", IRIDIUM, *WINDOW, "--norad", "25544,ISS"],
     r"'ISS' is not a NORAD id"),
    ("cdm-without-output", ["screen", IRIDIUM, *WINDOW, "--format", "cdm"],
     r"--format cdm writes one file per conjunction: give --output DIR"),
    ("checkpoint-is-a-file", ["screen", IRIDIUM, *WINDOW, "--checkpoint", "@binary.tle"],
     r"checkpoint folder .*binary\.tle is a file"),
    ("missing-archive", ["catalog", "history", "25544", "--archive", "@missing"],
     r"missing\.tle: no archive there"),
    ("output-under-a-file", ["passes", IRIDIUM, *WINDOW, "--output", "@under_a_file"],
     r"cannot write .*out\.csv: a file is in the way of its folder \(ENOTDIR\)"),
    # Round 3 (issue 22, cases 7 and 8).
    ("dask-unknown-scheme", ["screen", IRIDIUM, *WINDOW, "--dask", "foo://x"],
     r"--dask 'foo://x': expected local, local:N or a scheduler address"),
    ("output-in-proc", ["fit", SATFIT + "22988.txt", "--stations", SATFIT + "STATIONS.IN",
                        "--norad", "22988", "--catalog", SATFIT + "22988.txt", "--output",
                        "/proc/x.tle"], r"cannot write /proc/x\.tle: .*nothing was written"),
    ("binary-observations-without-nul", ["identify", "@binary_high.iod"],
     r"binary_high\.iod: binary data \(\d+ of the first \d+ bytes are not text\)"),
    ("binary-observations", ["identify", "@binary.tle"],
     r"binary\.tle: binary data \(byte 0x00 at offset 0\), not an observation file"),
]


@pytest.mark.parametrize("argv, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_line_and_exit_2(argv, message, files, capsys):
    argv = [files[a[1:]] if a.startswith("@") else a for a in argv]
    with pytest.raises(SystemExit) as info:  # argparse's own errors exit directly
        raise SystemExit(main(argv))
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, err
    assert re.search(message, errors[0]), errors[0]


def test_one_object_without_a_pass_is_an_empty_table(capsys):
    code = main(["passes", IRIDIUM, "--norad", "24946", "--start", "2009-02-10T00:00Z",
                 "--hours", "0.05", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["passes"] == []


def _fail_replace(monkeypatch, code, when=lambda src, dst: True):
    """Make the renames of debris.io.files fail with errno `code` where `when(src, dst)`
    (root ignores permissions, so failures are injected)."""
    import debris.io.files as files_module

    real = files_module.os.replace

    def replace(src, dst):
        if when(str(src), str(dst)):
            raise OSError(code, os.strerror(code), str(dst))
        return real(src, dst)

    monkeypatch.setattr(files_module.os, "replace", replace)


def test_a_full_disk_leaves_the_earlier_output(tmp_path, capsys, monkeypatch):
    """ENOSPC while an output is renamed into place: exit 2, the earlier file as it was, no
    temporary left (root ignores permissions, so the failure is injected)."""
    out = tmp_path / "passes.csv"
    out.write_text("earlier\n")
    _fail_replace(monkeypatch, errno.ENOSPC)
    code = main(["passes", IRIDIUM, *WINDOW, "--format", "csv", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device (ENOSPC)" in err and "Traceback" not in err
    assert out.read_text() == "earlier\n" and os.listdir(tmp_path) == ["passes.csv"]


def test_a_failed_cdm_folder_leaves_the_earlier_one(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "cdms"
    folder.mkdir()
    (folder / "earlier.cdm").write_text("earlier")
    argv = ["screen", IRIDIUM, "--start", "2009-02-10T12:00Z", "--hours", "6",
            "--format", "cdm", "--output", str(folder)]
    _fail_replace(monkeypatch, errno.EROFS, lambda src, dst: src.endswith(".part"))
    assert main(argv) == 2
    assert "Read-only file system (EROFS)" in capsys.readouterr().err
    assert os.listdir(folder) == ["earlier.cdm"] and os.listdir(tmp_path) == ["cdms"]
    monkeypatch.undo()
    assert main(argv) == 0
    written = os.listdir(folder)
    assert len(written) == 1 and written[0].endswith(".cdm") and written != ["earlier.cdm"]
    assert os.listdir(tmp_path) == ["cdms"]


def test_schedule_and_tracks_are_written_both_or_neither(tmp_path, capsys, monkeypatch):
    out = tmp_path / "schedule.csv"
    out.write_text("earlier schedule\n")
    argv = ["schedule", "tle/celestrak_on_orbit_2024-11-01.omm.csv", "--telescope", TELESCOPE,
            "--night", "2024-11-01", "--improvement-rounds", "0", "--format", "csv",
            "--output", str(out)]
    _fail_replace(monkeypatch, errno.EACCES, lambda src, dst: dst.endswith("schedule.csv"))
    assert main(argv) == 2
    assert "Permission denied (EACCES)" in capsys.readouterr().err
    # the tracks went in first and the schedule failed: neither new file may stay
    assert out.read_text() == "earlier schedule\n"
    assert sorted(os.listdir(tmp_path)) == ["schedule.csv"]


def test_outputs_get_the_umasks_mode(tmp_path, capsys):
    """Files and folders written aside and swapped in keep the umask's mode (0644/0755 under
    umask 022), not the 0600/0700 of temporary files."""
    old = os.umask(0o022)
    try:
        folder, table = tmp_path / "cdms", tmp_path / "conj.csv"
        common = ["screen", IRIDIUM, "--start", "2009-02-10T12:00Z", "--hours", "6"]
        assert main([*common, "--format", "cdm", "--output", str(folder)]) == 0
        assert main([*common, "--format", "csv", "--output", str(table)]) == 0
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o755
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in folder.iterdir())
    assert table.stat().st_mode & 0o777 == 0o644


def test_a_3le_whose_first_name_starts_with_lt_is_not_xml(tmp_path, capsys):
    lines = Path(IRIDIUM).read_text().splitlines()
    path = tmp_path / "redacted.3le"
    path.write_text("\n".join(["<REDACTED>", *lines[1:]]) + "\n")
    assert main(["catalog", "info", str(path)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    from debris import Catalog
    assert Catalog.from_file(path).name[0] == "<REDACTED>"


def test_csv_cells_that_start_a_formula_are_defused(tmp_path, capsys):
    lines = Path(IRIDIUM).read_text().splitlines()
    path = tmp_path / "names.3le"
    names = ["=HYPERLINK(\"x\")", "+CMD", "@SUM(A1)", "-1.5"]
    text = []
    for k, name in enumerate(names[:2]):
        text += [name, lines[3 * k + 1], lines[3 * k + 2]]
    path.write_text("\n".join(text) + "\n")
    output = tmp_path / "passes.csv"
    assert main(["passes", str(path), "--start", "2009-02-10T00:00Z", "--hours", "24",
                 "--site", "dushanbe", "--format", "csv", "--output", str(output)]) == 0
    body = output.read_text()
    assert "'=HYPERLINK" in body and "'+CMD" in body
    assert ",=HYPERLINK" not in body and ",+CMD" not in body
    from debris.io.tables import table_to_csv
    from debris.table import Table
    import numpy as np
    text = table_to_csv(Table({"name": np.array(names), "x": np.array([1.0, -2.0, 3.0, 4.0])}))
    assert text.splitlines()[1:] == ['"\'=HYPERLINK(""x"")",1.000000', "'+CMD,-2.000000",
                                     "'@SUM(A1),3.000000", "-1.5,4.000000"]


def test_warnings_become_one_line_notes(monkeypatch, capsys):
    import numpy as np
    import debris.cli.catalog as command

    original = command.cmd_sites

    def noisy(args):
        np.log(np.zeros(1))  # numpy's RuntimeWarning: divide by zero
        return original(args)

    monkeypatch.setattr(command, "cmd_sites", noisy)  # the parser binds it anew each run
    assert main(["sites"]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if line.strip()]
    assert len(notes) == 1, err
    assert notes[0].startswith("debris: note: divide by zero encountered in log "
                               "(RuntimeWarning in test_bad_input.py:")
