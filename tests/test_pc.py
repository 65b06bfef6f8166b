"""Collision probability against NASA CARA's test vectors and real CDMs.

References (copied into tests/data from NASA CARA Analysis Tools, see tests/data/README.md):
``pc_cases.json`` (Alfano 2009 cases, Omitron cases, NPD, HBR sweep: the 2-D circle-HBR
methods Pc2D_Foster, PcCircle and PcElrod), ``pc_cdm_cases.json`` and the 53 operational
CDMs in ``cara_cdms/`` with their COLLISION_PROBABILITY (Foster, HBR from COMMENT HBR).
"""

import json
import math

import numpy as np
import pytest

from debris.conjunctions import cdm_pc
from debris.conjunctions.pc import chan_pc, encounter_plane, foster_pc, max_pc, ric_to_inertial
from debris.frames import rtn_basis
from debris.io.ccsds import read_cdm

TWO_D = ("Pc2D_Foster", "PcCircle", "PcElrod")


def _cases(data_dir):
    cases = json.loads((data_dir / "pc_cases.json").read_text())
    out = []
    for case in cases:
        method = case["method"]
        if not method.startswith(TWO_D) or "square" in method.lower():
            continue  # 3-D Hall, Monte Carlo and square-HBR cases are other models
        if case["expected_pc"] is None:
            continue  # the "no NPD remediation" case: CARA's NaN, we always remediate
        out.append(case)
    return out


def _plane(case):
    scale = 1e-3 if case["units"].startswith("m,") else 1.0  # to km
    r1, v1, r2, v2 = (np.array(case[k]) * scale for k in ("r1", "v1", "r2", "v2"))
    c1 = np.array(case["C1"]) * scale ** 2
    c2 = np.array(case["C2"]) * scale ** 2
    hbr = math.inf if case["hbr"] == "Infinity" else case["hbr"] * scale
    miss, cov = encounter_plane(r1, v1, c1, r2, v2, c2)
    return miss, cov, hbr


def test_foster_matches_every_applicable_cara_case(data_dir):
    cases = _cases(data_dir)
    assert len(cases) == 29
    for case in cases:
        miss, cov, hbr = _plane(case)
        pc = foster_pc(miss, cov, hbr)
        expected = case["expected_pc"]
        if expected == 0.0:
            assert pc < 1e-30, case["name"]
        else:
            # required 1e-3; the README states the measured 3e-4, so that is what is held
            assert abs(pc - expected) <= 3e-4 * expected, (case["name"], pc, expected)


def test_chan_equals_foster_when_isotropic_and_close_for_small_disks():
    rng = np.random.default_rng(2)
    for _ in range(50):
        sigma = rng.uniform(0.05, 2.0)
        miss = rng.normal(0, 2 * sigma, 2)
        hbr = rng.uniform(0.001, 0.05)
        cov = np.eye(2) * sigma ** 2
        assert chan_pc(miss, cov, hbr) == pytest.approx(foster_pc(miss, cov, hbr), rel=1e-8)
    # A moderate aspect ratio and a small disk: within 1e-3 of Foster.
    miss, cov = np.array([0.3, 0.1]), np.array([[0.04, 0.01], [0.01, 0.02]])
    assert chan_pc(miss, cov, 0.01) == pytest.approx(foster_pc(miss, cov, 0.01), rel=1e-3)


def test_chan_on_cara_omitron_case_1(data_dir):
    """CARA's Omitron case 1 (pc_cases.json: aspect ratio 4.2, HBR 20 m, miss 4.6 km): Chan's
    series within 1e-4 of CARA's PcCircle value. (Omitron case 2, HBR comparable to the
    sigmas, is outside Chan's small-disk regime: 0.197 against 0.181; not claimed.)"""
    case = next(c for c in json.loads((data_dir / "pc_cases.json").read_text())
                if c["name"] == "omitron_case1_pccircle")
    miss, cov, hbr = _plane(case)
    assert chan_pc(miss, cov, hbr) == pytest.approx(case["expected_pc"], rel=1e-4)


def test_foster_against_monte_carlo():
    # an independent check: sample the Gaussian, count hits in the disk
    rng = np.random.default_rng(7)
    miss, cov, hbr = np.array([0.05, -0.02]), np.array([[0.01, 0.004], [0.004, 0.003]]), 0.03
    points = rng.multivariate_normal(miss, cov, 2_000_000)
    hits = np.mean(np.hypot(points[:, 0], points[:, 1]) <= hbr)
    assert foster_pc(miss, cov, hbr) == pytest.approx(hits, abs=4 * math.sqrt(hits / 2e6))


def test_max_pc_is_the_worst_case_over_covariance_scale():
    miss, cov, hbr = np.array([1.0, 0.3]), np.array([[0.2, 0.05], [0.05, 0.1]]), 0.02
    worst = max_pc(miss, cov, hbr)
    for k in np.geomspace(0.01, 100, 200):
        assert foster_pc(miss, cov * k * k, hbr) <= worst * (1 + 1e-6)
    # small-disk closed form (Alfano 2005): R^2 / (e sx sy v)
    values, vectors = np.linalg.eigh(cov)
    x = vectors.T @ miss
    v = np.sum(x ** 2 / values)
    closed = hbr ** 2 / (math.e * math.sqrt(values.prod()) * v)
    assert worst == pytest.approx(closed, rel=2e-2)
    assert max_pc(np.array([0.01, 0.0]), cov, hbr) == 1.0  # miss inside the disk
    # a small disk far from the miss takes the closed form: still the maximum over k
    far = np.array([2.0, 0.5])
    samples = [foster_pc(far, cov * k * k, 0.01) for k in np.geomspace(0.1, 30, 2000)]
    assert max_pc(far, cov, 0.01) == pytest.approx(max(samples), rel=1e-3)


def test_rtn_rotation_is_orthonormal_and_keeps_radial_variance():
    r, v = np.array([7000.0, 100.0, -50.0]), np.array([0.1, 7.5, 1.0])
    basis = rtn_basis(r, v)
    assert np.allclose(basis @ basis.T, np.eye(3))
    cov = ric_to_inertial(np.diag([1.0, 4.0, 9.0]), r, v)
    radial = r / np.linalg.norm(r)
    assert radial @ cov @ radial == pytest.approx(1.0)


def test_cara_operational_cdms_reproduce_their_probability(data_dir):
    files = sorted((data_dir / "cara_cdms").glob("*.cdm"))
    assert len(files) == 53
    for path in files:
        result = cdm_pc(read_cdm(path))
        expected = result["cdm_probability"]
        assert result["hard_body_radius_source"] == "CDM COMMENT HBR"
        # required 5e-3 (the CDMs print 4 digits); the README states the measured 2.6e-3
        assert abs(result["probability"] - expected) <= 2.6e-3 * expected, (path.name, result)


def test_cara_sample_cdm_cases(data_dir):
    for case in json.loads((data_dir / "pc_cdm_cases.json").read_text()):
        if "hall" in case["name"]:
            continue  # 3-D Pc: another model
        result = cdm_pc(read_cdm(data_dir / case["cdm"]), hbr_m=case["hbr_m"])
        expected = case["expected_pc"]
        if expected == 0.0:
            assert result["probability"] <= (case.get("abs_tol") or 1e-10)
        else:
            assert result["probability"] == pytest.approx(expected, rel=1e-3)


def test_many_conjunctions_at_once_match_the_adaptive_integral(monkeypatch):
    # debris.conjunctions.pc.probabilities (Gauss-Legendre rules over all conjunctions)
    # against the adaptive scalar foster_pc and max_pc, on screening-like cases: HBR of
    # metres, sigmas of 0.05-10 km, misses of 10 m to 5 km.
    from debris.conjunctions import pc as pc_module

    rng = np.random.default_rng(1)
    m = 2000
    miss = rng.normal(size=(m, 2)) * rng.choice([0.01, 0.1, 1.0, 5.0], size=(m, 1))
    a = rng.normal(size=(m, 2, 2)) * rng.choice([0.05, 0.3, 2.0, 10.0], size=(m, 1, 1))
    cov = a @ np.swapaxes(a, 1, 2) + 1e-4 * np.eye(2)
    hbr = rng.choice([0.001, 0.005, 0.01, 0.02], size=m)
    ref = np.array([pc_module.foster_pc(miss[k], cov[k], hbr[k]) for k in range(m)])
    ref_max = np.array([pc_module.max_pc(miss[k], cov[k], hbr[k]) for k in range(m)])
    calls = []
    scalar = pc_module.foster_pc
    def counted(*args, **kwargs):  # max_pc's own calls pass rtol: count the Pc loop's only
        calls.extend([] if "rtol" in kwargs else [1])
        return scalar(*args, **kwargs)

    monkeypatch.setattr(pc_module, "foster_pc", counted)
    prob, max_prob = pc_module.probabilities(miss, cov, hbr)
    big = ref > 1e-50
    assert np.max(np.abs(prob - ref)[big] / ref[big]) < 1e-9
    assert np.max(np.abs(prob - ref)) < 1e-14
    # max Pc: 1e-9 where the maximum is inside max_pc's bracket (k0/30..30 k0); where Pc
    # still grows at its end, both stop there, max_pc within 1e-6 of it in log k.
    excess = (max_prob - ref_max) / ref_max
    assert np.all(excess > -1e-9) and np.all(excess < 1e-5)
    assert np.mean(np.abs(excess) < 1e-9) > 0.99
    assert len(calls) == 0  # all through the vectorised rules
