"""The nightly pipeline offline on real elements, its report in a real headless browser."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from debris.nightly import NightlyConfigError, load_config, run_nightly

ROOT = Path(__file__).parent.parent
TELESCOPE = ROOT / "examples" / "telescope_dushanbe.toml"
PASS_RGB, TRACK_RGB = (0x1F, 0x6F, 0xD1), (0x2A, 0x9D, 0x3A)


def _config(tmp_path, catalog_file, telescope=TELESCOPE, extra=""):
    path = tmp_path / "nightly.toml"
    path.write_text(f"""
[nightly]
output_folder = "out"
catalog = "{catalog_file}"
sites = ["dushanbe", "sanglokh"]
[screening]
primaries = [25544, 48274]
threshold_km = 20
days = 0.25
[[schedule]]
site = "dushanbe"
telescope_file = "{telescope}"
{extra}""")
    return path


@pytest.fixture(scope="module")
def elements(tmp_path_factory, bundled, leo_sample):
    """The 300-object sample plus the two stations, as a 3LE file."""
    from sgp4.exporter import export_tle

    lines = []
    names = list(leo_sample.name)
    sats = list(leo_sample.satrecs)
    for norad in (25544, 48274):
        k = bundled.index_of(norad)
        names.append(str(bundled.name[k]))
        sats.append(bundled.satrecs[k])
    for name, sat in zip(names, sats):
        lines += [str(name), *export_tle(sat)]
    path = tmp_path_factory.mktemp("elements") / "sample.3le"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def night_folder(tmp_path_factory, elements):
    tmp = tmp_path_factory.mktemp("nightly")
    folder = run_nightly(_config(tmp, elements), night="2024-11-01", offline=True)
    return folder


def test_offline_run_writes_every_output(night_folder):
    names = set(os.listdir(night_folder))
    assert {"report.html", "passes.json", "passes_dushanbe.csv", "passes_sanglokh.csv",
            "conjunctions.json", "conjunctions.csv", "cdm", "schedule_dushanbe.json",
            "schedule_dushanbe.csv", "tracks_dushanbe.csv", "nightly.log"} <= names
    assert night_folder.name == "2024-11-01"
    passes = json.loads((night_folder / "passes.json").read_text())
    assert passes["passes"] and all(p["visible"] for p in passes["passes"])
    schedule = json.loads((night_folder / "schedule_dushanbe.json").read_text())
    assert schedule["observations"]
    log = (night_folder / "nightly.log").read_text()
    assert "(offline)" in log and "report written" in log
    html = (night_folder / "report.html").read_text()
    assert html.count('class="sky-chart"') == 2 and 'class="timeline"' in html
    assert 'class="conjunction-timeline"' in html and "<script" not in html
    assert "http://" not in html and "https://" not in html  # self-contained
    pytest.importorskip("matplotlib")
    assert {"sky_dushanbe.png", "sky_sanglokh.png", "schedule_timeline.png"} <= names


def test_rerun_replaces_the_folder_and_failures_leave_it(tmp_path, elements):
    config = _config(tmp_path, elements)
    first = run_nightly(config, night="2024-11-01", offline=True)
    (first / "marker").write_text("old run")
    again = run_nightly(config, night="2024-11-01", offline=True)
    assert again == first and not (again / "marker").exists()
    (again / "marker").write_text("kept")
    bad = tmp_path / "bad.toml"
    bad.write_text(TELESCOPE.read_text().replace("settle_time_s = 4.0", "settle_time_s = -4"))
    from debris.telescope import TelescopeFileError

    with pytest.raises(TelescopeFileError, match="settle_time_s"):
        run_nightly(_config(tmp_path, elements, telescope=bad), night="2024-11-01",
                    offline=True)
    assert (again / "marker").read_text() == "kept"  # the good night is untouched
    # nothing half-written; the failed run's log is kept beside the good night
    assert sorted(os.listdir(tmp_path / "out")) == ["2024-11-01", "2024-11-01.failed.log"]
    assert "settle_time_s" in (tmp_path / "out" / "2024-11-01.failed.log").read_text()


@pytest.mark.parametrize("text, message", [
    ("[other]\n", "missing \\[nightly\\] table"),
    ("[nightly]\nsites = 'dushanbe'\n", "sites = 'dushanbe'; expected a list"),
    ("[nightly]\nsites = ['dushanbe']\n[screening]\nprimaries = 'all'\n", "primaries = 'all'"),
    ("[nightly]\nsites = ['dushanbe']\n[[schedule]]\nsite = 'dushanbe'\n",
     "needs site and telescope_file"),
    ("[nightly]\nsites = ['dushanbe']\n[[schedule]]\nsite = 'hissar'\ntelescope_file = 't'\n",
     "site = 'hissar' is not one of \\[nightly\\] sites"),
    ("screening = 5\n[nightly]\nsites = ['dushanbe']\n", "expected a \\[screening\\] table"),
    ("[nightly]\nsites = ['dushanbe']\nmin_elevation_deg = 95\n",
     "min_elevation_deg = 95; expected a number in 0..90"),
    ("[nightly]\nsites = ['dushanbe']\nmin_objects_fraction = 2\n",
     "min_objects_fraction = 2; expected a number in 0..1"),
])
def test_bad_configs_name_the_key(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(NightlyConfigError, match=message):
        load_config(path)


def _degraded_run(tmp_path, elements, catalogue_bytes, *, extra="", night="2024-11-01"):
    """A good night, then a run of the same night on `catalogue_bytes`: its exit status and
    stderr, having checked that the good night is untouched."""
    from debris.cli import main

    good = run_nightly(_config(tmp_path, elements), night=night, offline=True)
    before = {p.name: p.read_bytes() for p in good.iterdir() if p.is_file()}
    bad = tmp_path / "bad_catalogue.tle"
    bad.write_bytes(catalogue_bytes)
    config = _config(tmp_path, bad, extra="")
    if extra:
        text = config.read_text().replace("[screening]", extra + "\n[screening]")
        config.write_text(text)
    code = main(["nightly", "--config", str(config), "--night", night, "--offline"])
    after = {p.name: p.read_bytes() for p in good.iterdir() if p.is_file()}
    assert after == before  # the good night is as it was
    assert sorted(n for n in os.listdir(good.parent) if not n.endswith(".failed.log")) == [
        night]
    return code


def test_a_binary_catalogue_fails_the_night_and_keeps_the_last(tmp_path, elements, capsys):
    assert _degraded_run(tmp_path, elements, bytes(range(256)) * 10) == 2
    assert "binary data" in capsys.readouterr().err


def test_far_fewer_objects_fail_the_night(tmp_path, elements, capsys):
    lines = elements.read_text().splitlines()
    code = _degraded_run(tmp_path, elements, ("\n".join(lines[:30]) + "\n").encode())
    err = capsys.readouterr().err
    assert code == 2 and "the catalogue has 10 usable objects, fewer than 0.5 x the 302" in err
    assert "truncated download" in (tmp_path / "out" / "2024-11-01.failed.log").read_text()


def test_elements_too_old_for_the_night_fail_it(tmp_path, elements, capsys):
    from debris.cli import main

    config = _config(tmp_path, elements)
    assert main(["nightly", "--config", str(config), "--night", "2024-12-01",
                 "--offline"]) == 2
    err = capsys.readouterr().err
    assert "median epoch is 3" in err and "max_element_age_days" in err
    assert not (tmp_path / "out" / "2024-12-01").exists()


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_renders_in_a_headless_browser(night_folder, tmp_path):
    image = pytest.importorskip("PIL.Image")
    shot = tmp_path / "report.png"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1000,2600",
                    (night_folder / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    pixels = np.asarray(image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)

    def count(rgb, tolerance=60):  # anti-aliased strokes blend with the background
        return int((np.abs(pixels - np.array(rgb)).sum(axis=1) <= tolerance).sum())

    assert count(PASS_RGB) > 200  # the sky charts' pass tracks are drawn
    assert count(TRACK_RGB) > 50  # the schedule timeline's tracks are drawn
    assert count((0x99, 0x99, 0xAA), 30) > 150  # elevation rings of the polar charts


def test_primaries_missing_from_the_catalogue_are_reported(tmp_path, elements):
    config = tmp_path / "c.toml"
    config.write_text(_config(tmp_path, elements).read_text().replace(
        "primaries = [25544, 48274]", "primaries = [99999]"))
    folder = run_nightly(config, night="2024-11-01", offline=True)
    assert json.loads((folder / "conjunctions.json").read_text())["conjunctions"] == []
    assert "primaries not in the catalogue, not screened: [99999]" in (
        folder / "nightly.log").read_text()
