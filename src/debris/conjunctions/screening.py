"""Conjunction screening: every close approach between catalogue objects over a window.

Method (all objects at once, streamed over time windows so memory stays bounded):

1. **Grid.** Every object is propagated with SGP4 on a grid of step ``dt`` (60 s by default),
   in windows of at most ``max_bytes`` of states. Objects failing in SGP4 (decayed, bad
   elements) take no part while they fail and are reported.
2. **Why nothing is missed (the broad phase, :mod:`.broadphase`).** On an interval
   [t_k, t_k+1], an object's path
   stays within ``rho = |r(t_k+1) - r(t_k)| / 2 + a_max dt^2 / 8`` of its chord's midpoint m:
   points of the chord are within half its length of m, and a path whose acceleration is at
   most ``a_max`` leaves its chord by at most ``a_max dt^2 / 8`` (the remainder of linear
   interpolation). ``a_max`` bounds the SGP4 acceleration: gravity at the Earth's surface,
   ``mu / R_E^2``, times 1.01 for J2 and drag. Two objects that come within d of each other
   in the interval therefore have ``|m_i - m_j| <= d + rho_i + rho_j``. A k-d tree over the
   midpoints (``scipy.spatial.cKDTree.query_pairs`` with radius ``d + 2 max(rho)``) lists every
   such pair - this is the padding by (speed x half the step) of the usual argument, measured
   per object instead of assumed.
3. **Filters.** Per window, each object's radial shell is bounded the same way
   (``|m| +- rho`` over the intervals); an object whose shell overlaps no other (or, with
   primaries, no primary's) padded by d is dropped before the tree (the perigee/apogee
   filter, computed from the states, so drag and SGP4's short-period terms are included).
   Each tree pair then has to pass the *chord test*: the minimum distance between the two
   chords (linear relative motion between the samples) is at most ``d + 2 a_max dt^2 / 8``,
   which the true paths cannot beat.
4. **Narrow phase** (:mod:`.narrowphase`). On the surviving pair-intervals, the relative
   motion is the difference of the two cubic Hermite segments through the SGP4 states
   (within a few metres of SGP4 at 60 s, tests/test_hermite.py), whose squared norm is a
   degree-6 polynomial. Its derivative (degree 5) is scanned on 33 points and each sign
   change - to + is bisected: every local minimum in [t_k, t_k+1) is found, so a pair can
   give several conjunctions (co-moving objects). Minima within ``d + 50 m`` are kept (the
   margin covers the interpolation error).
5. **Exact confirmation.** Each minimum is refined with exact SGP4 (Newton on the range rate,
   :func:`debris.propagate_at`), then kept when the exact miss distance is at most d.
   Approaches found twice (near a sample, on a window seam) are merged. The exact states at
   TCA and both objects' catalogue rows stay with the result (``table.extra``): CDMs and
   observability start from them.

Completeness is tested against brute force (1 s sampling plus exact refinement) on a
crowded band of the real catalogue in tests/test_screening.py, and the argument itself (the
chord bound) on random real pairs.

Collision probability uses :mod:`.pc` with a default covariance when the catalogue has
none (TLE data has none): see :mod:`.assessment`.
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..checks import check_range
from ..constants import SURFACE_ESCAPE_SPEED_KM_S
from ..errors import InputError, UnknownObjectError
from ..frames import vector_norm
from ..propagation import get_backend, propagate, propagate_at
from ..table import Table
from ..timescale import to_times
from .assessment import conjunction_table
from . import broadphase
from .broadphase import A_MAX_KM_S2, HERMITE_MARGIN_KM, interval_pairs
from .checkpoint import Checkpoint, fingerprint
from .narrowphase import golden_minimum, hermite_minima, merge_duplicates, refine_tca
from .shells import radial_bands_km

__all__ = ["screen", "DEFAULT_SCREEN_STEP_S", "IMPOSSIBLE_MOTION", "plausible_states",
           "window_bounds", "window_candidates"]

DEFAULT_SCREEN_STEP_S = 60.0
#: The failure code (beside python-sgp4's 1-6) of an object whose states move faster than
#: any Earth orbit can: SGP4 output of broken elements, with no error code of its own.
IMPOSSIBLE_MOTION = 7


def plausible_states(r, step, chord=None):
    """Where a grid of states can belong to an Earth orbit, shape (n, T).

    No bound orbit above the surface moves faster than the escape speed there, so a grid
    interval covering more than ``SURFACE_ESCAPE_SPEED_KM_S * step`` is impossible. Real
    catalogues hold element sets whose SGP4 states do that without an error code (Space-Track
    2024-07-05: NORAD 39944 jumps 11 million km in a minute, 12279 sits 553,790 km out); both
    ends of such an interval are marked implausible, so those objects drop out of the broad
    phase while they are bad (and are reported), and the cells of the compiled broad phase,
    sized by the largest chord, stay small.

    Parameters
    ----------
    r : ndarray, shape (n, T, 3)
        Positions (km) at grid times `step` seconds apart (NaN where SGP4 failed).
    step : float
        Grid step (s).
    chord : ndarray, shape (n, T - 1), optional
        ``|r[:, 1:] - r[:, :-1]|`` when the caller has it already (km).
    """
    if chord is None:
        chord = vector_norm(r[:, 1:] - r[:, :-1])
    fast = chord > SURFACE_ESCAPE_SPEED_KM_S * step  # NaN (a failed state): False
    bad = np.zeros(r.shape[:2], bool)
    bad[:, 1:] |= fast
    bad[:, :-1] |= fast
    return ~bad


def screen(catalog, start, end, threshold_km: float = 5.0, *, primaries=None,
           step_s: float = DEFAULT_SCREEN_STEP_S, backend="auto", max_bytes: float = 256e6,
           hbr_table: dict | None = None, pc_method: str = "foster",
           covariances: dict | None = None, progress=None, checkpoint=None,
           executor=None) -> Table:
    """Find every close approach below `threshold_km` between catalogue objects.

    Parameters
    ----------
    catalog : Catalog
        N objects.
    start, end : time-like
        The window (UTC).
    threshold_km : float
        Report every local minimum of the distance at or below this (km).
    primaries : array_like of int, optional
        NORAD ids: screen these against the whole catalogue (and each other) instead of
        all-vs-all.
    step_s : float
        Grid step (s); the search is complete for any step (module docstring), smaller steps
        cost more propagation, larger ones more candidates.
    backend : str
        Propagation backend.
    max_bytes : float
        Bound on the memory of one window of states.
    hbr_table : dict of int -> float, optional
        Hard-body radius per NORAD id (m); others by type (:mod:`.assessment`).
    pc_method : {"foster", "chan"}
    covariances : mapping of int -> ndarray (3, 3) or (6, 6), or a model, optional
        RTN covariances (km^2) by NORAD id, used instead of the default model; a model with
        ``covariance(age_days)`` (:class:`debris.uncertainty.UncertaintyModel`, or
        :class:`debris.archive.ArchiveModels` for every object the archive knows) is taken at
        the object's element age at each TCA.
    progress : callable, optional
        Called as ``progress(done_steps, total_steps)``.
    checkpoint : str or Path, optional
        A folder where each finished window is recorded (:mod:`.checkpoint`); a run killed
        and started again with the same arguments resumes there, with the same result.
    executor : debris.cluster.DaskExecutor, optional
        Run the windows on a Dask cluster (:mod:`debris.cluster`): the same windows, the
        same result.

    Returns
    -------
    Table
        One row per conjunction, columns :data:`~.assessment.CONJUNCTION_COLUMNS`
        (all-vs-all: smaller id first; with primaries: the primary first), sorted by TCA
        (``tca_utc``, :class:`~debris.timescale.Times`). ``extra`` holds both objects'
        catalogue rows (``row_1``, ``row_2``) and exact TEME states at TCA (``r1_teme_km``,
        ``v1_teme_km_s``, ``r2_teme_km``, ``v2_teme_km_s``); ``meta`` the objects SGP4 failed
        on (``sgp4_failures``: {norad: code}) and the screening parameters. With primaries,
        objects whose distance from the geocentre cannot come within the threshold of any
        primary's over the window (:func:`.shells.radial_bands_km`) are not propagated
        (``objects_beyond_reach`` counts them; their failures are not reported).
    """
    t_start = to_times(start)[0:1]
    t_end = to_times(end)[0:1]
    span = float(t_end.seconds_since(t_start)[0])
    if not span > 0:
        raise InputError("screening window: the end must be after the start")
    check_range("threshold_km", threshold_km, 0.0, low_open=True, unit="km")
    check_range("step_s", step_s, 0.0, low_open=True, unit="s")
    n_steps = max(1, int(np.ceil(span / step_s)))
    step = span / n_steps
    primary_mask = None
    if primaries is not None:
        wanted = np.asarray(list(primaries), dtype=np.int64)
        primary_mask = primary_mask_all = np.isin(catalog.norad_id, wanted)
        missing = sorted(set(wanted.tolist()) - set(catalog.norad_id[primary_mask].tolist()))
        if missing:
            raise UnknownObjectError(f"primary NORAD ids not in the catalogue: {missing[:10]}")
    rows = None
    if primary_mask is not None:
        # Only objects whose distance from the geocentre can come within the threshold of
        # some primary's (SGP4 bounds, :mod:`.shells`) are propagated.
        lo, hi = radial_bands_km(catalog, t_start, t_end)
        p_lo, p_hi = lo[primary_mask], hi[primary_mask]
        near = primary_mask.copy()
        for a, b in zip(p_lo - threshold_km, p_hi + threshold_km):
            near |= (lo <= b) & (hi >= a)
        if not near.all():
            rows = np.flatnonzero(near)
            catalog, primary_mask = catalog.subset(rows), primary_mask[rows]
    saved = None
    if checkpoint is not None:
        saved = Checkpoint(checkpoint, fingerprint(
            catalog, start=[float(t_start.jd[0]), float(t_start.fr[0])], n_steps=n_steps,
            step=step, threshold_km=float(threshold_km), max_bytes=float(max_bytes),
            primaries=None if primary_mask is None else np.flatnonzero(primary_mask).tolist(),
            backend=get_backend(backend).name))
    i, j, t, failures = _candidates(catalog, t_start, n_steps, step, threshold_km,
                                    primary_mask, backend, max_bytes, progress, saved,
                                    executor)
    # Order each pair: primary first, else the smaller NORAD id first.
    if primary_mask is not None:
        swap = ~primary_mask[i] | (primary_mask[j] & (catalog.norad_id[j] < catalog.norad_id[i]))
    else:
        swap = catalog.norad_id[j] < catalog.norad_id[i]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    keep = merge_duplicates(i, j, t, tolerance_s=step / 4)  # sorted by pair, then time
    i, j, t = i[keep], j[keep], t[keep]
    assess = dict(t_start=t_start, step=step, span=span, threshold_km=threshold_km,
                  backend=backend, hbr_table=hbr_table, pc_method=pc_method,
                  covariances=covariances)
    if executor is not None and len(i) > BLOCK_CANDIDATES:
        blocks = pair_blocks(i, j, executor.workers() * 2)
        parts = executor.candidate_blocks(assess_candidates, catalog, i, j, t, blocks,
                                          **assess)
        table = Table.concat([table for table, _ in parts])
        t = np.concatenate([seconds for _, seconds in parts])
    else:
        table, t = assess_candidates(catalog, i, j, t, **assess)
    n_refined = len(i)
    table.meta.update({
        "sgp4_failures": failures, "threshold_km": threshold_km, "step_s": step,
        "start_utc": t_start, "end_utc": t_end,
        "mode": "all-vs-all" if primaries is None else "primaries",
        "objects": len(catalog), "candidates_refined": n_refined,
        "windows_resumed": 0 if saved is None else saved.resumed,
        "windows_unreadable": [] if saved is None else [str(p) for p in saved.unreadable],
    })
    if rows is not None:  # rows of the caller's catalogue
        table.meta["objects"] = len(primary_mask_all)
        table.meta["objects_beyond_reach"] = int(len(primary_mask_all) - len(rows))
        for key in ("row_1", "row_2"):
            table.extra[key] = rows[table.extra[key]]
    order = np.argsort(t, kind="stable")
    return table.take(order) if len(table) else table


#: Candidates below which a cluster's client assesses them itself (shipping costs more).
BLOCK_CANDIDATES = 20_000


def pair_blocks(i, j, count: int) -> list:
    """Split candidates sorted by pair into about `count` slices of similar size that never
    split a pair (a pair's duplicates are merged inside one block): [(a, b), ...]."""
    n = len(i)
    cuts = [0]
    for k in range(1, max(1, count)):
        c = int(round(k * n / count))
        while 0 < c < n and i[c] == i[c - 1] and j[c] == j[c - 1]:
            c += 1
        if c > cuts[-1]:
            cuts.append(min(c, n))
    if cuts[-1] < n:
        cuts.append(n)
    return list(zip(cuts[:-1], cuts[1:]))


def assess_candidates(catalog, i, j, t, *, t_start, step, span, threshold_km, backend,
                      hbr_table, pc_method, covariances) -> tuple:
    """Everything after the broad phase for candidates (i, j, seconds from `t_start`) sorted
    by pair: the exact TCA, the events inside the window and the threshold (one per pair
    within 1 s), miss distance, RIC and Pc (:func:`.assessment.conjunction_table`).
    Row-wise in the candidates, so blocks of whole pairs give the rows of the whole set.
    Returns the table and its TCAs in seconds from `t_start`."""
    t, (r1, v1, r2, v2) = refine_tca(catalog, i, j, t_start, t, step, backend)
    miss = vector_norm(r2 - r1)
    valid = np.ones(len(t), bool)
    near = np.flatnonzero(miss <= threshold_km + 1.0)
    stuck = near[~is_minimum(catalog, i[near], j[near], t_start, t[near], miss[near], step / 2,
                             backend)]
    if stuck.size:  # Newton left these where the distance is not a minimum: search it
        t[stuck], valid[stuck] = golden_minimum(catalog, i[stuck], j[stuck], t_start,
                                                t[stuck] - step, t[stuck] + step, backend)
        times = t_start.shift_seconds(t[stuck])
        r1[stuck], v1[stuck], _ = propagate_at(catalog, i[stuck], times, backend=backend)
        r2[stuck], v2[stuck], _ = propagate_at(catalog, j[stuck], times, backend=backend)
        miss[stuck] = vector_norm(r2[stuck] - r1[stuck])
    keep = np.flatnonzero(valid & (miss <= threshold_km) & (t >= 0) & (t <= span))
    keep = keep[merge_duplicates(i[keep], j[keep], t[keep], tolerance_s=1.0)]
    i, j, t = i[keep], j[keep], t[keep]
    return conjunction_table(catalog, i, j, t_start.shift_seconds(t), r1[keep], v1[keep],
                             r2[keep], v2[keep], hbr_table, pc_method, covariances), t


#: A reported approach is a minimum: the exact distance half a step either side is not
#: below it by more than this (km). Co-located and co-moving pairs (GEO neighbours: the
#: distance changes by millimetres a minute) can leave the range-rate Newton where the
#: distance is not a minimum, one "approach" per grid step; those are searched again
#: (:func:`.narrowphase.golden_minimum`) and dropped when the distance has no minimum there.
MINIMUM_TOLERANCE_KM = 1e-6


def is_minimum(catalog, i, j, t0, t, miss, half_s: float, backend) -> np.ndarray:
    """Mask of the events (pairs i, j at `t` seconds from `t0`, exact distance `miss`) whose
    exact distance `half_s` before and after is not smaller (:data:`MINIMUM_TOLERANCE_KM`);
    a side where SGP4 fails does not count against the event."""
    ok = np.ones(len(t), bool)
    for side in (-half_s, half_s):
        times = t0.shift_seconds(t + side)
        r1, _, e1 = propagate_at(catalog, i, times, backend=backend)
        r2, _, e2 = propagate_at(catalog, j, times, backend=backend)
        with np.errstate(invalid="ignore"):
            lower = vector_norm(r2 - r1) < miss - MINIMUM_TOLERANCE_KM
        ok &= ~(lower & (e1 == 0) & (e2 == 0))
    return ok


def window_bounds(n_objects: int, n_steps: int, max_bytes: float) -> list:
    """The (a, b) grid intervals of the windows: each holds at most `max_bytes` of states.
    The same split runs in one process and on a cluster, so both find the same minima."""
    per_step = max(1, n_objects) * 6 * 8
    window = max(2, int(max_bytes // per_step) - 1)
    return [(a, min(a + window, n_steps)) for a in range(0, n_steps, window)]


#: State arrays kept between the windows one process computes for a cluster.
_PROCESS_BUFFERS: dict = {}


def window_candidates(catalog, t_start, a, b, step, threshold_km, primary_mask, backend,
                      buffers=None):
    """Candidate minima of one window of grid intervals [a, b]: (i, j, seconds from start)
    and the objects SGP4 failed on there ({norad: code}). Depends on nothing but its
    arguments: windows run in any order, in any process."""
    n = len(catalog)
    # On a cluster worker, windows after the first reuse that process's state arrays: fresh
    # memory costs ~0.3 s per 256 MB window to touch first.
    buffers = _PROCESS_BUFFERS if buffers is None else buffers
    # The compiled kernels can leave velocities out: the broad phase needs none when each
    # interval is one piece, and the narrow phase's few are propagated exactly on demand.
    positions_only = (backends.backend_spec(get_backend(backend)).out_buffers
                      and broadphase.SUB_STEPS == 1)
    window_failures = {}
    times = t_start.shift_seconds(np.arange(a, b + 1) * step)
    if len(times) not in buffers:
        buffers.clear()  # one set at a time: max_bytes bounds the states held
        buffers[len(times)] = (np.empty((n, len(times), 3)),
                               None if positions_only else np.empty((n, len(times), 3)),
                               np.empty((n, len(times)), np.int8))
    states = propagate(catalog, times, backend=backend, out=buffers[len(times)])
    r = states.r_teme_km
    valid, chord, shell = _plausible_window(r, states.error == 0, step)
    for row in np.flatnonzero(~valid.all(axis=1)).tolist():
        code = int(states.error[row].max())
        window_failures[int(catalog.norad_id[row])] = code or IMPOSSIBLE_MOTION

    def velocity_at(obj, index, times=times):
        return propagate_at(catalog, obj, times[index], backend=backend)[1]

    ci, cj, ck, cs = _window_minima(r, states.v_teme_km_s, valid, step, threshold_km,
                                    primary_mask, chord, shell, velocity_at)
    return ci, cj, (a + ck + cs) * step, window_failures


def _candidates(catalog, t_start, n_steps, step, threshold_km, primary_mask, backend,
                max_bytes, progress, saved=None, executor=None):
    """Candidate minima (i, j, seconds from start) over the whole span, window by window,
    and the objects SGP4 failed on ({norad: code}); windows recorded in the checkpoint
    `saved` are read back instead of computed, and new ones recorded. With an `executor`
    (:mod:`debris.cluster`) the windows to compute run there; the results are put together
    in window order either way."""
    bounds = window_bounds(len(catalog), n_steps, max_bytes)
    results = {}
    todo = []
    for a, b in bounds:
        done = saved.load(a, b) if saved is not None else None
        if done is not None:
            results[a] = done
        else:
            todo.append((a, b))
    finished = sum(b - a for a, b in bounds if a in results)
    if progress is not None and finished:
        progress(finished, n_steps)

    def record(a, b, result):
        nonlocal finished
        results[a] = result
        if saved is not None:
            saved.save(a, b, *result)
        finished += b - a
        if progress is not None:
            progress(finished, n_steps)

    if executor is not None:
        executor.screen_windows(catalog, t_start, todo, step, threshold_km, primary_mask,
                                backend, record)
    else:
        buffers = {}  # window length -> (r, v, error): one allocation per length, reused
        for a, b in todo:
            record(a, b, window_candidates(catalog, t_start, a, b, step, threshold_km,
                                           primary_mask, backend, buffers))
    cand_i, cand_j, cand_t = [np.empty(0, np.intp)], [np.empty(0, np.intp)], [np.empty(0)]
    failures = {}
    for a, _ in bounds:
        ci, cj, ct, window_failures = results[a]
        cand_i.append(np.asarray(ci, np.intp))
        cand_j.append(np.asarray(cj, np.intp))
        cand_t.append(ct)
        for norad, code in window_failures.items():
            failures.setdefault(norad, code)
    return np.concatenate(cand_i), np.concatenate(cand_j), np.concatenate(cand_t), failures


def _plausible_window(r, valid, step):
    """A window's states that can belong to an orbit (:func:`plausible_states` and SGP4's
    own codes), with the chords (or None) and the radial shells (or None) when the compiled
    kernel computes them in the same pass."""
    if backends.broadphase() == "numba":
        from .broadphase_numba import window_bounds  # imports numba: only on this path

        ok, lo, hi = window_bounds(r, valid, SURFACE_ESCAPE_SPEED_KM_S * step,
                                   A_MAX_KM_S2 * step * step / 8.0)
        return ok, None, (lo, hi)
    chord = vector_norm(r[:, 1:] - r[:, :-1])  # for the plausibility test and the cells
    return valid & plausible_states(r, step, chord), chord, None


def _window_minima(r, v, valid, step, threshold, primary_mask, chord, shell, velocity_at):
    """Candidate minima (obj_i, obj_j, interval, s) in one window of states (n, W+1, 3);
    with `v` None, the candidates' velocities come from ``velocity_at(obj, time_index)``."""
    gi, gj, k = interval_pairs(r, r if v is None else v, valid, step, threshold, primary_mask,
                               chord, shell)
    if v is None:
        width = r.shape[1]
        keys = np.concatenate([gi * width + k, gj * width + k, gi * width + k + 1,
                               gj * width + k + 1])
        unique, inverse = np.unique(keys, return_inverse=True)
        found = velocity_at(unique // width, unique % width)[inverse].reshape(4, -1, 3)
        vi0, vj0, vi1, vj1 = found
    else:
        vi0, vj0, vi1, vj1 = v[gi, k], v[gj, k], v[gi, k + 1], v[gj, k + 1]
    seg, s, dist = hermite_minima(r[gj, k] - r[gi, k], vj0 - vi0,
                                  r[gj, k + 1] - r[gi, k + 1], vj1 - vi1, step)
    keep = dist <= threshold + HERMITE_MARGIN_KM
    return gi[seg[keep]], gj[seg[keep]], k[seg[keep]], s[keep]
