"""Compiled first stage of the pass search (numba): propagation fused with the site filter.

Most of the time an object is far below a site's horizon, and there is no need to know
where it is every coarse step. Per object, this kernel

1. propagates SGP4 every `ratio` grid steps (the *sparse* samples, 540 s by default);
2. tests each sparse interval against every site with the same geometry as the
   candidate test of :mod:`debris.passes` (an object at distance r is above elevation e
   only within the central angle ``arccos(R cos e / r) - e`` of the site, and moves by at
   most its Earth-fixed angular rate times half the interval from the nearer end), using
   the object's largest distance and angular rate over the window (+1 % and +10 %);
3. only on the sparse intervals that may hold part of a pass, propagates the grid samples
   in between and applies the grid-step candidate test of :mod:`debris.passes`.

So the states a pass search reads are all computed, at about 40 % of the propagations of
the full grid, and no (N, T) geometry arrays are built. Samples of intervals that cannot
hold a pass are left as NaN and never read.
"""

from __future__ import annotations

import numpy as np

from .sgp4_numba import _sgp4_point, available

if available:
    import numba

__all__ = ["pass_candidates"]


def _store(c, t, r_out, v_out, e_out, o, k):  # pragma: no cover - compiled
    rx, ry, rz, vx, vy, vz, error = _sgp4_point(c, t)
    r_out[o, k, 0] = rx
    r_out[o, k, 1] = ry
    r_out[o, k, 2] = rz
    v_out[o, k, 0] = vx
    v_out[o, k, 1] = vy
    v_out[o, k, 2] = vz
    e_out[o, k] = error


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


def _pass_candidates_py(table, rows, jd, fr, ratio, step, site_dir, site_r, el, margin,
                        omega, r_out, v_out, e_out, cand):  # pragma: no cover - compiled
    n = table.shape[0]
    t_count = jd.shape[0]
    n_sites = site_dir.shape[1]
    n_sparse = (t_count - 1) // ratio
    cos_el = np.cos(el)
    for i in numba.prange(n):
        c = table[i]
        o = rows[i]
        ejd, efr = c[32], c[33]
        # Samples not propagated read as NaN (and are never read by the pass search).
        for k in range(t_count):
            for j in range(3):
                r_out[o, k, j] = np.nan
                v_out[o, k, j] = np.nan
            e_out[o, k] = 0
        radius_max = 0.0
        rate_max = 0.0
        for q in range(n_sparse + 1):
            k = q * ratio
            _store(c, (jd[k] - ejd) * 1440.0 + (fr[k] - efr) * 1440.0, r_out, v_out, e_out, o, k)
            if e_out[o, k] == 0:
                radius, rate = _radius_rate(r_out, v_out, o, k, omega)
                radius_max = max(radius_max, radius)
                rate_max = max(rate_max, rate)
        if radius_max == 0.0:
            continue
        reach_sparse = 0.55 * ratio * step * rate_max
        for q in range(n_sparse):
            k0 = q * ratio
            k1 = k0 + ratio
            if e_out[o, k0] != 0 or e_out[o, k1] != 0:
                continue
            maybe = False
            for s in range(n_sites):
                near = min(_central(r_out, o, k0, site_dir, s), _central(r_out, o, k1, site_dir, s))
                if near - reach_sparse <= _cap(site_r[s], cos_el, el, radius_max * 1.01) + margin:
                    maybe = True
                    break
            if not maybe:
                continue
            for k in range(k0 + 1, k1):
                _store(c, (jd[k] - ejd) * 1440.0 + (fr[k] - efr) * 1440.0,
                       r_out, v_out, e_out, o, k)
            for k in range(k0, k1):
                if e_out[o, k] != 0 or e_out[o, k + 1] != 0:
                    continue
                ra, wa = _radius_rate(r_out, v_out, o, k, omega)
                rb, wb = _radius_rate(r_out, v_out, o, k + 1, omega)
                reach = 0.55 * step * max(wa, wb)
                for s in range(n_sites):
                    cap = _cap(site_r[s], cos_el, el, max(ra, rb) * 1.01)
                    near = min(_central(r_out, o, k, site_dir, s),
                               _central(r_out, o, k + 1, site_dir, s))
                    if near - reach <= cap + margin:
                        cand[s, o, k] = 1


if available:
    _jit = numba.njit(cache=True)
    _store = _jit(_store)
    _central = _jit(_central)
    _radius_rate = _jit(_radius_rate)
    _cap = _jit(_cap)
    _pass_candidates = numba.njit(parallel=True, cache=True)(_pass_candidates_py)


def pass_candidates(table, rows, times, ratio, step, site_dir, site_r, min_elevation_deg,
                    omega, n_out, margin_deg=0.5):
    """Propagate near-Earth objects where passes may be, and flag candidate grid intervals.

    Parameters
    ----------
    table : ndarray, shape (M, F)
        SGP4 coefficient rows (:func:`debris.sgp4_numba.near_earth_elements`).
    rows : ndarray of int, shape (M,)
        Output row of each table row.
    times : Times, shape (T,)
        The grid; ``T - 1`` must be a multiple of `ratio`.
    ratio : int
        Grid steps per sparse interval.
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

    Returns
    -------
    r, v : ndarray, shape (n_out, T, 3)
        TEME states (km, km/s) where computed, NaN elsewhere (and rows not in `rows`).
    error : ndarray of int8, shape (n_out, T)
    candidates : ndarray of uint8, shape (S, n_out, T - 1)
        1 on the grid intervals where the object may be above the limit at the site.
    """
    t_count = len(times)
    if (t_count - 1) % ratio:
        raise ValueError(f"grid of {t_count - 1} steps is not a multiple of {ratio}")
    r = np.empty((n_out, t_count, 3))
    v = np.empty((n_out, t_count, 3))
    e = np.zeros((n_out, t_count), np.int8)
    cand = np.zeros((site_dir.shape[1], n_out, t_count - 1), np.uint8)
    if len(rows):
        _pass_candidates(np.ascontiguousarray(table), np.asarray(rows, np.int64),
                         np.ascontiguousarray(times.jd, float),
                         np.ascontiguousarray(times.fr, float), int(ratio), float(step),
                         np.ascontiguousarray(site_dir, float), np.asarray(site_r, float),
                         float(np.radians(min_elevation_deg)), float(np.radians(margin_deg)),
                         np.ascontiguousarray(omega, float), r, v, e, cand)
    missing = np.ones(n_out, bool)
    missing[np.asarray(rows, np.intp)] = False
    r[missing] = np.nan
    v[missing] = np.nan
    return r, v, e, cand
