"""Passes of catalogue objects over sites: rise, culmination and set.

The whole catalogue is handled with array code:

1. propagate every object on a coarse grid (``step_s``, 60 s by default)
   and rotate to Earth-fixed ITRS with one matrix per time;
2. per site, the site-relative positions and velocities at the samples
   define a cubic Hermite segment per interval (sub-metre in LEO at
   60 s);
3. the sign of the elevation rate at the samples marks the segments
   holding an elevation maximum, which bisection on the Hermite segment
   locates - so a short pass whose both samples are below the limit is
   still found when its maximum is above it;
4. limit crossings are found by bisection on the monotonic pieces
   between the segment ends and the maxima.

Several sites share steps 1 and the frame rotations.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .frames import earth_orientation, enu_basis, rotate, teme_to_itrs
from .hermite import hermite_position, hermite_velocity
from .propagation import propagate
from .sun import is_sunlit, sun_altitude_deg, sun_position_gcrs_km
from .table import Table
from .timescale import Times, format_iso, time_range, to_times

__all__ = ["find_passes", "night_window", "PASS_COLUMNS"]

RISE, CULMINATION, SET = 0, 1, 2
_BISECTIONS = 36  # 60 s / 2^36 ~ 1 ns

PASS_COLUMNS = (
    "norad_id", "name", "site", "rise_utc", "culmination_utc", "set_utc",
    "rise_azimuth_deg", "culmination_azimuth_deg", "set_azimuth_deg", "max_elevation_deg",
    "culmination_range_km", "culmination_ra_deg", "culmination_dec_deg", "duration_s",
    "sunlit_at_culmination", "sun_altitude_at_culmination_deg",
)


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
    """Hermite segments of site-relative ENU states for chosen (object, interval) pairs."""

    def __init__(self, enu, enu_dot, obj, seg, step_s):
        self.p0 = enu[obj, seg]
        self.v0 = enu_dot[obj, seg]
        self.p1 = enu[obj, seg + 1]
        self.v1 = enu_dot[obj, seg + 1]
        self.step_s = step_s

    def position(self, s):
        return hermite_position(self.p0, self.v0, self.p1, self.v1, self.step_s, s)

    def elevation(self, s):
        return _elevation(self.position(s))

    def rate_sign(self, s):
        return _elevation_rate_sign(
            self.position(s), hermite_velocity(self.p0, self.v0, self.p1, self.v1, self.step_s, s))


def _bisect(func, lo, hi, rising):
    """Vectorised bisection for the zero of a monotonic function on [lo, hi]."""
    lo = lo.copy()
    hi = hi.copy()
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        positive = func(mid) > 0
        go_right = positive != rising  # rising: f<0 before the root
        lo = np.where(go_right, mid, lo)
        hi = np.where(go_right, hi, mid)
    return 0.5 * (lo + hi)


def _site_events(enu, enu_dot, step_s, min_elevation_deg):
    """Find rise, culmination and set events on all segments.

    Returns
    -------
    obj, seg : ndarray of int, shape (E,)
    s : ndarray, shape (E,)
        Local segment time of each event.
    kind : ndarray of int8, shape (E,)
    """
    el = _elevation(enu)
    g = _elevation_rate_sign(enu, enu_dot)
    f = el - min_elevation_deg
    n, t = el.shape
    out_obj, out_seg, out_s, out_kind = [], [], [], []

    # Maxima: elevation rate goes from + to - inside the segment.
    mobj, mseg = np.nonzero((g[:, :-1] > 0) & (g[:, 1:] <= 0))
    s_max = np.ones(mobj.size)
    f_max = np.empty(mobj.size)
    if mobj.size:
        segs = _Segments(enu, enu_dot, mobj, mseg, step_s)
        s_max = _bisect(segs.rate_sign, np.zeros(mobj.size), np.ones(mobj.size), rising=False)
        f_max = segs.elevation(s_max) - min_elevation_deg
        keep = f_max > 0
        out_obj.append(mobj[keep])
        out_seg.append(mseg[keep])
        out_s.append(s_max[keep])
        out_kind.append(np.full(keep.sum(), CULMINATION, np.int8))

    # Monotonic pieces: [0, s_max] and [s_max, 1] for segments with a maximum, else [0, 1].
    split = np.zeros((n, t - 1), dtype=bool)
    split[mobj, mseg] = True
    pobj, pseg = np.nonzero(~split)
    piece_obj = np.concatenate([pobj, mobj, mobj])
    piece_seg = np.concatenate([pseg, mseg, mseg])
    piece_lo = np.concatenate([np.zeros(pobj.size), np.zeros(mobj.size), s_max])
    piece_hi = np.concatenate([np.ones(pobj.size), s_max, np.ones(mobj.size)])
    f_lo = np.concatenate([f[pobj, pseg], f[mobj, mseg], f_max])
    f_hi = np.concatenate([f[pobj, pseg + 1], f_max, f[mobj, mseg + 1]])
    crossing = ((f_lo <= 0) & (f_hi > 0)) | ((f_lo > 0) & (f_hi <= 0))
    if crossing.any():
        cobj, cseg = piece_obj[crossing], piece_seg[crossing]
        rising = f_hi[crossing] > 0
        segs = _Segments(enu, enu_dot, cobj, cseg, step_s)
        lo, hi = piece_lo[crossing], piece_hi[crossing]
        s_up = _bisect(lambda s: segs.elevation(s) - min_elevation_deg, lo, hi, rising=True)
        s_down = _bisect(lambda s: segs.elevation(s) - min_elevation_deg, lo, hi, rising=False)
        out_obj.append(cobj)
        out_seg.append(cseg)
        out_s.append(np.where(rising, s_up, s_down))
        out_kind.append(np.where(rising, RISE, SET).astype(np.int8))
    if not out_obj:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0), np.empty(0, dtype=np.int8)
    return (np.concatenate(out_obj), np.concatenate(out_seg), np.concatenate(out_s),
            np.concatenate(out_kind))


def _assemble(obj, seg, s, kind, f_start, f_end, el_edges):
    """Group sorted events of each object into passes.

    Returns a list of (object, rise_event, culmination_event, set_event),
    each event an index into the event arrays or a tuple ('edge', seg, s)
    for a pass cut by the window.
    """
    order = np.lexsort((kind, seg + s, obj))
    passes = []
    current = None  # [obj, rise, best_culm, best_el]
    objects_with_events = set()
    for i in order:
        o = int(obj[i])
        if current is not None and current[0] != o:
            passes.append((current[0], current[1], current[2], None))
            current = None
        if o not in objects_with_events:
            objects_with_events.add(o)
            if f_start[o] > 0:
                current = [o, None, None, -np.inf]
        k = kind[i]
        if k == RISE:
            if current is not None:  # a rise while open: close the old one at the window
                passes.append((current[0], current[1], current[2], None))
            current = [o, i, None, -np.inf]
        elif k == CULMINATION:
            if current is not None and el_edges[i] > current[3]:
                current[2], current[3] = i, el_edges[i]
        else:
            if current is not None:
                passes.append((o, current[1], current[2], i))
            current = None
    if current is not None:
        passes.append((current[0], current[1], current[2], None))
    # Objects above the limit the whole window, with no event at all.
    for o in np.flatnonzero((f_start > 0) & (f_end > 0)):
        if int(o) not in objects_with_events:
            passes.append((int(o), None, None, None))
    return passes


def find_passes(catalog, sites, start, end, *, min_elevation_deg: float = 10.0,
                step_s: float = 60.0, backend="auto", chunk_objects: int = 4000,
                sun_altitude_deg_limit: float = -12.0) -> Table:
    """Find every pass of every catalogue object above `min_elevation_deg` at each site.

    Parameters
    ----------
    catalog : Catalog
        N objects.
    sites : Site or sequence of Site
    start, end : time-like
        The window (UTC).
    min_elevation_deg : float
        Elevation limit (geometric, deg).
    step_s : float
        Coarse sampling step (s).
    backend : str
        Propagation backend.
    chunk_objects : int
        Objects propagated at once (bounds memory).
    sun_altitude_deg_limit : float
        Twilight limit used for ``sun_altitude_at_culmination_deg`` checks.

    Returns
    -------
    Table
        One row per pass per site, columns :data:`PASS_COLUMNS`;
        ``rise_utc``/``set_utc`` are empty when the window cuts the pass.
    """
    sites = [sites] if hasattr(sites, "itrs_km") else list(sites)
    t0 = to_times(start)[0:1]
    span_s = float(to_times(end)[0:1].seconds_since(t0)[0])
    if span_s <= 0:
        raise ValueError("the window ends before it starts")
    n_steps = max(1, int(np.ceil(span_s / step_s)))
    step = span_s / n_steps
    grid = time_range(t0, step_s=step, hours=span_s / 3600.0)[: n_steps + 1]
    eo = earth_orientation(grid)
    tables = []
    for a in range(0, len(catalog), chunk_objects):
        chunk = catalog.subset(np.arange(a, min(a + chunk_objects, len(catalog))))
        states = propagate(chunk, grid, backend=backend)
        r_itrs, v_itrs = teme_to_itrs(states.r_teme_km, states.v_teme_km_s, eo)
        del states
        for site in sites:
            basis = enu_basis(site.latitude_deg, site.longitude_deg)
            enu = (r_itrs - site.itrs_km) @ basis.T
            enu_dot = v_itrs @ basis.T
            tables.append(_passes_for_site(chunk, site, grid, step, enu, enu_dot,
                                           min_elevation_deg, basis))
    table = Table.concat(tables) if tables else _empty_table()
    return table.sort("site", "culmination_utc", "norad_id") if len(table) else table


def _empty_table() -> Table:
    columns = {}
    for name in PASS_COLUMNS:
        if name in ("norad_id",):
            columns[name] = np.empty(0, np.int64)
        elif name.endswith("_utc") or name in ("name", "site"):
            columns[name] = np.empty(0, dtype=str)
        elif name == "sunlit_at_culmination":
            columns[name] = np.empty(0, bool)
        else:
            columns[name] = np.empty(0)
    return Table(columns)


def _passes_for_site(chunk, site, grid, step, enu, enu_dot, min_el, basis) -> Table:
    obj, seg, s, kind = _site_events(enu, enu_dot, step, min_el)
    el = _elevation(enu)
    f_start = el[:, 0] - min_el
    f_end = el[:, -1] - min_el
    last_seg = enu.shape[1] - 2
    event_enu = _Segments(enu, enu_dot, obj, seg, step).position(s) if obj.size else np.empty((0, 3))
    event_el = _elevation(event_enu)
    passes = _assemble(obj, seg, s, kind, f_start, f_end, event_el)
    if not passes:
        return _empty_table()

    # Resolve every pass end to (object, segment, local time): events or window edges.
    def locate(event, edge):
        if event is not None:
            return int(seg[event]), float(s[event])
        return (0, 0.0) if edge == "start" else (last_seg, 1.0)

    rows_obj = np.array([p[0] for p in passes], dtype=np.intp)
    rise = np.array([locate(p[1], "start") for p in passes])
    sett = np.array([locate(p[3], "end") for p in passes])
    has_rise = np.array([p[1] is not None for p in passes])
    has_set = np.array([p[3] is not None for p in passes])
    culm = []
    for p, r_loc, s_loc in zip(passes, rise, sett):
        if p[2] is not None:
            culm.append((int(seg[p[2]]), float(s[p[2]])))
        else:  # no interior maximum: the pass is cut while rising or setting
            e_r = el[p[0], int(r_loc[0])] if r_loc[1] == 0.0 else -np.inf
            e_s = el[p[0], int(s_loc[0]) + 1] if s_loc[1] == 1.0 else -np.inf
            culm.append(tuple(r_loc) if e_r >= e_s else tuple(s_loc))
    culm = np.array(culm)

    def evaluate(loc):
        segs = _Segments(enu, enu_dot, rows_obj, loc[:, 0].astype(np.intp), step)
        return segs.position(loc[:, 1])

    def when(loc):
        return grid[loc[:, 0].astype(np.intp)].shift_seconds(loc[:, 1] * step)

    rise_enu, culm_enu, set_enu = evaluate(rise), evaluate(culm), evaluate(sett)
    rise_t, culm_t, set_t = when(rise), when(culm), when(sett)
    az = lambda v: np.degrees(np.arctan2(v[:, 0], v[:, 1])) % 360.0  # noqa: E731
    culm_range = np.linalg.norm(culm_enu, axis=1)

    # RA/Dec and sunlight at culmination: one Earth orientation for those times.
    eo_c = earth_orientation(culm_t)
    rho_itrs = culm_enu @ basis  # ENU -> ITRS (basis rows are E, N, U)
    rho_gcrs = rotate(eo_c.itrs_to_gcrs, rho_itrs)
    ra = np.degrees(np.arctan2(rho_gcrs[:, 1], rho_gcrs[:, 0])) % 360.0
    dec = np.degrees(np.arcsin(rho_gcrs[:, 2] / culm_range))
    site_gcrs = rotate(eo_c.itrs_to_gcrs, np.broadcast_to(site.itrs_km, rho_itrs.shape))
    sun = sun_position_gcrs_km(culm_t)
    sunlit = is_sunlit(rho_gcrs + site_gcrs, sun)
    sun_alt = sun_altitude_deg(culm_t, site, eo_c)

    rise_iso = np.where(has_rise, format_iso(rise_t), "")
    set_iso = np.where(has_set, format_iso(set_t), "")
    duration = set_t.seconds_since(rise_t[0:1]) - rise_t.seconds_since(rise_t[0:1])
    nan = np.nan
    return Table({
        "norad_id": chunk.norad_id[rows_obj],
        "name": chunk.name[rows_obj],
        "site": np.full(len(passes), site.name),
        "rise_utc": rise_iso,
        "culmination_utc": format_iso(culm_t),
        "set_utc": set_iso,
        "rise_azimuth_deg": np.where(has_rise, az(rise_enu), nan),
        "culmination_azimuth_deg": az(culm_enu),
        "set_azimuth_deg": np.where(has_set, az(set_enu), nan),
        "max_elevation_deg": _elevation(culm_enu),
        "culmination_range_km": culm_range,
        "culmination_ra_deg": ra,
        "culmination_dec_deg": dec,
        "duration_s": np.where(has_rise & has_set, duration, nan),
        "sunlit_at_culmination": sunlit,
        "sun_altitude_at_culmination_deg": sun_alt,
    })

