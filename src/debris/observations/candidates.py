"""The broad phase of identification: every observation against every catalogue object.

Objects are propagated exactly once per *bucket* (a time of a common one-minute grid,
:func:`~debris.observations.tracks.bucket_times`); each observation of the bucket is compared with each object's state carried to its
own time by a second-order Taylor step (``r + v·Δt + a·Δt²/2`` with two-body gravity: tens
of metres at Δt = 30 s). The comparison is the linearised along/cross-track offset in the
tangent plane of the predicted direction; objects within generous limits become candidates,
which :mod:`.identify` refines with exact SGP4.
"""

from __future__ import annotations

import numpy as np

from ..backends import compile_note
from ..constants import WGS72_MU_KM3_S2
from ..kernel_cache import njit
from .reduction import LIGHT_KM_S

__all__ = ["candidate_pairs"]


def _candidates_py(r, v, m, bucket, dt, site, site_v, obs, cross_max, time_max, out_obj,
                   out_dt, out_cross, counts):
    """For observation i (bucket ``bucket[i]``, ``dt[i]`` s after it), every object j whose
    linearised cross-track offset is within ``cross_max[j]`` (rad) and along-track time offset
    within ``time_max[j]`` (s). TEME states ``r``, ``v`` (M, B, 3) are turned to GCRS by
    ``m[b]``. Row i of the outputs holds its first ``out_obj.shape[1]`` candidates;
    ``counts[i]`` is how many there were."""
    n_obs = bucket.shape[0]
    n_obj = r.shape[0]
    capacity = out_obj.shape[1]
    for i in _prange(n_obs):
        b = bucket[i]
        h = dt[i]
        sx, sy, sz = site[i, 0], site[i, 1], site[i, 2]
        upn = np.sqrt(sx * sx + sy * sy + sz * sz)
        ux, uy, uz = sx / upn, sy / upn, sz / upn
        ox, oy, oz = obs[i, 0], obs[i, 1], obs[i, 2]
        found = 0
        for j in range(n_obj):
            tx, ty, tz = r[j, b, 0], r[j, b, 1], r[j, b, 2]
            if not np.isfinite(tx):
                continue
            x = m[b, 0, 0] * tx + m[b, 0, 1] * ty + m[b, 0, 2] * tz
            y = m[b, 1, 0] * tx + m[b, 1, 1] * ty + m[b, 1, 2] * tz
            z = m[b, 2, 0] * tx + m[b, 2, 1] * ty + m[b, 2, 2] * tz
            tx, ty, tz = v[j, b, 0], v[j, b, 1], v[j, b, 2]
            vx0 = m[b, 0, 0] * tx + m[b, 0, 1] * ty + m[b, 0, 2] * tz
            vy0 = m[b, 1, 0] * tx + m[b, 1, 1] * ty + m[b, 1, 2] * tz
            vz0 = m[b, 2, 0] * tx + m[b, 2, 1] * ty + m[b, 2, 2] * tz
            rr = np.sqrt(x * x + y * y + z * z)
            k = -WGS72_MU_KM3_S2 / (rr * rr * rr)
            vx = vx0 + k * x * h
            vy = vy0 + k * y * h
            vz = vz0 + k * z * h
            px = x + vx0 * h + 0.5 * k * x * h * h - sx
            py = y + vy0 * h + 0.5 * k * y * h * h - sy
            pz = z + vz0 * h + 0.5 * k * z * h * h - sz
            rng = np.sqrt(px * px + py * py + pz * pz)
            if (px * ux + py * uy + pz * uz) < -0.1 * rng:  # well below the horizon
                continue
            tau = rng / LIGHT_KM_S
            px -= vx * tau
            py -= vy * tau
            pz -= vz * tau
            rng = np.sqrt(px * px + py * py + pz * pz)
            px /= rng
            py /= rng
            pz /= rng
            cosine = ox * px + oy * py + oz * pz
            if cosine < 0.5:  # more than 60 degrees away
                continue
            dx = ox / cosine - px
            dy = oy / cosine - py
            dz = oz / cosine - pz
            wx = vx - site_v[i, 0]
            wy = vy - site_v[i, 1]
            wz = vz - site_v[i, 2]
            radial = wx * px + wy * py + wz * pz
            wx = (wx - radial * px) / rng
            wy = (wy - radial * py) / rng
            wz = (wz - radial * pz) / rng
            rate2 = wx * wx + wy * wy + wz * wz
            along = (dx * wx + dy * wy + dz * wz) / rate2  # seconds
            if abs(along) > time_max[j]:
                continue
            cx = dx - along * wx
            cy = dy - along * wy
            cz = dz - along * wz
            cross = np.sqrt(cx * cx + cy * cy + cz * cz)
            if cross > cross_max[j]:
                continue
            if found < capacity:
                out_obj[i, found] = j
                out_dt[i, found] = along
                out_cross[i, found] = cross
            found += 1
        counts[i] = found


_prange = range  # numba.prange once compiled (see _kernel)
_KERNEL = []


def _kernel():
    """The compiled kernel (numba loaded on first use, not with ``import debris``); the
    plain Python loop when numba cannot be imported."""
    if not _KERNEL:
        global _prange
        try:
            import numba  # 0.3 s: loaded when observations are first identified
        except ImportError:  # numba is a core dependency; the loop still gives the answer
            _KERNEL.append(_candidates_py)
        else:
            _prange = numba.prange
            _KERNEL.append(njit(cache=True, error_model="numpy", parallel=True)(
                _candidates_py))
    return _KERNEL[0]


def candidate_pairs(r_teme, v_teme, teme_to_gcrs, bucket, dt, site_km, site_km_s, u_obs,
                    cross_max_rad, time_max_s):
    """Candidate (observation, object) pairs.

    Parameters
    ----------
    r_teme, v_teme : ndarray, shape (M, B, 3)
        Objects at the B bucket times (TEME, km and km/s; NaN where SGP4 failed).
    teme_to_gcrs : ndarray, shape (B, 3, 3)
    bucket : ndarray of int, shape (N,)
    dt : ndarray, shape (N,)
        Seconds from the bucket time to each observation.
    site_km, site_km_s, u_obs : ndarray, shape (N, 3)
    cross_max_rad : float or ndarray, shape (M,)
        Cross-track limit (per object).
    time_max_s : ndarray, shape (M,)
        Along-track limit per object (s).

    Returns
    -------
    obs, obj : ndarray of int
    along_s, cross_rad : ndarray
    """
    kernel = _kernel()
    compile_note(kernel, "the identification kernel")
    args = (np.ascontiguousarray(r_teme), np.ascontiguousarray(v_teme),
            np.ascontiguousarray(teme_to_gcrs), np.ascontiguousarray(bucket, np.int64),
            np.ascontiguousarray(dt, float), np.ascontiguousarray(site_km),
            np.ascontiguousarray(site_km_s), np.ascontiguousarray(u_obs),
            np.ascontiguousarray(np.broadcast_to(np.asarray(cross_max_rad, float),
                                                 (r_teme.shape[0],))),
            np.ascontiguousarray(time_max_s, float))
    n = len(bucket)
    capacity = 64
    while True:
        out = (np.empty((n, capacity), np.int64), np.empty((n, capacity)),
               np.empty((n, capacity)), np.zeros(n, np.int64))
        kernel(*args, *out)
        counts = out[3]
        if n == 0 or counts.max() <= capacity:
            break
        capacity = int(counts.max())
    mask = np.arange(capacity)[None, :] < counts[:, None]
    obs = np.broadcast_to(np.arange(n)[:, None], mask.shape)[mask]
    return obs, out[0][mask], out[1][mask], out[2][mask]
