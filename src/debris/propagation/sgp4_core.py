"""SGP4's arithmetic, written once for every compiled kernel.

The near-Earth scalar kernel (:mod:`.numba_sgp4`, used by scattered (object, time) pairs and
the pass kernels), the SIMD-lane kernel (:mod:`.sgp4_lanes`, grids of times) and the
deep-space kernel (:mod:`.sdp4`) all end in the same steps: the long-period terms, Kepler's
equation and the short-period terms with the TEME state; the two near-Earth kernels also
share the secular gravity and drag terms. Those steps are the functions here, compiled with
``inline="always"`` so that each kernel gets them written into its own loop (the lane kernel
stays branch-free and vectorised; measured in ``scripts/bench_propagation.py``). The WGS-72
constants SGP4 is defined with (python-sgp4's default) are taken from
:mod:`debris.constants` here and nowhere else in the kernels.

Every step follows Vallado et al., "Revisiting Spacetrack Report #3" (AIAA 2006-6753),
'improved' mode, as python-sgp4 does. Two liberties, each within 1e-15 rad: angles are
reduced by a truncated quotient (:func:`fmod2pi`) rather than libm's ``fmod``, and the
argument of latitude is corrected by rotating (sin u, cos u) through the short-period
angle instead of through ``atan2`` and back, so that no step needs a libm call.
"""

from __future__ import annotations

import numpy as np

from ..constants import TWO_PI, WGS72_EARTH_RADIUS_KM, WGS72_J2, WGS72_J3, WGS72_J4, WGS72_XKE
from ..kernel_cache import njit
from .polymath import sincos

__all__ = ["RE", "XKE", "J2", "J4", "J3OJ2", "X2O3", "VKMPERSEC", "TWOPI", "PI",
           "KEPLER_TOLERANCE", "fmod2pi", "near_secular", "long_period", "kepler_step", "kepler",
           "short_period"]

#: Earth's equatorial radius (km), WGS-72: SGP4's distance unit.
RE = WGS72_EARTH_RADIUS_KM
#: sqrt(GM) in Earth radii^1.5 per minute, WGS-72.
XKE = WGS72_XKE
#: Second zonal harmonic, WGS-72.
J2 = WGS72_J2
#: Fourth zonal harmonic, WGS-72.
J4 = WGS72_J4
#: J3 / J2, WGS-72.
J3OJ2 = WGS72_J3 / WGS72_J2
#: SGP4's velocity unit (Earth radii per minute) in km/s.
VKMPERSEC = WGS72_EARTH_RADIUS_KM * WGS72_XKE / 60.0
#: 2/3, the exponent of Kepler's third law in SGP4's units.
X2O3 = 2.0 / 3.0
#: Kepler's equation is solved until a Newton step is below this (rad), at most ten steps.
KEPLER_TOLERANCE = 1.0e-12
#: 2 pi and pi (rad).
TWOPI = TWO_PI
PI = 0.5 * TWO_PI

_inline = dict(inline="always", error_model="numpy", cache=True)


def fmod2pi(x):  # pragma: no cover - compiled
    """fmod(x, 2 pi), the sign of x kept, by a truncated quotient: vectorisable, a few times
    faster than libm's exact fmod and within 1e-15 rad of it for a propagation's angles."""
    return x - TWOPI * np.trunc(x / TWOPI)


def near_secular(c, t):  # pragma: no cover - compiled
    """Secular gravity and drag terms of a near-Earth coefficient row at `t` minutes.

    Parameters
    ----------
    c : ndarray, shape (37,)
        One row of :func:`debris.propagation.numba_sgp4.near_earth_elements`' table (the
        simplified drag model of low perigees has its extra terms zero there, so no branch).
    t : float
        Minutes from the row's epoch.

    Returns
    -------
    am : float
        Mean semi-major axis (Earth radii).
    nm : float
        Mean motion (rad/min).
    em, argpm, nodem, mm : float
        Mean eccentricity and angles (rad, reduced to (-2 pi, 2 pi)).
    error : int
        python-sgp4's code: 2 (mean motion not positive) before 1 (eccentricity out of
        range), else 0.
    """
    mo, mdot, argpo, argpdot = c[0], c[1], c[2], c[3]
    nodeo, nodedot, nodecf, cc1, cc4, cc5 = c[4], c[5], c[6], c[7], c[8], c[9]
    t2cof, t3cof, t4cof, t5cof, omgcof, eta = c[10], c[11], c[12], c[13], c[14], c[15]
    xmcof, delmo, sinmao, d2, d3, d4 = c[16], c[17], c[18], c[19], c[20], c[21]
    no_unkozai, ecco, bstar, ao = c[23], c[24], c[26], c[34]
    xmdf = mo + mdot * t
    argpdf = argpo + argpdot * t
    t2 = t * t
    t3 = t2 * t
    t4 = t3 * t
    nodem = nodeo + nodedot * t + nodecf * t2
    delmtemp = 1.0 + eta * sincos(xmdf)[1]
    temp = omgcof * t + xmcof * (delmtemp * delmtemp * delmtemp - delmo)
    mm = xmdf + temp
    argpm = argpdf - temp
    tempa = 1.0 - cc1 * t - d2 * t2 - d3 * t3 - d4 * t4
    em = ecco - (bstar * cc4 * t + bstar * cc5 * (sincos(mm)[0] - sinmao))
    templ = t2cof * t2 + t3cof * t3 + t4 * (t4cof + t * t5cof)
    # am = (xke/n)^(2/3) tempa^2 and n' = xke / am^1.5 = n / tempa^3, with the per-object
    # (xke/n)^(2/3) precomputed (two pow calls fewer per propagation).
    am = ao * tempa * tempa
    nm = no_unkozai / (tempa * tempa * tempa)
    error = 0
    if no_unkozai <= 0.0:
        error = 2
    elif em >= 1.0 or em < -0.001:
        error = 1
    em = max(em, 1.0e-6)
    mm = mm + no_unkozai * templ
    xlm = fmod2pi(mm + argpm + nodem)
    nodem = fmod2pi(nodem)
    argpm = fmod2pi(argpm)
    mm = fmod2pi(xlm - argpm - nodem)
    return am, nm, em, argpm, nodem, mm, error


def long_period(am, ep, argpp, nodep, mp, aycof, xlcof):  # pragma: no cover - compiled
    """Long-period terms: (axnl, aynl) and Kepler's right side u (rad), from the mean
    semi-major axis (Earth radii), eccentricity and angles (rad)."""
    sinw, cosw = sincos(argpp)
    axnl = ep * cosw
    temp = 1.0 / (am * (1.0 - ep * ep))
    aynl = ep * sinw + temp * aycof
    u = fmod2pi(mp + argpp + nodep + temp * xlcof * axnl - nodep)
    return axnl, aynl, u


def kepler_step(u, axnl, aynl, eo1):  # pragma: no cover - compiled
    """One Newton step of SGP4's Kepler equation at eo1: (step clamped to +-0.95 rad,
    sin eo1, cos eo1). The lane kernel applies it across a block of times."""
    s, co = sincos(eo1)
    step = (u - aynl * co + axnl * s - eo1) / (1.0 - co * axnl - s * aynl)
    return min(max(step, -0.95), 0.95), s, co


def kepler(u, axnl, aynl):  # pragma: no cover - compiled
    """SGP4's Kepler equation (python-sgp4's iteration: until a step is under 1e-12 rad, at
    most ten steps); returns (sin, cos) of the eccentric longitude it last evaluated."""
    eo1 = u
    s, co = 0.0, 1.0
    for _ in range(10):
        step, s, co = kepler_step(u, axnl, aynl, eo1)
        eo1 = eo1 + step
        if abs(step) < KEPLER_TOLERANCE:
            break
    return s, co


def short_period(am, nm, axnl, aynl, sineo1, coseo1, nodep, xincp, sinip, cosip, con41,
                 x1mth2, x7thm1):  # pragma: no cover - compiled
    """Short-period terms and the TEME state.

    Returns
    -------
    rx, ry, rz : float
        Position (km).
    vx, vy, vz : float
        Velocity (km/s).
    error : int
        4 where the semi-latus rectum is negative, 6 where the orbit is below the surface
        (decayed), else 0; the state is meaningless where it is not 0 (callers write NaN).
    """
    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    rl = am * (1.0 - ecose)
    rdotl = np.sqrt(am) * esine / rl
    rvdotl = np.sqrt(abs(pl)) / rl
    betal = np.sqrt(abs(1.0 - el2))
    temp = esine / (1.0 + betal)
    sinu = am / rl * (sineo1 - aynl - axnl * temp)
    cosu = am / rl * (coseo1 - axnl + aynl * temp)
    sin2u = (cosu + cosu) * sinu
    cos2u = 1.0 - 2.0 * sinu * sinu
    norm = 1.0 / np.sqrt(sinu * sinu + cosu * cosu)
    sinu = sinu * norm
    cosu = cosu * norm
    temp = 1.0 / pl
    temp1 = 0.5 * J2 * temp
    temp2 = temp1 * temp
    mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
    # su = u - 0.25 temp2 x7thm1 sin2u, as a rotation of (sin u, cos u)
    sd, cd = sincos(0.25 * temp2 * x7thm1 * sin2u)
    sinsu = sinu * cd - cosu * sd
    cossu = cosu * cd + sinu * sd
    snod, cnod = sincos(nodep + 1.5 * temp2 * cosip * sin2u)
    sini, cosi = sincos(xincp + 1.5 * temp2 * cosip * sinip * cos2u)
    mvt = rdotl - nm * temp1 * x1mth2 * sin2u / XKE
    rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / XKE
    xmx = -snod * cosi
    xmy = cnod * cosi
    ux = xmx * sinsu + cnod * cossu
    uy = xmy * sinsu + snod * cossu
    uz = sini * sinsu
    vx = xmx * cossu - cnod * sinsu
    vy = xmy * cossu - snod * sinsu
    vz = sini * cossu
    error = 0
    if pl < 0.0:
        error = 4
    elif mrt < 1.0:
        error = 6
    return (mrt * ux * RE, mrt * uy * RE, mrt * uz * RE, (mvt * ux + rvdot * vx) * VKMPERSEC,
            (mvt * uy + rvdot * vy) * VKMPERSEC, (mvt * uz + rvdot * vz) * VKMPERSEC, error)


fmod2pi = njit(**_inline)(fmod2pi)
near_secular = njit(**_inline)(near_secular)
long_period = njit(**_inline)(long_period)
kepler_step = njit(**_inline)(kepler_step)
kepler = njit(**_inline)(kepler)
short_period = njit(**_inline)(short_period)
