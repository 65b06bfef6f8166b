"""Field-of-view crossings: catalogue objects passing through a circle on the sky.

For stare observations of debris, and to warn astronomers of satellite streaks: given a
site, a window, a circle of radius R around a fixed sky point (RA/Dec in ICRS, or a fixed
azimuth/elevation), report every object that enters the circle - entry and exit times,
closest separation and its time, angular rate, sunlight and estimated magnitude.

Method (whole catalogue, array code):

1. the coarse SGP4 grid and Hermite track of the pass search (:mod:`debris.passes.grid`,
   120 s);
2. only segments where the object is above the horizon limit are examined; each is sampled
   at 15 s sub-steps on the Hermite track (separation and angular rate at each point);
3. a sub-interval can hold a point within R only if
   ``min(sep_a, sep_b) - 0.5 * 15 s * 1.5 * max(rate_a, rate_b) <= R`` - the object moves
   along an arc no longer than its angular rate times the time (the factor 1.5 covers the
   change of rate within 15 s);
4. on those, the closest separation is found by repeated 9-point bracketing, and entry/exit
   by bisection on the Hermite track.
"""

from __future__ import annotations

import numpy as np

from ..checks import check_range
from ..errors import InputError
from ..frames import (angular_rate_rad_s, azimuth_deg, elevation_deg, enu_basis,
                      phase_angle_rad, radec_deg, vector_norm)
from ..magnitude import magnitude_estimates, visual_magnitude
from ..propagation import propagate
from ..search import bisect, maximise
from ..sun import is_sunlit
from ..table import Table
from ..timescale import Times
from . import event_rules as rules
from .events import site_events, site_segments
from .finder import observation_uncertainties
from .grid import Track, candidate_segments, coarse_grid

__all__ = ["find_crossings", "CROSSING_COLUMNS", "CROSSING_STEP_S"]

#: Coarse step (s). Separations are read off the cubic Hermite track (no exact SGP4 pass
#: afterwards), which at 120 s is within 13 m of SGP4 (a fraction of an arcsecond).
CROSSING_STEP_S = 120.0

CROSSING_COLUMNS = (
    "norad_id", "name", "site", "entry_utc", "closest_utc", "exit_utc", "min_separation_deg",
    "closest_azimuth_deg", "closest_elevation_deg", "closest_ra_deg", "closest_dec_deg",
    "closest_range_km", "angular_rate_deg_s", "sunlit", "magnitude", "time_sigma_s",
    "cross_track_sigma_arcsec", "uncertainty_source",
)
_SUB = 8  # sub-steps per coarse segment
_RATE_MARGIN = 1.5


def find_crossings(catalog, site, start, end, *, radius_deg: float, ra_deg=None, dec_deg=None,
                   az_deg=None, el_deg=None, min_elevation_deg: float = 0.0,
                   step_s: float = CROSSING_STEP_S, backend="auto",
                   std_mag_table: dict | None = None, uncertainty=None, executor=None,
                   progress=None) -> Table:
    """Find every object passing within `radius_deg` of a sky point seen from `site`.

    Parameters
    ----------
    catalog : Catalog
    site : Site
    start, end : time-like
    radius_deg : float
        Radius of the circle (deg), > 0.
    ra_deg, dec_deg : float, optional
        Centre in ICRS (fixed on the sky: the point moves across the site's sky).
    az_deg, el_deg : float, optional
        Centre fixed in the site's horizon frame (a stare at fixed azimuth/elevation).
    min_elevation_deg : float
        Crossings below this elevation are ignored.
    uncertainty : mapping of int -> model, optional
        Each object's position uncertainty model by NORAD id (as for
        :func:`~debris.passes.find_passes`): the timing and cross-track sigmas at the
        closest approach (``time_sigma_s``, ``cross_track_sigma_arcsec``,
        ``uncertainty_source``); the fixed default model for objects not in it.
    executor : debris.cluster.DaskExecutor, optional
        Run on a Dask cluster, one task per block of objects; the same table as one process
        (not with `uncertainty` yet).
    progress : callable, optional
        ``progress(done, total)`` as the cluster's blocks finish.

    Returns
    -------
    Table
        One row per crossing, columns :data:`CROSSING_COLUMNS`; ``entry_utc``/``exit_utc``
        are empty when the window cuts the crossing.
    """
    check_range("radius_deg", radius_deg, 0.0, 180.0, low_open=True, unit="deg")
    check_range("min_elevation_deg", min_elevation_deg, -90.0, 90.0, unit="deg")
    if executor is not None:
        if uncertainty is not None:
            raise InputError("uncertainty models from an archive do not run on a cluster "
                             "yet: drop --dask or --uncertainty-archive")
        tables = executor.blocks(find_crossings, catalog, executor.object_blocks(len(catalog)),
                                 site, start, end, radius_deg=radius_deg, ra_deg=ra_deg,
                                 dec_deg=dec_deg, az_deg=az_deg, el_deg=el_deg,
                                 min_elevation_deg=min_elevation_deg, step_s=step_s,
                                 backend=backend, std_mag_table=std_mag_table,
                                 progress=progress)
        parts = [t for t in tables if len(t)]
        if not parts:
            return tables[0] if tables else _empty()
        table = Table.concat(parts).sort("closest_utc", "norad_id")
        table.meta = dict(tables[0].meta)
        return table
    for name, value in (("dec_deg", dec_deg), ("el_deg", el_deg)):
        if value is not None:
            check_range(name, value, -90.0, 90.0, unit="deg")
    fixed_sky = ra_deg is not None and dec_deg is not None
    if fixed_sky == (az_deg is not None and el_deg is not None):
        raise InputError("give either --ra-deg and --dec-deg, or --az-deg and --el-deg")
    grid, step, span, eo, sun = coarse_grid(start, end, step_s)
    basis = enu_basis(site.latitude_deg, site.longitude_deg)
    if fixed_sky:
        ra, dec = np.radians(ra_deg), np.radians(dec_deg)
        target_gcrs = np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])

        def target(t):  # unit vector in ITRS at seconds t, shape (M, 3)
            m = eo.itrs_to_gcrs_at(t)
            return np.einsum("mji,j->mi", m, target_gcrs)
    else:
        a, e = np.radians(az_deg), np.radians(el_deg)
        fixed = np.array([np.sin(a) * np.cos(e), np.cos(a) * np.cos(e), np.sin(e)]) @ basis

        def target(t):
            return np.broadcast_to(fixed, (np.size(t), 3))

    estimates = magnitude_estimates(catalog, std_mag_table)
    std_mag = np.stack([estimates.std_mag, estimates.phase_weight], axis=1)
    cos_r = np.cos(np.radians(radius_deg))
    sin_min = np.sin(np.radians(min_elevation_deg))
    chunk = max(500, int(2.5e6 // len(grid)))
    tables = []
    for a0 in range(0, len(catalog), chunk):
        rows = np.arange(a0, min(a0 + chunk, len(catalog)))
        part = catalog.subset(rows)
        states = propagate(part, grid, backend=backend)
        track = Track(states.r_teme_km, states.v_teme_km_s, step, sun, eo)
        # Segments where the object is above the limit somewhere: at an end, or at an
        # elevation maximum inside (found on the Hermite track as for passes).
        c_obj, c_seg = candidate_segments(track, site, min_elevation_deg)
        segs = site_segments(track, site, basis, c_obj, c_seg)
        high = (rules.is_up(rules.above(*segs.p0.T, sin_min))
                | rules.is_up(rules.above(*segs.p1.T, sin_min)))
        e_obj, e_seg, _, _ = site_events(segs, c_obj, c_seg, step, min_elevation_deg)
        mask = np.zeros((track.n_objects, track.n_times), bool)
        mask[c_obj[high], c_seg[high]] = True
        mask[e_obj, e_seg] = True
        obj, seg = np.nonzero(mask)
        if obj.size:
            tables.append(_crossings_in(part, std_mag[rows], site, track, obj, seg, span,
                                        target, cos_r, sin_min, radius_deg, eo, grid[0:1]))
    table = Table.concat([t for t in tables if t is not None]) if any(
        t is not None for t in tables) else None
    if table is None or not len(table):
        return _empty()
    index = {int(n): k for k, n in enumerate(catalog.norad_id.tolist())}
    rows = np.array([index[int(n)] for n in table["norad_id"].tolist()], int)
    table.columns.update(observation_uncertainties(
        catalog, rows, table["closest_utc"], np.asarray(table["closest_range_km"], float),
        uncertainty))
    return table.sort("closest_utc", "norad_id")


def _empty() -> Table:
    cols = {}
    for name in CROSSING_COLUMNS:
        if name == "norad_id":
            cols[name] = np.empty(0, np.int64)
        elif name.endswith("_utc"):
            cols[name] = Times(np.empty(0), np.empty(0))
        elif name in ("name", "site", "uncertainty_source"):
            cols[name] = np.empty(0, str)
        elif name == "sunlit":
            cols[name] = np.empty(0, bool)
        else:
            cols[name] = np.empty(0)
    return Table(cols)


def _geometry(track, obj, t, site, target):
    """cos(separation), angular rate (rad/s) and site-relative ITRS position at times t."""
    pos, vel = track.state(obj, t)
    rho = pos - site.itrs_km
    cos_sep = np.einsum("mi,mi->m", rho, target(t)) / vector_norm(rho)
    return cos_sep, angular_rate_rad_s(rho, vel), rho


def _crossings_in(part, std_mag, site, track, obj, seg, span, target, cos_r, sin_min,
                  radius_deg, eo, t0):
    """The crossings of a chunk's objects on candidate segments (obj, seg), or None;
    `std_mag` (n, 2): each object's standard magnitude and phase-law weight."""
    found = _closest_approaches(site, track, obj, seg, span, target, radius_deg)
    if found is None:
        return None
    c_obj, t_min = found
    cos_min, rate_min, rho_min = _geometry(track, c_obj, t_min, site, target)
    dist = vector_norm(rho_min)
    inside = (cos_min >= cos_r) & ((rho_min @ enu_basis(site.latitude_deg,
                                                        site.longitude_deg)[2])
                                   >= sin_min * dist)
    if site.horizon is not None:  # and above the site's horizon mask at closest approach
        enu_min = rho_min @ enu_basis(site.latitude_deg, site.longitude_deg).T
        inside &= elevation_deg(enu_min) >= site.horizon(azimuth_deg(enu_min))
    if not inside.any():
        return None
    pick = np.flatnonzero(inside)
    pick = pick[_closest_of_each_passage(c_obj[pick], t_min[pick], cos_min[pick],
                                         track.step / _SUB)]
    c_obj, t_min, cos_min = c_obj[pick], t_min[pick], cos_min[pick]

    def inside_at(t, o):
        return _geometry(track, o, t, site, target)[0] >= cos_r

    sub = track.step / _SUB
    entry, has_entry = _edge(inside_at, c_obj, t_min, span, sub, -1.0)
    exit_, has_exit = _edge(inside_at, c_obj, t_min, span, sub, +1.0)
    # Candidates of one passage through the circle share its entry: keep the closest.
    order = np.lexsort((-cos_min, np.round(entry, 3), c_obj))
    first = np.ones(order.size, bool)
    key_obj, key_entry = c_obj[order], np.round(entry[order], 3)
    first[1:] = (key_obj[1:] != key_obj[:-1]) | (key_entry[1:] != key_entry[:-1])
    pick = pick[order[first]]
    c_obj, t_min, cos_min = c_obj[order[first]], t_min[order[first]], cos_min[order[first]]
    entry, has_entry = entry[order[first]], has_entry[order[first]]
    exit_, has_exit = exit_[order[first]], has_exit[order[first]]
    rate_min, rho_min, dist = rate_min[pick], rho_min[pick], dist[pick]
    pos = rho_min + site.itrs_km
    sun = track.sun(t_min)
    lit = is_sunlit(pos, sun)
    mag = np.where(lit, visual_magnitude(std_mag[c_obj, 0], dist,
                                         phase_angle_rad(-rho_min, sun - pos),
                                         std_mag[c_obj, 1]), np.nan)
    enu = rho_min @ enu_basis(site.latitude_deg, site.longitude_deg).T
    ra, dec = radec_deg(np.einsum("mij,mj->mi", eo.itrs_to_gcrs_at(t_min), rho_min), dist)
    missing = np.nan
    return Table({
        "norad_id": part.norad_id[c_obj],
        "name": part.name[c_obj],
        "site": np.full(c_obj.size, site.name),
        "entry_utc": t0.shift_seconds(np.where(has_entry, entry, missing)),
        "closest_utc": t0.shift_seconds(t_min),
        "exit_utc": t0.shift_seconds(np.where(has_exit, exit_, missing)),
        "min_separation_deg": np.degrees(np.arccos(np.clip(cos_min, -1.0, 1.0))),
        "closest_azimuth_deg": azimuth_deg(enu),
        "closest_elevation_deg": elevation_deg(enu),
        "closest_ra_deg": ra,
        "closest_dec_deg": dec,
        "closest_range_km": dist,
        "angular_rate_deg_s": np.degrees(rate_min),
        "sunlit": lit,
        "magnitude": mag,
    })


def _closest_approaches(site, track, obj, seg, span, target, radius_deg):
    """Objects and times of the closest approaches to the circle's centre on the
    sub-intervals that can reach within the radius, or None."""
    step = track.step
    sub = step / _SUB
    # Sub-sample every candidate segment.
    frac = np.arange(_SUB + 1) / _SUB
    t_sub = (seg[:, None] + frac) * step  # (S, SUB+1)
    o_sub = np.repeat(obj, _SUB + 1)
    cos_sep, rate, _ = _geometry(track, o_sub, t_sub.ravel(), site, target)
    sep = np.arccos(np.clip(cos_sep, -1.0, 1.0)).reshape(t_sub.shape)
    rate = rate.reshape(t_sub.shape)
    reach = (np.minimum(sep[:, :-1], sep[:, 1:])
             - 0.5 * sub * _RATE_MARGIN * np.maximum(rate[:, :-1], rate[:, 1:]))
    cs, ck = np.nonzero(reach <= np.radians(radius_deg))
    if cs.size == 0:
        return None
    c_obj = obj[cs]
    lo = np.clip(t_sub[cs, ck] - 0.5 * sub, 0.0, span)
    hi = np.clip(t_sub[cs, ck + 1] + 0.5 * sub, 0.0, span)
    # Closest approach (maximum of cos separation): each round of 9 points shrinks the
    # bracket fourfold (30 s -> 2e-6 s in 12).

    def cos_separation(pts):
        values = _geometry(track, np.repeat(c_obj, pts.shape[1]), pts.ravel(), site, target)[0]
        return values.reshape(pts.shape)

    return c_obj, maximise(cos_separation, lo, hi, points=9, rounds=12)


def _closest_of_each_passage(c_obj, t_min, cos_min, sub):
    """Indices of the closest minimum of each passage: neighbouring sub-intervals of one
    passage find the same minimum (or its edge-limited neighbour), clustered by object and
    time."""
    order = np.lexsort((t_min, c_obj))
    c_obj, t_min, cos_min = c_obj[order], t_min[order], cos_min[order]
    new = np.ones(c_obj.size, bool)
    new[1:] = (c_obj[1:] != c_obj[:-1]) | (np.diff(t_min) > 2.0 * sub + 1.0)
    cluster = np.cumsum(new) - 1
    best = np.full(cluster[-1] + 1, -np.inf)
    np.maximum.at(best, cluster, cos_min)
    pick = np.flatnonzero(cos_min == best[cluster])
    pick = pick[np.r_[True, cluster[pick][1:] != cluster[pick][:-1]]]
    return order[pick]


def _edge(inside_at, obj, t_min, span, sub, direction):
    """Bisection for the entry (direction -1) or exit (+1) time of each crossing."""
    # Step outwards in sub-steps until outside the circle; an object still inside at the
    # window edge has its entry (exit) cut by the window.
    far = t_min.copy()
    active = np.ones(obj.size, bool)
    cut = np.zeros(obj.size, bool)
    for _ in range(400):
        nxt = np.clip(far + direction * sub, 0.0, span)
        stuck = active & (nxt == far)
        cut |= stuck
        active &= ~stuck
        if not active.any():
            break
        far = np.where(active, nxt, far)
        active[active] = inside_at(far[active], obj[active])
    cut |= active  # still inside after 400 sub-steps: treat as cut
    near = far - direction * sub
    near = np.where(direction < 0, np.maximum(near, t_min), np.minimum(near, t_min))
    lo, hi = (far, near) if direction < 0 else (near, far)
    # outside at lo, inside at hi for an entry; inside at lo, outside at hi for an exit
    return bisect(lambda t: inside_at(t, obj), lo, hi, direction > 0, 30), ~cut
