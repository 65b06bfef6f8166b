"""Quality gates of fitted and initial orbits: what debris refuses to hand on as elements.

A least-squares fit always ends with numbers; they are elements only when all of these hold
(:func:`fit_problems` lists each one that does not, in words):

- **a valid orbit**: every element finite, eccentricity below 1, mean motion within
  :data:`MEAN_MOTION_RANGE_REV_DAY` (the public catalogue spans 0.05-16.4 rev/day) and the
  perigee at least :data:`MIN_PERIGEE_HEIGHT_KM` above the Earth (nothing lasts a revolution
  below it), and SGP4 runs without error at every observation;
- **observations that determine it**: at least :data:`MIN_DISTINCT_TIMES` distinct times;
- **a converged solver** (:attr:`~debris.observations.fit.OrbitFit.converged`): a fit that is
  still moving after its iterations, as one of three or four observations of a distant
  object does, is not determined by them;
- **residuals consistent with the observations' uncertainties**: the RMS of the residuals
  over each observation's σ (floored at :data:`SIGMA_FLOOR_ARCSEC`, since observers'
  stated uncertainties of a fraction of an arcsecond are below what their reported angles
  resolve) at most :data:`MAX_NORMALISED_RMS`.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import WGS72_EARTH_RADIUS_KM, WGS72_MU_KM3_S2

__all__ = ["attempt", "NUMERIC_FAILURES", "fit_problems", "orbit_problems", "normalised_rms", "MEAN_MOTION_RANGE_REV_DAY",
           "MIN_PERIGEE_HEIGHT_KM", "MAX_NORMALISED_RMS", "SIGMA_FLOOR_ARCSEC",
           "MIN_DISTINCT_TIMES"]

#: Mean motions of real Earth orbits in the public catalogue, with margin (rev/day).
MEAN_MOTION_RANGE_REV_DAY = (0.03, 17.0)
#: Lowest perigee height of an element set handed on (km): below it an orbit decays within
#: its first revolution.
MIN_PERIGEE_HEIGHT_KM = 80.0
#: Largest accepted RMS of residuals over their uncertainties.
MAX_NORMALISED_RMS = 10.0
#: The smallest uncertainty believed for one observation (arcsec).
SIGMA_FLOOR_ARCSEC = 5.0
#: Fewest distinct observation times of a fit (two angles each: six measurements).
MIN_DISTINCT_TIMES = 3
#: Numeric failures inside one object's orbit (an overflow in Gauss's Stumpff series, a
#: singular system, a domain error; GaussError is a ValueError): that object's, not a batch's.
NUMERIC_FAILURES = (ArithmeticError, ValueError, np.linalg.LinAlgError)


def attempt(solve, *args, **kwargs):
    """Run `solve` (:func:`~debris.observations.fit_orbit` or
    :func:`~debris.observations.initial_orbit`) with numpy's floating-point warnings off.

    Returns
    -------
    fit : OrbitFit or None
        None when `solve` raised one of :data:`NUMERIC_FAILURES`.
    problems : list of str
        The fit's :attr:`~debris.observations.fit.OrbitFit.problems`, or the failure; empty
        when the elements may be handed on.
    """
    try:
        with np.errstate(all="ignore"):
            fit = solve(*args, **kwargs)
    except NUMERIC_FAILURES as exc:
        return None, [str(exc) or type(exc).__name__]
    return fit, list(fit.problems)


def orbit_problems(satrec) -> list[str]:
    """Why `satrec`'s elements are not a valid Earth orbit (empty when they are)."""
    values = (satrec.no_kozai, satrec.ecco, satrec.inclo, satrec.nodeo, satrec.argpo,
              satrec.mo, satrec.bstar)
    if not all(math.isfinite(v) for v in values):
        return ["elements are not finite numbers"]
    problems = []
    n_rev_day = satrec.no_kozai * 1440.0 / (2.0 * math.pi)
    low, high = MEAN_MOTION_RANGE_REV_DAY
    if not low <= n_rev_day <= high:
        problems.append(f"mean motion {n_rev_day:.4f} rev/day is outside {low:g}..{high:g} "
                        "(no Earth orbit)")
    if not 0.0 <= satrec.ecco < 1.0:
        problems.append(f"eccentricity {satrec.ecco:.4f} is not below 1")
    if n_rev_day > 0 and satrec.ecco < 1.0:
        a_km = (WGS72_MU_KM3_S2 / (satrec.no_kozai / 60.0) ** 2) ** (1.0 / 3.0)
        perigee = a_km * (1.0 - satrec.ecco) - WGS72_EARTH_RADIUS_KM
        if perigee < MIN_PERIGEE_HEIGHT_KM:
            problems.append(f"perigee {perigee:.0f} km above the Earth (below "
                            f"{MIN_PERIGEE_HEIGHT_KM:g} km: inside the atmosphere or the "
                            "Earth)")
    if satrec.error:
        problems.append(f"SGP4 cannot initialise the elements (error {satrec.error})")
    return problems


def fit_problems(fit, geometry, sigma_arcsec, default_sigma_arcsec: float) -> list[str]:
    """Why a fit's elements must not be handed on (empty when they may).

    Parameters
    ----------
    fit : OrbitFit
    geometry : ObservationGeometry
        The observations it was fitted to.
    sigma_arcsec : ndarray, shape (N,) or None
        Their uncertainties (NaN or None: `default_sigma_arcsec`).
    default_sigma_arcsec : float
    """
    problems = []
    seconds = geometry.times.seconds_since(geometry.times)
    distinct = np.unique(np.round(seconds, 3)).size
    if distinct < MIN_DISTINCT_TIMES:
        span = float(np.ptp(seconds)) if seconds.size else 0.0
        problems.append(f"the observations are at {distinct} distinct time(s) ({span:g} s "
                        f"apart); a fit needs at least {MIN_DISTINCT_TIMES}")
    problems += orbit_problems(fit.satrec)
    if not problems:
        error, _, _ = fit.satrec.sgp4_array(geometry.times.jd, geometry.times.fr)
        if np.any(error != 0):
            problems.append(f"SGP4 fails on the elements at {int(np.sum(error != 0))} of the "
                            f"observation times (error {int(error[error != 0][0])})")
    if not fit.converged:
        problems.append(f"the solver did not converge in {fit.iterations} iterations (the "
                        "observations do not determine the orbit)")
    ratio = normalised_rms(fit, sigma_arcsec, default_sigma_arcsec)
    if not math.isfinite(fit.rms_arcsec) or not math.isfinite(ratio):
        problems.append("the residuals are not finite")
    elif ratio > MAX_NORMALISED_RMS:
        problems.append(f"RMS {fit.rms_arcsec:.1f} arcsec is {ratio:.0f} times the "
                        f"observations' uncertainties (at most {MAX_NORMALISED_RMS:g} "
                        "accepted): the elements do not explain the observations")
    return problems


def normalised_rms(fit, sigma_arcsec, default_arcsec: float) -> float:
    """RMS of the used observations' residual angles over their σ (floored)."""
    used = np.asarray(fit.used, bool)
    if not used.any():
        return float("nan")
    angles = np.hypot(fit.residuals["ra_arcsec"], fit.residuals["dec_arcsec"])[used]
    n = used.size
    sigma = np.full(n, default_arcsec) if sigma_arcsec is None else np.asarray(
        sigma_arcsec, float)
    sigma = np.where(np.isfinite(sigma) & (sigma > 0), sigma, default_arcsec)
    sigma = np.maximum(sigma, SIGMA_FLOOR_ARCSEC)[used]
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.sqrt(np.mean((angles / sigma) ** 2)))
