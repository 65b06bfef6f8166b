"""Vectorised searches: many independent roots, edges and maxima located at once.

Every event debris times (rises and sets, culminations, shadow and twilight boundaries,
minima of a distance, edges of a field of view) is found by one of these on arrays of
brackets, never by a Python loop over events. The compiled pass kernels
(:mod:`debris.passes.kernels`) run the same bisection inside numba.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bisect", "maximise"]


def bisect(predicate, lo, hi, value_at_lo, iterations: int) -> np.ndarray:
    """Locate where a boolean function stops having its value at the lower bracket end.

    Parameters
    ----------
    predicate : callable
        ``predicate(x)`` of an array shaped like `lo` returns booleans of that shape.
    lo, hi : array_like, shape (M,)
        Brackets; the predicate changes value once between ``lo[m]`` and ``hi[m]``.
    value_at_lo : bool or array_like of bool, shape (M,)
        The predicate's value at the lower ends.
    iterations : int
        Halvings: the result is within ``(hi - lo) / 2**(iterations + 1)`` of the change.

    Returns
    -------
    ndarray, shape (M,)
        The midpoint of each final bracket.
    """
    lo = np.array(lo, dtype=float)
    hi = np.array(hi, dtype=float)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        same = predicate(mid) == value_at_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def maximise(func, lo, hi, points: int = 9, rounds: int = 12) -> np.ndarray:
    """Locate the maximum of unimodal functions on brackets by repeated sampling.

    Each round evaluates `points` equally spaced points and keeps the best one with its
    neighbours: a bracket shrinks by (points - 1) / 2 per round.

    Parameters
    ----------
    func : callable
        ``func(x)`` of an array (M, points) returns values of that shape.
    lo, hi : ndarray, shape (M,)

    Returns
    -------
    ndarray, shape (M,)
        The midpoint of each final bracket.
    """
    a, b = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    grid = np.linspace(0.0, 1.0, points)
    rows = np.arange(len(a))
    for _ in range(rounds):
        pts = a[:, None] + grid * (b - a)[:, None]
        best = np.argmax(func(pts), axis=1)
        a, b = pts[rows, np.maximum(best - 1, 0)], pts[rows, np.minimum(best + 1, points - 1)]
    return 0.5 * (a + b)
