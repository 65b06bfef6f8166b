"""Magnitude model: the diffuse-sphere phase law, standard magnitudes and their table."""

import numpy as np
import pytest

from debris import Catalog, DebrisError
from debris.magnitude import (DEFAULT_STD_MAG, load_std_mag_table, standard_magnitudes,
                              visual_magnitude)


def test_phase_law_and_range():
    half_pi = np.pi / 2
    assert visual_magnitude(4.0, 1000.0, half_pi) == pytest.approx(4.0)
    assert visual_magnitude(4.0, 500.0, half_pi) == pytest.approx(4.0 - 5 * np.log10(2))
    # full phase: F(0)/F(90) = pi -> 1.243 mag brighter
    assert visual_magnitude(4.0, 1000.0, 0.0) == pytest.approx(4.0 - 2.5 * np.log10(np.pi))
    assert visual_magnitude(4.0, 1000.0, np.radians(170)) > 10.0
    assert np.isfinite(visual_magnitude(4.0, 1000.0, np.pi))


def test_standard_magnitudes_table_and_defaults(tmp_path, data_dir):
    cat = Catalog.from_file(data_dir / "spacetrack_quirks.3le")
    path = tmp_path / "mags.csv"
    path.write_text("norad_id,std_mag\n350,9.5\n5,7.25\n")
    mags = standard_magnitudes(cat, load_std_mag_table(path))
    assert mags[cat.index_of(350)] == 9.5 and mags[cat.index_of(5)] == 7.25
    jwst = cat.index_of(50463)
    assert mags[jwst] == DEFAULT_STD_MAG["PAYLOAD"]
    path.write_text("norad_id,std_mag\n350,bright\n")
    with pytest.raises(DebrisError, match="line 2: expected an integer norad_id and a number"):
        load_std_mag_table(path)
    path.write_text("id,mag\n1,2\n")
    with pytest.raises(DebrisError, match="expected a CSV header with norad_id,std_mag"):
        load_std_mag_table(path)
