"""Times at the edges: every accepted form lands on the same two-float UTC Julian date."""

import datetime as dt

import numpy as np
import pytest

from debris import NaiveDatetimeError, TimeFormatError, Times, format_iso, time_range, to_times

JD_2024_11_01 = 2460615.5
ONE_MICROSECOND_DAY = 1e-6 / 86400.0


def _same(t: Times, jd, fr):
    assert t.jd[0] == jd
    assert abs(t.fr[0] - fr) < ONE_MICROSECOND_DAY


@pytest.mark.parametrize("value", [
    "2024-11-01T18:30:15.250Z",
    "2024-11-01T18:30:15.250",
    "2024-11-01 18:30:15.250",
    "2024-11-01T23:30:15.250+05:00",
    dt.datetime(2024, 11, 1, 18, 30, 15, 250000, tzinfo=dt.timezone.utc),
    dt.datetime(2024, 11, 1, 23, 30, 15, 250000, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    np.datetime64("2024-11-01T18:30:15.250"),
])
def test_accepted_forms(value):
    fr = (18 * 3600 + 30 * 60 + 15.25) / 86400.0
    _same(to_times(value), JD_2024_11_01, fr)


def test_astropy_and_skyfield_times():
    from astropy.time import Time
    from skyfield.api import load

    fr = (18 * 3600 + 30 * 60 + 15.25) / 86400.0
    _same(to_times(Time("2024-11-01T18:30:15.250", scale="utc")), JD_2024_11_01, fr)
    _same(to_times(Time("2024-11-01T18:30:52.250", scale="tai")), JD_2024_11_01, fr)
    ts = load.timescale(builtin=True)
    _same(to_times(ts.utc(2024, 11, 1, 18, 30, 15.25)), JD_2024_11_01, fr)


def test_sequences_and_arrays():
    t = to_times(["2024-11-01T00:00:00Z", "2024-11-02T12:00:00Z"])
    np.testing.assert_array_equal(t.jd, [JD_2024_11_01, JD_2024_11_01 + 1])
    np.testing.assert_array_equal(t.fr, [0.0, 0.5])
    arr = np.array(["2024-11-01T06:00", "2024-11-01T12:00"], dtype="datetime64[ns]")
    np.testing.assert_array_equal(to_times(arr).fr, [0.25, 0.5])


def test_naive_datetime_is_rejected_with_the_fix():
    with pytest.raises(NaiveDatetimeError) as info:
        to_times(dt.datetime(2024, 11, 1, 18, 0))
    message = str(info.value)
    assert "has no time zone" in message
    assert "tzinfo=datetime.timezone.utc" in message and "'2024-11-01T18:00:00Z'" in message
    with pytest.raises(NaiveDatetimeError):
        to_times([dt.datetime(2024, 11, 1, 18, 0, tzinfo=dt.timezone.utc),
                  dt.datetime(2024, 11, 1, 19, 0)])


@pytest.mark.parametrize("bad, message", [("yesterday", "cannot read time 'yesterday'"),
                                          ("", "empty time string"),
                                          (12.5, "cannot read time 12.5")])
def test_unreadable_times(bad, message):
    with pytest.raises(TimeFormatError, match=message):
        to_times(bad)


def test_iso_output_has_z_and_milliseconds():
    t = to_times(["2026-11-23T17:04:05.1234Z", "2024-11-01T23:59:59.9996Z"])
    assert list(format_iso(t)) == ["2026-11-23T17:04:05.123Z", "2024-11-02T00:00:00.000Z"]


def test_time_range_and_microseconds_over_days():
    t = time_range("2024-11-01T00:00:00Z", days=7, step_s=60)
    assert len(t) == 7 * 1440 + 1
    seconds = t.seconds_since(t)
    assert np.max(np.abs(seconds - np.arange(len(t)) * 60.0)) < 1e-6
    odd = time_range("2024-11-01T00:00:00Z", "2024-11-01T00:02:30Z", step_s=60)
    np.testing.assert_allclose(odd.seconds_since(odd), [0, 60, 120, 150], atol=1e-6)


def test_iso_text_matches_numpy_for_many_instants():
    """format_iso writes its digits from integer calendar arithmetic; numpy's own datetime
    formatting is the reference, 1900-2100, leap days and millisecond rounding included."""
    rng = np.random.default_rng(7)
    ms = rng.integers(-2_208_988_800_000, 4_102_444_800_000, 20_000)  # 1900 .. 2100
    leap_day = 951_782_400_000  # 2000-02-29T00:00:00Z
    ms = np.concatenate([ms, [leap_day - 1, leap_day, leap_day + 86_400_000 - 1]])
    days = np.floor_divide(ms, 86_400_000)
    expected = np.char.add(np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms"), "Z")
    for offset_ms in (0.0, 0.4, -0.4):  # within half a millisecond: rounds to the same text
        t = Times(days + 2440587.5, (ms - days * 86_400_000 + offset_ms) / 86_400_000.0)
        assert (format_iso(t) == expected).all()
    assert format_iso(Times(np.array(2460615.5), np.array(0.5))) == "2024-11-01T12:00:00.000Z"
