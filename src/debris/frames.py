"""Frames and topocentric geometry: one rotation per time, applied to all objects.

TEME (SGP4's frame) is turned into Earth-fixed ITRS by the GMST 1982
angle of AIAA 2006-6753 (Vallado et al. 2006), Appendix C, computed
from UT1, and optionally by polar motion (IERS ``finals2000A.all``):

    r_PEF  = R3(θ_GMST82) r_TEME
    r_ITRS = W^T r_PEF,  W = R2(xp) R1(yp)   (IERS Conventions 2010, s' neglected)

GCRS follows from the IAU 2006/2000A bias-precession-nutation matrix
``NPB`` and Greenwich apparent sidereal time, taken from Skyfield:

    r_GCRS = NPB^T R3(-GAST) r_PEF

which is the chain Skyfield itself uses for ``EarthSatellite``, so that
azimuth, elevation, range and RA/Dec agree with Skyfield to far below
an arcsecond when both use the same Earth orientation.

This module is also the one home of every geometric quantity debris reports, each a
broadcasting function of vectors (last axis xyz): azimuth and elevation of site-relative
east-north-up vectors, RA/Dec, angular rate, phase angle, the RTN frame of an orbit.
Passes, crossings, schedules, screening and observability all call these.

All matrices here have shape (T, 3, 3) and act on column vectors;
states have shape (N, T, 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import ARCSEC_RAD, DAY_S
from .timescale import Times, skyfield_time, to_times

__all__ = [
    "EarthOrientation",
    "earth_orientation",
    "gmst82",
    "rotate",
    "vector_norm",
    "Topocentric",
    "topocentric",
    "teme_to_itrs",
    "teme_to_gcrs",
    "turn_to_earth_fixed",
    "refraction_deg",
    "enu_basis",
    "azimuth_deg",
    "elevation_deg",
    "radec_deg",
    "angular_rate_rad_s",
    "phase_angle_rad",
    "angle_between_rad",
    "rtn_basis",
]


def gmst82(jd_ut1, fr_ut1) -> tuple[np.ndarray, np.ndarray]:
    """Return the GMST 1982 angle and its rate (AIAA 2006-6753, eq. C-5).

    Parameters
    ----------
    jd_ut1, fr_ut1 : array_like, shape (T,)
        UT1 as two-float Julian date.

    Returns
    -------
    theta_rad : ndarray, shape (T,)
        Angle in [0, 2π).
    theta_dot_rad_s : ndarray, shape (T,)
        Its time derivative (rad/s).
    """
    jd_ut1 = np.asarray(jd_ut1, dtype=float)
    fr_ut1 = np.asarray(fr_ut1, dtype=float)
    t = (jd_ut1 - 2451545.0 + fr_ut1) / 36525.0
    # seconds of time, less the whole-day rotations (876600 h * 3600 s/h * t)
    g = 67310.54841 + (8640184.812866 + (0.093104 - 6.2e-6 * t) * t) * t
    dg = 8640184.812866 + (0.093104 * 2.0 - 6.2e-6 * 3.0 * t) * t
    turns = (jd_ut1 % 1.0 + fr_ut1 + (g / DAY_S) % 1.0) % 1.0
    theta = turns * 2.0 * np.pi
    theta_dot = (1.0 + dg / (DAY_S * 36525.0)) * 2.0 * np.pi / DAY_S
    return theta, theta_dot


def _r3(angle) -> np.ndarray:
    """Rotation of axes about z by `angle` (rad), shape (T, 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros(np.shape(angle) + (3, 3))
    m[..., 0, 0] = c
    m[..., 0, 1] = s
    m[..., 1, 0] = -s
    m[..., 1, 1] = c
    m[..., 2, 2] = 1.0
    return m


def _polar_motion_transpose(xp_rad, yp_rad) -> np.ndarray:
    """W^T = R1(-yp) R2(-xp): PEF (TIRS) -> ITRS, shape (T, 3, 3)."""
    cx, sx = np.cos(xp_rad), np.sin(xp_rad)
    cy, sy = np.cos(yp_rad), np.sin(yp_rad)
    m = np.empty(np.shape(xp_rad) + (3, 3))
    # R2(-xp) = [[cx,0,sx],[0,1,0],[-sx,0,cx]], R1(-yp) = [[1,0,0],[0,cy,-sy],[0,sy,cy]]
    m[..., 0, 0] = cx
    m[..., 0, 1] = 0.0
    m[..., 0, 2] = sx
    m[..., 1, 0] = sy * sx
    m[..., 1, 1] = cy
    m[..., 1, 2] = -sy * cx
    m[..., 2, 0] = -cy * sx
    m[..., 2, 1] = sy
    m[..., 2, 2] = cy * cx
    return m


@dataclass
class EarthOrientation:
    """Per-time rotations, computed once and applied to every object.

    Attributes
    ----------
    times : Times, shape (T,)
    teme_to_pef : ndarray, shape (T, 3, 3)
        R3(θ_GMST82): TEME to the pseudo-Earth-fixed frame.
    pef_to_itrs : ndarray, shape (T, 3, 3), or None
        Polar motion W^T; None when polar motion is off (PEF = ITRS).
    itrs_to_gcrs : ndarray, shape (T, 3, 3)
    teme_to_gcrs : ndarray, shape (T, 3, 3)
    omega_rad_s : ndarray, shape (T,)
        Earth rotation rate (GMST 1982 rate) used for Earth-fixed velocities.
    gast_rad : ndarray, shape (T,)
        Greenwich apparent sidereal time.
    npb : ndarray, shape (T, 3, 3)
        Bias-precession-nutation matrix (GCRS to true equator and equinox of date).
    """

    times: Times
    teme_to_pef: np.ndarray
    pef_to_itrs: np.ndarray | None
    itrs_to_gcrs: np.ndarray
    teme_to_gcrs: np.ndarray
    omega_rad_s: np.ndarray
    gast_rad: np.ndarray
    npb: np.ndarray

    @property
    def polar_motion(self) -> bool:
        return self.pef_to_itrs is not None

    @property
    def teme_to_itrs(self) -> np.ndarray:
        """Shape (T, 3, 3)."""
        if self.pef_to_itrs is None:
            return self.teme_to_pef
        return self.pef_to_itrs @ self.teme_to_pef

    def itrs_to_gcrs_at(self, seconds) -> np.ndarray:
        """Interpolate the ITRS->GCRS rotation (polar motion off) at any times in the span.

        GAST is interpolated linearly (it is linear to micro-arcseconds over a step) and
        the slowly varying precession-nutation matrix element-wise.

        Parameters
        ----------
        seconds : ndarray, shape (M,)
            Seconds since ``times[0]``, within the span of ``times``.

        Returns
        -------
        ndarray, shape (M, 3, 3)
        """
        grid = self.times.seconds_since(self.times)
        seconds = np.asarray(seconds, dtype=float)
        gast = np.interp(seconds, grid, np.unwrap(self.gast_rad))
        k = np.clip(np.searchsorted(grid, seconds, side="right") - 1, 0, max(len(grid) - 2, 0))
        if len(grid) > 1:
            w = ((seconds - grid[k]) / (grid[k + 1] - grid[k]))[:, None, None]
            npb = self.npb[k] * (1.0 - w) + self.npb[k + 1] * w
        else:
            npb = np.broadcast_to(self.npb[0], (len(seconds), 3, 3))
        return np.swapaxes(npb, -1, -2) @ _r3(-gast)

    @property
    def gcrs_to_itrs(self) -> np.ndarray:
        """Shape (T, 3, 3)."""
        return np.swapaxes(self.itrs_to_gcrs, -1, -2)

    @property
    def gcrs_to_teme(self) -> np.ndarray:
        """Shape (T, 3, 3)."""
        return np.swapaxes(self.teme_to_gcrs, -1, -2)


#: Times per piece of :func:`earth_orientation`: Skyfield's nutation series holds arrays of
#: (678 terms, T) while it runs, about 18 KB per time, so many times (a whole observation
#: file) are computed in pieces of this many (~20 MB at a time), with the same results.
_ORIENTATION_CHUNK = 1024


def earth_orientation(times, polar_motion: bool = False) -> EarthOrientation:
    """Compute the per-time frame rotations for `times`.

    Parameters
    ----------
    times : Times or time-like, shape (T,)
    polar_motion : bool
        Apply IERS polar motion (from skyfield-data's ``finals2000A.all``).

    Returns
    -------
    EarthOrientation
    """
    times = to_times(times)
    if len(times) > _ORIENTATION_CHUNK:  # bounded memory (see _ORIENTATION_CHUNK)
        parts = [earth_orientation(times[k:k + _ORIENTATION_CHUNK], polar_motion)
                 for k in range(0, len(times), _ORIENTATION_CHUNK)]
        return EarthOrientation(
            times, *(None if getattr(parts[0], name) is None
                     else np.concatenate([getattr(p, name) for p in parts])
                     for name in ("teme_to_pef", "pef_to_itrs", "itrs_to_gcrs", "teme_to_gcrs",
                                  "omega_rad_s", "gast_rad", "npb")))
    t = skyfield_time(times, polar_motion=polar_motion)
    theta, theta_dot = gmst82(t.whole, t.ut1_fraction)
    gast = np.asarray(t.gast) / 24.0 * 2.0 * np.pi
    npb = np.moveaxis(np.asarray(t.M), -1, 0) if np.ndim(t.M) == 3 else np.asarray(t.M)[None]
    teme_pef = _r3(theta)
    pef_to_gcrs = np.swapaxes(npb, -1, -2) @ _r3(-gast)
    wt = None
    itrs_gcrs = pef_to_gcrs
    if polar_motion:
        _, xp, yp = t.polar_motion_angles()
        wt = _polar_motion_transpose(np.asarray(xp) * ARCSEC_RAD,
                                     np.asarray(yp) * ARCSEC_RAD)
        itrs_gcrs = pef_to_gcrs @ np.swapaxes(wt, -1, -2)
    return EarthOrientation(times, teme_pef, wt, itrs_gcrs, pef_to_gcrs @ teme_pef,
                            np.broadcast_to(theta_dot, theta.shape).copy(), gast, npb)


def vector_norm(vectors: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis (several times faster than ``np.linalg.norm``)."""
    return np.sqrt(np.einsum("...i,...i->...", vectors, vectors))


def rotate(matrices: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Apply one rotation per time to vectors of all objects.

    Parameters
    ----------
    matrices : ndarray, shape (T, 3, 3)
    vectors : ndarray, shape (N, T, 3) or (T, 3)

    Returns
    -------
    ndarray
        Same shape as `vectors`.
    """
    m = matrices
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    out = np.empty(np.broadcast_shapes(vectors.shape, m.shape[:-2] + (3,)))
    for i in range(3):
        out[..., i] = m[:, i, 0] * x + m[:, i, 1] * y + m[:, i, 2] * z
    return out


def turn_to_earth_fixed(r, v, cos_theta, sin_theta, omega_rad_s):
    """Turn TEME states to the pseudo-Earth-fixed frame by the GMST angle, with the Earth's
    rotation in the velocity (``v_PEF = R3(theta) v - omega x r_PEF``).

    Parameters
    ----------
    r, v : ndarray, shape (..., 3)
        TEME position (km) and velocity (km/s).
    cos_theta, sin_theta, omega_rad_s : ndarray, broadcasting against ``r[..., 0]``
        The GMST angle's cosine and sine, and the Earth's rotation rate (rad/s).

    Returns
    -------
    r_pef, v_pef : ndarray, shape of `r` broadcast with the angles
    """
    c, s, w = cos_theta, sin_theta, omega_rad_s
    shape = np.broadcast_shapes(np.shape(r), np.shape(c) + (1,))
    r_pef = np.empty(shape)
    v_pef = np.empty(shape)
    r_pef[..., 0] = c * r[..., 0] + s * r[..., 1]
    r_pef[..., 1] = c * r[..., 1] - s * r[..., 0]
    r_pef[..., 2] = r[..., 2]
    v_pef[..., 0] = c * v[..., 0] + s * v[..., 1] + w * r_pef[..., 1]
    v_pef[..., 1] = c * v[..., 1] - s * v[..., 0] - w * r_pef[..., 0]
    v_pef[..., 2] = v[..., 2]
    return r_pef, v_pef


def teme_to_itrs(r_teme_km, v_teme_km_s, eo: EarthOrientation):
    """Rotate TEME states to ITRS (Earth-fixed), including the Earth-rotation term.

    Parameters
    ----------
    r_teme_km, v_teme_km_s : ndarray, shape (N, T, 3) or (T, 3)
    eo : EarthOrientation for the same T times

    Returns
    -------
    r_itrs_km, v_itrs_km_s : ndarray, same shape
    """
    r_pef, v_pef = turn_to_earth_fixed(r_teme_km, v_teme_km_s, eo.teme_to_pef[:, 0, 0],
                                       eo.teme_to_pef[:, 0, 1], eo.omega_rad_s)
    if eo.pef_to_itrs is None:
        return r_pef, v_pef
    return rotate(eo.pef_to_itrs, r_pef), rotate(eo.pef_to_itrs, v_pef)


def teme_to_gcrs(r_teme_km, v_teme_km_s, eo: EarthOrientation):
    """Rotate TEME states to GCRS (axes of ICRS, origin at the geocentre).

    Velocities are rotated without the tiny rate of the TEME->GCRS
    rotation itself (as Skyfield does).
    """
    return rotate(eo.teme_to_gcrs, r_teme_km), rotate(eo.teme_to_gcrs, v_teme_km_s)


def refraction_deg(elevation_deg, temperature_c: float = 10.0, pressure_mbar: float = 1010.0):
    """Return atmospheric refraction (deg) to add to a geometric elevation.

    Bennett (1982) as adapted by Saemundsson, scaled for temperature and
    pressure; zero below -1°.
    """
    h = np.asarray(elevation_deg, dtype=float)
    r = 1.02 / np.tan(np.radians(h + 10.3 / (h + 5.11)))  # arcminutes
    r *= (pressure_mbar / 1010.0) * (283.0 / (273.0 + temperature_c))
    return np.where(h >= -1.0, r / 60.0, 0.0)


def enu_basis(latitude_deg: float, longitude_deg: float) -> np.ndarray:
    """Return rows east, north, up in ITRS for a geodetic point, shape (3, 3)."""
    lat, lon = np.radians(latitude_deg), np.radians(longitude_deg)
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    return np.array([[-so, co, 0.0],
                     [-sl * co, -sl * so, cl],
                     [cl * co, cl * so, sl]])


def azimuth_deg(enu) -> np.ndarray:
    """Azimuth (deg, from north through east, [0, 360)) of east-north-up vectors (..., 3)."""
    return np.degrees(np.arctan2(enu[..., 0], enu[..., 1])) % 360.0


def elevation_deg(enu) -> np.ndarray:
    """Geometric elevation (deg) of east-north-up vectors (..., 3)."""
    return np.degrees(np.arctan2(enu[..., 2], np.hypot(enu[..., 0], enu[..., 1])))


def radec_deg(vectors, range_km=None):
    """Right ascension ([0, 360)) and declination (deg) of vectors (..., 3) in ICRS axes.

    `range_km` (...,), their lengths, is computed when not given.
    """
    rng = vector_norm(vectors) if range_km is None else range_km
    ra = np.degrees(np.arctan2(vectors[..., 1], vectors[..., 0])) % 360.0
    dec = np.degrees(np.arcsin(np.clip(vectors[..., 2] / rng, -1.0, 1.0)))
    return ra, dec


def angular_rate_rad_s(rho, rho_dot) -> np.ndarray:
    """Angular rate (rad/s) of the direction of `rho` (..., 3) moving at `rho_dot` (..., 3):
    ``|rho x rho_dot| / |rho|^2`` (Earth-fixed vectors give the rate a mount tracks)."""
    return vector_norm(np.cross(rho, rho_dot)) / np.einsum("...i,...i->...", rho, rho)


def angle_between_rad(a, b) -> np.ndarray:
    """Angle (rad, [0, pi]) between vectors (..., 3)."""
    cosine = np.einsum("...i,...i->...", a, b) / (vector_norm(a) * vector_norm(b))
    return np.arccos(np.clip(cosine, -1.0, 1.0))


def phase_angle_rad(to_observer, to_sun) -> np.ndarray:
    """Sun-object-observer angle (rad) from the object's vectors (..., 3) towards the
    observer and towards the Sun; 0 is a fully lit face."""
    return angle_between_rad(to_observer, to_sun)


def rtn_basis(r, v) -> np.ndarray:
    """Radial / transverse (in-track) / normal unit vectors of orbit states, as rows.

    Parameters
    ----------
    r, v : array_like, shape (..., 3)
        Position and velocity in an inertial frame.

    Returns
    -------
    ndarray, shape (..., 3, 3)
        Rows R, T, N: ``basis @ x`` gives x's RTN components.
    """
    r = np.asarray(r, float)
    radial = r / vector_norm(r)[..., None]
    normal = np.cross(r, np.asarray(v, float))
    normal = normal / vector_norm(normal)[..., None]
    return np.stack([radial, np.cross(normal, radial), normal], axis=-2)


@dataclass
class Topocentric:
    """Where N objects appear from one site at T times.

    Attributes
    ----------
    azimuth_deg : ndarray, shape (N, T)
        From north through east, [0, 360).
    elevation_deg : ndarray, shape (N, T)
        Geometric unless refraction was asked for.
    range_km : ndarray, shape (N, T)
    range_rate_km_s : ndarray, shape (N, T)
        Positive when receding.
    ra_deg, dec_deg : ndarray, shape (N, T) or None
        Topocentric direction in ICRS axes (GCRS), the same quantity as
        Skyfield's ``(sat - site).at(t).radec()``.
    """

    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    range_km: np.ndarray
    range_rate_km_s: np.ndarray
    ra_deg: np.ndarray | None = None
    dec_deg: np.ndarray | None = None


def topocentric(r_teme_km, v_teme_km_s, eo: EarthOrientation, site, *, radec: bool = True,
                refraction: bool = False) -> Topocentric:
    """Compute azimuth, elevation, range, range rate and RA/Dec from a site.

    Parameters
    ----------
    r_teme_km, v_teme_km_s : ndarray, shape (N, T, 3)
    eo : EarthOrientation, T times
    site : Site
        Needs ``itrs_km`` (3,), ``latitude_deg``, ``longitude_deg``.
    radec : bool
        Also compute RA/Dec (ICRS axes).
    refraction : bool
        Add standard atmospheric refraction to the elevation.

    Returns
    -------
    Topocentric
        Arrays of shape (N, T).
    """
    r_itrs, v_itrs = teme_to_itrs(r_teme_km, v_teme_km_s, eo)
    rho = r_itrs - np.asarray(site.itrs_km)
    enu = rho @ enu_basis(site.latitude_deg, site.longitude_deg).T
    rng = vector_norm(rho)
    el = elevation_deg(enu)
    if refraction:
        el = el + refraction_deg(el)
    rr = np.einsum("...i,...i->...", rho, v_itrs) / rng
    ra = dec = None
    if radec:
        ra, dec = radec_deg(rotate(eo.itrs_to_gcrs, rho), rng)
    return Topocentric(azimuth_deg(enu), el, rng, rr, ra, dec)
