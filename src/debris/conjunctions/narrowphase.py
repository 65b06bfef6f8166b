"""The narrow phase of screening: every local minimum of the distance, then exact TCA.

On a pair-interval from the broad phase, the relative motion is the difference of the two
cubic Hermite segments through the SGP4 states (within a few metres of SGP4 at 60 s), whose
squared norm is a degree-6 polynomial. Its derivative (degree 5) is scanned on 33 points and
each sign change - to + is bisected: every local minimum in [t_k, t_k+1) is found
(:func:`hermite_minima`), so a pair can give several conjunctions (co-moving objects). Each
minimum is then refined with exact SGP4 (:func:`refine_tca`: Newton on the range rate) and
duplicates found twice (near a sample, on a window seam) are merged
(:func:`merge_duplicates`).
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..constants import WGS72_MU_KM3_S2
from ..frames import vector_norm
from ..hermite import hermite_coefficients
from ..propagation import propagate_at
from ..search import bisect
from ..timescale import Times

__all__ = ["hermite_minima", "refine_tca", "golden_minimum", "merge_duplicates"]

_SCAN_POINTS = 33


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


def hermite_minima(p0, v0, p1, v1, h):
    """Every local minimum of |p(s)| on [0, 1) for relative Hermite segments (M, 3); the
    compiled kernel (:mod:`.narrowphase_numba`) where the broad phase is compiled, the
    same arithmetic in numpy otherwise.

    Returns
    -------
    seg : ndarray of int, shape (K,)
        Which segment each minimum belongs to.
    s : ndarray, shape (K,)
        Local time of the minimum.
    distance : ndarray, shape (K,)
    """
    if backends.broadphase() == "numba":
        # imports numba: only where screening's compiled kernels run
        from .narrowphase_numba import hermite_minima_compiled

        return hermite_minima_compiled(p0, v0, p1, v1, h)
    a, b, c, d = hermite_coefficients(p0, v0, p1, v1, h)
    deriv = _distance2_derivative(a, b, c, d)
    grid = np.linspace(0.0, 1.0, _SCAN_POINTS)
    values = _poly(deriv, np.broadcast_to(grid, (len(p0), _SCAN_POINTS)))
    change = (values[:, :-1] < 0) & (values[:, 1:] >= 0)
    seg, k = np.nonzero(change)
    sub = deriv[seg]
    # 1/32 / 2^40 of a step: far below a microsecond
    s = bisect(lambda x: _poly(sub, x) < 0, grid[k], grid[k + 1], True, 40)
    keep = s < 1.0
    seg, s = seg[keep], s[keep]
    sl = s[:, None]
    pos = a[seg] + b[seg] * sl + c[seg] * sl ** 2 + d[seg] * sl ** 3
    return seg, s, vector_norm(pos)


def refine_tca(catalog, i, j, t0: Times, seconds, step, backend, iterations: int = 12,
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
        acc = (-WGS72_MU_KM3_S2 * r2 / vector_norm(r2)[:, None] ** 3
               + WGS72_MU_KM3_S2 * r1 / vector_norm(r1)[:, None] ** 3)
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


def golden_minimum(catalog, i, j, t0: Times, lo, hi, backend, tolerance_s: float = 1e-3):
    """Golden-section search of the exact distance of pairs (i, j) on [lo, hi] seconds
    from t0 (vectorised over pairs): for events the range-rate Newton of :func:`refine_tca`
    leaves where the distance is not a minimum (co-located or co-moving pairs whose
    distance changes by millimetres a minute).

    Returns
    -------
    t : ndarray, shape (E,)
        The minimum's time (s since t0).
    interior : ndarray of bool, shape (E,)
        False where the minimum lies within a second of an end: the distance falls or rises
        across the whole bracket, so it has no minimum there.
    """
    a, b = np.array(lo, dtype=float), np.array(hi, dtype=float)
    ratio = (np.sqrt(5.0) - 1.0) / 2.0

    def distance(t):
        times = t0.shift_seconds(t)
        r1, _, e1 = propagate_at(catalog, i, times, backend=backend)
        r2, _, e2 = propagate_at(catalog, j, times, backend=backend)
        return np.where((e1 == 0) & (e2 == 0), vector_norm(r2 - r1), np.inf)

    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = distance(c), distance(d)
    while np.max(b - a, initial=0.0) > tolerance_s:
        left = fc < fd
        b, a = np.where(left, d, b), np.where(left, a, c)
        d_new, c_new = np.where(left, c, a + ratio * (b - a)), np.where(left, b - ratio * (b - a), d)
        f = distance(np.where(left, c_new, d_new))
        fc, fd = np.where(left, f, fd), np.where(left, fc, f)
        c, d = c_new, d_new
    t = 0.5 * (a + b)
    return t, (t - np.asarray(lo) > 1.0) & (np.asarray(hi) - t > 1.0)


def merge_duplicates(i, j, t, tolerance_s=1.0):
    """Indices of unique (i, j, t) events: the same pair within `tolerance_s` is one event."""
    if len(i) == 0:
        return np.empty(0, np.intp)
    order = np.lexsort((t, j, i))
    i_s, j_s, t_s = i[order], j[order], t[order]
    new = np.ones(len(order), bool)
    new[1:] = (i_s[1:] != i_s[:-1]) | (j_s[1:] != j_s[:-1]) | (t_s[1:] - t_s[:-1] > tolerance_s)
    return order[new]


