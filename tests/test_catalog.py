"""Catalogue loading: real files and their quirks, OMM forms, duplicates, filters, bad files."""

import numpy as np
import pytest

from debris import Catalog, CatalogError
from debris.catalog import LEO_MIN_MEAN_MOTION_REV_DAY
from debris.tle import tle_checksum


def test_bundled_catalogue_round_trip(bundled):
    # CelesTrak on-orbit catalogue of 2024-11-01 (tle/README.md): 26,834 objects, all valid.
    assert len(bundled) == 26834
    assert bundled.rejected == []
    info = bundled.info()
    assert info["leo_objects"] == int((bundled.mean_motion_rev_day >= 11.25).sum()) == 22542
    assert info["epoch_min_utc"].iso()[0] == "2024-10-02T00:06:24.038Z"
    assert info["epoch_max_utc"].iso()[0] == "2024-11-03T13:17:20.454Z"
    assert bundled.norad_id.dtype == np.int64 and len(set(bundled.norad_id)) == len(bundled)
    iss = bundled.index_of(25544)
    assert bundled.name[iss] == "ISS (ZARYA)"
    assert bundled.intl_designator[iss] == "1998-067A"
    assert bundled.object_type[iss] == "PAYLOAD"
    assert 400 < bundled.perigee_km[iss] < bundled.apogee_km[iss] < 440
    assert abs(bundled.inclination_deg[iss] - 51.64) < 0.01


def test_spacetrack_quirks(data_dir):
    cat = Catalog.from_file(data_dir / "spacetrack_quirks.3le")
    assert cat.rejected == []
    assert len(cat) == 13
    assert {270000, 270001, 270003, 350}.issubset(set(cat.norad_id.tolist()))
    row = cat.index_of(350)
    assert cat.name[row] == "THOR ABLESTAR DEB"  # "0 " prefix removed, CRLF handled
    assert cat.intl_designator[row] == "1961-015DQ"
    assert cat.object_type[row] == "DEBRIS"
    assert cat.name[cat.index_of(270000)] == "TBA - TO BE ASSIGNED"
    jwst = cat.index_of(50463)
    assert cat.sgp4_init_error[jwst] == 3
    assert cat.init_error_report() == [
        "NORAD 50463 JWST: SGP4 initialisation error 3 (perturbed eccentricity is outside the "
        "range 0.0 to 1.0)"]


def test_two_line_file_without_names(data_dir):
    cat = Catalog.from_file(data_dir / "spacetrack_2line.tle")
    assert len(cat) == 40 and cat.rejected == []
    assert set(cat.name) == {""}


def test_omm_csv_json_xml_agree_with_each_other(data_dir):
    cats = [Catalog.from_file(data_dir / f"celestrak_sample.omm.{ext}")
            for ext in ("csv", "json", "xml")]
    for cat in cats:
        assert len(cat) == 25 and cat.rejected == []
    base = cats[0]
    for other in cats[1:]:
        np.testing.assert_array_equal(other.norad_id, base.norad_id)
        np.testing.assert_array_equal(other.name, base.name)
        np.testing.assert_array_equal(other.intl_designator, base.intl_designator)
        for a, b in zip(base.satrecs, other.satrecs):
            ea, ra, va = a.sgp4(2460615.5, 0.25)
            eb, rb, vb = b.sgp4(2460615.5, 0.25)
            assert ea == eb and ra == rb and va == vb


def test_omm_matches_equivalent_tle(bundled):
    # The ISS row of CelesTrak's OMM CSV and the same elements as TLE lines (CelesTrak's
    # 2024-10-31 ISS TLE) propagate alike: to 1 m, since OMM epochs carry microseconds
    # and TLE epochs 1e-8 day (0.9 ms).
    tle = Catalog.from_tle_lines([
        "1 25544U 98067A   24305.58058399  .00035180  00000-0  60166-3 0  9990",
        "2 25544  51.6392 359.7717 0008966 122.2149 237.9710 15.50886758479706"])
    omm = bundled.satrecs[bundled.index_of(25544)]
    _, r1, _ = omm.sgp4(2460616.5, 0.0)
    _, r2, _ = tle.satrecs[0].sgp4(2460616.5, 0.0)
    assert max(abs(a - b) for a, b in zip(r1, r2)) < 1e-3


def test_bad_omm_records_are_reported(tmp_path, data_dir):
    lines = (data_dir / "celestrak_sample.omm.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("ECCENTRICITY")] = "1.5"
    row2 = lines[2].split(",")
    row2[header.index("EPOCH")] = ""
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(row), ",".join(row2)] + lines[3:6]) + "\n")
    cat = Catalog.from_file(path)
    assert len(cat) == 3
    assert [(r.line_number, r.reason) for r in cat.rejected] == [
        (2, "ECCENTRICITY 1.5 outside [0, 1)"), (3, "OMM record lacks EPOCH")]


def test_duplicates_keep_newest_epoch(tmp_path):
    new = ["1 25544U 98067A   24305.58058399  .00035180  00000-0  60166-3 0  9990",
           "2 25544  51.6392 359.7717 0008966 122.2149 237.9710 15.50886758479706"]
    line1 = new[0].replace("24305.", "24304.")
    old = [line1[:68] + str(tle_checksum(line1)), new[1]]
    (tmp_path / "a.tle").write_text("\n".join(new) + "\n")
    (tmp_path / "b.tle").write_text("\n".join(old) + "\n")
    cat = Catalog.from_files([tmp_path / "a.tle", tmp_path / "b.tle"])
    assert len(cat) == 1
    assert cat.epoch.iso()[0].startswith("2024-10-31")
    (rej,) = cat.rejected
    assert rej.source.endswith("b.tle") and rej.line_number == 1 and rej.norad_id == 25544
    assert "is not newer than" in rej.reason and "kept the newest" in rej.reason


def test_filters(bundled):
    leo = bundled.filter(leo=True)
    assert np.all(leo.mean_motion_rev_day >= LEO_MIN_MEAN_MOTION_REV_DAY)
    band = bundled.filter(perigee_km=(700, 800), apogee_km=(None, 900))
    assert len(band) > 100
    assert np.all((band.perigee_km >= 700) & (band.perigee_km <= 800) & (band.apogee_km <= 900))
    fresh = bundled.filter(max_epoch_age_days=2, when="2024-11-01T00:00:00Z")
    assert 0 < len(fresh) < len(bundled)
    assert np.all(np.abs(fresh.epoch_age_days("2024-11-01T00:00:00Z")) <= 2)
    picked = bundled.filter(norad_ids=[25544, 5, 999999])
    assert sorted(picked.norad_id.tolist()) == [5, 25544]
    deb = bundled.filter(object_types=["debris"])
    assert set(deb.object_type) == {"DEBRIS"}
    with pytest.raises(ValueError, match="low end above its high end"):
        bundled.filter(perigee_km=(800, 700))


@pytest.mark.parametrize("content, message", [
    ("", "file is empty"),
    ("hello world\nthis is not a catalogue\n", "is not followed by TLE lines"),
])
def test_unusable_files(tmp_path, content, message):
    path = tmp_path / "x.txt"
    path.write_text(content)
    if message == "file is empty":
        with pytest.raises(CatalogError, match=message):
            Catalog.from_file(path)
    else:
        cat = Catalog.from_file(path)
        assert len(cat) == 0 and message in cat.rejected[-1].reason


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CatalogError, match="nothere.tle: no such file"):
        Catalog.from_file(tmp_path / "nothere.tle")


def test_omm_initialisation_equals_sgp4_omm_helper(data_dir):
    # debris initialises OMM records as python-sgp4's sgp4.omm.initialize does (faster epoch
    # parsing); the resulting Satrec objects must propagate identically.
    import csv

    from sgp4 import omm
    from sgp4.api import Satrec

    path = data_dir / "celestrak_sample.omm.csv"
    cat = Catalog.from_file(path)
    with open(path, newline="") as handle:
        for row, ours in zip(csv.DictReader(handle), cat.satrecs):
            ref = Satrec()
            omm.initialize(ref, row)
            assert (ref.jdsatepoch, ref.jdsatepochF) == (ours.jdsatepoch, ours.jdsatepochF)
            assert ref.sgp4(2460615.5, 0.3) == ours.sgp4(2460615.5, 0.3)
            assert ref.intldesg == ours.intldesg and ref.satnum == ours.satnum
