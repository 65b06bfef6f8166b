"""SGP4 mean elements as fit parameters and from states (their TLE lines: debris.tle).

The fit works in a set without the singularities of near-circular orbits (equinoctial-like):
``x = (n, e·cos ω, e·sin ω, i, Ω, M + ω, B*)`` with n in rad/min (SGP4's ``no_kozai``),
angles in radians and B* in 1/earth radii. :func:`mean_elements_from_state` finds the mean
elements whose SGP4 state at their epoch is a given state (a fixed-point iteration on the
osculating elements, as Vallado's state-to-TLE conversion does).
"""

from __future__ import annotations

import math

import numpy as np
from sgp4.api import WGS72, Satrec

from ..constants import WGS72_MU_KM3_S2

__all__ = ["satrec_from_x", "x_from_satrec", "osculating_x", "mean_elements_from_state",
           "SGP4_EPOCH_JD"]

#: sgp4init counts epochs in days from 1949-12-31 00:00 UTC.
SGP4_EPOCH_JD = 2433281.5
_TWO_PI = 2.0 * math.pi


def satrec_from_x(x, epoch_jd: float, epoch_fr: float, satnum: int = 99999,
                  ndot: float = 0.0, nddot: float = 0.0) -> Satrec:
    """A Satrec from the fit parameters `x` (7,) at the epoch (two-float UTC Julian date)."""
    n, k, h, inc, node, lon, bstar = (float(value) for value in x)
    ecc = math.hypot(k, h)
    argp = math.atan2(h, k) % _TWO_PI
    mean_anomaly = (lon - argp) % _TWO_PI
    sat = Satrec()
    epoch = (epoch_jd - SGP4_EPOCH_JD) + epoch_fr
    sat.sgp4init(WGS72, "i", satnum if satnum < 100000 else 99999, epoch, bstar, ndot, nddot,
                 min(ecc, 0.999), argp, inc, mean_anomaly, n, node % _TWO_PI)
    return sat


def x_from_satrec(sat: Satrec) -> np.ndarray:
    """The fit parameters (7,) of a Satrec."""
    return np.array([sat.no_kozai, sat.ecco * math.cos(sat.argpo), sat.ecco * math.sin(sat.argpo),
                     sat.inclo, sat.nodeo, sat.mo + sat.argpo, sat.bstar])


def osculating_x(r, v, mu: float = WGS72_MU_KM3_S2) -> np.ndarray:
    """Osculating Keplerian elements of a state (km, km/s) in the fit set (B* zero)."""
    r = np.asarray(r, float)
    v = np.asarray(v, float)
    rn = np.linalg.norm(r)
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    inc = math.acos(max(-1.0, min(1.0, h[2] / hn)))
    node_vec = np.array([-h[1], h[0], 0.0])
    nn = np.linalg.norm(node_vec)
    node = math.atan2(node_vec[1], node_vec[0]) if nn > 1e-12 else 0.0
    e_vec = np.cross(v, h) / mu - r / rn
    ecc = np.linalg.norm(e_vec)
    energy = v @ v / 2.0 - mu / rn
    a = -mu / (2.0 * energy)
    # Argument of latitude, then perigee and anomalies measured from the node.
    p_dir = node_vec / nn if nn > 1e-12 else np.array([1.0, 0.0, 0.0])
    q_dir = np.cross(h / hn, p_dir)
    u = math.atan2(r @ q_dir, r @ p_dir)
    argp = math.atan2(e_vec @ q_dir, e_vec @ p_dir) if ecc > 1e-12 else 0.0
    nu = u - argp
    ea = 2.0 * math.atan2(math.sqrt(max(1.0 - ecc, 0.0)) * math.sin(nu / 2.0),
                          math.sqrt(1.0 + ecc) * math.cos(nu / 2.0))
    mean_anomaly = ea - ecc * math.sin(ea)
    n = math.sqrt(mu / a ** 3) * 60.0
    return np.array([n, ecc * math.cos(argp), ecc * math.sin(argp), inc, node,
                     (mean_anomaly + argp) % _TWO_PI, 0.0])


def _difference(a, b) -> np.ndarray:
    d = np.asarray(a, float) - np.asarray(b, float)
    d[4] = (d[4] + math.pi) % _TWO_PI - math.pi
    d[5] = (d[5] + math.pi) % _TWO_PI - math.pi
    return d


def mean_elements_from_state(r, v, epoch_jd: float, epoch_fr: float, bstar: float = 0.0,
                             satnum: int = 99999, iterations: int = 30) -> np.ndarray:
    """SGP4 mean elements (fit set, (7,)) whose state at the epoch is (`r`, `v`) (TEME).

    Fixed-point iteration: start from the osculating elements, propagate them with SGP4 to
    the epoch, and correct by the difference of osculating elements until the state
    matches (to micrometres in a few iterations for LEO).
    """
    target = osculating_x(r, v)
    x = target.copy()
    x[6] = bstar
    for _ in range(iterations):
        sat = satrec_from_x(x, epoch_jd, epoch_fr, satnum)
        error, r1, v1 = sat.sgp4(epoch_jd, epoch_fr)
        if error:
            break
        step = _difference(target, osculating_x(r1, v1))
        step[6] = 0.0
        x = x + step
        if np.max(np.abs(step[:6])) < 1e-13:
            break
    return x
