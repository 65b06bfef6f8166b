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
    conjunctions below 5 km for 5 primaries; 615 observations."""
    run = json.loads((example_night / "run.json").read_text())
    assert run["objects"] == 26834 and run["visible_passes"] == 54744
    assert run["conjunctions"] == 15 and run["observations"] == 615
    assert "26,834 objects; 54,744 visible passes at three sites; 15" in README


def test_the_schedule_example_figures(example_night):
    """README, "Schedules": 8,145 candidate windows of 6,511 objects; 615 observations,
    objective 615 against the greedy's 610 (magnitudes from the SATCAT RCS leave the
    smallest debris below the telescope's limit)."""
    meta = json.loads((example_night / "schedule_dushanbe.json").read_text())["meta"]
    (info,) = meta["objective"].values()
    assert (info["candidate_windows"], info["objects_with_windows"]) == (8145, 6511)
    assert (info["observations"], info["objective"], info["objective_greedy"]) == (615, 615,
                                                                                  610)
    assert "8,145 candidate\nwindows of 6,511 objects; 615 observations, objective 615" in README


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
