"""Orbit improvement: weighted least squares of SGP4 mean elements to angles.

Differential correction as in Vallado (*Fundamentals of Astrodynamics and Applications*,
§10) and satfit's successors: each observation's residual is the observed minus the
predicted direction along the east and north axes at the observed direction (ΔRA·cos Dec and
ΔDec to first order), weighted by 1/σ²; the corrections to the
parameters of :mod:`.elements` (n, e·cos ω, e·sin ω, i, Ω, M+ω, and B*) come from the normal
equations with Levenberg–Marquardt damping; partials are forward differences of SGP4 itself
(as MINPACK takes them).

- **σ**: each observation's position uncertainty (IOD/UK/RDE fields, CSV ``sigma_arcsec``);
  :data:`DEFAULT_SIGMA_ARCSEC` when absent; never below half of what the line's digits
  resolve nor :data:`MIN_SIGMA_ARCSEC`; then scaled per station by what its residuals show
  (a robust standard deviation of its normalised residuals, at least 1, σ at most
  :data:`MAX_SIGMA_ARCSEC`), refitted until the scales settle: a visual observer's ``17``
  that reads as 0.1" cannot pull the orbit.
- **B\\***: fitted only when the observations span at least :data:`BSTAR_MIN_ARC_DAYS` days
  (over a shorter arc drag is not observable and B* would absorb noise) and the orbit is
  near-Earth (period under 225 min: deep-space orbits feel no drag SGP4 could fit);
  otherwise held at the starting value. ``|B*| < 1``.
- **Outliers**: after convergence, observations whose studentised residual (over its σ and
  over sqrt(1 − leverage)) exceeds ``3·max(s, 1)`` are set aside and the fit is repeated,
  until the set no longer changes (at most 5 rounds; never more than a third of the
  observations). ``s`` is a robust scale of the normalised residuals of all observations:
  their median over that of a 2-D normal (1.1774), so outliers cannot raise the threshold
  that should catch them. Of the rounds, the one whose misfit of all observations (RMS of
  the normalised residuals, the worst :data:`TRIM` left out) is least is kept.
- **Starts**: when the fit from the given elements fails the quality gates, the mean
  longitude moved by :data:`START_SHIFTS_DEG`; then the most recent arc one element set
  explains (:data:`ARC_DAYS`), the older observations set aside (a manoeuvre, years of
  observations).
- **Convergence**: relative change of the weighted cost below 1e-8, a step below 1e-12 or
  below 1 % of its formal σ in every parameter (the observations cannot tell the elements
  apart any more), or normalised residuals below 1e-3; at most :data:`MAX_ITERATIONS`
  iterations. A fit that is still moving then is reported as not converged, and fails the
  quality gates of :mod:`.quality`.
- **Epoch**: the last observation's time unless given; the starting elements are carried
  to it by SGP4 and converted back to mean elements there.

At the end the elements are rounded to TLE precision (the TLE text is parsed again) and the
residuals are those of the rounded elements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sgp4.api import Satrec

from ..constants import ARCSEC_RAD, DAY_S
from ..tle import tle_lines
from .elements import mean_elements_from_state, satrec_from_x, x_from_satrec
from .quality import fit_problems
from .reduction import LIGHT_KM_S, ObservationGeometry, tangent_offsets

__all__ = ["OrbitFit", "fit_orbit", "DEFAULT_SIGMA_ARCSEC", "BSTAR_MIN_ARC_DAYS"]

DEFAULT_SIGMA_ARCSEC = 30.0
BSTAR_MIN_ARC_DAYS = 3.0
MAX_ITERATIONS = 40
#: SGP4's own error against a true orbit (km, R/T/N sigma): what Jason-3's published sets show
#: against its precise orbit within a day of their epochs (0.09/0.47/0.19 km; README, "How
#: wrong"). A fit to observations of the true orbit cannot do better than the model it fits.
MODEL_ERROR_RTN_KM = (0.1, 0.5, 0.2)
#: Observations further apart than this (s, same station) belong to different tracks.
TRACK_GAP_S = 600.0
#: Convergence also when the weighted cost is below this per residual (normalised residuals
#: of 1e-3), or when the last _STALL_ITERATIONS iterations lowered it by under _STALL_GAIN.
_TINY_COST = 1e-6
_STALL_ITERATIONS = 10
_STALL_GAIN = 1e-3
#: A step below this fraction of every parameter's formal σ ends the iterations.
_SIGNIFICANT_STEP = 0.01
_STEPS = np.array([1e-8, 1e-7, 1e-7, 1e-7, 1e-7, 1e-7, 1e-6])  # finite-difference steps
_NAMES = ("mean_motion", "e_cos_argp", "e_sin_argp", "inclination", "raan", "mean_longitude",
          "bstar")


@dataclass
class OrbitFit:
    """The result of :func:`fit_orbit`.

    Attributes
    ----------
    satrec : Satrec
        Fitted elements, rounded to TLE precision.
    unrounded : Satrec
        The same before rounding (TLE text keeps 1e-4 deg, 1e-8 rev/day and 1e-8 day of
        epoch: about 10 m in LEO).
    tle_line1, tle_line2 : str
    rms_arcsec : float
        RMS of the residual angles of the used observations.
    used : ndarray of bool, shape (N,)
    residuals : dict of ndarray, shape (N,)
        ``ra_arcsec``, ``dec_arcsec``, ``cross_arcsec``, ``along_arcsec``, ``along_s`` of
        every observation (used or not) against the fitted elements.
    iterations : int
    converged : bool
    sigmas : dict of float
        1-σ uncertainties of the elements (inclination_deg, raan_deg, eccentricity,
        argp_deg, mean_anomaly_deg, mean_motion_rev_day, bstar) from the covariance scaled by
        the reduced χ².
    fit_bstar : bool
    problems : list of str
        Why the elements must not be handed on (:mod:`.quality`: not a valid orbit, not
        converged, residuals inconsistent with the uncertainties); empty for a good fit.
    covariance : ndarray, shape (7, 7)
        Covariance of the fit parameters ``x`` (mean motion rad/min, e cos ω, e sin ω,
        inclination, node, mean longitude in rad, B*), from the residuals with the error
        each track shares taken into account (:func:`_covariance`); rows and columns of
        parameters held fixed are zero. :meth:`position_covariance` carries it
        to any time.
    x : ndarray, shape (7,)
        The fitted parameters (unrounded), at the epoch ``epoch`` (two-float Julian date).
    """

    satrec: Satrec
    tle_line1: str
    tle_line2: str
    rms_arcsec: float
    used: np.ndarray
    residuals: dict
    iterations: int
    converged: bool
    sigmas: dict = field(default_factory=dict)
    fit_bstar: bool = False
    unrounded: Satrec | None = None
    problems: list = field(default_factory=list)
    covariance: np.ndarray | None = None
    x: np.ndarray | None = None
    epoch: tuple | None = None

    def position_covariance(self, times, model_error: bool = True) -> np.ndarray:
        """Position covariance (km²) of the fitted elements at `times`, in each time's
        radial, transverse and normal axes, shape (T, 3, 3): the parameter covariance
        carried by SGP4's partials, taken by central differences of a tenth of each
        parameter's sigma (the propagation is linear to well within that); with
        `model_error`, plus the error no SGP4 element set avoids against the true orbit
        (:data:`MODEL_ERROR_RTN_KM`, independent per axis): the covariance against the
        truth rather than of the elements alone."""
        from ..timescale import to_times  # the times of a caller's choice

        times = to_times(times)
        if self.covariance is None or self.x is None:
            raise ValueError("this fit has no covariance (the solver's Jacobian was singular)")
        base = satrec_from_x(self.x, *self.epoch)
        _, r0, v0 = base.sgp4_array(times.jd, times.fr)
        sigma = np.sqrt(np.maximum(np.diag(self.covariance), 0.0))
        partials = np.zeros((len(times.jd), 3, 7))
        for k in np.flatnonzero(sigma > 0):
            step = np.zeros(7)
            step[k] = 0.1 * sigma[k]
            _, rp, _ = satrec_from_x(self.x + step, *self.epoch).sgp4_array(times.jd, times.fr)
            _, rm, _ = satrec_from_x(self.x - step, *self.epoch).sgp4_array(times.jd, times.fr)
            partials[:, :, k] = (rp - rm) / (2.0 * step[k])
        radial = r0 / np.linalg.norm(r0, axis=1, keepdims=True)
        normal = np.cross(r0, v0)
        normal /= np.linalg.norm(normal, axis=1, keepdims=True)
        axes = np.stack([radial, np.cross(normal, radial), normal], axis=1)  # (T, 3, 3)
        a = axes @ partials
        cov = a @ self.covariance @ np.swapaxes(a, 1, 2)
        return cov + np.diag(np.square(MODEL_ERROR_RTN_KM)) if model_error else cov
    #: The σ each observation was weighted with (stated, floored, scaled per station).
    sigma_arcsec: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        """Whether the elements pass every quality gate (:attr:`problems` is empty)."""
        return not self.problems


class _Problem:
    """Residuals of observations for a parameter vector (one SGP4 call per evaluation)."""

    def __init__(self, geometry: ObservationGeometry, sigma_arcsec, epoch, satnum):
        self.geometry = geometry
        self.weight = 1.0 / (np.asarray(sigma_arcsec, float) * ARCSEC_RAD)
        self.epoch = epoch
        self.satnum = satnum
        self.jd = geometry.times.jd
        self.fr = geometry.times.fr
        self.east, self.north = _east_north(geometry.u_obs)

    def satrec(self, x) -> Satrec:
        return satrec_from_x(x, self.epoch[0], self.epoch[1], self.satnum)

    def directions(self, sat):
        error, r, v = sat.sgp4_array(self.jd, self.fr)
        return self.geometry.predict(r, v), error

    def residual(self, x, rows) -> np.ndarray:
        """Weighted residuals (2·len(rows),): the observed minus the predicted direction
        along the east and north axes of the observed direction, over σ."""
        sat = self.satrec(x)
        error, r, v = sat.sgp4_array(self.jd[rows], self.fr[rows])
        u = self._directions(r, v, rows)
        d = self.geometry.u_obs[rows] - u
        res = np.concatenate([np.einsum("ij,ij->i", d, self.east[rows]),
                              np.einsum("ij,ij->i", d, self.north[rows])])
        res *= np.concatenate([self.weight[rows], self.weight[rows]])
        bad = ~np.isfinite(res) | np.concatenate([error != 0] * 2)
        res[bad] = 1e6
        return res

    def _directions(self, r, v, rows):
        g = self.geometry
        m = g.teme_to_gcrs[rows]
        rg = np.einsum("nij,nj->ni", m, r)
        vg = np.einsum("nij,nj->ni", m, v)
        rho = rg - g.site_km[rows]
        rng = np.sqrt(np.einsum("ij,ij->i", rho, rho))
        rho -= vg * (rng / LIGHT_KM_S)[:, None]
        return rho / np.sqrt(np.einsum("ij,ij->i", rho, rho))[:, None]


def _east_north(u):
    x, y, z = u[:, 0], u[:, 1], u[:, 2]
    rxy = np.hypot(x, y)
    east = np.stack([-y / rxy, x / rxy, np.zeros_like(x)], axis=-1)
    north = np.stack([-z * x / rxy, -z * y / rxy, rxy], axis=-1)
    return east, north


def _levenberg_marquardt(problem, x, rows, free, max_iterations):
    lam = 1e-3
    res = problem.residual(x, rows)
    cost = res @ res
    iterations, converged = 0, False
    history = [cost]
    for iterations in range(1, max_iterations + 1):
        jac = np.empty((res.size, free.size))
        for k, p in enumerate(free):  # forward differences: one SGP4 run per parameter
            step = _STEPS[p] * (max(abs(x[0]), 1e-3) if p == 0 else 1.0)
            xp = x.copy()
            xp[p] += step
            jac[:, k] = (problem.residual(xp, rows) - res) / step
        normal = jac.T @ jac
        gradient = jac.T @ res
        improved = small = False
        while lam < 1e10:  # raise the damping until a step lowers the cost
            damped = normal + lam * np.diag(np.maximum(np.diag(normal), 1e-30))
            try:
                delta = -np.linalg.solve(damped, gradient)
            except np.linalg.LinAlgError:
                lam *= 10.0
                continue
            trial = x.copy()
            trial[free] += delta
            if not (0.0 < trial[0] and math.hypot(trial[1], trial[2]) < 0.99
                    and abs(trial[6]) < 1.0):
                lam *= 10.0
                continue
            trial_res = problem.residual(trial, rows)
            trial_cost = trial_res @ trial_res
            if trial_cost < cost:
                small = (np.all(np.abs(delta) < 1e-12) or (cost - trial_cost) < 1e-8 * cost
                         or _insignificant(delta, normal))
                x, res, cost = trial, trial_res, trial_cost
                lam = max(lam / 10.0, 1e-12)
                improved = True
                break
            lam *= 10.0
        history.append(cost)
        if not improved or small:  # at the minimum: no step of any length lowers the cost
            converged = True
            break
        if cost < _TINY_COST * res.size:  # residuals a thousandth of their sigmas: done
            converged = True
            break
    if not converged and len(history) > _STALL_ITERATIONS:
        # Still creeping at the end (a fit with as many parameters as measurements slides
        # along a flat valley): converged when the last iterations gained almost nothing.
        before = history[-1 - _STALL_ITERATIONS]
        converged = before - cost <= _STALL_GAIN * before
    return x, res, cost, iterations, converged, jac


def _insignificant(delta, normal) -> bool:
    """Whether a step changes every parameter by less than :data:`_SIGNIFICANT_STEP` of
    its formal uncertainty (from the undamped normal matrix of σ-weighted residuals): the
    observations cannot tell the new elements from the old, so the solver has converged
    even where the cost still creeps along a flat valley (one short track, few
    observations of a distant object)."""
    try:
        variance = np.diag(np.linalg.pinv(normal))
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.abs(delta) <= _SIGNIFICANT_STEP * np.sqrt(np.maximum(variance,
                                                                                 0.0))))


def fit_orbit(geometry: ObservationGeometry, start: Satrec, *, sigma_arcsec=None, epoch=None,
              fit_bstar: bool | None = None, norad_id: int | None = None,
              intl_designator: str = "", reject_k: float = 3.0,
              max_iterations: int = MAX_ITERATIONS, station=None, resolution_arcsec=None,
              robust: bool = True, fit_eccentricity: bool = True) -> OrbitFit:
    """Fit SGP4 mean elements to the observations of one object.

    Parameters
    ----------
    geometry : ObservationGeometry, N observations of the object
    start : Satrec
        Starting elements (the catalogue's, given ones, or an initial orbit).
    sigma_arcsec : ndarray, shape (N,), optional
        Position uncertainties; NaN or absent entries use :data:`DEFAULT_SIGMA_ARCSEC`.
    epoch : Times, optional
        Epoch of the fitted elements (default: the last observation).
    fit_bstar : bool, optional
        Default: only on arcs of at least :data:`BSTAR_MIN_ARC_DAYS`.
    norad_id, intl_designator :
        For the TLE lines (default: the starting elements' number).
    reject_k : float
        Outlier threshold in units of the RMS (and of σ).
    station : ndarray of str, shape (N,), optional
        Each observation's station: the weights of each station are scaled by what its
        residuals show (:data:`MIN_STATION_OBSERVATIONS` or more; the others share one
        scale), so one observer's optimistic σ does not pull the orbit.
    resolution_arcsec : ndarray, shape (N,), optional
        What each line's digits resolve: σ is never below half of it.
    robust : bool
        When the fit from `start` fails the quality gates: further starts (mean longitude
        moved by :data:`START_SHIFTS_DEG`), then the most recent arc that one element set
        explains (:data:`ARC_DAYS`), the older observations set aside.
    fit_eccentricity : bool
        False: the mean orbit is held circular (e = 0; four or five parameters), as two
        short tracks cannot determine the eccentricity and perigee of a LEO orbit.

    Returns
    -------
    OrbitFit
    """
    n = len(geometry.times)
    sigma = np.full(n, DEFAULT_SIGMA_ARCSEC) if sigma_arcsec is None else \
        np.where(np.isfinite(sigma_arcsec) & (np.asarray(sigma_arcsec) > 0), sigma_arcsec,
                 DEFAULT_SIGMA_ARCSEC)
    if resolution_arcsec is not None:
        sigma = np.fmax(sigma, 0.5 * np.asarray(resolution_arcsec, float))
    sigma = np.maximum(sigma, MIN_SIGMA_ARCSEC)
    groups = np.zeros(n, np.int64) if station is None else \
        np.unique(np.asarray(station).astype(str), return_inverse=True)[1].reshape(-1)
    seconds = geometry.times.seconds_since(geometry.times)
    arc_days = (seconds.max() - seconds.min()) / DAY_S if n else 0.0
    if fit_bstar is None:  # drag is not observable on short arcs, nor felt in deep space
        fit_bstar = arc_days >= BSTAR_MIN_ARC_DAYS and start.no_kozai * 1440.0 / (
            2 * math.pi) > 1440.0 / 225.0
    last = int(np.argmax(seconds))
    ep = (geometry.times.jd[last], geometry.times.fr[last]) if epoch is None else \
        (float(epoch.jd[0]), float(epoch.fr[0]))
    number = int(norad_id if norad_id is not None else start.satnum)
    error, r0, v0 = start.sgp4(ep[0], ep[1])
    if error:
        x0 = x_from_satrec(start)
    else:
        x0 = mean_elements_from_state(r0, v0, ep[0], ep[1], start.bstar, min(number, 99999))
    free = np.arange(7 if fit_bstar else 6)
    if not fit_eccentricity:
        free = free[(free != 1) & (free != 2)]
        x0[1:3] = 0.0
    settings = (ep, number, intl_designator, free, fit_bstar, reject_k, max_iterations)
    rows = np.arange(n)
    best = _solve(geometry, rows, x0, sigma, groups, settings)
    if best.ok or not robust:
        return best
    for shift in START_SHIFTS_DEG:  # Levenberg-Marquardt landed badly: other starts
        x = x0.copy()
        x[5] += math.radians(shift)
        best = _better(_solve(geometry, rows, x, sigma, groups, settings), best)
    if best.ok:
        return best
    for days in ARC_DAYS:  # the most recent arc that one element set explains
        recent = np.flatnonzero(seconds >= seconds.max() - days * DAY_S)
        if recent.size == n or recent.size < MIN_ARC_OBSERVATIONS:
            continue
        fit = _solve(geometry, recent, x0, sigma, groups, settings)
        if fit.ok:
            return fit
    return best


#: Starts tried when the fit from the given elements fails its gates: the mean longitude
#: moved by these (deg), as a start a degree off along the orbit can land in a side valley.
START_SHIFTS_DEG = (-2.0, 2.0, -10.0, 10.0)
#: Recent arcs (days before the last observation) tried last: an object that manoeuvred, or
#: years of observations no one element set follows, is fitted where its elements hold
#: (as satfit's users do by hand), the older observations set aside.
ARC_DAYS = (120.0, 60.0, 30.0, 15.0)
MIN_ARC_OBSERVATIONS = 6
#: No observation is weighted as if better than this (arcsec).
MIN_SIGMA_ARCSEC = 1.0
#: Stations with this many used observations get their own weight scale.
MIN_STATION_OBSERVATIONS = 3
#: Largest believed σ of one observation (arcsec): a visual observer's worst arcminutes.
MAX_SIGMA_ARCSEC = 600.0
#: Share of the worst observations left out of the misfit that judges an edit.
TRIM = 0.1
_RAYLEIGH_MEDIAN = math.sqrt(2 * math.log(2))


def _better(fit, best):
    """A fit that passes the gates beats one that does not; then the lower RMS."""
    if fit.ok != best.ok:
        return fit if fit.ok else best
    return fit if fit.rms_arcsec < best.rms_arcsec or not np.isfinite(best.rms_arcsec) \
        else best


def _solve(geometry, rows, x, sigma, groups, settings) -> OrbitFit:
    """Least squares on observations `rows` with outlier editing, the weights of each
    station scaled by its residuals until the scales settle; residuals of every
    observation, the others not used."""
    ep, number, intl, free, fit_bstar, reject_k, max_iterations = settings
    n = len(geometry.times)
    scale = np.ones(groups.max() + 1 if n else 1)
    total, jac, res, converged = 0, None, None, False
    for _weights in range(4):
        effective = np.minimum(sigma * scale[groups], np.maximum(sigma, MAX_SIGMA_ARCSEC))
        problem = _Problem(geometry, effective, ep, number)
        x, used, iterations, converged, jac, res, norm = _edited_fit(
            problem, x, rows, n, free, reject_k, max_iterations)
        total += iterations
        new = _station_scales(norm * scale[groups], used, groups, scale.size)
        if np.allclose(new, scale, rtol=0.1):
            break
        scale = new
    fit = _finish(problem, x, used, total, converged, fit_bstar, jac, res, free, number, intl)
    fit.sigma_arcsec = effective
    fit.problems = fit_problems(fit, geometry, effective, DEFAULT_SIGMA_ARCSEC)
    return fit


def _studentised(res, jac) -> np.ndarray:
    """Lengths of the weighted residuals (east block, then north block, shape (2m,)) of m
    observations, each component over sqrt(1 - its leverage) (the diagonal of the hat
    matrix of the weighted Jacobian `jac`, shape (2m, p))."""
    m = res.size // 2
    try:
        q, _ = np.linalg.qr(jac)
        leverage = np.einsum("ij,ij->i", q, q)
    except np.linalg.LinAlgError:
        leverage = np.zeros(res.size)
    scaled = res / np.sqrt(np.clip(1.0 - leverage, 1e-6, 1.0))
    return np.hypot(scaled[:m], scaled[m:])


def _station_scales(norm, used, groups, count) -> np.ndarray:
    """Per station, its used residuals over stated σ as a robust standard deviation (the
    median of a 2-D normal's length is 1.1774 σ), never below 1; stations with fewer than
    :data:`MIN_STATION_OBSERVATIONS` share the scale of all."""
    everyone = float(np.median(norm[used])) / _RAYLEIGH_MEDIAN if used.any() else 1.0
    scale = np.full(count, max(everyone, 1.0))
    for g in range(count):
        mine = used & (groups == g)
        if mine.sum() >= MIN_STATION_OBSERVATIONS:
            scale[g] = max(float(np.median(norm[mine])) / _RAYLEIGH_MEDIAN, 1.0)
    return scale


def _edited_fit(problem, x, rows, n, free, reject_k, max_iterations):
    """Levenberg-Marquardt on `rows`, then observations beyond ``reject_k`` robust standard
    deviations set aside and the fit repeated until the set settles (module docstring).
    An edit is kept only while the misfit of all of `rows` (RMS of their normalised
    residuals, the worst :data:`TRIM` left out) does not grow: setting aside a whole
    night that the orbit must bend to explain is not outlier editing."""
    subset = np.zeros(n, bool)
    subset[rows] = True
    used = subset.copy()
    size = int(subset.sum())
    total, best = 0, None
    for _round in range(6):
        x, res, cost, iterations, converged, jac = _levenberg_marquardt(
            problem, x, np.flatnonzero(used), free, max_iterations)
        total += iterations
        norm = np.hypot(*problem.residual(x, np.arange(n)).reshape(2, n))
        ordered = np.sort(norm[subset])
        # Edited on studentised residuals: an observation whose weight lets it pull the
        # orbit onto itself (an impossible σ) shows its residual only once its leverage
        # is taken into account (`res`: the used rows' residuals at `x`).
        studentised = norm.copy()
        studentised[used] = _studentised(res, jac)
        misfit = float(np.sqrt(np.mean(ordered[:max(1, math.ceil(size * (1.0 - TRIM)))] ** 2)))
        if best is None or misfit <= best[0]:
            best = (misfit, x, used, converged, jac, res, norm)
        # A robust scale (the median, as a standard deviation) so outliers cannot hide
        # behind the RMS they inflate; never below the stated uncertainties.
        scale = max(float(np.median(norm[subset])) / _RAYLEIGH_MEDIAN, 1.0)
        keep = subset & (studentised <= reject_k * scale)
        least = math.ceil(2 * size / 3)
        if keep.sum() < least:
            keep = subset & (studentised <= np.sort(studentised[subset])[least - 1])
        if np.array_equal(keep, used):
            break
        used = keep
    _, x, used, converged, jac, res, norm = best
    return x, used, total, converged, jac, res, norm


def _finish(problem, x, used, iterations, converged, fit_bstar, jac, res, free, number,
            intl) -> OrbitFit:
    sat = problem.satrec(x)
    line1, line2 = tle_lines(sat, norad_id=number, intl_designator=intl)
    rounded = Satrec.twoline2rv(line1, line2)
    (u, w, _), _ = problem.directions(rounded)
    offsets = tangent_offsets(problem.geometry.u_obs, u, w)
    angles = np.hypot(offsets["ra_arcsec"], offsets["dec_arcsec"])
    rms = float(np.sqrt(np.mean(angles[used] ** 2))) if used.any() else float("nan")
    full = _covariance(jac, res, free, _tracks_of(problem, used))
    return OrbitFit(rounded, line1, line2, rms, used, offsets, iterations, bool(converged),
                    _sigmas(full, x), fit_bstar, sat, covariance=full,
                    x=np.array(x, dtype=float), epoch=tuple(problem.epoch))


def _tracks_of(problem, used) -> np.ndarray:
    """A track number per used observation (in the order of the residuals): a new track
    where the station changes or the time gap exceeds :data:`TRACK_GAP_S`."""
    rows = np.flatnonzero(used)
    seconds = ((problem.jd[rows] - problem.jd[rows][:1])
               + (problem.fr[rows] - problem.fr[rows][:1])) * DAY_S
    station = problem.geometry.site_km[rows]
    order = np.argsort(seconds, kind="stable")
    track = np.zeros(len(rows), np.int64)
    current = 0
    for position in range(1, len(order)):
        row, prev = order[position], order[position - 1]
        if seconds[row] - seconds[prev] > TRACK_GAP_S or \
                np.abs(station[row] - station[prev]).max() > 50.0:
            current += 1
        track[row] = current
    return track


def _covariance(jac, res, free, tracks=None) -> np.ndarray | None:
    """The parameters' covariance (7, 7); None when the Jacobian is singular.

    The residuals of one track are not independent: SGP4 cannot follow the true orbit, and
    its error is the same for every observation of a two-minute track. So each track's
    residuals (east and north apart) are taken to share an error of variance ``tau2`` on
    top of their own ``s2``, both estimated from the residuals (``s2`` about the track
    means, ``tau2`` from the scatter of those means), and the covariance of the least-
    squares solution is the sandwich ``A J' V J A`` (``A = (J'J)^-1``, ``V`` that
    block-correlated covariance). With one observation per track, or no shared error,
    this is the usual ``(J'J)^-1`` scaled by the reduced chi-square. Without the shared
    error the fits of Stella and Jason-3 to their precise orbits claim errors five to ten
    times too small (README, "How wrong")."""
    dof = max(res.size - free.size, 1)
    j = jac
    try:
        a = np.linalg.inv(j.T @ j)
    except np.linalg.LinAlgError:
        return None
    m = res.size // 2
    if tracks is None or len(tracks) != m or m < 2:
        cov = a * (res @ res) / dof
    else:
        middle = np.zeros_like(a)
        for block in (slice(0, m), slice(m, 2 * m)):
            r, jb = res[block], j[block]
            count = np.bincount(tracks).astype(float)
            means = np.bincount(tracks, weights=r) / np.maximum(count, 1.0)
            within = r - means[tracks]
            groups = int((count > 0).sum())
            s2 = within @ within / max(m - groups - free.size / 2.0, 1.0)
            if m == groups:  # one observation per track: nothing to tell them apart
                s2 = r @ r / max(m - free.size / 2.0, 1.0)
            present = count > 0
            tau2 = max(float(np.mean(means[present] ** 2 - s2 / count[present])), 0.0)
            sums = np.zeros((len(count), jb.shape[1]))
            np.add.at(sums, tracks, jb)
            middle += s2 * (jb.T @ jb) + tau2 * (sums.T @ sums)
        cov = a @ middle @ a
    full = np.zeros((7, 7))
    full[np.ix_(free, free)] = cov
    return full


def _sigmas(full, x) -> dict:
    if full is None:
        return {}
    s = np.sqrt(np.maximum(np.diag(full), 0.0))
    ecc = max(math.hypot(x[1], x[2]), 1e-12)
    return {"mean_motion_rev_day": s[0] * 1440.0 / (2 * math.pi),
            "eccentricity": math.hypot(x[1] * s[1], x[2] * s[2]) / ecc,
            "inclination_deg": math.degrees(s[3]), "raan_deg": math.degrees(s[4]),
            "mean_longitude_deg": math.degrees(s[5]),
            "argp_deg": math.degrees(math.hypot(x[2] * s[1], x[1] * s[2]) / ecc ** 2),
            "bstar": s[6]}
