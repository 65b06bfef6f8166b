"""Predicting observations from element sets, with python-sgp4 (the reference SGP4).

Used by residuals, identification refinement and the orbit fit: each row of an observation
table is predicted from one element set at its own time.
"""

from __future__ import annotations

import numpy as np

from ..constants import DAY_S

from .reduction import ObservationGeometry

__all__ = ["sgp4_states", "predict_rows"]


def sgp4_states(satrec, times, shift_s=None):
    """TEME states of one element set at `times` (+ `shift_s` seconds).

    Returns
    -------
    r, v : ndarray, shape (N, 3)
        NaN where SGP4 failed.
    error : ndarray of int, shape (N,)
    """
    fr = times.fr if shift_s is None else times.fr + np.asarray(shift_s) / DAY_S
    error, r, v = satrec.sgp4_array(times.jd, fr)
    r = np.where(error[:, None] == 0, r, np.nan)
    v = np.where(error[:, None] == 0, v, np.nan)
    return r, v, error


def predict_rows(satrecs, rows_of, geometry: ObservationGeometry, shift_s=None):
    """Predicted directions for observation rows, each from its own element set.

    Parameters
    ----------
    satrecs : sequence of Satrec
    rows_of : ndarray of int, shape (N,)
        Index into `satrecs` per row of `geometry` (-1: no prediction, NaN).
    geometry : ObservationGeometry, N rows
    shift_s : ndarray, shape (N,), optional
        Seconds added to each time (along-track search).

    Returns
    -------
    u, w : ndarray, shape (N, 3)
    rng : ndarray, shape (N,)
    """
    n = len(rows_of)
    r = np.full((n, 3), np.nan)
    v = np.full((n, 3), np.nan)
    for k in np.unique(rows_of):
        if k < 0:
            continue
        rows = np.flatnonzero(rows_of == k)
        times = geometry.times[rows]
        shift = None if shift_s is None else np.asarray(shift_s)[rows]
        r[rows], v[rows], _ = sgp4_states(satrecs[k], times, shift)
    return geometry.predict(r, v)
