"""Manoeuvre detection (issue 25): scored against the operators' own manoeuvre times of six LEO
histories (Shorten et al.'s benchmark; a flag is right when a manoeuvre lies between the
flagged set's neighbours), and on histories whose steps we made ourselves."""

from pathlib import Path

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from debris.manoeuvres import THRESHOLD, detect_manoeuvres, jump_rule, score_manoeuvres
from debris.uncertainty import History, read_history, read_manoeuvres

HISTORY = Path(__file__).parent / "data" / "history"
#: Measured by scripts/manoeuvre_detection.py (module notes of debris.manoeuvres, README):
#: flags, right flags, manoeuvres in the span, manoeuvres found.
MEASURED = {
    "Jason-1": (30, 25, 115, 31),
    "Jason-2": (47, 37, 96, 40),
    "Jason-3": (32, 31, 40, 36),
    "Sentinel-3A": (50, 50, 59, 50),
    "Sentinel-6A": (5, 5, 13, 7),
    "TOPEX": (7, 6, 39, 6),
}


@pytest.fixture(scope="module")
def scored():
    out = {}
    for name in MEASURED:
        history = read_history(HISTORY / f"{name}.tle")
        truth = read_manoeuvres(HISTORY / f"manoeuvres_{name}.yaml")
        out[name] = (score_manoeuvres(detect_manoeuvres(history), history.epoch_jd, truth),
                     score_manoeuvres(jump_rule(history), history.epoch_jd, truth))
    return out


def test_per_satellite_against_the_operators_times(scored):
    """The README's table, satellite by satellite (a flag moved by one set changes a count:
    the counts are held exactly, within one)."""
    for name, (flags, right, manoeuvres, found) in MEASURED.items():
        ours = scored[name][0]
        assert ours["manoeuvres"] == manoeuvres
        assert abs(ours["flags"] - flags) <= 1
        assert abs(ours["right"] - right) <= 1
        assert abs(ours["found"] - found) <= 1
    assert scored["Jason-3"][0]["precision"] >= 0.95
    assert scored["Jason-3"][0]["recall"] >= 0.85
    assert scored["Sentinel-3A"][0]["precision"] == 1.0
    assert scored["Sentinel-3A"][0]["recall"] >= 0.8


def test_pooled_precision_and_recall_beat_the_jump_rule(scored):
    """Pooled over the six: precision 0.90, recall 0.47 (the jump rule alone, the archive's
    rule before: 0.82 and 0.14). The issue's target, recall 0.6 at precision 0.9, is not
    reached: Jason-1's and TOPEX's sets absorb a burn over several sets."""
    ours = np.sum([[s["flags"], s["right"], s["manoeuvres"], s["found"]]
                   for s, _ in scored.values()], axis=0)
    rule = np.sum([[s["flags"], s["right"], s["manoeuvres"], s["found"]]
                   for _, s in scored.values()], axis=0)
    assert ours[1] / ours[0] == pytest.approx(0.90, abs=0.005)
    assert ours[3] / ours[2] == pytest.approx(0.47, abs=0.005)
    assert rule[1] / rule[0] == pytest.approx(0.82, abs=0.005)
    assert rule[3] / rule[2] == pytest.approx(0.14, abs=0.005)


def _history(a_km, scatter_km, seed=1, step_day=None, step_km=0.0):
    """Daily SGP4 sets of a 1,336 km circular orbit whose semi-major axis follows `a_km`
    (a drift) plus noise of `scatter_km`, with an optional step."""
    rng = np.random.default_rng(seed)
    mu = 398600.5
    sats, epochs = [], []
    for day, a in enumerate(a_km):
        if step_day is not None and day >= step_day:
            a = a + step_km
        a = a + rng.normal(0.0, scatter_km)
        n = np.sqrt(mu / a ** 3) * 60.0  # rad/min
        s = Satrec()
        s.sgp4init(WGS72, "i", 99999, 8000.0 + day + 0.01 * rng.random(), 0.0, 0.0, 0.0,
                   0.0008, 0.3, np.radians(66.04), 0.1 * day, n, 0.2 * day)
        sats.append(s)
        epochs.append(s.jdsatepoch + s.jdsatepochF)
    return History(sats, np.array(epochs), 99999)


def test_a_step_is_found_at_its_set_with_its_size():
    """A 10 m raise (a 5 mm/s burn) on day 40 in 0.3 m scatter and a 0.2 m/day decay:
    flagged on day 40 (or the set before), with its size; nothing else flagged."""
    days = np.arange(80)
    history = _history(7714.0 - 0.0002 * days, 0.0003, step_day=40, step_km=0.010)
    found = detect_manoeuvres(history)
    assert found.index.tolist() in ([40], [39])
    assert found.statistic[0] >= THRESHOLD
    assert found.delta_a_km[0] == pytest.approx(0.010, abs=0.001)
    speed = np.sqrt(398600.5 / 7714.0)
    assert found.delta_v_m_s[0] == pytest.approx(1000 * speed * 0.010 / (2 * 7714.0),
                                                  rel=0.15)


def test_noise_and_drift_alone_raise_no_flag():
    """Two years of daily sets with 0.3 m scatter and a curving drift: no manoeuvre."""
    days = np.arange(730)
    for seed in range(3):
        history = _history(7714.0 - 0.0002 * days + 0.002 * np.sin(days / 60.0), 0.0003,
                           seed=seed)
        assert len(detect_manoeuvres(history)) == 0


def test_short_histories_keep_the_jump_rule():
    """Too few sets for the statistical test: a kilometre jump is still a manoeuvre."""
    history = _history(np.full(6, 7714.0), 0.0003, step_day=3, step_km=2.0)
    found = detect_manoeuvres(history)
    assert found.index.tolist() == [3]
    assert np.isinf(found.statistic[0])
    assert found.delta_a_km[0] == pytest.approx(2.0, abs=0.01)
    assert len(detect_manoeuvres(_history(np.full(3, 7714.0), 0.0003))) == 0
