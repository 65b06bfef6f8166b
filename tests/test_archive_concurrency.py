"""Two processes writing the SQLite archive at once (as two ``fetch`` or ``nightly`` runs
would): no error, no lost element set, an intact database."""

import multiprocessing
import sqlite3

import numpy as np

from debris import Catalog
from debris.archive import Archive

CATALOGUE = "tle/celestrak_on_orbit_2024-11-01.omm.csv"


def _writer(path, part, rounds, start, failures):
    try:
        catalog = Catalog.from_file(CATALOGUE)
        mine = catalog.subset(np.arange(part, len(catalog), 2)[:3000])
        start.wait()
        for k in range(rounds):
            with Archive(path) as archive:
                archive.add(mine, source=f"writer {part} round {k}")
    except BaseException as exc:  # reported to the parent
        failures.put(repr(exc))
        raise


def test_two_processes_write_the_archive_at_once(tmp_path):
    path = tmp_path / "archive.sqlite"
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as two commands are
    start, failures = context.Event(), context.Queue()
    writers = [context.Process(target=_writer, args=(str(path), part, 4, start, failures))
               for part in (0, 1)]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(timeout=300)
    assert [w.exitcode for w in writers] == [0, 0], failures.get(timeout=1)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT COUNT(*) FROM fetches").fetchone() == (8,)
    assert db.execute("SELECT COUNT(*) FROM elements").fetchone() == (6000,)
    sources = {row[0] for row in db.execute("SELECT source FROM fetches")}
    assert sources == {f"writer {p} round {k}" for p in (0, 1) for k in range(4)}
    db.close()
    with Archive(path) as archive:
        assert len(archive.catalog_for("2024-11-05T00:00:00Z")) == 6000
