"""Propagation interface: python-sgp4 equality, batches, failures, windows, backends."""

import numpy as np
import pytest
from sgp4.api import SatrecArray

from debris import (Catalog, get_backend, iter_propagate, propagate, propagate_at, time_range,
                    to_times)
from debris.propagation import python_sgp4 as prop_module

ONE_MM_KM = 1e-6
RELATIVE_1E10 = 1e-10  # agreement relative to the distance, for runaway decayed orbits


@pytest.fixture(scope="module")
def day_grid():
    return time_range("2024-11-01T00:00:00Z", hours=24, step_s=900)


def test_batch_equals_single_object(leo_sample, day_grid):
    sub = leo_sample.subset(np.arange(40))
    states = propagate(sub, day_grid, backend="sgp4")
    assert states.r_teme_km.shape == (40, len(day_grid), 3)
    assert states.error.shape == (40, len(day_grid))
    for i, sat in enumerate(sub.satrecs):
        e, r, v = sat.sgp4_array(day_grid.jd, day_grid.fr)
        np.testing.assert_array_equal(states.r_teme_km[i], r)
        np.testing.assert_array_equal(states.v_teme_km_s[i], v)
        np.testing.assert_array_equal(states.error[i], e)


def test_forked_workers_equal_one_process(leo_sample, day_grid, monkeypatch):
    monkeypatch.setattr(prop_module, "_PARALLEL_MIN_WORK", 0)
    forked = prop_module.Sgp4Backend(workers=2).propagate(leo_sample.satrecs, day_grid)
    e, r, v = SatrecArray(leo_sample.satrecs).sgp4(day_grid.jd, day_grid.fr)
    np.testing.assert_array_equal(forked.r_teme_km, r)
    np.testing.assert_array_equal(forked.v_teme_km_s, v)
    np.testing.assert_array_equal(forked.error, e)


def test_decayed_objects_give_nan_and_code(bundled):
    # Objects with perigee below 250 km in the 2024-11-01 catalogue; 60 days later many
    # have re-entered: SGP4 error 6 ("mrt ... decayed"), never an exception.
    low = bundled.filter(perigee_km=(None, 250))
    times = time_range("2024-12-30T00:00:00Z", hours=1, step_s=600)
    states = propagate(low, times)
    decayed = (states.error == 6).any(axis=1)
    assert decayed.sum() >= 5
    failed = states.error != 0
    assert np.isnan(states.r_teme_km[failed]).all() and np.isnan(states.v_teme_km_s[failed]).all()
    assert np.isfinite(states.r_teme_km[~failed]).all()


def test_init_error_object_propagates_to_nan(data_dir):
    cat = Catalog.from_file(data_dir / "spacetrack_quirks.3le")
    states = propagate(cat, time_range("2022-01-25T00:00:00Z", hours=1, step_s=600))
    row = cat.index_of(50463)  # JWST elements of 2022-01-25: SGP4 init error 3
    assert (states.error[row] == 3).all() and np.isnan(states.r_teme_km[row]).all()
    others = np.delete(np.arange(len(cat)), row)
    assert np.isfinite(states.r_teme_km[others][states.error[others] == 0]).all()


def test_iter_propagate_windows_cover_the_span(leo_sample, day_grid):
    whole = propagate(leo_sample, day_grid, backend="sgp4")
    pieces = list(iter_propagate(leo_sample, day_grid, backend="sgp4", max_times=7))
    assert [w.stop - w.start for w, _ in pieces][:-1] == [7] * (len(pieces) - 1)
    r = np.concatenate([s.r_teme_km for _, s in pieces], axis=1)
    np.testing.assert_array_equal(r, whole.r_teme_km)
    small = list(iter_propagate(leo_sample, day_grid, max_bytes=300 * 49 * 10))
    assert all(w.stop - w.start <= 10 for w, _ in small)


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="unknown propagation backend 'fast'"):
        get_backend("fast")


def test_heyoka_agrees_with_python_sgp4_to_1mm(bundled):
    # heyoka.py's SGP4 against python-sgp4 on the whole real catalogue (deep-space objects
    # take the python-sgp4 fallback inside the heyoka backend).
    pytest.importorskip("heyoka")
    times = time_range("2024-11-01T00:00:00Z", hours=24, step_s=7200)
    fast = propagate(bundled, times, backend="heyoka")
    ref = propagate(bundled, times, backend="sgp4")
    np.testing.assert_array_equal(fast.error, ref.error)
    ok = ref.error == 0
    assert np.max(np.abs(fast.r_teme_km[ok] - ref.r_teme_km[ok])) < ONE_MM_KM
    assert np.max(np.abs(fast.v_teme_km_s[ok] - ref.v_teme_km_s[ok])) < ONE_MM_KM


def test_numba_kernel_agrees_with_python_sgp4_to_1mm(bundled):
    # debris' compiled SGP4 (near-Earth, SIMD lanes) and SDP4 (deep space: lunar-solar terms
    # and the 12 h / 24 h resonances) against python-sgp4 on the whole real catalogue over
    # 7 days from 3 days before the catalogue's date: every object in a compiled kernel.
    pytest.importorskip("numba")
    from debris.propagation import get_backend
    from debris.propagation.sdp4 import _COL

    _, near, deep_table, deep, rest = get_backend("numba").prepared(bundled.satrecs)
    assert near.size + deep.size == len(bundled) and rest.size == 0
    assert deep.size > 4000 and set(np.unique(deep_table[:, _COL["irez"]])) == {0.0, 1.0, 2.0}
    times = time_range("2024-10-29T00:00:00Z", days=7, step_s=7200 + 17)
    fast = propagate(bundled, times, backend="numba")
    ref = propagate(bundled, times, backend="sgp4")
    np.testing.assert_array_equal(fast.error, ref.error)
    ok = ref.error == 0
    assert np.max(np.abs(fast.r_teme_km[ok] - ref.r_teme_km[ok])) < ONE_MM_KM
    assert np.max(np.abs(fast.v_teme_km_s[ok] - ref.v_teme_km_s[ok])) < ONE_MM_KM
    assert np.isnan(fast.r_teme_km[~ok]).all()
    # the scalar kernel (scattered pairs, the pass kernels' SGP4) on the same grid
    obj = np.repeat(np.arange(len(bundled)), len(times))
    at = times[np.tile(np.arange(len(times)), len(bundled))]
    r, v, e = propagate_at(bundled, obj, at, backend="numba")
    np.testing.assert_array_equal(e, ref.error.ravel())
    flat = ok.ravel()
    assert np.max(np.abs(r[flat] - ref.r_teme_km[ok])) < ONE_MM_KM
    assert np.max(np.abs(v[flat] - ref.v_teme_km_s[ok])) < ONE_MM_KM


def test_numba_kernel_on_vallado_near_earth_cases(data_dir):
    # The near-Earth cases of Vallado's verification set, including the decaying ones.
    pytest.importorskip("numba")
    lines = (data_dir / "SGP4-VER.TLE").read_text().splitlines()
    text = "\n".join(line[:69] for line in lines if line[:2] in ("1 ", "2 "))
    cat = Catalog.from_tle_lines(text, verify_checksums=False)
    times = time_range("2006-06-25T00:00:00Z", days=3, step_s=1800)
    near = cat.subset(1440.0 / cat.mean_motion_rev_day < 225.0)  # period in minutes
    fast = propagate(near, times, backend="numba")
    ref = propagate(near, times, backend="sgp4")
    np.testing.assert_array_equal(fast.error, ref.error)
    ok = ref.error == 0
    # 1 mm, and 1e-10 relative where SGP4 itself runs away without an error code: NORAD
    # 29141 six days after its epoch sits at 2e10 km in python-sgp4 too, and there the
    # kernel's faster angle reduction (not bit-identical to libm's fmod) moves it by 1 km.
    distance = np.linalg.norm(ref.r_teme_km[ok], axis=-1)
    error = np.max(np.abs(fast.r_teme_km[ok] - ref.r_teme_km[ok]), axis=-1)
    assert np.all(error < ONE_MM_KM + RELATIVE_1E10 * distance)
    assert np.max(error[distance < 1e5]) < ONE_MM_KM


@pytest.mark.parametrize("backend", ["sgp4", "numba", "heyoka"])
def test_propagate_at_equals_satrec_sgp4(bundled, backend):
    # Scattered (object, time) pairs, deep-space and failing objects included, against
    # python-sgp4's Satrec.sgp4 called one pair at a time.
    pytest.importorskip({"sgp4": "sgp4", "numba": "numba", "heyoka": "heyoka"}[backend])
    rng = np.random.default_rng(5)
    obj = rng.integers(0, len(bundled), 3000)
    times = to_times("2024-11-01T00:00:00Z").shift_seconds(rng.uniform(-86400, 2 * 86400, 3000))
    r, v, e = propagate_at(bundled, obj, times, backend=backend)
    for i in range(0, 3000, 7):
        code, r_ref, v_ref = bundled.satrecs[obj[i]].sgp4(times.jd[i], times.fr[i])
        assert e[i] == code
        if code == 0:
            assert np.abs(r[i] - r_ref).max() < 1e-6  # km
            assert np.abs(v[i] - v_ref).max() < 1e-9  # km/s
        else:
            assert np.isnan(r[i]).all()


def test_propagate_at_checks_shapes(leo_sample):
    with pytest.raises(ValueError, match="objects for"):
        propagate_at(leo_sample, [0, 1], to_times(["2024-11-01T00:00:00Z"]))


def test_a_numba_that_cannot_be_imported_falls_back_with_one_line(monkeypatch, capsys):
    """numba is a dependency; where it is installed but broken, ``auto`` runs the reference
    paths and says so once."""
    import importlib

    from debris import backends

    real = importlib.import_module

    def broken(name, *args):
        if name == "numba":
            raise ImportError("libllvmlite.so: cannot open shared object file")
        return real(name, *args)

    backends.usable.cache_clear()
    monkeypatch.setattr(backends.importlib, "import_module", broken)
    monkeypatch.delenv("DEBRIS_BACKEND", raising=False)
    monkeypatch.delenv("DEBRIS_BROADPHASE", raising=False)
    monkeypatch.delenv("DEBRIS_PASS_KERNELS", raising=False)
    try:
        assert backends.propagation_backend() in ("heyoka", "sgp4")
        assert backends.broadphase() == "scipy" and backends.pass_kernels() == "numpy"
        err = capsys.readouterr().err
        assert err.count("numba is installed but cannot be imported") == 1
        assert "using python-sgp4 and numpy instead" in err
    finally:
        backends.usable.cache_clear()


def test_polynomial_sincos_matches_libm():
    # The kernels' libm-free sine and cosine (fdlibm's polynomials, Cody-Waite reduction)
    # against numpy on angles up to 1e6 rad, quadrant edges included.
    pytest.importorskip("numba")
    import numba

    from debris.propagation.polymath import sincos

    @numba.njit
    def both(x):
        s, c = np.empty_like(x), np.empty_like(x)
        for i in range(x.size):
            s[i], c[i] = sincos(x[i])
        return s, c

    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-10, 10, 200_000), rng.uniform(-1e6, 1e6, 200_000),
                        np.arange(-64, 65) * (np.pi / 4), [0.0, -0.0, 1e-300]])
    s, c = both(x)
    assert np.max(np.abs(s - np.sin(x))) < 4e-16
    assert np.max(np.abs(c - np.cos(x))) < 4e-16
