"""Compiled first stage of the pass search (numba): propagation fused with the site filter.

Most of the time an object is far below every site's horizon, and there is no need to know
where it is every grid step. An object at distance r is above elevation e only within the
central angle ``arccos(R cos e / r) - e`` of a site (the *cap*), and its direction from the
Earth's centre turns, relative to the rotating site, at most at its Earth-fixed angular
rate. Per object, this kernel

1. bounds the object's distance and angular rate over the window (:func:`_bounds`, from its
   states at both window ends);
2. walks the grid: from a sample at central angle d beyond every site's cap, the object
   needs at least d / rate to reach one, so it jumps that many grid steps (at least one)
   and propagates only there;
3. where it steps one interval at a time, applies the grid-interval candidate test of
   :func:`debris.passes.grid.candidate_segments` to each interval and flags it per site.

So every state a pass search reads is computed, at about a third of the propagations of
the full grid, and no (N, T) geometry arrays are built. Samples that are skipped are NaN
and never read: only flagged intervals (whose two ends are computed) and the window's two
ends are.

The per-candidate work of the pass search runs here too, as compiled loops over candidates
with the same Hermite interpolation, tests and bisections as the array code of
:mod:`debris.passes.events` and :mod:`debris.passes.visibility` (tested to give the same
passes): events on candidate intervals, interpolated states, shadow transitions. One
compiled bisection (:func:`_bisect`) serves every search here. Importing this module
imports numba.
"""

from __future__ import annotations

import numba
import numpy as np

from ..backends import compile_note
from ..constants import (MINUTES_PER_DAY, SURFACE_ESCAPE_SPEED_KM_S, WGS72_EARTH_RADIUS_KM,
                         WGS72_MU_KM3_S2)
from ..kernel_cache import njit
from ..propagation.numba_sgp4 import COLUMN, store_state
from . import event_rules as rules

__all__ = ["pass_candidates", "samples", "site_events", "sunlit_flips", "track_states"]

# Coefficient-table columns the walk reads (module constants: compiled in).
_EPOCH_JD, _EPOCH_FR = COLUMN["jd"], COLUMN["fr"]
_ECC, _A0 = COLUMN["ecco"], COLUMN["ao"]
# What the compiled bisection locates.
_RATE, _ABOVE, _LIT = 0, 1, 2
_NO_SUN = (0.0, 0.0, 0.0)


def _central(r_out, o, k, site_dir, s):  # pragma: no cover - compiled
    """Central angle (rad) between the object and site `s` at grid index k; NaN if failed."""
    x, y, z = r_out[o, k, 0], r_out[o, k, 1], r_out[o, k, 2]
    radius = np.sqrt(x * x + y * y + z * z)
    cosine = (x * site_dir[k, s, 0] + y * site_dir[k, s, 1] + z * site_dir[k, s, 2]) / radius
    return np.arccos(min(1.0, max(-1.0, cosine)))


def _radius_rate(r_out, v_out, o, k, omega):  # pragma: no cover - compiled
    """Geocentric distance (km) and the bound |v_TEME|/r + omega of the Earth-fixed angular
    rate (rad/s) at grid index k."""
    x, y, z = r_out[o, k, 0], r_out[o, k, 1], r_out[o, k, 2]
    radius = np.sqrt(x * x + y * y + z * z)
    vx, vy, vz = v_out[o, k, 0], v_out[o, k, 1], v_out[o, k, 2]
    return radius, np.sqrt(vx * vx + vy * vy + vz * vz) / radius + omega[k]


def _cap(site_r, cos_el, el, radius):  # pragma: no cover - compiled
    """Central angle (rad) within which an object at `radius` is above elevation `el`."""
    return np.arccos(min(1.0, max(-1.0, site_r * cos_el / radius))) - el


_MU = WGS72_MU_KM3_S2
_ESCAPE_RATE = SURFACE_ESCAPE_SPEED_KM_S / WGS72_EARTH_RADIUS_KM  # rad/s: the largest rate


def _bounds(r_out, v_out, e_out, o, k_last, ecc, omega_max, ao_km):  # pragma: no cover
    """Upper bounds of an object's geocentric distance (km) and Earth-fixed angular rate
    (rad/s) over the window, from its osculating semi-major axes at both window ends.

    On a Keplerian orbit the angular rate |v|/r peaks at perigee at
    n sqrt(1 + e) / (1 - e)^1.5 and the distance at apogee at a (1 + e); margins of 10 %
    on the rate, 1 % on the distance and 0.005 on e cover SGP4's periodic terms and drag
    over a window. An object that fails at an end (decay) gets the absolute bounds: escape
    speed at the surface, 5 % over its apogee.
    """
    fallback_r = ao_km * (1.0 + ecc) * 1.05
    fallback_rate = _ESCAPE_RATE + omega_max
    a_hi = 0.0
    a_lo = 1.0e30
    for k in (0, k_last):
        if e_out[o, k] != 0:
            return fallback_r, fallback_rate
        x, y, z = r_out[o, k, 0], r_out[o, k, 1], r_out[o, k, 2]
        vx, vy, vz = v_out[o, k, 0], v_out[o, k, 1], v_out[o, k, 2]
        inv_a = 2.0 / np.sqrt(x * x + y * y + z * z) - (vx * vx + vy * vy + vz * vz) / _MU
        if inv_a <= 0.0:
            return fallback_r, fallback_rate
        a_hi = max(a_hi, 1.0 / inv_a)
        a_lo = min(a_lo, 1.0 / inv_a)
    e = min(ecc + 0.005, 0.9)
    n = np.sqrt(_MU / (a_lo * a_lo * a_lo))
    rate = 1.1 * n * np.sqrt(1.0 + e) / (1.0 - e) ** 1.5 + omega_max
    return a_hi * (1.0 + e) * 1.01, min(rate, fallback_rate)


def _pass_candidates_py(table, rows, jd, fr, step, site_dir, site_r, el, margin,
                        omega, r_out, v_out, e_out, cand):  # pragma: no cover - compiled
    n = table.shape[0]
    t_count = jd.shape[0]
    n_sites = site_dir.shape[1]
    last = t_count - 1
    cos_el = np.cos(el)
    omega_max = 0.0
    for k in range(t_count):
        omega_max = max(omega_max, omega[k])
    for i in numba.prange(n):
        c = table[i]
        o = rows[i]
        ejd, efr = c[_EPOCH_JD], c[_EPOCH_FR]
        # Samples not propagated read as NaN (and are never read by the pass search);
        # error codes were zeroed by the caller.
        for k in range(t_count):
            for j in range(3):
                r_out[o, k, j] = np.nan
                v_out[o, k, j] = np.nan
        for k in (0, last):
            store_state(c, (jd[k] - ejd) * MINUTES_PER_DAY + (fr[k] - efr) * MINUTES_PER_DAY,
                        r_out, v_out, e_out, o, k)
        radius_max, rate_max = _bounds(r_out, v_out, e_out, o, last, c[_ECC], omega_max,
                                       c[_A0] * WGS72_EARTH_RADIUS_KM)
        caps = np.empty(n_sites)
        for s in range(n_sites):
            caps[s] = _cap(site_r[s], cos_el, el, radius_max) + margin
        # Walk the grid: from a sample at central angle d beyond every site's cap the object
        # needs at least d / rate_max to come within one, so the samples in between are
        # skipped; where no jump is possible, each grid interval gets the candidate test.
        # The geometry of the sample just reached is kept for the next interval.
        here = np.empty(n_sites)
        there = np.empty(n_sites)
        ok_here = e_out[o, 0] == 0
        r_here, w_here = 0.0, 0.0
        if ok_here:
            r_here, w_here = _radius_rate(r_out, v_out, o, 0, omega)
            for s in range(n_sites):
                here[s] = _central(r_out, o, 0, site_dir, s)
        k = 0
        while k < last:
            jump = 1
            if ok_here:
                d = 1.0e9
                for s in range(n_sites):
                    d = min(d, here[s] - caps[s])
                if d > 0.0:
                    jump = max(1, min(int(d / (rate_max * step)), last - k))
            nxt = k + jump
            if nxt != last:
                store_state(c, (jd[nxt] - ejd) * MINUTES_PER_DAY
                            + (fr[nxt] - efr) * MINUTES_PER_DAY, r_out, v_out, e_out, o, nxt)
            ok_there = e_out[o, nxt] == 0
            r_there, w_there = 0.0, 0.0
            if ok_there:
                r_there, w_there = _radius_rate(r_out, v_out, o, nxt, omega)
                for s in range(n_sites):
                    there[s] = _central(r_out, o, nxt, site_dir, s)
            if jump == 1 and ok_here and ok_there:
                reach = 0.55 * step * max(w_here, w_there)
                for s in range(n_sites):
                    near = min(here[s], there[s]) - reach
                    # caps[s] (window's largest distance) bounds the interval's own cap
                    if near <= caps[s] and near <= _cap(site_r[s], cos_el, el,
                                                        max(r_here, r_there) * 1.01) + margin:
                        cand[o, s, k] = 1
            k = nxt
            ok_here, r_here, w_here = ok_there, r_there, w_there
            for s in range(n_sites):
                here[s] = there[s]


def _itrs(r, v, cosg, sing, omega, o, k):  # pragma: no cover - compiled
    """TEME sample (o, k) turned to ITRS by the GMST rotation: position, velocity tuples."""
    c, s, w = cosg[k], sing[k], omega[k]
    x = c * r[o, k, 0] + s * r[o, k, 1]
    y = c * r[o, k, 1] - s * r[o, k, 0]
    return ((x, y, r[o, k, 2]),
            (c * v[o, k, 0] + s * v[o, k, 1] + w * y, c * v[o, k, 1] - s * v[o, k, 0] - w * x,
             v[o, k, 2]))


def _hermite(p0, v0, p1, v1, h, s):  # pragma: no cover - compiled
    """Cubic Hermite position and velocity at local time s of 3-tuples (as
    :mod:`debris.hermite`)."""
    s2 = s * s
    s3 = s2 * s
    a, b, c, d = 2 * s3 - 3 * s2 + 1, (s3 - 2 * s2 + s) * h, -2 * s3 + 3 * s2, (s3 - s2) * h
    da, db, dc = (6 * s2 - 6 * s) / h, 3 * s2 - 4 * s + 1, 3 * s2 - 2 * s
    return ((a * p0[0] + b * v0[0] + c * p1[0] + d * v1[0],
             a * p0[1] + b * v0[1] + c * p1[1] + d * v1[1],
             a * p0[2] + b * v0[2] + c * p1[2] + d * v1[2]),
            (da * (p0[0] - p1[0]) + db * v0[0] + dc * v1[0],
             da * (p0[1] - p1[1]) + db * v0[1] + dc * v1[1],
             da * (p0[2] - p1[2]) + db * v0[2] + dc * v1[2]))


def _enu(p, vel, site, basis):  # pragma: no cover - compiled
    """ITRS position and velocity tuples to site-relative ENU tuples."""
    x, y, z = p[0] - site[0], p[1] - site[1], p[2] - site[2]
    return ((basis[0, 0] * x + basis[0, 1] * y + basis[0, 2] * z,
             basis[1, 0] * x + basis[1, 1] * y + basis[1, 2] * z,
             basis[2, 0] * x + basis[2, 1] * y + basis[2, 2] * z),
            (basis[0, 0] * vel[0] + basis[0, 1] * vel[1] + basis[0, 2] * vel[2],
             basis[1, 0] * vel[0] + basis[1, 1] * vel[1] + basis[1, 2] * vel[2],
             basis[2, 0] * vel[0] + basis[2, 1] * vel[1] + basis[2, 2] * vel[2]))


def _rate_sign(p, vel):  # pragma: no cover - compiled
    """:func:`.event_rules.rate_sign` of ENU tuples."""
    return _rule_rate(p[0], p[1], p[2], vel[0], vel[1], vel[2])


def _above(p, sin_min):  # pragma: no cover - compiled
    """:func:`.event_rules.above` of an ENU tuple."""
    return _rule_above(p[0], p[1], p[2], sin_min)


def _elevation_deg(p):  # pragma: no cover - compiled
    return np.degrees(np.arctan2(p[2], np.sqrt(p[0] * p[0] + p[1] * p[1])))


def _bisect(kind, p0, v0, p1, v1, h, lo, hi, value_at_lo, param, sun0, sun1,
            n_iter):  # pragma: no cover - compiled
    """Bisection on a Hermite segment for where a test stops having `value_at_lo`: the
    elevation rate positive (``_RATE``), the elevation above the limit whose sine is `param`
    (``_ABOVE``), the object sunlit with the Sun moving from `sun0` to `sun1` and an Earth
    of radius `param` (``_LIT``). As :func:`debris.search.bisect`."""
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        pm, vm = _hermite(p0, v0, p1, v1, h, mid)
        if kind == _RATE:
            state = _rate_sign(pm, vm) > 0
        elif kind == _ABOVE:
            state = _is_up(_above(pm, param))
        else:
            sun = (sun0[0] * (1.0 - mid) + sun1[0] * mid, sun0[1] * (1.0 - mid) + sun1[1] * mid,
                   sun0[2] * (1.0 - mid) + sun1[2] * mid)
            state = _lit_exact(pm, sun, param)
        if state == value_at_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _site_events_py(r, v, cosg, sing, omega, step, obj, seg, site, basis, sin_min, n_iter,
                    ev_s, ev_kind, ev_el, ev_n):  # pragma: no cover - compiled
    for m in numba.prange(obj.shape[0]):
        o, k = obj[m], seg[m]
        a_p, a_v = _itrs(r, v, cosg, sing, omega, o, k)
        b_p, b_v = _itrs(r, v, cosg, sing, omega, o, k + 1)
        p0, v0 = _enu(a_p, a_v, site, basis)
        p1, v1 = _enu(b_p, b_v, site, basis)
        f0, f1 = _above(p0, sin_min), _above(p1, sin_min)
        count = 0
        lo_1, hi_1, flo_1, fhi_1 = 0.0, 1.0, f0, f1
        lo_2, hi_2, flo_2, fhi_2 = 1.0, 1.0, f1, f1  # second piece empty unless a maximum
        if _has_maximum(_rate_sign(p0, v0), _rate_sign(p1, v1)):
            s_max = _bisect(_RATE, p0, v0, p1, v1, step, 0.0, 1.0, True, 0.0, _NO_SUN, _NO_SUN,
                            n_iter)
            pm, vm = _hermite(p0, v0, p1, v1, step, s_max)
            f_max = _above(pm, sin_min)
            if _is_up(f_max):
                ev_s[m, count] = s_max
                ev_kind[m, count] = 1
                ev_el[m, count] = _elevation_deg(pm)
                count += 1
            hi_1, fhi_1 = s_max, f_max
            lo_2, hi_2, flo_2, fhi_2 = s_max, 1.0, f_max, f1
        for piece in range(2):
            lo, hi, flo, fhi = (lo_1, hi_1, flo_1, fhi_1) if piece == 0 else (lo_2, hi_2, flo_2,
                                                                                fhi_2)
            if hi <= lo and piece == 1:
                continue
            if not _crosses(flo, fhi):
                continue
            rising = _is_up(fhi)
            s_ev = _bisect(_ABOVE, p0, v0, p1, v1, step, lo, hi, not rising, sin_min, _NO_SUN,
                           _NO_SUN, n_iter)
            pm, vm = _hermite(p0, v0, p1, v1, step, s_ev)
            ev_s[m, count] = s_ev
            ev_kind[m, count] = 0 if rising else 2
            ev_el[m, count] = _elevation_deg(pm)
            count += 1
        ev_n[m] = count


def _lit_exact(p, sun, radius):  # pragma: no cover - compiled
    """Outside the Earth's shadow (line of sight to the Sun clears a sphere of `radius`),
    as :func:`debris.sun.is_sunlit`."""
    tx, ty, tz = sun[0] - p[0], sun[1] - p[1], sun[2] - p[2]
    norm = np.sqrt(tx * tx + ty * ty + tz * tz)
    b = (p[0] * tx + p[1] * ty + p[2] * tz) / norm
    disc = b * b - (p[0] * p[0] + p[1] * p[1] + p[2] * p[2] - radius * radius)
    if not np.isfinite(b):
        return False
    return not (disc > 0 and -b + np.sqrt(max(disc, 0.0)) > 0)


def _lit_fast(p, sun, radius):  # pragma: no cover - compiled
    """Cylindrical shadow test, as :func:`debris.sun.is_sunlit_fast`."""
    norm = np.sqrt(sun[0] * sun[0] + sun[1] * sun[1] + sun[2] * sun[2])
    along = (p[0] * sun[0] + p[1] * sun[1] + p[2] * sun[2]) / norm
    perp2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2] - along * along
    return np.isfinite(along) and (along > 0 or perp2 > radius * radius)


def _sunlit_flips_py(r, v, cosg, sing, omega, step, sun, obj, seg, radius, n_iter,
                     flip, lit_start, s_out):  # pragma: no cover - compiled
    for m in numba.prange(obj.shape[0]):
        o, k = obj[m], seg[m]
        a_p, a_v = _itrs(r, v, cosg, sing, omega, o, k)
        b_p, b_v = _itrs(r, v, cosg, sing, omega, o, k + 1)
        s0 = (sun[k, 0], sun[k, 1], sun[k, 2])
        s1 = (sun[k + 1, 0], sun[k + 1, 1], sun[k + 1, 2])
        lit0 = _lit_fast(a_p, s0, radius)
        flip[m] = lit0 != _lit_fast(b_p, s1, radius)
        lit_start[m] = lit0
        if not flip[m]:
            continue
        s_out[m] = _bisect(_LIT, a_p, a_v, b_p, b_v, step, 0.0, 1.0, lit0, radius, s0, s1,
                           n_iter)


def _track_states_py(r, v, cosg, sing, omega, step, last, obj, t, pos, vel):  # pragma: no cover
    for m in numba.prange(obj.shape[0]):
        k = min(max(int(np.floor(t[m] / step)), 0), last)
        s = t[m] / step - k
        a_p, a_v = _itrs(r, v, cosg, sing, omega, obj[m], k)
        b_p, b_v = _itrs(r, v, cosg, sing, omega, obj[m], k + 1)
        p, w = _hermite(a_p, a_v, b_p, b_v, step, s)
        for j in range(3):
            pos[m, j] = p[j]
            vel[m, j] = w[j]


def _samples_py(r, v, cosg, sing, omega, obj, k, pos, vel):  # pragma: no cover - compiled
    for m in numba.prange(obj.shape[0]):
        p, w = _itrs(r, v, cosg, sing, omega, obj[m], k[m])
        for j in range(3):
            pos[m, j] = p[j]
            vel[m, j] = w[j]


_jit = njit(cache=True)
_inline = njit(inline="always", cache=True)
# what a pass event is: the array path's own functions (event_rules), compiled here
_rule_rate = _inline(rules.rate_sign)
_rule_above = _inline(rules.above)
_is_up = _inline(rules.is_up)
_has_maximum = _inline(rules.has_maximum)
_crosses = _inline(rules.crosses)
_central = _jit(_central)
_radius_rate = _jit(_radius_rate)
_cap = _jit(_cap)
_bounds = _jit(_bounds)
_itrs = _jit(_itrs)
_hermite = _jit(_hermite)
_enu = _jit(_enu)
_rate_sign = _jit(_rate_sign)
_above = _jit(_above)
_elevation_deg = _jit(_elevation_deg)
_site_events = njit(parallel=True, cache=True)(_site_events_py)
_track_states = njit(parallel=True, cache=True)(_track_states_py)
_samples = njit(parallel=True, cache=True)(_samples_py)
_lit_exact = _jit(_lit_exact)
_lit_fast = _jit(_lit_fast)
_bisect = _jit(_bisect)
_sunlit_flips = njit(parallel=True, cache=True)(_sunlit_flips_py)
_pass_candidates = njit(parallel=True, cache=True)(_pass_candidates_py)
compile_note(_pass_candidates, "the pass-search kernels")


def _track_arrays(track):
    """A Track's states and per-time rotation as the kernels take them."""
    return track.r, track.v, track.cos_gmst, track.sin_gmst, track.omega


def pass_candidates(table, rows, times, step, site_dir, site_r, min_elevation_deg, omega,
                    n_out, margin_deg=0.5, buffers=None):
    """Propagate near-Earth objects where passes may be, and flag candidate grid intervals.

    Parameters
    ----------
    table : ndarray, shape (M, F)
        SGP4 coefficient rows (:func:`debris.propagation.numba_sgp4.near_earth_elements`).
    rows : ndarray of int, shape (M,)
        Output row of each table row.
    times : Times, shape (T,)
        The grid.
    step : float
        Grid step (s).
    site_dir : ndarray, shape (T, S, 3)
        Each site's geocentric unit vector in TEME at the grid times.
    site_r : ndarray, shape (S,)
        Each site's geocentric distance (km).
    min_elevation_deg : float
    omega : ndarray, shape (T,)
        Earth rotation rate (rad/s).
    n_out : int
        Rows of the outputs.
    margin_deg : float
        Margin on the central angle for the geodetic vs geocentric vertical.
    buffers : dict, optional
        Arrays kept between calls (one chunk after another): the outputs are views of
        them, valid until the next call with the same dict. Reusing memory that is already
        mapped saves the page faults of fresh arrays.

    Returns
    -------
    r, v : ndarray, shape (n_out, T, 3)
        TEME states (km, km/s) where computed, NaN elsewhere (and rows not in `rows`).
    error : ndarray of int8, shape (n_out, T)
    candidates : ndarray of uint8, shape (n_out, S, T - 1)
        1 on the grid intervals where the object may be above the limit at a site.
    """
    t_count = len(times)
    n_sites = site_dir.shape[1]
    buffers = {} if buffers is None else buffers
    shape = (t_count, n_sites)
    if buffers.get("shape") != shape or len(buffers["e"]) < n_out:
        buffers.update(shape=shape, r=np.empty((n_out, t_count, 3)),
                       v=np.empty((n_out, t_count, 3)), e=np.empty((n_out, t_count), np.int8),
                       cand=np.empty((n_out, n_sites, t_count - 1), np.uint8))
    r, v, e, cand = (buffers[name][:n_out] for name in ("r", "v", "e", "cand"))
    e[:] = 0
    cand[:] = 0
    if len(rows):
        _pass_candidates(np.ascontiguousarray(table), np.asarray(rows, np.int64),
                         np.ascontiguousarray(times.jd, float),
                         np.ascontiguousarray(times.fr, float), float(step),
                         np.ascontiguousarray(site_dir, float), np.asarray(site_r, float),
                         float(np.radians(min_elevation_deg)), float(np.radians(margin_deg)),
                         np.ascontiguousarray(omega, float), r, v, e, cand)
    missing = np.ones(n_out, bool)
    missing[np.asarray(rows, np.intp)] = False
    r[missing] = np.nan
    v[missing] = np.nan
    return r, v, e, cand


def site_events(track, obj, seg, site_itrs, basis, min_elevation_deg, iterations):
    """Rise, culmination and set events on candidate grid intervals (compiled
    :func:`debris.passes.events.site_events`): the same Hermite interpolation, tests and
    bisections.

    Returns
    -------
    obj, seg : ndarray of int, shape (E,)
    s : ndarray, shape (E,)
        Local time of each event in its interval.
    kind : ndarray of int8, shape (E,)
        0 rise, 1 culmination, 2 set.
    elevation : ndarray, shape (E,)
        Interpolated elevation (deg) at the event.
    """
    m = len(obj)
    ev_s = np.empty((m, 3))
    ev_kind = np.empty((m, 3), np.int8)
    ev_el = np.empty((m, 3))
    ev_n = np.zeros(m, np.int64)
    if m:
        _site_events(*_track_arrays(track), float(track.step),
                     np.asarray(obj, np.int64), np.asarray(seg, np.int64),
                     np.asarray(site_itrs, float), np.ascontiguousarray(basis, float),
                     float(np.sin(np.radians(min_elevation_deg))), int(iterations),
                     ev_s, ev_kind, ev_el, ev_n)
    keep = np.arange(3) < ev_n[:, None]
    rows = np.nonzero(keep)[0]
    return (np.asarray(obj)[rows], np.asarray(seg)[rows], ev_s[keep], ev_kind[keep],
            ev_el[keep])


def track_states(track, obj, t):
    """Hermite-interpolated ITRS position (km) and velocity (km/s) of objects `obj` at
    seconds `t` (compiled :meth:`debris.passes.grid.Track.state`), each (M, 3)."""
    obj = np.ascontiguousarray(obj, np.int64)
    t = np.ascontiguousarray(t, float)
    pos = np.empty((obj.size, 3))
    vel = np.empty((obj.size, 3))
    if obj.size:
        _track_states(*_track_arrays(track), float(track.step),
                      int(track.last), obj, t, pos, vel)
    return pos, vel


def samples(track, obj, k):
    """ITRS position and velocity of objects `obj` at grid indices `k` (compiled
    :meth:`debris.passes.grid.Track.itrs`), each (M, 3)."""
    obj = np.ascontiguousarray(obj, np.int64)
    k = np.ascontiguousarray(np.broadcast_to(k, obj.shape), np.int64)
    pos = np.empty((obj.size, 3))
    vel = np.empty((obj.size, 3))
    if obj.size:
        _samples(*_track_arrays(track), obj, k, pos, vel)
    return pos, vel


def sunlit_flips(track, obj, seg, radius_km, iterations):
    """Shadow entries and exits on grid intervals (compiled
    :func:`debris.passes.visibility.sunlit_transitions`): intervals whose ends differ by the
    cylindrical test, bisected with the line-of-sight test on the Hermite track.

    Returns
    -------
    obj, seg : ndarray of int, shape (F,)
        The intervals holding a transition.
    s : ndarray, shape (F,)
        Local time of the transition in its interval.
    lit_before : ndarray of bool, shape (F,)
    """
    obj = np.ascontiguousarray(obj, np.int64)
    seg = np.ascontiguousarray(seg, np.int64)
    flip = np.zeros(obj.size, np.bool_)
    lit = np.zeros(obj.size, np.bool_)
    s = np.zeros(obj.size)
    if obj.size:
        _sunlit_flips(*_track_arrays(track), float(track.step),
                      np.ascontiguousarray(track.sun_itrs, float), obj, seg, float(radius_km),
                      int(iterations), flip, lit, s)
    return obj[flip], seg[flip], s[flip], lit[flip]
