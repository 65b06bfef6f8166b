"""What a pass event is, written once: the array path (:mod:`.events`) and the compiled
kernels (:mod:`.kernels`) both evaluate these functions (numpy arrays there, floats in the
numba loops, where they are inlined), so the two cannot disagree on a definition.

On a grid interval the site-relative ENU state (e, n, u) and its rate are a cubic Hermite
segment. An **elevation maximum** (culmination) lies inside it where the elevation rate
goes from positive to non-positive between its ends (:func:`has_maximum`), and counts where
the elevation there is up (:func:`is_up`: strictly above the limit). The elevation limit is
**crossed** on a monotonic piece (the segment, or its parts before and after a maximum)
whose ends differ in :func:`is_up` (:func:`crosses`; touching the limit from below is no
rise), **rising** where the later end is up; an object up at the window's start has a pass
open there.
Signs are taken without arctangents: :func:`rate_sign` has the sign of d(elevation)/dt,
:func:`above` the sign of elevation minus the limit (`sin_min` is the limit's sine).
"""

from __future__ import annotations

import numpy as np

__all__ = ["rate_sign", "above", "is_up", "has_maximum", "crosses"]


def rate_sign(e, n, u, de, dn, du):
    """A quantity with the sign of d(elevation)/dt, from ENU position and velocity."""
    return du * (e * e + n * n) - u * (e * de + n * dn)


def above(e, n, u, sin_min):
    """A quantity with the sign of (elevation - limit); `sin_min` = sin(limit)."""
    return u - sin_min * np.sqrt(e * e + n * n + u * u)


def is_up(above_value):
    """Whether the object is strictly above the limit (:func:`above` positive): a
    culmination counts, a crossing rises, a pass is open at the window's start."""
    return above_value > 0


def has_maximum(rate_start, rate_end):
    """Whether an elevation maximum lies inside the segment (rate signs at its ends)."""
    return (rate_start > 0) & (rate_end <= 0)


def crosses(above_lo, above_hi):
    """Whether the limit is crossed on a monotonic piece (:func:`above` at its ends)."""
    return (above_lo > 0) != (above_hi > 0)  # is_up at one end and not at the other
