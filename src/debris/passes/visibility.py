"""When a pass can be seen: the object sunlit, the site's sky dark; and how bright it is then.

Shadow entries and exits are found on the candidate intervals of each object (the
cylindrical shadow brackets them, the line-of-sight test of :func:`debris.sun.is_sunlit`
times them on the Hermite track), dark-sky transitions once per site; each pass is split
at these into visible intervals. Magnitudes come from the range and phase angle at points of
the visible intervals (:func:`debris.magnitude.visual_magnitude`).
"""

from __future__ import annotations

import numpy as np

from ..constants import EARTH_SHADOW_RADIUS_KM
from ..frames import phase_angle_rad, vector_norm
from ..hermite import hermite_position
from ..magnitude import visual_magnitude
from ..search import bisect
from ..sun import is_sunlit, is_sunlit_fast, site_elevation_deg
from .grid import BISECTIONS

__all__ = ["sunlit_transitions", "visible_intervals", "brightest_magnitude", "intersect_intervals"]


def sunlit_transitions(track, candidates, step):
    """Shadow entries and exits on the segments where an object may be above a site.

    Parameters
    ----------
    candidates : list of (obj, seg) arrays, one pair per site
        Only these segments can hold part of a pass, so only they are examined.

    Returns
    -------
    obj, t, new_state : ndarray, shape (F,)
    """
    mask = np.zeros((track.n_objects, track.n_times), bool)
    for c_obj, c_seg in candidates:
        mask[c_obj, c_seg] = True
    u_obj, u_seg = np.nonzero(mask)
    if track.kernels is not None:
        obj, seg, s, state_lo = track.kernels.sunlit_flips(
            track, u_obj, u_seg, EARTH_SHADOW_RADIUS_KM, BISECTIONS)
        return obj, (seg + s) * step, ~state_lo
    lit0 = is_sunlit_fast(track.itrs(u_obj, u_seg)[0], track.sun_itrs[u_seg])
    lit1 = is_sunlit_fast(track.itrs(u_obj, u_seg + 1)[0], track.sun_itrs[u_seg + 1])
    flip = lit0 != lit1
    obj, seg, state_lo = u_obj[flip], u_seg[flip], lit0[flip]
    ends = track.ends(obj, seg)
    sun0, sun1 = track.sun_itrs[seg], track.sun_itrs[seg + 1]

    def lit(s):
        position = hermite_position(*ends, step, s)
        return is_sunlit(position, sun0 * (1.0 - s[:, None]) + sun1 * s[:, None])

    s = bisect(lit, np.zeros(obj.size), np.ones(obj.size), state_lo, BISECTIONS)
    return obj, (seg + s) * step, ~state_lo


def visible_intervals(p_obj, t_rise, t_set, track, flips, site, ctx):
    """Split each pass where the object is sunlit and the sky is dark.

    Returns
    -------
    iv_pass, iv_a, iv_b : ndarray, shape (I,)
        Visible intervals (pass index, start s, end s).
    sunlit_time : ndarray, shape (P,)
        Seconds of each pass in sunlight.
    """
    # Dark-sky transitions at the site (a handful per window, shared by all objects).
    dark = site_elevation_deg(track.sun_itrs, site) <= ctx.sun_limit
    kd = np.flatnonzero(dark[:-1] != dark[1:])
    dark_t = bisect(lambda tm: site_elevation_deg(track.sun(tm), site) <= ctx.sun_limit,
                    kd * ctx.step, (kd + 1.0) * ctx.step, dark[kd], BISECTIONS)
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
    dark0 = site_elevation_deg(track.sun(t_rise), site) <= ctx.sun_limit
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


def brightest_magnitude(track, site, std_mag, p_obj, t_culm, iv_pass, iv_a, iv_b, n_passes,
                        phase_weight=None):
    """The brightest estimated magnitude of each pass over its visible intervals, (P,).
    `phase_weight` (n,): each object's phase-law weight (default 1: the sphere's law).

    Sampled at 9 points of each interval and at the culmination when it falls inside one
    (where a pass is usually brightest: nearest); inf for passes with no visible interval.
    """
    min_mag = np.full(n_passes, np.inf)
    if iv_pass.size:
        frac = np.linspace(0.0, 1.0, 9)
        t_mag = np.concatenate([iv_a[:, None] + frac * (iv_b - iv_a)[:, None],
                                np.clip(t_culm[iv_pass], iv_a, iv_b)[:, None]], axis=1)
        o = np.repeat(p_obj[iv_pass], t_mag.shape[1])
        pos, _ = track.state(o, t_mag.ravel())
        to_site = site.itrs_km - pos
        weight = 1.0 if phase_weight is None else phase_weight[o]
        mags = visual_magnitude(std_mag[o], vector_norm(to_site),
                                phase_angle_rad(to_site, track.sun(t_mag.ravel()) - pos), weight)
        np.minimum.at(min_mag, iv_pass, mags.reshape(t_mag.shape).min(axis=1))
    return min_mag


def intersect_intervals(first, second):
    """The intersection of two sets of per-pass intervals, each (pass, start, end) arrays
    with a pass's intervals disjoint: (pass, start, end) of the non-empty overlaps."""
    a_pass, a_lo, a_hi = (np.asarray(x) for x in first)
    b_pass, b_lo, b_hi = (np.asarray(x) for x in second)
    order = np.lexsort((b_lo, b_pass))
    b_pass, b_lo, b_hi = b_pass[order], b_lo[order], b_hi[order]
    begin = np.searchsorted(b_pass, a_pass, side="left")
    end = np.searchsorted(b_pass, a_pass, side="right")
    count = end - begin
    which = np.repeat(np.arange(a_pass.size), count)  # every (a, b) pair of one pass
    b = np.arange(which.size) - np.repeat(np.cumsum(count) - count, count) + begin[which]
    lo = np.maximum(a_lo[which], b_lo[b])
    hi = np.minimum(a_hi[which], b_hi[b])
    keep = hi > lo
    return a_pass[which[keep]], lo[keep], hi[keep]
