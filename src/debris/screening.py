"""Conjunction screening: every close approach between catalogue objects over a window.

Method (all objects at once, streamed over time windows so memory stays bounded):

1. **Grid.** Every object is propagated with SGP4 on a grid of step ``dt`` (60 s by default),
   in windows of at most ``max_bytes`` of states. Objects failing in SGP4 (decayed, bad
   elements) take no part while they fail and are reported.
2. **Why nothing is missed (the broad phase).** On an interval [t_k, t_k+1], an object's path
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
4. **Narrow phase.** On the surviving pair-intervals, the relative motion is the difference
   of the two cubic Hermite segments through the SGP4 states (within a few metres of SGP4 at
   60 s, tests/test_hermite.py), whose squared norm is a degree-6 polynomial. Its derivative
   (degree 5) is scanned on 33 points and each sign change - to + is bisected: every local
   minimum in [t_k, t_k+1) is found, so a pair can give several conjunctions (co-moving
   objects). Minima within ``d + 50 m`` are kept (the margin covers the interpolation error).
5. **Exact confirmation.** Each minimum is refined with exact SGP4 (Newton on the range rate,
   :func:`debris.propagate_at`), then kept when the exact miss distance is at most d.
   Approaches found twice (near a sample, on a window seam) are merged.

Completeness is tested against brute force (1 s sampling plus exact refinement) on a
crowded band of the real catalogue in tests/test_screening.py, and the argument itself (the
chord bound) on random real pairs.

Collision probability uses :mod:`debris.pc` with a default covariance when the catalogue has
none (TLE data has none): see :data:`DEFAULT_SIGMA_RIC_KM` and :data:`DEFAULT_HBR_M`.
"""

from __future__ import annotations

import numpy as np

from .frames import earth_orientation, vector_norm
from .propagation import propagate, propagate_at
from .table import Table
from .timescale import Times, format_iso, to_times

__all__ = ["screen", "CONJUNCTION_COLUMNS", "DEFAULT_SCREEN_STEP_S", "DEFAULT_SIGMA_RIC_KM",
           "SIGMA_GROWTH_RIC_KM_PER_DAY", "DEFAULT_HBR_M", "default_covariance_rtn",
           "hard_body_radius_m", "conjunction_states", "gcrf_states", "observability",
           "conjunction_cdms"]

MU_KM3_S2 = 398600.8
EARTH_RADIUS_KM = 6378.135
#: Bound on SGP4 accelerations (km/s^2): surface gravity, +1 % for J2 and drag.
A_MAX_KM_S2 = 1.01 * MU_KM3_S2 / EARTH_RADIUS_KM ** 2
DEFAULT_SCREEN_STEP_S = 60.0
_HERMITE_MARGIN_KM = 0.05
_SUB_STEPS = 1  # pieces per interval in the compiled broad phase (measured: more pieces cost more)
_SCAN_POINTS = 33

#: Default 1-sigma position uncertainty of an element set at its epoch, radial / in-track /
#: cross-track (km), and its growth per day from the epoch. TLE/OMM sets carry no
#: covariance; these are of the order found when comparing TLEs with precise orbits
#: (in-track errors ~1 km at epoch growing by 1-2 km/day in LEO). Pc from them is a
#: screening figure; ``max_probability`` (Alfano) does not depend on the covariance size.
DEFAULT_SIGMA_RIC_KM = (0.1, 0.5, 0.1)
SIGMA_GROWTH_RIC_KM_PER_DAY = (0.05, 1.0, 0.05)
#: Default hard-body radius per object by type (m); a conjunction's HBR is the sum.
DEFAULT_HBR_M = {"PAYLOAD": 5.0, "ROCKET BODY": 5.0, "DEBRIS": 1.0, "UNKNOWN": 2.0}

CONJUNCTION_COLUMNS = (
    "norad_id_1", "norad_id_2", "name_1", "name_2", "tca_utc", "miss_distance_km",
    "relative_speed_km_s", "radial_km", "in_track_km", "cross_track_km", "probability",
    "max_probability", "hard_body_radius_m", "covariance",
)


def default_covariance_rtn(age_days) -> np.ndarray:
    """The default RTN position covariance (km^2) for element sets `age_days` old, (M, 3, 3)."""
    age = np.abs(np.asarray(age_days, float))[..., None]
    sigma = np.asarray(DEFAULT_SIGMA_RIC_KM) + np.asarray(SIGMA_GROWTH_RIC_KM_PER_DAY) * age
    out = np.zeros(sigma.shape[:-1] + (3, 3))
    for k in range(3):
        out[..., k, k] = sigma[..., k] ** 2
    return out


def hard_body_radius_m(catalog, rows, table: dict | None = None) -> np.ndarray:
    """Per-object hard-body radius (m): the user's table by NORAD id, else by object type."""
    table = table or {}
    out = np.empty(len(rows))
    for k, row in enumerate(np.asarray(rows)):
        norad = int(catalog.norad_id[row])
        out[k] = table.get(norad, DEFAULT_HBR_M.get(str(catalog.object_type[row]), 2.0))
    return out


def _hermite_coefficients(p0, v0, p1, v1, h):
    """Polynomial coefficients (A, B, C, D) of the cubic p(s) = A + B s + C s^2 + D s^3."""
    v0h, v1h = v0 * h, v1 * h
    return p0, v0h, -3 * p0 - 2 * v0h + 3 * p1 - v1h, 2 * p0 + v0h - 2 * p1 + v1h


def _distance2_derivative(a, b, c, d):
    """Coefficients (M, 6) of d/ds |p(s)|^2, lowest power first."""
    dot = lambda x, y: np.einsum("mi,mi->m", x, y)  # noqa: E731
    c1 = 2 * dot(a, b)
    c2 = dot(b, b) + 2 * dot(a, c)
    c3 = 2 * dot(a, d) + 2 * dot(b, c)
    c4 = dot(c, c) + 2 * dot(b, d)
    c5 = 2 * dot(c, d)
    c6 = dot(d, d)
    return np.stack([c1, 2 * c2, 3 * c3, 4 * c4, 5 * c5, 6 * c6], axis=1)


def _poly(coef, s):
    """Evaluate polynomials (M, K) at s (M,) or (M, S)."""
    s = np.asarray(s, float)
    out = np.zeros(np.broadcast_shapes(coef.shape[:1] + (1,) * (s.ndim - 1), s.shape))
    for k in range(coef.shape[1] - 1, -1, -1):
        out = out * s + (coef[:, k] if s.ndim == 1 else coef[:, k, None])
    return out


def _hermite_minima(p0, v0, p1, v1, h):
    """Every local minimum of |p(s)| on [0, 1) for relative Hermite segments (M, 3).

    Returns
    -------
    seg : ndarray of int, shape (K,)
        Which segment each minimum belongs to.
    s : ndarray, shape (K,)
        Local time of the minimum.
    distance : ndarray, shape (K,)
    """
    a, b, c, d = _hermite_coefficients(p0, v0, p1, v1, h)
    deriv = _distance2_derivative(a, b, c, d)
    grid = np.linspace(0.0, 1.0, _SCAN_POINTS)
    values = _poly(deriv, np.broadcast_to(grid, (len(p0), _SCAN_POINTS)))
    change = (values[:, :-1] < 0) & (values[:, 1:] >= 0)
    seg, k = np.nonzero(change)
    lo, hi = grid[k], grid[k + 1]
    sub = deriv[seg]
    for _ in range(40):  # 1/32 / 2^40 of a step: far below a microsecond
        mid = 0.5 * (lo + hi)
        negative = _poly(sub, mid) < 0
        lo = np.where(negative, mid, lo)
        hi = np.where(negative, hi, mid)
    s = 0.5 * (lo + hi)
    keep = s < 1.0
    seg, s = seg[keep], s[keep]
    sl = s[:, None]
    pos = a[seg] + b[seg] * sl + c[seg] * sl ** 2 + d[seg] * sl ** 3
    return seg, s, vector_norm(pos)


def _chord_min_distance(r0, r1):
    """Minimum over s in [0, 1] of |(1 - s) r0 + s r1| for (M, 3) arrays."""
    diff = r1 - r0
    denom = np.einsum("mi,mi->m", diff, diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.clip(-np.einsum("mi,mi->m", r0, diff) / denom, 0.0, 1.0)
    s = np.where(denom > 0, s, 0.0)
    return vector_norm(r0 + diff * s[:, None])


def _shell_survivors(lo, hi, pad, primary_mask=None):
    """Objects whose radial shell [lo, hi] overlaps another's (or a primary's) within pad."""
    n = len(lo)
    if primary_mask is not None:
        if not primary_mask.any():
            return np.zeros(n, bool)
        p_lo, p_hi = lo[primary_mask], hi[primary_mask]
        order = np.argsort(p_lo)
        p_lo, p_hi = p_lo[order], p_hi[order]
        run_max = np.maximum.accumulate(p_hi)
        # a primary overlaps [lo, hi] if some primary has p_lo <= hi + pad and p_hi >= lo - pad
        k = np.searchsorted(p_lo, hi + pad, side="right")
        ok = (k > 0) & (run_max[np.maximum(k - 1, 0)] >= lo - pad)
        return ok | primary_mask
    order = np.argsort(lo)
    s_lo, s_hi = lo[order], hi[order]
    before = np.concatenate([[-np.inf], np.maximum.accumulate(s_hi)[:-1]])
    after = np.concatenate([s_lo[1:], [np.inf]])
    ok_sorted = (before >= s_lo - pad) | (after <= s_hi + pad)
    ok = np.empty(n, bool)
    ok[order] = ok_sorted
    return ok


def _use_compiled_broadphase() -> bool:
    """The numba broad phase when numba is installed, unless DEBRIS_BROADPHASE=scipy."""
    import os

    choice = os.environ.get("DEBRIS_BROADPHASE", "auto").strip().lower()
    if choice == "scipy":
        return False
    from .broadphase_numba import available

    if choice == "numba" and not available:
        raise ImportError("DEBRIS_BROADPHASE=numba but numba is not installed")
    return available


def _tree_pairs(rows, mid, rho, r0, r1, primary_mask, threshold, sag):
    """k-d tree broad phase (scipy): pairs of objects passing the midpoint and chord tests."""
    from scipy.spatial import cKDTree

    m = mid[rows]
    radius = threshold + 2.0 * rho[rows].max()
    tree = cKDTree(m)
    if primary_mask is None:
        pairs = tree.query_pairs(radius, output_type="ndarray")
    else:
        prim = np.flatnonzero(primary_mask[rows])
        if prim.size == 0:
            return np.empty(0, np.intp), np.empty(0, np.intp)
        hits = cKDTree(m[prim]).query_ball_tree(tree, radius)
        counts = np.fromiter((len(h) for h in hits), int, len(hits))
        if counts.sum() == 0:
            return np.empty(0, np.intp), np.empty(0, np.intp)
        a = np.repeat(prim, counts)
        b = np.concatenate([np.asarray(h, int) for h in hits if h])
        pairs = np.stack([a, b], axis=1)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        both = primary_mask[rows[pairs[:, 1]]]  # both primaries: keep one order only
        pairs = pairs[~both | (pairs[:, 0] < pairs[:, 1])]
    if len(pairs) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    gi, gj = rows[pairs[:, 0]], rows[pairs[:, 1]]
    near = vector_norm(mid[gi] - mid[gj]) <= threshold + rho[gi] + rho[gj]
    gi, gj = gi[near], gj[near]
    close = _chord_min_distance(r0[gj] - r0[gi], r1[gj] - r1[gi]) <= threshold + 2.0 * sag
    return gi[close], gj[close]


def _window_candidates(r, v, valid, step, threshold, primary_mask):
    """Candidate minima (obj_i, obj_j, interval, s) in one window of states (n, W+1, 3)."""
    n, w1, _ = r.shape
    sag = A_MAX_KM_S2 * step * step / 8.0
    mid = 0.5 * (r[:, 1:] + r[:, :-1])  # (n, W, 3)
    rho = 0.5 * vector_norm(r[:, 1:] - r[:, :-1]) + sag
    ok_iv = valid[:, 1:] & valid[:, :-1]
    mid_norm = vector_norm(mid)
    lo = np.where(ok_iv, mid_norm - rho, np.inf).min(axis=1)
    hi = np.where(ok_iv, mid_norm + rho, -np.inf).max(axis=1)
    alive = ok_iv.any(axis=1) & _shell_survivors(lo, hi, threshold, primary_mask)
    out_i, out_j, out_k, out_s = [], [], [], []
    if _use_compiled_broadphase():
        from .broadphase_numba import window_pairs

        pi, pj, pk = window_pairs(r, v, ok_iv & alive[:, None], primary_mask, threshold,
                                  step, _SUB_STEPS, A_MAX_KM_S2, _HERMITE_MARGIN_KM)
        if pi.size:  # a pair found on several pieces of an interval counts once
            key = np.unique((pk * n + pi) * n + pj)
            pk, rest = np.divmod(key, n * n)
            pi, pj = np.divmod(rest, n)
        batches = [(pi, pj, pk)] if pi.size else []
    else:
        batches = []
        for k in range(w1 - 1):
            rows = np.flatnonzero(alive & ok_iv[:, k])
            if rows.size < 2:
                continue
            gi, gj = _tree_pairs(rows, mid[:, k], rho[:, k], r[:, k], r[:, k + 1],
                                 primary_mask, threshold, sag)
            if gi.size:
                batches.append((gi, gj, np.full(gi.size, k)))
    for gi, gj, k in batches:
        d0 = r[gj, k] - r[gi, k]
        d1 = r[gj, k + 1] - r[gi, k + 1]
        seg, s, dist = _hermite_minima(d0, v[gj, k] - v[gi, k], d1,
                                       v[gj, k + 1] - v[gi, k + 1], step)
        keep = dist <= threshold + _HERMITE_MARGIN_KM
        out_i.append(gi[seg[keep]])
        out_j.append(gj[seg[keep]])
        out_k.append(k[seg[keep]])
        out_s.append(s[keep])
    if not out_i:
        empty = np.empty(0, np.intp)
        return empty, empty, empty, np.empty(0)
    return (np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_k),
            np.concatenate(out_s))


def _refine_tca(catalog, i, j, t0: Times, seconds, step, backend, iterations: int = 12,
                tolerance_s: float = 1e-5):
    """Newton on the exact range rate: TCA seconds since t0, and the exact states there.

    The derivative is |dv|^2 + dr.da with two-body accelerations, which keeps Newton
    quadratic for co-moving pairs too (relative speeds of metres per second, where dr.da is
    as large as |dv|^2). Iterates until every step is below `tolerance_s`.
    """
    t = np.array(seconds, dtype=float)
    start = t.copy()
    active = np.arange(t.size)
    for _ in range(iterations):
        if active.size == 0:
            break
        times = t0.shift_seconds(t[active])
        r1, v1, _ = propagate_at(catalog, i[active], times, backend=backend)
        r2, v2, _ = propagate_at(catalog, j[active], times, backend=backend)
        dr, dv = r2 - r1, v2 - v1
        acc = (-MU_KM3_S2 * r2 / vector_norm(r2)[:, None] ** 3
               + MU_KM3_S2 * r1 / vector_norm(r1)[:, None] ** 3)
        f = np.einsum("mi,mi->m", dr, dv)
        fp = np.einsum("mi,mi->m", dv, dv) + np.einsum("mi,mi->m", dr, acc)
        with np.errstate(divide="ignore", invalid="ignore"):
            dt = np.where(fp > 0, -f / fp, 0.0)
        dt = np.where(np.isfinite(dt), np.clip(dt, -step / 2, step / 2), 0.0)
        t[active] = np.clip(t[active] + dt, start[active] - step, start[active] + step)
        active = active[np.abs(dt) > tolerance_s]
    times = t0.shift_seconds(t)
    r1, v1, _ = propagate_at(catalog, i, times, backend=backend)
    r2, v2, _ = propagate_at(catalog, j, times, backend=backend)
    return t, (r1, v1, r2, v2)


def _merge_duplicates(i, j, t, tolerance_s=1.0):
    """Indices of unique (i, j, t) events: the same pair within `tolerance_s` is one event."""
    if len(i) == 0:
        return np.empty(0, np.intp)
    order = np.lexsort((t, j, i))
    i_s, j_s, t_s = i[order], j[order], t[order]
    new = np.ones(len(order), bool)
    new[1:] = (i_s[1:] != i_s[:-1]) | (j_s[1:] != j_s[:-1]) | (t_s[1:] - t_s[:-1] > tolerance_s)
    return order[new]


def conjunction_states(catalog, i, j, times: Times, backend="auto"):
    """Exact TEME states of both objects of conjunctions at their TCAs, each (M, 3)."""
    r1, v1, _ = propagate_at(catalog, i, times, backend=backend)
    r2, v2, _ = propagate_at(catalog, j, times, backend=backend)
    return r1, v1, r2, v2


def screen(catalog, start, end, threshold_km: float = 5.0, *, primaries=None,
           step_s: float = DEFAULT_SCREEN_STEP_S, backend="auto", max_bytes: float = 256e6,
           hbr_table: dict | None = None, pc_method: str = "foster",
           covariances: dict | None = None, progress=None) -> Table:
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
        Hard-body radius per NORAD id (m); others by :data:`DEFAULT_HBR_M`.
    pc_method : {"foster", "chan"}
    covariances : dict of int -> ndarray (3, 3) or (6, 6), optional
        RTN covariances (km^2) by NORAD id, used instead of the default model.
    progress : callable, optional
        Called as ``progress(done_steps, total_steps)``.

    Returns
    -------
    Table
        One row per conjunction, columns :data:`CONJUNCTION_COLUMNS` (all-vs-all: smaller id
        first; with primaries: the primary first), sorted by TCA. ``meta`` holds
        ``sgp4_failures`` ({norad: code}) and the screening parameters.
    """
    t_start = to_times(start)[0:1]
    t_end = to_times(end)[0:1]
    span = float(t_end.seconds_since(t_start)[0])
    if not span > 0:
        raise ValueError("screening window: the end must be after the start")
    if not threshold_km > 0:
        raise ValueError(f"threshold {threshold_km} km: must be positive")
    n_steps = max(1, int(np.ceil(span / step_s)))
    step = span / n_steps
    primary_mask = None
    if primaries is not None:
        wanted = np.asarray(list(primaries), dtype=np.int64)
        primary_mask = np.isin(catalog.norad_id, wanted)
        missing = sorted(set(wanted.tolist()) - set(catalog.norad_id[primary_mask].tolist()))
        if missing:
            raise KeyError(f"primary NORAD ids not in the catalogue: {missing[:10]}")
    n = len(catalog)
    per_step = max(1, n) * 6 * 8
    window = max(2, int(max_bytes // per_step) - 1)
    cand_i, cand_j, cand_t = [], [], []
    failures = {}
    for a in range(0, n_steps, window):
        b = min(a + window, n_steps)
        times = t_start.shift_seconds(np.arange(a, b + 1) * step)
        states = propagate(catalog, times, backend=backend)
        valid = states.error == 0
        bad = np.flatnonzero(~valid.all(axis=1))
        for row in bad.tolist():
            failures.setdefault(int(catalog.norad_id[row]), int(states.error[row].max()))
        ci, cj, ck, cs = _window_candidates(states.r_teme_km, states.v_teme_km_s, valid, step,
                                            threshold_km, primary_mask)
        cand_i.append(ci)
        cand_j.append(cj)
        cand_t.append((a + ck + cs) * step)
        if progress is not None:
            progress(b, n_steps)
    i = np.concatenate(cand_i) if cand_i else np.empty(0, np.intp)
    j = np.concatenate(cand_j) if cand_j else np.empty(0, np.intp)
    t = np.concatenate(cand_t) if cand_t else np.empty(0)
    # Order each pair: primary first, else the smaller NORAD id first.
    if primary_mask is not None:
        swap = ~primary_mask[i] | (primary_mask[j] & (catalog.norad_id[j] < catalog.norad_id[i]))
    else:
        swap = catalog.norad_id[j] < catalog.norad_id[i]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    keep = _merge_duplicates(i, j, t, tolerance_s=step / 4)
    i, j, t = i[keep], j[keep], t[keep]
    t, (r1, v1, r2, v2) = _refine_tca(catalog, i, j, t_start, t, step, backend)
    miss = vector_norm(r2 - r1)
    inside = (miss <= threshold_km) & (t >= 0) & (t <= span)
    keep = np.flatnonzero(inside)
    keep = keep[_merge_duplicates(i[keep], j[keep], t[keep], tolerance_s=1.0)]
    i, j, t = i[keep], j[keep], t[keep]
    r1, v1, r2, v2 = r1[keep], v1[keep], r2[keep], v2[keep]
    table = _conjunction_table(catalog, i, j, t_start.shift_seconds(t), r1, v1, r2, v2,
                               hbr_table, pc_method, covariances)
    table.meta.update({
        "sgp4_failures": failures, "threshold_km": threshold_km, "step_s": step,
        "start_utc": format_iso(t_start)[0], "end_utc": format_iso(t_end)[0],
        "mode": "all-vs-all" if primaries is None else "primaries",
        "objects": n, "candidates_refined": int(len(inside)),
    })
    order = np.argsort(t, kind="stable")
    return table.take(order) if len(table) else table


def _rtn_rows(r, v):
    """RTN unit vectors as rows, (M, 3, 3), for states (M, 3)."""
    radial = r / vector_norm(r)[:, None]
    normal = np.cross(r, v)
    normal /= vector_norm(normal)[:, None]
    return np.stack([radial, np.cross(normal, radial), normal], axis=1)


def _encounter_planes(dr, dv, cov):
    """Miss vectors (M, 2) and combined covariances (M, 2, 2) in the encounter planes."""
    y = dv / vector_norm(dv)[:, None]
    z = np.cross(dr, y)
    z_norm = vector_norm(z)
    degenerate = ~(z_norm > 1e-12 * np.maximum(vector_norm(dr), 1e-300))
    if degenerate.any():  # miss along the relative velocity: any normal will do
        helper = np.where(np.abs(y[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        z = np.where(degenerate[:, None], np.cross(y, helper), z)
        z_norm = vector_norm(z)
    z = z / z_norm[:, None]
    plane = np.stack([np.cross(y, z), z], axis=1)  # (M, 2, 3)
    miss = np.einsum("mij,mj->mi", plane, dr)
    return miss, plane @ cov @ np.swapaxes(plane, 1, 2)


def _conjunction_table(catalog, i, j, tca: Times, r1, v1, r2, v2, hbr_table, pc_method,
                       covariances) -> Table:
    from .pc import chan_pc, foster_pc, max_pc

    m = len(i)
    dr, dv = r2 - r1, v2 - v1
    prob = np.full(m, np.nan)
    max_prob = np.full(m, np.nan)
    hbr = hard_body_radius_m(catalog, i, hbr_table) + hard_body_radius_m(catalog, j, hbr_table)
    if m == 0:
        ric = np.zeros((0, 3))
        cov_kind = np.empty(0, str)
    else:
        basis1, basis2 = _rtn_rows(r1, v1), _rtn_rows(r2, v2)
        ric = np.einsum("mij,mj->mi", basis1, dr)
        age1 = (tca.jd - catalog.epoch.jd[i]) + (tca.fr - catalog.epoch.fr[i])
        age2 = (tca.jd - catalog.epoch.jd[j]) + (tca.fr - catalog.epoch.fr[j])
        c1, c2 = default_covariance_rtn(age1), default_covariance_rtn(age2)
        covariances = covariances or {}
        user1 = np.array([int(n) in covariances for n in catalog.norad_id[i].tolist()], bool)
        user2 = np.array([int(n) in covariances for n in catalog.norad_id[j].tolist()], bool)
        for k in np.flatnonzero(user1):
            c1[k] = np.asarray(covariances[int(catalog.norad_id[i[k]])], float)[:3, :3]
        for k in np.flatnonzero(user2):
            c2[k] = np.asarray(covariances[int(catalog.norad_id[j[k]])], float)[:3, :3]
        cov_kind = np.where(user1 & user2, "user", np.where(user1 | user2, "user+default",
                                                           "default"))
        # RTN -> inertial: B^T C B with B the rows of each object's RTN frame
        cov = (np.swapaxes(basis1, 1, 2) @ c1 @ basis1
               + np.swapaxes(basis2, 1, 2) @ c2 @ basis2)
        miss, cov2 = _encounter_planes(dr, dv, cov)
        pc = foster_pc if pc_method == "foster" else chan_pc
        if pc_method not in ("foster", "chan"):
            raise ValueError(f"Pc method {pc_method!r}: expected foster or chan")
        for k in range(m):
            prob[k] = pc(miss[k], cov2[k], hbr[k] / 1000.0)
            max_prob[k] = max_pc(miss[k], cov2[k], hbr[k] / 1000.0)
    return Table({
        "norad_id_1": catalog.norad_id[i],
        "norad_id_2": catalog.norad_id[j],
        "name_1": catalog.name[i],
        "name_2": catalog.name[j],
        "tca_utc": format_iso(tca) if m else np.empty(0, str),
        "miss_distance_km": vector_norm(dr) if m else np.empty(0),
        "relative_speed_km_s": vector_norm(dv) if m else np.empty(0),
        "radial_km": ric[:, 0],
        "in_track_km": ric[:, 1],
        "cross_track_km": ric[:, 2],
        "probability": prob,
        "max_probability": max_prob,
        "hard_body_radius_m": hbr,
        "covariance": np.asarray(cov_kind, dtype=str),
    }, meta={"pc_method": pc_method})


def conjunction_cdms(catalog, table: Table, *, covariances: dict | None = None,
                     pc_method: str = "foster", backend="auto", originator: str = "debris"):
    """One CCSDS CDM per conjunction of a :func:`screen` table.

    States are exact SGP4 at TCA rotated to GCRF; each object's 6x6 RTN covariance is the
    user's (``COVARIANCE_METHOD = CALCULATED``) or the default model
    (``DEFAULT``; velocity sigmas = position sigmas x mean motion); the relative state is in
    object 1's RTN frame; ``COMMENT HBR`` and the max Pc go with the Pc.

    Returns
    -------
    list of (str, Cdm)
        A file stem (``ID1_ID2_YYYYMMDDThhmmss``) and the message.
    """
    from ._version import __version__
    from .cdm import conjunction_cdm
    from .io import utc_now_iso

    if len(table) == 0:
        return []
    covariances = covariances or {}
    rows = {int(n): r for r, n in enumerate(catalog.norad_id.tolist())}
    i = np.array([rows[int(n)] for n in table["norad_id_1"].tolist()], dtype=np.intp)
    j = np.array([rows[int(n)] for n in table["norad_id_2"].tolist()], dtype=np.intp)
    tca = to_times(list(table["tca_utc"]))
    r1, v1, r2, v2 = conjunction_states(catalog, i, j, tca, backend=backend)
    g1, g2 = gcrf_states(r1, v1, tca), gcrf_states(r2, v2, tca)
    rel_v = np.einsum("mij,mj->mi", _rtn_rows(*g1), g2[1] - g1[1])
    created = utc_now_iso()
    out = []
    for k in range(len(table)):
        objects = []
        for idx, (r, v) in ((i[k], g1), (j[k], g2)):
            norad = int(catalog.norad_id[idx])
            age = (tca.jd[k] - catalog.epoch.jd[idx]) + (tca.fr[k] - catalog.epoch.fr[idx])
            user = covariances.get(norad)
            cov = np.zeros((6, 6))
            cov[:3, :3] = (np.asarray(user, float)[:3, :3] if user is not None
                           else default_covariance_rtn(age))
            n_rad_s = float(catalog.mean_motion_rev_day[idx]) * 2 * np.pi / 86400.0
            cov[3:, 3:] = cov[:3, :3] * n_rad_s ** 2
            comments = [f"element set epoch {catalog.epoch[idx:idx + 1].iso()[0]}, "
                        f"{abs(age):.2f} days from TCA; SGP4 propagation"]
            if user is None:
                comments.append(
                    f"covariance assumed (TLE/OMM carry none): RTN sigmas "
                    f"{DEFAULT_SIGMA_RIC_KM} km + {SIGMA_GROWTH_RIC_KM_PER_DAY} km/day from "
                    "epoch; velocity sigmas = position sigmas x mean motion")
            objects.append({
                "norad_id": norad, "name": str(catalog.name[idx]),
                "intl_designator": str(catalog.intl_designator[idx]),
                "r_km": r[k], "v_km_s": v[k], "cov_rtn_km": cov,
                "covariance_method": "CALCULATED" if user is not None else "DEFAULT",
                "comments": comments})
        tca_utc = str(table["tca_utc"][k])
        stem = (f"{objects[0]['norad_id']}_{objects[1]['norad_id']}_"
                + tca_utc.replace("-", "").replace(":", "").replace(".", "")[:15])
        out.append((stem, conjunction_cdm(
            message_id=f"{originator}_{stem}", creation_utc=created, originator=originator,
            tca_utc=tca_utc, miss_distance_km=float(table["miss_distance_km"][k]),
            relative_speed_km_s=float(table["relative_speed_km_s"][k]),
            relative_rtn_km=(table["radial_km"][k], table["in_track_km"][k],
                             table["cross_track_km"][k]),
            relative_rtn_km_s=rel_v[k], probability=float(table["probability"][k]),
            pc_method="FOSTER-1992" if pc_method == "foster" else "CHAN-1997",
            objects=objects,
            comments=[f"HBR = {table['hard_body_radius_m'][k]:g} [m]",
                      f"MAX_PROBABILITY (Alfano 2005) = {table['max_probability'][k]:.6e}",
                      f"screened by debris {__version__}"])))
    return out


def gcrf_states(r_teme, v_teme, times: Times):
    """TEME states (M, 3) at times (M,) to GCRF (km, km/s), for CDMs. The rotation's own
    rate (precession, nutation) changes velocities by under a micrometre per second."""
    m = earth_orientation(times).teme_to_gcrs
    return np.einsum("mij,mj->mi", m, r_teme), np.einsum("mij,mj->mi", m, v_teme)


def observability(catalog, table: Table, sites, *, window_minutes: float = 5.0,
                  step_s: float = 30.0, min_elevation_deg: float = 10.0,
                  sun_altitude_deg_limit: float = -12.0, backend="auto") -> list[dict]:
    """Whether each conjunction can be watched from each site.

    At TCA and at `step_s` samples over +-`window_minutes`: the elevation of both objects,
    whether both are sunlit and whether the site's Sun is at or below the twilight limit.
    A conjunction is observable at a moment when both objects are above
    `min_elevation_deg`, both sunlit and the sky dark.

    Returns
    -------
    list of dict, one per conjunction
        ``{site_name: {"elevation_deg_1", "elevation_deg_2", "sunlit_1", "sunlit_2",
        "sky_dark", "observable_at_tca", "observable_within_window",
        "first_observable_utc", "last_observable_utc"}}``.
    """
    from .frames import enu_basis, teme_to_itrs
    from .sun import is_sunlit, sun_altitude_deg, sun_position_gcrs_km

    m = len(table)
    if m == 0:
        return []
    offsets = np.arange(-window_minutes * 60.0, window_minutes * 60.0 + 1e-9, step_s)
    k = len(offsets)
    mid = int(np.argmin(np.abs(offsets)))
    tca = to_times(list(table["tca_utc"]))
    flat = Times(np.repeat(tca.jd, k), np.repeat(tca.fr, k) + np.tile(offsets, m) / 86400.0)
    rows = {int(n): r for r, n in enumerate(catalog.norad_id.tolist())}
    i = np.repeat([rows[int(n)] for n in table["norad_id_1"].tolist()], k)
    j = np.repeat([rows[int(n)] for n in table["norad_id_2"].tolist()], k)
    eo = earth_orientation(flat)
    sun = sun_position_gcrs_km(flat)
    out = [dict() for _ in range(m)]
    for site in sites:
        basis = enu_basis(site.latitude_deg, site.longitude_deg)
        dark = (sun_altitude_deg(flat, site, eo) <= sun_altitude_deg_limit).reshape(m, k)
        per = []
        for obj in (i, j):
            r, v, _ = propagate_at(catalog, obj, flat, backend=backend)
            r_itrs, _ = teme_to_itrs(r[None], v[None], eo)
            enu = (r_itrs[0] - site.itrs_km) @ basis.T
            el = np.degrees(np.arctan2(enu[:, 2], np.hypot(enu[:, 0], enu[:, 1])))
            lit = is_sunlit(np.einsum("tij,tj->ti", eo.teme_to_gcrs, r), sun)
            per.append((el.reshape(m, k), lit.reshape(m, k)))
        (el1, lit1), (el2, lit2) = per
        ok = (el1 >= min_elevation_deg) & (el2 >= min_elevation_deg) & lit1 & lit2 & dark
        iso = format_iso(flat).reshape(m, k)
        for c in range(m):
            good = np.flatnonzero(ok[c])
            out[c][site.name] = {
                "elevation_deg_1": round(float(el1[c, mid]), 3),
                "elevation_deg_2": round(float(el2[c, mid]), 3),
                "sunlit_1": bool(lit1[c, mid]), "sunlit_2": bool(lit2[c, mid]),
                "sky_dark": bool(dark[c, mid]),
                "observable_at_tca": bool(ok[c, mid]),
                "observable_within_window": bool(good.size),
                "first_observable_utc": str(iso[c, good[0]]) if good.size else None,
                "last_observable_utc": str(iso[c, good[-1]]) if good.size else None,
            }
    return out
