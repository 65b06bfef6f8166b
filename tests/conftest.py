"""Shared fixtures. Tests never touch the network or ../shared: data lives in tests/data and tle/."""

import os
from pathlib import Path

import numpy as np
import pytest

from debris import Catalog

DATA = Path(__file__).parent / "data"

# Tolerances in physical units, named (sources in the tests that use them).
ONE_MM_KM = 1e-6
ONE_M_KM = 1e-3
ONE_ARCSEC_DEG = 1.0 / 3600.0


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def bundled() -> Catalog:
    return Catalog.bundled()


@pytest.fixture(scope="session")
def leo_sample(bundled) -> Catalog:
    """300 random real LEO objects of the bundled catalogue (fixed seed)."""
    leo = bundled.filter(leo=True)
    rng = np.random.default_rng(20241101)
    return leo.subset(np.sort(rng.choice(len(leo), 300, replace=False)))


#: Set (as .ci/run does) to make every skipped test a failure: in CI every optional
#: dependency (numba, heyoka, matplotlib, Chromium) is meant to be there.
NO_SKIP = "DEBRIS_TESTS_NO_SKIP"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get(NO_SKIP) and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (f"skipped while {NO_SKIP} is set (a missing optional dependency?): "
                           f"{reason}")
