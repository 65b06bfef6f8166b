"""How wrong an element set's prediction is: uncertainty learnt from an object's own history.

An object's public element sets follow each other every few hours to days. Predicting one set
to the epoch of a later one and comparing with that later set (taken as the truth there)
gives an error sample at that propagation age, in the later set's radial, transverse
(along-track) and normal frame (RTN). Over a history of years these samples show how the
error grows with age for that object (the approach of Osweiler 2006 and Flohrer, Krag &
Klinkrad 2008). :func:`fit_uncertainty` turns them into a model:

* per component, a power law of age: ``sigma_k(age) = a_k * age_days ** p_k`` (km), fitted in
  log-log space to the *robust* RMS of the errors in age bins (``sqrt(median(x^2) / 0.455)``,
  which a manoeuvre or a bad set in a bin does not move: they are outliers, not scatter);
* a constant correlation matrix between the components (the errors of these orbits are
  correlated: radial and normal drift together), from the bins' robust covariances;
* the covariance at an age is ``D C D`` with ``D = diag(sigma(age))``, scaled by a power
  law of age so that 80 % of the errors it was fitted on lie inside the chi-square's 80 %
  ellipsoid (:data:`CALIBRATION_QUANTILE`): the *relative* covariance, of a prediction
  against a later set;
* against the truth, the error every set shares with its neighbours is added (set-to-set
  differences cannot see it): the fixed model's epoch sigmas, 0.1/0.5/0.1 km, which is what
  Jason-3's sets show against its precise orbit (0.09/0.47/0.19 km within a day).

Its realism is the squared Mahalanobis distance of errors the model did not see (a 3-degree-
of-freedom chi-square: median 2.37, 95 % inside 7.81): :func:`realism`. Errors across a
known manoeuvre are left out (:func:`history_differences` with the operators' times).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sgp4.api import Satrec

from .constants import WGS72_EARTH_RADIUS_KM, WGS72_MU_KM3_S2
from .errors import DebrisError
from .io.files import bundled_file, read_text, text_lines

__all__ = ["History", "HistoryDifferences", "UncertaintyModel", "read_history",
           "read_histories",
           "read_manoeuvres", "history_differences", "fit_uncertainty", "realism",
           "rolling_realism", "mahalanobis2", "default_covariance", "CHI2_3_MEDIAN",
           "CALIBRATION_QUANTILE", "MODEL_DAYS", "DEFAULT_SIGMA_RTN_KM",
           "SIGMA_GROWTH_RTN_KM_PER_DAY", "default_sigma_km",
           "CHI2_3_95", "RegimePrior", "orbit_regime"]

#: The fixed model every object had before its own (the last fallback): RTN sigmas (km) at
#: the element epoch and their growth per day of element age.
DEFAULT_SIGMA_RTN_KM = (0.1, 0.5, 0.1)
SIGMA_GROWTH_RTN_KM_PER_DAY = (0.05, 1.0, 0.05)
#: Median and 95th percentile of a chi-square with 3 degrees of freedom.
CHI2_3_MEDIAN = 2.366
CHI2_3_95 = 7.815
#: The covariance is scaled so that this share of the fitted errors lies inside the
#: chi-square's ellipsoid of the same probability (its 80 % point, 4.642). Real errors are
#: heavier-tailed than a normal: scaled at the median the 95 % ellipsoid holds 86 % of them
#: (six LEO histories), scaled at 95 % the median falls to 1.4; the 80 % point keeps every
#: satellite's median within a factor 1.5 of 2.37 and 89-94 % inside the 95 % ellipsoid.
CALIBRATION_QUANTILE = 0.8
_CHI2_3_80 = 4.6416
#: median(x^2) of a unit normal: robust RMS = sqrt(median(x^2) / this).
_MEDIAN_SQUARE = 0.4549
#: Days of an object's sets its model is learnt from (the rolling check's training span).
MODEL_DAYS = 365.0
#: Age bins (days) the growth law is fitted on: 0.25-day bins to 1 day, then 0.5-day bins.
AGE_BINS = np.concatenate([np.arange(0.25, 1.0, 0.25), np.arange(1.0, 10.01, 0.5)])


@dataclass
class History:
    """An object's element sets, oldest first: satrecs and their epochs (Julian dates)."""

    satrecs: list
    epoch_jd: np.ndarray
    norad_id: int
    source: str = "<history>"

    def since(self, epoch_jd: float) -> "History":
        """The sets from `epoch_jd` on."""
        k = int(np.searchsorted(self.epoch_jd, epoch_jd))
        return History(self.satrecs[k:], self.epoch_jd[k:], self.norad_id, self.source)

    def split(self, fraction: float = 0.5) -> tuple["History", "History"]:
        """The first `fraction` of the span and the rest (for honest realism checks)."""
        cut = self.epoch_jd[0] + fraction * (self.epoch_jd[-1] - self.epoch_jd[0])
        k = int(np.searchsorted(self.epoch_jd, cut))
        return (History(self.satrecs[:k], self.epoch_jd[:k], self.norad_id, self.source),
                History(self.satrecs[k:], self.epoch_jd[k:], self.norad_id, self.source))


@dataclass
class HistoryDifferences:
    """Errors of sets predicted to later sets' epochs: ``age_days`` (M,), ``rtn_km`` (M, 3)
    (prediction minus the later set, in the later set's RTN frame), ``first``/``second``
    (the sets' indices in the history, (M,))."""

    age_days: np.ndarray
    rtn_km: np.ndarray
    first: np.ndarray
    second: np.ndarray

    def take(self, mask) -> "HistoryDifferences":
        return HistoryDifferences(self.age_days[mask], self.rtn_km[mask], self.first[mask],
                                  self.second[mask])


@dataclass
class UncertaintyModel:
    """Position covariance in RTN as a function of an element set's age.

    Attributes
    ----------
    norad_id : int or None
    amplitude_km : ndarray, shape (3,)
        ``a_k``: the R, T, N sigma at an age of one day (km).
    power : ndarray, shape (3,)
        ``p_k``: how the sigma grows with age.
    correlation : ndarray, shape (3, 3)
    source : str
        ``history``: fitted on the object's own sets; ``regime``: the models of objects in
        similar orbits (:class:`RegimePrior`).
    samples : int
        Error samples the fit used.
    objects : int
        How many objects' histories it was learnt from.
    """

    norad_id: int | None
    amplitude_km: np.ndarray
    power: np.ndarray
    correlation: np.ndarray
    source: str = "history"
    samples: int = 0
    floor_km: tuple = DEFAULT_SIGMA_RTN_KM
    objects: int = 1

    def relative_sigma_km(self, age_days) -> np.ndarray:
        """R, T, N sigmas (km) of a prediction against a later set, shape (..., 3)."""
        age = np.maximum(np.asarray(age_days, dtype=float), 1e-3)[..., None]
        return self.amplitude_km * age ** self.power

    def relative_covariance(self, age_days) -> np.ndarray:
        """RTN covariance (km²) of a prediction against a later set: what the history
        shows and :func:`realism` checks, shape (..., 3, 3)."""
        s = self.relative_sigma_km(age_days)
        return s[..., :, None] * self.correlation * s[..., None, :]

    def covariance(self, age_days) -> np.ndarray:
        """RTN covariance (km²) of a prediction against the truth, shape (..., 3, 3): the
        relative one and the error every set shares with its neighbours, which set-to-set
        differences cannot see (``floor_km``, independent per axis; the fixed model's epoch
        sigmas, which Jason-3's precise orbit confirms: README, "How wrong")."""
        return self.relative_covariance(age_days) + np.diag(np.square(self.floor_km))

    def sigma_km(self, age_days) -> np.ndarray:
        """R, T, N sigmas (km) against the truth at each age, shape (..., 3)."""
        return np.sqrt(np.square(self.relative_sigma_km(age_days))
                       + np.square(self.floor_km))

    def as_dict(self) -> dict:
        return {"norad_id": self.norad_id, "source": self.source, "samples": self.samples,
                "amplitude_km": self.amplitude_km.tolist(), "power": self.power.tolist(),
                "correlation": self.correlation.tolist(), "floor_km": list(self.floor_km),
                "objects": self.objects}


def read_histories(path) -> list[History]:
    """Every object's element sets in a TLE file (2- or 3-line, any order), one
    :class:`History` per object, oldest set first, in the order the objects first appear.

    A pair of lines that is not an element set is an error naming its line: a history with
    a hole in it would be read as a longer prediction than it is."""
    path = Path(path)
    lines = [(n, line.rstrip()) for n, line in enumerate(text_lines(read_text(path)), 1)
             if line.startswith(("1 ", "2 "))]
    sats = []
    for (n1, l1), (n2, l2) in zip(lines[::2], lines[1::2]):
        if not (l1.startswith("1 ") and l2.startswith("2 ")):
            raise DebrisError(f"{path}, line {n1}: expected line 1 then line 2 of an element "
                              "set")
        try:
            sats.append(Satrec.twoline2rv(l1, l2))
        except ValueError as exc:
            raise DebrisError(f"{path}, line {n1}: {exc}") from None
    if not sats:
        raise DebrisError(f"{path}: no element sets")
    out = []
    for number in dict.fromkeys(s.satnum for s in sats):
        mine = [s for s in sats if s.satnum == number]
        epoch = np.array([s.jdsatepoch + s.jdsatepochF for s in mine])
        order = np.argsort(epoch, kind="stable")
        out.append(History([mine[i] for i in order], epoch[order], int(number), str(path)))
    return out


def read_history(path) -> History:
    """One object's element sets from a TLE file (:func:`read_histories`); a file of
    several objects is an error."""
    histories = read_histories(path)
    if len(histories) != 1:
        raise DebrisError(f"{path}: a history holds one object's sets, found "
                          f"{len(histories)} objects")
    return histories[0]


def read_manoeuvres(path) -> np.ndarray:
    """Manoeuvre times (Julian dates, UTC) from an operator's list: a ``manoeuvre_timestamps``
    list of ``- YYYY-MM-DD HH:MM:SS`` lines (Shorten et al.'s benchmark layout)."""
    path = Path(path)
    text = read_text(path)
    if "manoeuvre_timestamps" not in text:
        raise DebrisError(f"{path}: not a manoeuvre list (expected manoeuvre_timestamps: and "
                          "lines of - YYYY-MM-DD HH:MM:SS)")
    times = []
    for n, line in enumerate(text_lines(text), 1):
        found = re.match(r"^\s*-\s*(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(:\d\d(\.\d*)?)?)\s*$", line)
        if found:
            try:
                when = np.datetime64(f"{found.group(1)}T{found.group(2)}", "ms")
            except ValueError:
                raise DebrisError(f"{path}, line {n}: {line.strip()!r} is not a date and "
                                  "time") from None
            times.append((when - np.datetime64("1970-01-01T00:00", "ms")).astype(float)
                         / 86_400_000.0 + 2440587.5)
    return np.sort(np.array(times))


def history_differences(history: History, *, max_days: float = 10.0,
                        manoeuvres=None) -> HistoryDifferences:
    """Every set predicted to the epoch of each later set at most `max_days` later; pairs
    across a manoeuvre time (Julian dates) are left out, and pairs SGP4 fails on."""
    sats, epoch = history.satrecs, history.epoch_jd
    man = np.asarray(manoeuvres if manoeuvres is not None else [], dtype=float)
    truth = [s.sgp4(s.jdsatepoch, s.jdsatepochF) for s in sats]
    age, rtn, first, second = [], [], [], []
    for i, sat in enumerate(sats):
        lo = int(np.searchsorted(epoch, epoch[i] + 1e-4, side="right"))
        hi = int(np.searchsorted(epoch, epoch[i] + max_days, side="right"))
        j = np.arange(lo, hi)
        if man.size and j.size:
            crossed = np.searchsorted(man, epoch[i]) != np.searchsorted(man, epoch[j])
            j = j[~crossed]
        if not j.size:
            continue
        err, r, _ = sat.sgp4_array(np.array([sats[k].jdsatepoch for k in j]),
                                   np.array([sats[k].jdsatepochF for k in j]))
        for kk, k in enumerate(j):
            e2, r2, v2 = truth[k]
            if err[kk] or e2:
                continue
            frame = _rtn_axes(np.array(r2), np.array(v2))
            age.append(epoch[k] - epoch[i])
            rtn.append(frame @ (r[kk] - np.array(r2)))
            first.append(i)
            second.append(k)
    return HistoryDifferences(np.array(age), np.array(rtn).reshape(-1, 3),
                              np.array(first, int), np.array(second, int))


def _rtn_axes(r, v) -> np.ndarray:
    """Rows: the radial, transverse and normal unit vectors of a state."""
    radial = r / np.linalg.norm(r)
    normal = np.cross(r, v)
    normal /= np.linalg.norm(normal)
    return np.array([radial, np.cross(normal, radial), normal])


def fit_uncertainty(diffs: HistoryDifferences, norad_id: int | None = None,
                    min_per_bin: int = 20, calibrate: bool = True) -> UncertaintyModel:
    """The growth law and correlations of an object's prediction errors (module notes);
    with `calibrate`, the covariance is then scaled by a power law of age so that, at every
    age, :data:`CALIBRATION_QUANTILE` of the same errors lie inside the chi-square's
    ellipsoid of that probability (:func:`realism` measures both the median and the 95 %
    share on errors the model never saw)."""
    centres, sigmas, weights, corrs = [], [], [], []
    for lo, hi in zip(AGE_BINS[:-1], AGE_BINS[1:]):
        x = diffs.rtn_km[(diffs.age_days >= lo) & (diffs.age_days < hi)]
        if len(x) < min_per_bin:
            continue
        rms = np.sqrt(np.median(x ** 2, axis=0) / _MEDIAN_SQUARE)
        centres.append(0.5 * (lo + hi))
        sigmas.append(np.maximum(rms, 1e-6))
        weights.append(len(x))
        inner = x[np.all(np.abs(x) <= 3.0 * rms, axis=1)]  # manoeuvres and bad sets out
        if len(inner) >= min_per_bin:
            corrs.append(np.corrcoef(inner.T))
    if len(centres) < 2:
        raise DebrisError(f"too few prediction errors to fit an uncertainty model "
                          f"({len(diffs.age_days)} in all; {min_per_bin} per age bin in two "
                          "bins or more are needed)")
    logt, logs, w = np.log(centres), np.log(np.array(sigmas)), np.sqrt(weights)
    amplitude, power = np.empty(3), np.empty(3)
    for k in range(3):
        slope, intercept = np.polyfit(logt, logs[:, k], 1, w=w)
        power[k], amplitude[k] = slope, np.exp(intercept)
    correlation = np.median(np.array(corrs), axis=0) if corrs else np.eye(3)
    np.fill_diagonal(correlation, 1.0)
    model = UncertaintyModel(norad_id, amplitude, power, _nearest_correlation(correlation),
                             "history", int(len(diffs.age_days)))
    return _calibrated(model, diffs, min_per_bin) if calibrate else model


def _calibrated(model: UncertaintyModel, diffs: HistoryDifferences,
                min_per_bin: int) -> UncertaintyModel:
    """`model` scaled by ``f(age) = c * age ** q`` fitted so that the
    :data:`CALIBRATION_QUANTILE` point of the squared Mahalanobis distances of `diffs` is
    the chi-square's in every age bin."""
    d2 = mahalanobis2(model, diffs)
    centres, factors = [], []
    for lo, hi in zip(AGE_BINS[:-1], AGE_BINS[1:]):
        near = (diffs.age_days >= lo) & (diffs.age_days < hi)
        if near.sum() >= min_per_bin:
            centres.append(0.5 * (lo + hi))
            factors.append(np.quantile(d2[near], CALIBRATION_QUANTILE) / _CHI2_3_80)
    if len(centres) < 2:
        return model
    slope, intercept = np.polyfit(np.log(centres), np.log(factors), 1)
    return UncertaintyModel(model.norad_id, model.amplitude_km * np.exp(intercept / 2),
                            model.power + slope / 2, model.correlation, model.source,
                            model.samples, model.floor_km)


def mahalanobis2(model: UncertaintyModel | None, diffs: HistoryDifferences) -> np.ndarray:
    """Squared Mahalanobis distance of each error at the covariance for its age, (M,)
    (the screening's default covariance when `model` is None)."""
    cov = (default_covariance(diffs.age_days) if model is None
           else model.relative_covariance(diffs.age_days))
    return np.einsum("mi,mi->m", diffs.rtn_km,
                     np.linalg.solve(cov, diffs.rtn_km[..., None])[..., 0])


def _nearest_correlation(c: np.ndarray) -> np.ndarray:
    """A valid correlation matrix near `c` (eigenvalues floored, unit diagonal)."""
    values, vectors = np.linalg.eigh(0.5 * (c + c.T))
    fixed = vectors @ np.diag(np.maximum(values, 1e-3)) @ vectors.T
    d = np.sqrt(np.diag(fixed))
    return fixed / np.outer(d, d)


def default_sigma_km(age_days) -> np.ndarray:
    """The fixed model's R, T, N sigmas (km) at each element age, shape (..., 3)
    (:data:`DEFAULT_SIGMA_RTN_KM` growing by :data:`SIGMA_GROWTH_RTN_KM_PER_DAY`; negative
    ages count as their size)."""
    age = np.abs(np.asarray(age_days, dtype=float))[..., None]
    return np.asarray(DEFAULT_SIGMA_RTN_KM) + np.asarray(SIGMA_GROWTH_RTN_KM_PER_DAY) * age


def default_covariance(age_days) -> np.ndarray:
    """The fixed RTN covariance (km²) at each element age, shape (..., 3, 3): the last
    fallback, for objects without a history."""
    s = default_sigma_km(age_days)
    return s[..., :, None] * np.eye(3) * s[..., None, :]


def realism(diffs: HistoryDifferences, model: UncertaintyModel | None = None,
            ages=(1.0, 3.0, 7.0), half_width: float = 0.5) -> list[dict]:
    """The squared Mahalanobis distance of each error at the model's covariance for its age
    (the default covariance when `model` is None), summarised near each of `ages`:
    ``age_days``, ``count``, ``median_d2`` (ideal 2.37) and ``inside_95`` (the fraction
    below 7.81, ideal 0.95)."""
    return _summary(diffs.age_days, mahalanobis2(model, diffs), ages, half_width)


def _summary(age_days, d2, ages, half_width) -> list[dict]:
    out = []
    for age in ages:
        near = np.abs(age_days - age) <= half_width
        out.append({"age_days": float(age), "count": int(near.sum()),
                    "median_d2": float(np.median(d2[near])) if near.any() else float("nan"),
                    "inside_95": float(np.mean(d2[near] <= CHI2_3_95)) if near.any()
                    else float("nan")})
    return out


def rolling_realism(history: History, diffs: HistoryDifferences, *,
                    train_days: float = MODEL_DAYS,
                    step_days: float = 30.0, ages=(1.0, 3.0, 7.0),
                    half_width: float = 0.5) -> dict:
    """Realism as a user meets it: every `step_days`, a model fitted on the errors of the
    previous `train_days` (whose later set is already known) predicts the errors of the
    sets of the next `step_days`, which it never saw. Returns ``model`` and ``default``
    (the screening's fixed covariance on the same errors), each a :func:`realism`-style
    summary, and ``models`` (how many were fitted)."""
    first, second = history.epoch_jd[diffs.first], history.epoch_jd[diffs.second]
    ours, theirs, ages_seen = [], [], []
    fitted = 0
    start = history.epoch_jd[0] + train_days
    while start < history.epoch_jd[-1]:
        train = (second < start) & (first >= start - train_days)
        test = (first >= start) & (first < start + step_days)
        start += step_days
        if train.sum() < 200 or not test.any():
            continue
        try:
            model = fit_uncertainty(diffs.take(train), history.norad_id)
        except DebrisError:
            continue
        fitted += 1
        seen = diffs.take(test)
        ours.append(mahalanobis2(model, seen))
        theirs.append(mahalanobis2(None, seen))
        ages_seen.append(seen.age_days)
    if not fitted:
        raise DebrisError(f"{history.source}: too short a history for a rolling check "
                          f"({train_days:g} days of training and more are needed)")
    age = np.concatenate(ages_seen)
    return {"model": _summary(age, np.concatenate(ours), ages, half_width),
            "default": _summary(age, np.concatenate(theirs), ages, half_width),
            "models": fitted, "d2": np.concatenate(ours), "age_days": age}


#: Nearest objects of the same orbit class whose models make an object's regime prior.
REGIME_NEIGHBOURS = 3
#: How far apart regimes are: perigee height (km) and inclination (deg) per unit distance.
REGIME_SCALE = (200.0, 30.0)
#: Objects further than this (in those units) are not of the same regime: a prior learnt at
#: 1,300 km says nothing of an object at 400 km, where drag rules the errors.
REGIME_MAX_DISTANCE = 1.5
#: The spread (natural log of the amplitude) assumed when one object makes the prior.
_ONE_OBJECT_SPREAD = 0.5
_BUNDLED_REGIMES = "uncertainty_regimes.csv"
_REGIME_COLUMNS = ("norad_id", "name", "perigee_km", "apogee_km", "inclination_deg",
                   "amp_r_km", "amp_t_km", "amp_n_km", "pow_r", "pow_t", "pow_n",
                   "corr_rt", "corr_rn", "corr_tn", "samples")


def orbit_regime(satrec) -> tuple[str, float, float, float]:
    """(orbit class, perigee height km, apogee height km, inclination deg) of a set: the
    class is ``LEO`` (apogee below 2,000 km), ``GEO`` (period within 10 % of a sidereal day,
    eccentricity below 0.1), ``HEO`` (eccentricity 0.25 or more), else ``MEO``."""
    n = satrec.no_kozai / 60.0  # rad/s
    a = (WGS72_MU_KM3_S2 / n ** 2) ** (1.0 / 3.0)
    perigee = a * (1.0 - satrec.ecco) - WGS72_EARTH_RADIUS_KM
    apogee = a * (1.0 + satrec.ecco) - WGS72_EARTH_RADIUS_KM
    cls = orbit_regime_class(perigee, apogee)
    return cls, float(perigee), float(apogee), float(np.degrees(satrec.inclo))


@dataclass
class RegimePrior:
    """Uncertainty models of objects with histories, by orbit regime: the prior for objects
    whose own history is too short (:meth:`model_for`).

    ``rows``: dicts of :data:`_REGIME_COLUMNS` (the bundled table,
    ``tle/uncertainty_regimes.csv``, holds the public histories' models; an archive adds the
    models of its own objects)."""

    rows: list

    @classmethod
    def bundled(cls) -> "RegimePrior":
        """The models of the public histories shipped with debris."""
        return RegimePrior(list(_bundled_regime_rows()))

    @classmethod
    def from_file(cls, path) -> "RegimePrior":
        """A regime table (CSV with :data:`_REGIME_COLUMNS`, ``#`` comment lines)."""
        return cls(_read_regime_rows(path))

    @staticmethod
    def row(model: "UncertaintyModel", satrec, name: str = "") -> dict:
        """A table row for an object's own model and its latest set."""
        _, perigee, apogee, inc = orbit_regime(satrec)
        c = model.correlation
        return dict(zip(_REGIME_COLUMNS, (
            float(model.norad_id or satrec.satnum), name, perigee, apogee, inc,
            *map(float, model.amplitude_km), *map(float, model.power),
            float(c[0, 1]), float(c[0, 2]), float(c[1, 2]), float(model.samples))))

    def with_rows(self, rows) -> "RegimePrior":
        """This prior with more objects' rows (an object's newer row replaces its older)."""
        mine = {int(r["norad_id"]): r for r in self.rows}
        mine.update({int(r["norad_id"]): r for r in rows})
        return RegimePrior(list(mine.values()))

    def model_for(self, satrec, norad_id: int | None = None) -> "UncertaintyModel | None":
        """The regime prior of an object from its latest set: the models of the
        :data:`REGIME_NEIGHBOURS` nearest objects of its orbit class (perigee height and
        inclination, :data:`REGIME_SCALE`, within :data:`REGIME_MAX_DISTANCE`; never
        itself), combined per component as the
        geometric mean amplitude times the spread between them (one geometric standard
        deviation, for an object that is not any of them; a factor e**0.5 when one object
        makes it) and the mean growth power; None when no object of its regime is known."""
        cls, perigee, _, inc = orbit_regime(satrec)
        me = int(norad_id if norad_id is not None else satrec.satnum)
        near = []
        for row in self.rows:
            if int(row["norad_id"]) == me:
                continue
            if orbit_regime_class(row["perigee_km"], row["apogee_km"]) != cls:
                continue
            distance = np.hypot((row["perigee_km"] - perigee) / REGIME_SCALE[0],
                                (row["inclination_deg"] - inc) / REGIME_SCALE[1])
            if distance <= REGIME_MAX_DISTANCE:
                near.append((distance, row))
        if not near:
            return None
        near.sort(key=lambda pair: pair[0])
        chosen = [row for _, row in near[:REGIME_NEIGHBOURS]]
        log_amp = np.log([[r["amp_r_km"], r["amp_t_km"], r["amp_n_km"]] for r in chosen])
        spread = (log_amp.std(axis=0, ddof=1) if len(chosen) > 1
                  else np.full(3, _ONE_OBJECT_SPREAD))
        amplitude = np.exp(log_amp.mean(axis=0) + spread)
        power = np.mean([[r["pow_r"], r["pow_t"], r["pow_n"]] for r in chosen], axis=0)
        corr = np.eye(3)
        corr[0, 1] = corr[1, 0] = np.mean([r["corr_rt"] for r in chosen])
        corr[0, 2] = corr[2, 0] = np.mean([r["corr_rn"] for r in chosen])
        corr[1, 2] = corr[2, 1] = np.mean([r["corr_tn"] for r in chosen])
        return UncertaintyModel(me, amplitude, power, _nearest_correlation(corr), "regime",
                                int(sum(r["samples"] for r in chosen)), objects=len(chosen))


@functools.lru_cache(maxsize=1)
def _bundled_regime_rows() -> tuple:
    return tuple(_read_regime_rows(bundled_file(_BUNDLED_REGIMES, "regime table")))


def _read_regime_rows(path) -> list:
    try:
        lines = [line for line in text_lines(read_text(Path(path)))
                 if line.strip() and not line.startswith("#")]
        return [{k: (row[k] if k == "name" else float(row[k])) for k in _REGIME_COLUMNS}
                for row in csv.DictReader(lines)]
    except (KeyError, ValueError, TypeError) as exc:
        raise DebrisError(f"{path}: not a regime table ({exc})") from None


def orbit_regime_class(perigee_km: float, apogee_km: float) -> str:
    """The orbit class of :func:`orbit_regime` from perigee and apogee heights (km)."""
    a = 0.5 * (perigee_km + apogee_km) + WGS72_EARTH_RADIUS_KM
    ecc = (apogee_km - perigee_km) / (2 * a)
    period_h = 2 * np.pi * np.sqrt(a ** 3 / WGS72_MU_KM3_S2) / 3600.0
    if apogee_km < 2000.0:
        return "LEO"
    if abs(period_h - 23.934) < 2.4 and ecc < 0.1:
        return "GEO"
    return "HEO" if ecc >= 0.25 else "MEO"
