"""Night schedules, checked by an independent checker.

The checker re-propagates every scheduled track with python-sgp4 through Skyfield
(``EarthSatellite.from_satrec``; altaz, is_sunlit and the Sun's altitude from Skyfield) every
half second and confirms each constraint: elevation limits and horizon mask, sunlit, Sun below
the twilight limit, angular rate, magnitude, no overlap, and enough time to slew and settle.
The mask, magnitude and slew time are computed here from their definitions (README, module
docstrings of debris.telescope and debris.magnitude), not with debris' own functions.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debris.magnitude import StandardMagnitudes, magnitude_estimates
from debris import find_passes, get_site, night_window
from debris.schedule import schedule_night
from debris.telescope import Telescope, load_telescopes, slew_time_s
from debris.timescale import skyfield_time, skyfield_timescale, to_times

EXAMPLE = Path(__file__).parent.parent / "examples" / "telescope_dushanbe.toml"
SUN_LIMIT = -12.0


def mask_floor(tel, azimuth_deg):
    """The lowest allowed elevation at each azimuth: the elevation limit, or the horizon mask
    (points joined by straight lines, going round through 360 deg) where higher."""
    out = []
    points = sorted(tuple(p) for p in (tel.horizon_mask or ()))
    for az in np.atleast_1d(azimuth_deg) % 360.0:
        floor = tel.min_elevation_deg
        if points:
            before = [p for p in points if p[0] <= az]
            after = [p for p in points if p[0] > az]
            a = before[-1] if before else (points[-1][0] - 360.0, points[-1][1])
            b = after[0] if after else (points[0][0] + 360.0, points[0][1])
            mask = a[1] + (b[1] - a[1]) * (az - a[0]) / (b[0] - a[0]) if b[0] > a[0] else a[1]
            floor = max(floor, mask)
        out.append(floor)
    return np.array(out)


def magnitude(std_mag, distance_km, phase_rad, phase_weight=1.0):
    """Visual magnitude of a Lambertian sphere of standard magnitude `std_mag` (1000 km,
    90 deg phase): the sphere's phase law ((pi - p) cos p + sin p) / pi and the inverse
    square of the distance; with `phase_weight` 0 (a published phase-averaged mean) the
    distance alone."""
    def lambert(p):
        return ((math.pi - p) * np.cos(p) + np.sin(p)) / math.pi

    phase = (lambert(phase_rad) / lambert(math.pi / 2)) ** phase_weight
    return std_mag - 2.5 * np.log10(phase * (1000.0 / distance_km) ** 2)


def slew_seconds(tel, axes_from, axes_to):
    """Slew and settle time between (az, el) pointings: each axis accelerates at the
    mount's acceleration up to its maximum rate, coasts, and brakes (or moves at the full
    rate at once when no acceleration is given); the slower axis decides; azimuth goes the
    shorter way round."""
    def axis(distance):
        rate, accel = tel.max_slew_rate_deg_s, tel.max_slew_acceleration_deg_s2
        if accel is None:
            return distance / rate
        ramp_s = rate / accel
        ramp_deg = accel * ramp_s ** 2  # speeding up to the full rate and braking again
        if distance <= ramp_deg:
            return 2.0 * math.sqrt(distance / accel)
        return 2.0 * ramp_s + (distance - ramp_deg) / rate

    d_az = abs(axes_to[0] - axes_from[0]) % 360.0
    d_az = min(d_az, 360.0 - d_az)
    d_el = abs(axes_to[1] - axes_from[1])
    return max(axis(d_az), axis(d_el)) + tel.settle_time_s


def check_schedule(table, catalog, site, telescopes, sun_limit=SUN_LIMIT, std_mag_table=None):
    """Every violation found, as text (empty when the schedule is valid).

    Each object's standard magnitude is the one the scheduler used: taken by debris' own
    choice of source (`std_mag_table`, observed magnitudes, the SATCAT RCS, the type
    default: :func:`debris.magnitude.magnitude_estimates`); its visual magnitude along the
    track is computed here, from Skyfield's geometry and the definition."""
    from skyfield.api import EarthSatellite, wgs84

    from debris.sun import ephemeris

    eph = ephemeris()
    ts = skyfield_timescale()
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    observer = eph["earth"] + here
    std, _, _, weight = magnitude_estimates(catalog, std_mag_table)
    rows = {int(n): k for k, n in enumerate(catalog.norad_id.tolist())}
    by_name = {t.name: t for t in telescopes}
    problems = []
    last = {}
    for rec in table.records():
        tel = by_name[rec["telescope"]]
        k = rows[rec["norad_id"]]
        sat = EarthSatellite.from_satrec(catalog.satrecs[k], ts)
        t0 = to_times(rec["start_utc"])
        length = to_times(rec["end_utc"]).seconds_since(t0)[0]
        if length < tel.min_track_s - 1e-6:
            problems.append(f"{rec['norad_id']}: track {length} s shorter than min_track_s")
        offsets = np.arange(0.0, length + 1e-9, 0.5)
        t = skyfield_time(t0.shift_seconds(offsets))
        topo = (sat - here).at(t)
        alt, az, distance = topo.altaz()
        el, azd = alt.degrees, az.degrees
        floor = mask_floor(tel, azd)
        if site.horizon is not None:  # the site's own mask too, written out the same way
            site_mask = Telescope(**{**vars(tel), "min_elevation_deg": -90.0,
                                     "horizon_mask": tuple(map(tuple,
                                                               site.horizon.as_list()))})
            floor = np.maximum(floor, mask_floor(site_mask, azd))
        if np.any(el < floor - 1e-3) or np.any(el > tel.max_elevation_deg + 1e-3):
            problems.append(f"{rec['norad_id']}: elevation outside limits/mask "
                            f"({el.min():.3f}..{el.max():.3f})")
        if not np.all(sat.at(t).is_sunlit(eph)):
            problems.append(f"{rec['norad_id']}: not sunlit during the track")
        sun_alt = observer.at(t).observe(eph["sun"]).apparent().altaz()[0].degrees
        if np.any(sun_alt > sun_limit + 0.05):
            problems.append(f"{rec['norad_id']}: sky not dark (Sun {sun_alt.max():.2f} deg)")
        # angular rate from directions 0.1 s apart
        t_b = skyfield_time(t0.shift_seconds(offsets + 0.1))
        alt_b, az_b, _ = (sat - here).at(t_b).altaz()
        u = _unit(el, azd)
        ub = _unit(alt_b.degrees, az_b.degrees)
        rate = np.degrees(np.arccos(np.clip(np.sum(u * ub, axis=1), -1, 1))) / 0.1
        if np.any(rate > tel.max_tracking_rate_deg_s + 1e-3):
            problems.append(f"{rec['norad_id']}: rate {rate.max():.3f} deg/s above the mount's")
        sun_pos = eph["sun"].at(t).position.km - eph["earth"].at(t).position.km
        obj = sat.at(t).position.km
        obs = observer.at(t).position.km - eph["earth"].at(t).position.km
        to_sun, to_obs = sun_pos - obj, obs - obj
        cos_phase = np.sum(to_sun * to_obs, axis=0) / (np.linalg.norm(to_sun, axis=0)
                                                       * np.linalg.norm(to_obs, axis=0))
        mag = magnitude(std[k], distance.km, np.arccos(np.clip(cos_phase, -1, 1)),
                        weight[k])
        if np.any(mag > tel.limiting_magnitude + 0.01):
            problems.append(f"{rec['norad_id']}: magnitude {mag.max():.2f} fainter than limit")
        start_axes = np.array([azd[0], el[0]])
        end_axes = np.array([azd[-1], el[-1]])
        if tel.name in last:
            prev_end, prev_axes = last[tel.name]
            gap = t0.seconds_since(prev_end)[0]
            need = slew_seconds(tel, prev_axes, start_axes)
            if gap < need - 0.05:
                problems.append(f"{rec['norad_id']}: {gap:.2f} s after the previous track, "
                                f"slew needs {need:.2f} s")
        last[tel.name] = (to_times(rec["end_utc"]), end_axes)
    return problems


def _unit(el_deg, az_deg):
    el, az = np.radians(el_deg), np.radians(az_deg)
    return np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=1)


@pytest.fixture(scope="module")
def night():
    site = get_site("dushanbe")
    return site, night_window(site, "2024-11-01")


@pytest.fixture(scope="module")
def example_schedule(leo_sample, night):
    site, (start, end) = night
    telescopes = load_telescopes(EXAMPLE)
    table, tracks = schedule_night(leo_sample, site, start, end, telescopes,
                                   improvement_rounds=100)
    return table, tracks, telescopes


def test_example_night_passes_the_checker(example_schedule, leo_sample, night):
    table, _, telescopes = example_schedule
    info = table.meta["telescopes"]["dushanbe_05m"]
    assert len(table) >= 5 and info["observations"] == len(table)
    assert info["objective"] >= info["objective_greedy"]
    assert check_schedule(table, leo_sample, night[0], telescopes) == []
    starts = table["start_utc"].seconds_since(table["start_utc"][0])
    assert np.all(np.diff(starts) > 0)  # time-ordered


def test_schedule_behind_a_ridge_passes_the_checker(leo_sample, night):
    """A site with a horizon mask (a 35° wall from east to south-east, 30° in the west): every
    track clears it, by the checker's own reading of the mask; the ridge costs tracks."""
    import dataclasses

    from debris.horizon import horizon_from_points

    site, (start, end) = night
    ridge = horizon_from_points([[0, 5], [60, 5], [70, 35], [150, 35], [160, 5], [250, 30],
                                 [290, 30], [300, 5]])
    walled = dataclasses.replace(site, horizon=ridge)
    telescopes = load_telescopes(EXAMPLE)
    table, _ = schedule_night(leo_sample, walled, start, end, telescopes,
                              improvement_rounds=20)
    assert len(table) >= 3
    assert check_schedule(table, leo_sample, walled, telescopes) == []
    az = np.concatenate([table["start_azimuth_deg"], table["end_azimuth_deg"]])
    el = np.concatenate([table["start_elevation_deg"], table["end_elevation_deg"]])
    assert np.all(el >= ridge(az) - 1e-6)


def test_given_passes_give_the_same_schedule(example_schedule, leo_sample, night):
    # A caller that already has the night's passes (the nightly run) hands them over: the
    # schedule is the one the schedule's own pass search gives, without a second search.
    table, _, telescopes = example_schedule
    site, (start, end) = night
    passes = find_passes(leo_sample, [site, get_site("hissar")], start, end,
                         min_elevation_deg=telescopes[0].min_elevation_deg)
    again, _ = schedule_night(leo_sample, site, start, end, telescopes, passes=passes,
                              improvement_rounds=100)
    assert again.meta["telescopes"] == table.meta["telescopes"]
    assert again["norad_id"].tolist() == table["norad_id"].tolist()
    assert np.array_equal(again["start_utc"].seconds_since(start),
                          table["start_utc"].seconds_since(start))


def test_checker_catches_a_violation(example_schedule, leo_sample, night):
    # the checker is not vacuous: a faster tracking limit than the schedule used is caught
    table, _, telescopes = example_schedule
    strict = [Telescope(**{**vars(telescopes[0]), "max_tracking_rate_deg_s": 0.01})]
    assert any("rate" in p for p in check_schedule(table, leo_sample, night[0], strict))
    dim = [Telescope(**{**vars(telescopes[0]), "limiting_magnitude": 0.0})]
    assert any("magnitude" in p for p in check_schedule(table, leo_sample, night[0], dim))


def test_weights_steer_the_schedule(leo_sample, night):
    site, (start, end) = night
    telescopes = load_telescopes(EXAMPLE)
    # every object at standard magnitude 8 (the old debris default): more objects than the
    # night holds (with the SATCAT RCS or the LEO defaults the sample's small debris fall
    # below the limit and every object with a window fits)
    typed = StandardMagnitudes(table={k: 8.0 for k in leo_sample.norad_id.tolist()})
    plain, _ = schedule_night(leo_sample, site, start, end, telescopes, improvement_rounds=0,
                              std_mag_table=typed)
    info = plain.meta["telescopes"]["dushanbe_05m"]
    assert info["objects_with_windows"] > len(plain)  # some objects were left out
    chosen = set(plain["norad_id"].tolist())
    left_out = set(leo_sample.norad_id.tolist()) - chosen
    weighted, _ = schedule_night(leo_sample, site, start, end, telescopes,
                                 weights={n: 100.0 for n in left_out}, improvement_rounds=0,
                                 std_mag_table=typed)
    # heavier objects take windows the plain schedule gave to others
    assert set(weighted["norad_id"].tolist()) & left_out
    assert weighted.meta["telescopes"]["dushanbe_05m"]["objective"] > info["objective"]
    assert set(weighted["weight"].tolist()) <= {1.0, 100.0}


#: Random nights drawn by hypothesis (README, "Claims and their tests").
RANDOM_NIGHTS = 50


@settings(max_examples=RANDOM_NIGHTS, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), min_el=st.floats(10, 40), rate=st.floats(0.3, 2.0),
       slew=st.floats(1.0, 12.0), accel=st.one_of(st.none(), st.floats(0.5, 6.0)),
       settle=st.floats(0.0, 10.0), limit=st.floats(7.0, 14.0), track=st.floats(5.0, 60.0))
def test_random_small_nights_never_violate(leo_sample, night, seed, min_el, rate, slew, accel,
                                           settle, limit, track):
    site, (start, end) = night
    rng = np.random.default_rng(seed)
    cat = leo_sample.subset(np.sort(rng.choice(len(leo_sample), 80, replace=False)))
    tel = Telescope(name="t", mount="altaz", min_elevation_deg=min_el,
                    max_slew_rate_deg_s=slew, max_tracking_rate_deg_s=rate,
                    limiting_magnitude=limit, min_track_s=track,
                    max_slew_acceleration_deg_s2=accel, settle_time_s=settle,
                    horizon_mask=((0.0, min_el + 5.0), (180.0, min_el)))
    table, _ = schedule_night(cat, site, start, start.shift_seconds(4 * 3600.0), [tel],
                              improvement_rounds=20, seed=seed)
    assert check_schedule(table, cat, site, [tel]) == []


def test_slew_model():
    tel = Telescope(name="t", mount="altaz", min_elevation_deg=10, max_slew_rate_deg_s=5.0,
                    max_tracking_rate_deg_s=1, limiting_magnitude=12, min_track_s=10,
                    max_slew_acceleration_deg_s2=1.0, settle_time_s=2.0)
    # 100 deg in azimuth: accelerate 5 s (12.5 deg), cruise, decelerate: 100/5 + 5 + settle
    assert float(slew_time_s(tel, [10.0, 30.0], [110.0, 30.0])) == pytest.approx(27.0)
    # short move: never reaches full rate: 2 sqrt(d / a)
    assert float(slew_time_s(tel, [0.0, 30.0], [0.0, 34.0])) == pytest.approx(4.0 + 2.0)
    # azimuth wraps the short way round
    assert float(slew_time_s(tel, [355.0, 30.0], [5.0, 30.0])) == pytest.approx(
        2 * math.sqrt(10.0) + 2.0)


@pytest.mark.parametrize("text, message", [
    ("[telescopes.a]\nmount = 'altaz'\n", "missing key 'min_elevation_deg'"),
    ("[telescopes.a]\nmount = 'dobson'\n", "mount = 'dobson'; expected 'altaz' or 'equatorial'"),
    (EXAMPLE.read_text().replace("max_slew_rate_deg_s = 10.0", "max_slew_rate_deg_s = -3"),
     "max_slew_rate_deg_s = -3; expected a positive number of degrees per second"),
    (EXAMPLE.read_text().replace("max_slew_rate_deg_s", "max_slew_rate_rad_s"),
     "unknown key 'max_slew_rate_rad_s'"),
    (EXAMPLE.read_text().replace("min_track_s = 30", "min_track_s = '30 s'"),
     "min_track_s = '30 s'; expected a positive number of seconds"),
    (EXAMPLE.read_text().replace("horizon_mask = [[0, 22]", "horizon_mask = [[0]"),
     "horizon_mask"),
    ("not toml = = 1", "not valid TOML"),
    ("[other]\nx = 1\n", "no [telescopes.NAME] or [telescope] table"),
])
def test_bad_telescope_files_name_the_key(tmp_path, text, message):
    from debris.telescope import TelescopeFileError

    path = tmp_path / "scope.toml"
    path.write_text(text)
    with pytest.raises(TelescopeFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_telescopes(path)


def test_small_nights_against_the_exhaustive_search(leo_sample, night):
    # On nights small enough to search every order, the exhaustive optimum bounds the
    # heuristics from above, the final plan is that optimum, and the checker accepts it.
    site, (start, end) = night
    tel = Telescope(name="t", mount="altaz", min_elevation_deg=25, max_slew_rate_deg_s=2.0,
                    max_tracking_rate_deg_s=1.0, limiting_magnitude=9.0, min_track_s=40,
                    max_slew_acceleration_deg_s2=0.5, settle_time_s=8.0)
    seen_exact = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        cat = leo_sample.subset(np.sort(rng.choice(len(leo_sample), 60, replace=False)))
        table, _ = schedule_night(cat, site, start, start.shift_seconds(3 * 3600.0), [tel],
                                  improvement_rounds=30, seed=seed)
        info = table.meta["telescopes"]["t"]
        if info["objective_exact"] is None:
            continue
        seen_exact += 1
        assert info["objective_greedy"] <= info["objective_local_search"] <= \
            info["objective_exact"] + 1e-9
        assert info["objective"] == pytest.approx(info["objective_exact"])
        assert check_schedule(table, cat, site, [tel]) == []
    assert seen_exact >= 3


def test_the_checkers_models_agree_with_debris():
    """The checker's own mask, magnitude and slew (above) and debris' agree, so a schedule
    that passes the checker obeys the documented models."""
    from debris.magnitude import visual_magnitude

    tel = load_telescopes(EXAMPLE)[0]
    rng = np.random.default_rng(3)
    az = rng.uniform(-720, 720, 500)
    assert np.allclose(mask_floor(tel, az), tel.mask_elevation_deg(az), atol=1e-9)
    std, dist, phase = rng.uniform(2, 9, 500), rng.uniform(300, 3000, 500), rng.uniform(
        0, 3.1, 500)
    assert np.allclose(magnitude(std, dist, phase), visual_magnitude(std, dist, phase),
                       atol=1e-9)
    for _ in range(500):
        a, b = rng.uniform([-360, 0], [720, 90]), rng.uniform([-360, 0], [720, 90])
        assert slew_seconds(tel, a, b) == pytest.approx(float(slew_time_s(tel, a, b)),
                                                        abs=1e-9)


class _Wide:
    """A position uncertainty model of 6 km along the track at any age (an object being
    lost), with the fixed model's radial and normal sigmas."""

    source = "history"

    def sigma_km(self, age_days):
        return np.array([0.1, 6.0, 0.1])


def test_tracks_widen_to_the_timing_error_and_lost_objects_count_double(example_schedule,
                                                                        leo_sample, night):
    """Every track is min_track_s plus 3 timing sigmas on each side (the fixed model: a few
    tenths of a second for a day-old set); an object 6 km uncertain along its track (0.8 s)
    gets a track 5 s longer and its error is beyond half the field of a 0.5 deg telescope;
    where every object's error is beyond the field, every track is worth twice its weight."""
    site, (start, end) = night
    table, _, telescopes = example_schedule
    length = (table["end_utc"].seconds_since(start) - table["start_utc"].seconds_since(start))
    expected = np.ceil(telescopes[0].min_track_s + 6.0 * np.asarray(table["time_sigma_s"]))
    assert np.allclose(length, expected)
    assert np.median(np.asarray(table["time_sigma_s"])) < 0.5
    assert not np.asarray(table["outgrown_field"]).any()  # the example gives no field
    typed = StandardMagnitudes(table={k: 8.0 for k in leo_sample.norad_id.tolist()})
    plain, _ = schedule_night(leo_sample, site, start, end, telescopes, improvement_rounds=0,
                              std_mag_table=typed)
    tiny = [Telescope(**{**vars(telescopes[0]), "field_of_view_deg": 1e-4})]
    lost, _ = schedule_night(leo_sample, site, start, end, tiny, improvement_rounds=0,
                             std_mag_table=typed)
    assert np.asarray(lost["outgrown_field"]).all()
    assert lost["norad_id"].tolist() == plain["norad_id"].tolist()
    assert lost.meta["telescopes"]["dushanbe_05m"]["objective"] == pytest.approx(
        2 * plain.meta["telescopes"]["dushanbe_05m"]["objective"])
    small = [Telescope(**{**vars(telescopes[0]), "field_of_view_deg": 0.5})]
    for norad in plain["norad_id"].tolist():
        wide, _ = schedule_night(leo_sample, site, start, end, small, improvement_rounds=0,
                                 std_mag_table=typed, uncertainty={norad: _Wide()})
        rows = wide.take(wide["norad_id"] == norad)
        if len(rows):
            break
    assert len(rows) == 1 and bool(rows["outgrown_field"][0])
    sigma = float(rows["time_sigma_s"][0])
    assert 0.7 < sigma < 1.1  # 6 km at 6-8 km/s
    span = rows["end_utc"].seconds_since(start) - rows["start_utc"].seconds_since(start)
    assert span[0] == pytest.approx(np.ceil(small[0].min_track_s + 6.0 * sigma), abs=1e-6)
    assert check_schedule(wide, leo_sample, site, small, std_mag_table=typed) == []
