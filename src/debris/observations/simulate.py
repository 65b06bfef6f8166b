"""Simulated observations: what a station would measure of an object whose true positions
are known (from SGP4 or from a precise orbit), with noise. For tests, benchmarks and for
trying the loop without a telescope."""

from __future__ import annotations

import numpy as np

from ..constants import DAY_S
from ..frames import earth_orientation
from ..propagation import propagate
from ..sun import is_sunlit, sun_altitude_deg, sun_position_gcrs_km
from ..table import Table
from ..timescale import Times, time_range, to_times
from .linking import observing_nights
from .records import OBSERVATION_COLUMNS
from .reduction import LIGHT_KM_S, _radec

__all__ = ["simulate_observations", "visible_times", "simulate_tracks", "simulate_survey",
           "simulate_catalog_tracks", "sgp4_truth", "score_links"]


def visible_times(position_gcrs, times: Times, site, min_elevation_deg: float = 15.0):
    """Mask (T,) of times at which the object is above `min_elevation_deg` from `site`.

    `position_gcrs` (T, 3) km: the object's GCRS positions at `times`.
    """
    eo = earth_orientation(times)
    itrs = np.einsum("nji,nj->ni", eo.itrs_to_gcrs, position_gcrs)
    rho = itrs - site.itrs_km
    up = site.itrs_km / np.linalg.norm(site.itrs_km)
    sine = rho @ up / np.linalg.norm(rho, axis=1)
    return sine >= np.sin(np.radians(min_elevation_deg))


def simulate_observations(position_gcrs, times: Times, site, station: str, *,
                          norad_id: int = -1, noise_arcsec: float = 2.0, sigma_arcsec=None,
                          rng=None, velocity_gcrs=None, file: str = "<simulated>") -> Table:
    """Observations (RA/Dec, ICRS) of an object at known GCRS positions.

    Parameters
    ----------
    position_gcrs : ndarray, shape (T, 3)
        True positions (km) at `times`; `velocity_gcrs` (km/s) gives the light-time
        correction (without it the light time is left out).
    site : Site
    noise_arcsec : float
        Gaussian noise per axis.
    sigma_arcsec : float, optional
        The uncertainty written in the table (default `noise_arcsec`).
    """
    rng = np.random.default_rng(rng)
    eo = earth_orientation(times)
    site_km = np.einsum("nij,j->ni", eo.itrs_to_gcrs, site.itrs_km)
    rho = position_gcrs - site_km
    if velocity_gcrs is not None:
        rho = rho - velocity_gcrs * (np.linalg.norm(rho, axis=1) / LIGHT_KM_S)[:, None]
    u = rho / np.linalg.norm(rho, axis=1)[:, None]
    noise = rng.normal(0.0, np.radians(noise_arcsec / 3600.0), (len(times), 2))
    east = np.stack([-u[:, 1], u[:, 0], np.zeros(len(u))], axis=1)
    east /= np.linalg.norm(east, axis=1)[:, None]
    north = np.cross(u, east)
    u = u + noise[:, :1] * east + noise[:, 1:] * north
    ra, dec = _radec(u)
    n = len(times)
    columns = {name: np.full(n, np.nan) for name in OBSERVATION_COLUMNS}
    columns.update(time=times, station=np.full(n, station), norad_id=np.full(n, norad_id),
                   intl_designator=np.full(n, ""), angle_type=np.full(n, "radec"),
                   ra_deg=ra, dec_deg=dec, equinox=np.full(n, "J2000"),
                   sigma_arcsec=np.full(n, noise_arcsec if sigma_arcsec is None
                                        else sigma_arcsec),
                   sky=np.full(n, ""), format=np.full(n, "simulated"), file=np.full(n, file),
                   line=np.arange(1, n + 1))
    return Table(columns, meta={"rejected": []})


def sgp4_truth(satrec):
    """A truth function (times -> GCRS positions and velocities) from one element set."""

    def truth(times):
        _, r, v = satrec.sgp4_array(times.jd, times.fr)
        eo = earth_orientation(times)
        return (np.einsum("nij,nj->ni", eo.teme_to_gcrs, r),
                np.einsum("nij,nj->ni", eo.teme_to_gcrs, v))

    return truth


def simulate_tracks(truth, site, station: str, start, hours: float, *, track_s: float = 120.0,
                    step_s: float = 10.0, min_elevation_deg: float = 15.0,
                    sun_below_deg: float = -12.0, sunlit: bool = True, noise_arcsec: float = 2.0,
                    norad_id: int = -1, rng=None, file: str = "<simulated>") -> Table:
    """Observations as a telescope takes them: in every pass above `min_elevation_deg`
    while the station is dark (and the object sunlit), one track of `track_s` seconds
    centred on the pass's highest point, one measurement every `step_s` seconds.

    `truth(times)` returns GCRS positions and velocities (km, km/s), shape (T, 3).
    """
    grid = time_range(start, hours=hours, step_s=step_s)
    r, v = truth(grid)
    ok = visible_times(r, grid, site, min_elevation_deg)
    ok &= sun_altitude_deg(grid, site) < sun_below_deg
    if sunlit:
        ok &= is_sunlit(r, sun_position_gcrs_km(grid))
    rows = np.flatnonzero(ok)
    picked = []
    rows_set = set(rows.tolist())
    for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1):
        if run.size == 0:
            continue
        centre = run[run.size // 2]
        half = int(track_s / step_s / 2)
        picked.extend(i for i in range(centre - half, centre + half + 1) if i in rows_set)
    picked = np.array(sorted(set(picked)), dtype=int)
    return simulate_observations(r[picked], grid[picked], site, station, norad_id=norad_id,
                                 noise_arcsec=noise_arcsec, rng=rng, velocity_gcrs=v[picked],
                                 file=file)


def simulate_catalog_tracks(catalog, rows, site, station: str, start, hours: float, *,
                            track_s: float = 40.0, step_s: float = 10.0,
                            min_elevation_deg: float = 20.0, noise_arcsec: float = 2.0,
                            along_track_sigma_s: float = 0.0, rng=None) -> Table:
    """One track (the first visible pass) per catalogue object `rows`, all at once.

    Objects that are not visible from `site` (above `min_elevation_deg`, dark sky, sunlit)
    in the window give no track. ``along_track_sigma_s`` draws each object's along-track
    offset (s): the observed object is where its elements put it that much later, as
    real element sets miss mostly along the track. Each row's ``norad_id`` is the truth.
    """
    rng = np.random.default_rng(rng)
    grid = time_range(start, hours=hours, step_s=step_s)
    sub = catalog.subset(np.asarray(rows))
    eo = earth_orientation(grid)
    states = propagate(sub, grid)
    r = np.einsum("tij,ntj->nti", eo.teme_to_gcrs, states.r_teme_km)
    site_km = np.einsum("tij,j->ti", eo.itrs_to_gcrs, site.itrs_km)
    rho = r - site_km
    up = site_km / np.linalg.norm(site_km, axis=1)[:, None]
    sine = np.einsum("nti,ti->nt", rho, up) / np.linalg.norm(rho, axis=2)
    ok = (sine >= np.sin(np.radians(min_elevation_deg)))
    ok &= (sun_altitude_deg(grid, site) < -12.0)[None, :]
    ok &= is_sunlit(r, sun_position_gcrs_km(grid))
    tables = []
    steps = int(round(track_s / step_s)) + 1
    for k in range(len(sub)):
        hit = np.flatnonzero(ok[k])
        if hit.size < steps or not np.all(np.diff(hit[:steps]) == 1):
            continue
        offset = rng.normal(0.0, along_track_sigma_s) if along_track_sigma_s else 0.0
        times = grid[hit[:steps]]
        shifted = times.shift_seconds(np.full(steps, offset))
        error, rt, vt = sub.satrecs[k].sgp4_array(shifted.jd, shifted.fr)
        if np.any(error):
            continue
        m = eo.teme_to_gcrs[hit[:steps]]
        tables.append(simulate_observations(
            np.einsum("nij,nj->ni", m, rt), times, site, station,
            norad_id=int(sub.norad_id[k]), noise_arcsec=noise_arcsec, rng=rng,
            velocity_gcrs=np.einsum("nij,nj->ni", m, vt)))
    if not tables:
        return simulate_observations(np.empty((0, 3)), grid[:0], site, station)
    table = Table.concat(tables)
    table.meta["rejected"] = []
    return table


def simulate_survey(catalog, rows, site, station: str, start, nights: int, *,
                    night_hours: float = 24.0, track_s=(60.0, 180.0), step_s: float = 10.0,
                    min_elevation_deg: float = 20.0, noise_arcsec: float = 2.0,
                    tracks_per_night: int = 2, first_number: int = 90000, rng=None):
    """Tracks of catalogue objects over several nights, each track its own provisional number,
    as a survey reports objects it cannot identify.

    Every pass of an object `rows` above `min_elevation_deg` while the station is dark (Sun
    below -12°) and the object sunlit gives one track (at most `tracks_per_night` per object
    and night, the first ones) of a length drawn uniformly from `track_s` (s), one
    measurement every `step_s` s, starting at a random point of the visible arc. The truth
    is SGP4 with the objects' elements.

    Returns
    -------
    observations : Table
        Each track with ``norad_id`` ``first_number + k`` (k the track's number, in time
        order), station `station`.
    truth : ndarray of int, shape (N,)
        The catalogue NORAD number behind each observation row.
    """
    rng = np.random.default_rng(rng)
    rows = np.asarray(rows)
    sub = catalog.subset(rows)
    t0 = to_times(start)
    pieces = []
    for night in range(nights):
        grid = time_range(t0.shift_seconds(np.array([night * DAY_S])), hours=night_hours,
                          step_s=step_s)
        dark = sun_altitude_deg(grid, site) < -12.0
        if not dark.any():
            continue
        grid = grid[np.flatnonzero(dark)]
        eo = earth_orientation(grid)
        states = propagate(sub, grid)
        r = np.einsum("tij,ntj->nti", eo.teme_to_gcrs, states.r_teme_km)
        v = np.einsum("tij,ntj->nti", eo.teme_to_gcrs, states.v_teme_km_s)
        site_km = np.einsum("tij,j->ti", eo.itrs_to_gcrs, site.itrs_km)
        rho = r - site_km
        up = site_km / np.linalg.norm(site_km, axis=1)[:, None]
        with np.errstate(invalid="ignore"):
            sine = np.einsum("nti,ti->nt", rho, up) / np.linalg.norm(rho, axis=2)
            ok = sine >= np.sin(np.radians(min_elevation_deg))
        ok &= is_sunlit(r, sun_position_gcrs_km(grid))
        ok &= np.isfinite(r).all(axis=2)
        seconds = grid.seconds_since(grid[:1])
        for k in range(len(sub)):
            hit = np.flatnonzero(ok[k])
            if hit.size == 0:
                continue
            runs = np.split(hit, np.flatnonzero((np.diff(hit) > 1)
                                                 | (np.diff(seconds[hit]) > 1.5 * step_s)) + 1)
            taken = 0
            for run in runs:
                length = int(rng.uniform(*track_s) / step_s) + 1
                if run.size < max(3, length) or taken >= tracks_per_night:
                    continue
                first = int(rng.integers(0, run.size - length + 1))
                pick = run[first:first + length]
                pieces.append((float(seconds[pick[0]]) + night * DAY_S, int(sub.norad_id[k]),
                               r[k, pick], v[k, pick], grid[pick]))
                taken += 1
    pieces.sort(key=lambda p: p[0])
    tables, truth = [], []
    for number, (_, norad, r, v, times) in enumerate(pieces):
        tables.append(simulate_observations(r, times, site, station,
                                            norad_id=first_number + number,
                                            noise_arcsec=noise_arcsec, rng=rng,
                                            velocity_gcrs=v))
        truth.append(np.full(len(times), norad))
    if not tables:
        return simulate_observations(np.empty((0, 3)), t0[:0], site, station), np.empty(0, int)
    table = Table.concat(tables)
    table.meta["rejected"] = []
    table.columns["line"] = np.arange(1, len(table) + 1)
    return table, np.concatenate(truth)


def score_links(links, truth, geometry, used, holdout, gate_deg: float = 0.25) -> dict:
    """How linked orbits compare with the truth of simulated (or known) observations.

    Parameters
    ----------
    links : list of Link
        From :func:`~debris.observations.linking.link_tracks` on ``geometry.take(used)``.
    truth : ndarray, shape (N,)
        The object behind each observation of `geometry`.
    geometry : ObservationGeometry, N observations
    used, holdout : ndarray of int
        Rows given to the linking, and rows kept back (the following night).
    gate_deg : float
        A linked orbit "predicts" an object when every held-back observation of it lies
        within this angle of the orbit's direction.

    Returns
    -------
    dict
        ``objects`` (with observations on two or more nights among `used` and held-back
        observations), ``predicted`` (of those, linked by a pure orbit of two or more nights
        that predicts them), ``orbits`` (links spanning two or more nights), ``pure`` (of
        those, 90 % or more of their observations from one object), ``errors_deg``
        (object -> largest angle on its held-back observations, for every pure
        multi-night orbit), ``impure`` (track lists of the orbits that are not pure).
    """
    used, holdout = np.asarray(used), np.asarray(holdout)
    seen = truth[used]
    objects = [o for o in np.unique(seen)
               if observing_nights(geometry.times[used[seen == o]],
                                   geometry.site_km[used[seen == o]]) >= 2
               and np.any(truth[holdout] == o)]
    orbits = pure = 0
    errors, impure = {}, []
    for link in links:
        if link.nights < 2:
            continue
        orbits += 1
        names, counts = np.unique(seen[link.rows], return_counts=True)
        if counts.max() < 0.9 * counts.sum():
            impure.append(link.tracks)
            continue
        pure += 1
        obj = names[np.argmax(counts)]
        rows = holdout[truth[holdout] == obj]
        if not rows.size:
            continue
        g = geometry.take(rows)
        sat = link.fit.satrec
        error, r, v = sat.sgp4_array(g.times.jd, g.times.fr)
        if np.any(error):
            errors[obj] = float("inf")
            continue
        u, _, _ = g.predict(r, v)
        angle = np.degrees(np.arccos(np.clip(np.sum(u * g.u_obs, axis=1), -1.0, 1.0)))
        errors[obj] = min(errors.get(obj, np.inf), float(angle.max()))
    predicted = sum(errors.get(o, np.inf) <= gate_deg for o in objects)
    return {"objects": len(objects), "predicted": int(predicted), "orbits": orbits,
            "pure": pure, "errors_deg": errors, "impure": impure}
