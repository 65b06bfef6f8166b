"""Shared fixtures. Tests never touch the network or ../shared: data lives in tests/data and tle/."""

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
