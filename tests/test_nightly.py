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


#: The test night's Sanglokh sits behind a ridge (its sky chart shades the mask).
RIDGE = [[0, 5], [60, 5], [70, 30], [150, 30], [160, 5], [300, 15]]


@pytest.fixture(scope="module")
def night_folder(tmp_path_factory, elements):
    """The sample's night: report times in Asia/Dushanbe first, Sanglokh behind a ridge."""
    tmp = tmp_path_factory.mktemp("nightly")
    (tmp / "sites.toml").write_text(
        "[sites.sanglokh]\nlatitude_deg = 38.261139\nlongitude_deg = 69.217556\n"
        f"altitude_m = 2300\ntimezone = \"Asia/Dushanbe\"\nhorizon = {RIDGE}\n")
    config = _config(tmp, elements)
    config.write_text(config.read_text().replace(
        "[nightly]\n", '[nightly]\nsites_file = "sites.toml"\ntimezone = "local"\n', 1))
    folder = run_nightly(config, night="2024-11-01", offline=True)
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


#: Measures the rendered report in the browser: label boxes of every chart (overlaps), the
#: timeline names' rendered heights, and writes them to <body data-probe="...">.
_PROBE = """<script>(function(){
function boxes(list){return [].map.call(list,function(e){var r=e.getBoundingClientRect();
return [r.left,r.top,r.right,r.bottom];});}
function overlaps(bs){var n=0;for(var i=0;i<bs.length;i++)for(var j=i+1;j<bs.length;j++){
var a=bs[i],b=bs[j];if(a[0]<b[2]-0.5&&b[0]<a[2]-0.5&&a[1]<b[3]-0.5&&b[1]<a[3]-0.5)n++;}
return n;}
var out={sky:[],timeline:[]};
[].forEach.call(document.querySelectorAll('svg.sky-chart'),function(svg){
var labels=svg.querySelectorAll('text.time-mark, text.direction');
out.sky.push({labels:labels.length,overlaps:overlaps(boxes(labels))});});
[].forEach.call(document.querySelectorAll('svg.timeline'),function(svg){
var names=svg.querySelectorAll('text.track-name');var bs=boxes(names);
var h=bs.map(function(b){return b[3]-b[1];});
out.timeline.push({names:names.length,overlaps:overlaps(bs),
min_height:h.length?Math.min.apply(null,h):0});});
document.body.setAttribute('data-probe',JSON.stringify(out));})();</script>"""


def _probe(night_folder, tmp_path, width):
    """The probe's measurements of the report at a window `width` (px)."""
    import html as html_module

    page = tmp_path / f"probe_{width}.html"
    text = (night_folder / "report.html").read_text()
    page.write_text(text.replace("</body>", _PROBE + "</body>"))
    dom = _dom(page.as_uri(), width=width)
    found = dom.split('data-probe="', 1)[1].split('"', 1)[0]
    return json.loads(html_module.unescape(found))


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_labels_never_overlap_and_names_stay_legible(night_folder, tmp_path):
    """Sky-chart labels (times, NORAD ids, N/E/S/W) never overlap, measured as rendered; the
    schedule timeline's NORAD ids never overlap and are drawn at least 9 px high at a desktop
    width (1400 px) and a phone's (390 px): the timeline scrolls rather than shrinks."""
    for width in (1400, 390):
        probe = _probe(night_folder, tmp_path, width)
        assert len(probe["sky"]) == 2 and len(probe["timeline"]) == 1
        for chart in probe["sky"]:
            assert chart["labels"] >= 8 and chart["overlaps"] == 0, (width, chart)
        (timeline,) = probe["timeline"]
        assert timeline["names"] >= 5 and timeline["overlaps"] == 0, (width, timeline)
        assert timeline["min_height"] >= 9.0, (width, timeline)


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_sky_chart_is_the_sky_looking_up(night_folder):
    """Looking up, east is on the left: each bold pass's culmination mark lies left of the
    centre when the passes file puts its culmination in the east (azimuth 0-180), right of
    it in the west. The horizon mask is shaded on Sanglokh's chart only."""
    import csv

    dom = _dom((night_folder / "report.html").as_uri())
    charts = [part.split("</svg>")[0] for part in dom.split('<svg viewBox')[1:]
              if 'class="sky-chart"' in part.split(">")[0]]
    checked = 0
    for chart in charts:
        site = chart.split('data-site="')[1].split('"')[0]
        centre = float(chart.split('data-cx="')[1].split('"')[0])
        rows = list(csv.DictReader((night_folder / f"passes_{site}.csv").open()))
        azimuth = {(r["norad_id"], r["culmination_utc"]): float(r["culmination_azimuth_deg"])
                   for r in rows}
        for group in chart.split('<g class="pass" data-norad="')[1:]:
            norad = group.split('"')[0]
            when = group.split('data-culmination="')[1].split('"')[0]
            x = float(group.split('class="culmination" cx="')[1].split('"')[0])
            az = azimuth[norad, when]
            if 5 < az < 175:
                assert x < centre, (site, norad, az, x)
                checked += 1
            elif 185 < az < 355:
                assert x > centre, (site, norad, az, x)
                checked += 1
        assert ('class="horizon-mask"' in chart) == (site == "sanglokh")
    assert checked >= 8
    assert "north up, east left" in dom


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_report_time_columns_sort_as_times(night_folder):
    """Sorting any table by a time column puts its rows in time order, both ways (every
    table with a time column, sorted from the address), and times after midnight say +1d;
    times are local (Asia/Dushanbe) first with UTC beside them."""
    dom = _dom((night_folder / "report.html").as_uri())
    tables = {}
    for part in dom.split('<table class="data" id="')[1:]:
        table_id = part.split('"')[0]
        head = part.split("</thead>")[0]
        names = [h.split(">", 1)[1].split("<", 1)[0] for h in head.split("<th")[1:]]
        timed = [k for k, n in enumerate(names) if "(Asia/Dushanbe)" in n]
        rows = part.split("<tbody>")[1].split("</tbody>")[0].count("<tr")
        if timed and rows >= 2:
            tables[table_id] = timed[0]
    assert {"targets", "schedule", "passes-dushanbe", "passes-sanglokh"} <= set(tables)
    for direction in ("asc", "desc"):
        url = (night_folder / "report.html").as_uri() + "#" + "&".join(
            f"sort={t}:{c}:{direction}" for t, c in tables.items())
        sorted_dom = _dom(url)
        for table_id, column in tables.items():
            body = sorted_dom.split(f'id="{table_id}"')[1].split("</tbody>")[0]
            keys = []
            for row in body.split("<tr")[2:]:
                cell = row.split("<td")[column + 1]
                if 'data-v="' in cell.split(">")[0]:
                    keys.append(cell.split('data-v="')[1].split('"')[0])
            assert len(keys) >= 2, table_id
            assert keys == sorted(keys, reverse=direction == "desc"), (table_id, direction)
    assert "+1d" in dom and "UTC</span>" in dom
    assert "Asia/Dushanbe (" in dom.split("<b>Dark</b>")[1][:200]
