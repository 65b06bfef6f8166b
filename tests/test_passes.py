"""Passes against exact SGP4 (dense 1 s sampling refined by bisection) and Skyfield.

References: python-sgp4 evaluated every second over the window, crossings refined by
bisection on exact SGP4 elevations; Skyfield's ``EarthSatellite.find_events``.
"""

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from debris import earth_orientation, find_passes, get_site, night_window, time_range, topocentric
from debris.propagation import propagate
from debris.timescale import Times, skyfield_time, skyfield_timescale, to_times

MIN_EL_DEG = 10.0
EVENT_TOLERANCE_S = 0.1  # against exact SGP4 crossings
SKYFIELD_TOLERANCE_S = 1.0  # Skyfield's own search resolves to about half a second
START, HOURS = "2024-11-01T12:00:00Z", 12.0
DAY_START = "2024-11-01T00:00:00Z"


def _exact_elevation(satrecs, times: Times, site):
    """Elevation of satrecs[k] at times[k] (one time per object), exact SGP4, shape (E,)."""
    r = np.empty((1, len(times), 3))
    v = np.empty((1, len(times), 3))
    for k, sat in enumerate(satrecs):
        _, r[0, k], v[0, k] = sat.sgp4(times.jd[k], times.fr[k])
    return topocentric(r, v, earth_orientation(times), site, radec=False).elevation_deg[0]


def _refine(satrecs, site, t_lo: Times, rising):
    """Vectorised bisection on exact SGP4 elevation within one second after each t_lo."""
    lo, hi = np.zeros(len(t_lo)), np.ones(len(t_lo))
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        above = _exact_elevation(satrecs, t_lo.shift_seconds(mid), site) > MIN_EL_DEG
        go_left = above == rising
        hi = np.where(go_left, mid, hi)
        lo = np.where(go_left, lo, mid)
    return t_lo.shift_seconds(0.5 * (lo + hi))


@pytest.fixture(scope="module")
def day_passes(leo_sample):
    """300 random real LEO objects, two sites, 24 h."""
    sites = [get_site("dushanbe"), get_site("sanglokh")]
    return find_passes(leo_sample, sites, DAY_START, time_range(DAY_START, hours=24,
                                                                step_s=3600)[-1:],
                       min_elevation_deg=MIN_EL_DEG)


def test_no_pass_missed_and_events_match_exact_sgp4(leo_sample, day_passes):
    """300 random real LEO objects, Dushanbe and Sanglokh, 24 h, against python-sgp4 every
    second: every crossing of the limit is one of our rises or sets (within 0.1 s after
    bisection on exact SGP4), and every run of >= 10 s above the limit is one of our passes
    with its peak elevation (to 0.01 deg)."""
    dense = time_range(DAY_START, hours=24, step_s=1.0)
    orientation = earth_orientation(dense)
    sites = [get_site("dushanbe"), get_site("sanglokh")]
    crossings = runs_checked = 0
    for a in range(0, len(leo_sample), 50):  # 50 objects x 86,401 s at a time (~200 MB)
        chunk = leo_sample.subset(np.arange(a, min(a + 50, len(leo_sample))))
        states = propagate(chunk, dense, backend="sgp4")
        for site in sites:
            el = topocentric(states.r_teme_km, states.v_teme_km_s, orientation, site,
                             radec=False).elevation_deg
            ours = day_passes.take(day_passes["site"] == site.name)
            crossings += _check_crossings(chunk, site, dense, el, ours)
            runs_checked += _check_runs(chunk, el, ours)
        del states
    assert crossings > 3000 and runs_checked > 1500


def _check_crossings(chunk, site, dense, el, ours) -> int:
    above = el > MIN_EL_DEG
    obj, k = np.nonzero(np.diff(above.astype(np.int8), axis=1))
    rising = above[obj, k + 1]
    refined = _refine([chunk.satrecs[i] for i in obj], site, dense[k], rising)
    ref_times = refined.to_datetime64()
    for i, t_ref, up in zip(obj, ref_times, rising):
        mine = ours.take(ours["norad_id"] == chunk.norad_id[i])
        column = mine["rise_utc"] if up else mine["set_utc"]
        candidates = [c for c in column.to_datetime64() if not np.isnat(c)]
        assert candidates, f"NORAD {chunk.norad_id[i]}: missed {'rise' if up else 'set'}"
        err = min(abs((c - t_ref) / np.timedelta64(1, "us")) for c in candidates) / 1e6
        assert err <= EVENT_TOLERANCE_S, (chunk.norad_id[i], site.name, t_ref, err)
    return len(obj)


def _check_runs(chunk, el, ours) -> int:
    """Every run of >= 10 s above the limit is one of our passes, with its peak elevation:
    at least the highest sample, and above it by no more than the elevation changes in one
    second there (near the zenith a pass climbs ~1 deg/s, and the true peak lies between
    samples)."""
    above = el > MIN_EL_DEG
    checked = 0
    for i in range(len(chunk)):
        idx = np.flatnonzero(above[i])
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if idx.size else []
        mine = ours.take(ours["norad_id"] == chunk.norad_id[i])
        for run in (r for r in runs if r.size >= 10):
            peak = run[np.argmax(el[i, run])]
            sampled = el[i, peak]
            step = np.abs(np.diff(el[i, max(peak - 1, 0):peak + 2])).max()
            excess = mine["max_elevation_deg"] - sampled
            assert np.any((excess > -0.01) & (excess < step + 0.01)), (
                chunk.norad_id[i], sampled, mine["max_elevation_deg"])
            checked += 1
    return checked


def _interior_culminations(table, t0, span_s=86400.0):
    """Culminations that are true maxima, not the highest point at a window edge."""
    t = _seconds(table["culmination_utc"], t0)
    return (t > 1e-3) & (t < span_s - 1e-3)


def _seconds(times: Times, t0: Times):
    """Seconds from t0 (NaN where a time is missing: the window cuts the pass)."""
    return times.seconds_since(t0)


def test_day_events_bracket_exact_sgp4(leo_sample, day_passes):
    # Each rise/set: exact SGP4 elevation is below the limit 0.1 s before a rise and above it
    # 0.1 s after (and the reverse for a set); each interior culmination: the exact elevation
    # rate changes sign within +-0.1 s.
    t0 = to_times(DAY_START)
    counted = 0
    for site_name in ("dushanbe", "sanglokh"):
        site = get_site(site_name)
        ours = day_passes.take(day_passes["site"] == site_name)
        rows = np.array([leo_sample.index_of(n) for n in ours["norad_id"]])
        for column, sign in (("rise_utc", 1), ("set_utc", -1)):
            have = ~ours[column].isnan()
            sats = [leo_sample.satrecs[i] for i in rows[have]]
            t = t0.shift_seconds(_seconds(ours[column][have], t0))
            before = _exact_elevation(sats, t.shift_seconds(-EVENT_TOLERANCE_S), site)
            after = _exact_elevation(sats, t.shift_seconds(EVENT_TOLERANCE_S), site)
            assert np.all(sign * (after - MIN_EL_DEG) > 0) and np.all(sign * (before - MIN_EL_DEG) < 0)
            counted += int(have.sum())
        interior = _interior_culminations(ours, t0)
        sats = [leo_sample.satrecs[i] for i in rows[interior]]
        t = t0.shift_seconds(_seconds(ours["culmination_utc"][interior], t0))
        d = 0.01
        rate_before = (_exact_elevation(sats, t.shift_seconds(-EVENT_TOLERANCE_S + d), site)
                       - _exact_elevation(sats, t.shift_seconds(-EVENT_TOLERANCE_S - d), site))
        rate_after = (_exact_elevation(sats, t.shift_seconds(EVENT_TOLERANCE_S + d), site)
                      - _exact_elevation(sats, t.shift_seconds(EVENT_TOLERANCE_S - d), site))
        assert np.all(rate_before > 0) and np.all(rate_after < 0)
        counted += int(interior.sum())
    assert counted > 3000


def test_day_events_match_skyfield_find_events(leo_sample, day_passes):
    ts = skyfield_timescale()
    edges = skyfield_time(time_range(DAY_START, hours=24, step_s=3600))
    t0 = to_times(DAY_START)
    for site_name in ("dushanbe", "sanglokh"):
        site = get_site(site_name)
        here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
        ours = day_passes.take(day_passes["site"] == site_name)
        for i, satrec in enumerate(leo_sample.satrecs):
            times, kinds = EarthSatellite.from_satrec(satrec, ts).find_events(
                here, edges[0], edges[-1], altitude_degrees=MIN_EL_DEG)
            mine = ours.take(ours["norad_id"] == leo_sample.norad_id[i])
            interior = _interior_culminations(mine, t0)
            columns = {0: mine["rise_utc"], 1: mine["culmination_utc"][interior],
                       2: mine["set_utc"]}
            ref_s = to_times(times).seconds_since(t0) if len(times) else np.empty(0)
            for kind in (0, 1, 2):
                theirs = ref_s[kinds == kind]
                if kind == 1:  # Skyfield reports maxima of passes it also sees rise and set
                    theirs = theirs[(theirs > 0) & (theirs < 86400)]
                ours_s = _seconds(columns[kind], t0)
                ours_s = ours_s[np.isfinite(ours_s)]
                for value in theirs:
                    assert ours_s.size and np.min(np.abs(ours_s - value)) <= SKYFIELD_TOLERANCE_S, \
                        (site_name, leo_sample.norad_id[i], kind, value)
                for value in ours_s:
                    assert theirs.size and np.min(np.abs(theirs - value)) <= SKYFIELD_TOLERANCE_S, \
                        (site_name, leo_sample.norad_id[i], kind, value)


def test_shadow_boundaries_match_skyfield_is_sunlit(leo_sample):
    # Within the night window the sky stays dark, so a visible part that starts after the
    # rise (ends before the set) starts (ends) at a shadow exit (entry).
    from debris.sun import ephemeris

    site = get_site("dushanbe")
    start, end = night_window(site, "2024-11-01")
    table = find_passes(leo_sample, site, start, end)
    eph = ephemeris()
    ts = skyfield_timescale()
    checked = 0
    for row in table.records():
        if not row["visible"]:
            continue
        sat = EarthSatellite.from_satrec(leo_sample.satrecs[leo_sample.index_of(row["norad_id"])],
                                         ts)
        for key, edge, lit_before in (("visible_start_utc", "rise_utc", False),
                                      ("visible_end_utc", "set_utc", True)):
            if row[key] == row[edge] or row[edge] is None:
                continue
            t = to_times(row[key])
            probe = skyfield_time(Times(np.repeat(t.jd, 2), t.fr + np.array([-1.0, 1.0]) / 86400))
            lit = sat.at(probe).is_sunlit(eph)
            assert list(lit) == [lit_before, not lit_before], (row["norad_id"], key, row[key])
            checked += 1
    assert checked > 20


def test_night_window_matches_skyfield_almanac():
    from skyfield import almanac

    from debris.sun import ephemeris

    site = get_site("dushanbe")
    start, end = night_window(site, "2024-11-01", -12.0)
    eph = ephemeris()
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    t0, t1 = skyfield_time(time_range("2024-11-01T06:00:00Z", hours=24, step_s=3600))[[0, -1]]
    f = almanac.dark_twilight_day(eph, here)
    times, states = almanac.find_discrete(t0, t1, f)
    # nautical dusk: state goes from 2 to 1; nautical dawn: 1 to 2
    dusk = [t for t, s, p in zip(times[1:], states[1:], states[:-1]) if p == 2 and s == 1][0]
    dawn = [t for t, s, p in zip(times[1:], states[1:], states[:-1]) if p == 1 and s == 2][0]
    for ours, ref in ((start, dusk), (end, dawn)):
        diff = abs(float(ours.seconds_since(to_times(ref))[0]))
        assert diff < 60.0  # one minute (apparent vs geometric Sun, refraction-free both)


def test_compiled_and_array_paths_find_the_same_passes(leo_sample, monkeypatch):
    """The numba path (site-filter walk, compiled events and interpolation) and the array
    path (full grid with python-sgp4, numpy events) give the same passes."""
    pytest.importorskip("numba")
    sites = [get_site("dushanbe"), get_site("hissar")]
    end = time_range(START, hours=HOURS, step_s=3600)[-1:]
    compiled = find_passes(leo_sample, sites, START, end, backend="numba")
    monkeypatch.setenv("DEBRIS_PASS_KERNELS", "numpy")
    arrays = find_passes(leo_sample, sites, START, end, backend="sgp4")
    assert len(compiled) == len(arrays) > 200
    for name in ("norad_id", "site", "visible"):
        assert (compiled[name] == arrays[name]).all(), name
    t0 = to_times(START)
    for name in ("rise_utc", "culmination_utc", "set_utc", "visible_start_utc",
                 "visible_end_utc"):
        a, b = compiled[name], arrays[name]
        assert (a.isnan() == b.isnan()).all(), name
        filled = ~a.isnan()
        dt = np.abs(_seconds(a[filled], t0) - _seconds(b[filled], t0))
        assert dt.max(initial=0.0) <= 0.002, name
    for name in ("max_elevation_deg", "culmination_range_km", "sunlit_fraction"):
        assert np.allclose(compiled[name], arrays[name], rtol=0, atol=1e-4, equal_nan=True), name
