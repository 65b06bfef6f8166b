"""Reducing observations to one convention, and predicting them: directions in ICRS axes.

Every observation becomes a unit vector from the station, in ICRS axes (GCRS, whose axes are
ICRS's), at its UTC time:

- RA/Dec of J2000 (IOD/UK/RDE epoch code 5, TDM EME2000/ICRF/GCRF) are taken as ICRS: the
  23 mas frame bias between the J2000 dynamical frame and ICRS is below any measurement here.
- RA/Dec of date (epoch code 0: true equator and equinox of the observation time) are turned
  by the IAU 2006/2000A precession-nutation matrix (Skyfield's); B1855 … B1950 (codes 1-4,
  star charts of the FK4 system) through astropy's FK4 frame, J2050 through FK5.
- Az/El are apparent (refracted) directions: the standard refraction (10 °C, 1010 hPa,
  :func:`debris.frames.refraction_deg`) is removed, then the direction is turned from the
  station's east-north-up frame to ITRS and GCRS.

Predictions use the same frame: the object's SGP4 (TEME) state turned to GCRS, minus the
station's GCRS position, with **light time** (the object is seen where it was ``|ρ|/c``
earlier: ``ρ − v·|ρ|/c``, tens of metres at LEO ranges). Star-referenced astrometry carries
no aberration relative to the stars (the stars are displaced alike), so none is applied.
"""

from __future__ import annotations

import numpy as np

from ..constants import ARCSEC_RAD
from ..frames import earth_orientation, enu_basis, refraction_deg, vector_norm
from ..timescale import Times, skyfield_time

__all__ = ["precess_to_icrs", "ObservationGeometry", "observation_geometry", "unit_vectors",
           "tangent_offsets", "LIGHT_KM_S", "EARTH_RATE_RAD_S"]

LIGHT_KM_S = 299792.458
EARTH_RATE_RAD_S = 7.292115146706979e-5


def unit_vectors(ra_deg, dec_deg) -> np.ndarray:
    """Unit vectors (..., 3) of RA/Dec in degrees."""
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    cd = np.cos(dec)
    return np.stack([cd * np.cos(ra), cd * np.sin(ra), np.sin(dec)], axis=-1)


def _radec(u) -> tuple[np.ndarray, np.ndarray]:
    ra = np.degrees(np.arctan2(u[..., 1], u[..., 0])) % 360.0
    dec = np.degrees(np.arcsin(np.clip(u[..., 2] / vector_norm(u), -1.0, 1.0)))
    return ra, dec


def precess_to_icrs(ra_deg, dec_deg, equinox, times: Times):
    """RA/Dec (deg) reported in `equinox` (per row: ``J2000``, ``of date``, ``B1855`` …
    ``B1950``, ``J2050``, or empty for no RA/Dec) turned to ICRS."""
    ra = np.array(ra_deg, dtype=float)
    dec = np.array(dec_deg, dtype=float)
    equinox = np.asarray(equinox)
    of_date = np.flatnonzero(equinox == "of date")
    if of_date.size:
        t = skyfield_time(times[of_date])
        npb = np.asarray(t.M)
        npb = np.moveaxis(npb, -1, 0) if npb.ndim == 3 else npb[None]
        u = unit_vectors(ra[of_date], dec[of_date])
        ra[of_date], dec[of_date] = _radec(np.einsum("nji,nj->ni", npb, u))
    for name in sorted(set(equinox.tolist()) - {"J2000", "of date", ""}):
        rows = np.flatnonzero(equinox == name)
        ra[rows], dec[rows] = _astropy_to_icrs(ra[rows], dec[rows], name, times[rows])
    return ra, dec


def _astropy_to_icrs(ra, dec, name, times):
    import astropy.units as u  # astropy (0.5 s to import): only for old star-chart epochs
    from astropy.coordinates import FK4, FK5, ICRS, SkyCoord  # (as above)
    from astropy.time import Time  # (as above)

    obstime = Time(times.jd, times.fr, format="jd", scale="utc")
    if name.startswith("B"):
        frame = FK4(equinox=Time(name, format="byear_str"), obstime=obstime)
    else:
        frame = FK5(equinox=Time(name, format="jyear_str"))
    coords = SkyCoord(ra * u.deg, dec * u.deg, frame=frame).transform_to(ICRS())
    return coords.ra.deg, coords.dec.deg


class ObservationGeometry:
    """Per observation: its ICRS direction, the station's GCRS position and velocity, and
    the TEME→GCRS rotation at its time.

    Attributes
    ----------
    times : Times, shape (N,)
    u_obs : ndarray, shape (N, 3)
        Observed unit vectors (NaN where the station of an az/el row is unknown).
    site_km, site_km_s : ndarray, shape (N, 3)
    teme_to_gcrs : ndarray, shape (N, 3, 3)
    """

    def __init__(self, times, u_obs, site_km, site_km_s, teme_to_gcrs):
        self.times = times
        self.u_obs = u_obs
        self.site_km = site_km
        self.site_km_s = site_km_s
        self.teme_to_gcrs = teme_to_gcrs

    def take(self, rows) -> "ObservationGeometry":
        return ObservationGeometry(self.times[rows], self.u_obs[rows], self.site_km[rows],
                                   self.site_km_s[rows], self.teme_to_gcrs[rows])

    def predict(self, r_teme_km, v_teme_km_s, light_time: bool = True):
        """Predicted unit vectors and their sky rates from TEME states at the N times.

        Parameters
        ----------
        r_teme_km, v_teme_km_s : ndarray, shape (..., N, 3)

        Returns
        -------
        u : ndarray, shape (..., N, 3)
            Directions, with light time unless `light_time` is False.
        w : ndarray, shape (..., N, 3)
            ``du/dt`` (rad/s, perpendicular to u).
        rng : ndarray, shape (..., N)
            Range (km).
        """
        m = self.teme_to_gcrs
        r = np.einsum("nij,...nj->...ni", m, r_teme_km)
        v = np.einsum("nij,...nj->...ni", m, v_teme_km_s)
        rho = r - self.site_km
        rng = vector_norm(rho)
        if light_time:
            rho = rho - v * (rng / LIGHT_KM_S)[..., None]
            rng = vector_norm(rho)
        u = rho / rng[..., None]
        rel = v - self.site_km_s
        w = (rel - np.einsum("...i,...i->...", rel, u)[..., None] * u) / rng[..., None]
        return u, w, rng


def observation_geometry(observations, stations) -> ObservationGeometry:
    """The geometry of every observation; az/el rows get their RA/Dec filled in place.

    Raises
    ------
    UnknownStationError
        Naming the station code and the file and line of the first observation using it.
    """
    n = len(observations)
    times = observations["time"]
    site_itrs = np.empty((n, 3))
    codes = observations["station"]
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        first = rows[0]
        where = f"{observations['file'][first]}:{observations['line'][first]}"
        site_itrs[rows] = stations.site(code, where).itrs_km
    eo = earth_orientation(times)
    itrs_to_gcrs = eo.itrs_to_gcrs
    site_km = np.einsum("nij,nj->ni", itrs_to_gcrs, site_itrs)
    site_km_s = np.cross([0.0, 0.0, EARTH_RATE_RAD_S], site_km)
    azel = np.flatnonzero(observations["angle_type"] == "azel")
    if azel.size:
        u = _azel_vectors(observations, azel, codes, stations, itrs_to_gcrs)
        observations.columns["ra_deg"][azel], observations.columns["dec_deg"][azel] = _radec(u)
    u_obs = unit_vectors(observations["ra_deg"], observations["dec_deg"])
    return ObservationGeometry(times, u_obs, site_km, site_km_s, eo.teme_to_gcrs)


def _azel_vectors(observations, rows, codes, stations, itrs_to_gcrs):
    az = np.radians(observations["az_deg"][rows])
    apparent = observations["el_deg"][rows]
    geometric = apparent - refraction_deg(apparent - refraction_deg(apparent))
    el = np.radians(geometric)
    enu = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=-1)
    out = np.empty((len(rows), 3))
    for k, row in enumerate(rows):
        site = stations.site(codes[row])
        itrs = enu[k] @ enu_basis(site.latitude_deg, site.longitude_deg)
        out[k] = itrs_to_gcrs[row] @ itrs
    return out


def tangent_offsets(u_obs, u_pred, w):
    """Offsets of observed from predicted directions in the sky, in arcseconds.

    Returns
    -------
    dict of ndarray, shape (...)
        ``ra_arcsec`` (ΔRA·cos Dec), ``dec_arcsec``, ``along_arcsec``, ``cross_arcsec``
        (along/across the predicted motion; cross-track positive to the left of the
        motion), ``along_s`` (along-track offset as a time: positive when the object is
        ahead of the prediction), ``separation_arcsec``.
    """
    cosine = np.einsum("...i,...i->...", u_obs, u_pred)
    d = u_obs / cosine[..., None] - u_pred  # gnomonic projection on the predicted tangent plane
    x, y, z = u_pred[..., 0], u_pred[..., 1], u_pred[..., 2]
    rxy = np.hypot(x, y)
    east = np.stack([-y / rxy, x / rxy, np.zeros_like(x)], axis=-1)
    north = np.stack([-z * x / rxy, -z * y / rxy, rxy], axis=-1)
    rate = vector_norm(w)
    along_dir = w / rate[..., None]
    cross_dir = np.cross(u_pred, along_dir)
    along = np.einsum("...i,...i->...", d, along_dir)
    return {
        "ra_arcsec": np.einsum("...i,...i->...", d, east) / ARCSEC_RAD,
        "dec_arcsec": np.einsum("...i,...i->...", d, north) / ARCSEC_RAD,
        "along_arcsec": along / ARCSEC_RAD,
        "cross_arcsec": np.einsum("...i,...i->...", d, cross_dir) / ARCSEC_RAD,
        "along_s": along / rate,
        "separation_arcsec": np.arccos(np.clip(cosine, -1.0, 1.0)) / ARCSEC_RAD,
    }
