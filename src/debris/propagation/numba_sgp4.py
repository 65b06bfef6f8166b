"""debris' compiled SGP4 backend (numba): near-Earth and deep-space kernels, the default.

The initialisation (``sgp4init`` for near-Earth orbits) is vectorised with numpy over the
whole catalogue; grids of times run through the SIMD-lane kernel of :mod:`.sgp4_lanes`
(near-Earth) and the SDP4 kernel of :mod:`.sdp4` (period >= 225 min), in parallel over
objects; the scalar kernel here serves scattered (object, time) pairs and the pass kernels.
All follow Vallado et al., "Revisiting Spacetrack Report #3" (AIAA 2006-6753), WGS-72
constants and the 'improved' operation mode, as python-sgp4 does; only objects whose
initialisation fails are left to python-sgp4. Agreement with python-sgp4 is tested to 1 mm on
the real catalogue and on Vallado's verification set.
"""

from __future__ import annotations

import numba
import numpy as np

from ..backends import compile_note
from ..constants import MINUTES_PER_DAY
from ..kernel_cache import njit
from .near_earth import NearEarthBackend
from .python_sgp4 import sgp4_at
from .sdp4 import EPOCH_COLUMNS, deep_pairs, deep_space_elements, propagate_deep
from .sgp4_core import (J2, J3OJ2, J4, RE, TWOPI, X2O3, XKE, kepler, long_period, near_secular,
                        short_period)
from .sgp4_lanes import propagate_grid
from .states import finish_states

__all__ = ["NumbaBackend", "near_earth_elements", "store_state", "COLUMN"]

# Columns of the per-object coefficient table
_FIELDS = ("mo", "mdot", "argpo", "argpdot", "nodeo", "nodedot", "nodecf", "cc1", "cc4", "cc5",
           "t2cof", "t3cof", "t4cof", "t5cof", "omgcof", "eta", "xmcof", "delmo", "sinmao",
           "d2", "d3", "d4", "isimp", "no_unkozai", "ecco", "inclo", "bstar", "aycof", "xlcof",
           "con41", "x1mth2", "x7thm1", "jd", "fr", "ao", "sinio", "cosio")
#: Column of each coefficient in the table (the pass kernels read the epoch, e and a).
COLUMN = {name: i for i, name in enumerate(_FIELDS)}


def _initl(no_kozai, ecco, inclo):
    """SGP4's ``initl`` over arrays: un-Kozai'd mean motion, semi-major axis and the
    inclination and eccentricity functions sgp4init needs (a dict of arrays)."""
    eccsq = ecco * ecco
    omeosq = 1.0 - eccsq
    rteosq = np.sqrt(omeosq)
    cosio = np.cos(inclo)
    cosio2 = cosio * cosio
    ak = (XKE / no_kozai) ** X2O3
    d1 = 0.75 * J2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq)
    del_ = d1 / (ak * ak)
    adel = ak * (1.0 - del_ * del_ - del_ * (1.0 / 3.0 + 134.0 * del_ * del_ / 81.0))
    del_ = d1 / (adel * adel)
    no_unkozai = no_kozai / (1.0 + del_)
    ao = (XKE / no_unkozai) ** X2O3
    sinio = np.sin(inclo)
    po = ao * omeosq
    con42 = 1.0 - 5.0 * cosio2
    con41 = -con42 - cosio2 - cosio2
    posq = po * po
    rp = ao * (1.0 - ecco)
    return dict(omeosq=omeosq, rteosq=rteosq, cosio=cosio, cosio2=cosio2,
                no_unkozai=no_unkozai, ao=ao, sinio=sinio, con42=con42, con41=con41,
                posq=posq, rp=rp)


def _secular_rates(g, pinvsq):
    """Secular rates of the mean anomaly, argument of perigee and node (rad/min), and
    sgp4init's ``xhdot1``, from the :func:`_initl` quantities."""
    no_unkozai, rteosq, con41, con42 = g["no_unkozai"], g["rteosq"], g["con41"], g["con42"]
    cosio, cosio2 = g["cosio"], g["cosio2"]
    cosio4 = cosio2 * cosio2
    temp1 = 1.5 * J2 * pinvsq * no_unkozai
    temp2 = 0.5 * temp1 * J2 * pinvsq
    temp3 = -0.46875 * J4 * pinvsq * pinvsq * no_unkozai
    mdot = (no_unkozai + 0.5 * temp1 * rteosq * con41
            + 0.0625 * temp2 * rteosq * (13.0 - 78.0 * cosio2 + 137.0 * cosio4))
    argpdot = (-0.5 * temp1 * con42 + 0.0625 * temp2 * (7.0 - 114.0 * cosio2 + 395.0 * cosio4)
               + temp3 * (3.0 - 36.0 * cosio2 + 49.0 * cosio4))
    xhdot1 = -temp1 * cosio
    nodedot = xhdot1 + (0.5 * temp2 * (4.0 - 19.0 * cosio2)
                        + 2.0 * temp3 * (3.0 - 7.0 * cosio2)) * cosio
    return mdot, argpdot, nodedot, xhdot1


def _drag_powers(ao, tsi, cc1, sfour):
    """sgp4init's higher-order drag coefficients d2, d3, d4 and t3cof, t4cof, t5cof."""
    cc1sq = cc1 * cc1
    d2 = 4.0 * ao * tsi * cc1sq
    temp = d2 * tsi * cc1 / 3.0
    d3 = (17.0 * ao + sfour) * temp
    d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * cc1
    t3cof = d2 + 2.0 * cc1sq
    t4cof = 0.25 * (3.0 * d3 + cc1 * (12.0 * d2 + 10.0 * cc1sq))
    t5cof = 0.2 * (3.0 * d4 + 12.0 * cc1 * d3 + 6.0 * d2 * d2 + 15.0 * cc1sq * (2.0 * d2 + cc1sq))
    return d2, d3, d4, t3cof, t4cof, t5cof


def near_earth_elements(satrecs):
    """Initialise SGP4 for near-Earth objects, vectorised (sgp4init, method 'n').

    Parameters
    ----------
    satrecs : sequence of sgp4.api.Satrec, length N

    Returns
    -------
    table : ndarray, shape (N, len(COLUMN))
        Coefficients for the kernels (:func:`store_state`).
    near : ndarray of bool, shape (N,)
        False for deep-space objects and failed initialisations (use python-sgp4).
    """
    n = len(satrecs)
    get = lambda name: np.fromiter((getattr(s, name) for s in satrecs), float, n)  # noqa: E731
    no_kozai, ecco, inclo = get("no_kozai"), get("ecco"), get("inclo")
    argpo, mo, nodeo, bstar = get("argpo"), get("mo"), get("nodeo"), get("bstar")
    jd, fr = get("jdsatepoch"), get("jdsatepochF")
    error = np.fromiter((s.error for s in satrecs), float, n)
    with np.errstate(all="ignore"):
        g = _initl(no_kozai, ecco, inclo)
        omeosq, cosio, cosio2, sinio = g["omeosq"], g["cosio"], g["cosio2"], g["sinio"]
        no_unkozai, ao, con41, posq, rp = (g["no_unkozai"], g["ao"], g["con41"], g["posq"],
                                           g["rp"])
        # sgp4init, near-Earth part
        ss = 78.0 / RE + 1.0
        qzms2t = ((120.0 - 78.0) / RE) ** 4
        isimp = (rp < (220.0 / RE + 1.0)).astype(float)
        perige = (rp - 1.0) * RE
        sfour = np.where(perige < 156.0, np.where(perige < 98.0, 20.0, perige - 78.0), 0.0)
        qzms24 = np.where(perige < 156.0, ((120.0 - sfour) / RE) ** 4, qzms2t)
        sfour = np.where(perige < 156.0, sfour / RE + 1.0, ss)
        pinvsq = 1.0 / posq
        tsi = 1.0 / (ao - sfour)
        eta = ao * ecco * tsi
        etasq = eta * eta
        eeta = ecco * eta
        psisq = np.abs(1.0 - etasq)
        coef = qzms24 * tsi ** 4
        coef1 = coef / psisq ** 3.5
        cc2 = coef1 * no_unkozai * (ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq))
                                    + 0.375 * J2 * tsi / psisq * con41
                                    * (8.0 + 3.0 * etasq * (8.0 + etasq)))
        cc1 = bstar * cc2
        cc3 = np.where(ecco > 1.0e-4, -2.0 * coef * tsi * J3OJ2 * no_unkozai * sinio / ecco, 0.0)
        x1mth2 = 1.0 - cosio2
        cc4 = 2.0 * no_unkozai * coef1 * ao * omeosq * (
            eta * (2.0 + 0.5 * etasq) + ecco * (0.5 + 2.0 * etasq)
            - J2 * tsi / (ao * psisq) * (-3.0 * con41
                                         * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta))
                                         + 0.75 * x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq))
                                         * np.cos(2.0 * argpo)))
        cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq)
        mdot, argpdot, nodedot, xhdot1 = _secular_rates(g, pinvsq)
        omgcof = bstar * cc3 * np.cos(argpo)
        xmcof = np.where(ecco > 1.0e-4, -X2O3 * coef * bstar / eeta, 0.0)
        nodecf = 3.5 * omeosq * xhdot1 * cc1
        t2cof = 1.5 * cc1
        denom = np.where(np.abs(cosio + 1.0) > 1.5e-12, 1.0 + cosio, 1.5e-12)
        xlcof = -0.25 * J3OJ2 * sinio * (3.0 + 5.0 * cosio) / denom
        aycof = -0.5 * J3OJ2 * sinio
        delmo = (1.0 + eta * np.cos(mo)) ** 3
        sinmao = np.sin(mo)
        x7thm1 = 7.0 * cosio2 - 1.0
        d2, d3, d4, t3cof, t4cof, t5cof = _drag_powers(ao, tsi, cc1, sfour)
        # The simplified drag model of low perigees is the full one with these terms zero
        # (exactly: they are only ever added), so the kernels need no branch on isimp.
        simple = isimp == 1.0
        omgcof, xmcof, cc5, d2, d3, d4, t3cof, t4cof, t5cof = (
            np.where(simple, 0.0, x)
            for x in (omgcof, xmcof, cc5, d2, d3, d4, t3cof, t4cof, t5cof))
    values = dict(mo=mo, mdot=mdot, argpo=argpo, argpdot=argpdot, nodeo=nodeo, nodedot=nodedot,
                  nodecf=nodecf, cc1=cc1, cc4=cc4, cc5=cc5, t2cof=t2cof, t3cof=t3cof,
                  t4cof=t4cof, t5cof=t5cof, omgcof=omgcof, eta=eta, xmcof=xmcof, delmo=delmo,
                  sinmao=sinmao, d2=d2, d3=d3, d4=d4, isimp=isimp, no_unkozai=no_unkozai,
                  ecco=ecco, inclo=inclo, bstar=bstar, aycof=aycof, xlcof=xlcof, con41=con41,
                  x1mth2=x1mth2, x7thm1=x7thm1, jd=jd, fr=fr, ao=ao, sinio=sinio, cosio=cosio)
    table = np.column_stack([values[name] for name in _FIELDS])
    near = ((TWOPI / no_unkozai < 225.0) & (error == 0) & (omeosq > 0)
            & np.isfinite(table).all(axis=1))
    return np.ascontiguousarray(table), near


def _sgp4_point_py(c, t):  # pragma: no cover - compiled
    """SGP4 (near-Earth) of coefficient row `c` at `t` minutes from its epoch: the steps of
    :mod:`.sgp4_core` for one time.

    Returns
    -------
    rx, ry, rz, vx, vy, vz : float
        TEME position (km) and velocity (km/s); NaN when SGP4 fails.
    error : int
        python-sgp4's error code (0 when fine; 6 = decayed).
    """
    am, nm, em, argpm, nodem, mm, error = near_secular(c, t)
    axnl, aynl, u = long_period(am, em, argpm, nodem, mm, c[27], c[28])
    sineo1, coseo1 = kepler(u, axnl, aynl)
    rx, ry, rz, vx, vy, vz, late = short_period(am, nm, axnl, aynl, sineo1, coseo1, nodem,
                                                c[25], c[35], c[36], c[29], c[30], c[31])
    error = error if error != 0 else late
    if error != 0:
        return np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, error
    return rx, ry, rz, vx, vy, vz, 0


def _at_pairs_py(table, rows, minutes, r_out, v_out, e_out):  # pragma: no cover - compiled
    """Row rows[i] of the table at minutes[i] from its epoch, into r_out[i], v_out[i]."""
    for i in numba.prange(rows.shape[0]):
        rx, ry, rz, vx, vy, vz, error = _sgp4_point(table[rows[i]], minutes[i])
        r_out[i, 0], r_out[i, 1], r_out[i, 2] = rx, ry, rz
        v_out[i, 0], v_out[i, 1], v_out[i, 2] = vx, vy, vz
        e_out[i] = error


def store_state(c, t, r_out, v_out, e_out, o, k):  # pragma: no cover - compiled
    """SGP4 of coefficient row `c` at `t` minutes from its epoch, written into output row
    o, time k of (n, T, 3) states and (n, T) error codes (a numba function)."""
    rx, ry, rz, vx, vy, vz, error = _sgp4_point(c, t)
    r_out[o, k, 0] = rx
    r_out[o, k, 1] = ry
    r_out[o, k, 2] = rz
    v_out[o, k, 0] = vx
    v_out[o, k, 1] = vy
    v_out[o, k, 2] = vz
    e_out[o, k] = error


_sgp4_point = njit(cache=True)(_sgp4_point_py)
store_state = njit(cache=True)(store_state)
_at_pairs = njit(parallel=True, cache=True)(_at_pairs_py)


class NumbaBackend(NearEarthBackend):
    """Compiled SGP4/SDP4 (numba); python-sgp4 only for objects it cannot initialise."""

    name = "numba"

    def _prepare(self, satrecs):
        table, near = near_earth_elements(satrecs)
        near_idx = np.flatnonzero(near)
        rest = np.flatnonzero(~near)
        deep_table, deep = deep_space_elements([satrecs[i] for i in rest])
        return (np.ascontiguousarray(table[near_idx]), near_idx,
                np.ascontiguousarray(deep_table[deep]), rest[deep], rest[~deep])

    def propagate(self, satrecs, times, satrec_array=None, out=None):
        """States of every object at every time; `out` (r, v, e arrays of the right shapes)
        is filled instead of new arrays when given (a window loop reuses its memory), and
        with v None there only positions are computed (``v_teme_km_s`` is None)."""
        n, t = len(satrecs), len(times)
        table, near_idx, deep_table, deep_idx, far_idx = self.prepared(satrecs)
        far_states = (self.fallback.propagate([satrecs[i] for i in far_idx], times)
                      if far_idx.size else None)
        if out is not None:
            r, v, e = out
            e[...] = 0
        else:
            r = np.empty((n, t, 3))
            v = np.empty((n, t, 3))
            e = np.zeros((n, t), np.int8)
        jd = np.ascontiguousarray(times.jd, float)
        fr = np.ascontiguousarray(times.fr, float)
        v_out = v if v is not None else np.empty((0, 0, 3))
        if near_idx.size:
            compile_note(propagate_grid, "the SGP4 kernel")  # where it is used, not imported
            propagate_grid(table, near_idx.astype(np.int64), jd, fr, r, v_out, e)
        if deep_idx.size:
            propagate_deep(deep_table, deep_idx.astype(np.int64), jd, fr, r, v_out, e)
        if far_states is not None:
            r[far_idx] = far_states.r_teme_km
            if v is not None:
                v[far_idx] = far_states.v_teme_km_s
            e[far_idx] = far_states.error
        return finish_states(r, v, e)

    def propagate_at(self, satrecs, obj, times):
        """Object ``obj[i]`` at ``times[i]``: the compiled SGP4 on each (row, minutes since
        its epoch) pair, in parallel, deep space too (each pair from its epoch: the same
        states whatever was propagated before); python-sgp4 for the objects the compiled
        kernels cannot initialise."""
        table, near_idx, deep_table, deep_idx = self.prepared(satrecs)[:4]
        m = len(obj)
        r = np.empty((m, 3))
        v = np.empty((m, 3))
        e = np.zeros(m, np.int8)
        done = np.zeros(m, bool)
        for kernel, coefficients, index, (jd_col, fr_col) in (
                (_at_pairs, table, near_idx, (COLUMN["jd"], COLUMN["fr"])),
                (deep_pairs, deep_table, deep_idx, EPOCH_COLUMNS)):
            row_of = np.full(len(satrecs), -1, np.int64)
            row_of[index] = np.arange(index.size)
            rows = row_of[obj]
            mine = rows >= 0
            if not mine.any():
                continue
            k = rows[mine]
            minutes = ((times.jd[mine] - coefficients[k, jd_col]) * MINUTES_PER_DAY
                       + (times.fr[mine] - coefficients[k, fr_col]) * MINUTES_PER_DAY)
            rk, vk, ek = np.empty((k.size, 3)), np.empty((k.size, 3)), np.zeros(k.size, np.int8)
            kernel(coefficients, k, minutes, rk, vk, ek)
            r[mine], v[mine], e[mine] = rk, vk, ek
            done |= mine
        far = ~done
        if far.any():
            r[far], v[far], e[far] = sgp4_at(satrecs, np.asarray(obj)[far], times[far])
        bad = e != 0
        r[bad] = np.nan
        v[bad] = np.nan
        return r, v, e
