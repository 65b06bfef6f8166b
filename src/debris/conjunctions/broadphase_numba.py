"""The screening broad phase as a compiled kernel (numba, a dependency: the default path).

Same tests as the k-d tree path of :mod:`debris.conjunctions.broadphase` - the midpoint bound
``|m_i - m_j| <= d + rho_i + rho_j`` and then the chord test - but objects are binned into a
uniform grid of cells at least ``d + 2 max(rho)`` wide, hashed into buckets (counting sort,
O(n), no grid allocated), each object is compared with the objects of its own and the 26
neighbouring cells, and both tests run in the same loop. A whole window of intervals is one
call, in parallel over intervals; two passes (count, then fill) give exact output sizes.
"""

from __future__ import annotations

import numba
import numpy as np

from ..backends import compile_note

__all__ = ["window_pairs"]


_GOLDEN = 0x9E3779B97F4A7C15


def _bucket_py(x, y, z, bits):  # pragma: no cover - compiled
    """Hash of a cell (x, y, z) to one of 2**bits buckets (Fibonacci hashing)."""
    key = np.uint64((x << 42) | (y << 21) | z)
    return np.int64((key * np.uint64(_GOLDEN)) >> np.uint64(64 - bits))


def _scan_py(i, mid, rho, r0, r1, prim, use_prim, threshold, chord_limit, cx, bits, start,
             identity, out_i, out_j, offset, write):  # pragma: no cover - compiled
    """Pairs of object i with the objects of its own cell (j > i) and of the 13 neighbouring
    cells that follow it (each pair of cells is visited from one side only); returns their
    count.

    Objects are sorted by hash bucket; a neighbour cell's objects are those of its bucket
    whose cell matches (other cells sharing the bucket are skipped)."""
    found = 0
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
                same = dx == 0 and dy == 0 and dz == 0
                if not same and (dx < 0 or (dx == 0 and (dy < 0 or (dy == 0 and dz < 0)))):
                    continue  # the preceding half: that cell finds the pair
                c = _bucket(x, y, z, bits)
                for p in range(start[c], start[c + 1]):
                    j = identity[p]
                    if (same and j <= i) or cx[j, 0] != x or cx[j, 1] != y or cx[j, 2] != z:
                        continue
                    if use_prim and not (prim[i] or prim[j]):
                        continue
                    if not _close(i, j, mid, rho, r0, r1, threshold, chord_limit):
                        continue
                    if write:
                        out_i[offset + found] = i
                        out_j[offset + found] = j
                    found += 1
    return found


def _scan_primaries_py(q, cq, mid, rho, r0, r1, is_prim, pidx, cxp, orderp, bits, start,
                       threshold, chord_limit, out_i, out_j, offset,
                       write):  # pragma: no cover - compiled
    """Pairs of object q with the primaries of its own and the 26 neighbouring cells (only
    the primaries are binned); a pair of two primaries is kept from the smaller index.
    The same midpoint and chord tests as :func:`_scan`; returns their count."""
    found = 0
    for dx in range(-1, 2):
        x = cq[0] + dx
        if x < 0:
            continue
        for dy in range(-1, 2):
            y = cq[1] + dy
            if y < 0:
                continue
            for dz in range(-1, 2):
                z = cq[2] + dz
                if z < 0:
                    continue
                c = _bucket(x, y, z, bits)
                for p in range(start[c], start[c + 1]):
                    lp = orderp[p]
                    if cxp[lp, 0] != x or cxp[lp, 1] != y or cxp[lp, 2] != z:
                        continue
                    j = pidx[lp]
                    if j == q or (is_prim[q] and j < q):
                        continue
                    if _close(q, j, mid, rho, r0, r1, threshold, chord_limit):
                        if write:
                            out_i[offset + found] = q
                            out_j[offset + found] = j
                        found += 1
    return found


def _close_py(i, j, mid, rho, r0, r1, threshold, chord_limit):  # pragma: no cover - compiled
    """The midpoint bound and then the chord test for objects i and j on one piece."""
    e0 = mid[j, 0] - mid[i, 0]
    e1 = mid[j, 1] - mid[i, 1]
    e2 = mid[j, 2] - mid[i, 2]
    reach = threshold + rho[i] + rho[j]
    if e0 * e0 + e1 * e1 + e2 * e2 > reach * reach:
        return False
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
    return q0 * q0 + q1 * q1 + q2 * q2 <= chord_limit * chord_limit


def _cells_py(mid, cell, lo):  # pragma: no cover - compiled
    """Cell of each object (cells of size `cell` from the corner `lo`, shape (3,)) and the
    objects' order by hash bucket (counting sort, O(n)).

    Returns cx (n, 3), order (n,), bits and the bucket starts (2**bits + 1,). Cells are
    hashed, so no grid is allocated whatever the extent (lunar-distance orbits included).
    """
    n = mid.shape[0]
    cx = np.empty((n, 3), np.int64)
    for a in range(3):
        for i in range(n):
            cx[i, a] = int((mid[i, a] - lo[a]) / cell)
    bits = 4
    while (1 << bits) < 2 * n:
        bits += 1
    size = 1 << bits
    bucket = np.empty(n, np.int64)
    start = np.zeros(size + 1, np.int64)
    for i in range(n):
        bucket[i] = _bucket(cx[i, 0], cx[i, 1], cx[i, 2], bits)
        start[bucket[i] + 1] += 1
    for c in range(size):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(n, np.int64)
    for i in range(n):
        order[fill[bucket[i]]] = i
        fill[bucket[i]] += 1
    return cx, order, bits, start


def _primaries_piece_py(sub, m, ms, rho_s, r0, r1, prim_s, rows, lo, cell, threshold,
                        chord_limit, out_i, out_j, offset, write,
                        per_object):  # pragma: no cover - compiled
    """One piece of an interval in primaries mode: only the primaries are binned, and every
    object looks for primaries in its own and the neighbouring cells (the cost grows with
    the catalogue, not with its pairs). Returns the pairs' count (written from `offset`)."""
    pidx = np.flatnonzero(prim_s)
    if pidx.shape[0] == 0:
        return 0
    cxp, orderp, bits, start = _cells(ms[pidx], cell, lo)
    cq = np.empty(3, np.int64)
    pos = 0
    for q in range(m):
        if write and per_object[sub * m + q] == 0:
            continue  # known from the counting pass: nothing to write
        for a in range(3):
            cq[a] = int((ms[q, a] - lo[a]) / cell)
        c = _scan_primaries(q, cq, ms, rho_s, r0, r1, prim_s, pidx, cxp, orderp, bits, start,
                            threshold, chord_limit, out_i, out_j, offset + pos, write)
        if not write:
            per_object[sub * m + q] = c
        else:
            for t in range(offset + pos, offset + pos + c):
                a = rows[out_i[t]]
                b = rows[out_j[t]]
                out_i[t] = min(a, b)
                out_j[t] = max(a, b)
        pos += c
    return pos


def _interval_py(k, r, v, ok, prim, use_prim, threshold, step, sub_steps, sag, margin, out_i,
                 out_j, offset, write, per_object):  # pragma: no cover - compiled
    """One interval k of a window, in `sub_steps` pieces: bin the valid objects, scan, count
    (or write) pairs. Sub-step ends come from the cubic Hermite segment through the SGP4
    states, `margin` bounding its error."""
    rows = np.flatnonzero(ok[:, k])
    m = rows.shape[0]
    if m < 2:
        return 0
    ms = np.empty((m, 3))
    rho_s = np.empty(m)
    r0 = np.empty((m, 3))
    r1 = np.empty((m, 3))
    prim_s = np.empty(m, np.bool_)
    identity = np.arange(m)
    none = np.empty(0, np.int64)
    chord_limit = threshold + 2.0 * (sag + margin)
    pos = 0
    for sub in range(sub_steps):
        for end in range(2):
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
        cell = threshold + 2.0 * big
        if use_prim:
            pos += _primaries_piece(sub, m, ms, rho_s, r0, r1, prim_s, rows, lo, cell,
                                    threshold, chord_limit, out_i, out_j, offset + pos, write,
                                    per_object)
            continue
        cx, order, bits, start = _cells(ms, cell, lo)
        mo = ms[order]
        rho_o = rho_s[order]
        r0o = r0[order]
        r1o = r1[order]
        prim_o = prim_s[order]
        cxo = cx[order]
        for q in range(m):
            if not write:
                c = _scan(q, mo, rho_o, r0o, r1o, prim_o, use_prim, threshold, chord_limit,
                          cxo, bits, start, identity, none, none, 0, False)
                per_object[sub * m + q] = c
                pos += c
                continue
            if per_object[sub * m + q] == 0:
                continue  # known from the counting pass: nothing to write
            c = _scan(q, mo, rho_o, r0o, r1o, prim_o, use_prim, threshold, chord_limit, cxo,
                      bits, start, identity, out_i, out_j, offset + pos, True)
            for t in range(offset + pos, offset + pos + c):
                a = rows[order[out_i[t]]]
                b = rows[order[out_j[t]]]
                out_i[t] = min(a, b)
                out_j[t] = max(a, b)
            pos += c
    return pos


def _window_py(r, v, ok, prim, use_prim, threshold, step, sub_steps, sag,
               margin):  # pragma: no cover - compiled
    """All intervals of a window, in parallel over intervals: pairs (i, j) and interval k."""
    w = ok.shape[1]
    counts = np.zeros(w, np.int64)
    none = np.empty(0, np.int64)
    per_object = np.zeros((w, sub_steps * ok.shape[0]), np.int32)
    for k in numba.prange(w):
        counts[k] = _interval(k, r, v, ok, prim, use_prim, threshold, step, sub_steps, sag,
                              margin, none, none, 0, False, per_object[k])
    offsets = np.zeros(w + 1, np.int64)
    for k in range(w):
        offsets[k + 1] = offsets[k] + counts[k]
    out_i = np.empty(offsets[w], np.int64)
    out_j = np.empty(offsets[w], np.int64)
    out_k = np.empty(offsets[w], np.int64)
    for k in numba.prange(w):
        if counts[k]:
            _interval(k, r, v, ok, prim, use_prim, threshold, step, sub_steps, sag, margin,
                      out_i, out_j, offsets[k], True, per_object[k])
            for t in range(offsets[k], offsets[k + 1]):
                out_k[t] = k
    return out_i, out_j, out_k


_bucket = numba.njit(cache=True, inline="always")(_bucket_py)
_close = numba.njit(cache=True, inline="always")(_close_py)
_scan = numba.njit(cache=True)(_scan_py)
_scan_primaries = numba.njit(cache=True)(_scan_primaries_py)
_cells = numba.njit(cache=True)(_cells_py)
_primaries_piece = numba.njit(cache=True)(_primaries_piece_py)
_interval = numba.njit(cache=True)(_interval_py)
_window = numba.njit(parallel=True, cache=True)(_window_py)
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
    return _window(np.ascontiguousarray(r), np.ascontiguousarray(v), np.ascontiguousarray(ok),
                   prim, primary is not None, float(threshold), float(step), int(sub_steps),
                   float(a_max * piece * piece / 8.0), float(margin))
