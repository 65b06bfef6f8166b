"""Initial orbits for uncorrelated tracks: Gauss on three observations, then the fit.

:func:`initial_orbit` takes the observations of one object (one track or more, one station
or several): Gauss's method (:mod:`.gauss`) on the first, middle and last observation of the
longest track gives a state, which becomes SGP4 mean elements (:mod:`.elements`) and the
start of the least-squares fit (:mod:`.fit`) on all the observations, B* held at zero.
"""

from __future__ import annotations

import numpy as np

from .elements import mean_elements_from_state, satrec_from_x
from .fit import fit_orbit
from .gauss import GaussError, circular_orbit, gauss_orbit
from .quality import NUMERIC_FAILURES
from .reduction import ObservationGeometry

__all__ = ["initial_orbit"]


def initial_orbit(geometry: ObservationGeometry, *, track=None, sigma_arcsec=None,
                  norad_id: int = 99999, intl_designator: str = ""):
    """Elements for observations of an unknown object.

    Parameters
    ----------
    geometry : ObservationGeometry, N ≥ 3 observations
    track : ndarray of int, shape (N,), optional
        Track numbers; Gauss uses the longest track (default: all one track).

    Returns
    -------
    OrbitFit
        The better of the two starts' fits (one that passes the quality gates first); check
        :attr:`~debris.observations.fit.OrbitFit.ok` before using its elements.

    Raises
    ------
    GaussError
        When neither start gives a fit (each method's reason named).
    """
    n = len(geometry.times)
    if n < 3:
        raise ValueError(f"an initial orbit needs at least 3 observations, got {n}")
    seconds = geometry.times.seconds_since(geometry.times)
    track = np.zeros(n, int) if track is None else np.asarray(track)
    spans = {t: np.ptp(seconds[track == t]) for t in np.unique(track)
             if np.sum(track == t) >= 3}
    if not spans:
        raise ValueError("an initial orbit needs a track of at least 3 observations")
    rows = np.flatnonzero(track == max(spans, key=spans.get))
    rows = rows[np.argsort(seconds[rows])]
    pick = rows[[0, rows.size // 2, -1]]
    middle = pick[1]
    to_teme = geometry.teme_to_gcrs[middle].T
    t = geometry.times[[middle]]
    best, failures = None, []
    for method in (gauss_orbit, circular_orbit):
        try:
            with np.errstate(all="ignore"):
                r2, v2 = method(seconds[pick], geometry.u_obs[pick], geometry.site_km[pick])
                x = mean_elements_from_state(to_teme @ r2, to_teme @ v2, t.jd[0], t.fr[0],
                                             0.0, min(norad_id, 99999))
                if not (np.all(np.isfinite(x)) and 0.0 < x[0]
                        and np.hypot(x[1], x[2]) < 0.99):
                    failures.append(f"{_NAMES[method]}: no bound orbit")
                    continue
                start = satrec_from_x(x, t.jd[0], t.fr[0], min(norad_id, 99999))
                fit = fit_orbit(geometry, start, sigma_arcsec=sigma_arcsec, fit_bstar=False,
                                norad_id=norad_id, intl_designator=intl_designator)
        except NUMERIC_FAILURES as exc:
            # a numeric failure (overflow in the Stumpff series, a singular system) is
            # this method's failure on this track, nothing more
            failures.append(f"{_NAMES[method]}: {exc or type(exc).__name__}")
            continue
        if best is None or _better(fit, best):
            best = fit
    if best is None:
        raise GaussError("neither Gauss's method nor a circular orbit fits the track ("
                         + "; ".join(failures) + ")")
    return best


_NAMES = {gauss_orbit: "Gauss", circular_orbit: "circular orbit"}


def _better(fit, best) -> bool:
    """A fit that passes the quality gates beats one that does not; then the lower RMS."""
    if fit.ok != best.ok:
        return fit.ok
    return bool(fit.rms_arcsec < best.rms_arcsec) or not np.isfinite(best.rms_arcsec)
