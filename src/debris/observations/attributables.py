"""A track's attributable and its family of circular orbits (the first steps of linking,
:mod:`.linking`).

A short track fixes where an object is on the sky and how it moves (its *attributable*:
direction and angular rate at the track's mean time) but not its distance. Its *family* is
the set of orbits through the attributable that are circular at that moment, one per trial
radius (range from the radius, range rate from ``v·r = 0``); where the speed of such an
orbit equals the circular speed, the member is a circular orbit consistent with the whole
attributable. Those members (usually one) carry the track's plane and radius.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..constants import WGS72_EARTH_RADIUS_KM, WGS72_MU_KM3_S2
from .reduction import ObservationGeometry

__all__ = ["Attributable", "attributables", "circular_family", "Member",
           "MIN_TRACK_OBSERVATIONS", "ATTRIBUTABLE_WINDOW_S", "FAMILY_RADII_KM"]

MU = WGS72_MU_KM3_S2
#: Fewest observations (distinct times) of a track that gets an attributable: two give its
#: direction and rate (a visual observer's deep-space "track"), three its curvature too.
MIN_TRACK_OBSERVATIONS = 2
#: Half-width (s) of the part of a track around its mean time that gives its attributable.
ATTRIBUTABLE_WINDOW_S = 30.0
#: Radii of the family (km from the geocentre): from just above the atmosphere to beyond GEO.
FAMILY_RADII_KM = np.geomspace(WGS72_EARTH_RADIUS_KM + 120.0, 60000.0, 600)


@dataclass
class Attributable:
    """A track's direction and angular rate at its mean time.

    Attributes
    ----------
    track : int
    rows : ndarray of int
        The track's observation rows (time order).
    seconds : float
        Mean time, seconds from the first observation of the whole set.
    index : int
        The row nearest the mean time (its TEME→GCRS rotation is used).
    u, u_dot : ndarray, shape (3,)
        Unit vector (GCRS) and its time derivative (rad/s).
    site, site_dot : ndarray, shape (3,)
        Station position (km) and velocity (km/s), GCRS.
    span_s : float
    """

    track: int
    rows: np.ndarray
    seconds: float
    index: int
    u: np.ndarray
    u_dot: np.ndarray
    site: np.ndarray
    site_dot: np.ndarray
    span_s: float
    circular: list = field(default_factory=list)


def attributables(geometry: ObservationGeometry, track) -> list:
    """One :class:`Attributable` per track of :data:`MIN_TRACK_OBSERVATIONS` or more
    observations at distinct times (others skipped).

    Parameters
    ----------
    geometry : ObservationGeometry, N observations
    track : ndarray of int, shape (N,)
    """
    track = np.asarray(track)
    seconds = geometry.times.seconds_since(geometry.times[:1]) if len(track) else np.empty(0)
    out = []
    for t in np.unique(track):
        rows = np.flatnonzero(track == t)
        rows = rows[np.argsort(seconds[rows], kind="stable")]
        ok = rows[np.all(np.isfinite(geometry.u_obs[rows]), axis=1)]
        distinct = len(np.unique(seconds[ok]))
        if distinct < MIN_TRACK_OBSERVATIONS:
            continue
        tau = seconds[ok] - seconds[ok].mean()
        span = float(np.ptp(tau))
        if span <= 0:
            continue
        # a polynomial in time around the mean time: a LEO pass sweeps tens of degrees in
        # two minutes, which one quadratic over the whole track follows to a tenth of a
        # degree only; so the observations within ATTRIBUTABLE_WINDOW_S of the mean time
        # (when five or more), a cubic from six, a quadratic from three, a line from two
        near = np.abs(tau) <= ATTRIBUTABLE_WINDOW_S
        near = near if len(np.unique(tau[near])) >= 5 else np.ones(tau.size, bool)
        count = len(np.unique(tau[near]))
        degree = 3 if count >= 6 else min(count - 1, 2)
        design = np.stack([tau[near] ** p for p in range(degree + 1)], axis=1)
        coef, *_ = np.linalg.lstsq(design, geometry.u_obs[ok[near]], rcond=None)
        u = coef[0] / np.linalg.norm(coef[0])
        u_dot = coef[1] - (coef[1] @ u) * u
        site_coef, *_ = np.linalg.lstsq(design, geometry.site_km[ok[near]], rcond=None)
        index = int(ok[np.argmin(np.abs(tau))])
        att = Attributable(int(t), ok, float(seconds[ok].mean()), index, u, u_dot,
                           site_coef[0], site_coef[1], span)
        att.circular = _circular_members(att)
        out.append(att)
    return out


def circular_family(att: Attributable, radii_km=FAMILY_RADII_KM):
    """The track's orbits that are circular at its mean time, one per trial radius.

    Parameters
    ----------
    att : Attributable
    radii_km : ndarray, shape (R,)
        Trial geocentric radii (km).

    Returns
    -------
    r, v : ndarray, shape (R, 3)
        GCRS position (km) and velocity (km/s) of each member (NaN where the line of sight
        does not reach that radius).
    speed_misfit : ndarray, shape (R,)
        ``|v|² / (μ/a) - 1``: zero where the member is a circular orbit.
    """
    a = np.asarray(radii_km, float)
    s, u = att.site, att.u
    su = s @ u
    disc = su * su - s @ s + a * a
    with np.errstate(invalid="ignore"):
        rho = -su + np.sqrt(disc)
    rho = np.where(rho > 0, rho, np.nan)
    r = s + rho[:, None] * u
    ur = r @ u
    rho_dot = -((att.site_dot + rho[:, None] * att.u_dot) * r).sum(axis=1) / ur
    v = att.site_dot + rho_dot[:, None] * u + rho[:, None] * att.u_dot
    misfit = (v * v).sum(axis=1) / (MU / a) - 1.0
    return r, v, misfit


@dataclass
class Member:
    radius: float
    r: np.ndarray
    v: np.ndarray
    normal: np.ndarray


def _circular_members(att: Attributable) -> list:
    """The family's circular orbits (roots of the speed misfit), refined by bisection; the
    closest member when there is no root but one comes within 10 % of circular speed."""
    radii = FAMILY_RADII_KM
    with np.errstate(all="ignore"):
        _, _, f = circular_family(att, radii)
    members = []
    good = np.isfinite(f)
    roots = np.flatnonzero(good[:-1] & good[1:] & (np.sign(f[:-1]) != np.sign(f[1:])))
    for k in roots:
        lo, hi = radii[k], radii[k + 1]
        flo = f[k]
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            with np.errstate(all="ignore"):
                fm = circular_family(att, [mid])[2][0]
            if np.sign(fm) == np.sign(flo):
                lo, flo = mid, fm
            else:
                hi = mid
        members.append(_member(att, 0.5 * (lo + hi)))
    if not members and good.any():
        k = int(np.nanargmin(np.abs(f)))
        if abs(f[k]) < 0.1:
            members.append(_member(att, radii[k]))
    return [m for m in members if m is not None]


def _member(att, radius):
    with np.errstate(all="ignore"):
        r, v, _ = circular_family(att, [radius])
    h = np.cross(r[0], v[0])
    norm = np.linalg.norm(h)
    if not np.isfinite(norm) or norm == 0:
        return None
    return Member(float(radius), r[0], v[0], h / norm)
