"""Identification against the whole bundled catalogue, residuals, and the observation
commands end to end."""

import json

import numpy as np
import pytest

from debris import Catalog, get_site, identify, residuals
from debris.cli import main
from debris.observations import (iod_text, load_stations, read_observations,
                                 simulate_catalog_tracks, tdm_text)
from debris.observations.elements import satrec_from_x, x_from_satrec
from debris.table import Table

START = "2024-11-01T12:00:00Z"


@pytest.fixture(scope="module")
def simulated(bundled):
    """One 40-s track (5 observations, 5" noise) of each of 200 random LEO objects visible
    from Sanglokh that night (drawn from 700), each shifted along its track by a
    normal 1-s offset as real element sets are; plus tracks of 120 objects that are not in
    the catalogue (real orbits turned by 2-5 deg of node and 5-20 deg along the track),
    reported under numbers 99000+ that the catalogue lacks."""
    rng = np.random.default_rng(7)
    leo = np.flatnonzero(bundled.is_leo())
    pick = rng.choice(leo, 820, replace=False)
    site = get_site("sanglokh")
    known = simulate_catalog_tracks(bundled, pick[:700], site, "193", START, 14,
                                    noise_arcsec=5, along_track_sigma_s=1.0, rng=rng)
    first = list(dict.fromkeys(known["norad_id"].tolist()))[:200]
    known = known.take(np.flatnonzero(np.isin(known["norad_id"], first)))
    sats = []
    for k, j in enumerate(pick[700:]):
        s = bundled.satrecs[j]
        x = x_from_satrec(s)
        x[4] += np.radians(rng.uniform(2, 5))
        x[5] += np.radians(rng.uniform(5, 20))
        sats.append(satrec_from_x(x, s.jdsatepoch, s.jdsatepochF, 99000 + k))
    numbers = [99000 + k for k in range(len(sats))]
    assert not set(numbers) & set(bundled.norad_id.tolist())
    fake = Catalog.from_satrecs(sats, names=[f"X{k}" for k in numbers], norad_ids=numbers)
    unknown = simulate_catalog_tracks(fake, np.arange(len(sats)), site, "193", START, 14,
                                      noise_arcsec=5, rng=rng)
    table = Table.concat([known, unknown])
    table.meta["rejected"] = []
    return table, set(numbers)


def test_every_catalogue_object_identified_and_every_other_uncorrelated(bundled, simulated):
    obs, unknown = simulated
    table, tracks = identify(obs, bundled, load_stations())
    truth = tracks["reported_norad_id"]
    known = ~np.isin(truth, list(unknown))
    assert known.sum() == 200 and (~known).sum() == 36  # README: 36 not in the catalogue
    assert np.all(tracks["norad_id"][known] == truth[known])
    assert np.all(tracks["norad_id"][~known] == -1)
    assert np.all(tracks["status"][~known] == "uncorrelated")
    ok = table["norad_id"] >= 0
    assert np.all(np.abs(table["cross_track_arcsec"][ok]) < 30)  # 5" noise
    # The along-track offset found is the simulated one (1 s sigma): within 0.05 s per track.
    assert np.all(tracks["timing_spread_s"][known] < 0.1)
    assert not table["mismatch"].any()


def test_identification_in_blocks_equals_one_pass(bundled, simulated):
    """A large file is identified in blocks of whole tracks (bounded memory): the same
    tracks, objects and rows as one pass, offsets within 0.01\" and 10 us (the refinement's
    iterations start from another grid time)."""
    obs, _ = simulated
    stations = load_stations()
    whole, whole_tracks = identify(obs, bundled, stations)
    blocks, block_tracks = identify(obs, bundled, stations, block_observations=150)
    assert len(block_tracks) == len(whole_tracks) > 200
    for name in ("track", "norad_id", "reported_norad_id", "status"):
        assert np.array_equal(block_tracks[name], whole_tracks[name]), name
    for name in ("file", "line", "track", "norad_id", "name", "mismatch"):
        assert np.array_equal(blocks[name], whole[name]), name
    assert np.allclose(blocks["cross_track_arcsec"], whole["cross_track_arcsec"], atol=0.01,
                       equal_nan=True)
    assert np.allclose(blocks["along_track_s"], whole["along_track_s"], atol=1e-5,
                       equal_nan=True)


def test_a_wrong_reported_number_is_flagged(bundled, simulated):
    obs, unknown = simulated
    first = obs.take(np.flatnonzero(obs["norad_id"] == obs["norad_id"][0]))
    first.columns["norad_id"] = np.full(len(first), 25544)
    first.meta["rejected"] = []
    table, tracks = identify(first, bundled, load_stations())
    assert tracks["norad_id"][0] == obs["norad_id"][0] and tracks["reported_norad_id"][0] == 25544
    assert table["mismatch"].all()


def test_residuals_show_the_simulated_along_track_offset(bundled, simulated):
    obs, unknown = simulated
    known = obs.take(np.flatnonzero(~np.isin(obs["norad_id"], list(unknown))))
    res = residuals(known, bundled, load_stations())
    per_track = res["along_track_s"].reshape(-1, 5)
    assert np.all(np.ptp(per_track, axis=1) < 0.1)  # one offset per track
    assert 0.5 < np.std(per_track[:, 0]) < 1.5      # drawn with sigma 1 s


def test_identify_fit_and_iod_commands(bundled, simulated, tmp_path, capsys):
    obs, unknown = simulated
    one = int(obs["norad_id"][0])
    other = sorted(set(obs["norad_id"].tolist()) & unknown)[0]
    rows = np.flatnonzero(np.isin(obs["norad_id"], [one, other]))
    small = obs.take(rows)
    (tmp_path / "night.iod").write_text(iod_text(small).replace(" 193 ", "0193 "))
    (tmp_path / "night.tdm").write_text(tdm_text(small))
    (tmp_path / "stations.txt").write_text("0193 SO   38.261139   69.217556   2300  Sanglokh\n")
    out = tmp_path / "id.json"
    assert main(["identify", str(tmp_path / "night.iod"), "--stations",
                 str(tmp_path / "stations.txt"), "--format", "json", "--output", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert set(doc) == {"meta", "observations", "tracks"}
    first = doc["observations"][0]
    for key in ("file", "line", "time_utc", "station", "reported_norad_id", "norad_id", "name",
                "separation_arcsec", "cross_track_arcsec", "along_track_s"):
        assert key in first
    assert first["line"] == 1 and first["time_utc"].endswith("Z")
    by_number = {t["reported_norad_id"]: t["norad_id"] for t in doc["tracks"]}
    assert by_number == {one: one, other: None} or by_number == {one: one, other: -1}
    # identify writes the observations under their identified objects as a TDM (KVN or
    # XML), which reads back with the same angles and numbers
    for fmt, suffix in (("tdm", "tdm"), ("tdm-xml", "xml")):
        path = tmp_path / f"identified.{suffix}"
        assert main(["identify", str(tmp_path / "night.iod"), "--stations",
                     str(tmp_path / "stations.txt"), "--format", fmt, "--output",
                     str(path)]) == 0
        back = read_observations(path)
        assert len(back) == len(small)
        assert sorted(set(back["norad_id"].tolist()) - {-1}) == [one]
        assert np.allclose(np.sort(back["ra_deg"]), np.sort(small["ra_deg"]), atol=1e-6)
    # The TDM of the same observations gives the same identification (station by name).
    assert main(["identify", str(tmp_path / "night.tdm"), "--format", "csv"]) == 0
    assert str(one) in capsys.readouterr().out
    # fit: TLE with checksums; iod: a TLE for the uncorrelated track.
    assert main(["fit", str(tmp_path / "night.iod"), "--norad", str(one), "--stations",
                 str(tmp_path / "stations.txt"), "--format", "json", "--output",
                 str(tmp_path / "fit.json")]) == 0
    fit = json.loads((tmp_path / "fit.json").read_text())
    for key in ("tle_line1", "tle_line2", "rms_arcsec", "observations_used",
                "observations_rejected", "iterations", "converged", "sigmas", "residuals"):
        assert key in fit
    assert fit["observations_used"] + fit["observations_rejected"] == 5
    assert fit["rms_arcsec"] < 15 and fit["tle_line1"].startswith(f"1 {one:05d}U")
    assert main(["iod", str(tmp_path / "night.iod"), "--stations",
                 str(tmp_path / "stations.txt"), "--output", str(tmp_path / "iod.tle")]) == 0
    lines = (tmp_path / "iod.tle").read_text().splitlines()
    assert len(lines) == 3 and lines[1].startswith(f"1 {other}U")
    for command in ("omm", "tle"):
        assert main(["fit", str(tmp_path / "night.iod"), "--norad", str(one), "--stations",
                     str(tmp_path / "stations.txt"), "--format", command]) == 0
    text = capsys.readouterr().out
    assert "MEAN_ELEMENT_THEORY = SGP4" in text and f"NORAD_CAT_ID = {one}" in text
    from debris import Catalog

    bundled = Catalog.bundled()  # the catalogue knows the designator (it was UNKNOWN)
    assert f"OBJECT_ID = {bundled.intl_designator[bundled.index_of(one)]}" in text


def test_observation_commands_refuse_bad_input(tmp_path, data_dir, capsys):
    (tmp_path / "empty.iod").write_text("")
    assert main(["identify", str(tmp_path / "empty.iod")]) == 2
    assert "empty" in capsys.readouterr().err
    real = data_dir / "observations" / "real_iod" / "23908_20200316.txt"
    assert main(["identify", str(real)]) == 2
    err = capsys.readouterr().err
    assert "unknown station '4171'" in err and "Traceback" not in err
    stations = data_dir / "observations" / "real_iod" / "sat_tracking_observatories.txt"
    assert main(["fit", str(real), "--norad", "99999", "--stations", str(stations)]) == 2
    assert "NORAD 99999 is not in the starting elements" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["identify", str(real), "--cross-track-arcsec", "-1"])
    assert stop.value.code == 2 and "outside the range" in capsys.readouterr().err


def test_residuals_command_with_plot(bundled, simulated, tmp_path):
    obs, unknown = simulated
    one = int(obs["norad_id"][0])
    small = obs.take(np.flatnonzero(obs["norad_id"] == one))
    (tmp_path / "one.iod").write_text(iod_text(small).replace(" 193 ", "0193 "))
    (tmp_path / "stations.txt").write_text("0193 SO   38.261139   69.217556   2300  Sanglokh\n")
    out, png = tmp_path / "res.json", tmp_path / "res.png"
    assert main(["residuals", str(tmp_path / "one.iod"), "--stations",
                 str(tmp_path / "stations.txt"), "--format", "json", "--output", str(out),
                 "--plot", str(png)]) == 0
    doc = json.loads(out.read_text())
    assert len(doc["residuals"]) == 5 and doc["statistics"][0]["norad_id"] == one
    along = [r["along_track_s"] for r in doc["residuals"]]
    assert np.ptp(along) < 0.1  # one along-track offset for the track
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
