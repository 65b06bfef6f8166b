"""Geometry, orbit fits and initial orbits, against references that are not debris' own:
Skyfield for topocentric directions, precise SLR/CPF orbits and python-sgp4 for truth,
Curtis' worked example for Gauss's method, satfit's elements for real observations."""

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from debris import Catalog, find_passes, get_site, time_range
from debris.frames import earth_orientation
from debris.observations import (fit_orbit, gauss_orbit, initial_orbit, load_stations,
                                 observation_geometry, read_cpf, read_observations, read_sp3,
                                 read_station_list, residuals, sgp4_truth, simulate_observations,
                                 simulate_tracks)
from debris.observations.elements import mean_elements_from_state, satrec_from_x, x_from_satrec
from debris.observations.reduction import LIGHT_KM_S, tangent_offsets
from debris.observations.tracks import group_tracks
from debris.sites import Site
from debris.timescale import skyfield_time, skyfield_timescale

OBS = "observations"
#: SAAO Sutherland, South Africa (Stella is in darkness-and-sunlight there in December).
SUTHERLAND = Site("sutherland", -32.3783, 20.8117, 1798.0)

#: The README's figures ("Observations" table), asserted at the precision it states them
#: (half a unit of the last digit); tests/test_readme.py checks that the README prints these.
SGP4_UNROUNDED_M, SGP4_ROUNDED_M, SGP4_RMS_ARCSEC = 3, 10, 2.7
STELLA_ARC_KM, STELLA_NEXT_DAY_KM, STELLA_RMS_ARCSEC = 0.88, 0.85, 24
JASON3_ARC_KM, JASON3_NEXT_DAY_KM, JASON3_RMS_ARCSEC = 3.6, 3.8, 30


def _stated(value, figure, decimals):
    """Whether `value` is `figure` as the README writes it, with `decimals` decimals."""
    return abs(value - figure) <= 0.5 * 10.0 ** -decimals


def _geometry(table, site, code):
    stations = load_stations()
    stations[code] = site
    return observation_geometry(table, stations)


def test_directions_agree_with_skyfield(bundled):
    """debris' predicted direction (light time off) is Skyfield's (sat - topos) RA/Dec to
    0.01"; with light time it moves by |v_perp| * range / c / range, as it should."""
    sat = bundled.satrecs[bundled.index_of(25544)]
    site = get_site("sanglokh")
    t = time_range("2024-11-01T00:00:00Z", hours=24, step_s=60)
    topos = wgs84.latlon(site.latitude_deg, site.longitude_deg, site.altitude_m)
    app = (EarthSatellite.from_satrec(sat, skyfield_timescale()) - topos).at(skyfield_time(t))
    up = app.altaz()[0].degrees > 0
    ra, dec, _ = app.radec()
    table = simulate_observations(np.full((len(t), 3), 1e4), t, site, "S", noise_arcsec=0)
    table.columns["ra_deg"], table.columns["dec_deg"] = ra._degrees, dec.degrees
    g = _geometry(table, site, "S")
    _, r, v = sat.sgp4_array(t.jd, t.fr)
    u, w, rng = g.predict(r, v, light_time=False)
    assert tangent_offsets(g.u_obs, u, w)["separation_arcsec"][up].max() < 0.01
    u2, w2, _ = g.predict(r, v)
    shift = tangent_offsets(u, u2, w2)["separation_arcsec"][up]
    expected = np.linalg.norm(w, axis=1)[up] * rng[up] / LIGHT_KM_S / (np.pi / 648000)
    assert np.allclose(shift, expected, rtol=0.1)  # w also holds the site's 0.4 km/s
    assert 1.0 < shift.max() < 20.0  # arcseconds at LEO ranges


def _site_and_lines(ra, dec, lst, mu=398600.0, re=6378.0, f=0.003353, h=1.0, phi=40.0):
    """Curtis' Example 5.11 observer (Eq. 5.56: oblate Earth, latitude 40 deg, 1 km)."""
    phi = np.radians(phi)
    c = re / np.sqrt(1 - (2 * f - f * f) * np.sin(phi) ** 2)
    z = (re * (1 - f) ** 2 / np.sqrt(1 - (2 * f - f * f) * np.sin(phi) ** 2) + h) * np.sin(phi)
    th = np.radians(lst)
    site = np.stack([(c + h) * np.cos(phi) * np.cos(th), (c + h) * np.cos(phi) * np.sin(th),
                     np.full(3, z)], axis=1)
    a, d = np.radians(ra), np.radians(dec)
    lines = np.stack([np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)], axis=1)
    return site, lines


def test_gauss_reproduces_curtis_examples():
    """Curtis, Orbital Mechanics for Engineering Students, Examples 5.11-5.12 (the data at
    the precision of the book's published scripts): the printed site vector and line of
    sight, and the improved state r2 = 5662.1 I + 6538.0 J + 3269.0 K km,
    v2 = -3.8856 I + 5.1214 J - 2.2433 K km/s, whose orbit is h = 62,818 km^2/s, e = 0.1000,
    i = 30.000 deg, RA of node 270.00 deg, a = 10,000 km."""
    site, lines = _site_and_lines([43.537, 54.420, 64.318], [-8.7833, -12.074, -15.105],
                                  [44.506, 45.000, 45.499])
    assert np.allclose(site[0], [3489.8, 3430.2, 4078.5], atol=0.05)
    assert np.allclose(lines[0], [0.71643, 0.68074, -0.15270], atol=5e-6)
    site, lines = _site_and_lines([43.5365, 54.4196, 64.3178], [-8.78334, -12.0739, -15.1054],
                                  [44.5065, 45.000, 45.4992])
    r, v = gauss_orbit([0.0, 118.104, 237.577], lines, site, mu=398600.0)
    assert np.allclose(r, [5662.1, 6538.0, 3269.0], atol=0.1)
    assert np.allclose(v, [-3.8856, 5.1214, -2.2433], atol=3e-4)
    h = np.cross(r, v)
    e = np.cross(v, h) / 398600.0 - r / np.linalg.norm(r)
    a = 1.0 / (2.0 / np.linalg.norm(r) - v @ v / 398600.0)
    assert np.linalg.norm(h) == pytest.approx(62818, abs=2)
    assert np.linalg.norm(e) == pytest.approx(0.1000, abs=1e-4)
    assert np.degrees(np.arccos(h[2] / np.linalg.norm(h))) == pytest.approx(30.000, abs=0.002)
    assert np.degrees(np.arctan2(h[0], -h[1])) % 360 == pytest.approx(270.00, abs=0.005)
    assert a == pytest.approx(10000, abs=1.0)


def test_fit_recovers_generating_elements_from_100_km_along_track(bundled):
    """SGP4-generated observations of an SL-8 rocket body (2" noise, 5-minute tracks over
    two and a half days at Sanglokh, about 300 observations): from elements 100 km ahead
    along the track the fit converges to the generating orbit, positions within 5 m over
    the arc (3 m here; 10 m once rounded to TLE precision)."""
    sat = bundled.satrecs[bundled.index_of(4391)]
    site = get_site("sanglokh")
    obs = simulate_tracks(sgp4_truth(sat), site, "193", "2024-11-01T12:00:00Z", 60,
                          track_s=300, noise_arcsec=2.0, rng=1)
    assert len(obs) >= 200
    x = x_from_satrec(sat)
    x[5] += 100.0 / (np.linalg.norm(sat.sgp4(sat.jdsatepoch, sat.jdsatepochF)[1]))
    start = satrec_from_x(x, sat.jdsatepoch, sat.jdsatepochF, 4391)
    g = _geometry(obs, site, "193")
    fit = fit_orbit(g, start, sigma_arcsec=obs["sigma_arcsec"], norad_id=4391,
                    intl_designator=str(bundled.intl_designator[bundled.index_of(4391)]))
    assert fit.converged and fit.used.sum() >= 0.97 * len(obs)  # 3-sigma rule: ~1 % out
    assert _stated(fit.rms_arcsec, SGP4_RMS_ARCSEC, 1)  # 2" per axis: 2.8" expected
    t = obs["time"]
    truth = sat.sgp4_array(t.jd, t.fr)[1]
    unrounded = np.linalg.norm(fit.unrounded.sgp4_array(t.jd, t.fr)[1] - truth, axis=1).max()
    rounded = np.linalg.norm(fit.satrec.sgp4_array(t.jd, t.fr)[1] - truth, axis=1).max()
    assert _stated(unrounded * 1e3, SGP4_UNROUNDED_M, 0) and unrounded < 5e-3
    assert _stated(rounded * 1e3, SGP4_ROUNDED_M, 0)
    assert fit.tle_line1.startswith("1 04391U 70")


def _precise_case(orbit, site, hours):
    """Observations of a precise orbit, the fit from 100 km off, and its position errors
    (km, RMS) over the arc and over the day after the last observation."""
    obs = simulate_tracks(orbit.gcrs_at, site, "SIM", orbit.times.iso()[0], hours, rng=2)
    t0 = obs["time"][:1]
    r0, v0 = orbit.gcrs_at(t0)
    to_teme = earth_orientation(t0).gcrs_to_teme[0]
    x = mean_elements_from_state(to_teme @ r0[0], to_teme @ v0[0], t0.jd[0], t0.fr[0])
    x[5] += 100.0 / np.linalg.norm(r0[0])
    fit = fit_orbit(_geometry(obs, site, "SIM"), satrec_from_x(x, t0.jd[0], t0.fr[0], 1),
                    sigma_arcsec=obs["sigma_arcsec"])
    span = obs["time"].seconds_since(obs["time"]).max()
    errors = []
    for a, b in ((0.0, span), (span, span + 86400.0)):
        t = time_range(obs["time"][:1].shift_seconds(a), obs["time"][:1].shift_seconds(b),
                       step_s=60)
        _, r, _ = fit.satrec.sgp4_array(t.jd, t.fr)
        eo = earth_orientation(t)
        diff = np.einsum("nij,nj->ni", eo.teme_to_gcrs, r) - orbit.gcrs_at(t)[0]
        errors.append(float(np.sqrt(np.mean(np.sum(diff ** 2, axis=1)))))
    return obs, fit, errors


def test_fit_against_the_stella_slr_orbit(data_dir):
    """Stella (SP3 by the NERC SGF), two nights from Sutherland, 2" noise, 2-minute tracks:
    README figures: 0.88 km RMS over the arc (two days), 0.85 km over the next day; residual
    RMS 24" (SGP4's own model error, ~100 m at these ranges; one night alone fits at 3.5")."""
    orbit = read_sp3(data_dir / OBS / "precise_orbits" / "nsgf.orb.stella.v00.sp3")
    obs, fit, (arc, beyond) = _precise_case(orbit, SUTHERLAND, 88)
    assert len(obs) == 52 and fit.converged and fit.ok
    assert _stated(arc, STELLA_ARC_KM, 2) and _stated(beyond, STELLA_NEXT_DAY_KM, 2)
    assert _stated(fit.rms_arcsec, STELLA_RMS_ARCSEC, 0)


def test_fit_against_the_jason3_prediction(data_dir):
    """Jason-3 (ILRS CPF), three nights from Sanglokh: README figures 3.6 km RMS over the
    arc, 3.8 km over the next day, residual RMS 30"."""
    orbit = read_cpf(data_dir / OBS / "precise_orbits" / "jason3_cpf_180613_16401.cne")
    obs, fit, (arc, beyond) = _precise_case(orbit, get_site("sanglokh"), 72)
    assert len(obs) == 91 and fit.converged and fit.ok
    assert _stated(arc, JASON3_ARC_KM, 1) and _stated(beyond, JASON3_NEXT_DAY_KM, 1)
    assert _stated(fit.rms_arcsec, JASON3_RMS_ARCSEC, 0)


#: Median squared Mahalanobis distance of the fit's position errors against the precise
#: orbit, over the arc and over the next day (README, "How wrong"): (arc, next day).
FIT_D2 = {"stella": (3.9, 3.0), "jason3": (1.6, 2.0)}


def _fit_d2(orbit, obs, fit):
    """Median d2 of the fit's position error (RTN) at its position covariance, every 10 min
    over the arc and over the next day."""
    span = obs["time"].seconds_since(obs["time"]).max()
    out = []
    for a, b in ((0.0, span), (span, span + 86400.0)):
        t = time_range(obs["time"][:1].shift_seconds(a), obs["time"][:1].shift_seconds(b),
                       step_s=600)
        _, r, v = fit.satrec.sgp4_array(t.jd, t.fr)
        m = earth_orientation(t).teme_to_gcrs
        rg, vg = np.einsum("nij,nj->ni", m, r), np.einsum("nij,nj->ni", m, v)
        radial = rg / np.linalg.norm(rg, axis=1, keepdims=True)
        normal = np.cross(rg, vg)
        normal /= np.linalg.norm(normal, axis=1, keepdims=True)
        axes = np.stack([radial, np.cross(normal, radial), normal], axis=1)
        err = np.einsum("nij,nj->ni", axes, rg - orbit.gcrs_at(t)[0])
        cov = fit.position_covariance(t)
        out.append(float(np.median(np.einsum("ni,ni->n", err,
                                             np.linalg.solve(cov, err[..., None])[..., 0]))))
    return out


def test_fit_covariance_against_the_precise_orbits(data_dir):
    """The fit's covariance (residuals of a track sharing SGP4's error; plus SGP4's own error
    against a true orbit) against Stella's SP3 and Jason-3's CPF: median d2 over the arc and
    the next day 3.9/3.0 and 1.6/2.0 (chi-square with 3 dof: 2.37; the issue's standard,
    a factor 1.5: 1.58-3.55). Stella's arc is outside it: four tracks over two nights fix
    six elements barely, and the radial and along-track errors correlate at 0.99 in the
    covariance but not in the truth. Without the shared track error the medians were
    132/103 and 28/31 (covariances too small by five to ten)."""
    stella = read_sp3(data_dir / OBS / "precise_orbits" / "nsgf.orb.stella.v00.sp3")
    jason = read_cpf(data_dir / OBS / "precise_orbits" / "jason3_cpf_180613_16401.cne")
    for name, orbit, site, hours in (("stella", stella, SUTHERLAND, 88),
                                     ("jason3", jason, get_site("sanglokh"), 72)):
        obs, fit, _ = _precise_case(orbit, site, hours)
        arc, beyond = _fit_d2(orbit, obs, fit)
        assert (arc, beyond) == pytest.approx(FIT_D2[name], abs=0.05), name
        assert 2.366 / 1.5 <= beyond <= 2.366 * 1.5
    assert 2.366 / 1.5 <= FIT_D2["jason3"][0] <= 2.366 * 1.5


def test_fit_beats_satfits_own_elements_on_real_observations(data_dir):
    """MILSTAR-1 (22988): ten real SeeSat-L observations over 24 days and satfit's element
    set; debris' fit from those elements explains them far better: median residual over all
    ten lines 7" against satfit's 290" (three lines of station 8336, 820" off, are set
    aside as outliers; the other seven fit at 3.9" RMS)."""
    path = data_dir / OBS / "satfit_deep_space" / "22988.txt"
    obs = read_observations(path)
    stations = read_station_list(data_dir / OBS / "satfit_deep_space" / "STATIONS.IN")
    satfit = Catalog.from_file(path, verify_checksums=False)
    g = observation_geometry(obs, stations)
    before = residuals(obs, satfit, stations, g)["residual_arcsec"]
    fit = fit_orbit(g, satfit.satrecs[0], sigma_arcsec=obs["sigma_arcsec"], norad_id=22988)
    assert not fit.fit_bstar  # deep space: no drag to fit
    after = np.hypot(fit.residuals["ra_arcsec"], fit.residuals["dec_arcsec"])
    assert np.median(before) > 250 and np.median(after) < 10
    assert fit.used.sum() == 7 and fit.rms_arcsec < 5


@pytest.mark.parametrize("norad", [4391, 34446, 58455])
def test_initial_orbit_from_two_tracks_finds_the_object_the_next_night(bundled, norad):
    """Two 2-minute tracks (2" noise) on consecutive passes of one evening at Sanglokh, of
    objects unknown to the fit: Gauss (or the circular orbit), then the fit, give a TLE
    within tens of km of the truth over the next 36 h (0.2-16 km for these three: an SL-8
    rocket body, a Cosmos 2251 fragment, a Starlink), and the next night's passes from it
    culminate within seconds of the true ones. One short track alone fixes the mean motion
    too poorly for that (hundreds of km a day later)."""
    sat = bundled.satrecs[bundled.index_of(norad)]
    site = get_site("sanglokh")
    obs = simulate_tracks(sgp4_truth(sat), site, "193", "2024-11-01T12:00:00Z", 14,
                          track_s=120, step_s=10, noise_arcsec=2.0, rng=1)
    track = group_tracks(obs, 300.0)
    obs, track = obs.take(np.flatnonzero(track <= 1)), track[track <= 1]
    assert set(track) == {0, 1}
    fit = initial_orbit(_geometry(obs, site, "193"), track=track, norad_id=90000)
    assert fit.converged and fit.rms_arcsec < 3.5
    t = time_range(obs["time"][:1], hours=36, step_s=300)
    error = np.linalg.norm(fit.satrec.sgp4_array(t.jd, t.fr)[1] - sat.sgp4_array(t.jd, t.fr)[1],
                           axis=1)
    assert error.max() < 50.0
    night = ("2024-11-02T12:00:00Z", "2024-11-03T02:00:00Z")
    truth = find_passes(Catalog.from_satrecs([sat]), [site], *night, min_elevation_deg=20)
    found = find_passes(Catalog.from_satrecs([fit.satrec]), [site], *night,
                        min_elevation_deg=20)
    assert len(found) == len(truth) >= 1
    origin = truth["culmination_utc"][:1]
    dt = found["culmination_utc"].seconds_since(origin) - \
        truth["culmination_utc"].seconds_since(origin)
    assert np.abs(dt).max() < 10.0
