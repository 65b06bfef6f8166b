"""Bounds on each object's distance from the Earth's centre over a span, before propagating.

Screening a few primaries against the catalogue needs only the objects that can come within
the threshold of a primary's distance from the geocentre; this finds them from the SGP4
coefficients alone. For a near-Earth object, SGP4 (Vallado et al. 2006) gives the distance
as ``r = rl (1 - 1.5 k2 betal con41 / pl^2) + 0.5 (k2 / pl) x1mth2 cos 2u`` (Earth radii,
``k2 = J2 / 2``) with ``rl = am (1 - e cos E)`` between ``am (1 - el)`` and ``am (1 + el)``,
where

* ``am = ao tempa^2`` with the drag polynomial ``tempa = 1 - cc1 t - d2 t^2 - d3 t^3 - d4 t^4``
  (bounded on a dense grid of the span, plus a margin for between the samples),
* the eccentricity ``em = ecco - bstar cc4 t - bstar cc5 (sin M - sin M0)`` is within
  ``2 |bstar cc5|`` of its secular line,
* ``el = |(em cos w, em sin w + aycof / (am (1 - em^2)))| <= em + |aycof| / (am (1 - em^2))``,
* the short-period term is at most ``1.5 rl k2 |con41| / pl^2 + 0.5 k2 |x1mth2| / pl`` with
  ``pl = am (1 - el^2)``.

Each bound is taken at its worst over the span and widened by :data:`MARGIN_KM`. The result
is tested against SGP4 itself on the whole bundled catalogue over 7 days at 1 min
(tests/test_screening.py). Deep-space objects, failed initialisations and orbits near
escape get no bound (-inf, inf): they are always kept.
"""

from __future__ import annotations

import numpy as np

from ..constants import MINUTES_PER_DAY
from ..timescale import to_times

__all__ = ["radial_bands_km", "MARGIN_KM"]

#: Widening of every band (km): rounding and the drag polynomial between grid samples.
MARGIN_KM = 1.0
_SAMPLES = 65


def radial_bands_km(catalog, start, end):
    """Lowest and highest geocentric distance each object can have in [start, end].

    Parameters
    ----------
    catalog : Catalog
        N objects.
    start, end : time-like
        The span (UTC).

    Returns
    -------
    lo, hi : ndarray, shape (N,)
        Bounds (km); -inf and inf where no bound is known.
    """
    # imports numba (0.3 s): only when primaries are screened, not with `import debris`
    from ..propagation.numba_sgp4 import COLUMN, near_earth_elements
    from ..propagation.sgp4_core import J2, RE  # numba too (same reason)

    table, near = near_earth_elements(catalog.satrecs)
    n = len(catalog)
    lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
    if n == 0:
        return lo, hi
    col = {name: table[:, COLUMN[name]] for name in COLUMN}
    t_start, t_end = to_times(start)[0:1], to_times(end)[0:1]
    epoch_jd, epoch_fr = col["jd"], col["fr"]
    t0 = ((t_start.jd[0] - epoch_jd) + (t_start.fr[0] - epoch_fr)) * MINUTES_PER_DAY
    t1 = ((t_end.jd[0] - epoch_jd) + (t_end.fr[0] - epoch_fr)) * MINUTES_PER_DAY
    with np.errstate(all="ignore"):
        t = t0[:, None] + (t1 - t0)[:, None] * np.linspace(0.0, 1.0, _SAMPLES)
        tempa = 1.0 - t * (col["cc1"][:, None] + t * (col["d2"][:, None] + t * (
            col["d3"][:, None] + t * col["d4"][:, None])))
        am = col["ao"][:, None] * tempa * tempa
        am_lo, am_hi = am.min(axis=1), am.max(axis=1)
        # between samples: the drag polynomial's change over one grid step, as a margin
        slack = np.abs(np.diff(am, axis=1)).max(axis=1)
        am_lo, am_hi = am_lo - slack, am_hi + slack
        drag = col["bstar"] * col["cc4"]
        e_ends = np.stack([col["ecco"] - drag * t0, col["ecco"] - drag * t1])
        wobble = 2.0 * np.abs(col["bstar"] * col["cc5"])
        em_hi = e_ends.max(axis=0) + wobble
        el_hi = em_hi + np.abs(col["aycof"]) / (am_lo * (1.0 - em_hi * em_hi))
        pl_lo = am_lo * (1.0 - el_hi * el_hi)
        k2 = 0.5 * J2
        r_hi = am_hi * (1.0 + el_hi)
        short = (1.5 * r_hi * k2 * np.abs(col["con41"]) / (pl_lo * pl_lo)
                 + 0.5 * k2 * np.abs(col["x1mth2"]) / pl_lo)
        band_lo = (am_lo * (1.0 - el_hi) - short) * RE - MARGIN_KM
        band_hi = (r_hi + short) * RE + MARGIN_KM
    sane = (near & (em_hi < 0.9) & (am_lo > 0.9) & (pl_lo > 0.5) & np.isfinite(band_lo)
            & np.isfinite(band_hi))
    lo[sane], hi[sane] = band_lo[sane], band_hi[sane]
    return lo, hi
