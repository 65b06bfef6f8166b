"""Initial orbits from angles only: Gauss's method with iterative improvement.

Curtis, *Orbital Mechanics for Engineering Students*, Algorithm 5.5 (Gauss's preliminary
orbit from three lines of sight) and 5.6 (iterative improvement of the Lagrange f and g
coefficients with universal variables, Algorithm 3.3), for one short track. A track of more
than three observations uses its first, middle and last ones; the orbit is then refined by
the least-squares fit (:mod:`.fit`) on all of them.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import WGS72_MU_KM3_S2
from ..errors import InitialOrbitError as GaussError

__all__ = ["gauss_orbit", "circular_orbit", "GaussError"]


def _stumpff(z):
    if z > 1e-8:
        s = math.sqrt(z)
        return (s - math.sin(s)) / s ** 3, (1.0 - math.cos(s)) / z
    if z < -1e-8:
        s = math.sqrt(-z)
        return (math.sinh(s) - s) / s ** 3, (math.cosh(s) - 1.0) / -z
    return 1.0 / 6.0, 0.5


def _universal_anomaly(dt, r0, vr0, alpha, mu):
    """Curtis Algorithm 3.3: the universal anomaly after `dt` seconds (Newton)."""
    smu = math.sqrt(mu)
    x = smu * abs(alpha) * dt
    for _ in range(200):
        z = alpha * x * x
        s, c = _stumpff(z)
        f = r0 * vr0 / smu * x * x * c + (1.0 - alpha * r0) * x ** 3 * s + r0 * x - smu * dt
        fp = r0 * vr0 / smu * x * (1.0 - alpha * x * x * s) + (1.0 - alpha * r0) * x * x * c + r0
        step = f / fp
        x -= step
        if abs(step) < 1e-10:
            break
    return x


def _fg(x, dt, r, alpha, mu):
    s, c = _stumpff(alpha * x * x)
    return 1.0 - x * x / r * c, dt - x ** 3 / math.sqrt(mu) * s


def gauss_orbit(times_s, rho_hat, site_km, mu: float = WGS72_MU_KM3_S2, improve: bool = True,
                max_iterations: int = 1000, tolerance: float = 1e-8):
    """Position and velocity at the middle of three observations.

    Parameters
    ----------
    times_s : array_like, shape (3,)
        Observation times (s, any origin).
    rho_hat : array_like, shape (3, 3)
        Unit lines of sight (rows) in an inertial frame.
    site_km : array_like, shape (3, 3)
        Observer positions (rows) in the same frame.
    mu : float
        Gravitational parameter (km³/s²).
    improve : bool
        Apply Algorithm 5.6 (exact f and g by universal variables) after Algorithm 5.5.

    Returns
    -------
    r2, v2 : ndarray, shape (3,)
        State at ``times_s[1]`` (km, km/s).

    Raises
    ------
    GaussError
    """
    t1, t2, t3 = (float(t) for t in times_s)
    q1, q2, q3 = (np.asarray(v, float) for v in rho_hat)
    big_r = [np.asarray(v, float) for v in site_km]
    tau1, tau3 = t1 - t2, t3 - t2
    tau = tau3 - tau1
    p1, p2, p3 = np.cross(q2, q3), np.cross(q1, q3), np.cross(q1, q2)
    d0 = q1 @ p1
    if abs(d0) < 1e-14:
        raise GaussError("the three lines of sight are coplanar")
    d = np.array([[big_r[i] @ p for p in (p1, p2, p3)] for i in range(3)])
    a_ = (-d[0, 1] * tau3 / tau + d[1, 1] + d[2, 1] * tau1 / tau) / d0
    b_ = (d[0, 1] * (tau3 ** 2 - tau ** 2) * tau3 / tau
          + d[2, 1] * (tau ** 2 - tau1 ** 2) * tau1 / tau) / (6.0 * d0)
    e_ = big_r[1] @ q2
    r2sq = big_r[1] @ big_r[1]
    a = -(a_ ** 2 + 2.0 * a_ * e_ + r2sq)
    b = -2.0 * mu * b_ * (a_ + e_)
    c = -(mu * b_) ** 2
    roots = np.roots([1.0, 0.0, a, 0.0, 0.0, b, 0.0, 0.0, c])
    real = roots[(np.abs(roots.imag) < 1e-6 * np.abs(roots)) & (roots.real > 0)].real
    if real.size == 0:
        raise GaussError("no positive real root of the eighth-order polynomial")
    x = real.max() if real.size > 1 else real[0]
    x3 = x ** 3
    rho1 = ((6.0 * (d[2, 0] * tau1 / tau3 + d[1, 0] * tau / tau3) * x3
             + mu * d[2, 0] * (tau ** 2 - tau1 ** 2) * tau1 / tau3)
            / (6.0 * x3 + mu * (tau ** 2 - tau3 ** 2)) - d[0, 0]) / d0
    rho2 = a_ + mu * b_ / x3
    rho3 = ((6.0 * (d[0, 2] * tau3 / tau1 - d[1, 2] * tau / tau1) * x3
             + mu * d[0, 2] * (tau ** 2 - tau3 ** 2) * tau3 / tau1)
            / (6.0 * x3 + mu * (tau ** 2 - tau1 ** 2)) - d[2, 2]) / d0
    r1, r2, r3 = big_r[0] + rho1 * q1, big_r[1] + rho2 * q2, big_r[2] + rho3 * q3
    f1 = 1.0 - 0.5 * mu * tau1 ** 2 / x3
    f3 = 1.0 - 0.5 * mu * tau3 ** 2 / x3
    g1 = tau1 - mu * tau1 ** 3 / (6.0 * x3)
    g3 = tau3 - mu * tau3 ** 3 / (6.0 * x3)
    v2 = (-f3 * r1 + f1 * r3) / (f1 * g3 - f3 * g1)
    if not improve:
        return r2, v2
    old = (rho1, rho2, rho3)
    for _ in range(max_iterations):
        rn, vn = np.linalg.norm(r2), np.linalg.norm(v2)
        alpha = 2.0 / rn - vn ** 2 / mu
        vr = v2 @ r2 / rn
        x1 = _universal_anomaly(tau1, rn, vr, alpha, mu)
        x3u = _universal_anomaly(tau3, rn, vr, alpha, mu)
        ff1, gg1 = _fg(x1, tau1, rn, alpha, mu)
        ff3, gg3 = _fg(x3u, tau3, rn, alpha, mu)
        f1, g1 = 0.5 * (f1 + ff1), 0.5 * (g1 + gg1)
        f3, g3 = 0.5 * (f3 + ff3), 0.5 * (g3 + gg3)
        den = f1 * g3 - f3 * g1
        c1, c3 = g3 / den, -g1 / den
        rho1 = (-d[0, 0] + d[1, 0] / c1 - d[2, 0] * c3 / c1) / d0
        rho2 = (-c1 * d[0, 1] + d[1, 1] - c3 * d[2, 1]) / d0
        rho3 = (-d[0, 2] * c1 / c3 + d[1, 2] / c3 - d[2, 2]) / d0
        r1, r2, r3 = big_r[0] + rho1 * q1, big_r[1] + rho2 * q2, big_r[2] + rho3 * q3
        v2 = (-f3 * r1 + f1 * r3) / den
        change = max(abs(rho1 - old[0]), abs(rho2 - old[1]), abs(rho3 - old[2]))
        old = (rho1, rho2, rho3)
        if change < tolerance:
            break
    return r2, v2


def circular_orbit(times_s, rho_hat, site_km, mu: float = WGS72_MU_KM3_S2):
    """Position and velocity at the middle observation of the circular orbit through the
    first and last lines of sight (the usual first guess for LEO debris, where short
    tracks leave Gauss's method ill-conditioned).

    The radius ``a`` is found by bisection so that the angle swept between the first and
    last positions (each on its line of sight at geocentric distance ``a``) equals
    ``sqrt(mu / a³)·Δt``.

    Raises
    ------
    GaussError
        When no radius between 6,400 and 50,000 km fits.
    """
    t = np.asarray(times_s, float)
    q = [np.asarray(v, float) for v in rho_hat]
    big_r = [np.asarray(v, float) for v in site_km]

    def position(k, a):
        b = big_r[k] @ q[k]
        disc = b * b - (big_r[k] @ big_r[k] - a * a)
        return big_r[k] + (-b + math.sqrt(max(disc, 0.0))) * q[k]

    def mismatch(a):
        r1, r3 = position(0, a), position(2, a)
        angle = math.acos(max(-1.0, min(1.0, r1 @ r3 / (a * a))))
        return angle - math.sqrt(mu / a ** 3) * (t[2] - t[0])

    grid = np.geomspace(6400.0, 50000.0, 400)
    values = np.array([mismatch(a) for a in grid])
    sign = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    if sign.size == 0:
        raise GaussError("no circular orbit fits the track")
    lo, hi = grid[sign[0]], grid[sign[0] + 1]
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if np.sign(mismatch(mid)) == np.sign(mismatch(lo)):
            lo = mid
        else:
            hi = mid
    a = 0.5 * (lo + hi)
    r1, r2, r3 = position(0, a), position(1, a), position(2, a)
    normal = np.cross(r1, r3)
    normal /= np.linalg.norm(normal)
    v2 = math.sqrt(mu / a) * np.cross(normal, r2 / np.linalg.norm(r2))
    return r2, v2
