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
SLEW_RGB, AXIS_RGB = (0xB8, 0x6E, 0x00), (0x5C, 0x63, 0x70)


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
    assert 'class="conjunction-timeline"' in html and "<script src" not in html
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


def _browser(*args, timeout=120):
    return subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", *args], check=True, capture_output=True,
                          timeout=timeout)


def _dom(url: str, width: int = 1000) -> str:
    """The page's DOM after its script ran, as Chromium serialises it."""
    return _browser(f"--window-size={width},900", "--virtual-time-budget=3000", "--dump-dom",
                    url).stdout.decode("utf-8")


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_renders_in_a_headless_browser(night_folder, tmp_path):
    image = pytest.importorskip("PIL.Image")
    shot = tmp_path / "report.png"
    _browser(f"--screenshot={shot}", "--window-size=1000,3400",
             (night_folder / "report.html").as_uri())
    pixels = np.asarray(image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)

    def count(rgb, tolerance=60):  # anti-aliased strokes blend with the background
        return int((np.abs(pixels - np.array(rgb)).sum(axis=1) <= tolerance).sum())

    assert count(PASS_RGB) > 200  # the sky charts' brightest passes are drawn
    assert count(TRACK_RGB) > 50  # the schedule timeline's tracks are drawn
    assert count(SLEW_RGB, 40) > 10  # and the slews before them
    assert count(AXIS_RGB, 30) > 150  # elevation rings and axes


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_dom_sections_and_accessibility(night_folder):
    """After the script ran: Tonight first, every chart an image with a name and axes with
    values, every table a caption and column headers, every input a label, no sideways
    scrolling on a phone's width; filters and sorting from the address work."""
    import xml.etree.ElementTree as ET  # the SVG parts, parsed

    url = (night_folder / "report.html").as_uri()
    dom = _dom(url)
    assert 'data-ready="1"' in dom and '<html lang="en">' in dom
    assert 'name="viewport"' in dom
    headings = [h.split(">", 1)[1].split("<", 1)[0] for h in dom.split("<h2")[1:]]
    assert headings[0] == "Tonight" and headings[1] == "Sky charts"
    assert "<b>Dark</b>" in dom and "<b>Moon</b>" in dom and "Best targets" in dom
    svgs = [part.split("</svg>")[0] for part in dom.split("<svg")[1:]]
    assert len(svgs) >= 4
    for svg in svgs:
        head = svg.split(">", 1)[0]
        assert 'role="img"' in head and 'aria-label="' in head and "<title>" in svg
    sky, timeline = svgs[0], next(s for s in svgs if 'class="timeline"' in s.split(">")[0])
    assert sky.count('class="time-mark"') >= 2 and "60°" in sky  # times, elevation values
    assert 'class="track-name"' in timeline and ":00</text>" in timeline  # names, hours
    conj = next(s for s in svgs if "conjunction-timeline" in s.split(">")[0])
    assert ">1 km</text>" in conj and ":00</text>" in conj  # both axes carry values
    ET.fromstring("<svg" + sky.replace("&nbsp;", " ") + "</svg>")  # well-formed
    tables = dom.split('<table class="data"')[1:]
    assert len(tables) >= 4
    for table in tables:
        assert "<caption>" in table and 'scope="col"' in table
    for input_id in (part.split('"')[0] for part in dom.split('<input id="')[1:]):
        assert f'<label for="{input_id}"' in dom
    assert 'data-wide="0"' in _dom(url, width=390)  # a phone: no sideways scrolling
    hidden = _dom(url + "#filter=no-such-object-zz")
    rows = hidden.split('id="targets"')[1].split("</table>")[0]
    assert rows.count("<tr hidden") == rows.count("<tr") - 1  # all but the heading row
    ordered = _dom(url + "#sort=targets:8:desc")  # magnitude, faintest first
    rows = ordered.split('id="targets"')[1].split("</tbody>")[0].split("<tr")[2:]
    mags = [float(r.split('<td class="num">')[3].split("<")[0]) for r in rows]
    assert mags == sorted(mags, reverse=True) and len(mags) > 3


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_report_colours_have_contrast():
    """WCAG 2 contrast of the report's text and line colours on their backgrounds: text
    4.5:1, chart lines 3:1 (the faint passes' colour included)."""
    from debris import report, report_charts

    def ratio(a, b):
        hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    assert ratio("#1b1f24", "#ffffff") >= 4.5 and ratio("#1b1f24", "#e6ebf5") >= 4.5
    assert "color:#1b1f24" in report._CSS and "th{background:#e6ebf5" in report._CSS
    for line in (report_charts.PASS_COLOUR, report_charts.FAINT_COLOUR,
                 report_charts.TRACK_COLOUR, report_charts.SLEW_COLOUR,
                 report_charts.CONJ_COLOUR, "#5c6370"):
        assert ratio(line, "#fbfbfd") >= 3.0


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_prints(night_folder, tmp_path):
    pdf = tmp_path / "report.pdf"
    _browser(f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
             (night_folder / "report.html").as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 2


def test_primaries_missing_from_the_catalogue_are_reported(tmp_path, elements):
    config = tmp_path / "c.toml"
    config.write_text(_config(tmp_path, elements).read_text().replace(
        "primaries = [25544, 48274]", "primaries = [99999]"))
    folder = run_nightly(config, night="2024-11-01", offline=True)
    assert json.loads((folder / "conjunctions.json").read_text())["conjunctions"] == []
    assert "primaries not in the catalogue, not screened: [99999]" in (
        folder / "nightly.log").read_text()
