"""Linking uncorrelated tracks into objects: orbits from the observations alone.

A short track fixes where an object is on the sky and how it moves (its *attributable*:
direction and angular rate at the track's mean time) but not its distance. debris links
tracks in four steps:

1. **Attributable** per track (:func:`.attributables.attributables`): a polynomial in time fitted to the
   directions and the station's positions of the track near its mean time, taken there.
2. **Family** per track (:func:`.attributables.circular_family`): the orbits through the attributable that
   are circular at that moment, one per trial radius (range from the radius, range rate from
   ``v·r = 0``); where the speed of such an orbit equals the circular speed, the member is a
   circular orbit consistent with the whole attributable. Those members (usually one)
   carry the track's plane (inclination and node) and its radius. LEO debris is close to
   circular, so the family holds the truth to within about ``a·e`` in radius and a
   fraction of a degree in plane.
3. **Pair hypotheses** (:func:`link_tracks`): two tracks of different times whose families
   intersect: the radii agree within :data:`RADIUS_TOLERANCE`, and the planes, the
   earlier one's node carried by SGP4's secular J2 rate to the later time, within :data:`PLANE_TOLERANCE_DEG`.
   The later line of sight meets the earlier plane at one point; the angle travelled along
   the plane between the two tracks, plus whole revolutions, gives the mean motion; every
   revolution count that puts it within :data:`MEAN_MOTION_TOLERANCE` of the family's is a
   hypothesis, an SGP4 orbit whose mean motion is then set so that it passes the later
   track (Gooding's and double-r's role across nights, on the circular family).
4. **Confirmation by least squares**: each hypothesis starts the fit of
   :func:`~debris.observations.fit_orbit` on both tracks' observations; it is accepted only
   when the residuals are consistent with the observations' uncertainties (RMS of the
   normalised residuals at most :data:`LINK_RMS`, every track keeping most of its
   observations). An accepted pair then takes in further tracks the same way (each
   predicted by the orbit within :data:`GROW_GATE_DEG`, then refitted and checked).

**Search**: tracks in time order; for each track not yet linked, every accepted pair with
it grows as far as it can, and the orbit that explains the most tracks (then the lowest
RMS) is kept and its tracks taken (a small multiple-hypothesis step per track, greedy
across tracks). A pair that takes in no third track is an *unconfirmed* link: in a crowded
plane (a train of objects along one orbit) two tracks of different objects can be explained
by one orbit with a slightly different period, and only a third track tells them apart.
Every numeric failure stays inside the hypothesis that raised it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constants import ARCSEC_RAD, DAY_S, WGS72_MU_KM3_S2
from ..frames import earth_orientation
from ..timescale import Times
from .elements import mean_elements_from_state, satrec_from_x
from .fit import OrbitFit, fit_orbit
from .quality import NUMERIC_FAILURES, SIGMA_FLOOR_ARCSEC
from .attributables import Attributable, attributables
from .reduction import ObservationGeometry

__all__ = ["Link", "link_tracks",
           "LINK_RMS", "PLANE_TOLERANCE_DEG", "RADIUS_TOLERANCE", "MEAN_MOTION_TOLERANCE",
           "GROW_GATE_DEG", "MAX_GAP_DAYS", "observing_nights"]

MU = WGS72_MU_KM3_S2
#: Largest RMS of normalised residuals of a link (:meth:`_Context.normalised_rms`).
LINK_RMS = 3.0
#: SGP4's model error against a real orbit, per day of the arc (km): what fits of SGP4 to
#: the precise orbits of Stella and Jason-3 leave (24" over two nights, 30" over three).
MODEL_KM_PER_DAY = 0.1
#: Largest angle between two tracks' planes (the earlier carried to the later by J2, deg).
PLANE_TOLERANCE_DEG = 2.0
#: Radii of two tracks' circular orbits may differ by this share (eccentricity, noise).
RADIUS_TOLERANCE = 0.03
#: Mean motions of a hypothesis may differ from the family's by this share.
MEAN_MOTION_TOLERANCE = 0.05
#: A track joins a linked orbit when the orbit predicts it within this angle (deg) first.
GROW_GATE_DEG = 10.0
#: Tracks further apart than this (days) are not paired directly (a third between them can
#: still join both through a grown orbit).
MAX_GAP_DAYS = 3.0
#: Tracks closer than this (s) are one pass: not paired (the same object seen twice, or
#: two objects in one field, cannot be told apart by a pair of them).
MIN_GAP_S = 600.0
#: Hypotheses fitted per track before it is given up as unlinked, best pre-fit first.
MAX_FITS_PER_TRACK = 12
#: A hypothesis is fitted only if it predicts both tracks within this angle (deg) first.
PREFIT_GATE_DEG = 8.0
#: A fit with B* is tried only when the fit without it came this close (normalised RMS):
#: drag leaves a few times the noise over a day or two, another object's track far more.
DRAG_TRIAL_RMS = 30.0
#: A fitted B* is kept only when it lowers the normalised RMS below this share of the
#: fit without it (drag, not SGP4's model error, is what it then explains).
DRAG_GAIN = 0.7
#: Iterations of one link's fit: a right start converges in a few, a wrong one wanders.
MAX_ITERATIONS = 15
#: Share of a track's observations an orbit must keep (not reject as outliers).
MIN_KEPT = 0.75
#: Linked arcs of three tracks or more spanning this (days) fit B* (near-Earth orbits).
BSTAR_MIN_DAYS = 0.75
#: Fewest observations of each track of a pair that starts a link: two tracks of two
#: observations each (8 angles) fit some orbit of 4-6 parameters whatever objects they are;
#: such tracks only join an orbit that a pair of longer tracks started.
MIN_SEED_OBSERVATIONS = 3


def _secular_rates(radius, normal):
    """Node rate and rate of the argument of latitude (rad/s) of the circular orbit of
    `radius` in the plane of `normal`: SGP4's own secular rates (its J2 terms), read from
    the elements it initialises."""
    inclination = math.acos(max(-1.0, min(1.0, normal[2])))
    n = math.sqrt(MU / radius ** 3) * 60.0  # rad/min, the Kozai mean motion near enough
    sat = satrec_from_x([n, 0.0, 0.0, inclination, 0.0, 0.0, 0.0], 2451545.0, 0.0)
    return sat.nodedot / 60.0, (sat.mdot + sat.argpdot) / 60.0


def _rotate_z(vector, angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([c * vector[0] - s * vector[1], s * vector[0] + c * vector[1], vector[2]])


def _angle_in_plane(a, b, normal) -> float:
    """Signed angle from a to b about `normal` (rad)."""
    return math.atan2(np.cross(a, b) @ normal, a @ b)


@dataclass
class Link:
    """An orbit linked from tracks.

    Attributes
    ----------
    fit : OrbitFit
        The least-squares orbit on all the linked tracks' observations.
    tracks : list of int
        The linked tracks.
    rows : ndarray of int
        Their observation rows (into the geometry given to :func:`link_tracks`).
    nights : int
        Distinct nights (UTC dates of the local midnight, by the station's longitude).
    span_days : float
    confirmed : bool
        Three or more tracks; False: a pair that no third track has confirmed.
    """

    fit: OrbitFit | None
    tracks: list
    rows: np.ndarray
    nights: int
    span_days: float
    confirmed: bool
    normalised_rms: float = float("nan")

    @property
    def quality(self) -> str:
        """``single-track``, ``unconfirmed`` or ``linked``."""
        if len(self.tracks) == 1:
            return "single-track"
        return "linked" if self.confirmed else "unconfirmed"


def link_tracks(geometry: ObservationGeometry, track, *, sigma_arcsec=None, station=None,
                norad_id: int = 99999, max_gap_days: float = MAX_GAP_DAYS,
                link_rms: float = LINK_RMS) -> tuple[list, list]:
    """Link tracks of unknown objects into orbits.

    Parameters
    ----------
    geometry : ObservationGeometry, N observations
    track : ndarray of int, shape (N,)
        Track number of each observation (one station, one pass each).
    sigma_arcsec : ndarray, shape (N,), optional
        Observation uncertainties (as :func:`~debris.observations.fit_orbit` takes them).
    station : ndarray of str, shape (N,), optional
    norad_id : int
        Number written into the fitted elements.

    Returns
    -------
    links : list of Link
        Orbits of two or more tracks, in order of their first observation.
    unlinked : list of int
        Tracks with an attributable that no orbit took in.
    """
    track = np.asarray(track)
    n = len(track)
    sigma = np.full(n, np.nan) if sigma_arcsec is None else np.asarray(sigma_arcsec, float)
    atts = attributables(geometry, track)
    if not atts:
        return [], []
    origin = geometry.times[:1]
    seconds = geometry.times.seconds_since(origin)
    context = _Context(geometry, seconds, sigma, station, norad_id, link_rms, atts)
    order = sorted(range(len(atts)), key=lambda k: atts[k].seconds)
    taken = np.zeros(len(atts), bool)
    links = []
    hypotheses = _pair_hypotheses(context, max_gap_days * DAY_S)
    for k in order:
        if taken[k]:
            continue
        best = None
        fits = 0
        accepted = set()
        for score, a, b, x, epoch in hypotheses.get(k, []):
            if taken[a] or taken[b] or fits >= MAX_FITS_PER_TRACK or (a, b) in accepted:
                continue
            if min(atts[a].rows.size, atts[b].rows.size) < MIN_SEED_OBSERVATIONS:
                continue  # two 2-point tracks fit one orbit whatever they are
            fits += 1
            linked = context.fit([a, b], satrec_from_x(x, *epoch, min(norad_id, 99999)))
            if linked is None:
                continue
            accepted.add((a, b))
            linked = context.grow(linked, taken, hypotheses)
            if best is None or (len(linked[0]), -linked[2]) > (len(best[0]), -best[2]):
                best = linked
        if best is None:
            continue
        members, fit, nrms = best
        taken[members] = True
        links.append(context.link(members, fit, nrms))
    links.sort(key=lambda link: int(link.rows.min()))
    unlinked = [atts[k].track for k in range(len(atts)) if not taken[k]]
    return links, unlinked


def _pair_hypotheses(context, max_gap_s) -> dict:
    """For each track index, its pair hypotheses (score, a, b, x, epoch), best first."""
    atts = context.atts
    out: dict = {}
    for a in range(len(atts)):
        for b in range(len(atts)):
            dt = atts[b].seconds - atts[a].seconds
            if not (MIN_GAP_S <= dt <= max_gap_s):
                continue
            for score, x, epoch in _hypotheses(context, atts[a], atts[b], dt):
                out.setdefault(a, []).append((score, a, b, x, epoch))
                out.setdefault(b, []).append((score, a, b, x, epoch))
    for k in out:
        out[k].sort(key=lambda h: h[0])
    return out


def _hypotheses(context, A: Attributable, B: Attributable, dt: float) -> list:
    out = []
    for ma in A.circular:
        for mb in B.circular:
            radius = 0.5 * (ma.radius + mb.radius)
            if abs(ma.radius - mb.radius) > RADIUS_TOLERANCE * radius:
                continue
            node_rate, lat_rate = _secular_rates(radius, ma.normal)
            normal = _rotate_z(ma.normal, node_rate * dt)
            if math.degrees(math.acos(min(1.0, abs(normal @ mb.normal)))) > \
                    PLANE_TOLERANCE_DEG or normal @ mb.normal < 0:
                continue
            out.extend(_phase_hypotheses(context, A, B, ma, normal, radius, lat_rate, dt))
    return out


def _phase_hypotheses(context, A, B, ma, normal_b, radius, lat_rate, dt) -> list:
    """Hypotheses for each revolution count that fits the mean motion."""
    denominator = normal_b @ B.u
    if abs(denominator) < 1e-9:
        return []
    rho = -(normal_b @ B.site) / denominator
    if rho <= 0:
        return []
    r_b = B.site + rho * B.u
    node_a = np.cross([0.0, 0.0, 1.0], ma.normal)
    node_b = np.cross([0.0, 0.0, 1.0], normal_b)
    if np.linalg.norm(node_a) < 1e-9 or np.linalg.norm(node_b) < 1e-9:
        return []  # equatorial: no node
    lat_a = _angle_in_plane(node_a, ma.r, ma.normal)
    lat_b = _angle_in_plane(node_b, r_b, normal_b)
    travelled = (lat_b - lat_a) % (2 * math.pi)
    out = []
    k_lo = math.ceil((lat_rate * (1 - MEAN_MOTION_TOLERANCE) * dt - travelled) / (2 * math.pi))
    k_hi = math.floor((lat_rate * (1 + MEAN_MOTION_TOLERANCE) * dt - travelled) / (2 * math.pi))
    for k in range(max(k_lo, 0), k_hi + 1):
        rate = (travelled + 2 * math.pi * k) / dt
        try:
            hypothesis = _hypothesis(context, A, B, ma, r_b,
                                     radius * (lat_rate / rate) ** (2 / 3), dt)
        except NUMERIC_FAILURES:
            continue
        if hypothesis is not None:
            out.append(hypothesis)
    return out


def _hypothesis(context, A, B, ma, r_b, radius, dt):
    """An SGP4 orbit, circular at A's time with `radius`, whose mean motion is set so it
    passes B's direction; with its pre-fit score (deg: the worse of the two tracks'
    predicted-minus-observed angles at their mean times). None when it misses by more than
    :data:`PREFIT_GATE_DEG`."""
    geometry = context.geometry
    r_hat = ma.r / np.linalg.norm(ma.r)
    v = math.sqrt(MU / radius) * np.cross(ma.normal, r_hat)
    to_teme = geometry.teme_to_gcrs[A.index].T
    epoch = context.when(A)
    x = mean_elements_from_state(to_teme @ (radius * r_hat), to_teme @ v, *epoch)
    if not np.all(np.isfinite(x)) or x[0] <= 0:
        return None
    for _ in range(3):
        error, r, _ = satrec_from_x(x, *epoch).sgp4(*context.when(B))
        if error:
            return None
        # the angle from the orbit's position to B's point along the motion
        lag = _angle_in_plane(geometry.teme_to_gcrs[B.index] @ np.asarray(r), r_b, ma.normal)
        x = x.copy()
        x[0] += lag / (dt / 60.0)
        if abs(lag) < 1e-7:
            break
    sat = satrec_from_x(x, *epoch)
    score = max(context.miss(sat, A), context.miss(sat, B))
    if not np.isfinite(score) or score > PREFIT_GATE_DEG:
        return None
    return score, x, epoch


class _Context:
    """What the fits of one :func:`link_tracks` call share."""

    def __init__(self, geometry, seconds, sigma, station, norad_id, link_rms, atts):
        self.geometry = geometry
        self.seconds = seconds
        self.sigma = sigma
        self.station = station
        self.norad_id = norad_id
        self.link_rms = link_rms
        self.atts = atts
        self.last_nrms = float("nan")

    def when(self, att) -> tuple:
        """The track's mean time as SGP4's two-part Julian date."""
        t = self.geometry.times[[att.index]]
        shift = (att.seconds - self.seconds[att.index]) / DAY_S
        return float(t.jd[0]), float(t.fr[0]) + shift

    def miss(self, sat, att) -> float:
        """Angle (deg) between the orbit's direction from the station and the track's, at
        the track's mean time."""
        error, r, _ = sat.sgp4(*self.when(att))
        if error:
            return float("inf")
        rho = self.geometry.teme_to_gcrs[att.index] @ np.asarray(r) - att.site
        cosine = rho @ att.u / np.linalg.norm(rho)
        return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))

    def rows(self, members) -> np.ndarray:
        return np.sort(np.concatenate([self.atts[k].rows for k in members]))

    def fit(self, members, start):
        """(members, fit, normalised RMS) when one orbit explains the tracks, else None.

        Two tracks cannot determine a LEO orbit's eccentricity: their orbit is held circular
        when that explains them (it predicts the next night far better than the free fit,
        which lands anywhere along the valley), else fitted free. B* stays zero unless
        it explains three or more tracks over :data:`BSTAR_MIN_DAYS` markedly better
        (:data:`DRAG_GAIN`) or only it explains them; a fitted B* must come out positive
        (drag, not a model error absorbed)."""
        if len(members) == 2:
            circular = self._fit(members, start, False, False)
            if circular is not None:
                return circular
        free = self._fit(members, start, True, False)
        rows = self.rows(members)
        if len(members) < 3 or not self.last_nrms <= DRAG_TRIAL_RMS or \
                float(np.ptp(self.seconds[rows])) / DAY_S < BSTAR_MIN_DAYS or \
                start.no_kozai * 1440.0 / (2 * math.pi) <= 1440.0 / 225.0:
            return free
        drag = self._fit(members, free[1].unrounded if free else start, True, True)
        if drag is None or not drag[1].satrec.bstar > 0:
            return free
        if free is not None and drag[2] > DRAG_GAIN * free[2]:
            return free  # drag does not explain the tracks markedly better
        return drag

    def _fit(self, members, start, eccentricity, bstar):
        self.last_nrms = float("nan")
        rows = self.rows(members)
        try:
            with np.errstate(all="ignore"):
                geometry = self.geometry.take(rows)
                fit = fit_orbit(geometry, start, sigma_arcsec=self.sigma[rows],
                                fit_bstar=bstar, norad_id=self.norad_id, robust=False,
                                fit_eccentricity=eccentricity,
                                max_iterations=MAX_ITERATIONS,
                                station=None if self.station is None else self.station[rows])
                if not fit.ok:
                    return None
                nrms = self.normalised_rms(fit, geometry, rows, len(members) >= 3)
        except NUMERIC_FAILURES:
            return None
        self.last_nrms = nrms
        if not nrms <= self.link_rms:
            return None
        position = {row: i for i, row in enumerate(rows)}
        for k in members:
            kept = np.mean([fit.used[position[row]] for row in self.atts[k].rows])
            if kept < MIN_KEPT:
                return None
        return list(members), fit, nrms

    def normalised_rms(self, fit, geometry, rows, model_error: bool) -> float:
        """RMS of the used residuals over σ: each observation's own (floored as the quality
        gates floor it) and, with `model_error`, SGP4's model error over the arc
        (:data:`MODEL_KM_PER_DAY` per day of span, seen from the observation's range).
        A pair's orbit has the freedom to absorb the model error (six elements for two
        tracks): it is judged on the observations' σ alone, which keeps pairs of
        different objects out; three tracks or more are judged with it."""
        span_days = float(np.ptp(self.seconds[rows])) / DAY_S if model_error else 0.0
        error, r, v = fit.satrec.sgp4_array(geometry.times.jd, geometry.times.fr)
        _, _, rng = geometry.predict(r, v)
        sigma = np.where(np.isfinite(self.sigma[rows]) & (self.sigma[rows] > 0),
                         self.sigma[rows], SIGMA_FLOOR_ARCSEC)
        sigma = np.hypot(np.maximum(sigma, SIGMA_FLOOR_ARCSEC),
                         MODEL_KM_PER_DAY * span_days / rng / ARCSEC_RAD)
        used = np.asarray(fit.used, bool) & (error == 0)
        if not used.any():
            return float("nan")
        angles = np.hypot(fit.residuals["ra_arcsec"], fit.residuals["dec_arcsec"])
        return float(np.sqrt(np.mean((angles[used] / sigma[used]) ** 2)))

    def grow(self, linked, taken, hypotheses):
        """Take in free tracks while the refitted orbit still explains them all, until none
        is left. Candidates are the tracks with a pair hypothesis with a member (their
        planes, radii and phases agree); each is tried from the orbit itself when the orbit
        predicts it within :data:`GROW_GATE_DEG`, then from the pair hypothesis."""
        members, fit, nrms = linked
        while True:
            trials = []
            sat = fit.unrounded or fit.satrec
            near = {}
            for score, a, b, x, epoch in (h for m in members for h in hypotheses.get(m, [])):
                other = b if a in members else a
                if (a in members) == (b in members) or taken[other]:
                    continue
                if other not in near:
                    near[other] = self.miss(sat, self.atts[other])
                    if near[other] <= GROW_GATE_DEG:
                        trials.append((0, near[other], other, sat))
                if len(members) == 2 or near[other] <= GROW_GATE_DEG:
                    # an orbit of three tracks or more is trusted to predict its next one
                    trials.append((1, score, other, (x, epoch)))
            grown = None
            for _, _, k, start in sorted(trials, key=lambda t: t[:2])[:MAX_FITS_PER_TRACK]:
                if isinstance(start, tuple):
                    start = satrec_from_x(start[0], *start[1])
                grown = self.fit(members + [k], start)
                if grown is not None:
                    break
            if grown is None:
                return members, fit, nrms
            members, fit, nrms = grown

    def link(self, members, fit, nrms) -> Link:
        rows = self.rows(members)
        times = self.geometry.times[rows]
        nights = observing_nights(times, self.geometry.site_km[rows])
        span = float(np.ptp(self.seconds[rows])) / DAY_S
        return Link(fit, sorted(self.atts[k].track for k in members), rows, nights, span,
                    len(members) >= 3, float(nrms))


def observing_nights(times: Times, site_gcrs) -> int:
    """Distinct observing nights: dates of the local solar time (UTC + longitude/15°),
    shifted by 12 h so that one night is one date."""
    itrs = np.einsum("nji,nj->ni", earth_orientation(times).itrs_to_gcrs, site_gcrs)
    longitude_h = np.degrees(np.arctan2(itrs[:, 1], itrs[:, 0])) / 15.0
    local_days = times.jd - 2440587.5 + times.fr + (longitude_h - 12.0) / 24.0
    return int(len(np.unique(np.floor(local_days))))
