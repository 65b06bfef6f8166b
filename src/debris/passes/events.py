"""Events of passes on the coarse grid: rises, culminations and sets, grouped into passes.

On each candidate grid interval the site-relative ENU state is a cubic Hermite segment
(:class:`Segments`). The sign of the elevation rate at the ends marks the segments holding an
elevation maximum, which bisection locates - so a short pass whose both samples are below the
limit is still found when its maximum is above it; limit crossings are found by bisection on
the monotonic pieces between the segment ends and the maxima (:func:`site_events`). Exact SGP4
then times each event (:func:`refine_crossings`: one Newton step on the exact elevation;
:func:`refine_culminations`: an exact bracket of +-1 s). :func:`group_passes` turns the events
of each object into passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..frames import azimuth_deg, elevation_deg
from ..hermite import hermite_position, hermite_velocity
from ..propagation import propagate_at
from ..search import bisect
from . import event_rules as rules
from .grid import BISECTIONS

__all__ = ["RISE", "CULMINATION", "SET", "Context", "Segments", "elevation_rate_sign",
           "site_events", "site_segments", "group_passes", "refine_crossings",
           "refine_culminations"]

RISE, CULMINATION, SET = 0, 1, 2
_NEWTON_MAX_S = 2.0  # largest correction exact SGP4 may make to an interpolated event time
_CULMINATION_HALF_S = 1.0  # half-width of the exact bracket around an interpolated maximum


@dataclass
class Context:
    """What every step of one pass search shares: the grid, the window and the limits."""

    grid: object
    step: float
    span: float
    eo: object
    min_el: float
    sun_limit: float
    backend: object = "auto"


def elevation_rate_sign(enu, enu_dot):
    """A quantity with the sign of d(elevation)/dt (:func:`.event_rules.rate_sign`)."""
    return rules.rate_sign(enu[..., 0], enu[..., 1], enu[..., 2], enu_dot[..., 0],
                           enu_dot[..., 1], enu_dot[..., 2])


def _above(p, sin_min):
    """:func:`.event_rules.above` of (M, 3) ENU positions."""
    return rules.above(p[..., 0], p[..., 1], p[..., 2], sin_min)


class Segments:
    """Hermite segments of site-relative ENU states, given by their end states (M, 3)."""

    def __init__(self, p0, v0, p1, v1, step_s):
        self.p0, self.v0, self.p1, self.v1, self.step_s = p0, v0, p1, v1, step_s

    def take(self, index) -> "Segments":
        step = self.step_s[index] if np.ndim(self.step_s) else self.step_s
        return Segments(self.p0[index], self.v0[index], self.p1[index], self.v1[index], step)

    def position(self, s):
        return hermite_position(self.p0, self.v0, self.p1, self.v1, self.step_s, s)

    def elevation(self, s):
        return elevation_deg(self.position(s))

    def velocity(self, s):
        return hermite_velocity(self.p0, self.v0, self.p1, self.v1, self.step_s, s)

    def rate_sign(self, s):
        return elevation_rate_sign(self.position(s), self.velocity(s))


def _bisect_sign(func, lo, hi, rising):
    """Zeros of monotonic functions on [lo, hi]; `rising` (bool or array) says, per element,
    whether the function goes from negative to positive."""
    return bisect(lambda s: func(s) > 0, lo, hi, np.logical_not(rising), BISECTIONS)


def site_events(segs: Segments, obj, seg, step_s, min_elevation_deg):
    """Find rise, culmination and set events on candidate segments.

    Parameters
    ----------
    segs : Segments
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
    g0 = elevation_rate_sign(segs.p0, segs.v0)
    g1 = elevation_rate_sign(segs.p1, segs.v1)
    f0 = _above(segs.p0, sin_min)  # sign of elevation - limit
    f1 = _above(segs.p1, sin_min)
    out_obj, out_seg, out_s, out_kind = [], [], [], []

    # Maxima: elevation rate goes from + to - inside the segment.
    is_max = rules.has_maximum(g0, g1)
    m = np.flatnonzero(is_max)
    s_max = np.ones(m.size)
    f_max = np.empty(m.size)
    if m.size:
        msegs = segs.take(m)
        s_max = _bisect_sign(msegs.rate_sign, np.zeros(m.size), np.ones(m.size), rising=False)
        p_max = msegs.position(s_max)
        f_max = _above(p_max, sin_min)
        keep = rules.is_up(f_max)
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
    crossing = rules.crosses(f_lo, f_hi)
    if crossing.any():
        c = piece[crossing]
        rising = rules.is_up(f_hi[crossing])
        csegs = segs.take(c)

        def above(s):  # sign of elevation - limit, without the arctangent
            return _above(csegs.position(s), sin_min)

        out_obj.append(obj[c])
        out_seg.append(seg[c])
        out_s.append(_bisect_sign(above, piece_lo[crossing], piece_hi[crossing], rising))
        out_kind.append(np.where(rising, RISE, SET).astype(np.int8))
    if not out_obj:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0), np.empty(0, dtype=np.int8)
    return (np.concatenate(out_obj), np.concatenate(out_seg), np.concatenate(out_s),
            np.concatenate(out_kind))


def site_segments(track, site, basis, obj, seg):
    """Site-relative ENU Hermite segments for (object, interval) pairs."""
    r0, v0, r1, v1 = track.ends(obj, seg)
    return Segments((r0 - site.itrs_km) @ basis.T, v0 @ basis.T,
                     (r1 - site.itrs_km) @ basis.T, v1 @ basis.T, track.step)


def group_passes(obj, seg, s, kind, f_start, f_end, el_edges):
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
    starts_open = first & rules.is_up(f_start[o])
    at = np.flatnonzero(starts_open)
    o = np.insert(o, at, o[at])
    k = np.insert(k, at, RISE).astype(np.int8)
    el = np.insert(el, at, -np.inf)
    index = np.insert(index, at, -1)
    first = np.ones(o.size, bool)
    first[1:] = o[1:] != o[:-1]
    # Objects above the limit the whole window, with no event at all.
    has_events = np.zeros(n_obj, bool)
    has_events[obj] = True
    whole = np.flatnonzero(rules.is_up(f_start) & rules.is_up(f_end) & ~has_events)
    none = np.full(whole.size, -1, np.intp)
    if o.size == 0:  # no event at all in this chunk
        return whole.astype(np.intp), none, none.copy(), none.copy()
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
    return (np.concatenate([p_obj, whole]).astype(np.intp), np.concatenate([rise, none]),
            np.concatenate([culmination, none]), np.concatenate([sets, none]))


def exact_enu(track, chunk, ctx, site, basis, obj, t):
    """Exact SGP4 site-relative ENU position (km) and Earth-fixed velocity (km/s), (M, 3)."""
    r, v, _ = propagate_at(chunk, obj, ctx.grid[0:1].shift_seconds(t), backend=ctx.backend)
    pos, vel = track.to_itrs(r, v, t)
    return (pos - site.itrs_km) @ basis.T, vel @ basis.T


def _elevation_rate(enu, enu_dot):
    """d(elevation)/dt (rad/s)."""
    horizontal2 = enu[:, 0] ** 2 + enu[:, 1] ** 2
    return elevation_rate_sign(enu, enu_dot) / (
        np.sqrt(horizontal2) * np.einsum("mi,mi->m", enu, enu))


def refine_crossings(track, chunk, ctx, site, basis, obj, t):
    """One Newton step on exact SGP4 elevation for limit crossings at interpolated times `t`.

    The interpolated times are within a fraction of a second of the exact ones, where the
    elevation is linear to micro-seconds of time, so one step is enough. Returns the refined
    times and ENU positions there (first-order from the exact state: centimetres).
    """
    enu, enu_dot = exact_enu(track, chunk, ctx, site, basis, obj, t)
    el = np.radians(elevation_deg(enu))
    rate = _elevation_rate(enu, enu_dot)
    with np.errstate(divide="ignore", invalid="ignore"):
        dt = -(el - np.radians(ctx.min_el)) / rate
    dt = np.where(np.isfinite(dt), np.clip(dt, -_NEWTON_MAX_S, _NEWTON_MAX_S), 0.0)
    t_new = np.clip(t + dt, 0.0, ctx.span)
    good = np.isfinite(enu[:, 0])
    return np.where(good, t_new, t), enu + enu_dot * (t_new - t)[:, None], good


def refine_culminations(track, chunk, ctx, site, basis, obj, t):
    """The exact elevation maximum near interpolated maxima `t`: exact SGP4 states one
    second either side bracket the zero of the elevation rate, located on the cubic Hermite
    segment between them (metres and milliseconds). Returns times, ENU positions and a flag
    of the maxima the bracket held (the others keep their interpolated values)."""
    h = _CULMINATION_HALF_S
    lo = np.clip(t - h, 0.0, ctx.span)
    hi = np.clip(t + h, 0.0, ctx.span)
    both = np.concatenate([lo, hi])
    enu, enu_dot = exact_enu(track, chunk, ctx, site, basis, np.concatenate([obj, obj]), both)
    m = len(t)
    p0, v0, p1, v1 = enu[:m], enu_dot[:m], enu[m:], enu_dot[m:]
    g0, g1 = elevation_rate_sign(p0, v0), elevation_rate_sign(p1, v1)
    held = rules.has_maximum(g0, g1) & (hi > lo)
    segs = Segments(p0, v0, p1, v1, np.maximum(hi - lo, 1e-9))
    s = np.full(m, 0.5)
    if held.any():
        sub = segs.take(held)
        s[held] = _bisect_sign(lambda x: elevation_rate_sign(sub.position(x), sub.velocity(x)),
                               np.zeros(held.sum()), np.ones(held.sum()), rising=False)
    return lo + s * (hi - lo), segs.position(s), held


#: Sampling step (s) of the search for horizon-mask crossings where the object may be near
#: the mask: a mask feature the object crosses in less time than this may be stepped over.
MASK_STEP_S = 1.0
#: Step (s) of the first, coarse look: a coarse interval is sampled finely only when the
#: clearance's rate there (the elevation rate, and the azimuth rate times the mask's steepest
#: slope within the azimuths swept, with half again as margin) could bring it to zero.
MASK_COARSE_S = 10.0
#: Bisections on exact SGP4 that refine each mask crossing: 1 s / 2^12, a quarter millisecond.
MASK_BISECTIONS = 12
_MASK_CHUNK = 400_000  # samples per batch


def _clearance_and_rate(track, site, basis, mask, span_s, obj, t):
    """Clearance above the mask (deg) at times `t` and a bound on its rate (deg/s) over
    `span_s` either side, (M,): the elevation rate and the mask's steepest slope within
    the azimuths the object sweeps meanwhile times the azimuth rate."""
    g, bound = np.empty(t.size), np.empty(t.size)
    for a in range(0, t.size, _MASK_CHUNK):
        part = slice(a, a + _MASK_CHUNK)
        pos, vel = track.state(obj[part], t[part])
        enu, dot = (pos - site.itrs_km) @ basis.T, vel @ basis.T
        az = azimuth_deg(enu)
        g[part] = elevation_deg(enu) - mask(az)
        if span_s <= 0:
            continue
        h2 = enu[:, 0] ** 2 + enu[:, 1] ** 2
        r2 = h2 + enu[:, 2] ** 2
        el_rate = np.degrees(np.abs(elevation_rate_sign(enu, dot) / (np.sqrt(h2) * r2)))
        az_rate = np.degrees(np.abs((dot[:, 0] * enu[:, 1] - enu[:, 0] * dot[:, 1]) / h2))
        slope = mask.steepest_slope(az, 2.0 * az_rate * span_s + 1.0)
        bound[part] = el_rate + slope * az_rate
    return g, bound


def _samples(t_a, t_b, step):
    """Times every `step` from each t_a to its t_b (both included): (index, times)."""
    counts = np.maximum(np.ceil((t_b - t_a) / step).astype(int), 1) + 1
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    which = np.repeat(np.arange(t_a.size), counts)
    k = np.arange(which.size) - starts[which]
    return which, np.minimum(t_a[which] + k * step, t_b[which]), starts, counts


def mask_intervals(track, chunk, ctx, site, basis, p_obj, t_rise, t_set):
    """The parts of each pass above the site's horizon mask: (pass, start s, end s), (I,).

    The clearance ``g(t) = elevation - mask(azimuth)`` is looked at every
    :data:`MASK_COARSE_S` from rise to set on the interpolated track, then every
    :data:`MASK_STEP_S` in the coarse intervals where its rate could bring it to zero; each
    sign change is bisected on exact SGP4 to :data:`MASK_BISECTIONS` halvings. An interval
    starts at the rise (ends at the set) when the object already clears the mask there.
    Passes entirely below the mask have no interval.
    """
    mask = site.horizon
    which, t, starts, counts = _samples(t_rise, t_set, MASK_COARSE_S)
    g, bound = _clearance_and_rate(track, site, basis, mask, MASK_COARSE_S, p_obj[which], t)
    same = which[1:] == which[:-1]
    reach = 1.5 * np.maximum(bound[1:], bound[:-1]) * np.diff(t) + 0.05
    near = same & ((np.sign(g[1:]) != np.sign(g[:-1]))
                   | (np.abs(g[1:]) + np.abs(g[:-1]) <= reach))
    k = np.flatnonzero(near)
    fine_which, fine_t, fine_starts, _ = _samples(t[k], t[k + 1], MASK_STEP_S)
    fine_g, _ = _clearance_and_rate(track, site, basis, mask, 0.0,
                                    p_obj[which[k][fine_which]], fine_t)
    up_fine = fine_g > 0.0
    change = np.flatnonzero((up_fine[1:] != up_fine[:-1])
                            & (fine_which[1:] == fine_which[:-1]))
    lo, hi, rising = fine_t[change], fine_t[change + 1], ~up_fine[change]
    c_pass = which[k][fine_which[change]]
    obj = p_obj[c_pass]
    for _ in range(MASK_BISECTIONS):  # exact SGP4: the interpolant is metres off
        mid = 0.5 * (lo + hi)
        enu, _ = exact_enu(track, chunk, ctx, site, basis, obj, mid)
        now_up = elevation_deg(enu) - mask(azimuth_deg(enu)) > 0.0
        moved = now_up == rising  # the crossing lies before mid
        hi = np.where(moved, mid, hi)
        lo = np.where(moved, lo, mid)
    crossing = 0.5 * (lo + hi)
    # Intervals per pass: from the rise if up there, through each crossing, to the set.
    up = g > 0.0
    first, last = starts, starts + counts - 1
    up_first, up_last = up[first], up[last]
    ev_pass = np.concatenate([c_pass, np.flatnonzero(up_first), np.flatnonzero(up_last)])
    ev_t = np.concatenate([crossing, t_rise[up_first], t_set[up_last]])
    ev_kind = np.concatenate([np.where(rising, 0, 1), np.zeros(up_first.sum(), int),
                              np.ones(up_last.sum(), int)])  # 0 opens, 1 closes
    order = np.lexsort((ev_kind, ev_t, ev_pass))
    ev_pass, ev_t, ev_kind = ev_pass[order], ev_t[order], ev_kind[order]
    opens = ev_kind == 0
    # Opening and closing events alternate within a pass, opening first.
    return ev_pass[opens], ev_t[opens], ev_t[~opens]
