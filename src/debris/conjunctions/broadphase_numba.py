"""The screening broad phase as a compiled kernel (numba, a dependency: the default path).

Each grid interval (or piece of one) is binned and scanned by
:mod:`debris.conjunctions.broadphase_cells`. A
whole window of intervals is one call, in parallel over intervals, each writing its pairs
into its own slice of one buffer; an interval with more pairs than its slice holds is run
again alone with room for all of them (exact whatever the count).
"""

from __future__ import annotations

import numba
import numpy as np

from ..backends import compile_note
from ..kernel_cache import njit
from .broadphase_cells import all_vs_all, primaries_piece

__all__ = ["window_pairs", "window_bounds"]

#: Pairs each interval can write in the first pass (more: that interval runs again).
_CAPACITY = 2048


def _interval_py(k, r, v, ok, prim, use_prim, threshold, step, sub_steps, sag, margin, out_i,
                 out_j):  # pragma: no cover - compiled
    """One interval k of a window, in `sub_steps` pieces: bin the valid objects, scan, write
    pairs (as many as out_i holds). Returns the number of pairs found. Sub-step ends come
    from the cubic Hermite segment through the SGP4 states, `margin` bounding its error."""
    rows = np.flatnonzero(ok[k])  # ok is interval-major: one contiguous row per interval
    m = rows.shape[0]
    if m < 2:
        return 0
    ms = np.empty((m, 3))
    rho_s = np.empty(m)
    r0 = np.empty((m, 3))
    r1 = np.empty((m, 3))
    prim_s = np.empty(m, np.bool_)
    chord_limit = threshold + 2.0 * (sag + margin)
    pos = 0
    for sub in range(sub_steps):
        if sub_steps == 1:  # the piece is the interval: its ends are the grid states
            for q in range(m):
                o = rows[q]
                for a in range(3):
                    r0[q, a] = r[o, k, a]
                    r1[q, a] = r[o, k + 1, a]
        for end in range(2 if sub_steps > 1 else 0):
            s = (sub + end) / sub_steps
            h00 = 2 * s ** 3 - 3 * s ** 2 + 1
            h10 = (s ** 3 - 2 * s ** 2 + s) * step
            h01 = -2 * s ** 3 + 3 * s ** 2
            h11 = (s ** 3 - s ** 2) * step
            for q in range(m):
                o = rows[q]
                for a in range(3):
                    value = (h00 * r[o, k, a] + h10 * v[o, k, a] + h01 * r[o, k + 1, a]
                             + h11 * v[o, k + 1, a])
                    if end == 0:
                        r0[q, a] = value
                    else:
                        r1[q, a] = value
        big = 0.0
        for q in range(m):
            half2 = 0.0
            for a in range(3):
                ms[q, a] = 0.5 * (r0[q, a] + r1[q, a])
                half2 += (r1[q, a] - r0[q, a]) ** 2
            rho_s[q] = 0.5 * np.sqrt(half2) + sag + margin
            big = max(big, rho_s[q])
            prim_s[q] = prim[rows[q]] if use_prim else False
        lo = np.empty(3)
        for a in range(3):
            lo[a] = ms[:, a].min()
        if use_prim:
            pos = primaries_piece(m, ms, rho_s, r0, r1, prim_s, rows, lo, threshold + 2.0 * big,
                                   threshold, chord_limit, out_i, out_j, pos)
        else:
            pos = all_vs_all(ms, rho_s, r0, r1, rows, lo, big, step / sub_steps, sag + margin,
                             threshold, chord_limit, out_i, out_j, pos)
    return pos


def _window_py(r, v, ok, prim, use_prim, threshold, step, sub_steps, sag, margin, out_i,
               out_j):  # pragma: no cover - compiled
    """All intervals of a window, in parallel over intervals: interval k writes its pairs
    into out_i/out_j[k * cap:(k + 1) * cap] and its count into the result."""
    w = ok.shape[0]
    cap = out_i.shape[0] // w
    counts = np.zeros(w, np.int64)
    for k in numba.prange(w):
        counts[k] = _interval(k, r, v, ok, prim, use_prim, threshold, step, sub_steps, sag,
                              margin, out_i[k * cap:(k + 1) * cap], out_j[k * cap:(k + 1) * cap])
    return counts


def _window_bounds_py(r, valid, limit, sag):  # pragma: no cover - compiled
    """Chord tests and radial shells of a window, in parallel over objects (see
    :func:`window_bounds`)."""
    n, w1 = valid.shape
    ok = valid.copy()
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    for i in numba.prange(n):
        for k in range(w1 - 1):
            d0 = r[i, k + 1, 0] - r[i, k, 0]
            d1 = r[i, k + 1, 1] - r[i, k, 1]
            d2 = r[i, k + 1, 2] - r[i, k, 2]
            if d0 * d0 + d1 * d1 + d2 * d2 > limit * limit:
                ok[i, k] = False
                ok[i, k + 1] = False
        for k in range(w1 - 1):
            if not (ok[i, k] and ok[i, k + 1]):
                continue
            d0 = r[i, k + 1, 0] - r[i, k, 0]
            d1 = r[i, k + 1, 1] - r[i, k, 1]
            d2 = r[i, k + 1, 2] - r[i, k, 2]
            m0 = 0.5 * (r[i, k + 1, 0] + r[i, k, 0])
            m1 = 0.5 * (r[i, k + 1, 1] + r[i, k, 1])
            m2 = 0.5 * (r[i, k + 1, 2] + r[i, k, 2])
            rho = 0.5 * np.sqrt(d0 * d0 + d1 * d1 + d2 * d2) + sag
            radius = np.sqrt(m0 * m0 + m1 * m1 + m2 * m2)
            lo[i] = min(lo[i], radius - rho)
            hi[i] = max(hi[i], radius + rho)
    return ok, lo, hi


_interval = njit(cache=True)(_interval_py)
_window = njit(parallel=True, cache=True)(_window_py)
_window_bounds = njit(parallel=True, cache=True)(_window_bounds_py)
compile_note(_window, "the screening broad phase")


def window_pairs(r, v, ok, primary, threshold, step, sub_steps, a_max, margin):
    """Candidate pairs of every interval of a window at once (parallel over intervals).

    Each interval is cut into `sub_steps` pieces whose ends lie on the cubic Hermite segment
    through the SGP4 states; on a piece of length ``step / sub_steps`` a path stays within
    ``a_max (step / sub_steps)^2 / 8`` of its chord, plus `margin` for the interpolation
    error of the ends. Shorter pieces mean smaller cells and far fewer pair tests.

    Parameters
    ----------
    r, v : ndarray, shape (n, W + 1, 3)
        Positions (km) and velocities (km/s) at the grid times.
    ok : ndarray of bool, shape (n, W)
        Intervals to consider for each object.
    primary : ndarray of bool, shape (n,), or None
    threshold : float
        Screening distance (km).
    step : float
        Grid step (s).
    sub_steps : int
    a_max : float
        Bound on accelerations (km/s^2).
    margin : float
        Bound on the Hermite interpolation error (km).

    Returns
    -------
    i, j, k : ndarray of int64, shape (P,)
        Pairs (i < j) and their interval; a pair can repeat (several pieces).
    """
    prim = primary if primary is not None else np.zeros(len(r), np.bool_)
    piece = step / sub_steps
    r, v, ok = np.ascontiguousarray(r), np.ascontiguousarray(v), np.ascontiguousarray(ok.T)
    args = (prim, primary is not None, float(threshold), float(step), int(sub_steps),
            float(a_max * piece * piece / 8.0), float(margin))
    w = ok.shape[0]
    out_i = np.empty(w * _CAPACITY, np.int64)
    out_j = np.empty(w * _CAPACITY, np.int64)
    counts = _window(r, v, ok, *args, out_i, out_j)
    parts_i, parts_j, parts_k = [], [], []
    for k in np.flatnonzero(counts):
        n = int(counts[k])
        if n <= _CAPACITY:
            parts_i.append(out_i[k * _CAPACITY:k * _CAPACITY + n])
            parts_j.append(out_j[k * _CAPACITY:k * _CAPACITY + n])
        else:  # more pairs than the slice held: this interval again, with room for all
            pi, pj = np.empty(n, np.int64), np.empty(n, np.int64)
            _interval(int(k), r, v, ok, *args, pi, pj)
            parts_i.append(pi)
            parts_j.append(pj)
        parts_k.append(np.full(n, k, np.int64))
    if not parts_i:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    return np.concatenate(parts_i), np.concatenate(parts_j), np.concatenate(parts_k)


def window_bounds(r, valid, limit, sag):
    """Plausibility and radial shells of a window of states in one pass (parallel).

    Parameters
    ----------
    r : ndarray, shape (n, W + 1, 3)
        Positions (km) at the grid times (NaN where SGP4 failed).
    valid : ndarray of bool, shape (n, W + 1)
        Where SGP4 gave a state.
    limit : float
        Longest possible chord of a grid interval (km): both ends of a longer one are
        marked invalid (:func:`debris.conjunctions.screening.plausible_states`).
    sag : float
        Bound on a path's distance from its chord (km).

    Returns
    -------
    ok : ndarray of bool, shape (n, W + 1)
        `valid` without the implausible states.
    lo, hi : ndarray, shape (n,)
        Each object's radial shell over the intervals valid at both ends
        (``|m| -+ (|chord| / 2 + sag)``; +-inf when it has none).
    """
    return _window_bounds(np.ascontiguousarray(r), np.ascontiguousarray(valid), float(limit),
                          float(sag))
