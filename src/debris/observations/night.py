"""The nightly run's observation stage: new files read, identified, fitted, reported.

With ``[observations] folder = "..."`` in the nightly config, each night reads the files of
that folder it has not read before (by name, size and modification time, as recorded in the
last good night's ``run.json``), identifies them against the night's catalogue, fits new
elements for every identified object with at least ``min_observations`` observations (from
its catalogue elements), links the uncorrelated tracks with each other and with those of the
last nights kept in the archive (:mod:`.linking`), computes initial orbits for the
uncorrelated tracks no link took in, and predicts the fitted and linked objects' passes for
the night. Outputs in the night's folder: ``observations.json`` (identification),
``residuals.csv``, ``fitted_elements.tle`` (and, with an archive, the same sets stored under
the source ``observatory``: public sets are never replaced), ``linked_orbits.tle`` and
``linked_objects.json`` (each linked object's tracks, nights, RMS and quality) and
``initial_orbits.tle``. A file that cannot be used (unreadable, no
observations, a station no list knows) is quarantined: logged and listed in the report with
every reason, and recorded as handled, so that it never blocks a later night; it is read again
once it changes (name, size or time) or the night's stations do (a station list edited).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..errors import DebrisError, UnknownStationError
from ..io.files import write_text
from ..constants import DAY_S
from ..io.tables import iso_text, meta_block, table_to_csv, table_to_json
from ..table import Table
from ..timescale import Times
from ..tle import tle_lines
from .brightness import fit_standard_magnitudes, reduced_magnitudes
from .fit import fit_orbit
from .identify import identify
from .initial import initial_orbit
from .quality import attempt
from .batch import read_observation_batch
from .linking import MAX_GAP_DAYS, link_tracks
from .records import OBSERVATION_COLUMNS
from .reduction import _radec, observation_geometry
from .residuals import residual_statistics, residuals
from .stations import load_stations

__all__ = ["new_observation_files", "observation_stage", "ARCHIVE_SOURCE"]

#: NORAD numbers of the night's linked objects (LINKED_BASE + k).
LINKED_BASE = 70000
#: The archive source of the observatory's own fitted elements.
ARCHIVE_SOURCE = "observatory"
_SUFFIXES = {".txt", ".iod", ".uk", ".rde", ".tdm", ".kvn", ".xml", ".csv", ".obs"}


def file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}"


def stations_digest(options: dict, sites) -> str:
    """A short digest of the stations a night knows (its station lists' bytes and its
    sites): a file quarantined for its stations is read again once they change."""
    digest = hashlib.sha256()
    for path in options.get("stations", ()):
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(f"missing {path}".encode())
    digest.update(",".join(sorted(site.name for site in sites)).encode())
    return digest.hexdigest()[:16]


def new_observation_files(folder, seen, digest: str = "") -> list[Path]:
    """Observation files of `folder` whose name, size and time are not in `seen` (nor, for
    a quarantined file, with the stations' `digest`: see :func:`stations_digest`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DebrisError(f"observations folder {folder} does not exist; create it or remove "
                          "[observations] folder from the nightly config")
    seen = set(seen)
    return [p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in _SUFFIXES and not p.name.startswith(".")
            and file_key(p) not in seen and f"{file_key(p)}|stations:{digest}" not in seen]


def observation_stage(options: dict, catalog: Catalog, sites, seen, work: Path, log,
                      archive=None) -> dict:
    """Run the stage; returns the summary for the report and ``run.json``."""
    digest = stations_digest(options, sites)
    files = new_observation_files(options["folder"], seen, digest)
    summary = {"files": [], "observations": 0, "magnitudes": [], "tracks": 0,
               "identified_tracks": 0,
               "fitted": [], "initial_orbits": [], "residuals": [], "rejected_lines": 0,
               "seen": sorted(set(seen)), "quarantined": []}
    if not files:
        log.info("observations: no new files in %s", options["folder"])
        return summary
    stations = load_stations(options.get("stations", ()))
    for site in sites:
        stations.setdefault(site.name, site)
    obs, skipped = read_observation_batch(files, stations, skip_unknown_stations=True)
    bad = {item.path: item for item in skipped}
    for path in files:  # every file is handled: used, or quarantined with its reasons
        if str(path) in bad:
            reasons = list(bad[str(path)].reasons)
            summary["seen"].append(f"{file_key(path)}|stations:{digest}")
            summary["quarantined"].append({"file": path.name, "reasons": reasons})
            log.warning("observations: %s quarantined (read again when it or the station "
                        "lists change): %s", path.name, "; ".join(reasons))
        else:
            summary["seen"].append(file_key(path))
            summary["files"].append(path.name)
    summary["rejected_lines"] = len(obs.meta.get("rejected", []))
    for item in obs.meta.get("rejected", [])[:20]:
        log.warning("observations: rejected %s", item)
    for item in obs.meta.get("dropped_fields", [])[:20]:
        log.warning("observations: %s", item)
    for item in obs.meta.get("tolerated", []):
        log.info("observations: read as missing: %s", item)
    if not len(obs):
        log.info("observations: no new usable files in %s", options["folder"])
        return summary
    obs.meta["rejected"] = []
    table, tracks = identify(obs, catalog, stations)
    summary.update(observations=len(table), tracks=len(tracks),
                   identified_tracks=int(np.sum(tracks["norad_id"] >= 0)))
    log.info("observations: %d in %d tracks from %d file(s), %d tracks identified", len(table),
             len(tracks), len(summary["files"]), summary["identified_tracks"])
    write_text(_identify_json(table, tracks), work / "observations.json")
    res = residuals(table, catalog, stations)
    write_text(table_to_csv(res), work / "residuals.csv")
    summary["residuals"] = residual_statistics(res).records()
    _magnitudes(table, catalog, stations, summary, work, archive, log)
    fitted = _fits(table, catalog, stations, options, summary, log)
    if fitted:
        lines = [line for name, l1, l2 in fitted for line in (name, l1, l2)]
        write_text("\n".join(lines) + "\n", work / "fitted_elements.tle")
        if archive is not None:
            archive.add(Catalog.from_tle_lines(lines, source="fitted"), source=ARCHIVE_SOURCE)
    linked = _linked_objects(table, tracks, stations, summary, work, log, archive)
    _initial_orbits(table, tracks, stations, summary, work, log, skip=linked)
    return summary


def _observation_rows(times: Times, station, ra, dec, sigma, file, line) -> Table:
    """An observation table of RA/Dec rows (ICRS) from plain columns."""
    n = len(times)
    columns = {name: np.full(n, np.nan) for name in OBSERVATION_COLUMNS}
    columns.update(time=times, station=np.asarray(station, str), norad_id=np.full(n, -1),
                   intl_designator=np.full(n, ""), angle_type=np.full(n, "radec"),
                   ra_deg=np.asarray(ra, float), dec_deg=np.asarray(dec, float),
                   equinox=np.full(n, "J2000"), sigma_arcsec=np.asarray(sigma, float),
                   sky=np.full(n, ""), format=np.full(n, "archive"),
                   file=np.asarray(file, str), line=np.asarray(line, np.int64))
    return Table(columns, meta={"rejected": []})


def _known(stations, code) -> bool:
    try:
        stations.site(code)
    except UnknownStationError:
        return False
    return True


def _linked_objects(table, tracks, stations, summary, work, log, archive) -> set:
    """Tonight's uncorrelated tracks linked with each other and with those of the last
    :data:`~debris.observations.linking.MAX_GAP_DAYS` nights kept in the archive
    (:mod:`.linking`); the orbits that take in one of tonight's tracks are written to
    ``linked_orbits.tle`` and listed in the summary; tonight's uncorrelated observations are
    then stored in the archive for the nights after. Returns tonight's linked tracks."""
    summary["linked_objects"] = []
    uncorrelated = tracks["track"][tracks["norad_id"] < 0]
    rows = np.flatnonzero(np.isin(table["track"], uncorrelated))
    if not rows.size:
        return set()
    sub = table.take(rows)
    g = observation_geometry(sub, stations)
    ra, dec = _radec(g.u_obs)
    iso = iso_text(sub["time"])
    first = {}  # a track's key: its first observation's time, station, file and line
    for k, t in enumerate(sub["track"]):
        first.setdefault(int(t), f"{iso[k]}|{sub['station'][k]}|"
                                 f"{Path(str(sub['file'][k])).name}:{sub['line'][k]}")
    keys = np.array([first[int(t)] for t in sub["track"]])
    tonight = _observation_rows(sub["time"], sub["station"], ra, dec, sub["sigma_arcsec"],
                                sub["file"], sub["line"])
    parts, part_keys = [tonight], [keys]
    if archive is not None:
        start = sub["time"][[int(np.argmin(sub["time"].seconds_since(sub["time"][:1])))]]
        since = iso_text(start.shift_seconds(np.array([-MAX_GAP_DAYS * DAY_S])))[0]
        earlier = archive.uncorrelated_since(since, min(iso))
        known = np.flatnonzero([_known(stations, code) for code in earlier["station"]]) \
            if earlier else []
        if len(known):
            parts.append(_observation_rows(*(earlier[k][known] for k in (
                "time", "station", "ra_deg", "dec_deg", "sigma_arcsec", "file", "line"))))
            part_keys.append(earlier["track"][known])
    combined = Table.concat(parts) if len(parts) > 1 else tonight
    keys_all = np.concatenate(part_keys)
    names, track_ids = np.unique(keys_all, return_inverse=True)
    track_ids = track_ids.reshape(-1)
    geometry = observation_geometry(combined, stations)
    links, _ = link_tracks(geometry, track_ids, sigma_arcsec=combined["sigma_arcsec"],
                           station=combined["station"])
    own = set(np.unique(track_ids[:len(tonight)]).tolist())
    lines, linked = [], set()
    for k, link in enumerate(link for link in links if set(link.tracks) & own):
        number = LINKED_BASE + k
        line1, line2 = tle_lines(link.fit.satrec, norad_id=number)
        name = f"LINKED {k + 1} ({len(link.tracks)} tracks, {link.nights} nights)"
        lines += [name, line1, line2]
        tonight_rows = np.flatnonzero(np.isin(track_ids[:len(tonight)], link.tracks))
        linked.update(int(sub["track"][r]) for r in tonight_rows)
        summary["linked_objects"].append({
            "norad_id": number, "name": name, "quality": link.quality,
            "tracks": [str(names[t]) for t in link.tracks], "nights": link.nights,
            "span_days": round(link.span_days, 4), "observations": int(link.rows.size),
            "rms_arcsec": round(link.fit.rms_arcsec, 2), "tle_line1": line1,
            "tle_line2": line2})
    if lines:
        write_text("\n".join(lines) + "\n", work / "linked_orbits.tle")
        write_text(json.dumps({"meta": meta_block(command="nightly linking"),
                               "linked_objects": summary["linked_objects"]}, indent=1,
                              allow_nan=False) + "\n", work / "linked_objects.json")
    log.info("linking: %d uncorrelated tracks tonight, %d from earlier nights; %d linked "
             "objects", len(own), len(names) - len(own), len(summary["linked_objects"]))
    if archive is not None:
        archive.add_uncorrelated(iso, sub["station"], ra, dec, sub["sigma_arcsec"],
                                 sub["file"], sub["line"], keys)
    return linked


def _magnitudes(table, catalog, stations, summary, work, archive, log) -> None:
    """Observed magnitudes of identified objects, reduced to standard magnitudes: fitted per
    object (the report), every one kept in the archive (later nights' passes use them)."""
    reduced = reduced_magnitudes(table, catalog, stations)
    fitted = fit_standard_magnitudes(reduced)
    summary["magnitudes"] = [{"norad_id": k, **v} for k, v in sorted(fitted.items())]
    if not len(reduced):
        return
    write_text(table_to_csv(reduced), work / "magnitudes.csv")
    added = archive.add_observed_magnitudes(reduced) if archive is not None else 0
    log.info("magnitudes: %d observed magnitudes of %d objects reduced (%d new in the archive)",
             len(reduced), len(fitted), added)


def _identify_json(table, tracks) -> str:
    fields = ("file", "line", "time", "station", "track", "reported_norad_id", "norad_id",
              "name", "separation_arcsec", "cross_track_arcsec", "along_track_s", "mismatch")
    out = Table({("time_utc" if k == "time" else k): table[k] for k in fields})
    doc = json.loads(table_to_json(out, "observations", meta_block(command="nightly")))
    doc["tracks"] = json.loads(table_to_json(tracks, "tracks", {}))["tracks"]
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def _fits(table, catalog, stations, options, summary, log) -> list:
    fitted = []
    minimum = int(options.get("min_observations", 5))
    for norad in np.unique(table["norad_id"][table["norad_id"] >= 0]):
        rows = np.flatnonzero(table["norad_id"] == norad)
        if rows.size < minimum:
            continue
        sub = table.take(rows)
        k = catalog.index_of(int(norad))
        fit, problems = attempt(fit_orbit, observation_geometry(sub, stations),
                                catalog.satrecs[k], sigma_arcsec=sub["sigma_arcsec"],
                                norad_id=int(norad), station=sub["station"],
                                resolution_arcsec=sub["resolution_arcsec"],
                                intl_designator=str(catalog.intl_designator[k]))
        if problems:  # never stored, never predicted: the reasons go to the log and report
            summary.setdefault("failed_fits", []).append(
                {"norad_id": int(norad), "observations": int(rows.size),
                 "reasons": "; ".join(problems)})
            log.warning("fit NORAD %d failed: %s", norad, "; ".join(problems))
            continue
        name = str(catalog.name[k])
        summary["fitted"].append({"norad_id": int(norad), "name": name,
                                  "observations": int(rows.size),
                                  "used": int(fit.used.sum()),
                                  "rms_arcsec": round(fit.rms_arcsec, 2),
                                  "converged": fit.converged, "tle_line1": fit.tle_line1,
                                  "tle_line2": fit.tle_line2})
        log.info("fit NORAD %d: %d observations, RMS %.2f arcsec", norad, rows.size,
                 fit.rms_arcsec)
        fitted.append((name, fit.tle_line1, fit.tle_line2))
    return fitted


def _initial_orbits(table, tracks, stations, summary, work, log, skip=()) -> None:
    """Initial orbits of tonight's uncorrelated tracks that no link took in (one each)."""
    lines = []
    for t in np.flatnonzero(tracks["norad_id"] < 0):
        if int(tracks["track"][t]) in skip:
            continue
        rows = np.flatnonzero(table["track"] == tracks["track"][t])
        if rows.size < 3:
            continue
        sub = table.take(rows)
        number = int(sub["reported_norad_id"][0]) if sub["reported_norad_id"][0] >= 0 \
            else 80000 + int(tracks["track"][t])
        fit, problems = attempt(initial_orbit, observation_geometry(sub, stations),
                                sigma_arcsec=sub["sigma_arcsec"], norad_id=number)
        if problems:
            log.warning("initial orbit of track %d failed: %s", tracks["track"][t],
                        "; ".join(problems))
            continue
        label = f"IOD track {int(tracks['track'][t])} ({sub['station'][0]})"
        summary["initial_orbits"].append({"track": int(tracks["track"][t]), "norad_id": number,
                                          "observations": int(rows.size),
                                          "rms_arcsec": round(fit.rms_arcsec, 2),
                                          "tle_line1": fit.tle_line1,
                                          "tle_line2": fit.tle_line2})
        lines += [label, fit.tle_line1, fit.tle_line2]
    if lines:
        write_text("\n".join(lines) + "\n", work / "initial_orbits.tle")
        log.info("initial orbits: %d uncorrelated tracks", len(lines) // 3)
