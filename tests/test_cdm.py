"""CDM reading (KVN and XML), writing and round trips."""

import numpy as np
import pytest

from debris import to_times
from debris.conjunctions import cdm_pc
from debris.errors import CDMFormatError
from debris.io.ccsds import (OBLIGATORY_HEADER, OBLIGATORY_OBJECT, OBLIGATORY_RELATIVE,
                             conjunction_cdm, parse_cdm, read_cdm)


def test_kvn_and_xml_round_trip_real_cdms(data_dir):
    """All 53 real CARA CDMs and the CARA sample CDMs, through KVN and XML."""
    paths = sorted((data_dir / "cara_cdms").glob("*.cdm"))
    assert len(paths) == 53
    paths += sorted((data_dir / "cara_sample_cdms").glob("*.cdm"))
    for path in paths:
        cdm = read_cdm(path)
        for text in (cdm.to_kvn(), cdm.to_xml()):
            again = parse_cdm(text, "round trip")
            assert again.comments == cdm.comments
            assert again.header == cdm.header
            assert again.relative == cdm.relative
            assert again.objects == cdm.objects
            assert again.units == cdm.units
            assert cdm_pc(again)["probability"] == cdm_pc(cdm)["probability"]


def test_units_comments_and_day_of_year_times(data_dir):
    cdm = read_cdm(data_dir / "cara_cdms" / sorted(p.name for p in
                                                   (data_dir / "cara_cdms").glob("*.cdm"))[0])
    assert cdm.units[("relative", "MISS_DISTANCE")] == "m"
    assert cdm.hard_body_radius_m() > 0
    doy = read_cdm(data_dir / "cara_sample_cdms" / "OmitronTestCase_Test07_NonPDCovariance.cdm")
    assert doy.tca.iso()[0].startswith("2017-02-02T23:14:54.33")


def _example():
    return conjunction_cdm(
        message_id="debris_24946_22675_20090210T165559", originator="debris",
        tca=to_times("2009-02-10T16:55:59.800Z"), miss_distance_km=0.698,
        relative_speed_km_s=11.65, relative_rtn_km=[0.1, -0.2, 0.65],
        relative_rtn_km_s=[0.0, -11.0, 3.0], probability=1.2e-4,
        pc_method="FOSTER-1992",
        objects=[{"norad_id": 24946, "name": "IRIDIUM 33", "intl_designator": "1997-051C",
                  "r_km": [6000.0, 2000.0, 2500.0], "v_km_s": [1.0, -3.0, 6.5],
                  "cov_rtn_km": np.diag([0.01, 0.25, 0.01, 1e-6, 1e-5, 1e-6]),
                  "covariance_method": "DEFAULT"},
                 {"norad_id": 22675, "name": "COSMOS 2251", "intl_designator": "1993-036A",
                  "r_km": [6000.1, 2000.2, 2500.3], "v_km_s": [-2.0, 5.0, 4.0],
                  "cov_rtn_km": np.diag([0.01, 0.25, 0.01, 1e-6, 1e-5, 1e-6]),
                  "covariance_method": "DEFAULT"}])


def test_written_cdm_has_every_obligatory_keyword_and_parses_back():
    cdm = _example()
    for text in (cdm.to_kvn(), cdm.to_xml()):
        again = parse_cdm(text)
        assert all(k in again.header for k in OBLIGATORY_HEADER)
        assert all(k in again.relative for k in OBLIGATORY_RELATIVE)
        for obj in again.objects:
            missing = [k for k in OBLIGATORY_OBJECT if k not in obj]
            assert not missing
            assert obj["COVARIANCE_METHOD"] == "DEFAULT"
            assert obj["REF_FRAME"] == "GCRF"
        r, v = again.state(1)
        assert np.allclose(r, [6000.1, 2000.2, 2500.3]) and np.allclose(v, [-2.0, 5.0, 4.0])
        assert np.allclose(again.covariance_rtn(0), np.diag([0.01, 0.25, 0.01, 1e-6, 1e-5, 1e-6]))
        assert float(again.relative["MISS_DISTANCE"]) == pytest.approx(698.0)
        assert again.relative["COLLISION_PROBABILITY_METHOD"] == "FOSTER-1992"


@pytest.mark.parametrize("text, message", [
    ("", "empty file"),
    ("CCSDS_CDM_VERS = 1.0\nTCA = 2020-01-01T00:00:00\n", "expected 2 OBJECT sections"),
    ("CCSDS_CDM_VERS = 1.0\nthis is not a keyword line\n", "line 2"),
    ("TCA = 2020-01-01T00:00:00\nOBJECT = OBJECT1\nOBJECT = OBJECT2\n", "not a CDM"),
    ("<cdm><body><segment/></body></cdm>", "expected 2 <segment>"),
    ("<cdm><unclosed></cdm>", "not valid XML"),
])
def test_bad_cdms_name_what_is_wrong(text, message):
    with pytest.raises(CDMFormatError, match=message):
        parse_cdm(text, "bad.cdm")


def test_missing_state_is_named():
    text = _example().to_kvn().replace("Z_DOT", "Q_DOT")
    with pytest.raises(CDMFormatError, match="object 1 lacks Z_DOT"):
        parse_cdm(text).state(0)


def test_screen_writes_cdm_xml_from_the_command_line(tmp_path, capsys):
    """debris screen --format cdm-xml: the same CDMs as --format cdm, as NDM/XML files that
    read back to the same keywords."""
    from debris.cli import main

    pair = "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"
    argv = ["screen", pair, "--start", "2009-02-10T00:00Z", "--days", "1"]
    assert main(argv + ["--format", "cdm", "--output", str(tmp_path / "kvn")]) == 0
    assert main(argv + ["--format", "cdm-xml", "--output", str(tmp_path / "xml")]) == 0
    (kvn,), (xml,) = (tmp_path / "kvn").glob("*.cdm"), (tmp_path / "xml").glob("*.xml")
    assert xml.stem == kvn.stem and xml.read_text().startswith("<?xml")
    a, b = read_cdm(kvn), read_cdm(xml)
    assert a.relative == b.relative and a.objects == b.objects
    assert b.relative["COLLISION_PROBABILITY_METHOD"] == "FOSTER-1992"
    assert main(argv + ["--format", "cdm-xml"]) == 2  # a folder is needed
    assert "--format cdm-xml writes one file per conjunction" in capsys.readouterr().err
