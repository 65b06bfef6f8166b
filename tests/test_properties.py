"""Property tests (hypothesis): time round trips and batch == single-object propagation."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from debris import Times, format_iso, propagate, to_times
from debris.frames import refraction_deg

instants = st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2049, 12, 31),
                        timezones=st.just(dt.timezone.utc))


@given(instants)
def test_datetime_iso_round_trip(value):
    t = to_times(value)
    assert 0.0 <= t.fr[0] < 1.0 and t.jd[0] % 1.0 == 0.5
    expected = value.replace(microsecond=(value.microsecond // 1000) * 1000)
    back = dt.datetime.fromisoformat(format_iso(t)[0].replace("Z", "+00:00"))
    assert abs((back - expected).total_seconds()) <= 0.001


@given(instants, st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_shift_seconds_is_exact_to_a_microsecond(value, seconds):
    t = to_times(value)
    moved = t.shift_seconds(seconds)
    assert abs(moved.seconds_since(t)[0] - seconds) < 1e-6


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=299), min_size=1, max_size=12, unique=True),
       st.lists(st.floats(min_value=-3.0, max_value=3.0), min_size=1, max_size=20))
def test_batch_equals_single(leo_sample, rows, offsets_days):
    cat = leo_sample.subset(rows)
    times = Times.from_jd(2460615.5, 0.5 + np.array(offsets_days))
    states = propagate(cat, times)
    for i, sat in enumerate(cat.satrecs):
        e, r, v = sat.sgp4_array(times.jd, times.fr)
        ok = e == 0
        np.testing.assert_array_equal(states.error[i], e)
        assert np.max(np.abs(states.r_teme_km[i][ok] - r[ok]), initial=0) < 1e-6  # 1 mm
        assert np.max(np.abs(states.v_teme_km_s[i][ok] - v[ok]), initial=0) < 1e-6


def test_refraction_is_standard():
    # Bennett/Saemundsson: about 34.5' at the horizon, 1' at 45 deg, none below -1 deg.
    r = refraction_deg(np.array([0.0, 45.0, 90.0, -5.0])) * 60.0
    assert 28 < r[0] < 36 and 0.9 < r[1] < 1.1 and abs(r[2]) < 0.01 and r[3] == 0.0
