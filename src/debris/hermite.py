"""Cubic Hermite segments through SGP4 samples (position and velocity at both ends).

Between two samples ``step_s`` apart, the cubic that matches position
and velocity at both ends follows a LEO orbit to well under a metre at
60 s (the error scales as step^4). Every function here works on M
segments at once: ends ``p0, v0, p1, v1`` of shape (M, 3) and local
times ``s`` in [0, 1] of shape (M,).
"""

from __future__ import annotations

import numpy as np

__all__ = ["hermite_position", "hermite_velocity", "hermite_coefficients"]


def hermite_position(p0, v0, p1, v1, step_s, s) -> np.ndarray:
    """Return positions on the segments at local times `s`, shape (M, 3).

    Parameters
    ----------
    p0, p1 : ndarray, shape (M, 3)
        Positions at the segment ends (km).
    v0, v1 : ndarray, shape (M, 3)
        Velocities at the segment ends (km/s).
    step_s : float or ndarray, shape (M,)
        Segment length (s).
    s : ndarray, shape (M,)
        Local time, 0 at the start, 1 at the end.
    """
    s = np.asarray(s, dtype=float)[..., None]
    h = np.asarray(step_s, dtype=float)
    h = h[..., None] if h.ndim else h
    s2 = s * s
    s3 = s2 * s
    return ((2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * h * v0
            + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * h * v1)


def hermite_velocity(p0, v0, p1, v1, step_s, s) -> np.ndarray:
    """Return velocities (km/s) on the segments at local times `s`, shape (M, 3)."""
    s = np.asarray(s, dtype=float)[..., None]
    h = np.asarray(step_s, dtype=float)
    h = h[..., None] if h.ndim else h
    s2 = s * s
    return ((6 * s2 - 6 * s) * (p0 - p1) / h + (3 * s2 - 4 * s + 1) * v0
            + (3 * s2 - 2 * s) * v1)


def hermite_coefficients(p0, v0, p1, v1, step_s):
    """Power-basis coefficients of the segments: p(s) = A + B s + C s^2 + D s^3.

    Parameters
    ----------
    p0, v0, p1, v1 : ndarray, shape (M, 3)
        End states (km, km/s).
    step_s : float
        Segment length (s).

    Returns
    -------
    A, B, C, D : ndarray, shape (M, 3)
    """
    v0h, v1h = v0 * step_s, v1 * step_s
    return p0, v0h, -3 * p0 - 2 * v0h + 3 * p1 - v1h, 2 * p0 + v0h - 2 * p1 + v1h
