"""Passes of catalogue objects over sites: rise, culmination and set.

The whole catalogue is handled with array code:

1. propagate every object on a coarse grid (``step_s``, 180 s by default)
   and rotate to Earth-fixed ITRS with one matrix per time;
2. per site, the site-relative positions and velocities at the samples
   define a cubic Hermite segment per interval (within 100 m of exact
   SGP4 on the real LEO catalogue at 180 s, 13 m at 120 s, 2 m at 60 s);
3. the sign of the elevation rate at the samples marks the segments
   holding an elevation maximum, which bisection on the Hermite segment
   locates - so a short pass whose both samples are below the limit is
   still found when its maximum is above it;
4. limit crossings are found by bisection on the monotonic pieces
   between the segment ends and the maxima; then exact SGP4 refines each
   event (:func:`debris.propagate_at`): one Newton step on the exact
   elevation for a rise or set, an exact bracket of +-1 s for a maximum.
   The interpolant only has to find events, exact SGP4 times them.

5. sunlit/shadow and dark-sky transitions are found the same way (bisection
   on the Hermite track, the Sun interpolated between samples), the visible
   part of each pass is the part where the object is above the limit, sunlit
   and the site's Sun at or below the twilight limit, and magnitudes and
   angular rates are evaluated on points of those parts.

Several sites share step 1, the Earth-shadow states and the frame rotations. Steps 1-2 live in
:mod:`debris.passes.grid`, 3-4 in :mod:`debris.passes.events`, 5 in
:mod:`debris.passes.visibility`; this module runs them chunk by chunk and site by site.

With numba (a dependency; the default path), step 1 and the candidate test run fused in one
compiled kernel that propagates only where a pass can be (:mod:`debris.passes.kernels`: each
object walks the grid, jumping over the stretches where its distance from every site's
visibility cap, divided by its largest angular rate, spans several steps - about a third
of the grid is propagated), and steps 3-5 (events on candidate intervals, interpolated
states, shadow transitions) run as compiled loops over the candidates. Without numba the
same algorithm runs as array code on the full grid; both give the same passes (tested).
Times are kept as seconds until every chunk and site is merged and sorted, and leave as
:class:`~debris.timescale.Times` columns of the result table (text is made by the writers).
"""

from __future__ import annotations

import numpy as np

from ..checks import check_range
from ..errors import InputError
from ..constants import DAY_S, WGS72_MU_KM3_S2
from ..frames import (angular_rate_rad_s, azimuth_deg, elevation_deg, enu_basis, radec_deg,
                      vector_norm)
from ..magnitude import magnitude_estimates
from ..table import Table
from ..timescale import Times
from ..uncertainty import default_sigma_km
from .events import (Context, exact_enu, group_passes, mask_intervals, refine_crossings,
                     refine_culminations, site_events, site_segments)
from .grid import BISECTIONS, coarse_grid, track_and_candidates
from .visibility import (brightest_magnitude, intersect_intervals, sunlit_transitions,
                         visible_intervals)

__all__ = ["PASS_COLUMNS", "PASS_DECIMALS", "DEFAULT_STEP_S", "find_passes"]

#: Coarse step (s). Cubic Hermite through SGP4 states 180 s apart follows the real LEO
#: catalogue to within 100 m (tests/test_hermite.py): enough to find every event, whose
#: time exact SGP4 then refines. Whether a pass exists at all does not depend on the step
#: (see :func:`debris.passes.grid.candidate_segments`).
DEFAULT_STEP_S = 180.0

PASS_COLUMNS = (
    "norad_id", "name", "site", "rise_utc", "culmination_utc", "set_utc",
    "rise_azimuth_deg", "culmination_azimuth_deg", "set_azimuth_deg", "max_elevation_deg",
    "culmination_range_km", "culmination_ra_deg", "culmination_dec_deg",
    "max_angular_rate_deg_s", "visible", "visible_start_utc", "visible_end_utc",
    "sunlit_fraction", "min_magnitude", "duration_s", "std_magnitude", "std_magnitude_source",
    "mag_sigma", "time_sigma_s", "cross_track_sigma_arcsec", "uncertainty_source",
)

#: Decimals of the float columns in JSON output: 1e-6 deg (4 mas), 1 mm, 1 ms - far
#: finer than SGP4 predicts - and shorter to write than full doubles.
PASS_DECIMALS = {
    "rise_azimuth_deg": 6, "culmination_azimuth_deg": 6, "set_azimuth_deg": 6,
    "max_elevation_deg": 6, "culmination_range_km": 6, "culmination_ra_deg": 6,
    "culmination_dec_deg": 6, "max_angular_rate_deg_s": 6, "sunlit_fraction": 6,
    "min_magnitude": 3, "duration_s": 3, "std_magnitude": 3, "mag_sigma": 2,
    "time_sigma_s": 2, "cross_track_sigma_arcsec": 1,
}


def find_passes(catalog, sites, start, end, *, min_elevation_deg: float = 10.0,
                sun_altitude_deg_limit: float = -12.0, step_s: float = DEFAULT_STEP_S,
                backend="auto",
                chunk_objects: int | None = None, std_mag_table: dict | None = None,
                uncertainty=None, executor=None, progress=None) -> Table:
    """Find every pass of every catalogue object above `min_elevation_deg` at each site.

    Parameters
    ----------
    catalog : Catalog
        N objects (LEO expected; the step must resolve the orbit).
    sites : Site or sequence of Site
    start, end : time-like
        The window (UTC).
    min_elevation_deg : float
        Elevation limit (geometric, deg).
    sun_altitude_deg_limit : float
        Twilight limit: the sky counts as dark when the Sun's centre is at or below it.
    step_s : float
        Coarse sampling step (s).
    backend : str
        Propagation backend.
    chunk_objects : int, optional
        Objects propagated at once (bounds memory; default: about 2.5 M object-times).
    std_mag_table : dict of int -> float or StandardMagnitudes, optional
        Standard magnitudes by NORAD id, or every source of them (default: the bundled
        SATCAT's RCS, then the type defaults; see :mod:`debris.magnitude`).
    uncertainty : mapping of int -> model, optional
        Each object's position uncertainty model by NORAD id (``sigma_km(age_days)``, e.g.
        :class:`debris.archive.ArchiveModels`); objects not in it take the fixed default
        model. Gives ``time_sigma_s`` (the along-track sigma at the culmination's element
        age over the mean orbital speed) and ``cross_track_sigma_arcsec`` (the normal sigma
        over the culmination range), and ``uncertainty_source``.
    executor : debris.cluster.DaskExecutor, optional
        Run on a Dask cluster (as :func:`debris.screen` takes it): one task per block of
        objects and group of sites, the same table as one process (not with `uncertainty`
        yet: the archive's models stay on the client).
    progress : callable, optional
        ``progress(done, total)`` as the cluster's blocks finish.

    Returns
    -------
    Table
        One row per pass per site, columns :data:`PASS_COLUMNS`, times as
        :class:`~debris.timescale.Times` (NaN when the window cuts the pass: no rise or
        set); visibility fields describe the part of the pass where the object is sunlit,
        the site's sky dark and the object above the limit. ``meta["sgp4_failures"]``:
        ``{norad_id: error code}`` of objects SGP4 failed on in the window;
        ``extra["row"]``: each pass's row in `catalog`.
    """
    check_range("min_elevation_deg", min_elevation_deg, -90.0, 90.0, unit="deg")
    check_range("sun_altitude_deg_limit", sun_altitude_deg_limit, -90.0, 90.0, unit="deg")
    check_range("step_s", step_s, 0.0, low_open=True, unit="s")
    sites = [sites] if hasattr(sites, "itrs_km") else list(sites)
    if executor is not None:
        return _passes_in_blocks(executor, catalog, sites, start, end, progress, uncertainty,
                                 min_elevation_deg=min_elevation_deg,
                                 sun_altitude_deg_limit=sun_altitude_deg_limit, step_s=step_s,
                                 backend=backend, chunk_objects=chunk_objects,
                                 std_mag_table=std_mag_table)
    grid, step, span_s, eo, sun_itrs = coarse_grid(start, end, step_s)
    std_mag, std_source, mag_sigma, weight = magnitude_estimates(catalog, std_mag_table)
    context = Context(grid, step, span_s, eo, min_elevation_deg, sun_altitude_deg_limit,
                      backend)
    parts = []
    failed_ids, failed_codes = [], []
    chunk_objects = chunk_objects or max(500, int(2.5e6 // len(grid)))
    buffers: dict = {}  # the compiled path's state arrays, reused chunk after chunk
    for a in range(0, len(catalog), chunk_objects):
        rows = np.arange(a, min(a + chunk_objects, len(catalog)))
        chunk = catalog.subset(rows)
        track, error, candidates = track_and_candidates(chunk, grid, step, sun_itrs, eo,
                                                        sites, min_elevation_deg, backend,
                                                        buffers)
        bad = np.flatnonzero(error.any(axis=1))
        failed_ids.extend(chunk.norad_id[bad].tolist())
        failed_codes.extend(error[bad].max(axis=1).tolist())
        flips = sunlit_transitions(track, candidates, step)
        for k, (site, cand) in enumerate(zip(sites, candidates)):
            part = _passes_for_site(chunk, (std_mag[rows], weight[rows]), site, track, flips,
                                    context, cand)
            if part is not None:
                part["_obj"] = rows[part["_obj"]]
                part["_site"] = np.full(len(part["_obj"]), k)
                parts.append(part)
    table = _final_table(parts, catalog, sites, grid[0:1])
    table.columns["std_magnitude_source"] = std_source[table.extra["row"]]
    table.columns["mag_sigma"] = mag_sigma[table.extra["row"]]
    table.columns.update(_pass_uncertainties(catalog, table, uncertainty))
    # Objects SGP4 failed on during the window (decayed, bad elements): no passes while failed.
    table.meta["sgp4_failures"] = dict(zip(failed_ids, failed_codes))
    return table


def _passes_in_blocks(executor, catalog, sites, start, end, progress, uncertainty, **options):
    """find_passes on a cluster: one task per block of objects and group of sites; the
    tables put together and sorted as one process sorts them."""
    if uncertainty is not None:
        raise InputError("uncertainty models from an archive do not run on a cluster yet: "
                         "drop --dask or --uncertainty-archive")
    parts, failures = [], {}
    for group in executor.site_groups(sites):
        tables = executor.blocks(find_passes, catalog, executor.object_blocks(len(catalog)),
                                 group, start, end, progress=progress, **options)
        for table in tables:
            failures.update(table.meta.get("sgp4_failures", {}))
        parts.extend(t for t in tables if len(t))
    if not parts:
        return find_passes(catalog.subset(np.empty(0, int)), sites, start, end, **options)
    table = Table.concat(parts).sort("site", "culmination_utc", "norad_id")
    table.meta = {"sgp4_failures": failures}  # in object order, as one process lists them
    return table


def _pass_uncertainties(catalog, table, uncertainty) -> dict:
    """Timing (s) and cross-track (arcsec) 1-sigma of each pass at its culmination, and
    where the model came from."""
    return observation_uncertainties(catalog, table.extra["row"], table["culmination_utc"],
                                     np.asarray(table["culmination_range_km"], float),
                                     uncertainty)


def observation_uncertainties(catalog, rows, when, range_km, uncertainty=None) -> dict:
    """What an observer must allow for: the 1-sigma timing error (s: the along-track sigma
    over the mean orbital speed) and cross-track error (arcsec: the normal sigma over the
    range) of catalogue `rows` (M,) at times `when` (M,) and ranges `range_km` (M,), from
    each object's model at its element age (`uncertainty`: NORAD id -> model with
    ``sigma_km(age_days)``, e.g. :class:`debris.archive.ArchiveModels`) or the fixed
    default model. Returns ``time_sigma_s``, ``cross_track_sigma_arcsec`` and
    ``uncertainty_source`` (``history``, ``regime`` or ``default``), each (M,)."""
    rows = np.asarray(rows, int)
    age = (when.jd - catalog.epoch.jd[rows]) + (when.fr - catalog.epoch.fr[rows])
    sigma = default_sigma_km(age) if len(rows) else np.zeros((0, 3))
    source = np.full(len(rows), "default", dtype="<U8")
    if uncertainty is not None:
        ids = catalog.norad_id[rows]
        order = np.argsort(ids, kind="stable")
        cuts = np.flatnonzero(np.diff(ids[order])) + 1
        for mine in np.split(order, cuts) if len(order) else []:  # one look-up per object
            norad = int(ids[mine[0]])
            model = uncertainty.get(norad) if norad in uncertainty else None
            if model is not None:
                sigma[mine] = model.sigma_km(np.maximum(age[mine], 0.0))
                source[mine] = getattr(model, "source", "history")
    n = catalog.mean_motion_rev_day[rows] * 2.0 * np.pi / DAY_S  # rad/s
    speed = (WGS72_MU_KM3_S2 * n) ** (1.0 / 3.0)  # n a = (mu n)^(1/3), km/s
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"time_sigma_s": sigma[:, 1] / speed,
                "cross_track_sigma_arcsec": np.degrees(
                    sigma[:, 2] / np.asarray(range_km, float)) * 3600.0,
                "uncertainty_source": source}


def _final_table(parts, catalog, sites, t0) -> Table:
    """One table of every chunk's and site's passes, sorted by site name, culmination and
    NORAD id; times become :class:`Times` (seconds from `t0`, NaN: none) here, once."""
    if not parts:
        return _empty_table()
    merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    obj, site = merged.pop("_obj"), merged.pop("_site")
    site_rank = np.argsort(np.argsort([s.name for s in sites], kind="stable"))[site]
    order = np.lexsort((catalog.norad_id[obj], merged["culmination_utc"], site_rank))
    obj, site = obj[order], site[order]
    columns = {"norad_id": catalog.norad_id[obj], "name": catalog.name[obj],
               "site": np.array([s.name for s in sites])[site]}
    for name in PASS_COLUMNS[3:-5]:
        values = merged[name][order]
        columns[name] = t0.shift_seconds(values) if name.endswith("_utc") else values
    return Table(columns, extra={"row": obj})


def _empty_table() -> Table:
    columns = {}
    nowhere = Times(np.empty(0), np.empty(0))
    for name in PASS_COLUMNS:
        if name == "norad_id":
            columns[name] = np.empty(0, np.int64)
        elif name.endswith("_utc"):
            columns[name] = nowhere
        elif name in ("name", "site", "std_magnitude_source", "uncertainty_source"):
            columns[name] = np.empty(0, dtype=str)
        elif name == "visible":
            columns[name] = np.empty(0, bool)
        else:
            columns[name] = np.empty(0)
    return Table(columns, extra={"row": np.empty(0, np.intp)})


def _events(chunk, site, basis, track, ctx, candidates):
    """The passes of a chunk at a site from its candidate intervals: each pass's object and
    interpolated rise, culmination and set (seconds), and whether it has a rise and a set
    (else the window cuts it) and an interior culmination. None when there is no pass."""
    c_obj, c_seg = candidates
    if track.kernels is not None:
        obj, seg, s, kind, event_el = track.kernels.site_events(
            track, c_obj, c_seg, site.itrs_km, basis, ctx.min_el, BISECTIONS)
    else:
        segs = site_segments(track, site, basis, c_obj, c_seg)
        obj, seg, s, kind = site_events(segs, c_obj, c_seg, ctx.step, ctx.min_el)
        event_el = (site_segments(track, site, basis, obj, seg).elevation(s) if obj.size
                    else np.empty(0))
    every = np.arange(track.n_objects)
    el_start = elevation_deg((track.itrs(every, np.zeros_like(every))[0] - site.itrs_km)
                             @ basis.T)
    el_end = elevation_deg((track.itrs(every, np.full_like(every, track.n_times - 1))[0]
                            - site.itrs_km) @ basis.T)
    p_obj, i_rise, i_culm, i_set = group_passes(obj, seg, s, kind, el_start - ctx.min_el,
                                                el_end - ctx.min_el, event_el)
    if not p_obj.size:
        return None
    event_t = np.append((seg + s) * ctx.step, np.nan)  # index -1: no event
    has_rise = i_rise >= 0
    has_set = i_set >= 0
    t_rise = np.where(has_rise, event_t[i_rise], 0.0)
    t_set = np.where(has_set, event_t[i_set], ctx.span)
    t_culm = event_t[i_culm]
    # Passes cut by the window with no interior maximum culminate at the higher edge.
    edge = np.isnan(t_culm)
    if edge.any():
        el_rise = np.where(has_rise[edge], -np.inf, el_start[p_obj[edge]])
        el_set = np.where(has_set[edge], -np.inf, el_end[p_obj[edge]])
        t_culm[edge] = np.where(el_rise >= el_set, t_rise[edge], t_set[edge])
    return p_obj, t_rise, t_culm, t_set, has_rise, has_set, ~edge


def _exact_events(chunk, site, basis, track, ctx, p_obj, times, has):
    """Rise, culmination and set times refined with exact SGP4, and the site-relative ENU
    positions there, (P,) and (P, 3) each.

    The interpolant is metres off at the default step, which can move an event time by a
    tenth of a second on fast low orbits; the window's edges stay where they are.
    """
    t_rise, t_culm, t_set = times
    has_rise, interior, has_set = has
    enu = []
    for t in (t_rise, t_culm, t_set):
        pos, _ = track.state(p_obj, t)
        enu.append((pos - site.itrs_km) @ basis.T)
    for which, refine, cases in ((0, refine_crossings, has_rise),
                                 (2, refine_crossings, has_set),
                                 (1, refine_culminations, interior)):
        k = np.flatnonzero(cases)
        if k.size:
            t_new, enu_new, good = refine(track, chunk, ctx, site, basis, p_obj[k],
                                          times[which][k])
            times[which][k[good]], enu[which][k[good]] = t_new[good], enu_new[good]
    return np.clip(t_culm, t_rise, t_set), enu


def _masked_passes(chunk, site, basis, track, ctx, p_obj, times, has):
    """The passes as the site's horizon mask lets them be seen: each pass's rise and set
    move to where it first clears and last drops below the mask (exact SGP4), its
    culmination into that span; passes entirely behind the mask go. Returns the kept passes'
    objects, times, rise/set flags, exact ENU positions at rise, culmination and set, and
    the intervals above the mask renumbered to them; None when no pass is left."""
    t_rise, t_culm, t_set = times
    has_rise, has_set = has
    m_pass, m_a, m_b = mask_intervals(track, chunk, ctx, site, basis, p_obj, t_rise, t_set)
    keep = np.unique(m_pass)
    if not keep.size:
        return None
    first = np.full(p_obj.size, np.inf)
    last = np.full(p_obj.size, -np.inf)
    np.minimum.at(first, m_pass, m_a)
    np.maximum.at(last, m_pass, m_b)
    new_rise, new_set = first[keep], last[keep]
    has_rise = has_rise[keep] | (new_rise > t_rise[keep])
    has_set = has_set[keep] | (new_set < t_set[keep])
    t_culm = np.clip(t_culm[keep], new_rise, new_set)
    p_obj = p_obj[keep]
    enu = [exact_enu(track, chunk, ctx, site, basis, p_obj, t)[0]
           for t in (new_rise, t_culm, new_set)]
    renumber = np.full(first.size, -1)
    renumber[keep] = np.arange(keep.size)
    return (p_obj, (new_rise, t_culm, new_set), (has_rise, has_set), enu,
            (renumber[m_pass], m_a, m_b))


def _max_angular_rate_deg_s(track, site, p_obj, t_rise, t_culm, t_set):
    """Largest alt-az (Earth-fixed) angular rate over each pass: 9 points and the
    culmination (where it nearly always is: the culmination is the closest approach)."""
    frac = np.linspace(0.0, 1.0, 9)
    t_rate = np.concatenate([t_rise[:, None] + frac * (t_set - t_rise)[:, None],
                             t_culm[:, None]], axis=1)
    rho, vel = track.state(np.repeat(p_obj, t_rate.shape[1]), t_rate.ravel())
    rate = angular_rate_rad_s(rho - site.itrs_km, vel).reshape(t_rate.shape)
    return np.degrees(rate.max(axis=1))


def _passes_for_site(chunk, magnitudes, site, track, flips, ctx, candidates) -> dict | None:
    """The columns of a chunk's passes at a site (times as seconds, objects as chunk rows);
    `magnitudes`: the chunk's standard magnitudes and phase-law weights, (n,) each."""
    std_mag, weight = magnitudes
    basis = enu_basis(site.latitude_deg, site.longitude_deg)
    found = _events(chunk, site, basis, track, ctx, candidates)
    if found is None:
        return None
    p_obj, t_rise, t_culm, t_set, has_rise, has_set, interior = found
    t_culm, (enu_r, enu_c, enu_s) = _exact_events(chunk, site, basis, track, ctx, p_obj,
                                                  (t_rise, t_culm, t_set),
                                                  (has_rise, interior, has_set))
    above = None
    if site.horizon is not None and site.horizon.highest_deg > ctx.min_el:
        masked = _masked_passes(chunk, site, basis, track, ctx, p_obj,
                                (t_rise, t_culm, t_set), (has_rise, has_set))
        if masked is None:
            return None
        p_obj, (t_rise, t_culm, t_set), (has_rise, has_set), (enu_r, enu_c, enu_s), above = \
            masked
    n_passes = p_obj.size
    rho_c = enu_c @ basis
    culm_range = vector_norm(rho_c)
    ra, dec = radec_deg(np.einsum("mij,mj->mi", ctx.eo.itrs_to_gcrs_at(t_culm), rho_c),
                        culm_range)
    iv_pass, iv_a, iv_b, sunlit_time = visible_intervals(p_obj, t_rise, t_set, track, flips,
                                                         site, ctx)
    if above is not None:  # the visible part is also above the mask
        iv_pass, iv_a, iv_b = intersect_intervals((iv_pass, iv_a, iv_b), above)
    visible = np.zeros(n_passes, bool)
    visible[iv_pass] = True
    v_start = np.full(n_passes, np.inf)
    v_end = np.full(n_passes, -np.inf)
    np.minimum.at(v_start, iv_pass, iv_a)
    np.maximum.at(v_end, iv_pass, iv_b)
    min_mag = brightest_magnitude(track, site, std_mag, p_obj, t_culm, iv_pass, iv_a, iv_b,
                                  n_passes, weight)
    duration = t_set - t_rise
    nan = np.nan
    # Times stay seconds from the window start (NaN: none) and objects chunk rows until
    # find_passes has gathered every chunk and site.
    return {
        "_obj": p_obj,
        "rise_utc": np.where(has_rise, t_rise, nan),
        "culmination_utc": t_culm,
        "set_utc": np.where(has_set, t_set, nan),
        "rise_azimuth_deg": np.where(has_rise, azimuth_deg(enu_r), nan),
        "culmination_azimuth_deg": azimuth_deg(enu_c),
        "set_azimuth_deg": np.where(has_set, azimuth_deg(enu_s), nan),
        "max_elevation_deg": elevation_deg(enu_c),
        "culmination_range_km": culm_range,
        "culmination_ra_deg": ra,
        "culmination_dec_deg": dec,
        "max_angular_rate_deg_s": _max_angular_rate_deg_s(track, site, p_obj, t_rise, t_culm,
                                                          t_set),
        "visible": visible,
        "visible_start_utc": np.where(visible, v_start, nan),
        "visible_end_utc": np.where(visible, v_end, nan),
        "sunlit_fraction": np.where(duration > 0, sunlit_time / np.maximum(duration, 1e-9), 0.0),
        "min_magnitude": np.where(visible, min_mag, nan),
        "duration_s": np.where(has_rise & has_set, duration, nan),
        "std_magnitude": std_mag[p_obj],
    }
