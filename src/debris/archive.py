"""A local archive of every element set fetched: one SQLite file, no server.

Tables: ``fetches`` (when, from where, how many objects) and ``elements`` (one row per object
and epoch: the TLE lines, exported by python-sgp4 whatever the fetched format, plus mean
motion, eccentricity, inclination, perigee/apogee and B*). A repeated element set (same object,
same epoch) is stored once. The observatory's own observations that no catalogue object
explains are kept in ``uncorrelated_observations`` (ICRS angles, each row's track), so that
later nights can link their tracks to them.

* :meth:`Archive.catalog_for` gives the latest element set of every object with an epoch at or
  before a moment, as a :class:`~debris.Catalog`: the catalogue as it was known then.
* :meth:`Archive.history` lists an object's element sets over time with flags: ``manoeuvre``
  on the first set that shows one (:func:`debris.manoeuvres.detect_manoeuvres`: a step of the
  mean semi-major axis the sets around it do not explain, with its z statistic and size),
  ``decaying`` when the perigee is below ``DECAY_PERIGEE_KM``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import numpy as np
from sgp4.api import Satrec
from sgp4.exporter import export_tle

from .catalog import Catalog
from .constants import DAY_S, WGS72_MU_KM3_S2
from .errors import ArchiveError, DebrisError
from .io.tables import iso_text
from .magnitude import magnitude_problem, usable_magnitudes
from .manoeuvres import detect_manoeuvres
from .table import Table
from .timescale import to_times
from .uncertainty import (MODEL_DAYS, History, RegimePrior, UncertaintyModel, fit_uncertainty,
                          history_differences)

__all__ = ["Archive", "ArchiveModels", "ArchiveError", "DECAY_PERIGEE_KM"]

DECAY_PERIGEE_KM = 200.0
#: Sets an object needs in the archive for a model of its own (fewer: its regime prior).
MIN_MODEL_SETS = 30

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY, fetched_utc TEXT NOT NULL, source TEXT NOT NULL, url TEXT,
    objects INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS elements (
    norad_id INTEGER NOT NULL, epoch_jd REAL NOT NULL, epoch_utc TEXT NOT NULL,
    fetch_id INTEGER NOT NULL REFERENCES fetches(id), name TEXT, object_type TEXT,
    line1 TEXT NOT NULL, line2 TEXT NOT NULL, mean_motion_rev_day REAL, eccentricity REAL,
    inclination_deg REAL, perigee_km REAL, apogee_km REAL, bstar REAL,
    PRIMARY KEY (norad_id, epoch_utc));
CREATE INDEX IF NOT EXISTS elements_epoch ON elements (epoch_jd);
CREATE TABLE IF NOT EXISTS observed_magnitudes (
    norad_id INTEGER NOT NULL, time_utc TEXT NOT NULL, station TEXT NOT NULL,
    magnitude REAL NOT NULL, std_magnitude REAL NOT NULL, range_km REAL,
    phase_angle_deg REAL, PRIMARY KEY (norad_id, time_utc, station));
CREATE TABLE IF NOT EXISTS uncorrelated_observations (
    time_utc TEXT NOT NULL, station TEXT NOT NULL, ra_deg REAL NOT NULL, dec_deg REAL NOT NULL,
    sigma_arcsec REAL, file TEXT, line INTEGER, track TEXT NOT NULL,
    PRIMARY KEY (time_utc, station, ra_deg, dec_deg));
CREATE INDEX IF NOT EXISTS uncorrelated_time ON uncorrelated_observations (time_utc);
CREATE TABLE IF NOT EXISTS uncertainty_models (
    norad_id INTEGER PRIMARY KEY, latest_epoch_jd REAL NOT NULL, sets INTEGER NOT NULL,
    row_json TEXT NOT NULL);
"""


#: How long a writer waits for another process's write to finish (s).
BUSY_TIMEOUT_S = 60.0


class Archive:
    """The SQLite element-set archive at `path` (created when missing).

    Safe for several processes at once (two ``fetch`` or ``nightly`` runs, say): the
    database is in WAL mode, so readers never block the writer, and a writer waits up to
    :data:`BUSY_TIMEOUT_S` for another's transaction; each fetch is added in one
    transaction (all its element sets or none).
    """

    def __init__(self, path):
        self.path = Path(path)
        self._prior = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            with self._db:
                self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: not a usable SQLite archive ({exc})") from None
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot open the archive ({exc.strerror})") \
                from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def add(self, catalog: Catalog, *, source: str, url: str | None = None,
            fetched_utc: str | None = None) -> int:
        """Store a fetched catalogue; returns the number of new element sets."""
        fetched_utc = fetched_utc or dt.datetime.now(dt.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        try:
            return self._add(catalog, source, url, fetched_utc)
        except sqlite3.OperationalError as exc:  # locked beyond the timeout, disk full, ...
            raise ArchiveError(f"{self.path}: the element sets were not added ({exc}); the "
                               "archive is as it was") from None

    def _add(self, catalog, source, url, fetched_utc) -> int:
        epoch_iso = iso_text(catalog.epoch) if len(catalog) else []
        epoch_jd = catalog.epoch.jd + catalog.epoch.fr if len(catalog) else []
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")  # take the write lock before reading ids
            cur = self._db.execute(
                "INSERT INTO fetches (fetched_utc, source, url, objects) VALUES (?, ?, ?, ?)",
                (fetched_utc, source, url, len(catalog)))
            fetch_id = cur.lastrowid
            before = self._db.total_changes
            rows = []
            for k, sat in enumerate(catalog.satrecs):
                line1, line2 = export_tle(sat)
                rows.append((int(catalog.norad_id[k]), float(epoch_jd[k]), str(epoch_iso[k]),
                             fetch_id, str(catalog.name[k]), str(catalog.object_type[k]),
                             line1, line2, float(catalog.mean_motion_rev_day[k]),
                             float(catalog.eccentricity[k]), float(catalog.inclination_deg[k]),
                             float(catalog.perigee_km[k]), float(catalog.apogee_km[k]),
                             float(sat.bstar)))
            self._db.executemany(
                "INSERT OR IGNORE INTO elements VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            return self._db.total_changes - before

    def add_observed_magnitudes(self, reduced: Table) -> int:
        """Store the observatory's observed magnitudes reduced to standard magnitudes
        (:func:`debris.observations.brightness.reduced_magnitudes`); an observation already
        stored (object, time, station) is kept once; a magnitude that is not a possible one
        (:func:`debris.magnitude.usable_magnitudes`) is never stored. Returns the number of
        new rows."""
        keep = (usable_magnitudes(reduced["magnitude"])
                & usable_magnitudes(reduced["std_magnitude"])) if len(reduced) else []
        reduced = reduced.take(np.flatnonzero(keep)) if len(reduced) else reduced
        rows = list(zip(np.asarray(reduced["norad_id"]).tolist(),
                        iso_text(reduced["time"]).tolist() if len(reduced) else [],
                        [str(x) for x in reduced["station"]],
                        np.asarray(reduced["magnitude"], float).tolist(),
                        np.asarray(reduced["std_magnitude"], float).tolist(),
                        np.asarray(reduced["range_km"], float).tolist(),
                        np.asarray(reduced["phase_angle_deg"], float).tolist()))
        return self._insert("observed_magnitudes", rows, "the observed magnitudes")

    def add_uncorrelated(self, time_utc, station, ra_deg, dec_deg, sigma_arcsec, file, line,
                         track) -> int:
        """Store observations no catalogue object explains (ICRS RA/Dec, deg), each with the
        key of its track; one already stored (time, station, angles) is kept once. Returns
        the number of new rows."""
        rows = [(str(t), str(s), float(a), float(d),
                 None if not np.isfinite(sg) else float(sg), str(f), int(n), str(k))
                for t, s, a, d, sg, f, n, k in zip(time_utc, station, ra_deg, dec_deg,
                                                   sigma_arcsec, file, line, track)
                if np.isfinite(a) and np.isfinite(d)]
        return self._insert("uncorrelated_observations", rows, "the uncorrelated observations")

    def _insert(self, table: str, rows: list, what: str) -> int:
        """Insert `rows` into `table` in one transaction (a row already there is kept once);
        returns the number of new rows. On failure nothing is added."""
        if not rows:
            return 0
        marks = ", ".join("?" * len(rows[0]))
        try:
            with self._db:
                before = self._db.total_changes
                self._db.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", rows)
                return self._db.total_changes - before
        except sqlite3.OperationalError as exc:
            raise ArchiveError(f"{self.path}: {what} were not added ({exc}); the archive is "
                               "as it was") from None

    def uncorrelated_since(self, start_utc: str, end_utc: str | None = None) -> dict | None:
        """Stored uncorrelated observations with ``start_utc <= time < end_utc`` (ISO-8601
        UTC text), in time order: columns ``time`` (Times), ``station``, ``ra_deg``,
        ``dec_deg``, ``sigma_arcsec`` (NaN when not given), ``file``, ``line``, ``track``;
        None when there are none."""
        rows = list(self._db.execute(
            "SELECT time_utc, station, ra_deg, dec_deg, sigma_arcsec, file, line, track FROM "
            "uncorrelated_observations WHERE time_utc >= ? AND time_utc < ? ORDER BY time_utc",
            (start_utc, end_utc or "9999")))
        if not rows:
            return None
        cols = list(zip(*rows))
        return {"time": to_times(list(cols[0])), "station": np.array(cols[1], str),
                "ra_deg": np.array(cols[2], float), "dec_deg": np.array(cols[3], float),
                "sigma_arcsec": np.array([np.nan if v is None else v for v in cols[4]]),
                "file": np.array(cols[5], str), "line": np.array(cols[6], np.int64),
                "track": np.array(cols[7], str)}

    def observed_std_mags(self, min_observations: int = 3) -> dict[int, float]:
        """Each object's standard magnitude from every observed magnitude stored: the median,
        for objects with at least `min_observations`."""
        values: dict[int, list] = {}
        for norad, std in self._db.execute("SELECT norad_id, std_magnitude FROM "
                                           "observed_magnitudes"):
            if magnitude_problem(std) is None:  # archives from before the ranges held -99
                values.setdefault(int(norad), []).append(std)
        return {k: round(float(np.median(v)), 2) for k, v in values.items()
                if len(v) >= min_observations}

    def fetches(self) -> list[dict]:
        cur = self._db.execute("SELECT id, fetched_utc, source, url, objects FROM fetches "
                               "ORDER BY id")
        return [dict(zip(("id", "fetched_utc", "source", "url", "objects"), row))
                for row in cur.fetchall()]

    def catalog_for(self, when) -> Catalog:
        """The latest element set of every object with an epoch at or before `when`."""
        t = to_times(when)[0:1]
        jd = float(t.jd[0] + t.fr[0])
        cur = self._db.execute(
            "SELECT e.norad_id, e.name, e.line1, e.line2, e.object_type FROM elements e JOIN ("
            " SELECT norad_id, MAX(epoch_jd) AS jd FROM elements WHERE epoch_jd <= ?"
            " GROUP BY norad_id) last ON e.norad_id = last.norad_id AND e.epoch_jd = last.jd"
            " ORDER BY e.norad_id", (jd,))
        rows = cur.fetchall()
        if not rows:
            raise ArchiveError(f"{self.path}: no element set with an epoch before "
                               f"{iso_text(t)[0]}")
        lines = []
        for _, name, line1, line2, _ in rows:
            lines += ([f"0 {name}"] if name else []) + [line1, line2]
        catalog = Catalog.from_tle_lines(lines, source=f"{self.path} (as of {iso_text(t)[0]})")
        stored = {int(r[0]): r[4] for r in rows}  # the fetched OBJECT_TYPE, not re-inferred
        catalog.object_type = np.array([stored.get(n) or kind for n, kind in
                                        zip(catalog.norad_id.tolist(), catalog.object_type)],
                                       dtype=str)
        return catalog

    def element_sets(self, norad_id: int):
        """An object's stored element sets as a :class:`debris.uncertainty.History`, oldest
        first (for its uncertainty model)."""
        rows = self._db.execute("SELECT line1, line2, epoch_jd FROM elements WHERE norad_id = ?"
                                " ORDER BY epoch_jd", (int(norad_id),)).fetchall()
        if not rows:
            raise ArchiveError(f"{self.path}: no element sets of NORAD {norad_id}")
        return History([Satrec.twoline2rv(a, b) for a, b, _ in rows],
                       np.array([r[2] for r in rows], float), int(norad_id), str(self.path))

    def uncertainty_model(self, norad_id: int, *, min_sets: int = MIN_MODEL_SETS):
        """The object's uncertainty model: learnt from its last :data:`MODEL_DAYS` of sets
        in the archive when it has at least `min_sets` (:func:`debris.uncertainty.
        fit_uncertainty`; error pairs across a manoeuvre the sets show are left out), else
        its regime prior (:meth:`regime_prior`); None when neither exists.

        A learnt model is stored with the epoch of the latest set it saw and refitted when a
        fetch has brought a newer set (the stored models also make the regime prior)."""
        norad_id = int(norad_id)
        count, latest = self._db.execute(
            "SELECT COUNT(*), MAX(epoch_jd) FROM elements WHERE norad_id = ?",
            (norad_id,)).fetchone()
        if count < min_sets:
            if not count:
                return None
            line1, line2 = self._db.execute(
                "SELECT line1, line2 FROM elements WHERE norad_id = ? ORDER BY epoch_jd DESC"
                " LIMIT 1", (norad_id,)).fetchone()
            if self._prior is None:
                self._prior = self.regime_prior()
            return self._prior.model_for(Satrec.twoline2rv(line1, line2), norad_id)
        stored = self._db.execute(
            "SELECT latest_epoch_jd, row_json FROM uncertainty_models WHERE norad_id = ?",
            (norad_id,)).fetchone()
        if stored and stored[0] >= latest and stored[1] != "null":
            return _model_from_row(json.loads(stored[1]), norad_id)
        if stored and stored[0] >= latest:
            return None  # fitted before, and too few errors to fit
        history = self.element_sets(norad_id)
        recent = history.since(history.epoch_jd[-1] - MODEL_DAYS)
        fences = detect_manoeuvres(recent).boundaries_jd(recent.epoch_jd)
        try:
            model = fit_uncertainty(history_differences(recent, manoeuvres=fences), norad_id)
        except DebrisError:
            model = None
        row = None if model is None else RegimePrior.row(model, history.satrecs[-1])
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO uncertainty_models VALUES (?, ?, ?, ?)",
                             (norad_id, float(latest), int(count), json.dumps(row)))
        self._prior = None
        return model

    def regime_prior(self) -> RegimePrior:
        """The bundled models of public histories and the models learnt from this
        archive's own objects so far (:class:`debris.uncertainty.RegimePrior`)."""
        rows = [json.loads(text) for (text,) in self._db.execute(
            "SELECT row_json FROM uncertainty_models WHERE row_json != 'null'")]
        return RegimePrior.bundled().with_rows(rows)

    def history(self, norad_id: int) -> Table:
        """An object's element sets over time, oldest first, with manoeuvre/decay flags
        (epochs and fetch times as :class:`~debris.timescale.Times`, read from the
        archive's stored UTC text). A manoeuvre's set carries ``manoeuvre_z`` (the step's z
        statistic; inf for a jump of more than :data:`debris.manoeuvres.JUMP_KM`),
        ``delta_a_km`` and ``delta_v_m_s``; other sets NaN there."""
        cur = self._db.execute(
            "SELECT e.epoch_utc, e.mean_motion_rev_day, e.eccentricity, e.inclination_deg,"
            " e.perigee_km, e.apogee_km, e.bstar, f.fetched_utc, f.source FROM elements e"
            " JOIN fetches f ON f.id = e.fetch_id WHERE e.norad_id = ? ORDER BY e.epoch_jd",
            (int(norad_id),))
        rows = cur.fetchall()
        if not rows:
            raise ArchiveError(f"{self.path}: no element sets of NORAD {norad_id}")
        cols = list(zip(*rows))
        n = np.array(cols[1], float)
        a = (WGS72_MU_KM3_S2 * (DAY_S / (2 * np.pi * n)) ** 2) ** (1.0 / 3.0)
        found = detect_manoeuvres(self.element_sets(norad_id))
        manoeuvre = np.zeros(len(rows), bool)
        manoeuvre[found.index] = True
        size = {name: np.full(len(rows), np.nan) for name in ("z", "da", "dv")}
        size["z"][found.index] = found.statistic
        size["da"][found.index] = found.delta_a_km
        size["dv"][found.index] = found.delta_v_m_s
        perigee = np.array(cols[4], float)
        return Table({
            "norad_id": np.full(len(rows), int(norad_id)),
            "epoch_utc": to_times(list(cols[0])),
            "mean_motion_rev_day": n,
            "semi_major_axis_km": a,
            "eccentricity": np.array(cols[2], float),
            "inclination_deg": np.array(cols[3], float),
            "perigee_km": perigee,
            "apogee_km": np.array(cols[5], float),
            "bstar": np.array(cols[6], float),
            "manoeuvre": manoeuvre,
            "manoeuvre_z": size["z"],
            "delta_a_km": size["da"],
            "delta_v_m_s": size["dv"],
            "decaying": perigee < DECAY_PERIGEE_KM,
            "fetched_utc": to_times(list(cols[7])),
            "source": np.array(cols[8], dtype=str),
        })



def _model_from_row(row: dict, norad_id: int) -> UncertaintyModel:
    """A stored model back from its regime-table row."""
    corr = np.eye(3)
    corr[0, 1] = corr[1, 0] = row["corr_rt"]
    corr[0, 2] = corr[2, 0] = row["corr_rn"]
    corr[1, 2] = corr[2, 1] = row["corr_tn"]
    return UncertaintyModel(norad_id, np.array([row["amp_r_km"], row["amp_t_km"],
                                                row["amp_n_km"]]),
                            np.array([row["pow_r"], row["pow_t"], row["pow_n"]]), corr,
                            "history", int(row["samples"]))


class ArchiveModels:
    """NORAD id -> uncertainty model learnt from the archive's sets, looked up and fitted
    only for the objects asked about (the conjunctions' objects, not the catalogue), as the
    ``covariances`` of :func:`debris.conjunctions.screen` take it; objects with too few
    sets take their regime prior, and objects with neither are not in it (they keep the
    default model)."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._models: dict = {}

    def _model(self, norad_id: int):
        if norad_id not in self._models:
            self._models[norad_id] = self.archive.uncertainty_model(norad_id)
        return self._models[norad_id]

    def __contains__(self, norad_id) -> bool:
        return self._model(int(norad_id)) is not None

    def __getitem__(self, norad_id):
        model = self._model(int(norad_id))
        if model is None:
            raise KeyError(norad_id)
        return model

    def get(self, norad_id, default=None):
        model = self._model(int(norad_id))
        return default if model is None else model

    def __len__(self) -> int:
        return sum(m is not None for m in self._models.values())

    def __bool__(self) -> bool:
        return True
