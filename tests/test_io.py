"""JSON output: records assembled as byte arrays must parse back to the table's values."""

import os
import json

import numpy as np
import pytest

from debris.io import iter_table_json, table_to_json
from debris.table import Table


def _table(n=500, seed=3):
    rng = np.random.default_rng(seed)
    fixed = rng.normal(0.0, 2000.0, n)
    fixed[::11] = np.nan
    fixed[1:4] = [-0.0000004, 0.9999996, -12.5]
    names = np.array(["ISS (ZARYA)", "", 'say "hi"', "back\\slash", "tab\there", "Dušanbe",
                      "𝄞 clef", "COSMOS 2251 DEB"])[rng.integers(0, 8, n)]
    return Table({
        "norad_id": rng.integers(-5, 99_999, n),
        "name": names,
        "fixed_deg": fixed,
        "free": rng.normal(0.0, 1e-20, n),
        "flag": rng.random(n) > 0.5,
        "time_utc": np.where(rng.random(n) > 0.3, "2024-11-01T13:00:00.000Z", ""),
    })


def test_records_parse_back_to_the_values():
    table = _table()
    doc = json.loads(table_to_json(table, "rows", {"tool": "debris"}, {"fixed_deg": 6}))
    assert doc["meta"] == {"tool": "debris"}
    rows = doc["rows"]
    assert len(rows) == len(table)
    for i, row in enumerate(rows):
        assert row["norad_id"] == table["norad_id"][i]
        assert row["name"] == (table["name"][i] or None)
        assert row["free"] == table["free"][i]  # shortest round-trip form: exact
        assert row["flag"] == bool(table["flag"][i])
        assert row["time_utc"] == (table["time_utc"][i] or None)
        value = table["fixed_deg"][i]
        if np.isnan(value):
            assert row["fixed_deg"] is None
        else:
            assert row["fixed_deg"] == pytest.approx(float(f"{value:.6f}"), abs=1.5e-6)


def test_blocks_join_to_the_same_document():
    table = _table(n=103)
    whole = json.loads(table_to_json(table, "rows", {}, {"fixed_deg": 3}))
    pieces = list(iter_table_json(table, "rows", {}, {"fixed_deg": 3}, rows_per_piece=7))
    assert len(pieces) > 15  # header, list opening, 15 blocks of 7 records
    assert json.loads("".join(pieces)) == whole  # columns are padded per block: same values


def test_empty_table():
    empty = _table().take(np.zeros(500, bool))
    assert json.loads(table_to_json(empty, "rows", {"n": 0})) == {"meta": {"n": 0}, "rows": []}


def test_a_killed_runs_part_is_removed_by_the_next_write(tmp_path):
    """SIGKILL leaves a part file behind; the next write of the same output removes it (only
    parts of processes that no longer run)."""
    import subprocess
    import sys

    from debris.io.files import write_text

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".out.csv.{gone}.0.part"
    stale.write_text("half")
    mine = tmp_path / f".out.csv.{os.getppid()}.0.part"  # a running process: kept
    mine.write_text("busy")
    write_text("a,b\n", tmp_path / "out.csv")
    assert not stale.exists() and mine.exists()
    assert (tmp_path / "out.csv").read_text() == "a,b\n"
