"""The coarse grid of a window and the Earth-fixed track of catalogue objects on it.

Shared by the pass search and the crossings search:

- :func:`coarse_grid`: evenly spaced times, Earth orientation and the Sun for a window;
- :class:`Track`: SGP4 states (TEME) of a chunk of objects on the grid, turned to ITRS only
  where used, with cubic Hermite interpolation between samples;
- :func:`candidate_segments`: the grid intervals on which an object may be above an
  elevation limit at a site (a geometric bound, independent of the step);
- :func:`track_and_candidates`: propagation and that test together - fused in one compiled
  kernel that propagates only where a pass can be when numba runs both the propagation and
  the pass kernels (:mod:`debris.passes.kernels`), array code on the whole grid otherwise.
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..constants import DAY_S
from ..errors import InputError
from ..frames import earth_orientation, rotate, turn_to_earth_fixed, vector_norm
from ..hermite import hermite_position, hermite_velocity
from ..propagation import get_backend, propagate
from ..sun import sun_position_gcrs_km
from ..timescale import Times, to_times

__all__ = ["BISECTIONS", "Track", "candidate_segments", "coarse_grid", "compiled_kernels",
           "site_direction_teme", "track_and_candidates"]

#: Bisections on a grid interval: 180 s / 2^14 = 11 ms. Enough to find events, which exact
#: SGP4 then times (rise/set: Newton; culmination: an exact bracket of +-1 s); shadow and
#: twilight boundaries keep this resolution.
BISECTIONS = 14


def compiled_kernels():
    """The compiled pass kernels (:mod:`debris.passes.kernels`) when
    :func:`debris.backends.pass_kernels` chooses numba, else None."""
    if backends.pass_kernels() != "numba":
        return None
    from . import kernels  # imports numba (0.3-0.6 s): only when the compiled path runs

    return kernels


def candidate_segments(track, site, min_elevation_deg, radius=None, rate=None):
    """Segments (object, interval) on which an object may be above the limit at a site.

    Geometry on a sphere through the site: an object at geocentric distance r is above
    elevation e only within the central angle ``arccos(R cos e / r) - e`` of the site.
    Within a segment an object moves from the nearer end by at most its Earth-fixed angular
    rate times half the step. Margins: 0.5 deg for the geodetic vs geocentric vertical and
    the ellipsoid, 10 % on the rate, 1 % on the radius.
    """
    if radius is None:
        radius, rate = track.radius_and_rate()
    site_r = vector_norm(site.itrs_km)
    toward = np.einsum("nti,ti->nt", track.r, site_direction_teme(track.eo, site))
    central = np.arccos(np.clip(toward / radius, -1.0, 1.0))
    el = np.radians(min_elevation_deg)
    r_max = np.maximum(radius[:, :-1], radius[:, 1:]) * 1.01
    theta_max = np.arccos(np.clip(site_r * np.cos(el) / r_max, -1.0, 1.0)) - el
    reach = (np.minimum(central[:, :-1], central[:, 1:])
             - 0.55 * track.step * np.maximum(rate[:, :-1], rate[:, 1:]))
    return np.nonzero(reach <= theta_max + np.radians(0.5))


class Track:
    """Hermite interpolation of Earth-fixed states of a chunk of objects on the grid.

    States are kept as SGP4 gives them (TEME); only the samples that are used are turned
    to Earth-fixed ITRS (GMST 1982 rotation and the Earth-rotation velocity term, polar
    motion off), which saves rotating the whole (n, T, 3) arrays.

    Parameters
    ----------
    r, v : ndarray, shape (n, T, 3)
        TEME positions (km) and velocities (km/s) at the grid times.
    step : float
        Grid step (s).
    sun_itrs : ndarray, shape (T, 3)
        Geocentric Sun position in ITRS (km) at the grid times; interpolated linearly
        (its direction is what matters, and that is exact to ~1e-6 rad over a step).
    eo : EarthOrientation
        For the grid times (polar motion off).
    """

    def __init__(self, r, v, step, sun_itrs, eo):
        self.r, self.v, self.step, self.sun_itrs, self.eo = r, v, step, sun_itrs, eo
        self.last = r.shape[1] - 2
        self.n_objects, self.n_times = r.shape[:2]
        #: cos and sin of the GMST angle and the Earth's rotation rate, each (T,)
        self.cos_gmst = np.ascontiguousarray(eo.teme_to_pef[:, 0, 0])
        self.sin_gmst = np.ascontiguousarray(eo.teme_to_pef[:, 0, 1])
        self.omega = np.ascontiguousarray(eo.omega_rad_s, dtype=float)
        #: the compiled kernels module, or None for array code
        self.kernels = compiled_kernels()
        self._theta = np.unwrap(np.arctan2(self.sin_gmst, self.cos_gmst))
        self._r_rows = r.reshape(-1, 3)  # views: (n * T, 3)
        self._v_rows = v.reshape(-1, 3)

    def to_itrs(self, r, v, t):
        """TEME states (M, 3) at seconds `t` (M,) to ITRS, GMST interpolated (linear to
        ~1e-12 rad over a step)."""
        grid = np.arange(self.n_times) * self.step
        theta = np.interp(t, grid, self._theta)
        return turn_to_earth_fixed(r, v, np.cos(theta), np.sin(theta),
                                   np.interp(t, grid, self.omega))

    def itrs(self, obj, k):
        """ITRS position and velocity of objects `obj` at grid indices `k`, each (M, 3)."""
        if self.kernels is not None:
            return self.kernels.samples(self, obj, k)
        flat = np.asarray(obj) * self.n_times + np.asarray(k)  # one gather on rows: faster
        return turn_to_earth_fixed(np.take(self._r_rows, flat, axis=0),
                                   np.take(self._v_rows, flat, axis=0),
                                   self.cos_gmst[k], self.sin_gmst[k], self.omega[k])

    def ends(self, obj, seg):
        """ITRS end states (p0, v0, p1, v1) of segments (obj, seg), each (M, 3)."""
        return self.itrs(obj, seg) + self.itrs(obj, seg + 1)

    def locate(self, t):
        """Grid interval and local time in [0, 1] of seconds `t`."""
        seg = np.clip(np.floor(t / self.step).astype(np.intp), 0, self.last)
        return seg, t / self.step - seg

    def state(self, obj, t):
        """Position and velocity of objects `obj` at seconds `t`, each shape (M, 3)."""
        if self.kernels is not None:
            return self.kernels.track_states(self, obj, t)
        seg, s = self.locate(np.asarray(t, dtype=float))
        ends = self.ends(obj, seg)
        return (hermite_position(*ends, self.step, s), hermite_velocity(*ends, self.step, s))

    def sun(self, t):
        """The Sun in ITRS (km) at seconds `t`, interpolated linearly, shape (M, 3)."""
        seg, s = self.locate(np.asarray(t, dtype=float))
        s = s[..., None]
        return self.sun_itrs[seg] * (1.0 - s) + self.sun_itrs[seg + 1] * s

    def radius_and_rate(self):
        """Geocentric distance (km) and an upper bound of the Earth-fixed angular rate
        (rad/s), each (n, T): |v_ITRS| <= |v_TEME| + omega |r|."""
        radius = vector_norm(self.r)
        return radius, vector_norm(self.v) / radius + self.omega


def track_and_candidates(chunk, grid, step, sun_itrs, eo, sites, min_elevation_deg, backend,
                         buffers=None):
    """Propagate a chunk on the grid and list, per site, the candidate (object, interval)
    pairs: where the object may be above the limit.

    With the numba propagation backend and compiled pass kernels, propagation and the site
    test run fused in one kernel that only propagates the grid samples near candidate
    intervals (:func:`debris.passes.kernels.pass_candidates`); otherwise the whole grid is
    propagated and tested with array code. `buffers` (a dict) keeps the compiled path's
    arrays from one chunk to the next.

    Returns
    -------
    track : Track
    error : ndarray of int8, shape (n, T)
    candidates : list of (obj, seg) arrays, one pair per site
    """
    engine = get_backend(backend)
    kernels = compiled_kernels()
    if kernels is None or not backends.backend_spec(engine).coefficients:
        states = propagate(chunk, grid, backend=engine)
        track = Track(states.r_teme_km, states.v_teme_km_s, step, sun_itrs, eo)
        radius, rate = track.radius_and_rate()
        return track, states.error, [
            candidate_segments(track, site, min_elevation_deg, radius, rate) for site in sites]
    table, near_idx = engine.prepared(chunk.satrecs)[:2]
    far_idx = np.setdiff1d(np.arange(len(chunk)), near_idx)
    site_dir = np.stack([site_direction_teme(eo, site) for site in sites], axis=1)
    site_r = np.array([vector_norm(site.itrs_km) for site in sites])
    r, v, error, flags = kernels.pass_candidates(table, near_idx, grid, step, site_dir, site_r,
                                                 min_elevation_deg, eo.omega_rad_s, len(chunk),
                                                 buffers=buffers)
    track = Track(r, v, step, sun_itrs, eo)
    if far_idx.size:  # deep space (compiled SDP4) or failed initialisation: the whole grid
        states = propagate(chunk.subset(far_idx), grid, backend=engine)
        r[far_idx], v[far_idx] = states.r_teme_km, states.v_teme_km_s
        error[far_idx] = states.error
        far = Track(states.r_teme_km, states.v_teme_km_s, step, sun_itrs, eo)
        radius, rate = far.radius_and_rate()
        for s, site in enumerate(sites):
            f_obj, f_seg = candidate_segments(far, site, min_elevation_deg, radius, rate)
            flags[far_idx[f_obj], s, f_seg] = 1
    return track, error, [np.nonzero(flags[:, s]) for s in range(len(sites))]


def site_direction_teme(eo, site):
    """A site's geocentric unit vector in TEME at the grid times, (T, 3)."""
    u = site.itrs_km / vector_norm(site.itrs_km)
    c, s = eo.teme_to_pef[:, 0, 0], eo.teme_to_pef[:, 0, 1]
    return np.stack([c * u[0] - s * u[1], s * u[0] + c * u[1], np.full_like(c, u[2])], axis=-1)


def coarse_grid(start, end, step_s):
    """The shared coarse grid of a window: times, step, span, Earth orientation and Sun.

    Returns
    -------
    grid : Times, shape (T,)
        Evenly spaced from `start` to `end` inclusive, step at most `step_s`.
    step, span : float
        Seconds.
    eo : EarthOrientation
        For the grid (polar motion off).
    sun_itrs : ndarray, shape (T, 3)
        Geocentric Sun in ITRS (km).
    """
    t0 = to_times(start)[0:1]
    span = float(to_times(end)[0:1].seconds_since(t0)[0])
    if span <= 0:
        raise InputError("the window ends before it starts")
    n_steps = max(1, int(np.ceil(span / step_s)))
    step = span / n_steps
    grid = Times.from_jd(t0.jd[0], t0.fr[0] + np.arange(n_steps + 1) * (step / DAY_S))
    eo = earth_orientation(grid)
    return grid, step, span, eo, rotate(eo.gcrs_to_itrs, sun_position_gcrs_km(grid))
