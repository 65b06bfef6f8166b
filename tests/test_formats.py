"""Catalogue and observation writers (debris.catalog_formats, debris convert): what debris
writes is read back by python-sgp4's own OMM and TLE parsers (a reader that is not debris')
to the same element sets, on the whole bundled catalogue."""

import io
import json

import numpy as np
import pytest
from sgp4 import omm as sgp4_omm
from sgp4.api import Satrec

from debris import Catalog
from debris.catalog_formats import catalog_format, catalog_formats, detect_catalog_format
from debris.cli import main
from debris.observations import read_observations

FIELDS = ("no_kozai", "ecco", "inclo", "nodeo", "argpo", "mo", "bstar")


def _satrecs_by_python_sgp4(name, text):
    """Satrecs of `text` as python-sgp4 parses it (no debris code)."""
    if name == "tle":
        lines = text.splitlines()
        return [Satrec.twoline2rv(line, lines[k + 1]) for k, line in enumerate(lines)
                if line.startswith("1 ") and lines[k + 1].startswith("2 ")]
    if name == "omm-csv":
        records = list(sgp4_omm.parse_csv(io.StringIO(text)))
    elif name == "omm-xml":
        records = list(sgp4_omm.parse_xml(io.StringIO(text)))
    elif name == "omm-json":
        records = [{k: str(v) for k, v in r.items()} for r in json.loads(text)]
    else:
        return None
    out = []
    for record in records:
        sat = Satrec()
        sgp4_omm.initialize(sat, record)
        out.append(sat)
    return out


@pytest.mark.parametrize("name", ["tle", "omm-csv", "omm-json", "omm-xml", "omm-kvn"])
def test_every_catalogue_writer_reads_back_to_the_same_elements(bundled, name):
    text = catalog_format(name).write(bundled)
    assert detect_catalog_format(text).name == name
    back = Catalog.from_text(text)
    assert len(back) == len(bundled) and not back.rejected
    assert (back.norad_id == bundled.norad_id).all() and (back.name == bundled.name).all()
    assert (back.intl_designator == bundled.intl_designator).all()
    # the TLE's columns hold angles to 1e-4 deg, e to 1e-7 and B* to 5 digits; OMM is exact
    tolerance = 2e-6 if name == "tle" else 1e-12
    reference = _satrecs_by_python_sgp4(name, text) or back.satrecs
    for field in FIELDS:
        ours = np.array([getattr(s, field) for s in bundled.satrecs])
        theirs = np.array([getattr(s, field) for s in reference])
        scale = np.maximum(np.abs(ours), 1e-4 if field == "bstar" else 1.0)
        limit = 1e-4 if name == "tle" and field == "bstar" else tolerance
        assert np.max(np.abs(theirs - ours) / scale) < limit, field
    epochs = np.array([s.jdsatepoch + s.jdsatepochF for s in reference])
    assert np.max(np.abs(epochs - bundled.epoch.jd - bundled.epoch.fr)) * 86400 < 1e-3  # s


def test_omm_json_keeps_a_zero_bstar_and_kvn_names_keep_brackets():
    cat = Catalog.from_omm([{"OBJECT_NAME": "ECHO 1 DEB [METAL OBJ]", "OBJECT_ID": "1960-009C",
                             "EPOCH": "2024-11-01T00:00:00", "MEAN_MOTION": 12.5,
                             "ECCENTRICITY": 0.01, "INCLINATION": 47.2, "RA_OF_ASC_NODE": 10,
                             "ARG_OF_PERICENTER": 20, "MEAN_ANOMALY": 30, "NORAD_CAT_ID": 111,
                             "BSTAR": 0}])
    assert len(cat) == 1 and cat.satrecs[0].bstar == 0.0  # a JSON 0 is a value
    back = Catalog.from_text(catalog_format("omm-kvn").write(cat))
    assert back.name[0] == "ECHO 1 DEB [METAL OBJ]" and back.intl_designator[0] == "1960-009C"


def test_convert_elements_and_observations(tmp_path, data_dir, capsys):
    pair = "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"
    for target in ("omm-xml", "omm-kvn", "tle"):
        out = tmp_path / f"pair.{target}"
        assert main(["convert", pair, "--to", target, "--output", str(out)]) == 0
        assert list(Catalog.from_file(out).norad_id) == [24946, 22675]
    real = data_dir / "observations" / "real_iod"
    stations = str(real / "sat_tracking_observatories.txt")
    source = real / "SATOBS-ML-19200716.txt"
    original = read_observations(source)
    for target in ("tdm", "tdm-xml", "csv", "iod"):
        out = tmp_path / f"obs.{target}"
        assert main(["convert", str(source), "--to", target, "--stations", stations,
                     "--output", str(out)]) in (0, 3)
        again = read_observations(out)
        keep = np.flatnonzero(np.isfinite(original["ra_deg"]))
        assert len(again) == keep.size
        # a TDM groups by station and object: compare in time order
        t_original = original["time"].seconds_since(original["time"])  # from the first
        t_again = again["time"].seconds_since(original["time"])
        a, b = keep[np.argsort(t_original[keep])], np.argsort(t_again)
        dt = np.abs(t_again[b] - t_original[a])
        assert dt.max() < 1e-3  # s, the writers' millisecond
        assert np.abs(again["dec_deg"][b] - original["dec_deg"][a]).max() * 3600 < 0.5
    assert main(["convert", pair, "--to", "tdm"]) == 2  # element sets are not observations
    assert "error" in capsys.readouterr().err.lower()


def test_known_formats_are_named_when_one_is_not(bundled):
    from debris.errors import InputError

    with pytest.raises(InputError, match="omm-kvn"):
        Catalog.from_text("x", format="fits")
    assert set(catalog_formats()) >= {"tle", "omm-csv", "omm-json", "omm-xml", "omm-kvn"}
