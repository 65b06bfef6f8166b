"""Times: one representation inside, many accepted at the edges.

Inside debris a time array is a :class:`Times`: two float64 arrays
``jd`` and ``fr`` whose sum is the UTC Julian date, exactly as
python-sgp4 takes them (``jd`` holds whole days ending in .5, ``fr`` the
fraction of the day in [0, 1)). Two floats keep microseconds over any
span.

At the edges :func:`to_times` accepts ISO-8601 strings (``Z``, an
offset, or nothing, which means UTC), timezone-aware
:class:`datetime.datetime`, :class:`numpy.datetime64` (taken as UTC),
astropy ``Time``, skyfield ``Time`` and sequences of any of those.
Naive datetimes are rejected: whether they meant UTC or local time
cannot be known.

Earth orientation (TT, UT1, leap seconds, precession-nutation, polar
motion) comes from Skyfield's built-in tables, offline; see
:func:`skyfield_time`.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import warnings
from dataclasses import dataclass

import numpy as np

from .constants import DAY_S
from .errors import NaiveDatetimeError, TimeFormatError

__all__ = [
    "Times",
    "to_times",
    "time_range",
    "format_iso",
    "skyfield_timescale",
    "skyfield_time",
    "skyfield_data_file",
    "JD_UNIX_EPOCH",
]

JD_UNIX_EPOCH = 2440587.5
_NS_PER_DAY = 86_400_000_000_000

_NAIVE_FIX = (
    "naive datetime {value!r} has no time zone, so it is ambiguous; "
    "debris works in UTC: pass datetime(..., tzinfo=datetime.timezone.utc), "
    "or value.replace(tzinfo=datetime.timezone.utc) if it already is UTC, "
    "or an ISO-8601 string such as '2024-11-01T18:00:00Z'"
)


@dataclass(frozen=True)
class Times:
    """UTC times as two-float Julian dates (the sgp4 convention).

    Parameters
    ----------
    jd : ndarray, shape (T,)
        Julian date of the preceding UTC midnight (ends in .5).
    fr : ndarray, shape (T,)
        Fraction of the UTC day, in [0, 1).
    """

    jd: np.ndarray
    fr: np.ndarray

    @classmethod
    def from_jd(cls, jd, fr=0.0) -> "Times":
        """Build normalised times from any two-float UTC Julian date split."""
        jd = np.atleast_1d(np.asarray(jd, dtype=float))
        fr = np.atleast_1d(np.asarray(fr, dtype=float))
        jd, fr = np.broadcast_arrays(jd, fr)
        whole = np.floor(jd - 0.5) + 0.5
        frac = (jd - whole) + fr
        carry = np.floor(frac)
        return cls(whole + carry, frac - carry)

    @classmethod
    def concatenate(cls, parts) -> "Times":
        """Join a sequence of :class:`Times` end to end."""
        parts = list(parts)
        return cls(np.concatenate([p.jd for p in parts]), np.concatenate([p.fr for p in parts]))

    def __len__(self) -> int:
        return len(self.jd)

    def __getitem__(self, index) -> "Times":
        return Times(np.atleast_1d(self.jd[index]), np.atleast_1d(self.fr[index]))

    @property
    def shape(self) -> tuple[int, ...]:
        return self.jd.shape

    def seconds_since(self, other: "Times") -> np.ndarray:
        """Return seconds from the first time of `other` to each time, shape (T,)."""
        return ((self.jd - other.jd[0]) + (self.fr - other.fr[0])) * DAY_S

    def shift_seconds(self, seconds) -> "Times":
        """Return these times moved by `seconds` (scalar or shape (T,))."""
        return Times.from_jd(self.jd, self.fr + np.asarray(seconds, dtype=float) / DAY_S)

    def isnan(self) -> np.ndarray:
        """Where the time is missing (NaN), shape (T,)."""
        return ~np.isfinite(self.jd + self.fr)

    def to_datetime64(self) -> np.ndarray:
        """Return ``datetime64[ns]`` values (UTC; NaT where missing), shape (T,)."""
        missing = self.isnan()
        days = np.round(np.where(missing, JD_UNIX_EPOCH, self.jd) - JD_UNIX_EPOCH)
        ns = np.round(np.where(missing, 0.0, self.fr) * _NS_PER_DAY).astype(np.int64)
        out = (days.astype(np.int64) * _NS_PER_DAY + ns).astype("datetime64[ns]")
        out[missing] = np.datetime64("NaT")
        return out

    def iso(self) -> np.ndarray:
        """Return UTC ISO-8601 strings with ``Z`` and milliseconds, shape (T,)."""
        return format_iso(self)

    def mjd(self) -> np.ndarray:
        """Return single-float UTC Modified Julian Dates (for display only)."""
        return (self.jd - 2400000.5) + self.fr


def _from_datetime64(values) -> Times:
    ns = np.asarray(values).astype("datetime64[ns]").astype(np.int64)
    days, rem = np.divmod(ns, _NS_PER_DAY)
    return Times(days.astype(float) + JD_UNIX_EPOCH, rem.astype(float) / _NS_PER_DAY)


def _from_datetime(value: dt.datetime) -> np.datetime64:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(_NAIVE_FIX.format(value=value))
    utc = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return np.datetime64(utc, "ns")


def _from_string(text: str) -> np.datetime64:
    raw = text.strip()
    if not raw:
        raise TimeFormatError("empty time string; expected ISO-8601 such as '2024-11-01T18:00:00Z'")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise TimeFormatError(
            f"cannot read time {text!r}; expected ISO-8601 such as '2024-11-01T18:00:00Z', "
            "'2024-11-01 18:00', or '2024-11-01'"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)  # ISO strings without offset mean UTC
    return _from_datetime(value)


def to_times(value) -> Times:
    """Convert any supported time value or sequence of values to :class:`Times`.

    Parameters
    ----------
    value : str, datetime, numpy.datetime64, astropy Time, skyfield Time, Times, or sequence
        ISO-8601 strings without an offset are UTC. Naive datetimes are
        rejected.

    Returns
    -------
    Times
        Shape (T,); a scalar input gives T = 1.

    Raises
    ------
    NaiveDatetimeError
        For a datetime without tzinfo; the message shows the fix.
    TimeFormatError
        For anything else that cannot be read.
    """
    if isinstance(value, Times):
        return value
    module = type(value).__module__
    if module.startswith("astropy"):
        utc = value.utc
        return Times.from_jd(np.asarray(utc.jd1), np.asarray(utc.jd2))
    if module.startswith("skyfield"):
        return Times.from_jd(np.asarray(value.whole),
                             np.asarray(value.tai_fraction - value._leap_seconds() / DAY_S))
    if isinstance(value, np.datetime64):
        return _from_datetime64([value])
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.datetime64):
        return _from_datetime64(value.ravel())
    if isinstance(value, str):
        return _from_datetime64([_from_string(value)])
    if isinstance(value, dt.datetime):
        return _from_datetime64([_from_datetime(value)])
    if isinstance(value, dt.date):
        raise TimeFormatError(
            f"got a date {value!r} without a time; pass a timezone-aware datetime or "
            f"an ISO string such as '{value.isoformat()}T00:00:00Z'")
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(np.ravel(np.asarray(value, dtype=object)))
        if not items:
            raise TimeFormatError("empty sequence of times")
        converted = []
        for item in items:
            if isinstance(item, str):
                converted.append(_from_string(item))
            elif isinstance(item, dt.datetime):
                converted.append(_from_datetime(item))
            elif isinstance(item, np.datetime64):
                converted.append(item.astype("datetime64[ns]"))
            else:
                raise TimeFormatError(f"cannot read time {item!r} of type {type(item).__name__}")
        return _from_datetime64(np.array(converted, dtype="datetime64[ns]"))
    raise TimeFormatError(
        f"cannot read time {value!r} of type {type(value).__name__}; expected an ISO-8601 "
        "string, a timezone-aware datetime, numpy.datetime64, astropy or skyfield Time")


def time_range(start, end=None, *, step_s: float, hours: float | None = None,
               days: float | None = None) -> Times:
    """Return evenly spaced times from `start` to `end` inclusive.

    Parameters
    ----------
    start : time-like
        First time (anything :func:`to_times` accepts, one value).
    end : time-like, optional
        Last time; or give `hours` or `days` instead.
    step_s : float
        Spacing in seconds (> 0).

    Returns
    -------
    Times
        Shape (T,), T = floor(span / step) + 1; the end is appended when
        the span is not a whole number of steps.
    """
    t0 = to_times(start)[0:1]
    if end is not None:
        span_s = float(to_times(end)[0:1].seconds_since(t0)[0])
    elif hours is not None:
        span_s = float(hours) * 3600.0
    elif days is not None:
        span_s = float(days) * DAY_S
    else:
        raise TimeFormatError("time_range needs an end, hours or days")
    if not step_s > 0:
        raise TimeFormatError(f"step must be positive, got {step_s} s")
    if span_s < 0:
        raise TimeFormatError(f"end is {-span_s:.3f} s before start")
    n = int(np.floor(span_s / step_s + 1e-9))
    offsets = np.arange(n + 1) * float(step_s)
    if span_s - offsets[-1] > 1e-6:
        offsets = np.append(offsets, span_s)
    return Times.from_jd(t0.jd[0], t0.fr[0] + offsets / DAY_S)


def format_iso(times: Times) -> np.ndarray:
    """Format times as UTC ISO-8601 with ``Z`` and milliseconds.

    Returns
    -------
    ndarray of str, shape (T,)
        e.g. ``"2026-11-23T17:04:05.123Z"``; empty text where a time is missing (NaN).
    """
    missing = times.isnan()
    if missing.any():
        text = np.full(np.shape(times.jd), "", dtype="U24")
        text[~missing] = format_iso(times[~missing])
        return text
    days = np.round(times.jd - JD_UNIX_EPOCH).astype(np.int64)
    ms = np.round(times.fr * 86_400_000.0).astype(np.int64)
    total = np.atleast_1d(days * 86_400_000 + ms)
    day, ms_of_day = np.divmod(total, 86_400_000)
    year, month, dom = _civil_from_days(day)
    if total.size and not ((year >= 0) & (year <= 9999)).all():
        stamps = total.astype("datetime64[ms]")
        return np.char.add(np.datetime_as_string(stamps, unit="ms"), "Z").reshape(
            np.shape(times.jd))
    # Digits written straight into a (T, 24) byte array: no per-value string formatting.
    out = np.frombuffer(b"0000-00-00T00:00:00.000Z" * total.size, np.uint8).reshape(-1, 24).copy()
    second, milli = np.divmod(ms_of_day, 1000)
    minute, sec = np.divmod(second, 60)
    hour, minute = np.divmod(minute, 60)
    for value, first, width in ((year, 0, 4), (month, 5, 2), (dom, 8, 2), (hour, 11, 2),
                                (minute, 14, 2), (sec, 17, 2), (milli, 20, 3)):
        for i in range(width):
            out[:, first + width - 1 - i] += (value // 10 ** i % 10).astype(np.uint8)
    return out.view("S24").ravel().astype("U24").reshape(np.shape(times.jd))


def _civil_from_days(days):
    """Proleptic Gregorian (year, month, day) of days since 1970-01-01 (H. Hinnant's
    ``civil_from_days``), vectorised over integer arrays."""
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


@functools.lru_cache(maxsize=2)
def skyfield_timescale(polar_motion: bool = False):
    """Return Skyfield's built-in timescale (no download), optionally with polar motion.

    Leap seconds and UT1-UTC come from the tables that ship with Skyfield;
    the polar-motion table comes from the IERS ``finals2000A.all`` file
    that ships with skyfield-data.
    """
    # skyfield takes 0.15 s to import: loaded when times first meet Earth orientation.
    from skyfield.api import load
    from skyfield.data import iers  # with skyfield.api, as above

    ts = load.timescale(builtin=True)
    if polar_motion:
        with open(skyfield_data_file("finals2000A.all"), "rb") as handle:
            finals = iers.parse_x_y_dut1_from_finals_all(handle)
        iers.install_polar_motion_table(ts, finals)
    return ts


def skyfield_data_file(name: str) -> str:
    """Return the path of a file shipped by skyfield-data (de421.bsp, finals2000A.all)."""
    with warnings.catch_warnings():
        # skyfield-data warns when its IERS predictions have expired; debris reports
        # data coverage itself (python -m debris), so the warning is not repeated here.
        warnings.simplefilter("ignore", RuntimeWarning)
        import skyfield_data  # imported here, under the warnings filter

        return os.path.join(skyfield_data.get_skyfield_data_path(), name)


def skyfield_time(times: Times, polar_motion: bool = False):
    """Return a Skyfield ``Time`` for `times` (the adapter to Earth orientation).

    Parameters
    ----------
    times : Times
        Shape (T,).
    polar_motion : bool
        Whether the timescale carries the IERS polar-motion table.
    """
    ts = skyfield_timescale(polar_motion)
    # UTC Julian date -> calendar via day overflow: Skyfield's utc() is linear in `day`.
    day = times.jd - 2451544.5  # days since 2000-01-01 00:00 UTC
    return ts.utc(2000, 1, 1 + day, 0, 0, times.fr * DAY_S)
