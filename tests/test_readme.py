"""The README's figures and its list of claims.

Every figure the README states about a result is checked on the stated sample here or in the
test its "Claims and their tests" table names; timings are measured by ``scripts/bench_*``
and are not asserted anywhere."""

import ast
import json
import re
from pathlib import Path

import pytest

from debris.nightly import run_nightly

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


@pytest.fixture(scope="module")
def example_night(tmp_path_factory):
    """The README's nightly example: examples/nightly_tajikistan.toml, night of 2024-11-01,
    offline on the bundled catalogue."""
    tmp = tmp_path_factory.mktemp("example_night")
    text = (ROOT / "examples" / "nightly_tajikistan.toml").read_text()
    text = text.replace('output_folder = "../nightly"', f'output_folder = "{tmp / "out"}"')
    text = text.replace('catalog = "../tle/', f'catalog = "{ROOT / "tle"}/')
    text = text.replace('telescope_file = "telescope_dushanbe.toml"',
                        f'telescope_file = "{ROOT / "examples" / "telescope_dushanbe.toml"}"')
    text = re.sub(r'(?m)^archive = .*$', "", text)
    config = tmp / "nightly.toml"
    config.write_text(text)
    return run_nightly(config, night="2024-11-01", offline=True)


def test_the_nightly_example_figures(example_night):
    """README, "The nightly run": 26,834 objects; 54,744 visible passes at three sites; 15
    conjunctions below 5 km for 5 primaries; 568 observations."""
    run = json.loads((example_night / "run.json").read_text())
    assert run["objects"] == 26834 and run["visible_passes"] == 54744
    assert run["conjunctions"] == 15 and run["observations"] == 568
    assert "26,834 objects; 54,744 visible passes at three sites; 15" in README
    size = (example_night / "report.html").stat().st_size  # README: 1.03 MB (was 1.83 MB)
    assert 1.0e6 < size < 1.06e6 and "writes a 1.03 MB `report.html`" in README


def test_the_schedule_example_figures(example_night):
    """README, "Schedules": 7,393 candidate windows of 6,028 objects; 568 observations,
    objective 568 against the greedy's 564 (tracks widened by three timing sigmas; magnitudes from the published table, the SATCAT
    RCS and the LEO defaults leave the smallest debris below the telescope's limit)."""
    meta = json.loads((example_night / "schedule_dushanbe.json").read_text())["meta"]
    (info,) = meta["objective"].values()
    assert (info["candidate_windows"], info["objects_with_windows"]) == (7393, 6028)
    assert (info["observations"], info["objective"], info["objective_greedy"]) == (568, 568,
                                                                                  564)
    assert "7,393 candidate\nwindows of 6,028 objects; 568 observations, objective 568" in README


def _claims():
    section = README.split("## Claims and their tests", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| (.+?) \| `(tests/[\w/]+\.py)::(\w+)` \|$", section, re.M)


def test_every_listed_claim_points_at_a_test():
    claims = _claims()
    assert len(claims) >= 25
    for claim, path, name in claims:
        tree = ast.parse((ROOT / path).read_text())
        names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert name in names, (claim, path, name)


def test_the_example_night_schedule_passes_the_checker(example_night):
    """README, "Schedules": the example night's schedule (the whole bundled catalogue, 568
    tracks) passes the independent checker of tests/test_schedule.py, magnitudes from the
    SATCAT RCS as the scheduler takes them."""
    import numpy as np

    from debris import Catalog, get_site
    from debris.table import Table
    from debris.telescope import load_telescopes
    from debris.timescale import to_times
    from test_schedule import check_schedule

    records = json.loads((example_night / "schedule_dushanbe.json").read_text())["observations"]
    assert len(records) == 568
    table = Table({"telescope": np.array([r["telescope"] for r in records]),
                   "norad_id": np.array([r["norad_id"] for r in records]),
                   "start_utc": to_times([r["start_utc"] for r in records]),
                   "end_utc": to_times([r["end_utc"] for r in records])})
    catalog = Catalog.bundled()
    catalog = catalog.subset(np.flatnonzero(np.isin(catalog.norad_id, table["norad_id"])))
    telescopes = load_telescopes(ROOT / "examples" / "telescope_dushanbe.toml")
    assert check_schedule(table, catalog, get_site("dushanbe"), telescopes) == []


#: README figures and the test constants that assert them: (test module, the README's text
#: made from the module's constants). A figure changed in the README or in its test alone
#: fails here, so a claim and its tolerance cannot drift apart.
FIGURES = [
    ("test_observations_orbits", "within {SGP4_UNROUNDED_M:.0f} m over the arc (before "
     "rounding; {SGP4_ROUNDED_M:.0f} m after); RMS {SGP4_RMS_ARCSEC:.1f}″"),
    ("test_observations_orbits", "**{STELLA_ARC_KM:.2f} km** RMS over the arc, "
     "**{STELLA_NEXT_DAY_KM:.2f} km** over the next day; residual RMS {STELLA_RMS_ARCSEC:.0f}″"),
    ("test_observations_orbits", "**{JASON3_ARC_KM:.1f} km** RMS over the arc, "
     "**{JASON3_NEXT_DAY_KM:.1f} km** over the next day; residual RMS {JASON3_RMS_ARCSEC:.0f}″"),
    ("test_observations_orbits", "Stella: {STELLA_ARC_KM:.2f} km over the arc, "
     "{STELLA_NEXT_DAY_KM:.2f} km the next day (each within half its last digit)"),
    ("test_observations_orbits", "Jason-3: {JASON3_ARC_KM:.1f} km over the arc, "
     "{JASON3_NEXT_DAY_KM:.1f} km the next day (each within half its last digit)"),
    ("test_schedule", "{RANDOM_NIGHTS} random small nights (hypothesis) never violate a "
     "constraint"),
    ("test_fit_quality", "{GATES_OK} of the {GATES_FILES} files give a fit that passes; "
     "{GATES_FAILED[uncertainties]} fail on residuals"),
    ("test_identify_split", "| a provisional number per object, station and night | "
     "{MEASURED[provisional][0]:.1f} % | {MEASURED[provisional][1]:.1f} % | "
     "{MEASURED[provisional][2]:.1f} % | {MEASURED[provisional][3]:.1f} % |"),
    ("test_identify_split", "split into their objects) | {MEASURED[all99999][0]:.1f} % | "
     "{MEASURED[all99999][1]:.1f} % | {MEASURED[all99999][2]:.1f} % | {MEASURED[all99999][3]:.1f} % |"),
    ("test_robust_fit", "| debris | **0** | **{WITHIN:.0%}** | **{MEDIAN:.2f}** |"),
]


@pytest.mark.parametrize("module, template", FIGURES, ids=[t[:40] for _, t in FIGURES])
def test_readme_figures_are_the_tests_figures(module, template):
    import importlib

    text = template.format(**vars(importlib.import_module(module)))
    assert text.replace("\n", " ") in " ".join(README.split("\n")), text
