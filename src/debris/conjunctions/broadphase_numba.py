"""The screening broad phase as a compiled kernel (numba, a dependency: the default path).

Same tests as the k-d tree path of :mod:`debris.conjunctions.broadphase` - the midpoint bound
``|m_i - m_j| <= d + rho_i + rho_j`` and then the chord test - but objects are binned into a
uniform grid of cells at least ``d + 2 max(rho)`` wide. All-vs-all, when the objects span
few cells (a LEO catalogue: some 36,000 at a 60 s step) the grid is dense: a counting sort
by cell index makes the cells z-1..z+1 of each column one contiguous run, and every object is
tested against the rest of its own cell and the next one up and against four following
columns (the 13 half-neighbours, each pair of cells once) without any lookup. Otherwise
(geostationary and high orbits in the window) the cells are hashed into buckets (counting
sort, O(n), no grid allocated), each occupied cell is paired with itself and with its 13
following neighbours, one hash lookup per cell pair, and the objects of the two cells
(contiguous after the sort) are tested in a tight double loop; with
primaries, only the primaries are binned and every object looks for them around itself. A
whole window of intervals is one call, in parallel over intervals, each writing its pairs
into its own slice of one buffer; an interval with more pairs than its slice holds is run
again alone with room for all of them (exact whatever the count).
"""

from __future__ import annotations

import numba
import numpy as np

from ..backends import compile_note
from ..kernel_cache import njit

__all__ = ["window_pairs", "window_bounds"]

#: Pairs each interval can write in the first pass (more: that interval runs again).
_CAPACITY = 2048
_MASK21 = (1 << 21) - 1
#: Up to this many primaries, each object is tested against each primary (no cells).
_FEW_PRIMARIES = 16
#: All-vs-all pieces whose objects span at most this many cells use a dense grid.
_DENSE_CELLS = 1 << 18
_GOLDEN = 0x9E3779B97F4A7C15


def _bucket_py(x, y, z, bits):  # pragma: no cover - compiled
    """Hash of a cell (x, y, z) to one of 2**bits buckets (Fibonacci hashing)."""
    key = np.uint64((x << 42) | (y << 21) | z)
    return np.int64((key * np.uint64(_GOLDEN)) >> np.uint64(64 - bits))


def _emit_py(out_i, out_j, pos, a, b):  # pragma: no cover - compiled
    """Write the pair (min, max) of rows a, b at `pos` if the buffer has room; pos + 1."""
    if pos < out_i.shape[0]:
        out_i[pos] = min(a, b)
        out_j[pos] = max(a, b)
    return pos + 1


def _scan_primaries_py(q, cq, mid, rho, r0, r1, is_prim, pidx, cxp, orderp, bits, start,
                       threshold, chord_limit, rows, out_i, out_j,
                       pos):  # pragma: no cover - compiled
    """Pairs of object q with the primaries of its own and the 26 neighbouring cells (only
    the primaries are binned); a pair of two primaries is kept from the smaller index.
    The midpoint and chord tests of :func:`_close`; returns the new output position."""
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
                        pos = _emit(out_i, out_j, pos, rows[q], rows[j])
    return pos


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


def _primaries_piece_py(m, ms, rho_s, r0, r1, prim_s, rows, lo, cell, threshold,
                        chord_limit, out_i, out_j, pos):  # pragma: no cover - compiled
    """One piece of an interval in primaries mode: up to _FEW_PRIMARIES primaries, every
    object is tested against each; beyond, only the primaries are binned and every object
    looks for primaries in its own and the neighbouring cells (the cost grows with the
    catalogue, not with its pairs). Returns the new output position."""
    pidx = np.flatnonzero(prim_s)
    if pidx.shape[0] == 0:
        return pos
    if pidx.shape[0] <= _FEW_PRIMARIES:  # a few primaries: test each object against each
        for q in range(m):
            for j in pidx:
                if j != q and not (prim_s[q] and j < q) and _close(q, j, ms, rho_s, r0, r1,
                                                                   threshold, chord_limit):
                    pos = _emit(out_i, out_j, pos, rows[q], rows[j])
        return pos
    cxp, orderp, bits, start = _cells(ms[pidx], cell, lo)
    cq = np.empty(3, np.int64)
    for q in range(m):
        for a in range(3):
            cq[a] = int((ms[q, a] - lo[a]) / cell)
        pos = _scan_primaries(q, cq, ms, rho_s, r0, r1, prim_s, pidx, cxp, orderp, bits, start,
                              threshold, chord_limit, rows, out_i, out_j, pos)
    return pos


def _cell_runs_py(cx, order, bits, start):  # pragma: no cover - compiled
    """Order objects by cell inside each hash bucket (insertion sort: buckets are small),
    so that every cell's objects are contiguous in `order` (changed in place).

    Returns key (per object, the packed cell), first (cell c's objects are
    order[first[c]:first[c + 1]]), cell_key (ncell,) and bucket_cells (cells of bucket b are
    bucket_cells[b]:bucket_cells[b + 1])."""
    m = cx.shape[0]
    size = start.shape[0] - 1
    key = np.empty(m, np.int64)
    for q in range(m):
        key[q] = (cx[q, 0] << 42) | (cx[q, 1] << 21) | cx[q, 2]
    first = np.empty(m + 1, np.int64)
    cell_key = np.empty(m, np.int64)
    bucket_cells = np.empty(size + 1, np.int64)
    ncell = 0
    for b in range(size):
        bucket_cells[b] = ncell
        for p in range(start[b] + 1, start[b + 1]):
            item = order[p]
            g = p - 1
            while g >= start[b] and key[order[g]] > key[item]:
                order[g + 1] = order[g]
                g -= 1
            order[g + 1] = item
        for p in range(start[b], start[b + 1]):
            if p == start[b] or key[order[p]] != key[order[p - 1]]:
                first[ncell] = p
                cell_key[ncell] = key[order[p]]
                ncell += 1
    bucket_cells[size] = ncell
    first[ncell] = m
    return first[:ncell + 1], cell_key[:ncell], bucket_cells


def _cell_pairs_py(p0, p1, q0, q1, same, pts, r0o, r1o, row_o, threshold, chord_limit, out_i,
                   out_j, pos):  # pragma: no cover - compiled
    """Test the objects p0:p1 against q0:q1 (of one cell, q > p, when `same`): the midpoint
    bound on the packed (x, y, z, rho) rows of `pts`, then the chord test; emit pairs."""
    limit2 = chord_limit * chord_limit
    for p in range(p0, p1):
        px, py, pz, reach = pts[p, 0], pts[p, 1], pts[p, 2], pts[p, 3] + threshold
        for q in range(p + 1 if same else q0, q1):
            e0 = pts[q, 0] - px
            e1 = pts[q, 1] - py
            e2 = pts[q, 2] - pz
            rr = reach + pts[q, 3]
            if e0 * e0 + e1 * e1 + e2 * e2 > rr * rr:
                continue
            a0 = r0o[q, 0] - r0o[p, 0]
            a1 = r0o[q, 1] - r0o[p, 1]
            a2 = r0o[q, 2] - r0o[p, 2]
            b0 = r1o[q, 0] - r1o[p, 0] - a0
            b1 = r1o[q, 1] - r1o[p, 1] - a1
            b2 = r1o[q, 2] - r1o[p, 2] - a2
            bb = b0 * b0 + b1 * b1 + b2 * b2
            t = 0.0
            if bb > 0.0:
                t = min(max(-(a0 * b0 + a1 * b1 + a2 * b2) / bb, 0.0), 1.0)
            c0 = a0 + t * b0
            c1 = a1 + t * b1
            c2 = a2 + t * b2
            if c0 * c0 + c1 * c1 + c2 * c2 <= limit2:
                pos = _emit(out_i, out_j, pos, row_o[p], row_o[q])
    return pos


def _run_pairs_py(p, q0, q1, xs, ys, zs, rs, r0o, r1o, row_o, threshold, chord_limit, hit,
                  out_i, out_j, pos):  # pragma: no cover - compiled
    """Object p against the run q0:q1 of the cell-sorted objects: the midpoint bound over
    the whole run first (branch-free on separate x, y, z, rho arrays, so it vectorises),
    then the chord test on the objects it kept; emit pairs."""
    px, py, pz, reach = xs[p], ys[p], zs[p], rs[p] + threshold
    for q in range(q0, q1):
        e0 = xs[q] - px
        e1 = ys[q] - py
        e2 = zs[q] - pz
        rr = reach + rs[q]
        hit[q - q0] = e0 * e0 + e1 * e1 + e2 * e2 <= rr * rr
    limit2 = chord_limit * chord_limit
    for h in range(q1 - q0):
        if not hit[h]:
            continue
        q = q0 + h
        a0 = r0o[q, 0] - r0o[p, 0]
        a1 = r0o[q, 1] - r0o[p, 1]
        a2 = r0o[q, 2] - r0o[p, 2]
        b0 = r1o[q, 0] - r1o[p, 0] - a0
        b1 = r1o[q, 1] - r1o[p, 1] - a1
        b2 = r1o[q, 2] - r1o[p, 2] - a2
        bb = b0 * b0 + b1 * b1 + b2 * b2
        t = 0.0
        if bb > 0.0:
            t = min(max(-(a0 * b0 + a1 * b1 + a2 * b2) / bb, 0.0), 1.0)
        c0 = a0 + t * b0
        c1 = a1 + t * b1
        c2 = a2 + t * b2
        if c0 * c0 + c1 * c1 + c2 * c2 <= limit2:
            pos = _emit(out_i, out_j, pos, row_o[p], row_o[q])
    return pos


def _all_pairs_piece_py(ms, rho_s, r0, r1, rows, lo, cell, threshold, chord_limit, out_i,
                        out_j, pos):  # pragma: no cover - compiled
    """One piece of an interval, all-vs-all: bin every object; pair each cell with itself
    and its 13 following neighbours. Returns the new output position."""
    cx, order, bits, start = _cells(ms, cell, lo)
    first, cell_key, bucket_cells = _cell_runs(cx, order, bits, start)
    m = ms.shape[0]
    pts = np.empty((m, 4))
    for p in range(m):
        o = order[p]
        pts[p, 0], pts[p, 1], pts[p, 2], pts[p, 3] = ms[o, 0], ms[o, 1], ms[o, 2], rho_s[o]
    r0o = r0[order]
    r1o = r1[order]
    row_o = rows[order]
    for c in range(cell_key.shape[0]):
        a0, a1 = first[c], first[c + 1]
        pos = _cell_pairs(a0, a1, a0, a1, True, pts, r0o, r1o, row_o, threshold, chord_limit,
                          out_i, out_j, pos)
        key = cell_key[c]
        x, y, z = key >> 42, (key >> 21) & _MASK21, key & _MASK21
        for dx in range(0, 2):
            for dy in range(-1, 2):
                for dz in range(-1, 2):
                    if dx == 0 and (dy < 0 or (dy == 0 and dz <= 0)):
                        continue  # the cell itself and the preceding half
                    nx, ny, nz = x + dx, y + dy, z + dz
                    if ny < 0 or nz < 0:
                        continue
                    nk = (nx << 42) | (ny << 21) | nz
                    b = _bucket(nx, ny, nz, bits)
                    for cc in range(bucket_cells[b], bucket_cells[b + 1]):
                        if cell_key[cc] == nk:
                            pos = _cell_pairs(a0, a1, first[cc], first[cc + 1], False, pts,
                                              r0o, r1o, row_o, threshold, chord_limit, out_i,
                                              out_j, pos)
                            break
    return pos


def _dense_piece_py(ms, rho_s, r0, r1, rows, lo, cell, shape, threshold, chord_limit, out_i,
                    out_j, pos):  # pragma: no cover - compiled
    """:func:`_all_pairs_piece` on a dense grid of `shape` cells (when the objects' extent
    makes it small: a LEO catalogue): objects sorted by cell index (x, y, z with z fastest)
    by a counting sort, so that the cells z-1..z+1 of a column are one contiguous run; each
    object is tested against the rest of its cell and the next one up (one run) and the
    four following columns (one run each): the same 13 half-neighbours, no hashing, long
    runs. Returns the new output position."""
    m = ms.shape[0]
    nx, ny, nz = shape[0], shape[1], shape[2]
    index = np.empty(m, np.int64)
    start = np.zeros(nx * ny * nz + 1, np.int32)
    for p in range(m):
        x = int((ms[p, 0] - lo[0]) / cell)
        y = int((ms[p, 1] - lo[1]) / cell)
        z = int((ms[p, 2] - lo[2]) / cell)
        index[p] = (x * ny + y) * nz + z
        start[index[p] + 1] += 1
    for c in range(nx * ny * nz):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(m, np.int64)
    for p in range(m):
        order[fill[index[p]]] = p
        fill[index[p]] += 1
    xs, ys, zs, rs = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    for p in range(m):
        o = order[p]
        xs[p], ys[p], zs[p], rs[p] = ms[o, 0], ms[o, 1], ms[o, 2], rho_s[o]
    r0o = r0[order]
    r1o = r1[order]
    row_o = rows[order]
    hit = np.empty(m, np.bool_)
    for p in range(m):
        c = index[order[p]]
        z = c % nz
        y = (c // nz) % ny
        x = c // (nz * ny)
        end = start[c + 2] if z + 1 < nz else start[c + 1]  # own cell (after p), then z+1
        pos = _run_pairs(p, p + 1, end, xs, ys, zs, rs, r0o, r1o, row_o, threshold,
                         chord_limit, hit, out_i, out_j, pos)
        z0 = max(z - 1, 0)
        z1 = min(z + 1, nz - 1)
        for dx, dy in ((0, 1), (1, -1), (1, 0), (1, 1)):
            cx, cy = x + dx, y + dy
            if cx >= nx or cy < 0 or cy >= ny:
                continue
            column = (cx * ny + cy) * nz
            pos = _run_pairs(p, start[column + z0], start[column + z1 + 1], xs, ys, zs, rs,
                             r0o, r1o, row_o, threshold, chord_limit, hit, out_i, out_j, pos)
    return pos


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
        cell = threshold + 2.0 * big
        if use_prim:
            pos = _primaries_piece(m, ms, rho_s, r0, r1, prim_s, rows, lo, cell, threshold,
                                   chord_limit, out_i, out_j, pos)
        else:
            shape = np.empty(3, np.int64)
            for a in range(3):
                shape[a] = int((ms[:, a].max() - lo[a]) / cell) + 1
            if shape[0] * shape[1] * shape[2] <= _DENSE_CELLS:
                pos = _dense_piece(ms, rho_s, r0, r1, rows, lo, cell, shape, threshold,
                                   chord_limit, out_i, out_j, pos)
            else:
                pos = _all_pairs_piece(ms, rho_s, r0, r1, rows, lo, cell, threshold,
                                       chord_limit, out_i, out_j, pos)
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


_bucket = njit(cache=True, inline="always")(_bucket_py)
_close = njit(cache=True, inline="always")(_close_py)
_emit = njit(cache=True, inline="always")(_emit_py)
_scan_primaries = njit(cache=True)(_scan_primaries_py)
_cells = njit(cache=True)(_cells_py)
_cell_runs = njit(cache=True)(_cell_runs_py)
_primaries_piece = njit(cache=True)(_primaries_piece_py)
_cell_pairs = njit(cache=True, inline="always")(_cell_pairs_py)
_run_pairs = njit(cache=True, inline="always", error_model="numpy")(_run_pairs_py)
_all_pairs_piece = njit(cache=True)(_all_pairs_piece_py)
_dense_piece = njit(cache=True)(_dense_piece_py)
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
