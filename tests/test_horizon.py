"""Horizon masks: reading them (TOML, two-column files, bad points named), passes against
Skyfield with the mask emulated by dense sampling (every mask crossing within 1 s), crossings
and schedules never below the mask."""

import dataclasses

import numpy as np
import pytest

from debris import Catalog, DebrisError
from debris.cli import main
from debris.horizon import HorizonMask, horizon_from_points, load_horizon
from debris.passes import find_passes
from debris.sites import load_sites_toml, parse_site

#: A synthetic ridge: a 25° wall in the east, a 40° peak 20° wide in the south-west, 12° in
#: the north-west, 5° elsewhere (a Sanglokh-like site among mountains).
RIDGE = [[0, 5], [50, 5], [60, 25], [120, 25], [130, 5], [200, 5], [210, 40], [220, 5],
         [300, 12]]
START, END = "2024-11-01T13:00:00Z", "2024-11-01T19:00:00Z"
MIN_EL = 10.0


def skyfield_ridge(az, floor=MIN_EL):
    """The ridge's limit (deg) at azimuths `az`, written out here: linear between points,
    wrapping at 360, never below `floor`."""
    pts = sorted(RIDGE)
    xs = [pts[-1][0] - 360.0] + [p[0] for p in pts] + [pts[0][0] + 360.0]
    ys = [pts[-1][1]] + [p[1] for p in pts] + [pts[0][1]]
    return np.maximum(floor, np.interp(np.mod(az, 360.0), xs, ys))


def test_mask_reading(tmp_path):
    mask = horizon_from_points(RIDGE)
    assert mask(55.0) == pytest.approx(15.0) and mask(210.0) == 40.0
    assert mask(330.0) == pytest.approx(12 - 7 * 30 / 60)  # wraps from 300 to 360 (=0)
    assert mask(-30.0) == mask(330.0) and HorizonMask([0], [7])(123.0) == 7.0
    path = tmp_path / "ridge.txt"
    path.write_text("# az el\n" + "".join(f"{a}, {e}\n" for a, e in RIDGE))
    assert load_horizon(path).as_list() == mask.as_list()
    path.write_text("0 5\n90 95\n")
    with pytest.raises(DebrisError, match=r"ridge.txt, line 2: elevation 95.0 deg is outside"):
        load_horizon(path)
    path.write_text("# nothing\n")
    with pytest.raises(DebrisError, match="no horizon points"):
        load_horizon(path)
    toml = tmp_path / "sites.toml"
    toml.write_text('[sites.dome]\nlatitude_deg = 38.26\nlongitude_deg = 69.22\n'
                    'altitude_m = 2300\nhorizon = [[0, 5], [90, "x"]]\n')
    with pytest.raises(DebrisError, match=r"\[sites.dome\]: horizon point 2"):
        load_sites_toml(toml)
    toml.write_text('[sites.dome]\nlatitude_deg = 38.26\nlongitude_deg = 69.22\n'
                    'horizon_file = "ridge.txt"\n')
    path.write_text("".join(f"{a} {e}\n" for a, e in RIDGE))
    assert load_sites_toml(toml)["dome"].horizon(210.0) == 40.0


@pytest.fixture(scope="module")
def ridge_night():
    """Passes of 60 LEO objects over six hours at Sanglokh behind the ridge, debris' and
    Skyfield's clearance above the limit every second."""
    from skyfield.api import EarthSatellite, wgs84

    from debris.timescale import skyfield_time, skyfield_timescale, to_times

    catalog = Catalog.bundled().filter(leo=True)
    pick = np.random.default_rng(7).choice(len(catalog), 60, replace=False)
    sample = catalog.subset(np.sort(pick))
    site = dataclasses.replace(parse_site("sanglokh"), horizon=horizon_from_points(RIDGE))
    passes = find_passes(sample, [site], START, END, min_elevation_deg=MIN_EL)
    ts = skyfield_timescale()
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    t0 = to_times(START)
    seconds = np.arange(0.0, 6 * 3600.0 + 1, 1.0)
    t = skyfield_time(t0.shift_seconds(seconds))
    clearance = {}
    for k, norad in enumerate(sample.norad_id.tolist()):
        sat = EarthSatellite.from_satrec(sample.satrecs[k], ts)
        alt, az, _ = (sat - here).at(t).altaz()
        clearance[norad] = alt.degrees - skyfield_ridge(az.degrees)
    return passes, clearance, seconds, t0


def test_passes_rise_and_set_on_the_mask_against_skyfield(ridge_night):
    """Every mask crossing Skyfield sees (1 s sampling) is within 1 s of a debris rise or set,
    or inside a debris pass that dips behind the peak; every debris rise and set is within
    1 s of one Skyfield sees; no time above the limit falls outside a debris pass."""
    passes, clearance, seconds, t0 = ridge_night
    assert len(passes) > 20
    events, spans = {}, {}
    for rec, rise, set_ in zip(passes.records(), passes["rise_utc"].seconds_since(t0),
                               passes["set_utc"].seconds_since(t0)):
        events.setdefault(rec["norad_id"], []).extend(x for x in (rise, set_) if np.isfinite(x))
        spans.setdefault(rec["norad_id"], []).append((rise, set_))
    matched = 0
    for norad, g in clearance.items():
        up = g > 0
        change = np.flatnonzero(up[1:] != up[:-1])
        mine = np.array(events.get(norad, []))
        for c in change:  # a crossing between seconds c and c + 1
            near = mine.size and np.min(np.abs(mine - (seconds[c] + 0.5))) <= 1.0
            inside = any(a + 1 < seconds[c] < b - 1 for a, b in spans.get(norad, []))
            assert near or inside, (norad, seconds[c])
            matched += bool(near)
        for x in mine:  # each debris event has a Skyfield crossing within 1 s
            assert np.any(np.abs(seconds[change] + 0.5 - x) <= 1.0), (norad, x)
        for a, b in spans.get(norad, []):
            up[(seconds >= (a if np.isfinite(a) else 0) - 1)
               & (seconds <= (b if np.isfinite(b) else seconds[-1]) + 1)] = False
        assert not up.any(), norad  # never above the limit outside a pass
    assert matched > 30


def test_visible_part_and_mask_change_the_passes(ridge_night):
    """The masked passes are a subset of the plain ones in time: rises later, sets earlier,
    fewer passes; the visible part lies within rise..set."""
    passes, _, _, t0 = ridge_night
    rise = passes["rise_utc"].seconds_since(t0)
    vis_a = passes["visible_start_utc"].seconds_since(t0)
    vis_b = passes["visible_end_utc"].seconds_since(t0)
    set_ = passes["set_utc"].seconds_since(t0)
    ok = np.isfinite(vis_a) & np.isfinite(rise) & np.isfinite(set_)
    assert np.all(vis_a[ok] >= rise[ok] - 1e-6) and np.all(vis_b[ok] <= set_[ok] + 1e-6)
    # rises where the ridge stands above the 10° limit: the mask, not the limit, decided them
    az = passes["rise_azimuth_deg"]
    on_ridge = np.isfinite(rise) & (skyfield_ridge(np.nan_to_num(az)) > MIN_EL + 1)
    assert on_ridge.sum() >= 3
    plain = find_passes(Catalog.bundled().filter(norad_ids=passes["norad_id"].tolist()),
                        [parse_site("sanglokh")], START, END, min_elevation_deg=MIN_EL)
    assert len(plain) >= len(passes)
    assert plain["visible"].sum() >= passes["visible"].sum()


def test_crossings_and_schedule_never_below_the_mask(tmp_path, capsys):
    """Field crossings at the zenith ring's edge keep only what clears the ridge; the CLI's
    --horizon reaches passes, crossings and the schedule (whose checker's mask is the ridge)."""
    path = tmp_path / "ridge.txt"
    path.write_text("".join(f"{a} {e}\n" for a, e in RIDGE))
    out = tmp_path / "cross.csv"
    code = main(["crossings", "--site", "sanglokh", "--start", START, "--hours", "6",
                 "--az-deg", "210", "--el-deg", "30", "--radius-deg", "15", "--format", "csv",
                 "--horizon", str(path), "--output", str(out)])
    assert code == 0
    import csv

    rows = list(csv.DictReader(out.open()))
    for r in rows:
        az, el = float(r["closest_azimuth_deg"]), float(r["closest_elevation_deg"])
        assert el >= skyfield_ridge(az, floor=0.0) - 1e-6
    code = main(["crossings", "--site", "sanglokh", "--start", START, "--hours", "6",
                 "--az-deg", "210", "--el-deg", "30", "--radius-deg", "15", "--format", "csv",
                 "--output", str(out)])
    plain = list(csv.DictReader(out.open()))
    assert len(plain) > len(rows)  # the peak at 210° hides some
    capsys.readouterr()
    code = main(["passes", "--site", "sanglokh", "--night", "2024-11-01", "--norad", "25544",
                 "--horizon", str(path)])
    assert code == 0 and "and the horizon mask (sanglokh)" in capsys.readouterr().out
