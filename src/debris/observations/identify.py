"""Identification: which catalogue object is each track, and by how much do the elements miss.

Every observation is compared with every catalogue object at once (:mod:`.candidates`),
candidates are refined with exact SGP4 (the along-track time offset solved by iteration),
and each track (:mod:`.tracks`) is identified with the object that explains all of its
observations with one time offset and the same motion on the sky. Tolerances (README,
"Identifying observations"):

- cross-track: :data:`CROSS_TRACK_ARCSEC` (0.2°): public elements a few days old miss by
  about a kilometre across the track, 100-400″ at LEO ranges, plus visual observers' errors
  of up to a few arcminutes;
- along-track: :data:`ALONG_TRACK_S` + :data:`ALONG_TRACK_S_PER_DAY` per day of element age:
  along-track errors grow fastest (drag), a few km (about a second) per day in LEO;
- tracks: the along-track offsets of a track's observations agree within
  :data:`TIMING_SPREAD_S`; the sky rate within :data:`RATE_TOLERANCE` and the direction of
  motion within :data:`DIRECTION_TOLERANCE_DEG` (first to last observation).
"""

from __future__ import annotations

import numpy as np

from ..constants import ARCSEC_RAD, DAY_S
from ..frames import earth_orientation
from ..propagation import propagate, propagate_at
from ..table import Table
from ..timescale import Times
from .candidates import candidate_pairs
from .reduction import observation_geometry, tangent_offsets
from .tracks import bucket_times, group_tracks

__all__ = ["identify", "reported_numbers", "CROSS_TRACK_ARCSEC", "ALONG_TRACK_S",
           "ALONG_TRACK_S_PER_DAY"]

CROSS_TRACK_ARCSEC = 720.0
ALONG_TRACK_S = 10.0
ALONG_TRACK_S_PER_DAY = 5.0
MAX_ALONG_TRACK_S = 120.0
TIMING_SPREAD_S = 1.0
RATE_TOLERANCE = 0.1
DIRECTION_TOLERANCE_DEG = 5.0
_CHUNK = 16  # bucket times propagated together
#: Observations identified together: a larger file is taken in blocks of whole tracks, in
#: time order (peak memory about 1 MB per 1,000 observations of a block, README "Memory").
BLOCK_OBSERVATIONS = 8192


def identify(observations, catalog, stations, *, cross_track_arcsec: float = CROSS_TRACK_ARCSEC,
             along_track_s: float = ALONG_TRACK_S,
             along_track_s_per_day: float = ALONG_TRACK_S_PER_DAY, max_gap_s: float = 120.0,
             block_observations: int = BLOCK_OBSERVATIONS):
    """Identify observations against a catalogue.

    Parameters
    ----------
    observations : Table
        From :func:`~debris.observations.read_observations`.
    catalog : Catalog
    stations : Stations
    block_observations : int
        More observations than this are identified in blocks of whole tracks (bounded
        memory; each block's element ages are taken at its own middle time).

    Returns
    -------
    obs : Table
        The observations with ``track``, ``reported_norad_id``, ``norad_id`` (identified; -1
        when not), ``name``, ``separation_arcsec`` (from the identified object's prediction
        at the observation time), ``cross_track_arcsec``, ``along_track_s`` (the time by which
        the object is ahead of its elements), ``mismatch`` (a reported number that disagrees).
    tracks : Table
        One row per track (see :func:`_track_table`).
    """
    track = group_tracks(observations, max_gap_s)
    if len(observations) <= block_observations:
        return _identify_block(observations, catalog, stations, track, cross_track_arcsec,
                               along_track_s, along_track_s_per_day)
    # Many observations (a whole archive): whole tracks in blocks, in time order, so memory
    # and the per-track bookkeeping stay those of one block.
    counts = np.bincount(track)
    ends = np.cumsum(counts)
    blocks, start, first = [], 0, 0
    while start < counts.size:
        stop = max(int(np.searchsorted(ends, first + block_observations, side="right")),
                   start + 1)
        blocks.append((start, stop))
        first, start = int(ends[stop - 1]), stop
    order, obs_parts, track_parts = [], [], []
    for a, b in blocks:
        rows = np.flatnonzero((track >= a) & (track < b))
        table, tracks = _identify_block(observations.take(rows), catalog, stations,
                                        track[rows], cross_track_arcsec, along_track_s,
                                        along_track_s_per_day)
        order.append(rows)
        obs_parts.append(table)
        track_parts.append(tracks)
    merged = Table.gather(obs_parts, order)
    merged.meta = dict(observations.meta)
    return merged, Table.concat(track_parts)


def _identify_block(observations, catalog, stations, track, cross_track_arcsec,
                    along_track_s, along_track_s_per_day):
    """:func:`identify` on observations whose tracks are numbered (`track`, shape (N,))."""
    geometry = observation_geometry(observations, stations)
    seconds = observations["time"].seconds_since(observations["time"])
    bucket, centres = bucket_times(seconds)
    mid = observations["time"][:1].shift_seconds(0.5 * (seconds.min() + seconds.max()))
    age = np.abs(catalog.epoch.seconds_since(mid) / DAY_S) if len(catalog) else np.empty(0)
    time_tol = np.minimum(along_track_s + along_track_s_per_day * age, MAX_ALONG_TRACK_S)
    pairs = _broad_phase(catalog, observations, geometry, bucket, centres, seconds,
                         cross_track_arcsec, time_tol)
    refined = _refine(catalog, geometry, *pairs)
    best = _choose(track, refined, geometry, time_tol, cross_track_arcsec)
    return _outputs(observations, catalog, track, refined, best)


def _broad_phase(catalog, observations, geometry, bucket, centres, seconds, cross_arcsec,
                 time_tol):
    t0 = observations["time"][:1]
    found = [[], [], [], []]
    for start in range(0, len(centres), _CHUNK):
        chunk = np.arange(start, min(start + _CHUNK, len(centres)))
        times = t0.shift_seconds(centres[chunk])
        states = propagate(catalog, times)
        eo = earth_orientation(times)
        rows = np.flatnonzero((bucket >= chunk[0]) & (bucket <= chunk[-1]))
        got = candidate_pairs(states.r_teme_km, states.v_teme_km_s, eo.teme_to_gcrs,
                              bucket[rows] - chunk[0], seconds[rows] - centres[bucket[rows]],
                              geometry.site_km[rows], geometry.site_km_s[rows],
                              geometry.u_obs[rows], 3.0 * cross_arcsec * ARCSEC_RAD,
                              1.5 * time_tol + 5.0)
        found[0].append(rows[got[0]])
        for k in (1, 2):
            found[k].append(got[k])
    obs = np.concatenate(found[0]) if found[0] else np.empty(0, np.int64)
    obj = np.concatenate(found[1]) if found[1] else np.empty(0, np.int64)
    along = np.concatenate(found[2]) if found[2] else np.empty(0)
    return obs.astype(np.int64), obj.astype(np.int64), along


def _refine(catalog, geometry, obs, obj, along, iterations: int = 3):
    """Exact SGP4 at the observation time plus the along-track offset, iterated."""
    shift = along.copy()
    sub = geometry.take(obs)
    offsets = None
    for _ in range(iterations):
        r, v, _ = propagate_at(catalog, obj, sub.times.shift_seconds(shift))
        u, w, _ = sub.predict(r, v)
        offsets = tangent_offsets(sub.u_obs, u, w)
        step = np.nan_to_num(offsets["along_s"], nan=0.0)
        shift = shift + step
    r, v, _ = propagate_at(catalog, obj, sub.times)
    u0, w0, _ = sub.predict(r, v)
    at_time = tangent_offsets(sub.u_obs, u0, w0)
    return {"obs": obs, "obj": obj, "along_s": shift,
            "cross_arcsec": offsets["cross_arcsec"] if offsets else np.empty(0),
            "separation_arcsec": at_time["separation_arcsec"], "u_pred": u,
            "rate": np.linalg.norm(w, axis=-1) if len(obs) else np.empty(0)}


def _choose(track, refined, geometry, time_tol, cross_arcsec):
    """Per track: (object or -1, runner-up, stats) chosen from the refined candidates."""
    obs, obj = refined["obs"], refined["obj"]
    ok = (np.abs(refined["cross_arcsec"]) <= cross_arcsec) & \
        (np.abs(refined["along_s"]) <= time_tol[obj]) & np.isfinite(refined["along_s"])
    score = (refined["cross_arcsec"] / cross_arcsec) ** 2 + (refined["along_s"] /
                                                             time_tol[obj]) ** 2
    result = {}
    for t in np.unique(track):
        rows = np.flatnonzero(track == t)
        mask = ok & np.isin(obs, rows)
        options = []
        for j in np.unique(obj[mask]):
            k = np.flatnonzero(mask & (obj == j))
            if np.unique(obs[k]).size < rows.size:
                continue  # some observation of the track does not fit this object
            stats = _track_stats(rows, k, refined, geometry)
            if stats["timing_spread_s"] > TIMING_SPREAD_S:
                continue
            if rows.size >= 2 and not (abs(stats["rate_ratio"] - 1.0) <= RATE_TOLERANCE and
                                       stats["direction_diff_deg"] <= DIRECTION_TOLERANCE_DEG):
                continue
            options.append((float(np.mean(score[k])), int(j), stats, k))
        options.sort(key=lambda item: item[0])
        result[t] = options
    return {"tracks": result, "ok": ok}


def _track_stats(rows, k, refined, geometry) -> dict:
    order = k[np.argsort(geometry.times.seconds_since(geometry.times)[refined["obs"][k]])]
    along = refined["along_s"][order]
    stats = {"along_track_s": float(np.mean(along)),
             "timing_spread_s": float(np.ptp(along)) if along.size > 1 else 0.0,
             "cross_track_rms_arcsec": float(np.sqrt(np.mean(refined["cross_arcsec"][order] ** 2))),
             "rate_ratio": np.nan, "direction_diff_deg": np.nan}
    if order.size >= 2:
        first, last = refined["obs"][order[0]], refined["obs"][order[-1]]
        span = geometry.times[[last]].seconds_since(geometry.times[[first]])[0]
        if span > 0:
            seen = (geometry.u_obs[last] - geometry.u_obs[first]) / span
            predicted = (refined["u_pred"][order[-1]] - refined["u_pred"][order[0]]) / span
            stats["rate_ratio"] = float(np.linalg.norm(seen) / np.linalg.norm(predicted))
            cosine = seen @ predicted / (np.linalg.norm(seen) * np.linalg.norm(predicted))
            stats["direction_diff_deg"] = float(np.degrees(np.arccos(np.clip(cosine, -1, 1))))
    return stats


def reported_numbers(observations, catalog) -> np.ndarray:
    """Reported NORAD numbers; international designators (UK, R.D.E.) looked up."""
    reported = observations["norad_id"].copy()
    lookup = dict(zip(catalog.intl_designator.tolist(), catalog.norad_id.tolist()))
    for i in np.flatnonzero(reported < 0):
        reported[i] = lookup.get(observations["intl_designator"][i], -1)
    return reported


def _outputs(observations, catalog, track, refined, best):
    n = len(observations)
    norad = np.full(n, -1, np.int64)
    name = np.full(n, "", dtype=object)
    cross = np.full(n, np.nan)
    along = np.full(n, np.nan)
    separation = np.full(n, np.nan)
    reported = reported_numbers(observations, catalog)
    rows_out = []
    seconds = observations["time"].seconds_since(observations["time"])
    for t, options in sorted(best["tracks"].items()):
        rows = np.flatnonzero(track == t)
        first = rows[np.argmin(seconds[rows])]
        record = {"track": t, "station": observations["station"][first],
                  "observations": rows.size,
                  "rows": rows, "file": observations["file"][first],
                  "line": int(observations["line"][first]), "norad_id": -1, "name": "",
                  "along_track_s": np.nan, "cross_track_rms_arcsec": np.nan,
                  "rate_ratio": np.nan, "direction_diff_deg": np.nan, "runner_up_norad_id": -1,
                  "reported_norad_id": int(reported[first])}
        if options:
            _, j, stats, k = options[0]
            record.update(stats)
            record["norad_id"] = int(catalog.norad_id[j])
            record["name"] = str(catalog.name[j])
            if len(options) > 1:
                record["runner_up_norad_id"] = int(catalog.norad_id[options[1][1]])
            at = refined["obs"][k]
            norad[at] = catalog.norad_id[j]
            name[at] = catalog.name[j]
            cross[at] = refined["cross_arcsec"][k]
            along[at] = refined["along_s"][k]
            separation[at] = refined["separation_arcsec"][k]
        rows_out.append(record)
    columns = dict(observations.columns)
    columns.update(track=track, reported_norad_id=reported, norad_id=norad,
                   name=name.astype(str), separation_arcsec=separation,
                   cross_track_arcsec=cross, along_track_s=along,
                   mismatch=(reported >= 0) & (norad >= 0) & (reported != norad))
    obs_table = Table(columns, meta=dict(observations.meta))
    return obs_table, _track_table(observations, seconds, rows_out)


def _track_table(observations, seconds, records) -> Table:
    """Tracks: ``track``, ``station``, ``start_utc``, ``end_utc``, ``observations``,
    ``norad_id`` (-1: uncorrelated), ``name``, ``reported_norad_id``, ``along_track_s``,
    ``timing_spread_s``, ``cross_track_rms_arcsec``, ``rate_ratio``, ``direction_diff_deg``,
    ``runner_up_norad_id``, ``file``, ``line`` (first observation)."""
    times = observations["time"]
    starts, ends = [], []
    for rec in records:
        starts.append(rec["rows"][np.argmin(seconds[rec["rows"]])])
        ends.append(rec["rows"][np.argmax(seconds[rec["rows"]])])
    cols = {"track": [r["track"] for r in records], "station": [r["station"] for r in records],
            "start_utc": times[np.array(starts, int)] if records else Times(np.empty(0),
                                                                           np.empty(0)),
            "end_utc": times[np.array(ends, int)] if records else Times(np.empty(0),
                                                                       np.empty(0)),
            "observations": [r["observations"] for r in records]}
    for key in ("norad_id", "name", "reported_norad_id", "along_track_s", "timing_spread_s",
                "cross_track_rms_arcsec", "rate_ratio", "direction_diff_deg",
                "runner_up_norad_id", "file", "line"):
        cols[key] = [r.get(key, np.nan) for r in records]
    cols["status"] = ["identified" if r["norad_id"] >= 0 else "uncorrelated" for r in records]
    typed = {}
    for key, values in cols.items():
        if key in ("start_utc", "end_utc"):
            typed[key] = values
        elif key in ("station", "name", "file", "status"):
            typed[key] = np.array(values, dtype=object).astype(str) if records else \
                np.array([], dtype=str)
        elif key in ("track", "observations", "norad_id", "reported_norad_id",
                     "runner_up_norad_id", "line"):
            typed[key] = np.array(values, dtype=np.int64)
        else:
            typed[key] = np.array(values, dtype=float)
    return Table(typed)
