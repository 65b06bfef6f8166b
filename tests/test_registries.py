"""Extension points (issue 26): an entry registered from outside debris (here, this test
module) reaches every place that lists or uses its kind, with no edit elsewhere."""

import numpy as np
import pytest

from debris.cli import main
from debris.conjunctions.pc import (PcMethod, foster_pc, pc_method, pc_methods,
                                    register_pc_method, unregister_pc_method)
from debris.errors import InputError
from debris.io.ccsds import read_cdm

PAIR = "tle/iridium33_cosmos2251_2009-02-10_original_elset.3le"
WINDOW = ["--start", "2009-02-10T00:00Z", "--days", "1"]


def _half_foster(miss, cov, hbr, *, min_sigma=1e-6):
    return 0.5 * foster_pc(miss, cov, hbr, min_sigma=min_sigma)


@pytest.fixture
def toy():
    method = register_pc_method(PcMethod("toy", _half_foster, "TOY-2026",
                                         "half of Foster's (a test's method)"))
    yield method
    unregister_pc_method("toy")


def test_a_registered_pc_method_reaches_the_cli_the_cdms_and_the_diagnostic(toy, tmp_path,
                                                                            capsys):
    """Registered here, the toy method is a --method choice of screen and pc (with its
    description), screening computes with it (half Foster's Pc on the 2009 collision), the
    CDMs written say COLLISION_PROBABILITY_METHOD = TOY-2026, debris pc reads them back with
    it, and python -m debris lists it."""
    from debris.__main__ import report

    for command in ("screen", "pc"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
        assert "{foster,chan,toy}" in out and "half of Foster's" in out
    assert main(["screen", PAIR, *WINDOW, "--format", "json", "--output",
                 str(tmp_path / "foster.json")]) == 0
    assert main(["screen", PAIR, *WINDOW, "--method", "toy", "--format", "json", "--output",
                 str(tmp_path / "toy.json")]) == 0
    import json

    foster = json.loads((tmp_path / "foster.json").read_text())["conjunctions"][0]
    mine = json.loads((tmp_path / "toy.json").read_text())["conjunctions"][0]
    assert mine["probability"] == pytest.approx(0.5 * foster["probability"], rel=1e-6)
    folder = tmp_path / "cdms"
    assert main(["screen", PAIR, *WINDOW, "--method", "toy", "--format", "cdm", "--output",
                 str(folder)]) == 0
    (path,) = folder.glob("*.cdm")
    assert "COLLISION_PROBABILITY_METHOD" in path.read_text()
    assert read_cdm(path).relative["COLLISION_PROBABILITY_METHOD"] == "TOY-2026"
    assert main(["pc", str(path), "--method", "toy", "--format", "json"]) == 0
    assert "toy (TOY-2026)" in report()
    capsys.readouterr()


def test_pc_method_names_are_checked_and_kept_apart(toy):
    assert list(pc_methods())[:2] == ["foster", "chan"] and "toy" in pc_methods()
    assert pc_method("foster").ccsds_label == "FOSTER-1992"
    assert pc_method("chan").ccsds_label == "CHAN-1997"
    with pytest.raises(ValueError, match="registered already"):
        register_pc_method(PcMethod("toy", _half_foster, "X"))
    with pytest.raises(InputError, match="Pc method 'nope': expected one of foster, chan, toy"):
        pc_method("nope")
    unregister_pc_method("toy")
    assert "toy" not in pc_methods()
    assert np.isfinite(pc_method("foster").function(np.array([0.1, 0.0]), np.eye(2) * 0.01,
                                                    0.02))


class _OneByOne:
    """python-sgp4 one object at a time: a whole propagation backend in a few lines."""

    name = "one-by-one"

    def propagate(self, satrecs, times, satrec_array=None):
        from debris.propagation.states import finish_states

        n, t = len(satrecs), len(times)
        r, v, e = np.empty((n, t, 3)), np.empty((n, t, 3)), np.zeros((n, t), np.int8)
        for k, sat in enumerate(satrecs):
            e[k], r[k], v[k] = sat.sgp4_array(times.jd, times.fr)
        return finish_states(r, v, e)

    def propagate_at(self, satrecs, obj, times):
        r, v, e = np.empty((len(obj), 3)), np.empty((len(obj), 3)), np.zeros(len(obj), np.int8)
        for k, (i, jd, fr) in enumerate(zip(obj, times.jd, times.fr)):
            e[k], r[k], v[k] = satrecs[int(i)].sgp4(jd, fr)
        r[e != 0] = v[e != 0] = np.nan
        return r, v, e


@pytest.fixture
def one_by_one():
    from debris.backends import (PropagationBackend, register_propagation_backend,
                                 unregister_propagation_backend)

    spec = register_propagation_backend(PropagationBackend("one-by-one", _OneByOne))
    yield spec
    unregister_propagation_backend("one-by-one")


def test_a_registered_backend_runs_passes_crossings_and_screening(one_by_one, leo_sample,
                                                                   tmp_path, capsys):
    """A backend registered here (python-sgp4 called object by object) is a --backend
    choice, python -m debris lists it, and passes, crossings and screening run on it end to
    end with python-sgp4's results (the CSV compared whole)."""
    from debris import find_crossings, find_passes, get_site, screen
    from debris.__main__ import report
    from debris.io.tables import table_to_csv

    with pytest.raises(SystemExit):
        main(["passes", "--help"])
    assert "one-by-one" in capsys.readouterr().out
    assert "one-by-one" in report()
    site = get_site("dushanbe")
    night = ("2024-11-01T13:00:00Z", "2024-11-01T19:00:00Z")
    sample = leo_sample.subset(np.arange(60))
    for backend_a, backend_b in (("one-by-one", "sgp4"),):
        a = find_passes(sample, site, *night, backend=backend_a)
        b = find_passes(sample, site, *night, backend=backend_b)
        assert table_to_csv(a) == table_to_csv(b) and len(a) > 20
        a = find_crossings(sample, site, *night, radius_deg=20.0, az_deg=180.0, el_deg=50.0,
                           backend=backend_a)
        b = find_crossings(sample, site, *night, radius_deg=20.0, az_deg=180.0, el_deg=50.0,
                           backend=backend_b)
        assert table_to_csv(a) == table_to_csv(b) and len(a) > 0
        a = screen(leo_sample, night[0], night[1], 50.0, backend=backend_a)
        b = screen(leo_sample, night[0], night[1], 50.0, backend=backend_b)
        assert table_to_csv(a) == table_to_csv(b) and len(a) > 0
    assert main(["passes", "--norad", ",".join(map(str, sample.norad_id[:5].tolist())),
                 "--start", night[0], "--hours", "6", "--site", "dushanbe", "--backend",
                 "one-by-one", "--format", "csv"]) == 0
    capsys.readouterr()


def _read_piped(text, source, builder, verify_checksums):
    from debris.tle import read_tle_text

    read_tle_text(text.replace(" | ", "\n"), source, builder, verify_checksums)


def _write_piped(catalog):
    from debris.tle import tle_lines

    return "".join(" | ".join([str(name), *tle_lines(sat, norad_id=int(norad))]) + "\n"
                   for sat, name, norad in zip(catalog.satrecs, catalog.name, catalog.norad_id))


@pytest.fixture
def piped():
    from debris.catalog_formats import (CatalogFormat, register_catalog_format,
                                        unregister_catalog_format)

    spec = register_catalog_format(CatalogFormat(
        "piped-3le", "a 3LE record per line, ' | ' between its lines (a test's format)",
        lambda text: 2.0 if " | 1 " in text else 0.0, _read_piped, _write_piped, ".p3le"))
    yield spec
    unregister_catalog_format("piped-3le")


def test_a_registered_catalogue_format_is_read_written_and_offered(piped, tmp_path, capsys):
    """Registered here, the toy format is recognised when a catalogue is read, is a
    --to choice of debris convert and a --format choice of fit and iod, and python -m
    debris lists it; converting the 2009 pair into it and back gives the same elements."""
    from debris import Catalog
    from debris.__main__ import report

    for command in (["convert", PAIR], ["fit", PAIR, "--norad", "1"], ["iod", PAIR]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        assert "piped-3le" in capsys.readouterr().out
    out = tmp_path / "pair.p3le"
    assert main(["convert", PAIR, "--to", "piped-3le", "--output", str(out)]) == 0
    assert out.read_text().count(" | ") == 4
    back = Catalog.from_file(out)  # detected: no format given
    original = Catalog.from_file(PAIR)
    assert list(back.norad_id) == list(original.norad_id)
    assert [s.inclo for s in back.satrecs] == pytest.approx([s.inclo for s in original.satrecs])
    assert main(["convert", str(out), "--to", "omm-json"]) == 0
    assert '"NORAD_CAT_ID": 24946' in capsys.readouterr().out
    assert "piped-3le" in report()
