"""The Sun: its position, the Earth's shadow, and the Sun's altitude at a site.

The Sun's geocentric position comes from JPL's DE421 ephemeris shipped
by skyfield-data (1900-2050), read offline; nothing is downloaded.
The shadow test is the one Skyfield's ``is_sunlit`` makes: an object is
sunlit unless the straight line from it towards the Sun's centre meets a
spherical Earth (radius 6378.1366 km) on the Sun's side - a
cylindrical-like umbra with the Sun as a point, penumbra ignored.
"""

from __future__ import annotations

import functools

import numpy as np

from .frames import EarthOrientation, earth_orientation, enu_basis, rotate, vector_norm
from .timescale import skyfield_data_file, skyfield_time, to_times

__all__ = ["sun_position_gcrs_km", "is_sunlit", "is_sunlit_fast", "sun_altitude_deg", "EARTH_SHADOW_RADIUS_KM",
           "ephemeris"]

#: Earth radius used for the shadow test (km), Skyfield's ERAD.
EARTH_SHADOW_RADIUS_KM = 6378.1366


@functools.lru_cache(maxsize=1)
def ephemeris():
    """Return the DE421 ephemeris from skyfield-data (loaded once)."""
    from skyfield.api import load_file

    return load_file(skyfield_data_file("de421.bsp"))


def sun_position_gcrs_km(times) -> np.ndarray:
    """Return the geometric geocentric position of the Sun in GCRS, shape (T, 3), km."""
    times = to_times(times)
    eph = ephemeris()
    t = skyfield_time(times)
    return np.asarray((eph["sun"] - eph["earth"]).at(t).position.km).T.reshape(len(times), 3)


def is_sunlit(r_km: np.ndarray, sun_km: np.ndarray,
              earth_radius_km: float = EARTH_SHADOW_RADIUS_KM) -> np.ndarray:
    """Return whether objects are outside the Earth's shadow.

    Parameters
    ----------
    r_km : ndarray, shape (N, T, 3) or (T, 3)
        Geocentric object positions.
    sun_km : ndarray, shape (T, 3)
        Geocentric Sun positions in the same frame.

    Returns
    -------
    ndarray of bool, shape (N, T) or (T,)
        False inside the shadow and for NaN positions.
    """
    to_sun = sun_km - r_km
    d = to_sun / vector_norm(to_sun)[..., None]
    b = np.einsum("...i,...i->...", r_km, d)
    c = np.einsum("...i,...i->...", r_km, r_km) - earth_radius_km ** 2
    disc = b * b - c
    with np.errstate(invalid="ignore"):
        far = -b + np.sqrt(disc)
    shadowed = (disc > 0) & (far > 0)
    return ~shadowed & np.isfinite(b)


def is_sunlit_fast(r_km: np.ndarray, sun_km: np.ndarray,
                   earth_radius_km: float = EARTH_SHADOW_RADIUS_KM) -> np.ndarray:
    """Cylindrical-shadow version of :func:`is_sunlit` (Sun direction from the geocentre).

    Cheaper; differs from the exact line-of-sight test only within about 0.3 km of the
    shadow edge (tens of milliseconds of a LEO orbit). Used to bracket transitions that
    the exact test then refines.
    """
    s_hat = sun_km / vector_norm(sun_km)[..., None]
    along = np.einsum("...i,...i->...", r_km, s_hat)
    perp2 = np.einsum("...i,...i->...", r_km, r_km) - along * along
    return ((along > 0) | (perp2 > earth_radius_km ** 2)) & np.isfinite(along)


def sun_altitude_deg(times, site, eo: EarthOrientation | None = None) -> np.ndarray:
    """Return the Sun's geometric altitude seen from a site, shape (T,), degrees.

    Parameters
    ----------
    times : Times or time-like, shape (T,)
    site : Site
    eo : EarthOrientation, optional
        Reused when already computed for the same times.
    """
    times = to_times(times)
    eo = eo if eo is not None else earth_orientation(times)
    sun_itrs = rotate(eo.gcrs_to_itrs, sun_position_gcrs_km(times))
    rho = sun_itrs - site.itrs_km
    up = rho @ enu_basis(site.latitude_deg, site.longitude_deg)[2]
    return np.degrees(np.arcsin(up / vector_norm(rho)))
