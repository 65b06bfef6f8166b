"""Batches of observation files (issue 22, case 2): a file that cannot be used is named with
every reason and left out; the others go on; the exit status says that something was left
out; unknown stations stop the run (every one named at once) unless
--skip-unknown-stations."""

import json
from pathlib import Path

import pytest

from debris.cli import main
from debris.cli.common import EXIT_SKIPPED
from debris.observations import load_stations
from debris.observations.batch import read_observation_batch

REAL = Path("tests/data/observations/real_iod")
CATALOG = ["--catalog", "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"]
GOOD = ("time_utc,station,ra_deg,dec_deg\n2024-11-01T17:00:00Z,dushanbe,10.0,20.0\n"
        "2024-11-01T17:00:05Z,dushanbe,10.1,20.1\n2024-11-01T17:00:10Z,dushanbe,10.2,20.2\n")


@pytest.fixture
def batch(tmp_path):
    paths = {}
    paths["a"] = tmp_path / "a_4171.txt"
    paths["a"].write_text((REAL / "23908_20200316.txt").read_text())  # station 4171
    paths["b"] = tmp_path / "b_4172.txt"
    paths["b"].write_text((REAL / "iod_data_af2.txt").read_text())  # station 4172
    paths["good"] = tmp_path / "good.csv"
    paths["good"].write_text(GOOD)
    paths["empty"] = tmp_path / "empty.txt"
    paths["empty"].write_text("")
    paths["binary"] = tmp_path / "binary.iod"
    paths["binary"].write_bytes(bytes(range(256)) * 4)
    return {k: str(v) for k, v in paths.items()}


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_every_unknown_station_is_named_at_once(batch, tmp_path, capsys):
    output = tmp_path / "out.json"
    output.write_text("earlier")
    code, _, err = _run(["identify", batch["a"], batch["good"], batch["b"], *CATALOG,
                         "--format", "json", "--output", str(output)], capsys)
    assert code == 2
    assert "2 unknown stations" in err
    assert f"unknown station '4171' (15 observations, first at {batch['a']}:1)" in err
    assert "unknown station '4172' (" in err and f"first at {batch['b']}:1)" in err
    assert "--skip-unknown-stations" in err
    assert output.read_text() == "earlier"


def test_skip_unknown_stations_uses_the_other_files(batch, tmp_path, capsys):
    output = tmp_path / "out.json"
    code, _, err = _run(["identify", batch["a"], batch["good"], batch["b"], *CATALOG,
                         "--skip-unknown-stations", "--format", "json", "--output",
                         str(output)], capsys)
    assert code == EXIT_SKIPPED == 3
    assert f"skipped {batch['a']}: unknown station '4171'" in err
    assert f"skipped {batch['b']}: unknown station '4172'" in err
    assert "2 of 3 files skipped" in err
    doc = json.loads(output.read_text())
    assert doc["meta"]["observations"] == 3
    assert {o["file"] for o in doc["observations"]} == {batch["good"]}


@pytest.mark.parametrize("command", ["identify", "residuals", "iod"])
def test_an_unreadable_file_is_skipped_and_the_batch_goes_on(batch, tmp_path, capsys,
                                                            command):
    code, out, err = _run([command, batch["empty"], batch["good"], batch["binary"], *CATALOG],
                          capsys)
    assert code == EXIT_SKIPPED
    assert f"skipped {batch['empty']}: empty file" in err
    assert f"skipped {batch['binary']}: binary data" in err


def test_nothing_usable_is_exit_2_with_every_file(batch, capsys):
    code, _, err = _run(["identify", batch["empty"], batch["binary"], *CATALOG], capsys)
    assert code == 2 and "none of the 2 files could be used" in err
    assert f"cannot use {batch['empty']}: empty file" in err
    code, _, err = _run(["identify", batch["empty"], *CATALOG], capsys)  # one file: its reason
    assert code == 2 and f"{batch['empty']}: empty file" in err


def test_the_library_returns_the_skipped_files(batch):
    stations = load_stations()
    table, skipped = read_observation_batch([batch["a"], batch["good"], batch["empty"]],
                                            stations)
    assert len(table) == 3 and [s.path for s in skipped] == [batch["a"], batch["empty"]]
    assert "unknown station '4171'" in skipped[0].reasons[0]
