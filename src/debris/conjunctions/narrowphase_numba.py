"""The narrow phase's minimum search as a compiled kernel (numba; the default path).

The same arithmetic as :func:`debris.conjunctions.narrowphase.hermite_minima` (tested to give
the same minima): per relative Hermite segment, the degree-5 derivative of the squared
distance is scanned on 33 points and each sign change from - to + is bisected 40 times; in
parallel over segments, in two passes (count, then fill) so that no buffer can overflow.
"""

from __future__ import annotations

import numba
import numpy as np

from ..kernel_cache import njit

__all__ = ["hermite_minima_compiled"]

_SCAN = 32  # intervals of the scan (33 points)
_BISECTIONS = 40


def _segment_py(p0, v0, p1, v1, h, m):  # pragma: no cover - compiled
    """Power-basis coefficients (a, b, c, d as 3-tuples) of segment m and the six
    coefficients of d/ds |p(s)|^2, lowest power first."""
    a = (p0[m, 0], p0[m, 1], p0[m, 2])
    b = (v0[m, 0] * h, v0[m, 1] * h, v0[m, 2] * h)
    c = (-3 * p0[m, 0] - 2 * b[0] + 3 * p1[m, 0] - v1[m, 0] * h,
         -3 * p0[m, 1] - 2 * b[1] + 3 * p1[m, 1] - v1[m, 1] * h,
         -3 * p0[m, 2] - 2 * b[2] + 3 * p1[m, 2] - v1[m, 2] * h)
    d = (2 * p0[m, 0] + b[0] - 2 * p1[m, 0] + v1[m, 0] * h,
         2 * p0[m, 1] + b[1] - 2 * p1[m, 1] + v1[m, 1] * h,
         2 * p0[m, 2] + b[2] - 2 * p1[m, 2] + v1[m, 2] * h)

    coef = (2 * _dot(a, b), 2 * (_dot(b, b) + 2 * _dot(a, c)),
            3 * (2 * _dot(a, d) + 2 * _dot(b, c)), 4 * (_dot(c, c) + 2 * _dot(b, d)),
            5 * (2 * _dot(c, d)), 6 * _dot(d, d))
    return a, b, c, d, coef


def _dot_py(x, y):  # pragma: no cover - compiled
    return x[0] * y[0] + x[1] * y[1] + x[2] * y[2]


def _poly_py(coef, s):  # pragma: no cover - compiled
    out = 0.0
    for k in range(5, -1, -1):
        out = out * s + coef[k]
    return out


def _count_py(p0, v0, p1, v1, h, counts):  # pragma: no cover - compiled
    for m in numba.prange(p0.shape[0]):
        coef = _segment(p0, v0, p1, v1, h, m)[4]
        n = 0
        before = _poly(coef, 0.0)
        for k in range(1, _SCAN + 1):
            now = _poly(coef, k / _SCAN)
            if before < 0 and now >= 0:
                n += 1
            before = now
        counts[m] = n


def _fill_py(p0, v0, p1, v1, h, offsets, seg, s_out, dist):  # pragma: no cover - compiled
    for m in numba.prange(p0.shape[0]):
        a, b, c, d, coef = _segment(p0, v0, p1, v1, h, m)
        at = offsets[m]
        before = _poly(coef, 0.0)
        for k in range(1, _SCAN + 1):
            now = _poly(coef, k / _SCAN)
            if before < 0 and now >= 0:
                lo, hi = (k - 1) / _SCAN, k / _SCAN
                for _ in range(_BISECTIONS):  # as debris.search.bisect
                    mid = 0.5 * (lo + hi)
                    if _poly(coef, mid) < 0:
                        lo = mid
                    else:
                        hi = mid
                s = 0.5 * (lo + hi)
                s2, s3 = s * s, s * s * s
                x = a[0] + b[0] * s + c[0] * s2 + d[0] * s3
                y = a[1] + b[1] * s + c[1] * s2 + d[1] * s3
                z = a[2] + b[2] * s + c[2] * s2 + d[2] * s3
                seg[at] = m
                s_out[at] = s
                dist[at] = np.sqrt(x * x + y * y + z * z)
                at += 1
            before = now


_dot = njit(cache=True)(_dot_py)
_segment = njit(cache=True)(_segment_py)
_poly = njit(cache=True)(_poly_py)
_count = njit(parallel=True, cache=True)(_count_py)
_fill = njit(parallel=True, cache=True)(_fill_py)


def hermite_minima_compiled(p0, v0, p1, v1, h):
    """:func:`debris.conjunctions.narrowphase.hermite_minima`, compiled: (seg, s, distance)
    of every local minimum on [0, 1) of the relative segments (M, 3)."""
    args = tuple(np.ascontiguousarray(x, float) for x in (p0, v0, p1, v1)) + (float(h),)
    counts = np.zeros(len(p0), np.int64)
    _count(*args, counts)
    offsets = np.zeros(len(p0) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    seg, s, dist = np.empty(total, np.int64), np.empty(total), np.empty(total)
    _fill(*args, offsets, seg, s, dist)
    keep = s < 1.0
    return seg[keep], s[keep], dist[keep]
