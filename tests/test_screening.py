"""Conjunction screening against brute force, the Iridium 33 / Cosmos 2251 collision, and the
completeness argument itself.

Brute force (its own code path): python-sgp4's SatrecArray every second, all pair distances
at every sample, every sampled local minimum that could hide an approach below the threshold,
then golden-section search on exact SGP4 (Satrec.sgp4, one call per evaluation).
"""

import math
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec, SatrecArray

from debris import Catalog, propagate, time_range, to_times
from debris.frames import vector_norm
from debris.conjunctions import A_MAX_KM_S2, screen

TCA_TOLERANCE_S = 0.010
MISS_TOLERANCE_KM = 0.005
MAX_RELATIVE_SPEED_KM_S = 16.0
TLE_DIR = Path(__file__).parent.parent / "tle"


def _exact_distance(sat1: Satrec, sat2: Satrec, t0, seconds: float) -> float:
    t = t0.shift_seconds(seconds)
    _, r1, _ = sat1.sgp4(t.jd[0], t.fr[0])
    _, r2, _ = sat2.sgp4(t.jd[0], t.fr[0])
    return math.dist(r1, r2)


def _golden(f, a, b, iterations=60):
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    x = 0.5 * (a + b)
    return x, f(x)


def brute_force(catalog, start, hours, threshold_km, coarse_s=10):
    """Every local minimum of the distance <= threshold: (id1, id2, seconds, miss_km).

    Distances of all pairs every `coarse_s` seconds select the pair-times that can hold an
    approach (relative speed <= 16 km/s: within coarse_s/2 of a sample the distance changes
    by at most 8 coarse_s/ 1 km); around each, exact SGP4 every second; each sampled local
    minimum is then refined by golden-section search on exact SGP4.
    """
    sats = catalog.satrecs
    array = SatrecArray(sats)
    t0 = to_times(start)[0:1]
    total = int(hours * 3600)
    # A sampled minimum lies at most 0.5 s from the true one: d_sample^2 <= d^2 + (v/2)^2.
    limit = math.sqrt(threshold_km ** 2 + (MAX_RELATIVE_SPEED_KM_S / 2) ** 2)
    gate = limit + MAX_RELATIVE_SPEED_KM_S * coarse_s / 2 + 1.0
    coarse = np.arange(0, total + 1, coarse_s, dtype=float)
    times = t0.shift_seconds(coarse)
    e, r, _ = array.sgp4(times.jd, times.fr)
    r = np.where((e == 0)[..., None], r, np.nan)  # (n, T, 3)
    iu0, iu1 = np.triu_indices(len(sats), 1)
    flagged = set()
    for a in range(0, len(coarse), 200):
        block = r[:, a:a + 200]
        d = np.sqrt(((block[iu0] - block[iu1]) ** 2).sum(axis=-1))  # (pairs, t)
        p, k = np.nonzero(d <= gate)
        flagged.update(zip(p.tolist(), (k + a).tolist()))
    seen = set()
    found = []
    for p, k in sorted(flagged):
        i, j = int(iu0[p]), int(iu1[p])
        centre = int(coarse[k])
        seconds = np.arange(max(centre - coarse_s, 0), min(centre + coarse_s, total) + 1, 1.0)
        dense = t0.shift_seconds(seconds)
        _, r1, _ = sats[i].sgp4_array(dense.jd, dense.fr)
        _, r2, _ = sats[j].sgp4_array(dense.jd, dense.fr)
        dist = np.linalg.norm(r2 - r1, axis=1)
        for m in np.flatnonzero((dist[1:-1] <= dist[:-2]) & (dist[1:-1] < dist[2:])
                                & (dist[1:-1] <= limit)) + 1:
            key = (i, j, int(seconds[m]))
            if key in seen:
                continue
            seen.add(key)
            x, best = _golden(lambda s: _exact_distance(sats[i], sats[j], t0, s),
                              seconds[m] - 1.0, seconds[m] + 1.0)
            if best <= threshold_km:
                found.append((int(catalog.norad_id[i]), int(catalog.norad_id[j]), x, best))
    return found


def _match(found, table, t0, tca_tolerance_s=TCA_TOLERANCE_S):
    """Pair each brute-force event with the screening row of the same pair nearest in time."""
    tca = table["tca_utc"].seconds_since(to_times(t0)[0:1])
    rows = {}
    for k in range(len(table)):
        key = tuple(sorted((int(table["norad_id_1"][k]), int(table["norad_id_2"][k]))))
        rows.setdefault(key, []).append((tca[k], table["miss_distance_km"][k]))
    misses = []
    for a, b, t, d in found:
        options = rows.get(tuple(sorted((a, b))), [])
        best = min(options, key=lambda o: abs(o[0] - t), default=None)
        if best is None or abs(best[0] - t) > tca_tolerance_s or abs(best[1] - d) > MISS_TOLERANCE_KM:
            misses.append((a, b, t, d, best))
    return misses


@pytest.fixture(scope="module")
def band(bundled):
    """200 real objects of one crowded band (perigee > 760 km, apogee < 820 km)."""
    rows = np.flatnonzero((bundled.perigee_km > 760) & (bundled.apogee_km < 820)
                          & (bundled.sgp4_init_error == 0))
    rng = np.random.default_rng(11)
    return bundled.subset(np.sort(rng.choice(rows, 200, replace=False)))


def test_screen_finds_every_approach_of_brute_force(band):
    start, threshold = "2024-11-01T00:00:00Z", 10.0
    table = screen(band, start, "2024-11-02T00:00:00Z", threshold)
    found = brute_force(band, start, 24, threshold)
    assert len(found) >= 100  # a crowded band: the test has something to find
    assert _match(found, table, start) == []
    # and nothing beyond them: every reported approach is one of brute force's
    assert len(table) == len(found)
    assert (table["miss_distance_km"] <= threshold).all()
    ids = np.stack([table["norad_id_1"], table["norad_id_2"]])
    assert (ids[0] < ids[1]).all()


def test_co_moving_pair_reports_every_local_minimum():
    # Two objects on nearly the same orbit, 2 km apart: the distance barely changes and has
    # a shallow minimum every revolution.
    line1 = "1 25544U 98067A   24305.50000000  .00016717  00000-0  30155-3 0  9993"
    line2 = "2 25544  51.6400 200.0000 0006000  90.0000 270.0000 15.50000000 10000"
    other = "2 90000  51.6400 200.0000 0006400  90.0000 270.0150 15.50000000 10000"
    sats = []
    for norad, l2 in ((25544, line2), (90000, other)):
        l1 = line1.replace("25544U", f"{norad:05d}U")
        sats.append(Satrec.twoline2rv(l1, l2.replace("25544", f"{norad:05d}")))
    cat = Catalog.from_satrecs(sats, names=["A", "B"])
    start = "2024-11-01T12:00:00Z"
    table = screen(cat, start, "2024-11-01T18:00:00Z", 5.0)
    found = brute_force(cat, start, 6, 5.0)
    assert len(found) >= 3
    # The minimum is flat (relative speed of metres per second): its time is only defined to
    # a fraction of a second, its distance to micrometres.
    assert _match(found, table, start, tca_tolerance_s=0.1) == []
    assert len(table) == len(found)


def test_iridium_33_cosmos_2251_collision():
    cat = Catalog.from_file(TLE_DIR / "iridium33_cosmos2251_2009-02-10_original_elset.3le")
    table = screen(cat, "2009-02-10T00:00:00Z", "2009-02-11T00:00:00Z", 5.0)
    assert len(table) == 1
    row = table.records()[0]
    assert (row["norad_id_1"], row["norad_id_2"]) == (22675, 24946)
    # python-sgp4 directly: golden-section search on the exact distance
    t0 = to_times("2009-02-10T16:55:00Z")
    t_ref, d_ref = _golden(lambda s: _exact_distance(cat.satrecs[0], cat.satrecs[1], t0, s),
                           50.0, 70.0, iterations=80)
    tca = to_times(row["tca_utc"]).seconds_since(t0)[0]
    assert abs(tca - t_ref) <= 0.002  # the output is rounded to the millisecond
    assert abs(row["miss_distance_km"] - d_ref) <= 1e-4
    # the published figure (Bennett et al.: SGP4 on these TLEs, 698.72 m at 16:55:59.80)
    assert abs(row["miss_distance_km"] - 0.69872) <= 0.005
    assert abs(tca - 59.80) <= 0.05
    assert row["relative_speed_km_s"] == pytest.approx(11.65, abs=0.05)


def test_iridium_cosmos_found_among_the_catalogue_of_the_day(bundled):
    # The pair among 300 unrelated objects, primaries mode: the primary comes first.
    pair = Catalog.from_file(TLE_DIR / "iridium33_cosmos2251_2009-02-10_original_elset.3le")
    rng = np.random.default_rng(3)
    others = bundled.subset(np.sort(rng.choice(len(bundled), 300, replace=False)))
    cat = Catalog.from_satrecs(list(pair.satrecs) + list(others.satrecs),
                               names=list(pair.name) + list(others.name))
    table = screen(cat, "2009-02-10T16:00:00Z", "2009-02-10T18:00:00Z", 5.0,
                   primaries=[24946])
    rows = [r for r in table.records() if r["norad_id_2"] == 22675]
    assert len(rows) == 1 and rows[0]["norad_id_1"] == 24946
    assert rows[0]["miss_distance_km"] == pytest.approx(0.698, abs=0.005)
    assert table.meta["sgp4_failures"]  # 2024 elements propagated to 2009: many fail


def test_primaries_mode_equals_the_all_vs_all_rows_of_the_primaries(band):
    start, end = "2024-11-01T00:00:00Z", "2024-11-01T08:00:00Z"
    everything = screen(band, start, end, 10.0)
    prim = [int(everything["norad_id_1"][0]), int(everything["norad_id_2"][-1])]
    some = screen(band, start, end, 10.0, primaries=prim)
    expected = {(min(a, b), max(a, b), t) for a, b, t in zip(
        everything["norad_id_1"].tolist(), everything["norad_id_2"].tolist(),
        everything["tca_utc"].iso().tolist()) if a in prim or b in prim}
    got = {(min(a, b), max(a, b), t) for a, b, t in zip(
        some["norad_id_1"].tolist(), some["norad_id_2"].tolist(),
        some["tca_utc"].iso().tolist())}
    assert got == expected
    assert all(a in prim for a in some["norad_id_1"].tolist())


def test_chord_bound_of_the_completeness_argument(bundled):
    # The argument: on a 60 s interval every real path stays within a_max dt^2 / 8 of its
    # chord. Checked on 2,000 real objects (all kinds of orbits) at 1 s resolution.
    rng = np.random.default_rng(8)
    sample = bundled.subset(np.sort(rng.choice(len(bundled), 2000, replace=False)))
    dt = 60.0
    grid = time_range("2024-11-01T00:00:00Z", hours=2, step_s=1.0)
    st = propagate(sample, grid)
    r = st.r_teme_km
    worst = 0.0
    for a in range(0, len(grid) - 60, 60):
        seg = r[:, a:a + 61]
        s = np.linspace(0, 1, 61)[None, :, None]
        chord = seg[:, :1] * (1 - s) + seg[:, -1:] * s
        dev = vector_norm(seg - chord)
        worst = max(worst, float(np.nanmax(dev)))
    assert worst <= A_MAX_KM_S2 * dt * dt / 8
    assert worst > 0.5 * A_MAX_KM_S2 * dt * dt / 8  # the bound is not loose by much either


def test_decayed_objects_drop_out_with_a_report(bundled):
    rng = np.random.default_rng(4)
    cat = bundled.subset(np.sort(rng.choice(len(bundled), 300, replace=False)))
    # over a year after the epochs, the lowest objects have decayed in SGP4 (error 6)
    table = screen(cat, "2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z", 50.0)
    failures = table.meta["sgp4_failures"]
    assert 6 in failures.values()
    low = set(cat.norad_id[cat.perigee_km < 300].tolist())
    assert set(failures) & low
    assert not set(failures) & (set(table["norad_id_1"].tolist()) | set(table["norad_id_2"].tolist()))
    assert len(table) > 0  # the others are still screened


def test_broad_phases_agree(band, bundled, monkeypatch):
    # The compiled broad phase (whole intervals or Hermite pieces) and the scipy k-d tree
    # must give the same conjunctions.
    from debris.conjunctions import broadphase, broadphase_numba

    start, end = "2024-11-01T00:00:00Z", "2024-11-01T06:00:00Z"
    results, reruns, interval = [], [], broadphase_numba._interval

    def counted(*args):
        reruns.append(args[0])
        return interval(*args)

    # the last run leaves room for one pair per interval: every busier interval is run again
    for choice, pieces, room in (("scipy", 1, 2048), ("auto", 1, 2048), ("auto", 3, 2048),
                                 ("auto", 1, 1)):
        monkeypatch.setenv("DEBRIS_BROADPHASE", choice)
        monkeypatch.setattr(broadphase, "SUB_STEPS", pieces)
        monkeypatch.setattr(broadphase_numba, "_CAPACITY", room)
        monkeypatch.setattr(broadphase_numba, "_interval", counted)
        table = screen(band, start, end, 10.0)
        results.append(list(zip(table["norad_id_1"].tolist(), table["norad_id_2"].tolist(),
                                table["tca_utc"].iso().tolist())))
    assert len(results[0]) > 20
    assert results[0] == results[1] == results[2] == results[3]
    assert len(reruns) > 10  # intervals whose pairs overflowed their slice, run again
    # a LEO band alone spans few cells (the dense grid); with geostationary objects in the
    # window the cells are hashed instead: the same conjunctions either way
    monkeypatch.setattr(broadphase_numba, "_CAPACITY", 2048)
    monkeypatch.setattr(broadphase, "SUB_STEPS", 1)
    band_rows = np.flatnonzero(np.isin(bundled.norad_id, band.norad_id))
    far = np.flatnonzero((bundled.mean_motion_rev_day < 1.1) & (bundled.sgp4_init_error == 0))
    wide = bundled.subset(np.sort(np.concatenate([band_rows, far[:5]])))
    spread = []
    for choice in ("scipy", "auto"):
        monkeypatch.setenv("DEBRIS_BROADPHASE", choice)
        table = screen(wide, start, end, 10.0)
        spread.append(list(zip(table["norad_id_1"].tolist(), table["norad_id_2"].tolist(),
                               table["tca_utc"].iso().tolist())))
    assert spread[0] == spread[1] and set(results[0]) <= set(spread[0])
    # primaries mode: a few primaries are tested against every object directly, more than
    # 16 are binned
    ids = [n for pair in results[0] for n in pair[:2]]
    few = sorted({a for a, _, _ in results[0][:3]} | {b for _, b, _ in results[0][-2:]})
    many = sorted(set(ids))[:20]
    assert len(many) == 20
    for prim in (few, many):
        modes = []
        for choice in ("scipy", "auto"):
            monkeypatch.setenv("DEBRIS_BROADPHASE", choice)
            table = screen(band, start, end, 10.0, primaries=prim)
            modes.append(list(zip(table["norad_id_1"].tolist(), table["norad_id_2"].tolist(),
                                  table["tca_utc"].iso().tolist())))
        assert len(modes[0]) >= 5 and modes[0] == modes[1]


def test_broken_element_sets_drop_out_and_cost_nothing(data_dir):
    """Space-Track's catalogue of 2024-07-05 holds element sets whose SGP4 states jump
    across the solar system with no error code (NORAD 39944: 11 million km in a minute;
    12279: 553,790 km out). In a sample of 800 real objects of the 550 km shell they are
    reported and dropped while bad; the others' conjunctions are exactly those of the clean
    sample; and the chords the broad phase sizes its cells by stay within what an orbit can
    cover (with the broken states: a million km, every object in one cell)."""
    from debris.conjunctions.screening import IMPOSSIBLE_MOTION, plausible_states
    from debris.constants import SURFACE_ESCAPE_SPEED_KM_S

    seeded = Catalog.from_file(data_dir / "spacetrack_2024-07-05_sample.3le")
    broken = [39944, 12279, 58563, 58569]
    clean = seeded.subset(np.flatnonzero(~np.isin(seeded.norad_id, broken)))
    start, end = "2024-07-05T00:00:00Z", "2024-07-05T02:00:00Z"
    with_broken = screen(seeded, start, end, 5.0)
    without = screen(clean, start, end, 5.0)
    assert set(broken) <= set(with_broken.meta["sgp4_failures"])
    assert with_broken.meta["sgp4_failures"][12279] == IMPOSSIBLE_MOTION
    assert len(without) > 5
    for column in ("norad_id_1", "norad_id_2", "miss_distance_km"):
        assert np.array_equal(with_broken[column], without[column])
    for part in ("jd", "fr"):
        assert np.array_equal(getattr(with_broken["tca_utc"], part),
                              getattr(without["tca_utc"], part))
    grid = time_range(start, hours=2, step_s=60)
    r = propagate(seeded, grid).r_teme_km
    chord = np.linalg.norm(r[:, 1:] - r[:, :-1], axis=-1)
    ok = plausible_states(r, 60.0)
    assert np.nanmax(chord) > 1e6  # the sample does hold impossible motion
    assert np.nanmax(np.where(ok[:, 1:] & ok[:, :-1], chord, 0)) <= (
        SURFACE_ESCAPE_SPEED_KM_S * 60.0)


def test_radial_bands_hold_sgp4_on_the_whole_catalogue(bundled):
    # The pre-propagation filter of primaries mode (debris.conjunctions.shells): every SGP4
    # state of the bundled catalogue over 7 days (at 3 min + 17 s) lies inside its
    # object's band; the bands are narrow enough to matter.
    from debris.conjunctions.shells import radial_bands_km

    start, end = "2024-10-30T00:00:00Z", "2024-11-06T00:00:00Z"
    lo, hi = radial_bands_km(bundled, start, end)
    times = time_range(start, end=end, step_s=197.0)
    bounded = np.isfinite(lo)
    assert bounded.sum() > 22000 and np.median((hi - lo)[bounded]) < 100.0
    for a in range(0, len(bundled), 4000):
        part = np.arange(a, min(a + 4000, len(bundled)))
        states = propagate(bundled.subset(part), times)
        radius = np.linalg.norm(states.r_teme_km, axis=-1)
        ok = states.error == 0
        assert np.all(np.where(ok, radius, np.inf) >= lo[part, None])
        assert np.all(np.where(ok, radius, -np.inf) <= hi[part, None])


def test_primaries_prefilter_changes_nothing_but_the_work(bundled, monkeypatch):
    # 3 primaries against 2,000 LEO objects over 12 h: the same conjunctions with and
    # without the radial prefilter, and hundreds of objects never propagated.
    from debris.conjunctions import screening

    leo = bundled.filter(leo=True)
    rng = np.random.default_rng(7)
    cat = leo.subset(np.sort(rng.choice(len(leo), 2000, replace=False)))
    prim = cat.norad_id[[10, 500, 1500]].tolist()
    start, end = "2024-11-01T00:00:00Z", "2024-11-01T12:00:00Z"
    fast = screen(cat, start, end, 20.0, primaries=prim)
    monkeypatch.setattr(screening, "radial_bands_km",
                        lambda c, a, b: (np.full(len(c), -np.inf), np.full(len(c), np.inf)))
    slow = screen(cat, start, end, 20.0, primaries=prim)
    assert len(slow) > 0
    assert fast["norad_id_1"].tolist() == slow["norad_id_1"].tolist()
    assert fast["norad_id_2"].tolist() == slow["norad_id_2"].tolist()
    np.testing.assert_allclose(fast["miss_distance_km"], slow["miss_distance_km"], atol=1e-9)
    assert fast.meta["objects_beyond_reach"] > 500 and fast.meta["objects"] == 2000
    rows = fast.extra["row_2"]
    assert cat.norad_id[rows].tolist() == fast["norad_id_2"].tolist()


def test_compiled_narrow_phase_finds_the_numpy_minima(monkeypatch):
    # The compiled minimum search (debris.conjunctions.narrowphase_numba) and the numpy one
    # on 20,000 random relative segments, co-moving ones with several minima included.
    pytest.importorskip("numba")
    from debris.conjunctions import narrowphase

    rng = np.random.default_rng(3)
    p0 = rng.normal(0, 50, (20000, 3))
    v0 = rng.normal(0, 2, (20000, 3))
    p1 = p0 + 60 * v0 + rng.normal(0, 5, (20000, 3))
    v1 = v0 + rng.normal(0, 0.2, (20000, 3))
    # x(s) = 100 (s - 1/4)(s - 3/4)(s - 2) km, 0.5 km off in y: two minima in one segment
    p0[:1000], p1[:1000] = [-37.5, 0.5, 0.0], [-18.75, 0.5, 0.0]
    v0[:1000], v1[:1000] = [218.75 / 60, 0.0, 0.0], [-81.25 / 60, 0.0, 0.0]
    p0[:1000] += rng.normal(0, 0.01, (1000, 3))
    compiled = narrowphase.hermite_minima(p0, v0, p1, v1, 60.0)
    monkeypatch.setenv("DEBRIS_BROADPHASE", "scipy")
    arrays = narrowphase.hermite_minima(p0, v0, p1, v1, 60.0)
    assert len(arrays[0]) > 5000 and np.bincount(arrays[0]).max() >= 2
    np.testing.assert_array_equal(compiled[0], arrays[0])
    assert np.abs(compiled[1] - arrays[1]).max() < 1e-12
    assert np.abs(compiled[2] - arrays[2]).max() < 1e-9  # km


def test_co_located_geo_pair_gives_its_minima_once(data_dir):
    """Two co-located GEO satellites (Amazonas 2 and Amazonas Nexus at 61 W, Space-Track
    2024-07-05): their distance changes by millimetres a minute, which left the range-rate
    Newton at segment ends: one "approach" per grid step (6 on the 60 s grid, about 14 on a
    30 s grid). Now the two minima below 5 km that python-sgp4 sampled every second shows,
    once each, on either grid: TCA within 5 s (the distance is flat to 0.1 m there), miss
    distance within 1 m."""
    from sgp4.api import Satrec

    from debris import Catalog, screen, time_range, to_times

    path = data_dir / "geo_colocated_2024-07-05.3le"
    lines = path.read_text().splitlines()
    t = time_range("2024-07-05T00:00:00Z", "2024-07-06T00:00:00Z", step_s=1.0)
    s1, s2 = Satrec.twoline2rv(lines[1], lines[2]), Satrec.twoline2rv(lines[4], lines[5])
    d = np.linalg.norm(s1.sgp4_array(t.jd, t.fr)[1] - s2.sgp4_array(t.jd, t.fr)[1], axis=1)
    m = np.flatnonzero((d[1:-1] <= d[:-2]) & (d[1:-1] <= d[2:]) & (d[1:-1] < 5.0)) + 1
    assert len(m) == 2
    catalog = Catalog.from_files([path])
    for step in (60.0, 30.0):
        table = screen(catalog, "2024-07-05T00:00:00Z", "2024-07-06T00:00:00Z", 5.0,
                       step_s=step)
        tca = table["tca_utc"].seconds_since(to_times("2024-07-05T00:00:00Z"))
        assert len(table) == 2, step
        assert np.all(np.abs(tca - m) < 5.0)
        assert np.all(np.abs(table["miss_distance_km"] - d[m]) < 1e-3)
