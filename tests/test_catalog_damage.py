"""Record-level quarantine: a stray control or non-UTF-8 byte costs the record that holds it,
never the catalogue; files that are not text are still refused, naming the file."""

import gzip
import io
import random
import sqlite3
import zipfile

import pytest

from debris import Catalog
from debris.cli import main
from debris.errors import CatalogError

#: Real files in the formats users bring (Space-Track 3LE and 2LE, CelesTrak OMM CSV/JSON).
REAL = ("spacetrack_2024-07-05_sample.3le", "spacetrack_2line.tle",
        "celestrak_sample.omm.csv", "celestrak_sample.omm.json")


def _records(path):
    return Catalog.from_file(path)


def test_a_300_record_file_with_one_junk_line_keeps_every_record(data_dir, tmp_path):
    lines = (data_dir / "spacetrack_2024-07-05_sample.3le").read_bytes().split(b"\n")[:900]
    junk = lines[:450] + [b"junk \x00\x01 from a bad copy"] + lines[450:]
    path = tmp_path / "junk.3le"
    path.write_bytes(b"\n".join(junk) + b"\n")
    cat = Catalog.from_file(path)
    assert len(cat) == 300
    assert [r.line_number for r in cat.rejected] == [451]
    assert "byte 0x00" in cat.rejected[0].reason


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("byte", [b"\x00", b"\xff"])
def test_a_damaged_record_costs_only_itself(data_dir, tmp_path, name, byte):
    """Three records damaged (a NUL or a non-UTF-8 byte inside a record's line): every other
    record is read, and each damaged record is rejected with its file and line."""
    source = data_dir / name
    whole = Catalog.from_file(source)
    lines = source.read_bytes().split(b"\n")
    rng = random.Random(7)
    candidates = [i for i, line in enumerate(lines) if len(line) > 20 and
                  (name.endswith("csv") and i > 0 or line[:2] in (b"1 ", b"2 ") or
                   b'"EPOCH"' in line or b'"OBJECT_NAME"' in line)]
    hit = sorted(rng.sample(candidates, 3))
    for i in hit:
        at = rng.randrange(8, len(lines[i]) - 3)
        lines[i] = lines[i][:at] + byte + lines[i][at + 1:]
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines))
    cat = Catalog.from_file(path)
    assert len(cat) >= len(whole) - 3
    assert len(cat) + len(cat.rejected) >= len(whole)
    reported = " ".join(f"{r.source}:{r.line_number}: {r.reason}" for r in cat.rejected)
    assert str(path) in reported
    if byte == b"\x00":  # a control byte is always named
        assert reported.count("byte 0x00") >= 1
    kept = set(cat.norad_id.tolist())
    assert kept <= set(whole.norad_id.tolist())


def _binary_files(tmp_path):
    out = {}
    gz = tmp_path / "catalog.tle.gz"
    gz.write_bytes(gzip.compress(b"1 25544U ...\n" * 50))
    out["gzip"] = gz
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("catalog.tle", "x" * 100)
    (tmp_path / "catalog.zip").write_bytes(zipped.getvalue())
    out["zip"] = tmp_path / "catalog.zip"
    db = tmp_path / "catalog.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("create table t (x)")
    out["SQLite"] = db
    random_file = tmp_path / "random.bin"
    random_file.write_bytes(random.Random(3).randbytes(20000))
    out["control bytes"] = random_file
    return out


@pytest.mark.parametrize("kind", ["gzip", "zip", "SQLite", "control bytes"])
def test_files_that_are_not_text_still_exit_2_naming_the_file(tmp_path, capsys, kind):
    path = _binary_files(tmp_path)[kind]
    with pytest.raises(CatalogError, match="binary data"):
        Catalog.from_file(path)
    code = main(["catalog", "info", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}: binary data" in err and kind in err
    assert "Traceback" not in err


def test_old_latin1_names_are_names_not_damage(tmp_path):
    text = ("ÉCHO 1\n"
            "1 00049U 60009A   24306.50000000  .00000000  00000-0  00000-0 0  9990\n"
            "2 00049  47.2000 100.0000 0100000  10.0000 350.0000 12.00000000    07\n")
    path = tmp_path / "old.tle"
    path.write_bytes(text.encode("latin-1"))
    cat = Catalog.from_file(path, verify_checksums=False)
    assert list(cat.name) == ["ÉCHO 1"] and not cat.rejected


def test_a_byte_that_breaks_json_syntax_costs_one_record(data_dir, tmp_path):
    text = (data_dir / "celestrak_sample.omm.json").read_bytes()
    whole = Catalog.from_file(data_dir / "celestrak_sample.omm.json")
    damaged = text.replace(b'"MEAN_MOTION": 10.8574679', b'"MEAN_MOTION": 10.85\x00"4679', 1)
    assert damaged != text
    path = tmp_path / "damaged.json"
    path.write_bytes(damaged)
    cat = Catalog.from_file(path)
    assert len(cat) == len(whole) - 1 and 5 not in cat.norad_id
    assert len(cat.rejected) == 1 and cat.rejected[0].line_number == 2


def test_the_whole_bundled_catalogue_with_one_damaged_record(tmp_path):
    """26,834 OMM rows, one NUL in row 5,000: every other record read, that one named."""
    from debris.catalog import bundled_catalog_path

    lines = bundled_catalog_path().read_bytes().split(b"\n")
    lines[5000] = lines[5000][:30] + b"\x00" + lines[5000][31:]
    path = tmp_path / "damaged.omm.csv"
    path.write_bytes(b"\n".join(lines))
    cat = Catalog.from_file(path)
    assert len(cat) == 26833
    assert [r.line_number for r in cat.rejected] == [5001]
    assert "line 5001 holds byte 0x00, not text" in cat.rejected[0].reason
