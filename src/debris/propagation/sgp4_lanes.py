"""SGP4 (near-Earth) over a grid of times, one object at many times in SIMD lanes.

The steps of :mod:`.sgp4_core` (Vallado et al. 2006, python-sgp4's 'improved' mode, the
arithmetic the scalar and deep-space kernels share), laid out so that LLVM vectorises them:
for each object (in parallel), blocks of :data:`LANES` times go through three branch-free
loops (secular and drag terms, Kepler's equation, short-period terms and output) with
polynomial sine and cosine (:mod:`.polymath`) instead of libm calls. Kepler's equation is
iterated over the whole block while any lane still moves by 1e-12 rad or more, at most ten
times; a lane that has converged keeps its values, so every lane follows python-sgp4's own
iteration exactly. Error codes follow python-sgp4's precedence (2, 1, 4, then 6), with NaN
states where a code is set.
"""

from __future__ import annotations

import numba
import numpy as np

from ..constants import MINUTES_PER_DAY
from ..kernel_cache import njit
from .sgp4_core import KEPLER_TOLERANCE, kepler_step, long_period, near_secular, short_period

__all__ = ["propagate_grid", "LANES"]

#: Times per SIMD block.
LANES = 64


def _secular_block_py(c, t, m, am, nm, axnl, aynl, u, nodep, err):  # pragma: no cover - compiled
    """Secular gravity and drag terms of row `c` at times t[:m] (minutes from epoch), up to
    the long-period terms: fills am, nm, axnl, aynl, u (Kepler's right side), nodep, err."""
    aycof, xlcof = c[27], c[28]
    for j in range(m):
        amj, nm[j], em, argpm, nodem, mm, err[j] = near_secular(c, t[j])
        axnl[j], aynl[j], u[j] = long_period(amj, em, argpm, nodem, mm, aycof, xlcof)
        am[j] = amj
        nodep[j] = nodem


def _kepler_block_py(m, u, axnl, aynl, eo1, sineo1, coseo1):  # pragma: no cover - compiled
    """Kepler's equation for lanes [:m]: the scalar kernel's Newton step over the block while
    any lane still moves; a lane that has converged keeps its values."""
    moving = np.empty(m, np.bool_)
    for j in range(m):
        eo1[j] = u[j]
        moving[j] = True
    for _ in range(10):
        count = 0
        for j in range(m):
            step, s, co = kepler_step(u[j], axnl[j], aynl[j], eo1[j])
            go = moving[j]
            sineo1[j] = s if go else sineo1[j]
            coseo1[j] = co if go else coseo1[j]
            eo1[j] = eo1[j] + step if go else eo1[j]
            still = go and abs(step) >= KEPLER_TOLERANCE
            moving[j] = still
            count += still
        if count == 0:
            break


def _states_block_py(c, m, am, nm, axnl, aynl, nodep, sineo1, coseo1, err,
                     r_out, v_out, e_out, o, k0):  # pragma: no cover - compiled
    """Short-period terms and the TEME state of lanes [:m], written at output row o, times
    k0..k0+m (NaN and the error code where SGP4 fails); velocities only when `v_out` is not
    empty."""
    con41, x1mth2, x7thm1, inclo = c[29], c[30], c[31], c[25]
    sinip, cosip = c[35], c[36]
    nan = np.nan
    with_v = v_out.shape[0] > 0  # an empty v_out: positions only
    for j in range(m):
        rx, ry, rz, vx, vy, vz, e = short_period(am[j], nm[j], axnl[j], aynl[j], sineo1[j],
                                                 coseo1[j], nodep[j], inclo, sinip, cosip,
                                                 con41, x1mth2, x7thm1)
        e = err[j] if err[j] != 0 else e
        ok = e == 0
        k = k0 + j
        r_out[o, k, 0] = rx if ok else nan
        r_out[o, k, 1] = ry if ok else nan
        r_out[o, k, 2] = rz if ok else nan
        if with_v:
            v_out[o, k, 0] = vx if ok else nan
            v_out[o, k, 1] = vy if ok else nan
            v_out[o, k, 2] = vz if ok else nan
        e_out[o, k] = e


_options = dict(error_model="numpy", cache=True)
_secular_block = njit(**_options)(_secular_block_py)
_kepler_block = njit(**_options)(_kepler_block_py)
_states_block = njit(**_options)(_states_block_py)


def _propagate_grid_py(table, rows, jd, fr, r_out, v_out, e_out):  # pragma: no cover
    """Propagate table row i to every time into output row rows[i] (`v_out` of shape
    (0, 0, 3): positions only)."""
    n = table.shape[0]
    count = jd.shape[0]
    for i in numba.prange(n):
        c = table[i]
        o = rows[i]
        ejd, efr = c[32], c[33]
        t = np.empty(LANES)
        am, nm, axnl, aynl = np.empty(LANES), np.empty(LANES), np.empty(LANES), np.empty(LANES)
        u, nodep, eo1 = np.empty(LANES), np.empty(LANES), np.empty(LANES)
        sineo1, coseo1 = np.zeros(LANES), np.ones(LANES)
        err = np.empty(LANES, np.int8)
        for k0 in range(0, count, LANES):
            m = min(LANES, count - k0)
            for j in range(m):
                t[j] = ((jd[k0 + j] - ejd) * MINUTES_PER_DAY
                        + (fr[k0 + j] - efr) * MINUTES_PER_DAY)
            _secular_block(c, t, m, am, nm, axnl, aynl, u, nodep, err)
            _kepler_block(m, u, axnl, aynl, eo1, sineo1, coseo1)
            _states_block(c, m, am, nm, axnl, aynl, nodep, sineo1, coseo1, err,
                          r_out, v_out, e_out, o, k0)


propagate_grid = njit(parallel=True, **_options)(_propagate_grid_py)
