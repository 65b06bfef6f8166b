"""Telescope night schedules: which object to track when, in an order the mount can execute.

1. **Candidates.** The night's visible passes (:func:`debris.find_passes`) brighter than the
   telescope's limit somewhere are sampled every second with exact SGP4. A second is usable
   when the object is above the elevation limit and the horizon mask, below the upper limit,
   sunlit, the site's Sun at or below the twilight limit, the angular rate within the
   mount's tracking rate, the predicted magnitude brighter than the limiting magnitude and,
   if asked, the Moon far enough. Runs of usable seconds at least ``min_track_s`` long (less
   one second at each end, a margin for the checker) are the *windows*.
2. **Value.** Each object has a weight (priorities CSV, conjunctions JSON, default 1); each of
   its first ``tracks_per_object`` tracks (one per pass) is worth ``weight /
   tracks_per_object``. The objective is the sum over scheduled tracks.
3. **Greedy.** Windows in decreasing value (earlier first on ties) are inserted at the earliest
   start where the track (``min_track_s`` long) fits between its neighbours with the slew and
   settle times of :func:`debris.telescope.slew_time_s` on both sides.
4. **Improvement.** Ruin and recreate (a local search): remove the tracks of a random stretch
   of the night, reinsert candidates greedily in a randomly perturbed order, keep the result
   when the objective does not drop; a fixed number of rounds with a fixed seed, so a night
   is reproducible. On small nights (``exact_limit`` windows or fewer) an exhaustive
   depth-first search over every order also runs, and its optimum is kept and reported.
   All objectives are reported.

Several telescopes at one site are scheduled one after the other; an object's tracks by
earlier telescopes count towards its ``tracks_per_object``.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import check_range
from .frames import (angle_between_rad, angular_rate_rad_s, azimuth_deg, earth_orientation,
                     elevation_deg, enu_basis, phase_angle_rad, radec_deg, turn_to_earth_fixed,
                     vector_norm)
from .magnitude import magnitude_estimates, visual_magnitude
from .passes import find_passes
from .passes.finder import observation_uncertainties
from .propagation import propagate_at
from .sun import is_sunlit, moon_position_gcrs_km, sun_position_gcrs_km
from .table import Table
from .telescope import Telescope, slew_time_s
from .timescale import Times, to_times

__all__ = ["schedule_night", "weights_from_conjunctions", "pointing_track", "outgrown_field",
           "OBSERVATION_COLUMNS", "sample_geometry"]

OBSERVATION_COLUMNS = (
    "telescope", "norad_id", "name", "start_utc", "end_utc", "start_azimuth_deg",
    "start_elevation_deg", "end_azimuth_deg", "end_elevation_deg", "start_ra_deg",
    "start_dec_deg", "mid_ra_deg", "mid_dec_deg", "end_ra_deg", "end_dec_deg",
    "peak_rate_deg_s", "magnitude", "weight", "slew_time_s", "time_sigma_s",
    "cross_track_sigma_arcsec", "outgrown_field",
)
#: A track starts this many timing sigmas early and ends as many late, so that the object
#: is in it for ``min_track_s`` wherever its error puts it (3: 99.7 % of a normal).
TIMING_SIGMAS = 3.0
#: An object whose 3-sigma error is beyond half the telescope's field is worth this many
#: times its weight: without an observation soon it is lost, and its observation improves
#: the catalogue most.
OUTGROWN_WEIGHT = 2.0
_CHUNK = 400_000  # samples per exact-SGP4 batch


def weights_from_conjunctions(conjunctions: Table, *, base: float = 1.0) -> dict:
    """Weights by NORAD id from conjunctions (a :func:`debris.screen` table, or one read from
    its JSON): closer and likelier approaches weigh more. An object in a conjunction gets
    ``base + 4 / (1 + miss_km)`` plus ``10 * probability**(1/4)``; the largest over its
    conjunctions is kept. Missing distances and probabilities count as 0."""
    miss = np.nan_to_num(np.asarray(conjunctions["miss_distance_km"], float), nan=0.0)
    prob = np.nan_to_num(np.asarray(conjunctions["probability"], float), nan=0.0)
    out = {}
    for k, (m, p) in enumerate(zip(miss.tolist(), prob.tolist())):
        weight = base + 4.0 / (1.0 + m) + 10.0 * max(p, 0.0) ** 0.25
        for key in ("norad_id_1", "norad_id_2"):
            norad = int(conjunctions[key][k])
            out[norad] = max(out.get(norad, 0.0), weight)
    return out


def sample_geometry(catalog, obj, t0: Times, seconds, site, *, backend="auto", std_mag=None,
                    moon: bool = False):
    """Exact topocentric geometry of objects `obj` at `t0 + seconds` (one time each), (M,).

    SGP4 is exact at every sample; the Earth orientation, the Sun and the Moon are computed
    on a 60 s grid and interpolated (GMST and GAST linearly, the slow precession-nutation
    matrix element-wise: micro-arcseconds; Sun and Moon positions: metres and kilometres,
    far below what their directions need).

    Returns a dict of arrays: ``az``, ``el``, ``ra``, ``dec``, ``ha`` (hour angle, deg),
    ``rate`` (deg/s, Earth-fixed angular rate), ``range_km``, ``sunlit``, ``sun_el`` (the
    site's Sun elevation), ``magnitude`` (when `std_mag` is given: (N,), or (N, 2) with
    each object's phase-law weight), ``moon_sep`` (deg, when `moon`).
    """
    seconds = np.asarray(seconds, float)
    lo, hi = float(seconds.min()), float(seconds.max())
    grid_s = np.arange(lo, hi + 60.0, 60.0) if hi > lo else np.array([lo, lo + 60.0])
    grid = t0.shift_seconds(grid_s)
    eo = earth_orientation(grid)
    theta = np.interp(seconds, grid_s, np.unwrap(np.arctan2(eo.teme_to_pef[:, 0, 1],
                                                            eo.teme_to_pef[:, 0, 0])))
    r, v, _ = propagate_at(catalog, obj, t0.shift_seconds(seconds), backend=backend)
    r_itrs, v_itrs = turn_to_earth_fixed(r, v, np.cos(theta), np.sin(theta),
                                         np.interp(seconds, grid_s, eo.omega_rad_s))
    rho = r_itrs - site.itrs_km
    basis = enu_basis(site.latitude_deg, site.longitude_deg)
    enu = rho @ basis.T
    rng = vector_norm(rho)
    to_gcrs = eo.itrs_to_gcrs_at(seconds - grid_s[0])
    rho_gcrs = np.einsum("mij,mj->mi", to_gcrs, rho)
    ra, dec = radec_deg(rho_gcrs, rng)
    gast = np.degrees(np.interp(seconds, grid_s, np.unwrap(eo.gast_rad)))
    ha = (gast + site.longitude_deg - ra + 180.0) % 360.0 - 180.0

    def interp3(table):
        return np.stack([np.interp(seconds, grid_s, table[:, k]) for k in range(3)], axis=1)

    sun = interp3(sun_position_gcrs_km(grid))
    site_gcrs = np.einsum("mij,j->mi", to_gcrs, site.itrs_km)
    r_gcrs = site_gcrs + rho_gcrs
    to_sun = sun - site_gcrs
    sun_el = elevation_deg(np.einsum("mji,mj->mi", to_gcrs, to_sun) @ basis.T)
    out = {"az": azimuth_deg(enu), "el": elevation_deg(enu), "ra": ra, "dec": dec, "ha": ha,
           "rate": np.degrees(angular_rate_rad_s(rho, v_itrs)), "range_km": rng,
           "sunlit": is_sunlit(r_gcrs, sun), "sun_el": sun_el}
    if std_mag is not None:
        std = np.asarray(std_mag, dtype=float)  # (N,) or (N, 2) with phase-law weights
        weight = std[obj, 1] if std.ndim == 2 else 1.0
        out["magnitude"] = visual_magnitude(std[obj] if std.ndim == 1 else std[obj, 0], rng,
                                            phase_angle_rad(-rho_gcrs, sun - r_gcrs), weight)
    if moon:
        to_moon = interp3(moon_position_gcrs_km(grid)) - site_gcrs
        out["moon_sep"] = np.degrees(angle_between_rad(to_moon, rho_gcrs))
    return out


class _Window:
    """A run of usable seconds of one pass for one telescope (times: s since night start)."""

    __slots__ = ("obj", "pass_id", "t0", "axes", "geo", "value", "length")

    def __init__(self, obj, pass_id, t0, axes, geo):
        self.obj, self.pass_id, self.t0, self.axes, self.geo = obj, pass_id, t0, axes, geo
        self.value = 0.0
        self.length = 0  # the track's length (s): min_track_s and the timing margin

    @property
    def t1(self):
        return self.t0 + len(self.axes) - 1


def _windows_for(telescope: Telescope, samples, sun_limit) -> list:
    """Usable runs per pass, from 1 s samples (dict of arrays plus 'pass', 'obj', 't')."""
    floor = telescope.mask_elevation_deg(samples["az"])
    if "site_floor" in samples:  # the site's horizon mask as well as the mount's
        floor = np.maximum(floor, samples["site_floor"])
    ok = ((samples["el"] >= floor) & (samples["el"] <= telescope.max_elevation_deg)
          & samples["sunlit"] & (samples["sun_el"] <= sun_limit)
          & (samples["rate"] <= telescope.max_tracking_rate_deg_s)
          & (samples["magnitude"] <= telescope.limiting_magnitude))
    if telescope.moon_min_distance_deg is not None:
        ok &= samples["moon_sep"] >= telescope.moon_min_distance_deg
    # break runs where the pass changes or a second is missing
    p, t = samples["pass"], samples["t"]
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return []
    brk = np.flatnonzero((np.diff(idx) != 1) | (np.diff(p[idx]) != 0) | (np.diff(t[idx]) != 1))
    starts = np.concatenate([[0], brk + 1])
    ends = np.concatenate([brk, [idx.size - 1]])
    axes_key = ("az", "el") if telescope.mount == "altaz" else ("ha", "dec")
    need = int(math.ceil(telescope.min_track_s)) + 2
    out = []
    for a, b in zip(idx[starts] + 1, idx[ends] - 1):  # one second of margin at each end
        if b - a + 1 < need - 1:
            continue
        sl = slice(a, b + 1)
        axes = np.stack([samples[axes_key[0]][sl], samples[axes_key[1]][sl]], axis=1)
        geo = {k: samples[k][sl] for k in ("az", "el", "ra", "dec", "rate", "magnitude")}
        out.append(_Window(int(samples["obj"][a]), int(p[a]), int(t[a]), axes, geo))
    return out


class _Plan:
    """A time-ordered sequence of tracks (window, start) with feasibility checks."""

    def __init__(self, telescope: Telescope):
        self.tel = telescope
        self.items: list = []  # (start, window) sorted by start; window.length: the track's

    def copy(self) -> "_Plan":
        other = _Plan(self.tel)
        other.items = list(self.items)
        return other

    def objective(self) -> float:
        return float(sum(w.value for _, w in self.items))

    @staticmethod
    def _end_axes(start, w):
        return w.axes[start + w.length - w.t0]

    def earliest(self, w: _Window):
        """The earliest feasible start of window w in the plan, or None."""
        lo, hi = w.t0, w.t1 - w.length
        if hi < lo:
            return None
        starts = [s for s, _ in self.items]
        k = int(np.searchsorted(starts, lo, side="left"))
        k = max(k - 1, 0)
        while k <= len(self.items):
            prev = self.items[k - 1] if k - 1 >= 0 else None
            nxt = self.items[k] if k < len(self.items) else None
            gap_lo = lo if prev is None else max(lo, prev[0] + prev[1].length)
            gap_hi = hi if nxt is None else min(hi, nxt[0] - w.length)
            if prev is not None and prev[0] > hi:
                return None
            if gap_lo <= gap_hi:
                s = np.arange(gap_lo, gap_hi + 1)
                feasible = np.ones(s.size, bool)
                if prev is not None:
                    slew_in = slew_time_s(self.tel, self._end_axes(*prev), w.axes[s - w.t0])
                    feasible &= prev[0] + prev[1].length + slew_in <= s
                if nxt is not None:
                    slew_out = slew_time_s(self.tel, w.axes[s + w.length - w.t0],
                                           nxt[1].axes[nxt[0] - nxt[1].t0])
                    feasible &= s + w.length + slew_out <= nxt[0]
                if feasible.any():
                    return int(s[np.argmax(feasible)])
            if nxt is None or nxt[0] > hi + w.length:
                return None
            k += 1
        return None

    def insert(self, start, w):
        starts = [s for s, _ in self.items]
        self.items.insert(int(np.searchsorted(starts, start)), (start, w))


def _fill(plan: _Plan, order, tracks_left: dict, used_passes: set) -> None:
    for w in order:
        if tracks_left.get(w.obj, 0) <= 0 or (w.obj, w.pass_id) in used_passes:
            continue
        s = plan.earliest(w)
        if s is not None:
            plan.insert(s, w)
            tracks_left[w.obj] -= 1
            used_passes.add((w.obj, w.pass_id))


def _counts(plan, base_left):
    left = dict(base_left)
    used = set()
    for _, w in plan.items:
        left[w.obj] -= 1
        used.add((w.obj, w.pass_id))
    return left, used


def _improve(plan: _Plan, windows, base_left, rounds, rng) -> _Plan:
    best = plan.copy()
    best_value = best.objective()
    if not windows or not best.items:
        return best
    for _ in range(rounds):
        trial = best.copy()
        centre = trial.items[int(rng.integers(len(trial.items)))][0]
        half = float(rng.uniform(60.0, 900.0))
        lo, hi = centre - half, centre + half
        trial.items = [(s, w) for s, w in trial.items if not lo <= s <= hi]
        left, used = _counts(trial, base_left)
        pool = [w for w in windows if w.t1 >= lo - 60 and w.t0 <= hi + 60]
        noise = rng.uniform(0.7, 1.3, len(pool))
        order = [pool[k] for k in np.lexsort(([w.t0 for w in pool],
                                               -np.array([w.value for w in pool]) * noise))]
        _fill(trial, order, left, used)
        value = trial.objective()
        if value >= best_value - 1e-12:
            best, best_value = trial, value
    return best


def _exact(tel: Telescope, windows, base_left, budget: int = 50_000):
    """Best sequence by depth-first search over every order of the windows (small nights).

    Each track starts at the earliest second its window, the previous track's end and the
    slew allow (the same rule as the heuristics). Branches whose value plus everything still
    available cannot beat the best are cut. Returns (value, [(start, window), ...]) or None
    when the search exceeds `budget` steps.
    """
    best = [0.0, []]
    steps = [0]

    def dfs(free, axes, left, used, value, seq):
        steps[0] += 1
        if steps[0] > budget:
            raise TimeoutError
        if value > best[0] + 1e-12:
            best[0], best[1] = value, list(seq)
        options = []
        for w in windows:
            if left.get(w.obj, 0) <= 0 or (w.obj, w.pass_id) in used or w.t1 - w.length < free:
                continue
            first = w.t0 if free == -math.inf else max(w.t0, int(math.ceil(free)))
            s = np.arange(first, w.t1 - w.length + 1)
            if axes is not None:
                s = s[s >= free + slew_time_s(tel, axes, w.axes[s - w.t0])]
            if s.size:
                options.append((int(s[0]), w))
        if value + sum(w.value for _, w in options) <= best[0] + 1e-12:
            return
        for start, w in sorted(options, key=lambda o: o[0]):
            left[w.obj] -= 1
            used.add((w.obj, w.pass_id))
            seq.append((start, w))
            dfs(start + w.length, w.axes[start + w.length - w.t0], left, used, value + w.value,
                seq)
            seq.pop()
            used.discard((w.obj, w.pass_id))
            left[w.obj] += 1

    try:
        dfs(-math.inf, None, dict(base_left), set(), 0.0, [])
    except TimeoutError:
        return None
    return best[0], best[1]


def schedule_night(catalog, site, start, end, telescopes, *, weights: dict | None = None,
                   sun_altitude_deg_limit: float = -12.0, std_mag_table: dict | None = None,
                   improvement_rounds: int = 300, seed: int = 1, backend="auto",
                   exact_limit: int = 12, passes: Table | None = None, uncertainty=None):
    """Schedule a night for one or more telescopes at a site.

    Parameters
    ----------
    catalog : Catalog
        LEO objects.
    site : Site
    start, end : time-like
        The night (e.g. from :func:`debris.night_window`).
    telescopes : list of Telescope
    weights : dict of int -> float, optional
        Weight per NORAD id (default 1).
    improvement_rounds : int
        Ruin-and-recreate rounds per telescope after the greedy fill.
    exact_limit : int
        With at most this many candidate windows, an exhaustive search also runs; its
        objective is reported (``objective_exact``) and its plan kept when better.
    passes : Table, optional
        The night's passes at `site` from :func:`debris.find_passes` on `catalog` with an
        elevation limit at or below the telescopes' and the same twilight limit (only the
        visible ones are used); found here when not given.
    uncertainty : mapping of int -> model, optional
        Each object's position uncertainty model by NORAD id (as for
        :func:`debris.find_passes`; default: the fixed model): each track is widened by
        :data:`TIMING_SIGMAS` timing sigmas on each side, and objects whose error has
        outgrown the telescope's field (:func:`outgrown_field`) weigh
        :data:`OUTGROWN_WEIGHT` times more.

    Returns
    -------
    observations : Table
        Columns :data:`OBSERVATION_COLUMNS`, time-ordered per telescope; ``meta`` has the
        objectives (greedy and improved) per telescope and candidate counts.
    tracks : list of (telescope name, window, start_s, length_s)
        For :func:`pointing_track`.
    """
    weights = weights or {}
    t0 = to_times(start)[0:1]
    span = float(to_times(end)[0:1].seconds_since(t0)[0])
    if passes is None:
        passes = find_passes(catalog, site, t0, t0.shift_seconds(span),
                             min_elevation_deg=min(t.min_elevation_deg for t in telescopes),
                             sun_altitude_deg_limit=sun_altitude_deg_limit, backend=backend,
                             std_mag_table=std_mag_table, uncertainty=uncertainty)
    brightest = max(t.limiting_magnitude for t in telescopes)
    passes = passes.take(np.flatnonzero((passes["site"] == site.name) & passes["visible"]
                                        & (passes["min_magnitude"] <= brightest)))
    samples = _samples(catalog, site, t0, passes, telescopes, std_mag_table, backend)
    sigmas = _pass_sigmas(catalog, passes, uncertainty)
    rng = np.random.default_rng(seed)
    tracks_total = {}
    results, tracks, meta = [], [], {"telescopes": {}}
    for tel in telescopes:
        plan, meta["telescopes"][tel.name] = _plan(tel, samples, sun_altitude_deg_limit,
                                                   catalog, weights, tracks_total,
                                                   improvement_rounds, rng, exact_limit,
                                                   sigmas)
        for _, w in plan.items:
            tracks_total[w.obj] = tracks_total.get(w.obj, 0) + 1
        results += _observations(tel, plan, catalog, weights, sigmas)
        tracks += [(tel.name, w, s, w.length) for s, w in plan.items]
    columns = {}
    for name in OBSERVATION_COLUMNS:
        if name in ("start_utc", "end_utc"):
            columns[name] = t0.shift_seconds(np.array([r[name] for r in results], float))
        else:
            values = [r[name] for r in results]
            columns[name] = np.array(values) if values else np.empty(0)
    meta["candidate_passes"] = int(len(passes))
    return Table(columns, meta), tracks


def _samples(catalog, site, t0, passes, telescopes, std_mag_table, backend) -> dict:
    """Exact geometry every second over each pass's visible part: a dict of arrays (M,)
    with the pass index (``pass``), catalogue row (``obj``) and second (``t``)."""
    estimates = magnitude_estimates(catalog, std_mag_table)
    std_mag = np.stack([estimates.std_mag, estimates.phase_weight], axis=1)
    vs = passes["visible_start_utc"].seconds_since(t0)
    ve = passes["visible_end_utc"].seconds_since(t0)
    rows = passes.extra["row"]
    obj_l, pass_l, t_l = [np.empty(0, int)], [np.empty(0, int)], [np.empty(0, int)]
    for k in range(len(passes)):
        ts = np.arange(math.ceil(vs[k]), math.floor(ve[k]) + 1)
        obj_l.append(np.full(ts.size, rows[k]))
        pass_l.append(np.full(ts.size, k))
        t_l.append(ts)
    samples = {"obj": np.concatenate(obj_l), "pass": np.concatenate(pass_l),
               "t": np.concatenate(t_l)}
    moon = any(t.moon_min_distance_deg is not None for t in telescopes)
    geo = {}
    for a in range(0, len(samples["t"]), _CHUNK):
        sl = slice(a, a + _CHUNK)
        part = sample_geometry(catalog, samples["obj"][sl], t0, samples["t"][sl].astype(float),
                               site, backend=backend, std_mag=std_mag, moon=moon)
        for key, value in part.items():
            geo.setdefault(key, []).append(value)
    samples.update({k: np.concatenate(v) for k, v in geo.items()})
    if site.horizon is not None and "az" in samples:
        samples["site_floor"] = site.horizon(samples["az"])
    return samples


def _pass_sigmas(catalog, passes, uncertainty) -> tuple:
    """Each pass's 1-sigma timing (s) and cross-track (arcsec) errors: the passes' own
    columns, or from `uncertainty` and the fixed default model."""
    if "time_sigma_s" in passes.columns and uncertainty is None:
        return (np.asarray(passes["time_sigma_s"], float),
                np.asarray(passes["cross_track_sigma_arcsec"], float))
    found = observation_uncertainties(catalog, passes.extra["row"], passes["culmination_utc"],
                                      np.asarray(passes["culmination_range_km"], float),
                                      uncertainty)
    return found["time_sigma_s"], found["cross_track_sigma_arcsec"]


def outgrown_field(tel: Telescope, rate_deg_s, time_sigma_s, cross_sigma_arcsec) -> np.ndarray:
    """Whether a prediction's error has outgrown the telescope's field: its 3-sigma offset
    along the track (rate x timing sigma) or across it is more than half the field
    (``field_of_view_deg``; never without one)."""
    if tel.field_of_view_deg is None:
        return np.zeros(np.shape(time_sigma_s), bool)
    half = 0.5 * tel.field_of_view_deg
    along = TIMING_SIGMAS * np.asarray(rate_deg_s) * np.asarray(time_sigma_s)
    across = TIMING_SIGMAS * np.asarray(cross_sigma_arcsec) / 3600.0
    return (along > half) | (across > half)


def _plan(tel, samples, sun_limit, catalog, weights, tracks_total, rounds, rng, exact_limit,
          sigmas):
    """One telescope's plan (greedy, local search, exhaustive on small nights) and its
    objectives. Each window's track is ``min_track_s`` plus :data:`TIMING_SIGMAS` timing
    sigmas on each side; an object whose error has outgrown the field is worth
    :data:`OUTGROWN_WEIGHT` times its weight."""
    windows = []
    for w in (_windows_for(tel, samples, sun_limit) if len(samples["t"]) else []):
        margin = TIMING_SIGMAS * float(np.nan_to_num(sigmas[0][w.pass_id]))
        w.length = int(math.ceil(tel.min_track_s + 2.0 * margin))
        if w.t1 - w.t0 < w.length:
            continue
        lost = outgrown_field(tel, float(np.max(w.geo["rate"])), sigmas[0][w.pass_id],
                              sigmas[1][w.pass_id])
        w.value = (float(weights.get(int(catalog.norad_id[w.obj]), 1.0))
                   * (OUTGROWN_WEIGHT if lost else 1.0) / tel.tracks_per_object)
        windows.append(w)
    base_left = {w.obj: tel.tracks_per_object - tracks_total.get(w.obj, 0) for w in windows}
    plan = _Plan(tel)
    _fill(plan, sorted(windows, key=lambda w: (-w.value, w.t0)), dict(base_left), set())
    greedy_value = plan.objective()
    plan = _improve(plan, windows, base_left, rounds, rng)
    improved_value = plan.objective()
    exact = _exact(tel, windows, base_left) if len(windows) <= exact_limit else None
    if exact is not None and exact[0] > improved_value + 1e-12:
        plan.items = list(exact[1])
    return plan, {
        "candidate_windows": len(windows), "objects_with_windows": len({w.obj for w in windows}),
        "observations": len(plan.items), "objective_greedy": round(greedy_value, 6),
        "objective_local_search": round(improved_value, 6),
        "objective_exact": None if exact is None else round(exact[0], 6),
        "objective": round(plan.objective(), 6),
    }


def _observations(tel, plan, catalog, weights, sigmas) -> list[dict]:
    """The rows of a telescope's plan (times as seconds from the night's start)."""
    out, prev = [], None
    for s, w in plan.items:
        length = w.length
        slew = 0.0 if prev is None else float(slew_time_s(
            tel, prev[1].axes[prev[0] + prev[1].length - prev[1].t0], w.axes[s - w.t0]))
        a, m, b = s - w.t0, s - w.t0 + length // 2, s - w.t0 + length
        g = w.geo
        out.append({
            "telescope": tel.name, "norad_id": int(catalog.norad_id[w.obj]),
            "name": str(catalog.name[w.obj]), "start_utc": float(s),
            "end_utc": float(s + length),
            "start_azimuth_deg": g["az"][a], "start_elevation_deg": g["el"][a],
            "end_azimuth_deg": g["az"][b], "end_elevation_deg": g["el"][b],
            "start_ra_deg": g["ra"][a], "start_dec_deg": g["dec"][a],
            "mid_ra_deg": g["ra"][m], "mid_dec_deg": g["dec"][m],
            "end_ra_deg": g["ra"][b], "end_dec_deg": g["dec"][b],
            "peak_rate_deg_s": float(g["rate"][a:b + 1].max()),
            "magnitude": float(g["magnitude"][a:b + 1].min()),
            "weight": float(weights.get(int(catalog.norad_id[w.obj]), 1.0)),
            "slew_time_s": slew,
            "time_sigma_s": float(sigmas[0][w.pass_id]),
            "cross_track_sigma_arcsec": float(sigmas[1][w.pass_id]),
            "outgrown_field": bool(outgrown_field(tel, float(g["rate"][a:b + 1].max()),
                                                  sigmas[0][w.pass_id],
                                                  sigmas[1][w.pass_id])),
        })
        prev = (s, w)
    return out


def pointing_track(catalog, site, start, tracks, *, step_s: float = 1.0, backend="auto") -> Table:
    """Pointing tracks of scheduled observations at `step_s`: UTC, az, el, RA, Dec, rate.

    Exact SGP4 at each step (not the schedule's samples), so a mount can follow it.
    """
    check_range("step_s", step_s, 0.0, low_open=True, unit="s")
    t0 = to_times(start)[0:1]
    tel_l, obj_l, t_l = [], [np.empty(0, int)], [np.empty(0)]
    for tel_name, w, s, length in tracks:
        ts = np.arange(s, s + length + 1e-9, step_s)
        tel_l += [tel_name] * ts.size
        obj_l.append(np.full(ts.size, w.obj))
        t_l.append(ts)
    obj = np.concatenate(obj_l)
    ts = np.concatenate(t_l)
    g = (sample_geometry(catalog, obj, t0, ts, site, backend=backend) if ts.size
         else {k: np.empty(0) for k in ("az", "el", "ra", "dec", "rate")})
    return Table({
        "telescope": np.array(tel_l, dtype=str), "norad_id": catalog.norad_id[obj],
        "time_utc": t0.shift_seconds(ts), "azimuth_deg": g["az"], "elevation_deg": g["el"],
        "ra_deg": g["ra"], "dec_deg": g["dec"], "rate_deg_s": g["rate"],
    })
