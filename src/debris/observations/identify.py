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
- deep space (periods of :data:`DEEP_SPACE_PERIOD_MIN` or more: MEO, GEO, HEO): no drag,
  but manoeuvres and month-old elements fitted to short arcs; along-track
  :data:`DEEP_ALONG_TRACK_S_PER_DAY` per day up to :data:`DEEP_MAX_ALONG_TRACK_FRACTION` of
  the period, cross-track growing :data:`DEEP_CROSS_TRACK_ARCSEC_PER_DAY` per day up to
  :data:`DEEP_MAX_CROSS_TRACK_ARCSEC` (measured on satfit's archive: README);
- tracks: the along-track offsets of a track's observations agree within
  :data:`TIMING_SPREAD_S`; the sky rate within :data:`RATE_TOLERANCE` and the direction of
  motion within :data:`DIRECTION_TOLERANCE_DEG` (first to last observation); each limit
  widened to what :data:`ANGLE_NOISE_ARCSEC` of measurement error allows (slow deep-space
  objects, short arcs).

A track that no one object explains whole (observations of several objects under one label,
an observer's provisional number or ``99999``) is split: the object that explains most of its
observations with one along-track offset and the same motion takes them (two or more, well
inside the tolerances), and the rest is identified again; what no object takes stays one
uncorrelated part. Every identification carries its score (the
normalised offset, 0 at the prediction, 1 at the tolerance) and is *ambiguous* (not guessed)
when another object scores within :data:`AMBIGUITY_MARGIN` of it.
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

__all__ = ["identify", "reported_numbers", "tolerances", "CROSS_TRACK_ARCSEC", "ALONG_TRACK_S",
           "ALONG_TRACK_S_PER_DAY", "AMBIGUITY_MARGIN"]

CROSS_TRACK_ARCSEC = 720.0
ALONG_TRACK_S = 10.0
ALONG_TRACK_S_PER_DAY = 5.0
MAX_ALONG_TRACK_S = 120.0
TIMING_SPREAD_S = 1.0
RATE_TOLERANCE = 0.1
DIRECTION_TOLERANCE_DEG = 5.0
#: Measurement error the track limits allow for (a visual observer's arcminute): on slow
#: objects and short arcs it is more than the limits above.
ANGLE_NOISE_ARCSEC = 60.0
DEEP_SPACE_PERIOD_MIN = 225.0
DEEP_ALONG_TRACK_S_PER_DAY = 30.0
DEEP_MAX_ALONG_TRACK_FRACTION = 0.03
DEEP_CROSS_TRACK_ARCSEC_PER_DAY = 5.0
DEEP_MAX_CROSS_TRACK_ARCSEC = 1500.0
#: Two objects whose normalised offsets (square root of the score) differ by less than this
#: are indistinguishable: the track is reported ambiguous with both, not identified.
AMBIGUITY_MARGIN = 0.25
#: A piece split off a track needs this many observations (its motion confirms it): single
#: observations of a track that is not one object's are left uncorrelated, as one of an
#: object missing from the catalogue would match some object of a dense shell by chance.
MIN_SPLIT_OBSERVATIONS = 2
#: ... and its normalised offset at most this (well inside the tolerances).
SPLIT_SCORE = 0.7
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
    order, obs_parts, track_parts, offset = [], [], [], 0
    for a, b in blocks:
        rows = np.flatnonzero((track >= a) & (track < b))
        table, tracks = _identify_block(observations.take(rows), catalog, stations,
                                        track[rows] - a, cross_track_arcsec, along_track_s,
                                        along_track_s_per_day)
        table.columns["track"] = table["track"] + offset  # split tracks: numbers move on
        tracks.columns["track"] = tracks["track"] + offset
        offset += len(tracks)
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
    time_tol, cross_tol = tolerances(catalog, age, cross_track_arcsec, along_track_s,
                                     along_track_s_per_day)
    pairs = _broad_phase(catalog, observations, geometry, bucket, centres, seconds,
                         cross_tol, time_tol)
    refined = _refine(catalog, geometry, *pairs)
    parts = _choose(track, refined, geometry, time_tol, cross_tol)
    return _outputs(observations, catalog, track, parts, refined)


def tolerances(catalog, age_days, cross_track_arcsec: float = CROSS_TRACK_ARCSEC,
               along_track_s: float = ALONG_TRACK_S,
               along_track_s_per_day: float = ALONG_TRACK_S_PER_DAY):
    """Per object: along-track (s) and cross-track (arcsec) tolerances for elements
    `age_days` old, shapes (M,); deep-space objects by their own rule (module docstring)."""
    age = np.asarray(age_days, float)
    period_s = DAY_S / np.maximum(catalog.mean_motion_rev_day, 1e-6)
    deep = period_s >= DEEP_SPACE_PERIOD_MIN * 60.0
    near = np.minimum(along_track_s + along_track_s_per_day * age, MAX_ALONG_TRACK_S)
    far = np.minimum(along_track_s + DEEP_ALONG_TRACK_S_PER_DAY * age,
                     np.maximum(MAX_ALONG_TRACK_S, DEEP_MAX_ALONG_TRACK_FRACTION * period_s))
    cross = np.where(deep, np.minimum(cross_track_arcsec + DEEP_CROSS_TRACK_ARCSEC_PER_DAY * age,
                                      max(DEEP_MAX_CROSS_TRACK_ARCSEC, cross_track_arcsec)),
                     cross_track_arcsec)
    return np.where(deep, far, near), cross


def _broad_phase(catalog, observations, geometry, bucket, centres, seconds, cross_arcsec,
                 time_tol):
    """Candidate pairs within three times the cross-track and 1.5 times the along-track
    tolerance of each object (`cross_arcsec`, `time_tol`: shape (M,))."""
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


def _choose(track, refined, geometry, time_tol, cross_tol):
    """The parts of every track with their candidate objects, best first.

    Returns
    -------
    list of (rows, options)
        `rows` the observations of the part (a whole track, or the piece of a split one);
        `options` ``(score, j, stats, k)`` per object ``j`` that explains every one of them
        (``k`` its refined pairs, `score` the mean squared normalised offset), best first.
    """
    obs, obj = refined["obs"], refined["obj"]
    cross, along = refined["cross_arcsec"], refined["along_s"]
    ok = (np.abs(cross) <= cross_tol[obj]) & (np.abs(along) <= time_tol[obj]) & \
        np.isfinite(along)
    score = (cross / cross_tol[obj]) ** 2 + (along / time_tol[obj]) ** 2
    refined["score"] = score
    good = np.flatnonzero(ok)
    pair_track = track[obs[good]]
    order = np.argsort(pair_track, kind="stable")
    good, pair_track = good[order], pair_track[order]
    track_order = np.argsort(track, kind="stable")
    bounds = np.searchsorted(track[track_order], np.arange(track.max() + 2 if track.size
                                                           else 1))
    parts = []
    for t in range(bounds.size - 1):
        rows = np.sort(track_order[bounds[t]:bounds[t + 1]])
        if not rows.size:
            continue
        lo, hi = np.searchsorted(pair_track, [t, t + 1])
        k = good[lo:hi]
        options = _options(rows, k, refined, geometry)
        if options or rows.size == 1 or not k.size:
            parts.append((rows, options))
        else:
            parts.extend(_split(rows, k, refined, geometry))
    return parts


def _options(rows, k, refined, geometry) -> list:
    """``(score, j, stats, pairs)`` for each object whose pairs `k` explain all `rows` with
    one along-track offset and the observed motion, best (lowest score) first."""
    obs, obj = refined["obs"], refined["obj"]
    options = []
    for j in np.unique(obj[k]):
        kj = k[obj[k] == j]
        if np.unique(obs[kj]).size < rows.size:
            continue  # some observation does not fit this object
        stats = _track_stats(rows, kj, refined, geometry)
        if not _motion_ok(stats, rows.size):
            continue
        options.append((float(np.mean(refined["score"][kj])), int(j), stats, kj))
    options.sort(key=lambda item: item[0])
    return options


def _split(rows, k, refined, geometry) -> list:
    """Parts of a track that no one object explains whole: repeatedly, the object that
    explains most of the remaining observations with one along-track offset (within the
    timing limit of :func:`_track_stats`) and the observed motion takes them, while they are
    at least :data:`MIN_SPLIT_OBSERVATIONS` within :data:`SPLIT_SCORE`; what is left is one
    uncorrelated part."""
    obs, obj, along = refined["obs"], refined["obj"], refined["along_s"]
    remaining = np.asarray(rows)
    parts = []
    while remaining.size:
        kk = k[np.isin(obs[k], remaining)]
        best = None
        for j in np.unique(obj[kk]):
            kj = kk[obj[kk] == j]
            kj = kj[np.argsort(along[kj])]
            limit = _track_stats(np.unique(obs[kj]), kj, refined, geometry)["timing_limit_s"]
            ends = np.searchsorted(along[kj], along[kj] + limit, side="right")
            widths = ends - np.arange(kj.size)
            start = int(np.argmax(widths))
            sub = kj[start:ends[start]]
            if sub.size >= 2 and not _motion_ok(_track_stats(np.unique(obs[sub]), sub, refined,
                                                             geometry), sub.size):
                sub = kj[[int(np.argmin(refined["score"][kj]))]]
            key = (sub.size, -float(np.mean(refined["score"][sub])))
            if -key[1] > SPLIT_SCORE ** 2:
                continue  # at the edge of the tolerances: not convincing enough to split
            if best is None or key > best[0]:
                best = (key, sub)
        if best is None or best[0][0] < MIN_SPLIT_OBSERVATIONS:
            parts.append((remaining, []))
            break
        taken = np.unique(obs[best[1]])
        part_pairs = kk[np.isin(obs[kk], taken)]
        parts.append((taken, _options(taken, part_pairs, refined, geometry)))
        remaining = remaining[~np.isin(remaining, taken)]
    return parts


def _track_stats(rows, k, refined, geometry) -> dict:
    """Offsets and motion of a track against one object (pairs `k`), with the limits they
    are held to: :data:`TIMING_SPREAD_S`, :data:`RATE_TOLERANCE` and
    :data:`DIRECTION_TOLERANCE_DEG`, widened where :data:`ANGLE_NOISE_ARCSEC` of
    measurement error is more (slow objects, short arcs)."""
    order = k[np.argsort(geometry.times.seconds_since(geometry.times)[refined["obs"][k]])]
    along = refined["along_s"][order]
    rate_arcsec_s = float(np.median(refined["rate"][order])) / ARCSEC_RAD
    stats = {"along_track_s": float(np.mean(along)),
             "timing_spread_s": float(np.ptp(along)) if along.size > 1 else 0.0,
             "cross_track_rms_arcsec": float(np.sqrt(np.mean(refined["cross_arcsec"][order] ** 2))),
             "rate_ratio": np.nan, "direction_diff_deg": np.nan,
             "timing_limit_s": max(TIMING_SPREAD_S, 2.0 * ANGLE_NOISE_ARCSEC / rate_arcsec_s)
             if rate_arcsec_s > 0 else np.inf,
             "rate_limit": RATE_TOLERANCE, "direction_limit_deg": DIRECTION_TOLERANCE_DEG}
    if order.size >= 2:
        first, last = refined["obs"][order[0]], refined["obs"][order[-1]]
        span = geometry.times[[last]].seconds_since(geometry.times[[first]])[0]
        if span > 0:
            seen = (geometry.u_obs[last] - geometry.u_obs[first]) / span
            predicted = (refined["u_pred"][order[-1]] - refined["u_pred"][order[0]]) / span
            stats["rate_ratio"] = float(np.linalg.norm(seen) / np.linalg.norm(predicted))
            cosine = seen @ predicted / (np.linalg.norm(seen) * np.linalg.norm(predicted))
            stats["direction_diff_deg"] = float(np.degrees(np.arccos(np.clip(cosine, -1, 1))))
            noise = 2.0 * np.sqrt(2.0) * ANGLE_NOISE_ARCSEC * ARCSEC_RAD / max(
                float(np.linalg.norm(predicted)) * span, 1e-12)  # over the arc's length
            stats["rate_limit"] = max(RATE_TOLERANCE, noise)
            stats["direction_limit_deg"] = max(DIRECTION_TOLERANCE_DEG,
                                               float(np.degrees(min(noise, np.pi))))
    return stats


def _motion_ok(stats: dict, size: int) -> bool:
    """Whether a track's offsets agree in time and its motion is the object's (a track
    without a time span has no motion to compare)."""
    if stats["timing_spread_s"] > stats["timing_limit_s"]:
        return False
    if size < 2 or not np.isfinite(stats["rate_ratio"]):
        return True
    return abs(stats["rate_ratio"] - 1.0) <= stats["rate_limit"] and \
        stats["direction_diff_deg"] <= stats["direction_limit_deg"]


def reported_numbers(observations, catalog) -> np.ndarray:
    """Reported NORAD numbers; international designators (UK, R.D.E.) looked up."""
    reported = observations["norad_id"].copy()
    lookup = dict(zip(catalog.intl_designator.tolist(), catalog.norad_id.tolist()))
    for i in np.flatnonzero(reported < 0):
        reported[i] = lookup.get(observations["intl_designator"][i], -1)
    return reported


def _outputs(observations, catalog, grouped, parts, refined):
    n = len(observations)
    norad = np.full(n, -1, np.int64)
    name = np.full(n, "", dtype=object)
    cross = np.full(n, np.nan)
    along = np.full(n, np.nan)
    separation = np.full(n, np.nan)
    score = np.full(n, np.nan)
    track = np.full(n, -1, np.int64)
    reported = reported_numbers(observations, catalog)
    rows_out = []
    seconds = observations["time"].seconds_since(observations["time"])
    # in the order of the tracks (first observation's time), a split track's pieces in theirs
    parts = sorted(parts, key=lambda part: (int(grouped[part[0][0]]), seconds[part[0]].min()))
    for t, (rows, options) in enumerate(parts):
        track[rows] = t
        first = rows[np.argmin(seconds[rows])]
        record = {"track": t, "station": observations["station"][first],
                  "observations": rows.size,
                  "rows": rows, "file": observations["file"][first],
                  "line": int(observations["line"][first]), "norad_id": -1, "name": "",
                  "along_track_s": np.nan, "cross_track_rms_arcsec": np.nan,
                  "rate_ratio": np.nan, "direction_diff_deg": np.nan, "runner_up_norad_id": -1,
                  "candidate_norad_id": -1, "score": np.nan, "runner_up_score": np.nan,
                  "reported_norad_id": int(reported[first]), "status": "uncorrelated"}
        if options:
            best, j, stats, k = options[0]
            record.update(stats)
            record.update(candidate_norad_id=int(catalog.norad_id[j]), score=np.sqrt(best))
            if len(options) > 1:
                record["runner_up_norad_id"] = int(catalog.norad_id[options[1][1]])
                record["runner_up_score"] = np.sqrt(options[1][0])
            at = refined["obs"][k]
            cross[at] = refined["cross_arcsec"][k]
            along[at] = refined["along_s"][k]
            separation[at] = refined["separation_arcsec"][k]
            score[at] = np.sqrt(refined["score"][k])
            if record["runner_up_score"] - record["score"] < AMBIGUITY_MARGIN:
                record["status"] = "ambiguous"
            else:
                record.update(status="identified", norad_id=int(catalog.norad_id[j]),
                              name=str(catalog.name[j]))
                norad[at] = catalog.norad_id[j]
                name[at] = catalog.name[j]
        rows_out.append(record)
    columns = dict(observations.columns)
    columns.update(track=track, reported_norad_id=reported, norad_id=norad,
                   name=name.astype(str), separation_arcsec=separation,
                   cross_track_arcsec=cross, along_track_s=along, score=score,
                   mismatch=(reported >= 0) & (norad >= 0) & (reported != norad))
    obs_table = Table(columns, meta=dict(observations.meta))
    return obs_table, _track_table(observations, seconds, rows_out)


def _track_table(observations, seconds, records) -> Table:
    """Tracks: ``track``, ``station``, ``start_utc``, ``end_utc``, ``observations``,
    ``norad_id`` (-1: not identified), ``name``, ``reported_norad_id``, ``along_track_s``,
    ``timing_spread_s``, ``cross_track_rms_arcsec``, ``rate_ratio``, ``direction_diff_deg``,
    ``candidate_norad_id`` and ``score`` (the best object and its normalised offset, also
    when ambiguous), ``runner_up_norad_id``, ``runner_up_score``, ``file``, ``line`` (first
    observation), ``status`` (identified, ambiguous or uncorrelated)."""
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
                "candidate_norad_id", "score", "runner_up_norad_id", "runner_up_score", "file",
                "line", "status"):
        cols[key] = [r.get(key, np.nan) for r in records]
    typed = {}
    for key, values in cols.items():
        if key in ("start_utc", "end_utc"):
            typed[key] = values
        elif key in ("station", "name", "file", "status"):
            typed[key] = np.array(values, dtype=object).astype(str) if records else \
                np.array([], dtype=str)
        elif key in ("track", "observations", "norad_id", "reported_norad_id",
                     "runner_up_norad_id", "candidate_norad_id", "line"):
            typed[key] = np.array(values, dtype=np.int64)
        else:
            typed[key] = np.array(values, dtype=float)
    return Table(typed)
