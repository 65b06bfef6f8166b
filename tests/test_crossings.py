"""Field-of-view crossings against brute force (exact SGP4 every second) and Skyfield."""

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from debris import earth_orientation, get_site, time_range, to_times, topocentric
from debris.passes import find_crossings
from debris.propagation import propagate
from debris.timescale import skyfield_time, skyfield_timescale

START = "2024-11-01T16:00:00Z"
HOURS = 2.0
RA, DEC, RADIUS = 5.0, 38.5, 5.0  # near the zenith of Dushanbe at 17:00 UTC
ONE_ARCSEC_DEG = 1.0 / 3600.0


@pytest.fixture(scope="module")
def objects(bundled):
    leo = bundled.filter(leo=True)
    rng = np.random.default_rng(7)
    return leo.subset(np.sort(rng.choice(len(leo), 1500, replace=False)))


@pytest.fixture(scope="module")
def crossings(objects):
    end = to_times(START).shift_seconds(HOURS * 3600)
    return find_crossings(objects, get_site("dushanbe"), START, end, radius_deg=RADIUS,
                          ra_deg=RA, dec_deg=DEC)


def _separation_deg(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = map(np.radians, (ra1, dec1, ra2, dec2))
    c = np.sin(dec1) * np.sin(dec2) + np.cos(dec1) * np.cos(dec2) * np.cos(ra1 - ra2)
    return np.degrees(np.arccos(np.clip(c, -1, 1)))


def test_brute_force_every_second_finds_nothing_more(objects, crossings):
    site = get_site("dushanbe")
    dense = time_range(START, hours=HOURS, step_s=1.0)
    t0 = to_times(START)
    eo = earth_orientation(dense)
    found = 0
    for a in range(0, len(objects), 300):
        part = objects.subset(np.arange(a, min(a + 300, len(objects))))
        st = propagate(part, dense, backend="sgp4")
        topo = topocentric(st.r_teme_km, st.v_teme_km_s, eo, site)
        sep = _separation_deg(topo.ra_deg, topo.dec_deg, RA, DEC)
        inside = (sep <= RADIUS) & (topo.elevation_deg >= 0)
        for i in np.flatnonzero(inside.any(axis=1)):
            found += 1
            mine = crossings.take(crossings["norad_id"] == part.norad_id[i])
            assert len(mine), f"NORAD {part.norad_id[i]} crosses the circle but was not found"
            # a crossing cut by the window has no entry (exit): it runs from the start (to the end)
            entry = np.nan_to_num(mine["entry_utc"].seconds_since(t0), nan=0.0)
            exit_ = np.nan_to_num(mine["exit_utc"].seconds_since(t0), nan=HOURS * 3600.0)
            for k in np.flatnonzero(inside[i]):
                assert np.any((entry - 1e-3 <= k) & (k <= exit_ + 1e-3)), (part.norad_id[i], k)
            # the closest separation is at most the dense minimum
            assert mine["min_separation_deg"].min() <= sep[i][inside[i]].min() + ONE_ARCSEC_DEG
    assert found >= 5


def test_closest_separation_agrees_with_skyfield(objects, crossings):
    site = get_site("dushanbe")
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    ts = skyfield_timescale()
    assert len(crossings) >= 5
    for row in crossings.records():
        sat = EarthSatellite.from_satrec(objects.satrecs[objects.index_of(row["norad_id"])], ts)
        t = to_times(row["closest_utc"])
        probe = skyfield_time(t.shift_seconds(np.array([-0.5, 0.0, 0.5])))
        ra, dec, _ = (sat - here).at(probe).radec()
        sep = _separation_deg(ra._degrees, dec.degrees, RA, DEC)
        # allow the object's motion in 0.5 ms (the time resolution of the output)
        slack = row["angular_rate_deg_s"] * 0.0005
        assert abs(sep[1] - row["min_separation_deg"]) <= ONE_ARCSEC_DEG + slack
        assert sep[0] >= sep[1] - 1e-9 and sep[2] >= sep[1] - 1e-9  # a true minimum
        assert row["entry_utc"] < row["closest_utc"] < row["exit_utc"]


def test_fixed_altaz_stare_and_bad_arguments(objects):
    site = get_site("dushanbe")
    end = to_times(START).shift_seconds(3600)
    table = find_crossings(objects, site, START, end, radius_deg=5.0, az_deg=0.0, el_deg=89.0)
    assert set(table.names) >= {"entry_utc", "closest_utc", "exit_utc", "min_separation_deg"}
    assert np.all(table["closest_elevation_deg"] > 83.0)
    with pytest.raises(ValueError, match="either --ra-deg and --dec-deg, or --az-deg"):
        find_crossings(objects, site, START, end, radius_deg=1.0, ra_deg=1.0)
    with pytest.raises(ValueError, match="radius_deg = 0.0 deg is outside the range"):
        find_crossings(objects, site, START, end, radius_deg=0.0, az_deg=0.0, el_deg=90.0)


def test_crossing_cut_by_the_window_has_no_entry(objects, crossings):
    # Start the window in the middle of a reported crossing: its entry must be null.
    row = crossings.records()[0]
    start = to_times(row["closest_utc"])
    end = start.shift_seconds(600)
    again = find_crossings(objects.filter(norad_ids=[row["norad_id"]]), get_site("dushanbe"),
                           start, end, radius_deg=RADIUS, ra_deg=RA, dec_deg=DEC)
    assert len(again) >= 1
    first = again.records()[0]
    assert first["entry_utc"] is None
    # the same exit, to the Hermite accuracy of a differently placed grid
    gap = to_times(first["exit_utc"]).seconds_since(to_times(row["exit_utc"]))[0]
    assert abs(gap) < 0.01
