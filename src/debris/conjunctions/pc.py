"""Collision probability of a conjunction: Foster's 2-D integral, Chan's series, Alfano's max.

The short-encounter (2-D) model: at the time of closest approach the relative motion is a
straight line, the combined position uncertainty of the two objects is a Gaussian with the
sum of their covariances, and a collision happens when the relative position passes within
the combined hard-body radius. Projected on the *encounter plane* (normal to the relative
velocity), the probability is the integral of a 2-D Gaussian, centred on the miss vector,
over the disk of radius HBR.

* :func:`foster_pc` integrates that disk exactly (adaptive quadrature, relative error
  ~1e-10; Foster & Estes 1992): one variable in closed form with the normal CDF, the other
  by ``scipy.integrate.quad`` with the Gaussian's peak as a break point.
* :func:`chan_pc` is Chan's series (Chan 1997/2008): scaled to make the covariance
  isotropic, the disk becomes an ellipse, replaced by the circle of equal area; then the
  integral is a fast-converging series. Exact for an isotropic covariance, close to Foster
  when the disk is small against the covariance ellipse.
* :func:`max_pc` is Alfano's maximum probability (Alfano 2005): the worst case over a scale
  factor on the covariance, for element sets without covariance (TLE screening, as
  CelesTrak SOCRATES reports).

Each method is a :class:`PcMethod` made known by :func:`register_pc_method` (name, function,
CCSDS label, and optionally a many-rows form): screening, ``--method`` on the command line,
the CDMs' ``COLLISION_PROBABILITY_METHOD`` and ``python -m debris`` all read the registry,
so a new method is one module that registers itself.

Units are whatever the caller uses, consistently (km and km^2 everywhere in debris). A
combined covariance that is not positive definite in the encounter plane is remediated as
NASA CARA does: eigenvalues are raised to a floor (``min_sigma``), which makes the
probability 0 when the degenerate direction carries the miss.

References: NASA CARA Analysis Tools (``Pc2D_Foster``, ``PcCircle``), tested against its
unit-test vectors and real CDMs in ``tests/test_pc.py``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InputError
from ..frames import rtn_basis, vector_norm

__all__ = ["encounter_plane", "foster_pc", "chan_pc", "max_pc", "ric_to_inertial",
           "conjunction_pc", "pc_function", "probabilities", "PcMethod",
           "register_pc_method", "unregister_pc_method", "pc_methods", "pc_method"]


@dataclass(frozen=True)
class PcMethod:
    """One 2-D collision probability method, as every part of debris finds it.

    Attributes
    ----------
    name : str
        Its name on the command line (``--method``) and in the API (``method=``).
    function : callable
        ``function(miss, cov, hbr, *, min_sigma) -> float``: the probability of one
        conjunction from its encounter-plane miss (2,), covariance (2, 2) and combined
        hard-body radius (all km).
    ccsds_label : str
        What a CDM writes as ``COLLISION_PROBABILITY_METHOD`` (the SANA registry's name,
        e.g. ``FOSTER-1992``).
    description : str
        One line for ``--help`` and ``python -m debris``.
    rows : callable, optional
        ``rows(hbr, sig, c) -> ndarray``: the probability of many conjunctions at once from
        the principal sigmas and the miss in their axes (:func:`probabilities` uses it where
        the integrand is smooth; the rest go through `function` one by one).
    """

    name: str
    function: Callable
    ccsds_label: str
    description: str = ""
    rows: Callable | None = None


_REGISTRY: dict[str, PcMethod] = {}


def register_pc_method(method: PcMethod, *, replace: bool = False) -> PcMethod:
    """Make a Pc method known to screening, ``debris screen/pc --method``, CDMs and
    ``python -m debris`` (README, "Architecture": one module that calls this)."""
    if method.name in _REGISTRY and not replace:
        raise ValueError(f"a Pc method named {method.name!r} is registered already")
    _REGISTRY[method.name] = method
    return method


def unregister_pc_method(name: str) -> None:
    """Forget a registered Pc method (a test's, say)."""
    _REGISTRY.pop(name, None)


def pc_methods() -> dict[str, PcMethod]:
    """The registered Pc methods by name (a copy), in registration order."""
    return dict(_REGISTRY)


def pc_method(name: str) -> PcMethod:
    """The registered Pc method of a name; an unknown name is an error listing the known."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(f"Pc method {name!r}: expected one of "
                         f"{', '.join(_REGISTRY)}") from None


def ric_to_inertial(cov_rtn, r, v) -> np.ndarray:
    """Rotate covariances from objects' RTN (RIC) frames to the inertial frame of r, v.

    Parameters
    ----------
    cov_rtn : array_like, shape (..., 3, 3) or (..., 6, 6)
        Position (or position-velocity) covariances in RTN.
    r, v : array_like, shape (..., 3)

    Returns
    -------
    ndarray, same shape as `cov_rtn`
    """
    cov = np.asarray(cov_rtn, float)
    m = np.swapaxes(rtn_basis(r, v), -1, -2)  # columns R, T, N in inertial axes
    if cov.shape[-1] == 6:
        big = np.zeros(m.shape[:-2] + (6, 6))
        big[..., :3, :3] = m
        big[..., 3:, 3:] = m
        m = big
    return m @ cov @ np.swapaxes(m, -1, -2)


def encounter_plane(r1, v1, cov1, r2, v2, cov2):
    """Project conjunctions on their encounter planes (broadcasting over leading axes).

    Parameters
    ----------
    r1, v1, r2, v2 : array_like, shape (..., 3)
        Inertial states of both objects at TCA.
    cov1, cov2 : array_like, shape (..., 3, 3) or (..., 6, 6)
        Inertial covariances (only the position block is used).

    Returns
    -------
    miss : ndarray, shape (..., 2)
        Relative position in the plane (its norm is the miss distance perpendicular to the
        relative velocity).
    cov : ndarray, shape (..., 2, 2)
        Combined position covariance in the plane.
    """
    dr = np.asarray(r2, float) - np.asarray(r1, float)
    dv = np.asarray(v2, float) - np.asarray(v1, float)
    cov = np.asarray(cov1, float)[..., :3, :3] + np.asarray(cov2, float)[..., :3, :3]
    speed = vector_norm(dv)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(speed > 0, dv / speed, [0.0, 1.0, 0.0])
    z = np.cross(dr, y)
    degenerate = ~(vector_norm(z) > 1e-12 * np.maximum(vector_norm(dr), 1e-300))
    if degenerate.any():  # miss along the relative velocity: any normal will do
        helper = np.where(np.abs(y[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        z = np.where(degenerate[..., None], np.cross(y, helper), z)
    z = z / vector_norm(z)[..., None]
    plane = np.stack([np.cross(y, z), z], axis=-2)  # (..., 2, 3)
    miss = np.einsum("...ij,...j->...i", plane, dr)
    return miss, plane @ cov @ np.swapaxes(plane, -1, -2)


def _principal(miss, cov, min_sigma):
    """Principal axes of a 2-D covariance (remediated): sigmas (major, minor) and the miss
    vector in those axes."""
    cov = 0.5 * (np.asarray(cov, float) + np.asarray(cov, float).T)
    values, vectors = np.linalg.eigh(cov)
    values = np.maximum(values, min_sigma ** 2)
    sig = np.sqrt(values[::-1])  # major first
    axes = vectors[:, ::-1]
    return sig, axes.T @ np.asarray(miss, float)


def _ndtr_diff(a, b, ndtr):
    """Phi(b) - Phi(a) for a <= b without cancellation in the tails."""
    if a > 0:
        return ndtr(-a) - ndtr(-b)
    return ndtr(b) - ndtr(a)


def foster_pc(miss, cov, hbr, *, min_sigma: float = 1e-6, rtol: float = 1e-10) -> float:
    """Probability that the relative position falls within `hbr` of the origin (2-D).

    Parameters
    ----------
    miss : array_like, shape (2,)
        Miss vector in the encounter plane.
    cov : array_like, shape (2, 2)
        Combined covariance in the encounter plane.
    hbr : float
        Combined hard-body radius (same length unit); ``inf`` gives 1.
    min_sigma : float
        Floor on the principal standard deviations (NPD remediation), in the length unit.

    Returns
    -------
    float
    """
    from scipy import integrate, special  # loaded on first use: `import debris` stays quick

    ndtr = special.ndtr
    if not hbr > 0:
        return 0.0
    if math.isinf(hbr):
        return 1.0
    (s_major, s_minor), (c_major, c_minor) = _principal(miss, cov, min_sigma)
    # Integrate over the minor axis (the narrower Gaussian) with v = hbr sin(theta), so that
    # the disk's square-root edges become smooth; the major axis is done by the normal CDF.
    norm = 1.0 / (math.sqrt(2.0 * math.pi) * s_minor)

    def integrand(theta):
        v = hbr * math.sin(theta)
        half = hbr * math.cos(theta)
        gauss = norm * math.exp(-0.5 * ((v - c_minor) / s_minor) ** 2)
        return half * gauss * _ndtr_diff((-c_major - half) / s_major, (-c_major + half) / s_major,
                                         ndtr)

    points = []
    for k in (-8.0, -3.0, 0.0, 3.0, 8.0):  # where the minor-axis Gaussian lives
        v = c_minor + k * s_minor
        if -hbr < v < hbr:
            points.append(math.asin(v / hbr))
    with warnings.catch_warnings():  # roundoff near the requested 1e-10 is expected
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, _ = integrate.quad(integrand, -0.5 * math.pi, 0.5 * math.pi,
                                  points=sorted(points) or None, epsabs=0.0, epsrel=rtol,
                                  limit=500)
    return float(min(max(value, 0.0), 1.0))


#: Max Pc by the vectorised search for misses beyond this many HBR (nearer ones by the
#: scalar max_pc).
_RULE_MAX_PC = 1.0


def _principal_many(miss, cov, min_sigma):
    """:func:`_principal` for (M, 2) misses and (M, 2, 2) covariances in closed form:
    sigmas (M, 2), major first, and the misses in those axes (M, 2)."""
    a, b, d = cov[:, 0, 0], 0.5 * (cov[:, 0, 1] + cov[:, 1, 0]), cov[:, 1, 1]
    mean, half = 0.5 * (a + d), np.hypot(0.5 * (a - d), b)
    values = np.maximum(np.stack([mean + half, mean - half], axis=1), min_sigma ** 2)
    angle = 0.5 * np.arctan2(2.0 * b, a - d)  # of the major axis
    c, s = np.cos(angle), np.sin(angle)
    along = c * miss[:, 0] + s * miss[:, 1]
    across = -s * miss[:, 0] + c * miss[:, 1]
    return np.sqrt(values), np.stack([along, across], axis=1)


def probabilities(miss, cov, hbr, *, method: str = "foster", min_sigma: float = 1e-6):
    """Pc and Alfano's max Pc of many conjunctions at once.

    Foster's integral is evaluated for all conjunctions together with Gauss-Legendre rules
    (:func:`_foster_rule`: one 64-point rule where the integrand is smooth over the disk,
    panels broken as :func:`foster_pc` breaks its adaptive quadrature elsewhere); Alfano's
    max Pc for misses of 1-100 HBR by a golden-section search on the covariance scale with
    the same rules. Both are tested against the adaptive scalar functions (1e-9 relative
    wherever Pc > 1e-50). Chan's method goes through :func:`chan_pc` one by one.

    Parameters
    ----------
    miss : ndarray, shape (M, 2)
    cov : ndarray, shape (M, 2, 2)
    hbr : ndarray, shape (M,)

    Returns
    -------
    probability, max_probability : ndarray, shape (M,)
    """
    miss, cov, hbr = np.asarray(miss, float), np.asarray(cov, float), np.asarray(hbr, float)
    m = len(hbr)
    prob = np.full(m, np.nan)
    max_prob = np.full(m, np.nan)
    if m == 0:
        return prob, max_prob
    sig, c = _principal_many(miss, cov, min_sigma)
    distance = np.hypot(miss[:, 0], miss[:, 1])
    with np.errstate(all="ignore"):
        v = (c[:, 0] / sig[:, 0]) ** 2 + (c[:, 1] / sig[:, 1]) ** 2
        far = (hbr > 0) & (distance > 100.0 * hbr)
        max_prob[far] = hbr[far] ** 2 / (math.e * sig[far, 0] * sig[far, 1] * v[far])
        smooth = (hbr > 0) & np.isfinite(hbr)
    chosen = pc_method(method)
    if chosen.rows is not None and smooth.any():
        k = np.flatnonzero(smooth)
        prob[k] = np.clip(chosen.rows(hbr[k], sig[k], c[k]), 0.0, 1.0)
    near = np.flatnonzero((hbr > 0) & np.isnan(max_prob) & (distance > _RULE_MAX_PC * hbr)
                          & np.isfinite(hbr))
    if near.size:
        max_prob[near] = _max_pc_many(hbr[near], sig[near], c[near], v[near])
    pc = chosen.function
    for n in range(m):
        if np.isnan(prob[n]):
            prob[n] = pc(miss[n], cov[n], hbr[n], min_sigma=min_sigma)
        if np.isnan(max_prob[n]):
            max_prob[n] = max_pc(miss[n], cov[n], hbr[n], min_sigma=min_sigma)
    return prob, max_prob


def _foster_rule(hbr, sig, c):
    """Foster's integral (as in :func:`foster_pc`) by Gauss-Legendre rules, for rows of HBR
    (M,), principal sigmas (M, 2) and misses in those axes (M, 2).

    Where the integrand is smooth over the disk (HBR within a tenth of the minor sigma and
    the Gaussian's exponent varying by at most 10 across it: screening's usual case) one
    64-point rule over the half-circle; elsewhere 17 panels of 16 points, broken where the
    minor-axis Gaussian and the major-axis normal CDF change (0, 3 and 8 sigmas from their
    centres), as foster_pc's break points."""
    m = len(hbr)
    out = np.empty(m)
    s_major, s_minor = sig[:, 0], sig[:, 1]
    smooth = ((hbr <= 0.1 * s_minor) & (2.0 * hbr * np.abs(c[:, 1]) <= 10.0 * s_minor ** 2)
              & (2.0 * hbr * np.abs(c[:, 0]) <= 10.0 * s_major ** 2))
    x, w = np.polynomial.legendre.leggauss(64)
    k = np.flatnonzero(smooth)
    out[k] = _rule_sum(hbr[k], sig[k], c[k], np.broadcast_to(0.5 * math.pi * x, (k.size, 64)),
                       np.broadcast_to(0.5 * math.pi * w, (k.size, 64)))
    k = np.flatnonzero(~smooth)
    if k.size:
        r, (sa, si), (ca, ci) = hbr[k, None], sig[k].T, c[k].T
        steps = np.array([-8.0, -3.0, 0.0, 3.0, 8.0])
        with np.errstate(invalid="ignore", divide="ignore"):
            across = np.arcsin(np.clip((ci[:, None] + steps * si[:, None]) / r, -1, 1))
            along = np.arccos(np.clip((np.abs(ca)[:, None] + steps * sa[:, None]) / r, 0, 1))
        edges = np.sort(np.concatenate([np.full((k.size, 1), -0.5 * math.pi), across, along,
                                        -along, np.full((k.size, 1), 0.5 * math.pi)], axis=1),
                        axis=1)
        x, w = np.polynomial.legendre.leggauss(16)
        a, b = edges[:, :-1, None], edges[:, 1:, None]  # (K, panels, 1)
        theta = (0.5 * (a + b) + 0.5 * (b - a) * x).reshape(k.size, -1)
        out[k] = _rule_sum(hbr[k], sig[k], c[k], theta,
                           (0.5 * (b - a) * w).reshape(k.size, -1))
    return out


def _rule_sum(hbr, sig, c, theta, weight):
    """Foster's integrand summed over nodes `theta` with `weight` (both (M, K))."""
    from scipy import special  # loaded on first use: `import debris` stays quick

    r, (s_major, s_minor), (c_major, c_minor) = hbr[:, None], sig.T, c.T
    half = r * np.cos(theta)
    with np.errstate(under="ignore"):
        gauss = np.exp(-0.5 * ((r * np.sin(theta) - c_minor[:, None]) / s_minor[:, None]) ** 2)
    lo = (-c_major[:, None] - half) / s_major[:, None]
    hi = (-c_major[:, None] + half) / s_major[:, None]
    upper = lo > 0  # Phi(hi) - Phi(lo) as Phi(-lo) - Phi(-hi) there: no cancellation
    inside = (special.ndtr(np.where(upper, -lo, hi))
              - special.ndtr(np.where(upper, -hi, lo)))
    total = np.einsum("mk,mk->m", half * gauss * inside, weight)
    return total / (math.sqrt(2.0 * math.pi) * s_minor)


def _max_pc_many(hbr, sig, c, v):
    """:func:`max_pc` for misses beyond 5 HBR but within 100 HBR, all rows at once: a
    golden-section search on log k (the same bracket as max_pc's) with Foster's integral by
    the rules of :func:`_foster_rule`; the largest of its values at the best k, at Alfano's
    k0 and at the bracket's ends (where the maximum sits when Pc is monotonic inside it)."""
    k0 = np.log(np.sqrt(np.maximum(v, 1e-300) / 2.0))
    a, b = k0 - math.log(30.0), k0 + math.log(30.0)
    g = (math.sqrt(5.0) - 1.0) / 2.0

    def pc_at(log_k):
        scale = np.exp(log_k)
        return _foster_rule(hbr, sig * scale[:, None], c)

    x1, x2 = b - g * (b - a), a + g * (b - a)
    f1, f2 = pc_at(x1), pc_at(x2)
    for _ in range(30):  # (b - a) shrinks to 6.8 * 0.618^30 ~ 4e-6: Pc is flat there
        left = f1 >= f2  # the maximum is in [a, x2]: x1 becomes the new x2
        b, a = np.where(left, x2, b), np.where(left, a, x1)
        x1, x2 = np.where(left, b - g * (b - a), x2), np.where(left, x1, a + g * (b - a))
        f1, f2 = np.where(left, np.nan, f2), np.where(left, f1, np.nan)
        f1 = np.where(left, pc_at(x1), f1)
        f2 = np.where(left, f2, pc_at(x2))
    edges = np.maximum(pc_at(k0 - math.log(30.0)), pc_at(k0 + math.log(30.0)))
    return np.maximum(np.maximum(pc_at(0.5 * (a + b)), pc_at(k0)), edges)


def chan_pc(miss, cov, hbr, *, min_sigma: float = 1e-6, terms: int | None = None) -> float:
    """Chan's series for the 2-D probability (equal-area circle in the isotropic frame).

    ``u = R^2 / (sx sy)`` and ``v = (x/sx)^2 + (y/sy)^2``;
    ``Pc = exp(-v/2) sum_m (v/2)^m/m! (1 - exp(-u/2) sum_k<=m (u/2)^k/k!)``.
    """
    if not hbr > 0:
        return 0.0
    if math.isinf(hbr):
        return 1.0
    (sx, sy), (x, y) = _principal(miss, cov, min_sigma)
    u = hbr * hbr / (sx * sy)
    v = (x / sx) ** 2 + (y / sy) ** 2
    half_u, half_v = 0.5 * u, 0.5 * v
    if half_u > 1e5:  # a disk far larger than the ellipse: the series is slow, Foster is not
        return foster_pc(miss, cov, hbr, min_sigma=min_sigma)
    # 1 - P(Poisson(u/2) <= m) is below 1e-20 beyond this m, whatever v is.
    count = terms or int(40 + half_u + 12.0 * math.sqrt(half_u + 1.0))
    total = 0.0
    poisson_u = math.exp(-half_u)  # exp(-u/2) (u/2)^m / m!
    cdf_u = poisson_u  # sum over k <= m
    log_half_v = math.log(half_v) if half_v > 0 else -math.inf
    log_poisson_v = -half_v  # log of exp(-v/2) (v/2)^m / m!
    for m in range(count):
        if m > 0:
            poisson_u *= half_u / m
            cdf_u += poisson_u
            log_poisson_v += log_half_v - math.log(m)
        total += math.exp(log_poisson_v) * max(1.0 - cdf_u, 0.0)
    return float(min(total, 1.0))


def max_pc(miss, cov, hbr, *, min_sigma: float = 1e-6) -> float:
    """Alfano's maximum probability over a scale factor k on the covariance (k^2 cov).

    For TLE-only screening, where the covariance's size is unknown but its shape is assumed:
    the worst case is near ``k^2 = v / 2`` (closed form for a small disk,
    ``Pc_max = R^2 / (e sx sy v)``); this refines it with Foster's integral. A miss within
    the hard-body radius gives 1 (k -> 0).
    """
    if not hbr > 0:
        return 0.0
    miss = np.asarray(miss, float)
    if np.linalg.norm(miss) <= hbr:
        return 1.0
    (sx, sy), (x, y) = _principal(miss, cov, min_sigma)
    v = (x / sx) ** 2 + (y / sy) ** 2
    if np.linalg.norm(miss) > 100.0 * hbr:
        # Small disk: the closed form is exact to ~(hbr / miss)^2 (1e-4 relative here).
        return float(hbr * hbr / (math.e * sx * sy * v))
    from scipy import optimize  # loaded on first use, as above

    k0 = math.sqrt(max(v, 1e-300) / 2.0)
    cov = np.asarray(cov, float)

    def negative(log_k):
        k = math.exp(log_k)
        return -foster_pc(miss, cov * k * k, hbr, min_sigma=min_sigma * k, rtol=1e-8)

    span = math.log(30.0)
    result = optimize.minimize_scalar(negative, bounds=(math.log(k0) - span,
                                                        math.log(k0) + span),
                                      method="bounded", options={"xatol": 1e-6})
    return float(max(-result.fun, -negative(math.log(k0))))


def conjunction_pc(r1, v1, cov1, r2, v2, cov2, hbr, *, method: str = "foster",
                   min_sigma: float = 1e-6) -> tuple[float, float, float]:
    """Probability, maximum probability and plane miss distance of one conjunction.

    Parameters
    ----------
    r1, v1, r2, v2 : array_like, shape (3,)
        Inertial states at TCA.
    cov1, cov2 : array_like, shape (3, 3) or (6, 6)
        Inertial covariances.
    hbr : float
        Combined hard-body radius.
    method : str
        A registered Pc method (:func:`pc_methods`: ``foster``, ``chan``, ...).

    Returns
    -------
    probability, max_probability, miss_in_plane
    """
    miss, cov = encounter_plane(r1, v1, cov1, r2, v2, cov2)
    pc = pc_function(method)(miss, cov, hbr, min_sigma=min_sigma)
    return pc, max_pc(miss, cov, hbr, min_sigma=min_sigma), float(np.linalg.norm(miss))


def pc_function(method: str):
    """The 2-D probability function of a registered method's name."""
    return pc_method(method).function


register_pc_method(PcMethod(
    "foster", foster_pc, "FOSTER-1992",
    "Foster's integral of the combined covariance's Gaussian over the hard-body disk",
    rows=_foster_rule))
register_pc_method(PcMethod(
    "chan", chan_pc, "CHAN-1997", "Chan's series for an equivalent isotropic covariance"))
