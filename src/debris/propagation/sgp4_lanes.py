"""SGP4 (near-Earth) over a grid of times, one object at many times in SIMD lanes.

The same arithmetic as :func:`debris.propagation.numba_sgp4._sgp4_point_py` (Vallado et
al. 2006, python-sgp4's 'improved' mode), laid out so that LLVM vectorises it: for each
object (in parallel), blocks of :data:`LANES` times go through three branch-free loops
(secular and drag terms, Kepler's equation, short-period terms and output) with
polynomial sine and cosine (:mod:`.polymath`) instead of libm calls. Kepler's equation is
iterated over the whole block while any lane still moves by 1e-12 rad or more, at most ten
times; a lane that has converged keeps its values, so every lane follows python-sgp4's own
iteration exactly. Error codes follow python-sgp4's precedence (2, 1, 4, then 6), with NaN
states where a code is set.
"""

from __future__ import annotations

import numba
import numpy as np

from ..constants import MINUTES_PER_DAY, TWO_PI, WGS72_EARTH_RADIUS_KM, WGS72_J2, WGS72_XKE
from .polymath import sincos

__all__ = ["propagate_grid", "LANES"]

#: Times per SIMD block.
LANES = 64
_RE = WGS72_EARTH_RADIUS_KM
_XKE = WGS72_XKE
_J2 = WGS72_J2
_TWOPI = TWO_PI
_VKMPERSEC = WGS72_EARTH_RADIUS_KM * WGS72_XKE / 60.0


def _fmod2pi(x):  # pragma: no cover - compiled
    """fmod(x, 2 pi) by a truncated quotient (vectorisable)."""
    return x - _TWOPI * np.trunc(x / _TWOPI)


_fmod2pi = numba.njit(inline="always", error_model="numpy", cache=True)(_fmod2pi)


def _secular_py(c, t, m, am, nm, axnl, aynl, u, nodep, err):  # pragma: no cover - compiled
    """Secular gravity and drag terms of row `c` at times t[:m] (minutes from epoch), up to
    the long-period terms: fills am, nm, axnl, aynl, u (Kepler's right side), nodep, err."""
    mo, mdot, argpo, argpdot = c[0], c[1], c[2], c[3]
    nodeo, nodedot, nodecf, cc1, cc4, cc5 = c[4], c[5], c[6], c[7], c[8], c[9]
    t2cof, t3cof, t4cof, t5cof, omgcof, eta = c[10], c[11], c[12], c[13], c[14], c[15]
    xmcof, delmo, sinmao, d2, d3, d4 = c[16], c[17], c[18], c[19], c[20], c[21]
    no_unkozai, ecco, bstar, aycof, xlcof, ao = c[23], c[24], c[26], c[27], c[28], c[34]
    bad_n = no_unkozai <= 0.0
    for j in range(m):
        tj = t[j]
        xmdf = mo + mdot * tj
        argpdf = argpo + argpdot * tj
        t2 = tj * tj
        t3 = t2 * tj
        t4 = t3 * tj
        nodem = nodeo + nodedot * tj + nodecf * t2
        _, cosxm = sincos(xmdf)
        delmtemp = 1.0 + eta * cosxm
        temp = omgcof * tj + xmcof * (delmtemp * delmtemp * delmtemp - delmo)
        mm = xmdf + temp
        argpm = argpdf - temp
        tempa = 1.0 - cc1 * tj - d2 * t2 - d3 * t3 - d4 * t4
        sinmm, _ = sincos(mm)
        em = ecco - (bstar * cc4 * tj + bstar * cc5 * (sinmm - sinmao))
        templ = t2cof * t2 + t3cof * t3 + t4 * (t4cof + tj * t5cof)
        amj = ao * tempa * tempa
        nm[j] = no_unkozai / (tempa * tempa * tempa)
        e = 0
        if bad_n:
            e = 2
        elif em >= 1.0 or em < -0.001:
            e = 1
        em = max(em, 1.0e-6)
        mm = mm + no_unkozai * templ
        xlm = _fmod2pi(mm + argpm + nodem)
        nodem = _fmod2pi(nodem)
        argpm = _fmod2pi(argpm)
        mm = _fmod2pi(xlm - argpm - nodem)
        sinw, cosw = sincos(argpm)
        ax = em * cosw
        temp = 1.0 / (amj * (1.0 - em * em))
        axnl[j] = ax
        aynl[j] = em * sinw + temp * aycof
        u[j] = _fmod2pi(mm + argpm + nodem + temp * xlcof * ax - nodem)
        am[j] = amj
        nodep[j] = nodem
        err[j] = e


def _kepler_py(m, u, axnl, aynl, eo1, sineo1, coseo1):  # pragma: no cover - compiled
    """Kepler's equation for lanes [:m] (python-sgp4's Newton iteration, lane by lane)."""
    moving = np.empty(m, np.bool_)
    for j in range(m):
        eo1[j] = u[j]
        moving[j] = True
    for _ in range(10):
        count = 0
        for j in range(m):
            s, co = sincos(eo1[j])
            step = 1.0 - co * axnl[j] - s * aynl[j]
            step = (u[j] - aynl[j] * co + axnl[j] * s - eo1[j]) / step
            step = min(max(step, -0.95), 0.95)
            go = moving[j]
            sineo1[j] = s if go else sineo1[j]
            coseo1[j] = co if go else coseo1[j]
            eo1[j] = eo1[j] + step if go else eo1[j]
            still = go and abs(step) >= 1.0e-12
            moving[j] = still
            count += still
        if count == 0:
            break


def _short_period_py(c, m, am, nm, axnl, aynl, nodep, sineo1, coseo1, err,
                     r_out, v_out, e_out, o, k0):  # pragma: no cover - compiled
    """Short-period terms and the TEME state of lanes [:m], written at output row o, times
    k0..k0+m (NaN and the error code where SGP4 fails); velocities only when `v_out` is not
    empty."""
    con41, x1mth2, x7thm1, inclo = c[29], c[30], c[31], c[25]
    sinip, cosip = c[35], c[36]
    nan = np.nan
    with_v = v_out.shape[0] > 0  # an empty v_out: positions only
    for j in range(m):
        ax, ay, amj = axnl[j], aynl[j], am[j]
        s, co = sineo1[j], coseo1[j]
        ecose = ax * co + ay * s
        esine = ax * s - ay * co
        el2 = ax * ax + ay * ay
        pl = amj * (1.0 - el2)
        rl = amj * (1.0 - ecose)
        rdotl = np.sqrt(amj) * esine / rl
        rvdotl = np.sqrt(abs(pl)) / rl
        betal = np.sqrt(abs(1.0 - el2))
        temp = esine / (1.0 + betal)
        sinu = amj / rl * (s - ay - ax * temp)
        cosu = amj / rl * (co - ax + ay * temp)
        sin2u = (cosu + cosu) * sinu
        cos2u = 1.0 - 2.0 * sinu * sinu
        norm = 1.0 / np.sqrt(sinu * sinu + cosu * cosu)
        sinu = sinu * norm
        cosu = cosu * norm
        temp = 1.0 / pl
        temp1 = 0.5 * _J2 * temp
        temp2 = temp1 * temp
        mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
        sd, cd = sincos(0.25 * temp2 * x7thm1 * sin2u)
        sinsu = sinu * cd - cosu * sd
        cossu = cosu * cd + sinu * sd
        snod, cnod = sincos(nodep[j] + 1.5 * temp2 * cosip * sin2u)
        sini, cosi = sincos(inclo + 1.5 * temp2 * cosip * sinip * cos2u)
        nmj = nm[j]
        mvt = rdotl - nmj * temp1 * x1mth2 * sin2u / _XKE
        rvdot = rvdotl + nmj * temp1 * (x1mth2 * cos2u + 1.5 * con41) / _XKE
        xmx = -snod * cosi
        xmy = cnod * cosi
        ux = xmx * sinsu + cnod * cossu
        uy = xmy * sinsu + snod * cossu
        uz = sini * sinsu
        vx = xmx * cossu - cnod * sinsu
        vy = xmy * cossu - snod * sinsu
        vz = sini * cossu
        e = err[j]
        if e == 0 and pl < 0.0:
            e = 4
        if e == 0 and mrt < 1.0:
            e = 6
        ok = e == 0
        k = k0 + j
        r_out[o, k, 0] = mrt * ux * _RE if ok else nan
        r_out[o, k, 1] = mrt * uy * _RE if ok else nan
        r_out[o, k, 2] = mrt * uz * _RE if ok else nan
        if with_v:
            v_out[o, k, 0] = (mvt * ux + rvdot * vx) * _VKMPERSEC if ok else nan
            v_out[o, k, 1] = (mvt * uy + rvdot * vy) * _VKMPERSEC if ok else nan
            v_out[o, k, 2] = (mvt * uz + rvdot * vz) * _VKMPERSEC if ok else nan
        e_out[o, k] = e


_options = dict(error_model="numpy", cache=True)
_secular = numba.njit(**_options)(_secular_py)
_kepler = numba.njit(**_options)(_kepler_py)
_short_period = numba.njit(**_options)(_short_period_py)


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
            _secular(c, t, m, am, nm, axnl, aynl, u, nodep, err)
            _kepler(m, u, axnl, aynl, eo1, sineo1, coseo1)
            _short_period(c, m, am, nm, axnl, aynl, nodep, sineo1, coseo1, err,
                          r_out, v_out, e_out, o, k0)


propagate_grid = numba.njit(parallel=True, **_options)(_propagate_grid_py)
