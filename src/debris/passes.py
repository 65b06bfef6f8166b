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

Several sites share step 1, the Earth-shadow states and the frame rotations.

With numba installed (the ``fast`` extra), step 1 and the candidate test run fused in one
compiled kernel that propagates only where a pass can be (:mod:`debris.passes_numba`: each
object walks the grid, jumping over the stretches where its distance from every site's
visibility cap, divided by its largest angular rate, spans several steps - about a third
of the grid is propagated), and steps 3-5 (events on candidate intervals, interpolated
states, shadow transitions) run as compiled loops over the candidates. Without numba the
same algorithm runs as array code on the full grid; both give the same passes (tested).
Times are kept as seconds until every chunk and site is merged and sorted; ISO text is
made once, at the end.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .frames import enu_basis, vector_norm
from .hermite import hermite_position, hermite_velocity
from .pass_grid import (_BISECTIONS, _bisect_boolean, _sunlit_transitions, _track_and_candidates,
                        coarse_grid)
from .propagation import propagate_at
from .sun import is_sunlit, sun_altitude_deg
from .table import Table
from .timescale import Times, format_iso, time_range, to_times

__all__ = ["PASS_COLUMNS", "PASS_DECIMALS", "find_passes", "night_window"]

RISE, CULMINATION, SET = 0, 1, 2
#: Coarse step (s). Cubic Hermite through SGP4 states 180 s apart follows the real LEO
#: catalogue to within 100 m (tests/test_hermite.py): enough to find every event, whose
#: time exact SGP4 then refines. Whether a pass exists at all does not depend on the step
#: (see debris.pass_grid._candidate_segments).
DEFAULT_STEP_S = 180.0

PASS_COLUMNS = (
    "norad_id", "name", "site", "rise_utc", "culmination_utc", "set_utc",
    "rise_azimuth_deg", "culmination_azimuth_deg", "set_azimuth_deg", "max_elevation_deg",
    "culmination_range_km", "culmination_ra_deg", "culmination_dec_deg",
    "max_angular_rate_deg_s", "visible", "visible_start_utc", "visible_end_utc",
    "sunlit_fraction", "min_magnitude", "duration_s", "std_magnitude",
)

#: Decimals of the float columns in JSON output: 1e-6 deg (4 mas), 1 mm, 1 ms - far
#: finer than SGP4 predicts - and shorter to write than full doubles.
PASS_DECIMALS = {
    "rise_azimuth_deg": 6, "culmination_azimuth_deg": 6, "set_azimuth_deg": 6,
    "max_elevation_deg": 6, "culmination_range_km": 6, "culmination_ra_deg": 6,
    "culmination_dec_deg": 6, "max_angular_rate_deg_s": 6, "sunlit_fraction": 6,
    "min_magnitude": 3, "duration_s": 3, "std_magnitude": 3,
}


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
    ValueError
        When the Sun does not reach the limit that night (polar summer).
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise ValueError(f"night {date!r}: expected a date YYYY-MM-DD") from None
    noon_utc_h = 12.0 - site.longitude_deg / 15.0
    t0 = to_times(np.datetime64(date.isoformat()) + np.timedelta64(int(noon_utc_h * 3600), "s"))
    grid = time_range(t0, hours=24.0, step_s=300.0)
    alt = sun_altitude_deg(grid, site) - sun_altitude_deg_limit
    below = alt < 0
    if not below.any():
        raise ValueError(f"the Sun stays above {sun_altitude_deg_limit} deg at {site.name} "
                         f"during the night of {date}; no dark window")
    first = int(np.argmax(below))
    after = np.flatnonzero(~below[first:])
    last = first + int(after[0]) if after.size else None
    start = grid[first] if first == 0 else _bisect_sun(site, grid[first - 1], grid[first],
                                                         sun_altitude_deg_limit)
    end = grid[-1] if last is None else _bisect_sun(site, grid[last - 1], grid[last],
                                                      sun_altitude_deg_limit)
    return start, end


def _bisect_sun(site, a: Times, b: Times, limit: float) -> Times:
    fa = sun_altitude_deg(a, site)[0] - limit
    lo, hi = 0.0, float(b.seconds_since(a)[0])
    for _ in range(20):  # 300 s / 2^20 < 1 ms
        mid = 0.5 * (lo + hi)
        fm = sun_altitude_deg(a.shift_seconds(mid), site)[0] - limit
        if (fm < 0) == (fa < 0):
            lo, fa = mid, fm
        else:
            hi = mid
    return a.shift_seconds(0.5 * (lo + hi))


def _elevation(enu):
    return np.degrees(np.arctan2(enu[..., 2], np.hypot(enu[..., 0], enu[..., 1])))


def _elevation_rate_sign(enu, enu_dot):
    """A quantity with the sign of d(elevation)/dt."""
    e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
    ed, nd, ud = enu_dot[..., 0], enu_dot[..., 1], enu_dot[..., 2]
    return ud * (e * e + n * n) - u * (e * ed + n * nd)


class _Segments:
    """Hermite segments of site-relative ENU states, given by their end states (M, 3)."""

    def __init__(self, p0, v0, p1, v1, step_s):
        self.p0, self.v0, self.p1, self.v1, self.step_s = p0, v0, p1, v1, step_s

    def take(self, index) -> "_Segments":
        step = self.step_s[index] if np.ndim(self.step_s) else self.step_s
        return _Segments(self.p0[index], self.v0[index], self.p1[index], self.v1[index], step)

    def position(self, s):
        return hermite_position(self.p0, self.v0, self.p1, self.v1, self.step_s, s)

    def elevation(self, s):
        return _elevation(self.position(s))

    def velocity(self, s):
        return hermite_velocity(self.p0, self.v0, self.p1, self.v1, self.step_s, s)

    def rate_sign(self, s):
        return _elevation_rate_sign(self.position(s), self.velocity(s))


def _bisect(func, lo, hi, rising):
    """Vectorised bisection for the zero of monotonic functions on [lo, hi].

    `rising` (bool or array) says, per element, whether the function goes from
    negative to positive.
    """
    lo = lo.copy()
    hi = hi.copy()
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        go_right = (func(mid) > 0) != rising
        lo = np.where(go_right, mid, lo)
        hi = np.where(go_right, hi, mid)
    return 0.5 * (lo + hi)


def _site_events(segs: _Segments, obj, seg, step_s, min_elevation_deg):
    """Find rise, culmination and set events on candidate segments.

    Parameters
    ----------
    segs : _Segments
        M candidate segments (site-relative ENU end states).
    obj, seg : ndarray of int, shape (M,)
        Object and interval of each segment.

    Returns
    -------
    obj, seg : ndarray of int, shape (E,)
    s : ndarray, shape (E,)
        Local segment time of each event.
    kind : ndarray of int8, shape (E,)
    """
    sin_min = np.sin(np.radians(min_elevation_deg))
    g0 = _elevation_rate_sign(segs.p0, segs.v0)
    g1 = _elevation_rate_sign(segs.p1, segs.v1)
    f0 = segs.p0[:, 2] - sin_min * vector_norm(segs.p0)  # sign of elevation - limit
    f1 = segs.p1[:, 2] - sin_min * vector_norm(segs.p1)
    out_obj, out_seg, out_s, out_kind = [], [], [], []

    # Maxima: elevation rate goes from + to - inside the segment.
    is_max = (g0 > 0) & (g1 <= 0)
    m = np.flatnonzero(is_max)
    s_max = np.ones(m.size)
    f_max = np.empty(m.size)
    if m.size:
        msegs = segs.take(m)
        s_max = _bisect(msegs.rate_sign, np.zeros(m.size), np.ones(m.size), rising=False)
        p_max = msegs.position(s_max)
        f_max = p_max[:, 2] - sin_min * vector_norm(p_max)
        keep = f_max > 0
        out_obj.append(obj[m[keep]])
        out_seg.append(seg[m[keep]])
        out_s.append(s_max[keep])
        out_kind.append(np.full(keep.sum(), CULMINATION, np.int8))

    # Monotonic pieces: [0, s_max] and [s_max, 1] for segments with a maximum, else [0, 1].
    p = np.flatnonzero(~is_max)
    piece = np.concatenate([p, m, m])
    piece_lo = np.concatenate([np.zeros(p.size), np.zeros(m.size), s_max])
    piece_hi = np.concatenate([np.ones(p.size), s_max, np.ones(m.size)])
    f_lo = np.concatenate([f0[p], f0[m], f_max])
    f_hi = np.concatenate([f1[p], f_max, f1[m]])
    crossing = ((f_lo <= 0) & (f_hi > 0)) | ((f_lo > 0) & (f_hi <= 0))
    if crossing.any():
        c = piece[crossing]
        rising = f_hi[crossing] > 0
        csegs = segs.take(c)

        def above(s):  # sign of elevation - limit, without the arctangent
            q = csegs.position(s)
            return q[:, 2] - sin_min * vector_norm(q)

        out_obj.append(obj[c])
        out_seg.append(seg[c])
        out_s.append(_bisect(above, piece_lo[crossing], piece_hi[crossing], rising))
        out_kind.append(np.where(rising, RISE, SET).astype(np.int8))
    if not out_obj:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0), np.empty(0, dtype=np.int8)
    return (np.concatenate(out_obj), np.concatenate(out_seg), np.concatenate(out_s),
            np.concatenate(out_kind))


def _site_segments(track, site, basis, obj, seg):
    """Site-relative ENU Hermite segments for (object, interval) pairs."""
    r0, v0, r1, v1 = track.ends(obj, seg)
    return _Segments((r0 - site.itrs_km) @ basis.T, v0 @ basis.T,
                     (r1 - site.itrs_km) @ basis.T, v1 @ basis.T, track.step)


def _assemble(obj, seg, s, kind, f_start, f_end, el_edges):
    """Group the events of each object into passes.

    Per object, in time order: a rise opens a pass (so does the window start when the
    object is above the limit then), a set closes it, the highest culmination in between
    is its culmination; a rise while a pass is open closes the open one at the window (no
    set), and so does the end of the object's events. Objects above the limit the whole
    window with no event form one pass.

    Returns
    -------
    p_obj, rise, culmination, set : ndarray of int, shape (P,)
        Object of each pass and the index of its events in the event arrays, -1 for none
        (a pass cut by the window).
    """
    n_obj = len(f_start)
    order = np.lexsort((kind, seg + s, obj))
    o, k, el = obj[order], kind[order], el_edges[order]
    index = order.astype(np.intp)
    # A virtual rise (index -1) before the first event of objects above at the window start.
    first = np.ones(o.size, bool)
    first[1:] = o[1:] != o[:-1]
    starts_open = first & (f_start[o] > 0)
    at = np.flatnonzero(starts_open)
    o = np.insert(o, at, o[at])
    k = np.insert(k, at, RISE).astype(np.int8)
    el = np.insert(el, at, -np.inf)
    index = np.insert(index, at, -1)
    first = np.ones(o.size, bool)
    first[1:] = o[1:] != o[:-1]
    # Stretches: each starts at a rise or set, or at an object's first event; a stretch
    # opened by a rise is a pass, closed by the next stretch's opener if that is a set.
    opener = first | (k != CULMINATION)
    starts = np.flatnonzero(opener)
    stretch = np.cumsum(opener) - 1
    is_pass = k[starts] == RISE
    nxt = np.append(starts[1:], o.size)
    closed = (nxt < o.size) & ~first[np.minimum(nxt, o.size - 1)]
    closed &= k[np.minimum(nxt, o.size - 1)] == SET
    set_idx = np.where(closed, index[np.minimum(nxt, o.size - 1)], -1)
    # The highest culmination of each stretch.
    culm = np.flatnonzero(k == CULMINATION)
    best = np.full(starts.size, -1, np.intp)
    if culm.size:
        by = np.lexsort((el[culm], stretch[culm]))
        c_sorted = culm[by]
        last = np.ones(c_sorted.size, bool)
        last[:-1] = stretch[c_sorted[1:]] != stretch[c_sorted[:-1]]
        best[stretch[c_sorted[last]]] = index[c_sorted[last]]
    p_obj = o[starts[is_pass]]
    rise = index[starts[is_pass]]
    culmination = best[is_pass]
    sets = set_idx[is_pass]
    # Objects above the limit the whole window, with no event at all.
    has_events = np.zeros(n_obj, bool)
    has_events[obj] = True
    whole = np.flatnonzero((f_start > 0) & (f_end > 0) & ~has_events)
    none = np.full(whole.size, -1, np.intp)
    return (np.concatenate([p_obj, whole]).astype(np.intp), np.concatenate([rise, none]),
            np.concatenate([culmination, none]), np.concatenate([sets, none]))


def _sun_elevation(sun_itrs, site, basis):
    rho = sun_itrs - site.itrs_km
    return np.degrees(np.arcsin((rho @ basis[2]) / vector_norm(rho)))


def find_passes(catalog, sites, start, end, *, min_elevation_deg: float = 10.0,
                sun_altitude_deg_limit: float = -12.0, step_s: float = DEFAULT_STEP_S,
                backend="auto",
                chunk_objects: int | None = None, std_mag_table: dict | None = None) -> Table:
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
    std_mag_table : dict of int -> float, optional
        Standard magnitudes by NORAD id (see :mod:`debris.magnitude`).

    Returns
    -------
    Table
        One row per pass per site, columns :data:`PASS_COLUMNS`; ``rise_utc``/``set_utc``
        are empty when the window cuts the pass; visibility fields describe the part of the
        pass where the object is sunlit, the site's sky dark and the object above the limit.
    """
    from .magnitude import standard_magnitudes

    sites = [sites] if hasattr(sites, "itrs_km") else list(sites)
    grid, step, span_s, eo, sun_itrs = coarse_grid(start, end, step_s)
    std_mag = standard_magnitudes(catalog, std_mag_table)
    context = _Context(grid, step, span_s, eo, min_elevation_deg, sun_altitude_deg_limit,
                       backend)
    parts = []
    failed_ids, failed_codes = [], []
    chunk_objects = chunk_objects or max(500, int(2.5e6 // len(grid)))
    buffers: dict = {}  # the compiled path's state arrays, reused chunk after chunk
    for a in range(0, len(catalog), chunk_objects):
        rows = np.arange(a, min(a + chunk_objects, len(catalog)))
        chunk = catalog.subset(rows)
        track, error, candidates = _track_and_candidates(chunk, grid, step, sun_itrs, eo,
                                                         sites, min_elevation_deg, backend,
                                                         buffers)
        bad = np.flatnonzero(error.any(axis=1))
        failed_ids.extend(chunk.norad_id[bad].tolist())
        failed_codes.extend(error[bad].max(axis=1).tolist())
        flips = _sunlit_transitions(track, candidates, step)
        for k, (site, cand) in enumerate(zip(sites, candidates)):
            part = _passes_for_site(chunk, std_mag[rows], site, track, flips, context, cand)
            if part is not None:
                part["_obj"] = rows[part["_obj"]]
                part["_site"] = np.full(len(part["_obj"]), k)
                parts.append(part)
    table = _final_table(parts, catalog, sites, grid[0:1])
    # Objects SGP4 failed on during the window (decayed, bad elements): no passes while failed.
    table.meta["sgp4_failures"] = dict(zip(failed_ids, failed_codes))
    return table


def _final_table(parts, catalog, sites, t0) -> Table:
    """One table of every chunk's and site's passes, sorted by site name, culmination and
    NORAD id; times become ISO text here, once."""
    if not parts:
        return _empty_table()
    merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    obj, site = merged.pop("_obj"), merged.pop("_site")
    site_rank = np.argsort(np.argsort([s.name for s in sites], kind="stable"))[site]
    order = np.lexsort((catalog.norad_id[obj], merged["culmination_utc"], site_rank))
    obj, site = obj[order], site[order]
    columns = {"norad_id": catalog.norad_id[obj], "name": catalog.name[obj],
               "site": np.array([s.name for s in sites])[site]}
    for name in PASS_COLUMNS[3:]:
        values = merged[name][order]
        if name.endswith("_utc"):
            known = np.isfinite(values)
            text = format_iso(t0.shift_seconds(np.where(known, values, 0.0)))
            values = np.where(known, text, "")
        columns[name] = values
    return Table(columns)


class _Context:
    def __init__(self, grid, step, span, eo, min_el, sun_limit, backend="auto"):
        self.grid, self.step, self.span, self.eo = grid, step, span, eo
        self.min_el, self.sun_limit, self.backend = min_el, sun_limit, backend


_NEWTON_MAX_S = 2.0  # largest correction exact SGP4 may make to an interpolated event time
_CULMINATION_HALF_S = 1.0  # half-width of the exact bracket around an interpolated maximum


def _exact_enu(track, chunk, ctx, site, basis, obj, t):
    """Exact SGP4 site-relative ENU position (km) and Earth-fixed velocity (km/s), (M, 3)."""
    r, v, _ = propagate_at(chunk, obj, ctx.grid[0:1].shift_seconds(t), backend=ctx.backend)
    pos, vel = track.to_itrs(r, v, t)
    return (pos - site.itrs_km) @ basis.T, vel @ basis.T


def _elevation_rate(enu, enu_dot):
    """d(elevation)/dt (rad/s)."""
    horizontal2 = enu[:, 0] ** 2 + enu[:, 1] ** 2
    return _elevation_rate_sign(enu, enu_dot) / (
        np.sqrt(horizontal2) * np.einsum("mi,mi->m", enu, enu))


def _refine_crossings(track, chunk, ctx, site, basis, obj, t):
    """One Newton step on exact SGP4 elevation for limit crossings at interpolated times `t`.

    The interpolated times are within a fraction of a second of the exact ones, where the
    elevation is linear to micro-seconds of time, so one step is enough. Returns the refined
    times and ENU positions there (first-order from the exact state: centimetres).
    """
    enu, enu_dot = _exact_enu(track, chunk, ctx, site, basis, obj, t)
    el = np.arctan2(enu[:, 2], np.hypot(enu[:, 0], enu[:, 1]))
    rate = _elevation_rate(enu, enu_dot)
    with np.errstate(divide="ignore", invalid="ignore"):
        dt = -(el - np.radians(ctx.min_el)) / rate
    dt = np.where(np.isfinite(dt), np.clip(dt, -_NEWTON_MAX_S, _NEWTON_MAX_S), 0.0)
    t_new = np.clip(t + dt, 0.0, ctx.span)
    good = np.isfinite(enu[:, 0])
    return np.where(good, t_new, t), enu + enu_dot * (t_new - t)[:, None], good


def _refine_culminations(track, chunk, ctx, site, basis, obj, t):
    """The exact elevation maximum near interpolated maxima `t`: exact SGP4 states one
    second either side bracket the zero of the elevation rate, located on the cubic Hermite
    segment between them (metres and milliseconds). Returns times, ENU positions and a flag
    of the maxima the bracket held (the others keep their interpolated values)."""
    h = _CULMINATION_HALF_S
    lo = np.clip(t - h, 0.0, ctx.span)
    hi = np.clip(t + h, 0.0, ctx.span)
    both = np.concatenate([lo, hi])
    enu, enu_dot = _exact_enu(track, chunk, ctx, site, basis, np.concatenate([obj, obj]), both)
    m = len(t)
    p0, v0, p1, v1 = enu[:m], enu_dot[:m], enu[m:], enu_dot[m:]
    g0, g1 = _elevation_rate_sign(p0, v0), _elevation_rate_sign(p1, v1)
    held = (g0 > 0) & (g1 <= 0) & (hi > lo)
    segs = _Segments(p0, v0, p1, v1, np.maximum(hi - lo, 1e-9))
    s = np.full(m, 0.5)
    if held.any():
        sub = segs.take(held)
        s[held] = _bisect(lambda x: _elevation_rate_sign(sub.position(x), sub.velocity(x)),
                          np.zeros(held.sum()), np.ones(held.sum()), rising=False)
    return lo + s * (hi - lo), segs.position(s), held


def _empty_table() -> Table:
    columns = {}
    for name in PASS_COLUMNS:
        if name == "norad_id":
            columns[name] = np.empty(0, np.int64)
        elif name.endswith("_utc") or name in ("name", "site"):
            columns[name] = np.empty(0, dtype=str)
        elif name == "visible":
            columns[name] = np.empty(0, bool)
        else:
            columns[name] = np.empty(0)
    return Table(columns)


def _passes_for_site(chunk, std_mag, site, track, flips, ctx, candidates) -> Table:
    basis = enu_basis(site.latitude_deg, site.longitude_deg)
    step = ctx.step
    c_obj, c_seg = candidates
    if track._compiled is not None:
        obj, seg, s, kind, event_el = track._compiled.site_events(
            track, c_obj, c_seg, site.itrs_km, basis, ctx.min_el, _BISECTIONS)
    else:
        segs = _site_segments(track, site, basis, c_obj, c_seg)
        obj, seg, s, kind = _site_events(segs, c_obj, c_seg, step, ctx.min_el)
        event_el = (_site_segments(track, site, basis, obj, seg).elevation(s) if obj.size
                    else np.empty(0))
    every = np.arange(track.n_objects)
    el_start = _elevation((track.itrs(every, np.zeros_like(every))[0] - site.itrs_km) @ basis.T)
    el_end = _elevation((track.itrs(every, np.full_like(every, track.n_times - 1))[0]
                         - site.itrs_km) @ basis.T)
    f_start = el_start - ctx.min_el
    f_end = el_end - ctx.min_el
    p_obj, i_rise, i_culm, i_set = _assemble(obj, seg, s, kind, f_start, f_end, event_el)
    n_passes = p_obj.size
    if not n_passes:
        return None
    event_t = np.append((seg + s) * step, np.nan)  # index -1: no event
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

    def topo(t):
        pos, _ = track.state(p_obj, t)
        return (pos - site.itrs_km) @ basis.T

    enu_r, enu_c, enu_s = topo(t_rise), topo(t_culm), topo(t_set)
    # Exact SGP4 for the interior events: the interpolant is metres off at the default step,
    # which can move an event time by a tenth of a second on fast low orbits.
    for has, times, enu in ((has_rise, t_rise, enu_r), (has_set, t_set, enu_s)):
        k = np.flatnonzero(has)
        if k.size:
            t_new, enu_new, good = _refine_crossings(track, chunk, ctx, site, basis,
                                                     p_obj[k], times[k])
            times[k[good]], enu[k[good]] = t_new[good], enu_new[good]
    k = np.flatnonzero(~edge)
    if k.size:
        t_new, enu_new, held = _refine_culminations(track, chunk, ctx, site, basis,
                                                    p_obj[k], t_culm[k])
        t_culm[k[held]], enu_c[k[held]] = t_new[held], enu_new[held]
    t_culm = np.clip(t_culm, t_rise, t_set)
    rho_c = enu_c @ basis
    az = lambda v: np.degrees(np.arctan2(v[:, 0], v[:, 1])) % 360.0  # noqa: E731
    culm_range = vector_norm(rho_c)
    rho_gcrs = np.einsum("mij,mj->mi", ctx.eo.itrs_to_gcrs_at(t_culm), rho_c)
    ra = np.degrees(np.arctan2(rho_gcrs[:, 1], rho_gcrs[:, 0])) % 360.0
    dec = np.degrees(np.arcsin(np.clip(rho_gcrs[:, 2] / culm_range, -1.0, 1.0)))

    # Maximum angular rate (alt-az, Earth-fixed) over the pass: 9 points and the culmination
    # (where it nearly always is: the culmination is the closest approach).
    frac = np.linspace(0.0, 1.0, 9)
    t_rate = np.concatenate([t_rise[:, None] + frac * (t_set - t_rise)[:, None],
                             t_culm[:, None]], axis=1)
    rho_k, vel_k = track.state(np.repeat(p_obj, t_rate.shape[1]), t_rate.ravel())
    rho_k = rho_k - site.itrs_km
    rate = (vector_norm(np.cross(rho_k, vel_k))
            / np.einsum("mi,mi->m", rho_k, rho_k)).reshape(t_rate.shape)
    max_rate = np.degrees(rate.max(axis=1))

    vis = _visibility(p_obj, t_rise, t_set, track, flips, site, basis, ctx)
    iv_pass, iv_a, iv_b, sunlit_time = vis
    visible = np.zeros(n_passes, bool)
    visible[iv_pass] = True
    v_start = np.full(n_passes, np.inf)
    v_end = np.full(n_passes, -np.inf)
    np.minimum.at(v_start, iv_pass, iv_a)
    np.maximum.at(v_end, iv_pass, iv_b)
    min_mag = np.full(n_passes, np.inf)
    if iv_pass.size:
        frac = np.linspace(0.0, 1.0, 9)
        t_mag = np.concatenate([iv_a[:, None] + frac * (iv_b - iv_a)[:, None],
                                np.clip(t_culm[iv_pass], iv_a, iv_b)[:, None]], axis=1)
        o = np.repeat(p_obj[iv_pass], t_mag.shape[1])
        pos, _ = track.state(o, t_mag.ravel())
        to_site = site.itrs_km - pos
        to_sun = track.sun(t_mag.ravel()) - pos
        cos_phase = np.einsum("mi,mi->m", to_site, to_sun) / (
            vector_norm(to_site) * vector_norm(to_sun))
        from .magnitude import visual_magnitude

        mags = visual_magnitude(std_mag[o], vector_norm(to_site),
                                np.arccos(np.clip(cos_phase, -1.0, 1.0)))
        np.minimum.at(min_mag, iv_pass, mags.reshape(t_mag.shape).min(axis=1))

    duration = t_set - t_rise
    nan = np.nan
    # Times stay seconds from the window start (NaN: none) and objects chunk rows until
    # find_passes has gathered every chunk and site: text is made once, in final order.
    return {
        "_obj": p_obj,
        "rise_utc": np.where(has_rise, t_rise, nan),
        "culmination_utc": t_culm,
        "set_utc": np.where(has_set, t_set, nan),
        "rise_azimuth_deg": np.where(has_rise, az(enu_r), nan),
        "culmination_azimuth_deg": az(enu_c),
        "set_azimuth_deg": np.where(has_set, az(enu_s), nan),
        "max_elevation_deg": _elevation(enu_c),
        "culmination_range_km": culm_range,
        "culmination_ra_deg": ra,
        "culmination_dec_deg": dec,
        "max_angular_rate_deg_s": max_rate,
        "visible": visible,
        "visible_start_utc": np.where(visible, v_start, nan),
        "visible_end_utc": np.where(visible, v_end, nan),
        "sunlit_fraction": np.where(duration > 0, sunlit_time / np.maximum(duration, 1e-9), 0.0),
        "min_magnitude": np.where(visible, min_mag, nan),
        "duration_s": np.where(has_rise & has_set, duration, nan),
        "std_magnitude": std_mag[p_obj],
    }


def _visibility(p_obj, t_rise, t_set, track, flips, site, basis, ctx):
    """Split each pass where the object is sunlit and the sky is dark.

    Returns
    -------
    iv_pass, iv_a, iv_b : ndarray, shape (I,)
        Visible intervals (pass index, start s, end s).
    sunlit_time : ndarray, shape (P,)
        Seconds of each pass in sunlight.
    """
    # Dark-sky transitions at the site (a handful per window, shared by all objects).
    sun_el = _sun_elevation(track._sun, site, basis)
    dark = sun_el <= ctx.sun_limit
    kd = np.flatnonzero(dark[:-1] != dark[1:])
    dark_t = _bisect_boolean(
        lambda tm: _sun_elevation(track.sun(tm), site, basis) <= ctx.sun_limit,
        kd * ctx.step, (kd + 1.0) * ctx.step, dark[kd])
    dark_new = ~dark[kd]

    f_obj, f_t, f_new = flips
    order = np.lexsort((f_t, f_obj))
    f_obj, f_t, f_new = f_obj[order], f_t[order], f_new[order]
    big = ctx.span + 1.0e3
    keys = f_obj * big + f_t
    lo = np.searchsorted(keys, p_obj * big + t_rise, side="right")
    hi = np.searchsorted(keys, p_obj * big + t_set, side="left")
    d_lo = np.searchsorted(dark_t, t_rise, side="right")
    d_hi = np.searchsorted(dark_t, t_set, side="left")

    sunlit0 = is_sunlit(track.state(p_obj, t_rise)[0], track.sun(t_rise))
    dark0 = _sun_elevation(track.sun(t_rise), site, basis) <= ctx.sun_limit
    simple = (lo == hi) & (d_lo == d_hi)
    sunlit_time = np.where(simple & sunlit0, t_set - t_rise, 0.0)
    vis = simple & sunlit0 & dark0
    iv_pass = [np.flatnonzero(vis)]
    iv_a = [t_rise[vis]]
    iv_b = [t_set[vis]]
    extra_p, extra_a, extra_b = [], [], []
    for p in np.flatnonzero(~simple):  # passes crossing a shadow or twilight boundary
        events = sorted([(f_t[k], 0, f_new[k]) for k in range(lo[p], hi[p])]
                        + [(dark_t[k], 1, dark_new[k]) for k in range(d_lo[p], d_hi[p])])
        state = [bool(sunlit0[p]), bool(dark0[p])]
        t_prev = t_rise[p]
        lit = 0.0
        for t_ev, which, new in events + [(t_set[p], -1, None)]:
            if state[0]:
                lit += t_ev - t_prev
                if state[1] and t_ev > t_prev:
                    extra_p.append(p)
                    extra_a.append(t_prev)
                    extra_b.append(t_ev)
            if which >= 0:
                state[which] = bool(new)
            t_prev = t_ev
        sunlit_time[p] = lit
    iv_pass.append(np.array(extra_p, dtype=np.intp))
    iv_a.append(np.array(extra_a, dtype=float))
    iv_b.append(np.array(extra_b, dtype=float))
    return (np.concatenate(iv_pass), np.concatenate(iv_a), np.concatenate(iv_b), sunlit_time)
