"""The broad phase of screening: the pairs that can come within the threshold on a grid interval.

On an interval [t_k, t_k+1], an object's path stays within
``rho = |r(t_k+1) - r(t_k)| / 2 + a_max dt^2 / 8`` of its chord's midpoint m (points of the
chord are within half its length of m; a path whose acceleration is at most ``a_max`` leaves
its chord by at most ``a_max dt^2 / 8``), so two objects that come within d of each other
have ``|m_i - m_j| <= d + rho_i + rho_j``. Per window, objects whose radial shell
(``|m| +- rho`` over the intervals) overlaps no other's (or no primary's) are dropped first;
the survivors' midpoints go to a k-d tree (scipy) or to the compiled hashed-cell kernel
(:mod:`.broadphase_numba`, chosen by :func:`debris.backends.broadphase`), and each pair found
must also pass the chord test (the minimum distance between the two chords is at most
``d + 2 a_max dt^2 / 8``). Both give the same pairs (tested).
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..constants import WGS72_EARTH_RADIUS_KM, WGS72_MU_KM3_S2
from ..frames import vector_norm

__all__ = ["A_MAX_KM_S2", "HERMITE_MARGIN_KM", "SUB_STEPS", "interval_pairs",
           "chord_min_distance", "shell_survivors"]

#: Bound on SGP4 accelerations (km/s^2): surface gravity, +1 % for J2 and drag.
A_MAX_KM_S2 = 1.01 * WGS72_MU_KM3_S2 / WGS72_EARTH_RADIUS_KM ** 2
#: Bound on the cubic Hermite interpolation error at the screening step (km).
HERMITE_MARGIN_KM = 0.05
#: Pieces per interval in the compiled broad phase (measured: more pieces cost more).
SUB_STEPS = 1


def chord_min_distance(r0, r1):
    """Minimum over s in [0, 1] of |(1 - s) r0 + s r1| for (M, 3) arrays."""
    diff = r1 - r0
    denom = np.einsum("mi,mi->m", diff, diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.clip(-np.einsum("mi,mi->m", r0, diff) / denom, 0.0, 1.0)
    s = np.where(denom > 0, s, 0.0)
    return vector_norm(r0 + diff * s[:, None])


def shell_survivors(lo, hi, pad, primary_mask=None):
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


def _tree_pairs(rows, mid, rho, r0, r1, primary_mask, threshold, sag):
    """k-d tree broad phase (scipy): pairs of objects passing the midpoint and chord tests."""
    from scipy.spatial import cKDTree  # scipy loads in ~0.2 s: only when this path runs

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
    close = chord_min_distance(r0[gj] - r0[gi], r1[gj] - r1[gi]) <= threshold + 2.0 * sag
    return gi[close], gj[close]


def interval_pairs(r, v, valid, step, threshold, primary_mask, chord=None, shell=None):
    """Pairs that can come within `threshold` on each grid interval of a window.

    Parameters
    ----------
    r, v : ndarray, shape (n, W + 1, 3)
        States (km, km/s) at the window's grid times.
    valid : ndarray of bool, shape (n, W + 1)
        Where SGP4 gave a state.
    step, threshold : float
        Grid step (s) and screening distance (km).
    primary_mask : ndarray of bool, shape (n,), or None
        Primaries (pairs need one), or None for all-vs-all.
    chord : ndarray, shape (n, W), optional
        ``|r[:, 1:] - r[:, :-1]|`` when the caller has it already (km).
    shell : tuple of two ndarray, shape (n,), optional
        Each object's radial shell (lo, hi) over its valid intervals, when the caller has it
        already (:func:`.broadphase_numba.window_bounds`).

    Returns
    -------
    i, j, k : ndarray of int, shape (P,)
        Object pairs (i < j for all-vs-all) and their interval; each pair-interval once.
    """
    n, w1, _ = r.shape
    sag = A_MAX_KM_S2 * step * step / 8.0
    ok_iv = valid[:, 1:] & valid[:, :-1]
    compiled = backends.broadphase() == "numba"
    if shell is None or not compiled:
        mid = 0.5 * (r[:, 1:] + r[:, :-1])  # (n, W, 3)
        if chord is None:
            chord = vector_norm(r[:, 1:] - r[:, :-1])
        rho = 0.5 * chord + sag
        mid_norm = vector_norm(mid)
        shell = (np.where(ok_iv, mid_norm - rho, np.inf).min(axis=1),
                 np.where(ok_iv, mid_norm + rho, -np.inf).max(axis=1))
    alive = ok_iv.any(axis=1) & shell_survivors(*shell, threshold, primary_mask)
    if compiled:
        # imports numba (0.3-0.6 s): only when the compiled broad phase runs
        from .broadphase_numba import window_pairs

        pi, pj, pk = window_pairs(r, v, ok_iv & alive[:, None], primary_mask, threshold,
                                  step, SUB_STEPS, A_MAX_KM_S2, HERMITE_MARGIN_KM)
        if pi.size:  # a pair found on several pieces of an interval counts once
            key = np.unique((pk * n + pi) * n + pj)
            pk, rest = np.divmod(key, n * n)
            pi, pj = np.divmod(rest, n)
        return pi, pj, pk
    out_i, out_j, out_k = [np.empty(0, np.intp)], [np.empty(0, np.intp)], [np.empty(0, np.intp)]
    for k in range(w1 - 1):
        rows = np.flatnonzero(alive & ok_iv[:, k])
        if rows.size < 2:
            continue
        gi, gj = _tree_pairs(rows, mid[:, k], rho[:, k], r[:, k], r[:, k + 1], primary_mask,
                             threshold, sag)
        out_i.append(gi)
        out_j.append(gj)
        out_k.append(np.full(gi.size, k))
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_k)
