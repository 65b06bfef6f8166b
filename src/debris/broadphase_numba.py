"""The screening broad phase as a compiled kernel (numba, the ``fast`` extra).

Same test as the k-d tree path of :mod:`debris.screening` - the midpoint bound
``|m_i - m_j| <= d + rho_i + rho_j`` and then the chord test - but objects are binned into a
uniform grid of cells at least ``d + 2 max(rho)`` wide (counting sort, one pass), each object
is compared with the objects of its own and the 26 neighbouring cells, and both tests run in
the same loop, in parallel over objects. Two passes (count, then fill) give exact output
sizes without Python lists.
"""

from __future__ import annotations

import numpy as np

try:
    import numba

    available = True
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None
    available = False

__all__ = ["candidate_pairs", "window_pairs", "available"]


def _scan_py(i, mid, rho, r0, r1, prim, use_prim, threshold, chord_limit, cx, ukeys, start,
             order, out_i, out_j, offset, write):  # pragma: no cover - compiled
    """Pairs (i, j > i) of object i with the objects of its 27 cells; returns their count."""
    found = 0
    n_cells = ukeys.shape[0]
    for dx in range(-1, 2):
        x = cx[i, 0] + dx
        if x < 0:
            continue
        for dy in range(-1, 2):
            y = cx[i, 1] + dy
            if y < 0:
                continue
            for dz in range(-1, 2):
                z = cx[i, 2] + dz
                if z < 0:
                    continue
                c = np.searchsorted(ukeys, (x << 42) | (y << 21) | z)
                if c >= n_cells or ukeys[c] != ((x << 42) | (y << 21) | z):
                    continue
                for p in range(start[c], start[c + 1]):
                    j = order[p]
                    if j <= i:
                        continue
                    if use_prim and not (prim[i] or prim[j]):
                        continue
                    e0 = mid[j, 0] - mid[i, 0]
                    e1 = mid[j, 1] - mid[i, 1]
                    e2 = mid[j, 2] - mid[i, 2]
                    reach = threshold + rho[i] + rho[j]
                    if e0 * e0 + e1 * e1 + e2 * e2 > reach * reach:
                        continue
                    a0 = r0[j, 0] - r0[i, 0]
                    a1 = r0[j, 1] - r0[i, 1]
                    a2 = r0[j, 2] - r0[i, 2]
                    b0 = r1[j, 0] - r1[i, 0] - a0
                    b1 = r1[j, 1] - r1[i, 1] - a1
                    b2 = r1[j, 2] - r1[i, 2] - a2
                    bb = b0 * b0 + b1 * b1 + b2 * b2
                    s = 0.0
                    if bb > 0.0:
                        s = -(a0 * b0 + a1 * b1 + a2 * b2) / bb
                        s = min(max(s, 0.0), 1.0)
                    q0 = a0 + s * b0
                    q1 = a1 + s * b1
                    q2 = a2 + s * b2
                    if q0 * q0 + q1 * q1 + q2 * q2 > chord_limit * chord_limit:
                        continue
                    if write:
                        out_i[offset + found] = i
                        out_j[offset + found] = j
                    found += 1
    return found


def _cells_py(mid, cell):  # pragma: no cover - compiled
    """Cell of each object, the objects' order by cell, the occupied cells' keys and starts.

    Cells are keyed by 21 bits per axis in one int64 and sorted: no dense grid (whose size
    would follow the farthest object, lunar-distance orbits included), only occupied cells.
    """
    n = mid.shape[0]
    cx = np.empty((n, 3), np.int64)
    keys = np.empty(n, np.int64)
    for a in range(3):
        lo = mid[:, a].min()
        for i in range(n):
            cx[i, a] = int((mid[i, a] - lo) / cell)
    for i in range(n):
        keys[i] = (cx[i, 0] << 42) | (cx[i, 1] << 21) | cx[i, 2]
    order = np.argsort(keys)
    sorted_keys = keys[order]
    n_cells = 1
    for p in range(1, n):
        if sorted_keys[p] != sorted_keys[p - 1]:
            n_cells += 1
    ukeys = np.empty(n_cells, np.int64)
    start = np.empty(n_cells + 1, np.int64)
    c = 0
    ukeys[0] = sorted_keys[0]
    start[0] = 0
    for p in range(1, n):
        if sorted_keys[p] != sorted_keys[p - 1]:
            c += 1
            ukeys[c] = sorted_keys[p]
            start[c] = p
    start[n_cells] = n
    return cx, order, ukeys, start


def _pairs_py(mid, rho, r0, r1, prim, use_prim, threshold, chord_limit, cx, ukeys,
              start):  # pragma: no cover - compiled
    """Both passes over objects already sorted by cell (neighbours contiguous in memory)."""
    n = mid.shape[0]
    identity = np.arange(n)
    counts = np.zeros(n, np.int64)
    none = np.empty(0, np.int64)
    for i in numba.prange(n):
        counts[i] = _scan(i, mid, rho, r0, r1, prim, use_prim, threshold, chord_limit, cx,
                          ukeys, start, identity, none, none, 0, False)
    offsets = np.zeros(n + 1, np.int64)
    for i in range(n):
        offsets[i + 1] = offsets[i] + counts[i]
    out_i = np.empty(offsets[n], np.int64)
    out_j = np.empty(offsets[n], np.int64)
    for i in numba.prange(n):
        if counts[i]:
            _scan(i, mid, rho, r0, r1, prim, use_prim, threshold, chord_limit, cx, ukeys,
                  start, identity, out_i, out_j, offsets[i], True)
    return out_i, out_j


def _interval_py(k, mid, rho, r, ok, prim, use_prim, threshold, chord_limit, out_i, out_j,
                 offset, write):  # pragma: no cover - compiled
    """One interval k of a window: bin the valid objects, scan, return (or write) pairs."""
    rows = np.flatnonzero(ok[:, k])
    m = rows.shape[0]
    if m < 2:
        return 0
    ms = np.empty((m, 3))
    rho_s = np.empty(m)
    r0 = np.empty((m, 3))
    r1 = np.empty((m, 3))
    prim_s = np.empty(m, np.bool_)
    big = 0.0
    for q in range(m):
        o = rows[q]
        rho_s[q] = rho[o, k]
        big = max(big, rho_s[q])
        prim_s[q] = prim[o] if use_prim else False
        for a in range(3):
            ms[q, a] = mid[o, k, a]
            r0[q, a] = r[o, k, a]
            r1[q, a] = r[o, k + 1, a]
    cell = threshold + 2.0 * big
    cx, order, ukeys, start = _cells(ms, cell)
    ms = ms[order]
    rho_s = rho_s[order]
    r0 = r0[order]
    r1 = r1[order]
    prim_s = prim_s[order]
    cx = cx[order]
    identity = np.arange(m)
    total = 0
    none = np.empty(0, np.int64)
    if not write:
        for q in range(m):
            total += _scan(q, ms, rho_s, r0, r1, prim_s, use_prim, threshold, chord_limit, cx,
                           ukeys, start, identity, none, none, 0, False)
        return total
    pos = 0
    for q in range(m):
        c = _scan(q, ms, rho_s, r0, r1, prim_s, use_prim, threshold, chord_limit, cx, ukeys,
                  start, identity, out_i, out_j, offset + pos, True)
        for t in range(offset + pos, offset + pos + c):
            a = rows[order[out_i[t]]]
            b = rows[order[out_j[t]]]
            out_i[t] = min(a, b)
            out_j[t] = max(a, b)
        pos += c
    return pos


def _window_py(mid, rho, r, ok, prim, use_prim, threshold, chord_limit):  # pragma: no cover
    """All intervals of a window, in parallel over intervals: pairs (i, j) and interval k."""
    w = mid.shape[1]
    counts = np.zeros(w, np.int64)
    none = np.empty(0, np.int64)
    for k in numba.prange(w):
        counts[k] = _interval(k, mid, rho, r, ok, prim, use_prim, threshold, chord_limit,
                              none, none, 0, False)
    offsets = np.zeros(w + 1, np.int64)
    for k in range(w):
        offsets[k + 1] = offsets[k] + counts[k]
    out_i = np.empty(offsets[w], np.int64)
    out_j = np.empty(offsets[w], np.int64)
    out_k = np.empty(offsets[w], np.int64)
    for k in numba.prange(w):
        if counts[k]:
            _interval(k, mid, rho, r, ok, prim, use_prim, threshold, chord_limit, out_i, out_j,
                      offsets[k], True)
            for t in range(offsets[k], offsets[k + 1]):
                out_k[t] = k
    return out_i, out_j, out_k


if available:
    _scan = numba.njit(cache=True)(_scan_py)
    _cells = numba.njit(cache=True)(_cells_py)
    _pairs = numba.njit(parallel=True, cache=True)(_pairs_py)
    _interval = numba.njit(cache=True)(_interval_py)
    _window = numba.njit(parallel=True, cache=True)(_window_py)
else:  # pragma: no cover
    _scan = _cells = _pairs = _interval = _window = None


def window_pairs(mid, rho, r, ok, primary, threshold, chord_limit):
    """Candidate pairs of every interval of a window at once (parallel over intervals).

    Parameters
    ----------
    mid : ndarray, shape (n, W, 3)
        Chord midpoints of each object and interval (km).
    rho : ndarray, shape (n, W)
        Path radii around the midpoints (km).
    r : ndarray, shape (n, W + 1, 3)
        Positions at the grid times (km).
    ok : ndarray of bool, shape (n, W)
        Intervals to consider for each object.
    primary : ndarray of bool, shape (n,), or None
    threshold, chord_limit : float

    Returns
    -------
    i, j, k : ndarray of int64, shape (P,)
        Pairs (i < j) and their interval.
    """
    prim = primary if primary is not None else np.zeros(len(mid), np.bool_)
    return _window(np.ascontiguousarray(mid), np.ascontiguousarray(rho),
                   np.ascontiguousarray(r), np.ascontiguousarray(ok), prim,
                   primary is not None, float(threshold), float(chord_limit))


def candidate_pairs(mid, rho, r0, r1, primary, threshold, chord_limit):
    """Pairs (i < j) of rows that pass the midpoint bound and the chord test.

    Parameters
    ----------
    mid : ndarray, shape (n, 3)
        Chord midpoints (km).
    rho : ndarray, shape (n,)
        Radius around the midpoint holding each path (km).
    r0, r1 : ndarray, shape (n, 3)
        Positions at the interval's ends (km).
    primary : ndarray of bool, shape (n,), or None
        With primaries, only pairs holding one are returned.
    threshold, chord_limit : float
        Screening distance, and the chord test's limit (threshold + path-to-chord bounds).

    Returns
    -------
    i, j : ndarray of int64, shape (P,)
    """
    n = len(mid)
    if n < 2:
        empty = np.empty(0, np.int64)
        return empty, empty
    cell = threshold + 2.0 * float(rho.max())
    prim = primary if primary is not None else np.zeros(n, np.bool_)
    cx, order, ukeys, start = _cells(np.ascontiguousarray(mid, dtype=float), cell)
    # scan in cell order (neighbours contiguous in memory), report the caller's rows
    out_i, out_j = _pairs(mid[order], rho[order], r0[order], r1[order], prim[order],
                          primary is not None, float(threshold), float(chord_limit),
                          cx[order], ukeys, start)
    a, b = order[out_i], order[out_j]
    return np.minimum(a, b), np.maximum(a, b)
