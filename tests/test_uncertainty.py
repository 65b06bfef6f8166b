"""Element-set uncertainty from history (issue 25, first part): the growth law recovered from
errors of a known law, and covariance realism on six real LEO histories with the operators'
manoeuvre times (Shorten et al.'s benchmark), judged as a user meets it: models fitted on 365
days, errors of the next 30 days that they never saw."""

from pathlib import Path

import numpy as np
import pytest

from debris import Catalog, DebrisError
from debris.uncertainty import (CHI2_3_MEDIAN, HistoryDifferences, RegimePrior, fit_uncertainty,
                                history_differences, read_history, read_manoeuvres, realism,
                                rolling_realism)

HISTORY = Path(__file__).parent / "data" / "history"
TLE = Path(__file__).parent.parent / "tle"
SATELLITES = ("Jason-1", "Jason-2", "Jason-3", "Sentinel-3A", "Sentinel-6A", "TOPEX")
#: Measured by scripts/uncertainty_realism.py (README, "How wrong"): per satellite, at 1, 3
#: and 7 days, (median d2, share inside the 95 % ellipsoid) of our rolling models.
MEASURED = {
    "Jason-1": ((1.76, 0.894), (1.98, 0.914), (2.36, 0.907)),
    "Jason-2": ((2.55, 0.934), (2.56, 0.950), (2.74, 0.939)),
    "Jason-3": ((2.42, 0.874), (2.08, 0.973), (2.44, 0.934)),
    "Sentinel-3A": ((2.88, 0.838), (2.03, 0.930), (2.45, 0.894)),
    "Sentinel-6A": ((1.79, 0.883), (2.12, 0.917), (2.53, 0.944)),
    "TOPEX": ((2.19, 0.878), (2.15, 0.930), (2.80, 0.917)),
}


def test_the_growth_law_is_recovered_from_errors_of_a_known_law():
    """Errors drawn from a normal with R, T, N sigmas 0.05 t, 0.2 t^1.5, 0.08 t km (t in
    days) and an R-N correlation of -0.6: the fit gives the law back (amplitudes to 5 %,
    powers to 0.05) and the errors' median d2 and 95 % share are the chi-square's."""
    rng = np.random.default_rng(3)
    age = rng.uniform(0.3, 9.0, 40_000)
    sigma = np.stack([0.05 * age, 0.2 * age ** 1.5, 0.08 * age], axis=1)
    corr = np.array([[1, 0, -0.6], [0, 1, 0], [-0.6, 0, 1]])
    z = rng.standard_normal((age.size, 3)) @ np.linalg.cholesky(corr).T
    diffs = HistoryDifferences(age, z * sigma, np.zeros(age.size, int), np.zeros(age.size, int))
    model = fit_uncertainty(diffs)
    assert model.amplitude_km == pytest.approx([0.05, 0.2, 0.08], rel=0.05)
    assert model.power == pytest.approx([1.0, 1.5, 1.0], abs=0.05)
    assert model.correlation[0, 2] == pytest.approx(-0.6, abs=0.05)
    for row in realism(diffs, model):
        assert row["median_d2"] == pytest.approx(CHI2_3_MEDIAN, rel=0.05)
        assert row["inside_95"] == pytest.approx(0.95, abs=0.01)


def test_reading_histories_and_manoeuvres(tmp_path):
    history = read_history(HISTORY / "Jason-3.tle")
    assert history.norad_id == 41240 and len(history.satrecs) == 2412
    assert np.all(np.diff(history.epoch_jd) >= 0)
    times = read_manoeuvres(HISTORY / "manoeuvres_Jason-3.yaml")
    assert times.size == 43 and times[0] == pytest.approx(2457408.429, abs=1e-3)  # 2016-01-20
    bad = tmp_path / "bad.tle"
    lines = (HISTORY / "Jason-3.tle").read_text().splitlines()[:6]
    bad.write_text("\n".join(lines[:2] + lines[3:4] + lines[2:3]) + "\n")
    with pytest.raises(DebrisError, match=r"bad.tle, line 3: expected line 1 then line 2"):
        read_history(bad)
    mixed = tmp_path / "mixed.tle"
    mixed.write_text("\n".join(lines[:2]) + "\n" + "\n".join(
        (HISTORY / "TOPEX.tle").read_text().splitlines()[:2]) + "\n")
    with pytest.raises(DebrisError, match="one object's sets, found 2 objects"):
        read_history(mixed)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("hello\n")
    with pytest.raises(DebrisError, match="not a manoeuvre list"):
        read_manoeuvres(wrong)
    wrong.write_text("manoeuvre_timestamps:\n- 2016-13-40 22:18:00\n")
    with pytest.raises(DebrisError, match=r"wrong.yaml, line 2: .* is not a date and time"):
        read_manoeuvres(wrong)


@pytest.fixture(scope="module")
def histories():
    """Each satellite's history and its errors, the operators' manoeuvres left out."""
    out = {}
    for name in SATELLITES:
        history = read_history(HISTORY / f"{name}.tle")
        manoeuvres = read_manoeuvres(HISTORY / f"manoeuvres_{name}.yaml")
        out[name] = (history, history_differences(history, manoeuvres=manoeuvres))
    return out


@pytest.fixture(scope="module")
def rolling(histories):
    return {name: rolling_realism(history, diffs)
            for name, (history, diffs) in histories.items()}


#: The regime prior judged leave-one-out (scripts/uncertainty_realism.py, README): median d2
#: at 1, 3, 7 days of each satellite's errors at the prior from the others; Sentinel-3A has
#: no other satellite within its regime (800 km against 1,300 km).
REGIME_LOO = {"Jason-1": (0.62, 0.93, 1.35), "Jason-2": (0.25, 0.40, 0.61),
              "Jason-3": (0.32, 0.49, 0.70), "Sentinel-3A": None,
              "Sentinel-6A": (0.45, 0.80, 1.25), "TOPEX": (3.83, 3.14, 3.81)}


def test_the_bundled_regime_table_is_these_histories_models(histories):
    """tle/uncertainty_regimes.csv is what fit_uncertainty makes of each whole history (the
    script that writes it, recomputed here), to the digits it holds."""
    bundled = {int(r["norad_id"]): r for r in RegimePrior.bundled().rows}
    assert len(bundled) == len(SATELLITES)
    for name, (history, diffs) in histories.items():
        row = RegimePrior.row(fit_uncertainty(diffs, history.norad_id), history.satrecs[-1],
                              name)
        mine = bundled[history.norad_id]
        assert mine["name"] == name
        for key, value in row.items():
            if key != "name":
                assert mine[key] == pytest.approx(value, rel=1e-5, abs=1e-6), (name, key)


def test_the_regime_prior_leave_one_out(histories):
    """An object without a history of its own takes the models of the nearest objects of
    its regime: judged on each satellite with the others' models, the prior is on the
    cautious side for five of six (median d2 0.25-1.35 against the ideal 2.37: sigmas up to
    three times too wide, 95-99.8 % inside the 95 % ellipsoid) and too narrow for TOPEX,
    whose sets were the worst of the six (median d2 3.1-3.8)."""
    rows = {name: RegimePrior.row(fit_uncertainty(diffs, h.norad_id), h.satrecs[-1], name)
            for name, (h, diffs) in histories.items()}
    for name, (history, diffs) in histories.items():
        prior = RegimePrior([r for n, r in rows.items() if n != name])
        model = prior.model_for(history.satrecs[-1])
        if REGIME_LOO[name] is None:
            assert model is None
            continue
        assert model.source == "regime" and model.objects == 3
        result = realism(diffs, model)
        assert [round(r["median_d2"], 2) for r in result] == pytest.approx(
            REGIME_LOO[name], abs=0.011)


def test_regime_prior_keeps_to_its_regime(bundled):
    """The ISS (420 km) is not given a prior learnt at 800-1,300 km; Iridium 33 (780 km,
    86 deg) takes Sentinel-3A's (802 km, 98.6 deg) widened by e**0.5."""
    prior = RegimePrior.bundled()
    assert prior.model_for(bundled.satrecs[bundled.index_of(25544)]) is None
    iridium = Catalog.from_file(TLE / "iridium33_cosmos2251_2009-02-10_original_elset.3le")
    model = prior.model_for(iridium.satrecs[iridium.index_of(24946)])
    sentinel = {int(r["norad_id"]): r for r in prior.rows}[41335]
    assert model.objects == 1
    assert model.amplitude_km[1] == pytest.approx(sentinel["amp_t_km"] * np.exp(0.5))


@pytest.mark.parametrize("name", SATELLITES)
def test_rolling_realism_per_satellite(rolling, name):
    """Every satellite at 1, 3 and 7 days: the median squared Mahalanobis distance within a
    factor 1.5 of 2.37 (the issue's standard), where the screening's fixed covariance is
    three to twenty times too wide at one day (median d2 0.11-0.89); the figures as the
    README states them."""
    result = rolling[name]
    for ours, default, (median, inside) in zip(result["model"], result["default"],
                                               MEASURED[name]):
        assert CHI2_3_MEDIAN / 1.5 <= ours["median_d2"] <= CHI2_3_MEDIAN * 1.5
        assert ours["median_d2"] == pytest.approx(median, abs=0.02)
        assert ours["inside_95"] == pytest.approx(inside, abs=0.002)
    assert result["default"][0]["median_d2"] < 1.0  # the fixed model, one day


def test_rolling_realism_overall(rolling):
    """All six pooled (131,574 errors): median d2 2.28, 2.18, 2.57 at 1, 3, 7 days; 88.9 %,
    93.7 %, 92.0 % inside the 95 % ellipsoid. The errors are heavier-tailed than a normal:
    at one day the share inside is still short of the issue's 90 %."""
    d2 = np.concatenate([r["d2"] for r in rolling.values()])
    age = np.concatenate([r["age_days"] for r in rolling.values()])
    assert d2.size == 131_574
    for a, median, inside in ((1.0, 2.28, 0.889), (3.0, 2.18, 0.937), (7.0, 2.57, 0.920)):
        near = np.abs(age - a) <= 0.5
        assert np.median(d2[near]) == pytest.approx(median, abs=0.01)
        assert np.mean(d2[near] <= 7.815) == pytest.approx(inside, abs=0.001)


def test_fit_covariance_carried_to_any_time_matches_monte_carlo(bundled):
    """debris fit's parameter covariance (scaled by the reduced chi-square) carried to the
    arc and the next day by SGP4 partials: the same as 4,000 parameter vectors drawn from it
    and propagated one by one (RTN sigmas to 5 %, correlations to 0.05)."""
    from debris.observations import (Stations, fit_orbit, observation_geometry, sgp4_truth,
                                     simulate_tracks)
    from debris.observations.elements import satrec_from_x
    from debris.sites import parse_site
    from debris.timescale import time_range

    sat = bundled.satrecs[bundled.index_of(4391)]
    site = parse_site("sanglokh")
    obs = simulate_tracks(sgp4_truth(sat), site, "193", "2024-11-01T12:00:00Z", 30,
                          noise_arcsec=3.0, norad_id=4391, rng=5)
    geometry = observation_geometry(obs, Stations({"193": site}))
    fit = fit_orbit(geometry, sat, sigma_arcsec=obs["sigma_arcsec"], norad_id=4391)
    assert fit.converged and fit.covariance.shape == (7, 7)
    times = time_range(obs["time"][:1], obs["time"][:1].shift_seconds(2 * 86400.0),
                       step_s=6 * 3600.0)
    linear = fit.position_covariance(times, model_error=False)
    rng = np.random.default_rng(11)
    draws = rng.multivariate_normal(fit.x, fit.covariance, 4000)
    _, r0, v0 = satrec_from_x(fit.x, *fit.epoch).sgp4_array(times.jd, times.fr)
    positions = np.array([satrec_from_x(x, *fit.epoch).sgp4_array(times.jd, times.fr)[1]
                          for x in draws])  # (draws, T, 3)
    for k in range(len(times.jd)):
        radial = r0[k] / np.linalg.norm(r0[k])
        normal = np.cross(r0[k], v0[k])
        normal /= np.linalg.norm(normal)
        axes = np.array([radial, np.cross(normal, radial), normal])
        sample = np.cov(((positions[:, k] - r0[k]) @ axes.T).T)
        s_lin, s_mc = np.sqrt(np.diag(linear[k])), np.sqrt(np.diag(sample))
        assert s_lin == pytest.approx(s_mc, rel=0.05)
        corr_lin = linear[k] / np.outer(s_lin, s_lin)
        corr_mc = sample / np.outer(s_mc, s_mc)
        assert corr_lin == pytest.approx(corr_mc, abs=0.05)


def test_catalog_import_and_uncertainty_commands(tmp_path, capsys):
    """debris catalog import stores a history once; debris catalog uncertainty prints the
    model of the last year of sets at the ages asked (JSON: the issue's shape), and names
    what is wrong with its options."""
    from debris.cli import main

    archive = str(tmp_path / "archive.sqlite")
    history = str(HISTORY / "Jason-3.tle")
    assert main(["catalog", "import", history, "--archive", archive]) == 0
    assert "2412 new element sets of NORAD 41240" in capsys.readouterr().err
    assert main(["catalog", "import", history, "--archive", archive]) == 0
    assert "0 new element sets" in capsys.readouterr().err
    assert main(["catalog", "uncertainty", "41240", "--archive", archive, "--age-days", "1,3",
                 "--manoeuvres", str(HISTORY / "manoeuvres_Jason-3.yaml"),
                 "--format", "json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["norad_id"] == 41240 and out["source"] == "history" and out["sets"] == 356
    assert [c["age_days"] for c in out["covariances"]] == [1.0, 3.0]
    one, three = (np.array(c["rtn_km2"]) for c in out["covariances"])
    assert one.shape == (3, 3) and np.allclose(one, one.T)
    assert np.all(np.diag(three) > np.diag(one)) and np.all(np.diag(one) > 0)
    assert main(["catalog", "uncertainty", "41240", "--archive", archive]) == 0
    assert "age   7.00 d: R" in capsys.readouterr().out
    for argv, message in ((["--age-days", "0,x"], "ages must be > 0 and <= 30"),
                          (["--at", "2030-01-01T00:00Z"], "the model holds from 0 to 30 days"),
                          (["--norad-typo"], "unrecognized arguments")):
        try:
            code = main(["catalog", "uncertainty", "41240", "--archive", archive, *argv])
        except SystemExit as stop:  # argparse's own errors
            code = stop.code
        assert code == 2 and message in capsys.readouterr().err
    assert main(["catalog", "uncertainty", "25544", "--archive", archive]) == 2
    assert "no element sets of NORAD 25544" in capsys.readouterr().err


def _checksum(line: str) -> str:
    total = sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68])
    return line[:68] + str(total % 10)


def test_screening_takes_each_objects_covariance_from_its_history(tmp_path, capsys):
    """Jason-3's last set and a co-orbiting clone 0.005 deg behind it, screened with the
    archive of Jason-3's history: Pc uses Jason-3's learnt covariance at its element age at
    each TCA (the clone, with no history, the default), the table and the CDMs say which."""
    import json

    from debris import Catalog
    from debris.archive import Archive, ArchiveModels
    from debris.cli import main
    from debris.conjunctions.assessment import element_age_days, object_covariances_rtn
    from debris.io.ccsds import read_cdm
    from debris.timescale import to_times

    archive = str(tmp_path / "archive.sqlite")
    assert main(["catalog", "import", str(HISTORY / "Jason-3.tle"), "--archive", archive]) == 0
    lines = (HISTORY / "Jason-3.tle").read_text().splitlines()[-2:]
    anomaly = float(lines[1][43:51]) - 0.005
    clone = [_checksum(lines[0][:2] + "99001" + lines[0][7:]),
             _checksum(lines[1][:2] + "99001" + lines[1][7:43] + f"{anomaly:8.4f}"
                       + lines[1][51:])]
    path = tmp_path / "pair.tle"
    path.write_text("\n".join(["JASON-3", *lines, "CLONE", *clone]) + "\n")
    out = tmp_path / "conj.json"
    start = Catalog.from_file(path).epoch[:1]
    argv = ["screen", str(path), "--start", start.iso()[0], "--hours", "12", "--threshold-km",
            "5", "--uncertainty-archive", archive, "--format", "json", "--output", str(out)]
    assert main(argv) == 0
    data = json.loads(out.read_text())
    rows = data["conjunctions"]
    assert rows and {r["covariance"] for r in rows} == {"history+default"}
    assert data["meta"]["covariance"]["history_covariances"] == len(rows)
    catalog = Catalog.from_file(path)
    with Archive(archive) as store:
        models = ArchiveModels(store)
        model = models[41240]
        assert 99001 not in models
        tca = to_times([rows[0]["tca_utc"]])
        cov, user = object_covariances_rtn(catalog, np.array([0, 1]), tca.shift_seconds(
            np.zeros(2)), models)
        age = element_age_days(catalog, np.array([0]), tca)[0]
        assert user.tolist() == [True, False]
        assert cov[0] == pytest.approx(model.covariance(age))
    default = tmp_path / "default.json"
    assert main(argv[:-6] + ["--format", "json", "--output", str(default)]) == 0
    plain = json.loads(default.read_text())["conjunctions"]
    assert {r["covariance"] for r in plain} == {"default"}
    assert [r["probability"] for r in plain] != [r["probability"] for r in rows]
    folder = tmp_path / "cdms"
    assert main(argv[:-4] + ["--format", "cdm", "--output", str(folder)]) == 0
    cdm = read_cdm(sorted(folder.glob("*.cdm"))[0])
    text = sorted(folder.glob("*.cdm"))[0].read_text()
    assert "COVARIANCE_METHOD" in text and "element-set history" in text and cdm
    capsys.readouterr()


def test_passes_and_crossings_take_the_archives_models(tmp_path, capsys):
    """debris passes and crossings --uncertainty-archive: Jason-3's passes over Sanglokh in
    the day after its last set carry its own model's timing and cross-track sigmas
    (``history``); the clone with no sets in the archive keeps the fixed model, and with one
    set it takes its regime prior (Jason-3's neighbours in the bundled table)."""
    import json

    from debris.archive import Archive, ArchiveModels
    from debris.cli import main
    from debris.constants import DAY_S, WGS72_MU_KM3_S2
    from debris.timescale import to_times

    archive = str(tmp_path / "archive.sqlite")
    assert main(["catalog", "import", str(HISTORY / "Jason-3.tle"), "--archive", archive]) == 0
    lines = (HISTORY / "Jason-3.tle").read_text().splitlines()[-2:]
    clone = [_checksum(lines[0][:2] + "99001" + lines[0][7:]),
             _checksum(lines[1][:2] + "99001" + lines[1][7:])]
    path = tmp_path / "pair.tle"
    path.write_text("\n".join(["JASON-3", *lines, "CLONE", *clone]) + "\n")
    start = Catalog.from_file(path).epoch[:1].iso()[0]
    window = ["--start", start, "--hours", "24", "--site", "sanglokh", "--format", "json",
              "--uncertainty-archive", archive]
    assert main(["passes", str(path), *window, "--output", str(tmp_path / "p.json")]) == 0
    passes = json.loads((tmp_path / "p.json").read_text())["passes"]
    assert {p["uncertainty_source"] for p in passes if p["norad_id"] == 41240} == {"history"}
    assert {p["uncertainty_source"] for p in passes if p["norad_id"] == 99001} == {"default"}
    with Archive(archive) as store:
        model = ArchiveModels(store)[41240]
    epoch = Catalog.from_file(path).epoch[:1]
    mine = [p for p in passes if p["norad_id"] == 41240]
    for p in mine:
        culm = to_times([p["culmination_utc"]])
        age = (culm.jd[0] - epoch.jd[0]) + (culm.fr[0] - epoch.fr[0])
        sigma = model.sigma_km(age)
        speed = (WGS72_MU_KM3_S2 * 12.80930994 * 2 * np.pi / DAY_S) ** (1 / 3)
        assert p["time_sigma_s"] == pytest.approx(sigma[1] / speed, abs=0.0051)  # as written
        assert p["cross_track_sigma_arcsec"] == pytest.approx(
            np.degrees(sigma[2] / p["culmination_range_km"]) * 3600, abs=0.051)
    assert main(["crossings", str(path), *window, "--az-deg", "0", "--el-deg", "90",
                 "--radius-deg", "90", "--output", str(tmp_path / "c.json")]) == 0
    crossings = json.loads((tmp_path / "c.json").read_text())["crossings"]
    assert {c["uncertainty_source"] for c in crossings if c["norad_id"] == 41240} == {"history"}
    assert len([c for c in crossings if c["norad_id"] == 41240]) >= len(mine)  # from 0 deg
    with Archive(archive) as store:  # one set of the clone: its regime prior
        store.add(Catalog.from_file(path).filter(norad_ids=[99001]), source="test")
    assert main(["passes", str(path), *window, "--output", str(tmp_path / "p.json")]) == 0
    passes = json.loads((tmp_path / "p.json").read_text())["passes"]
    assert {p["uncertainty_source"] for p in passes if p["norad_id"] == 99001} == {"regime"}
    capsys.readouterr()


def test_iridium_cosmos_with_the_regime_prior(tmp_path, capsys):
    """The 2009 collision with covariances from what the archive knows: one pre-collision set
    of each object (all our data holds), so each takes its regime prior (Sentinel-3A's
    model: the histories of 2009, all at 1,300 km, are not of their regime): Pc 1.71e-4
    against 1.44e-4 with the fixed model; the CDMs say DEFAULT and where it came from."""
    import json

    from debris.cli import main

    pair = str(TLE / "iridium33_cosmos2251_2009-02-10_original_elset.3le")
    archive = str(tmp_path / "a.sqlite")
    assert main(["catalog", "import", pair, "--archive", archive]) == 0
    argv = ["screen", pair, "--start", "2009-02-10T00:00Z", "--days", "1", "--format", "json",
            "--output", str(tmp_path / "c.json")]
    assert main(argv + ["--uncertainty-archive", archive]) == 0
    regime = json.loads((tmp_path / "c.json").read_text())
    assert main(argv) == 0
    fixed = json.loads((tmp_path / "c.json").read_text())
    (row,), (plain,) = regime["conjunctions"], fixed["conjunctions"]
    assert row["covariance"] == "regime" and plain["covariance"] == "default"
    assert regime["meta"]["covariance"]["regime_covariances"] == 1
    assert row["probability"] == pytest.approx(1.71e-4, rel=0.005)
    assert plain["probability"] == pytest.approx(1.44e-4, rel=0.005)
    folder = tmp_path / "cdms"
    assert main(argv[:-4] + ["--uncertainty-archive", archive, "--format", "cdm", "--output",
                             str(folder)]) == 0
    text = next(folder.glob("*.cdm")).read_text()
    assert text.count("COVARIANCE_METHOD                   = DEFAULT") == 2
    assert text.count("regime prior") == 2 and "1 object in" in text
    assert main(["catalog", "uncertainty", "24946", "--archive", archive, "--format",
                 "json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "regime"


def test_against_jasons_precise_orbit_a_truth_that_is_not_a_set():
    """Jason-3's sets of the week around its ILRS prediction (June 2018), each propagated
    over the days the prediction covers, against it: with the error every set shares with its
    neighbours added (the floor), the squared Mahalanobis distance at the model's covariance
    has medians 1.7-2.7 (within a factor 1.5 of 2.37 in every age band) and 99.7 % of the
    errors lie inside the 3-sigma ellipsoid, the rate a normal has. Without the floor the
    model learnt from set-to-set differences alone is far too small (median d2 15, over 100
    within a day)."""
    from debris.frames import earth_orientation
    from debris.observations import read_cpf
    from debris.uncertainty import _rtn_axes

    cpf = read_cpf(Path(__file__).parent / "data" / "observations" / "precise_orbits"
                   / "jason3_cpf_180613_16401.cne")
    history = read_history(HISTORY / "Jason-3.tle")
    diffs = history_differences(history, manoeuvres=read_manoeuvres(
        HISTORY / "manoeuvres_Jason-3.yaml"))
    start, end = (float(t.jd[0] + t.fr[0]) for t in (cpf.span[:1], cpf.span[1:]))
    epochs = history.epoch_jd
    learnt = (epochs[diffs.second] < start) & (epochs[diffs.first] >= start - 365)
    model = fit_uncertainty(diffs.take(learnt), history.norad_id)
    times = cpf.times[np.arange(0, len(cpf.times.jd), 3)]
    turn = earth_orientation(times, polar_motion=True).teme_to_itrs
    truth = np.einsum("nji,nj->ni", turn, cpf.itrs_at(times))  # ITRF -> TEME
    when = times.jd + times.fr
    d2, d2_relative, ages = [], [], []
    for k in np.flatnonzero((epochs > start - 7) & (epochs < end)):
        age = when - epochs[k]
        ok = (age > 0.05) & (age <= 10.0)
        error, r, v = history.satrecs[k].sgp4_array(times.jd[ok], times.fr[ok])
        for rr, vv, tt, a in zip(r[error == 0], v[error == 0], truth[ok][error == 0],
                                 age[ok][error == 0]):
            x = _rtn_axes(rr, vv) @ (rr - tt)
            d2.append(x @ np.linalg.solve(model.covariance(a), x))
            d2_relative.append(x @ np.linalg.solve(model.relative_covariance(a), x))
            ages.append(a)
    d2, ages = np.array(d2), np.array(ages)
    assert d2.size == 5509
    for lo, hi in ((0, 1), (1, 3), (3, 7), (7, 10)):
        band = (ages > lo) & (ages <= hi)
        assert CHI2_3_MEDIAN / 1.5 <= np.median(d2[band]) <= CHI2_3_MEDIAN * 1.5, (lo, hi)
    assert np.mean(d2 <= 14.156) == pytest.approx(0.997, abs=0.002)  # chi2(3) at 99.73 %
    d2_relative = np.array(d2_relative)
    assert np.median(d2_relative) == pytest.approx(15.0, abs=0.1)
    assert np.median(d2_relative[ages <= 1]) > 100


def test_a_failed_import_creates_no_archive(tmp_path, capsys):
    """catalog import reads every file before it opens the archive: a binary file is an
    error naming it, exit 2, and no archive is left behind."""
    from debris.cli import main

    binary = tmp_path / "bin.tle"
    binary.write_bytes(bytes(range(256)) * 2)
    archive = tmp_path / "a.sqlite"
    assert main(["catalog", "import", str(HISTORY / "Jason-3.tle"), str(binary), "--archive",
                 str(archive)]) == 2
    assert "bin.tle" in capsys.readouterr().err and not archive.exists()
