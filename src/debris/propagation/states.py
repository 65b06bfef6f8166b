"""Propagated states: the result type every backend returns, failures as NaN and codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["States", "finish_states"]


@dataclass
class States:
    """Propagated states, catalogue axis first.

    Attributes
    ----------
    r_teme_km : ndarray, shape (N, T, 3)
        Position in the TEME frame (km); NaN where ``error != 0``.
    v_teme_km_s : ndarray, shape (N, T, 3)
        Velocity in the TEME frame (km/s); NaN where ``error != 0``.
    error : ndarray of int8, shape (N, T)
        python-sgp4 error codes (0 = fine; see ``SGP4_ERRORS``).
    """

    r_teme_km: np.ndarray
    v_teme_km_s: np.ndarray
    error: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.error.shape


def finish_states(r, v, e) -> States:
    """States from a backend's arrays: error codes as int8, NaN wherever SGP4 failed (`v`
    None: positions only)."""
    e = np.asarray(e).astype(np.int8, copy=False)
    bad = e != 0
    if bad.any():
        r[bad] = np.nan
        if v is not None:
            v[bad] = np.nan
    return States(r, v, e)
