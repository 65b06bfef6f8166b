"""The Sun (and the Moon): positions, the Earth's shadow, the Sun's altitude, the night.

The Sun's and Moon's geocentric positions come from JPL's DE421 ephemeris shipped
by skyfield-data (1900-2050), read offline; nothing is downloaded.
The shadow test is the one Skyfield's ``is_sunlit`` makes: an object is
sunlit unless the straight line from it towards the Sun's centre meets a
spherical Earth (radius 6378.1366 km) on the Sun's side - a
cylindrical-like umbra with the Sun as a point, penumbra ignored.
:func:`night_window` is the dark window at a site: a question about the Sun.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from .constants import EARTH_SHADOW_RADIUS_KM
from .errors import InputError
from .frames import (EarthOrientation, earth_orientation, elevation_deg, enu_basis, rotate,
                     vector_norm)
from .search import bisect
from .timescale import Times, skyfield_data_file, skyfield_time, time_range, to_times

__all__ = ["sun_position_gcrs_km", "moon_position_gcrs_km", "is_sunlit", "is_sunlit_fast",
           "sun_altitude_deg", "site_elevation_deg", "night_window", "ephemeris",
           "EARTH_SHADOW_RADIUS_KM", "moon_tonight", "coming_night", "night_date"]


@functools.lru_cache(maxsize=1)
def ephemeris():
    """Return the DE421 ephemeris from skyfield-data (loaded once)."""
    from skyfield.api import load_file  # skyfield loads in 0.15 s: only when first needed

    return load_file(skyfield_data_file("de421.bsp"))


def _geocentric_km(body: str, times) -> np.ndarray:
    times = to_times(times)
    eph = ephemeris()
    t = skyfield_time(times)
    return np.asarray((eph[body] - eph["earth"]).at(t).position.km).T.reshape(len(times), 3)


def sun_position_gcrs_km(times) -> np.ndarray:
    """Return the geometric geocentric position of the Sun in GCRS, shape (T, 3), km."""
    return _geocentric_km("sun", times)


def moon_position_gcrs_km(times) -> np.ndarray:
    """Return the geometric geocentric position of the Moon in GCRS, shape (T, 3), km."""
    return _geocentric_km("moon", times)


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
    return site_elevation_deg(sun_itrs, site)


def site_elevation_deg(r_itrs_km, site) -> np.ndarray:
    """Geometric elevation (deg) at a site of Earth-fixed positions (..., 3)."""
    return elevation_deg((r_itrs_km - site.itrs_km)
                         @ enu_basis(site.latitude_deg, site.longitude_deg).T)


#: Bisections of a 300 s step for twilight times: 300 s / 2^20 < 1 ms.
_NIGHT_BISECTIONS = 20


def night_window(site, date, sun_altitude_deg_limit: float = -12.0) -> tuple[Times, Times]:
    """Return the night that begins on the local evening of `date` at a site.

    The night runs from the moment the Sun's centre sinks below
    `sun_altitude_deg_limit` until it rises above it again. "Local" is
    local mean solar time from the site's longitude.

    Parameters
    ----------
    site : Site
    date : str or datetime.date
        ``YYYY-MM-DD``.
    sun_altitude_deg_limit : float
        Twilight limit (deg): -6 civil, -12 nautical, -18 astronomical.

    Returns
    -------
    start, end : Times
        Each of shape (1,).

    Raises
    ------
    InputError
        When `date` is not a date, or the Sun does not reach the limit that night (polar
        summer).
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise InputError(f"night {date!r}: expected a date YYYY-MM-DD") from None
    noon_utc_h = 12.0 - site.longitude_deg / 15.0
    t0 = to_times(np.datetime64(date.isoformat()) + np.timedelta64(int(noon_utc_h * 3600), "s"))
    grid = time_range(t0, hours=24.0, step_s=300.0)
    below = sun_altitude_deg(grid, site) - sun_altitude_deg_limit < 0
    if not below.any():
        raise InputError(f"the Sun stays above {sun_altitude_deg_limit} deg at {site.name} "
                         f"during the night of {date}; no dark window")
    first = int(np.argmax(below))
    after = np.flatnonzero(~below[first:])
    last = first + int(after[0]) if after.size else None
    start = grid[first] if first == 0 else _twilight(site, grid[first - 1], grid[first],
                                                     sun_altitude_deg_limit)
    end = grid[-1] if last is None else _twilight(site, grid[last - 1], grid[last],
                                                    sun_altitude_deg_limit)
    return start, end


def coming_night(site, sun_altitude_deg_limit: float = -12.0, now=None) -> str:
    """The date (``YYYY-MM-DD``, its local evening) of the night under way at `site`, or of
    the next one when tonight's dark window has ended (a daytime run plans the evening
    ahead, never the night that ended this morning).

    Parameters
    ----------
    site : Site
    sun_altitude_deg_limit : float
    now : datetime, optional
        Timezone-aware; default the current time.
    """
    now = now or _utc_now()
    local = now.astimezone(dt.timezone.utc) + dt.timedelta(hours=site.longitude_deg / 15.0)
    day = (local - dt.timedelta(hours=12)).date()
    _, end = night_window(site, day.isoformat(), sun_altitude_deg_limit)
    if float(end.seconds_since(to_times(now))[0]) < 0:
        day += dt.timedelta(days=1)
    return day.isoformat()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def night_date(site, text: str, sun_altitude_deg_limit: float = -12.0, now=None) -> str:
    """``YYYY-MM-DD`` as given, or the :func:`coming_night` for ``tonight``."""
    if text.strip().lower() == "tonight":
        return coming_night(site, sun_altitude_deg_limit, now)
    return text


def _twilight(site, a: Times, b: Times, limit: float) -> Times:
    """The moment between `a` and `b` when the Sun crosses `limit`."""
    def below(seconds):
        return sun_altitude_deg(a.shift_seconds(seconds), site) - limit < 0

    s = bisect(below, np.zeros(1), b.seconds_since(a), below(np.zeros(1)), _NIGHT_BISECTIONS)
    return a.shift_seconds(s)


def moon_tonight(site, start, end, step_s: float = 300.0) -> dict:
    """The Moon over a site during a window: what an observer plans around.

    Returns
    -------
    dict
        ``illuminated_fraction`` (0..1, at the window's middle), ``max_altitude_deg``,
        ``up`` (list of Times of (start, end) while the Moon's centre is above the
        horizon, at `step_s` resolution), ``altitude_deg`` (T,) and ``times`` (T,).
    """
    times = time_range(start, end, step_s=step_s)
    eo = earth_orientation(times)
    moon = moon_position_gcrs_km(times)
    altitude = site_elevation_deg(rotate(eo.gcrs_to_itrs, moon), site)
    middle = len(times) // 2
    sun = sun_position_gcrs_km(times[middle:middle + 1])[0]
    to_sun, to_earth = sun - moon[middle], -moon[middle]
    cos_i = to_sun @ to_earth / (np.linalg.norm(to_sun) * np.linalg.norm(to_earth))
    up = altitude > 0
    edges = np.flatnonzero(np.diff(up.astype(int))) + 1
    runs = np.split(np.arange(len(times)), edges)
    intervals = [times[np.array([r[0], r[-1]])] for r in runs if r.size and up[r[0]]]
    return {"illuminated_fraction": float((1.0 + cos_i) / 2.0),
            "max_altitude_deg": float(altitude.max()), "up": intervals,
            "altitude_deg": altitude, "times": times}
