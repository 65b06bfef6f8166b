"""Topocentric geometry and the Sun against Skyfield on real catalogue objects.

Reference: Skyfield's EarthSatellite, ``(sat - site).at(t)`` with ``altaz()``, ``radec()``,
``distance()``, ``frame_latlon_and_rates()`` and ``is_sunlit()``, using the same built-in
timescale (UT1) and, with polar motion, the same IERS table.
"""

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from debris import earth_orientation, get_site, propagate, time_range, topocentric
from debris.frames import teme_to_gcrs
from debris.sun import ephemeris, is_sunlit, sun_altitude_deg, sun_position_gcrs_km
from debris.timescale import skyfield_time, skyfield_timescale

ONE_ARCSEC_DEG = 1.0 / 3600.0
ONE_M_KM = 1e-3
ONE_MM_S_KM_S = 1e-6


@pytest.fixture(scope="module")
def grid():
    # 100 times over 3 days around the catalogue epoch
    return time_range("2024-10-31T00:00:00Z", hours=72, step_s=72 * 3600 / 99)


def _wrap_deg(x):
    return (x + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize("polar_motion", [False, True])
@pytest.mark.parametrize("site_name", ["dushanbe", "sanglokh"])
def test_topocentric_agrees_with_skyfield(leo_sample, grid, site_name, polar_motion):
    sats = leo_sample.subset(np.arange(200))
    site = get_site(site_name)
    eo = earth_orientation(grid, polar_motion=polar_motion)
    states = propagate(sats, grid)
    topo = topocentric(states.r_teme_km, states.v_teme_km_s, eo, site)
    ts = skyfield_timescale(polar_motion)
    t = skyfield_time(grid, polar_motion)
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    worst = np.zeros(6)
    for i, satrec in enumerate(sats.satrecs):
        ok = states.error[i] == 0
        diff = (EarthSatellite.from_satrec(satrec, ts) - here).at(t)
        alt, az, dist = diff.altaz()
        ra, dec, _ = diff.radec()
        *_, range_rate = diff.frame_latlon_and_rates(here)
        cos_el = np.cos(alt.radians)
        worst = np.maximum(worst, [
            np.max(np.abs(_wrap_deg(topo.azimuth_deg[i] - az.degrees) * cos_el)[ok]),
            np.max(np.abs(topo.elevation_deg[i] - alt.degrees)[ok]),
            np.max(np.abs(topo.range_km[i] - dist.km)[ok]),
            np.max(np.abs(_wrap_deg(topo.ra_deg[i] - ra._degrees) * np.cos(dec.radians))[ok]),
            np.max(np.abs(topo.dec_deg[i] - dec.degrees)[ok]),
            np.max(np.abs(topo.range_rate_km_s[i] - range_rate.km_per_s)[ok]),
        ])
    assert worst[0] <= ONE_ARCSEC_DEG and worst[1] <= ONE_ARCSEC_DEG
    assert worst[3] <= ONE_ARCSEC_DEG and worst[4] <= ONE_ARCSEC_DEG
    assert worst[2] <= ONE_M_KM
    assert worst[5] <= ONE_MM_S_KM_S * 10  # 1 cm/s


def test_polar_motion_changes_little(leo_sample, grid):
    # Polar motion (~0.3") moves a site by ~10 m; seen from the site a LEO object shifts by
    # arcseconds at most. This bounds the effect of leaving it off (the default).
    sats = leo_sample.subset(np.arange(100))
    states = propagate(sats, grid)
    site = get_site("dushanbe")
    off = topocentric(states.r_teme_km, states.v_teme_km_s, earth_orientation(grid), site)
    on = topocentric(states.r_teme_km, states.v_teme_km_s,
                     earth_orientation(grid, polar_motion=True), site)
    above = off.elevation_deg > 0
    d_el = np.max(np.abs(on.elevation_deg - off.elevation_deg)[above]) * 3600
    assert 0.01 < d_el < 30.0


def test_sunlit_agrees_with_skyfield(leo_sample, grid):
    sats = leo_sample.subset(np.arange(200))
    eo = earth_orientation(grid)
    states = propagate(sats, grid)
    r_gcrs, _ = teme_to_gcrs(states.r_teme_km, states.v_teme_km_s, eo)
    mine = is_sunlit(r_gcrs, sun_position_gcrs_km(grid))
    ts = skyfield_timescale()
    t = skyfield_time(grid)
    eph = ephemeris()
    for i, satrec in enumerate(sats.satrecs):
        ok = states.error[i] == 0
        ref = EarthSatellite.from_satrec(satrec, ts).at(t).is_sunlit(eph)
        np.testing.assert_array_equal(mine[i][ok], ref[ok])
    assert 0.2 < mine.mean() < 0.95


def test_sun_altitude_agrees_with_skyfield(grid):
    site = get_site("hissar")
    eph = ephemeris()
    here = eph["earth"] + wgs84.latlon(site.latitude_deg, site.longitude_deg,
                                       elevation_m=site.altitude_m)
    alt = here.at(skyfield_time(grid)).observe(eph["sun"]).apparent().altaz()[0].degrees
    # geometric (debris) vs apparent (Skyfield: light time + aberration, ~20")
    assert np.max(np.abs(sun_altitude_deg(grid, site) - alt)) < 0.01
