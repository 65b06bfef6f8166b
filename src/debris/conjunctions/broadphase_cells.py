"""The cell scans of the compiled screening broad phase (numba): one piece of an interval.

The tests are those of the k-d tree path of :mod:`debris.conjunctions.broadphase`: the
midpoint bound ``|m_i - m_j| <= d + rho_i + rho_j`` and then the chord test. All-vs-all
(:func:`all_vs_all`), the objects within a dense grid about the Earth's centre (64 cells a
side, cells at least ``d + 2 rho`` wide) are sorted by cell index by a counting sort, which
makes the cells z-1..z+1 of each column one contiguous run; every object is tested against
the rest of its own cell and the next one up and against four following columns (the 13
half-neighbours, each pair of cells once) without any lookup. The few objects faster than a
circular orbit at the surface (eccentric orbits near perigee) do not size the cells: each
searches the neighbourhood its own reach spans. Medium and high orbits beyond the grid,
with the objects near its faces, are binned into hashed cells (counting sort into buckets,
O(n), no grid allocated): each occupied cell against itself and its 13 following
neighbours, one hash lookup per cell pair; when most objects lie beyond the grid (a
geostationary catalogue) all are hashed. Per object, the midpoint bound runs over its runs
of candidates and compacts the survivors without branching, the chord test runs on those,
and its pairs are written last. With primaries (:func:`primaries_piece`), only the
primaries are binned and every object looks for them around itself.
"""

from __future__ import annotations

import numpy as np

from ..constants import WGS72_EARTH_RADIUS_KM, WGS72_MU_KM3_S2
from ..kernel_cache import njit

__all__ = ["all_vs_all", "primaries_piece"]

_MASK21 = (1 << 21) - 1
#: Up to this many primaries, each object is tested against each primary (no cells).
_FEW_PRIMARIES = 16
#: All-vs-all pieces use a dense grid of at most this many cells a side about the Earth's
#: centre, objects beyond it clamped to its faces...
_DENSE_SIDE = 64
#: ... unless more than this fraction of the objects lies beyond it (then cells are hashed).
_DENSE_OUTSIDE = 0.25
#: Circular speed at the Earth's surface (km/s): chords faster than this are eccentric orbits
#: near perigee; up to this fraction of them is kept out of the dense grid's cell size.
_CIRCULAR_KM_S = np.sqrt(WGS72_MU_KM3_S2 / WGS72_EARTH_RADIUS_KM)
_FAST_FRACTION = 0.05
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
    gap2 = _chord_gap2(a0, a1, a2, r1[j, 0] - r1[i, 0] - a0, r1[j, 1] - r1[i, 1] - a1,
                       r1[j, 2] - r1[i, 2] - a2)
    return gap2 <= chord_limit * chord_limit


def _chord_gap2_py(a0, a1, a2, b0, b1, b2):  # pragma: no cover - compiled
    """``min over s in [0, 1] of |a + s b|^2``: the chords' closest approach (squared), with a
    their relative start and b their relative motion over the piece; no branch."""
    bb = max(b0 * b0 + b1 * b1 + b2 * b2, 1e-300)
    t = min(max(-(a0 * b0 + a1 * b1 + a2 * b2) / bb, 0.0), 1.0)
    c0 = a0 + t * b0
    c1 = a1 + t * b1
    c2 = a2 + t * b2
    return c0 * c0 + c1 * c1 + c2 * c2


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


def _sorted_py(order, ms, rho_s, r0, r1):  # pragma: no cover - compiled
    """The objects in `order` as one (10, m) array of rows: midpoint x, y, z, rho, chord start
    x, y, z and chord vector x, y, z, so that a run of them reads contiguous memory."""
    m = order.shape[0]
    soa = np.empty((10, m))
    for p in range(m):
        o = order[p]
        for a in range(3):
            soa[a, p] = ms[o, a]
            soa[4 + a, p] = r0[o, a]
            soa[7 + a, p] = r1[o, a] - r0[o, a]
        soa[3, p] = rho_s[o]
    return soa


def _object_pairs_py(p, runs, nruns, soa, row_o, threshold, limit2, hit, out_i, out_j,
                     pos):  # pragma: no cover - compiled
    """Object p (a row of :func:`_sorted`) against the runs ``runs[:nruns]`` (start, end) of
    the sorted objects; emit its pairs. Returns the new output position.

    The midpoint bound first, its survivors compacted into `hit` without a branch (about one
    in five survives, at random: a branch on it is mispredicted about as often as taken); then
    the chord test (:func:`_chord_gap2`) on the survivors, compacted again; the writes to the
    output last (stores that may alias the inputs, kept out of the loops, measured 2x)."""
    px, py, pz, reach = soa[0, p], soa[1, p], soa[2, p], soa[3, p] + threshold
    n = 0
    for k in range(nruns):
        for q in range(runs[k, 0], runs[k, 1]):
            e0 = soa[0, q] - px
            e1 = soa[1, q] - py
            e2 = soa[2, q] - pz
            rr = reach + soa[3, q]
            hit[n] = q
            n += e0 * e0 + e1 * e1 + e2 * e2 <= rr * rr
    close = 0
    for h in range(n):
        q = hit[h]
        gap2 = _chord_gap2(soa[4, q] - soa[4, p], soa[5, q] - soa[5, p], soa[6, q] - soa[6, p],
                           soa[7, q] - soa[7, p], soa[8, q] - soa[8, p], soa[9, q] - soa[9, p])
        hit[close] = q  # compacted in place (close <= h)
        close += gap2 <= limit2
    for h in range(close):
        pos = _emit(out_i, out_j, pos, row_o[p], row_o[hit[h]])
    return pos


def _all_pairs_piece_py(ms, rho_s, r0, r1, rows, lo, cell, threshold, chord_limit, out_i,
                        out_j, pos):  # pragma: no cover - compiled
    """One piece of an interval, all-vs-all: bin every object; pair each cell with itself
    and its 13 following neighbours (found by one hash lookup each, for the whole cell).
    Returns the new output position."""
    cx, order, bits, start = _cells(ms, cell, lo)
    first, cell_key, bucket_cells = _cell_runs(cx, order, bits, start)
    soa = _sorted(order, ms, rho_s, r0, r1)
    row_o = rows[order]
    hit = np.empty(ms.shape[0], np.int64)
    runs = np.empty((14, 2), np.int64)
    limit2 = chord_limit * chord_limit
    for c in range(cell_key.shape[0]):
        a0, a1 = first[c], first[c + 1]
        key = cell_key[c]
        x, y, z = key >> 42, (key >> 21) & _MASK21, key & _MASK21
        nruns = 1  # runs[0]: the rest of the cell itself
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
                            runs[nruns, 0], runs[nruns, 1] = first[cc], first[cc + 1]
                            nruns += 1
                            break
        runs[0, 1] = a1
        for p in range(a0, a1):
            runs[0, 0] = p + 1
            pos = _object_pairs(p, runs, nruns, soa, row_o, threshold, limit2, hit, out_i,
                                out_j, pos)
    return pos


def _dense_piece_py(members, ms, rho_s, r0, r1, rows, lo, cell, shape, fast_rho, threshold,
                    chord_limit, out_i, out_j, pos):  # pragma: no cover - compiled
    """:func:`_all_pairs_piece` on a dense grid of `shape` cells from the corner `lo` for the
    objects `members` (indices into `ms`, ...; any beyond the grid are clamped to its faces:
    a cell's neighbours stay its neighbours or merge with it).

    Objects are sorted by cell index (x, y, z with z fastest) by a counting sort, so that the
    cells z-1..z+1 of a column are one contiguous run; each object is tested against the rest
    of its cell and the next one up (one run) and the four following columns (one run each):
    the same 13 half-neighbours, no hashing, long runs. Objects whose `rho_s` exceeds
    `fast_rho` (the few eccentric orbits near perigee: `cell` is sized without them) are kept
    out of the cells and each searches the whole neighbourhood its reach spans, and every
    other fast object. Returns the new output position."""
    m = members.shape[0]
    nx, ny, nz = shape[0], shape[1], shape[2]
    index = np.empty(ms.shape[0], np.int64)
    start = np.zeros(nx * ny * nz + 1, np.int32)
    n_fast = 0
    rho_max = 0.0
    for p in members:
        x = min(max(int((ms[p, 0] - lo[0]) / cell), 0), nx - 1)
        y = min(max(int((ms[p, 1] - lo[1]) / cell), 0), ny - 1)
        z = min(max(int((ms[p, 2] - lo[2]) / cell), 0), nz - 1)
        index[p] = (x * ny + y) * nz + z
        rho_max = max(rho_max, rho_s[p])
        if rho_s[p] > fast_rho:
            n_fast += 1
        else:
            start[index[p] + 1] += 1
    for c in range(nx * ny * nz):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(m, np.int64)
    slow = m - n_fast
    tail = slow  # the fast objects after all the cells
    for p in members:
        if rho_s[p] > fast_rho:
            order[tail] = p
            tail += 1
        else:
            order[fill[index[p]]] = p
            fill[index[p]] += 1
    soa = _sorted(order, ms, rho_s, r0, r1)
    row_o = rows[order]
    hit = np.empty(m, np.int64)
    runs = np.empty((5, 2), np.int64)
    limit2 = chord_limit * chord_limit
    for p in range(slow):
        c = index[order[p]]
        z = c % nz
        y = (c // nz) % ny
        x = c // (nz * ny)
        runs[0, 0] = p + 1  # the rest of its own cell, then the cell z + 1
        runs[0, 1] = start[c + 2] if z + 1 < nz else start[c + 1]
        nruns = 1
        z0 = max(z - 1, 0)
        z1 = min(z + 1, nz - 1)
        for dx, dy in ((0, 1), (1, -1), (1, 0), (1, 1)):
            cx, cy = x + dx, y + dy
            if cx >= nx or cy < 0 or cy >= ny:
                continue
            column = (cx * ny + cy) * nz
            runs[nruns, 0], runs[nruns, 1] = start[column + z0], start[column + z1 + 1]
            nruns += 1
        pos = _object_pairs(p, runs, nruns, soa, row_o, threshold, limit2, hit, out_i, out_j,
                            pos)
    if n_fast == 0:
        return pos
    g = int(np.ceil((threshold + 2.0 * rho_max) / cell))  # cells a fast object's pair spans
    wide = np.empty(((2 * g + 1) ** 2 + 1, 2), np.int64)
    for p in range(slow, m):
        c = index[order[p]]
        z = c % nz
        y = (c // nz) % ny
        x = c // (nz * ny)
        z0 = max(z - g, 0)
        z1 = min(z + g, nz - 1)
        nruns = 0
        for cx in range(max(x - g, 0), min(x + g, nx - 1) + 1):
            for cy in range(max(y - g, 0), min(y + g, ny - 1) + 1):
                column = (cx * ny + cy) * nz
                wide[nruns, 0], wide[nruns, 1] = start[column + z0], start[column + z1 + 1]
                nruns += 1
        wide[nruns, 0], wide[nruns, 1] = p + 1, m  # the fast objects after it
        pos = _object_pairs(p, wide, nruns + 1, soa, row_o, threshold, limit2, hit, out_i,
                            out_j, pos)
    return pos


def _all_vs_all_py(ms, rho_s, r0, r1, rows, lo, big, piece_s, pad, threshold, chord_limit,
                   out_i, out_j, pos):  # pragma: no cover - compiled
    """One piece of an interval, all-vs-all. The objects within a dense grid about the
    Earth's centre (`_DENSE_SIDE` cells a side) are scanned there (:func:`_dense_piece`);
    the rest (medium and high orbits), with the objects inside close enough to the grid's
    faces to pair with them, in hashed cells (:func:`_all_pairs_piece`; a pair found by both
    is one pair after the caller's de-duplication). When more than a fraction
    `_DENSE_OUTSIDE` of the objects lies beyond the grid, all are hashed. The dense cells are
    sized without the objects whose `rho_s` exceeds that of a circular orbit at the surface
    over the piece (`piece_s` seconds; `pad`: the sag and margin in each `rho_s`): eccentric
    orbits near perigee, if they are at most `_FAST_FRACTION` of all. Returns the new output
    position."""
    m = ms.shape[0]
    fast_rho = 0.5 * _CIRCULAR_KM_S * piece_s + pad
    slow_big = 0.0
    n_fast = 0
    for q in range(m):
        if rho_s[q] > fast_rho:
            n_fast += 1
        else:
            slow_big = max(slow_big, rho_s[q])
    if n_fast > _FAST_FRACTION * m or slow_big == 0.0:
        fast_rho = np.inf
        slow_big = big
    cell = threshold + 2.0 * slow_big
    half = 0.5 * _DENSE_SIDE * cell  # the dense grid's reach about the Earth's centre
    band = half - (threshold + 2.0 * big)  # beyond it, an object can pair with one outside
    extent = np.empty(m)
    outside = 0
    for q in range(m):
        extent[q] = max(abs(ms[q, 0]), abs(ms[q, 1]), abs(ms[q, 2]))
        outside += extent[q] > half
    if outside > _DENSE_OUTSIDE * m:
        return _all_pairs_piece(ms, rho_s, r0, r1, rows, lo, threshold + 2.0 * big, threshold,
                                chord_limit, out_i, out_j, pos)
    inner = np.flatnonzero(extent <= half)
    corner = np.empty(3)
    shape = np.empty(3, np.int64)
    for a in range(3):
        corner[a] = max(lo[a], -half)
        shape[a] = min(int((min(ms[:, a].max(), half) - corner[a]) / cell) + 1, _DENSE_SIDE)
    pos = _dense_piece(inner, ms, rho_s, r0, r1, rows, corner, cell, shape, fast_rho,
                       threshold, chord_limit, out_i, out_j, pos)
    if outside == 0:
        return pos
    far = np.flatnonzero(extent > band)
    ms_f = ms[far]
    far_lo = np.empty(3)
    far_big = 0.0
    for a in range(3):
        far_lo[a] = ms_f[:, a].min()
    for q in far:
        far_big = max(far_big, rho_s[q])
    return _all_pairs_piece(ms_f, rho_s[far], r0[far], r1[far], rows[far], far_lo,
                            threshold + 2.0 * far_big, threshold, chord_limit, out_i, out_j,
                            pos)


_bucket = njit(cache=True, inline="always")(_bucket_py)
_chord_gap2 = njit(cache=True, inline="always")(_chord_gap2_py)
_close = njit(cache=True, inline="always")(_close_py)
_emit = njit(cache=True, inline="always")(_emit_py)
_scan_primaries = njit(cache=True)(_scan_primaries_py)
_cells = njit(cache=True)(_cells_py)
_cell_runs = njit(cache=True)(_cell_runs_py)
primaries_piece = njit(cache=True)(_primaries_piece_py)
_sorted = njit(cache=True)(_sorted_py)
_object_pairs = njit(cache=True, inline="always", error_model="numpy")(_object_pairs_py)
_all_pairs_piece = njit(cache=True)(_all_pairs_piece_py)
_dense_piece = njit(cache=True)(_dense_piece_py)
all_vs_all = njit(cache=True)(_all_vs_all_py)
