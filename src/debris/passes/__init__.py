"""Passes over sites and crossings of a field of view, for the whole catalogue at once.

``grid`` (coarse SGP4 grid, Earth-fixed Hermite track, candidate intervals), ``events``
(rises, culminations, sets; exact SGP4 refinement), ``visibility`` (shadow and twilight,
magnitudes), ``finder`` (:func:`find_passes`), ``crossings`` (:func:`find_crossings`) and
``kernels`` (the same steps compiled with numba).
"""

from .crossings import CROSSING_COLUMNS, CROSSING_STEP_S, find_crossings
from .finder import DEFAULT_STEP_S, PASS_COLUMNS, PASS_DECIMALS, find_passes

__all__ = ["find_passes", "find_crossings", "PASS_COLUMNS", "PASS_DECIMALS", "DEFAULT_STEP_S",
           "CROSSING_COLUMNS", "CROSSING_STEP_S"]
