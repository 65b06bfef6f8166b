"""The compiled broad phase against brute force, on each of its paths.

Brute force (numpy, its own code): every pair of objects valid on an interval, the minimum
distance between their time-synchronised chords, kept when within the chord limit
``threshold + 2 (sag + margin)``. The compiled kernel
(:func:`debris.conjunctions.broadphase_numba.window_pairs`) must give exactly that set: its
cells and midpoint bounds only decide which pairs it looks at. Real samples of the bundled
catalogue take each path: a mixed sample (the dense grid about the Earth, the medium and high
orbits beyond it in hashed cells, the few eccentric objects near perigee searching a wider
neighbourhood), a sample mostly beyond the dense grid (all cells hashed), and one rich in
eccentric orbits (the dense grid sized by the fastest).
"""

import numpy as np
import pytest

from debris import propagate, time_range
from debris.conjunctions import broadphase_cells, broadphase_numba
from debris.conjunctions.broadphase import A_MAX_KM_S2, HERMITE_MARGIN_KM

STEP_S = 60.0
THRESHOLD_KM = 20.0
INTERVALS = 8
SAG_KM = A_MAX_KM_S2 * STEP_S * STEP_S / 8.0
LIMIT_KM = THRESHOLD_KM + 2.0 * (SAG_KM + HERMITE_MARGIN_KM)
#: Pairs this close to the limit may fall either way by rounding: not compared.
BORDER_KM = 1e-6


def _states(catalog):
    grid = time_range("2024-11-01T03:00:00Z", hours=INTERVALS * STEP_S / 3600.0,
                      step_s=STEP_S)
    states = propagate(catalog, grid)
    r = states.r_teme_km
    valid = states.error == 0
    return r, valid[:, 1:] & valid[:, :-1]


def _brute(r, ok):
    """{(i, j, k)} within the chord limit and the pairs within BORDER_KM of it."""
    inside, border = set(), set()
    for k in range(ok.shape[1]):
        rows = np.flatnonzero(ok[:, k])
        r0, r1 = r[rows, k], r[rows, k + 1]
        for lo in range(0, len(rows), 500):
            a = r0[None, :] - r0[lo:lo + 500, None]  # (block, m, 3)
            b = (r1[None, :] - r1[lo:lo + 500, None]) - a
            bb = np.einsum("ijk,ijk->ij", b, b)
            s = np.clip(-np.einsum("ijk,ijk->ij", a, b) / np.where(bb > 0, bb, 1.0), 0, 1)
            d = np.linalg.norm(a + s[..., None] * b, axis=-1)
            for x, y in zip(*np.nonzero(d <= LIMIT_KM + BORDER_KM)):
                i, j = rows[lo + x], rows[y]
                if i < j:
                    (border if d[x, y] > LIMIT_KM - BORDER_KM else inside).add((i, j, k))
    return inside, border


def _kernel(r, ok):
    i, j, k = broadphase_numba.window_pairs(r, r, ok, None, THRESHOLD_KM, STEP_S, 1,
                                            A_MAX_KM_S2, HERMITE_MARGIN_KM)
    return set(zip(i.tolist(), j.tolist(), k.tolist()))


def _paths(r, ok):
    """Per interval: the fraction of fast objects (chords faster than a circular orbit at the
    surface), their number, and the fraction beyond the dense grid."""
    out = []
    for k in range(ok.shape[1]):
        r0, r1 = r[ok[:, k], k], r[ok[:, k], k + 1]
        rho = 0.5 * np.linalg.norm(r1 - r0, axis=1) + SAG_KM + HERMITE_MARGIN_KM
        fast = rho > 0.5 * broadphase_cells._CIRCULAR_KM_S * STEP_S + SAG_KM + HERMITE_MARGIN_KM
        split = fast.mean() <= broadphase_cells._FAST_FRACTION
        cell = THRESHOLD_KM + 2.0 * (rho[~fast].max() if split else rho.max())
        beyond = np.abs(0.5 * (r0 + r1)).max(axis=1) > 0.5 * broadphase_cells._DENSE_SIDE * cell
        out.append((fast.mean(), int(fast.sum()) if split else 0, beyond.mean()))
    return out


def _check(catalog):
    r, ok = _states(catalog)
    inside, border = _brute(r, ok)
    found = _kernel(r, ok)
    assert inside <= found
    assert found - inside <= border
    return inside, _paths(r, ok)


def test_mixed_sample_dense_grid_with_far_and_fast_objects(bundled):
    rng = np.random.default_rng(26)
    sample = bundled.subset(np.sort(rng.choice(len(bundled), 4000, replace=False)))
    pairs, paths = _check(sample)
    assert len(pairs) > 100
    assert all(0.0 < beyond <= broadphase_cells._DENSE_OUTSIDE for _, _, beyond in paths)
    assert all(n_fast > 0 for _, n_fast, _ in paths)  # kept out of the dense cells


def test_high_orbits_are_hashed(bundled):
    high = np.flatnonzero((bundled.mean_motion_rev_day < 2.5) & (bundled.sgp4_init_error == 0))
    leo = np.flatnonzero(bundled.mean_motion_rev_day > 14.5)[::40]
    pairs, paths = _check(bundled.subset(np.sort(np.concatenate([high, leo]))))
    assert all(beyond > broadphase_cells._DENSE_OUTSIDE for _, _, beyond in paths)
    assert len(pairs) > 10  # co-located geostationary satellites, among others


def test_many_eccentric_orbits_size_the_cells_themselves(bundled):
    # the eccentric orbits near perigee in the window, and a crowded LEO sample
    eccentric = np.flatnonzero((bundled.eccentricity > 0.1) & (bundled.sgp4_init_error == 0))
    r, ok = _states(bundled.subset(eccentric))
    speed = np.linalg.norm(r[:, 1:] - r[:, :-1], axis=-1) / STEP_S
    fast = eccentric[np.nanmax(np.where(ok, speed, 0.0), axis=1)
                     > broadphase_cells._CIRCULAR_KM_S]
    leo = np.flatnonzero(bundled.mean_motion_rev_day > 14.8)[::4]
    pairs, paths = _check(bundled.subset(np.sort(np.concatenate([fast, leo]))))
    assert len(fast) > 20
    assert any(fraction > broadphase_cells._FAST_FRACTION for fraction, _, _ in paths)
    assert len(pairs) > 100


@pytest.mark.parametrize("seed", [1, 2])
def test_whole_leo_shell_pairs_equal_brute_force(bundled, seed):
    # the crowded shells (Starlink at 550 km): long runs in the dense cells
    leo = np.flatnonzero(bundled.mean_motion_rev_day > 14.8)
    rng = np.random.default_rng(seed)
    pairs, _ = _check(bundled.subset(np.sort(rng.choice(leo, 3000, replace=False))))
    assert len(pairs) > 100


def _crossings(rng, events, far_fraction, fast_fraction, background, extreme_events=0):
    """Straight paths over one interval: `events` pairs that pass each other at a random
    moment with a miss distance up to 1.3x the chord limit, at all relative speeds (a
    fraction of the objects faster than any circular orbit), in LEO, at the dense grid's
    faces and beyond it; the first `extreme_events` of them at the widest; plus `background`
    lone objects. Returns r (n, 2, 3)."""
    def directions(n):
        u = rng.normal(size=(n, 3))
        return u / np.linalg.norm(u, axis=1)[:, None]

    def places(n):
        where = rng.random(n)
        radius = np.where(where < far_fraction, rng.uniform(20000.0, 45000.0, n),
                          rng.uniform(6600.0, 7600.0, n))
        p = directions(n) * radius[:, None]
        face = where > 1.0 - 0.1  # a tenth near the faces of the dense grid (~15,900 km)
        scale = rng.uniform(15000.0, 16800.0, n) / np.abs(p).max(axis=1)
        p[face] *= scale[face, None]
        return p

    def velocities(n):
        speed = np.where(rng.random(n) < fast_fraction, rng.uniform(8.5, 11.0, n),
                         rng.uniform(5.0, 7.8, n))
        return directions(n) * speed[:, None]

    meet = places(events)
    # the widest pairs: a fast object meeting a circular one head-on along a grid axis at
    # an end of the interval (midpoints up to 564 km apart, two cells along that axis)
    extreme = np.arange(events) < extreme_events
    axis = np.zeros((extreme_events, 3))
    axis[np.arange(extreme_events), rng.integers(0, 3, extreme_events)] = rng.choice(
        [-1.0, 1.0], extreme_events)
    miss = directions(events) * rng.uniform(0.0, 1.3 * LIMIT_KM, events)[:, None]
    when = rng.uniform(0.0, STEP_S, events)[:, None]
    ends = rng.random(events) < 0.5  # half near the interval's ends: midpoints far apart
    when[ends, 0] = np.where(rng.random(ends.sum()) < 0.5, rng.uniform(0.0, 3.0, ends.sum()),
                             rng.uniform(STEP_S - 3.0, STEP_S, ends.sum()))
    va, vb = velocities(events), velocities(events)
    head_on = rng.random(events) < 0.5  # half meet head-on: the fastest relative motion
    vb[head_on] = -va[head_on] * (np.linalg.norm(vb[head_on], axis=1)
                                  / np.linalg.norm(va[head_on], axis=1))[:, None]
    va[extreme] = axis * rng.uniform(10.5, 11.0, extreme_events)[:, None]
    vb[extreme] = -axis * rng.uniform(7.5, 7.8, extreme_events)[:, None]
    when[extreme, 0] = np.where(rng.random(extreme_events) < 0.5, 0.0, STEP_S)
    a0, b0 = meet - va * when, meet + miss - vb * when
    lone = places(background)
    v = np.concatenate([va, vb, velocities(background)])
    r0 = np.concatenate([a0, b0, lone])
    return np.stack([r0, r0 + v * STEP_S], axis=1)


@pytest.mark.parametrize("far, fast, extreme", [(0.1, 0.01, 200), (0.4, 0.03, 0),
                                                (0.1, 0.1, 200)])
def test_synthetic_crossings_at_every_distance_from_the_cells(far, fast, extreme):
    # Each case takes one path (dense grid with hashed far objects and fast ones searching
    # wide; all hashed; cells sized by the fast ones); the crossings at high relative speed
    # pair objects whose midpoints are cells apart.
    rng = np.random.default_rng(int(100 * far + 1000 * fast))
    r = _crossings(rng, 3000, far, fast, 1000, extreme)
    ok = np.ones((len(r), 1), bool)
    inside, border = _brute(r, ok)
    found = _kernel(r, ok)
    assert inside <= found and found - inside <= border
    assert len(inside) > 2000
    (fast_share, n_fast, beyond), = _paths(r, ok)
    mid = 0.5 * (r[:, 0] + r[:, 1])
    i, j, _ = np.array(sorted(inside)).T
    apart = np.abs(mid[i] - mid[j]).max(axis=1)
    assert (apart > 300.0).sum() > 50  # pairs found across cells, not only within one
    if far > 0.25:
        assert beyond > broadphase_cells._DENSE_OUTSIDE
    else:
        assert 0.0 < beyond <= broadphase_cells._DENSE_OUTSIDE
        assert (n_fast > 0) == (fast_share <= broadphase_cells._FAST_FRACTION)
