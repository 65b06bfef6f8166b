"""The nightly report: one self-contained HTML file to plan the night by.

Sections, in reading order: **Tonight** (the dark window, the Moon, the best targets by
magnitude and elevation with their times, the night's conjunctions involving objects seen
tonight), the sky charts of every site (:mod:`debris.report_charts`), the schedules
(timelines with names and slews, and their tables), the conjunctions (chart and table), the
brightest passes of each site, the observatory's own observations, and the run's facts.
Tables sort by a click on a column heading (numbers as numbers, times as times: each time
cell keeps its UTC ISO-8601 text to sort by) and filter by the text typed above them (a
small inline script; without it they are plain tables); ``#filter=TEXT`` and
``#sort=TABLE:COLUMN:asc|desc`` in the address do the same, so a view can be bookmarked.
No external file, font or script: it works offline, prints (controls hidden, charts kept
whole) and reads on a phone (charts scale, tables scroll sideways).
:func:`write_png_charts` writes PNG versions of the charts (matplotlib, the ``plot`` extra).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from .io.tables import iso_text, jsonable, local_iso_text
from .report_charts import (FAINT_COLOUR, MASK_COLOUR, PASS_COLOUR, SLEW_COLOUR, TRACK_COLOUR,
                            clock_texts, conjunction_timeline_svg, place_labels, sky_chart_svg,
                            sky_geometry, timeline_rows, timeline_svg)
from .table import Table

__all__ = ["render_report", "write_png_charts", "best_targets"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:12px;
max-width:1000px;color:#1b1f24;background:#fff;line-height:1.4}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccd}
h3{font-size:15px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:12px;margin:4px 0}
td,th{border:1px solid #b8bfcc;padding:2px 6px;text-align:left}
th{background:#e6ebf5;cursor:pointer;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
caption{text-align:left;font-weight:600;padding:2px 0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta td:first-child{font-weight:600}
svg{max-width:100%;height:auto;background:#fbfbfd;border:1px solid #c9cfd9;margin:4px 0}
.charts{display:flex;flex-wrap:wrap;gap:8px}
svg.timeline{max-width:none}.utc{color:#5c6370;font-size:11px}
.filter{margin:6px 0 2px}.filter input{font-size:14px;padding:3px 6px;width:16em}
.facts{font-size:15px}.facts b{font-weight:650}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;
vertical-align:middle}
@media print{.filter{display:none}svg,table{break-inside:avoid}body{max-width:none}
th{background:#eee}}
@media (max-width:600px){body{padding:6px}h1{font-size:18px}}
"""

_SCRIPT = """
(function(){
function key(td){var t=td.getAttribute('data-v');if(t===null)t=td.textContent;t=t.trim();
return /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/.test(t)?parseFloat(t):
t.toLowerCase();}
function sortBy(table,col,dir){var body=table.tBodies[0];var rows=[].slice.call(body.rows);
rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);
if(typeof x!==typeof y){x=String(x);y=String(y);}return (x<y?-1:x>y?1:0)*(dir==='desc'?-1:1);});
rows.forEach(function(r){body.appendChild(r);});
[].forEach.call(table.tHead.rows[0].cells,function(th,i){
th.setAttribute('aria-sort',i===col?(dir==='desc'?'descending':'ascending'):'none');});}
function filter(table,text){text=text.toLowerCase();[].forEach.call(table.tBodies[0].rows,
function(r){r.hidden=text!==''&&r.textContent.toLowerCase().indexOf(text)<0;});}
var tables=document.querySelectorAll('table.data');
[].forEach.call(tables,function(table){
[].forEach.call(table.tHead.rows[0].cells,function(th,i){th.tabIndex=0;
function go(){sortBy(table,i,th.getAttribute('aria-sort')==='ascending'?'desc':'asc');}
th.addEventListener('click',go);th.addEventListener('keydown',function(e){
if(e.key==='Enter'||e.key===' '){e.preventDefault();go();}});});
var box=document.getElementById(table.id+'-filter');
if(box)box.addEventListener('input',function(){filter(table,box.value);});});
var h=decodeURIComponent(location.hash.slice(1));
h.split('&').forEach(function(p){var kv=p.split('=');if(kv[0]==='filter'){
[].forEach.call(tables,function(t){var b=document.getElementById(t.id+'-filter');
if(b)b.value=kv[1];filter(t,kv[1]);});}
if(kv[0]==='sort'){var s=kv[1].split(':');var t=document.getElementById(s[0]);
if(t)sortBy(t,parseInt(s[1],10),s[2]||'asc');}});
var wide=document.documentElement.scrollWidth>window.innerWidth+1;
document.body.setAttribute('data-wide',wide?'1':'0');
document.body.setAttribute('data-ready','1');})();
"""

#: Passes a site's table in the report lists (the brightest; every one is in the CSV).
PASS_ROWS = 300
#: Best targets tonight: visible passes at least this high (deg), brightest first.
TARGET_MIN_ELEVATION_DEG = 30.0
TARGET_ROWS = 15


def render_report(meta: dict, passes: Table, observations: Table, conjunctions: Table,
                  sites: list, telescopes: list, night: dict, tracking: dict | None = None,
                  *, zone=None, horizons: dict | None = None) -> str:
    """The report as one HTML string.

    `night` holds the night's ``date`` (text), ``start``/``end`` (Times) and optionally
    ``moon`` (:func:`debris.sun.moon_tonight` at the first site) and ``sun_limit_deg``;
    `meta` the run's facts in display order (Times values are shown as ISO text; dicts as
    "key: value" lines); the screening window is ``meta["screen_start_utc"]`` ..
    ``meta["screen_end_utc"]`` (Times) when given; `tracking`, the nightly observation
    stage's summary, adds the section "Our observations". With `zone` (a ZoneInfo) times
    are shown in it first and in UTC beside; `horizons` (site name -> HorizonMask) shades
    the sites' masks on their sky charts. Times after the night's first midnight carry
    ``+1d``.
    """
    title = f"debris nightly report: night of {night['date']}"
    view = _View(zone, night)
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>",
           _tonight(passes, conjunctions, sites, night, view)]
    out.append("<h2 id='sky'>Sky charts</h2><p class='legend'>As seen looking up: north up, "
               "east left (as a planisphere or Stellarium shows the sky), the horizon at the "
               f"edge. <span style='background:{PASS_COLOUR}'></span>the brightest passes, "
               f"with times ({view.name}) at rise and culmination; "
               f"<span style='background:{FAINT_COLOUR}'></span>where the other visible "
               "passes go (darker: more of them)"
               + (f"<span style='background:{MASK_COLOUR}'></span>the horizon mask"
                  if horizons else "") + ".</p><div class='charts'>")
    out += [sky_chart_svg(passes, site, horizon=(horizons or {}).get(site), zone=zone,
                          first_date=view.first_date) for site in sites]
    out.append("</div>")
    out.append(f"<h2 id='schedules'>Schedules</h2><p class='legend'>"
               f"<span style='background:{TRACK_COLOUR}'></span>tracks, with their NORAD ids"
               f"<span style='background:{SLEW_COLOUR}'></span>slews before them; one row "
               f"per hour ({view.name})</p>")
    for tel in telescopes:
        out.append("<div class='scroll'>" + timeline_svg(observations, tel, night["start"],
                                                         night["end"], zone) + "</div>")
    if len(observations):
        out.append(_data_table(observations, "schedule", "The schedule, track by track", [
            ("telescope", "telescope"), ("start_utc", "start"), ("end_utc", "end"),
            ("norad_id", "NORAD"), ("name", "name"),
            ("start_azimuth_deg", "az start (deg)"), ("start_elevation_deg", "el start (deg)"),
            ("peak_rate_deg_s", "rate (deg/s)"), ("magnitude", "mag"),
            ("weight", "weight"), ("slew_time_s", "slew (s)"),
            ("time_sigma_s", "± time (s, 1σ)"),
            ("cross_track_sigma_arcsec", "± cross-track (″, 1σ)")], view))
    out.append(f"<h2 id='conjunctions'>Conjunctions ({len(conjunctions)})</h2>")
    out.append(conjunction_timeline_svg(conjunctions, meta.get("screen_start_utc",
                                                               night["start"]),
                                        meta.get("screen_end_utc", night["end"]), zone=zone))
    out.append(_data_table(conjunctions.take(np.argsort(conjunctions["miss_distance_km"],
                                                        kind="stable")),
                           "conjunction-table", "Conjunctions, closest first",
                           _CONJ_COLUMNS, view))
    out.append("<h2 id='passes'>Passes by site</h2>")
    for site in sites:
        mine = passes.take(passes["site"] == site)
        out.append(_pass_table(mine, f"passes-{_slug(site)}", site, view))
    if tracking is not None:
        out.append(_tracking_section(tracking))
    out.append("<h2 id='run'>Run</h2><div class='scroll'><table class='meta'>"
               "<caption>How this report was made</caption>")
    for key, value in jsonable({k: v for k, v in meta.items()
                                if k not in ("screen_start_utc", "screen_end_utc")}).items():
        out.append(f"<tr><th scope='row'>{html.escape(str(key))}</th>"
                   f"<td>{_meta_value(value)}</td></tr>")
    out.append(f"</table></div><script>{_SCRIPT}</script></body></html>\n")
    return "".join(out)


class _View:
    """How the report writes times: the zone (None: UTC), its name, and the date of the
    night's start in it and in UTC (times of later dates get ``+1d``)."""

    def __init__(self, zone, night):
        self.zone = zone
        self.name = "UTC" if zone is None else str(zone.key)
        self.utc_first = iso_text(night["start"])[0][:10]
        self.first_date = (self.utc_first if zone is None
                           else local_iso_text(night["start"], zone)[0][:10])

    def clocks(self, times, seconds: bool = True) -> list[str]:
        """Clock times in the report's zone, ``+1d`` after the night's first midnight."""
        return clock_texts(times, self.zone, self.first_date, seconds=seconds)

    def utc_clocks(self, times, seconds: bool = False) -> list[str]:
        """The same times in UTC (shown beside local ones)."""
        return clock_texts(times, None, self.utc_first, seconds=seconds)

    def span(self, a, b) -> str:
        """``18:23 to 05:53 +1d Asia/Dushanbe (13:23 to 00:53 UTC)``: a window of Times."""
        text = f"{self.clocks(a, False)[0]} to {self.clocks(b, False)[0]} {self.name}"
        if self.zone is not None:
            text += f" ({self.utc_clocks(a)[0]} to {self.utc_clocks(b)[0]} UTC)"
        return text


_CONJ_COLUMNS = [("tca_utc", "TCA"), ("norad_id_1", "NORAD 1"), ("name_1", "name 1"),
                 ("norad_id_2", "NORAD 2"), ("name_2", "name 2"),
                 ("miss_distance_km", "miss (km)"), ("relative_speed_km_s", "speed (km/s)"),
                 ("probability", "Pc"), ("max_probability", "max Pc")]


def _meta_value(value) -> str:
    """A run fact as text: dicts (and JSON text of one) as one "key: value" line each."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict):
        return "<br>".join(f"{html.escape(str(k))}: {html.escape(_plain(v))}"
                           for k, v in value.items())
    return html.escape(str(value))


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def best_targets(passes: Table, rows: int = TARGET_ROWS,
                 min_elevation_deg: float = TARGET_MIN_ELEVATION_DEG) -> Table:
    """Tonight's best targets: visible passes culminating at least `min_elevation_deg`
    high, brightest first (ties: higher first), each object once (its best pass at any
    site), at most `rows`."""
    ok = np.flatnonzero(passes["visible"] & (passes["max_elevation_deg"] >= min_elevation_deg)
                        & np.isfinite(passes["min_magnitude"]))
    order = ok[np.lexsort((-passes["max_elevation_deg"][ok], passes["min_magnitude"][ok]))]
    _, first = np.unique(passes["norad_id"][order], return_index=True)  # each object once
    return passes.take(order[np.sort(first)][:rows])


def _tonight(passes, conjunctions, sites, night, view) -> str:
    """The first section: dark window, Moon, best targets, conjunctions of objects seen."""
    facts = [f"<b>Dark</b> {html.escape(view.span(night['start'], night['end']))} "
             f"(Sun below {night.get('sun_limit_deg', -12):g}°)"]
    moon = night.get("moon")
    if moon is not None:
        up = ", ".join(view.span(p[0:1], p[1:2]) for p in moon["up"])
        facts.append(f"<b>Moon</b> {100 * moon['illuminated_fraction']:.0f}% lit, "
                     + (f"up {html.escape(up)} (highest {moon['max_altitude_deg']:.0f}°)"
                        if up else "below the horizon all night"))
    visible = passes.take(passes["visible"])
    facts.append(f"<b>{len(visible):,}</b> visible passes of "
                 f"<b>{len(np.unique(visible['norad_id'])):,}</b> objects over "
                 f"{html.escape(', '.join(sites))}")
    out = ["<h2 id='tonight'>Tonight</h2>", "<p class='facts'>" + "; ".join(facts) + "</p>"]
    targets = best_targets(passes)
    out.append(_data_table(targets, "targets", f"Best targets: the brightest passes above "
                           f"{TARGET_MIN_ELEVATION_DEG:g}°", _TARGET_COLUMNS, view))
    seen = set(visible["norad_id"].tolist())
    involved = np.array([a in seen or b in seen for a, b in
                         zip(conjunctions["norad_id_1"].tolist(),
                             conjunctions["norad_id_2"].tolist())], dtype=bool)
    out.append(_data_table(conjunctions.take(involved), "tonight-conjunctions",
                           f"Conjunctions of objects visible tonight ({int(involved.sum())})",
                           _CONJ_COLUMNS, view))
    return "".join(out)


_TARGET_COLUMNS = [("site", "site"), ("norad_id", "NORAD"), ("name", "name"),
                   ("visible_start_utc", "visible from"),
                   ("culmination_utc", "culmination"),
                   ("visible_end_utc", "visible to"),
                   ("max_elevation_deg", "max el (deg)"),
                   ("culmination_azimuth_deg", "az at culmination (deg)"),
                   ("min_magnitude", "mag"), ("mag_sigma", "± mag"),
                   ("std_magnitude_source", "mag from"),
                   ("time_sigma_s", "± time (s, 1σ)"),
                   ("cross_track_sigma_arcsec", "± cross-track (″, 1σ)")]


def _pass_table(passes: Table, table_id: str, site: str, view) -> str:
    mag = np.where(np.isfinite(passes["min_magnitude"]), passes["min_magnitude"], np.inf)
    rows = passes.take(np.argsort(mag, kind="stable")[:PASS_ROWS])
    return _data_table(rows, table_id, f"{site}: the {len(rows)} brightest of {len(passes):,} "
                       "visible passes (every one in passes_" + site + ".csv)",
                       _TARGET_COLUMNS[1:], view)


def _data_table(table: Table, table_id: str, caption: str, columns, view) -> str:
    """A sortable, filterable table (see the module's script) of `columns` ((key, heading));
    time columns show the report's zone (and UTC beside it) and sort by their UTC text."""
    columns = [(k, h) for k, h in columns if k in table.columns]
    head = "".join(f"<th scope='col' aria-sort='none'>{html.escape(h)}"
                   + (f" ({view.name})" if k.endswith("_utc") else "") + "</th>"
                   for k, h in columns)
    cells = {}
    for k, _ in columns:
        if hasattr(table[k], "jd"):
            shown = view.clocks(table[k])
            if view.zone is not None:
                shown = [f"{a} <span class='utc'>{b} UTC</span>" if a else ""
                         for a, b in zip(shown, view.utc_clocks(table[k]))]
            cells[k] = list(zip(iso_text(table[k]).tolist(), shown))
        else:
            cells[k] = table[k].tolist()
    body = []
    for r in range(len(table)):
        row = []
        for k, _ in columns:
            v = cells[k][r]
            if isinstance(v, float):
                text = "" if v != v else (f"{v:.2e}" if "probability" in k else f"{v:.1f}"
                                          if k.endswith(("_deg", "magnitude", "_s", "sigma",
                                                         "_arcsec"))
                                          else f"{v:.3f}")
                row.append(f"<td class='num'>{text}</td>")
            elif isinstance(v, tuple):  # a time: sorts by its UTC ISO text
                row.append(f"<td data-v='{v[0]}'>{v[1]}</td>" if v[0] else "<td></td>")
            else:
                row.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
        body.append("<tr>" + "".join(row) + "</tr>")
    return (f"<div class='filter'><label for='{table_id}-filter'>Filter {html.escape(caption)}"
            f": </label><input id='{table_id}-filter' type='search'></div>"
            f"<div class='scroll'><table class='data' id='{table_id}'>"
            f"<caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _rows_table(rows: list, columns: list) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead>{body}</table></div>"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(jsonable(value)) if not isinstance(value, str) else value


def _quarantine(files: list) -> str:
    """The observation files left out tonight, each with every reason."""
    if not files:
        return ""
    items = "".join(f"<li><strong>{html.escape(f['file'])}</strong>: "
                    f"{html.escape('; '.join(f['reasons']))}</li>" for f in files)
    return (f"<p class='warning'>Quarantined files ({len(files)}): not used, and read again "
            f"when they change or a station list does:</p>"
            f"<ul class='quarantined'>{items}</ul>")


def _tracking_section(t: dict) -> str:
    """Observations per object, residuals, uncorrelated tracks, updated predictions."""
    out = [f"<h2>Our observations ({t['observations']} in {t['tracks']} tracks, "
           f"{t['identified_tracks']} identified)</h2>",
           f"<p>New files: {html.escape(', '.join(t['files']) or 'none')}; rejected lines: "
           f"{t['rejected_lines']}</p>", _quarantine(t.get("quarantined", [])),
           "<h3>Residuals per object and station</h3>",
           _rows_table(t["residuals"], ["norad_id", "station", "observations", "rms_arcsec",
                                        "mean_along_track_s", "rms_cross_track_arcsec"]),
           "<h3>Fitted elements</h3>",
           _rows_table(t["fitted"], ["norad_id", "name", "observations", "used", "rms_arcsec",
                                     "tle_line1", "tle_line2"]),
           *(["<h3>Failed fits (not stored)</h3>",
              _rows_table(t["failed_fits"], ["norad_id", "observations", "reasons"])]
             if t.get("failed_fits") else []),
           "<h3>Standard magnitudes from our photometry</h3>",
           _rows_table(t.get("magnitudes", []), ["norad_id", "std_mag", "observations",
                                                  "scatter"]),
           "<h3>Uncorrelated tracks linked across nights</h3>",
           _rows_table(t.get("linked_objects", []), ["norad_id", "quality", "nights",
                                                     "span_days", "observations",
                                                     "rms_arcsec", "tle_line1", "tle_line2"]),
           "<h3>Passes tonight of the linked objects</h3>",
           _rows_table(t.get("linked_passes", []), ["norad_id", "site", "rise_utc",
                                                    "culmination_utc", "set_utc",
                                                    "max_elevation_deg"]),
           "<h3>Uncorrelated tracks: initial orbits</h3>",
           _rows_table(t["initial_orbits"], ["track", "norad_id", "observations", "rms_arcsec",
                                             "tle_line1", "tle_line2"]),
           "<h3>Passes tonight from the fitted elements</h3>",
           _rows_table(t.get("updated_passes", []), ["norad_id", "site", "rise_utc",
                                                     "culmination_utc", "set_utc",
                                                     "max_elevation_deg"])]
    return "".join(out)


def write_png_charts(folder, passes: Table, observations: Table, sites, telescopes,
                     night, *, zone=None, horizons: dict | None = None) -> list:
    """PNG versions of the charts (matplotlib, the ``plot`` extra); [] without it: each
    site's sky chart (looking up, east left: the density map, the horizon mask, the
    brightest passes with placed labels) and the schedule (one row per hour, NORAD ids,
    clock times in UTC or `zone`), drawn from the same geometry as the SVG."""
    try:
        import matplotlib  # optional: the plot extra

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # after choosing the Agg backend
    except ImportError:
        return []
    folder = Path(folder)
    view = _View(zone, night)
    written = [_sky_png(plt, folder, passes, site, (horizons or {}).get(site), view)
               for site in sites]
    written += [_timeline_png(plt, folder, observations, tel, night, view)
                for tel in telescopes[:1]]
    return written


def _sky_png(plt, folder: Path, passes: Table, site: str, horizon, view) -> Path:
    """One site's sky chart as a PNG, in the SVG's pixel geometry (440 px, y down)."""
    from matplotlib.colors import LinearSegmentedColormap  # with the plot extra

    size = 440
    geo = sky_geometry(passes, site, size=size)
    cx, cy, radius = geo["cx"], geo["cy"], geo["radius"]
    fig = plt.figure(figsize=(5.5, 5.5), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, size)
    ax.set_ylim(size, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    density = geo["density"]
    if density.max() > 0:
        shade = np.sqrt(density / density.max())
        shade[density == 0] = np.nan
        cmap = LinearSegmentedColormap.from_list("faint", ["#eef2f8", FAINT_COLOUR, "#2d4466"])
        ax.imshow(shade, cmap=cmap, extent=(0, shade.shape[1] * 12, shade.shape[0] * 12, 0),
                  interpolation="nearest", alpha=0.9)
    ring = np.linspace(0, 2 * np.pi, 361)
    for el in (0, 30, 60):
        r = radius * (90 - el) / 90
        ax.plot(cx + r * np.cos(ring), cy + r * np.sin(ring), color="#5c6370", lw=0.8)
        ax.text(cx + 3, cy - r + 11, f"{el}°", fontsize=7, color="#5c6370")
    if horizon is not None:
        az, el = horizon.outline(2.0)
        rr = radius * (90 - np.clip(el, 0, 90)) / 90
        xi, yi = cx - rr * np.sin(np.radians(az)), cy - rr * np.cos(np.radians(az))
        xo, yo = cx - radius * np.sin(np.radians(az)), cy - radius * np.cos(np.radians(az))
        ax.fill(np.concatenate([xo, xi[::-1]]), np.concatenate([yo, yi[::-1]]),
                color=MASK_COLOUR, alpha=0.55, lw=0)
    for text, (dx, dy) in (("N", (0, -1)), ("E", (-1, 0)), ("S", (0, 1)), ("W", (1, 0))):
        ax.text(cx + dx * (radius + 14), cy + dy * (radius + 14), text, fontsize=10,
                fontweight="bold", ha="center", va="center")
    top, x, y = geo["top"], geo["x"], geo["y"]
    clocks = [view.clocks(passes[c][top], seconds=False) for c in ("rise_utc",
                                                                   "culmination_utc")]
    anchors, texts = [], []
    for k in range(top.size):
        if not (np.isfinite(x[k]).all() and np.isfinite(y[k]).all()):
            continue
        t = np.linspace(0, 1, 30)
        px = (1 - t) ** 2 * x[k][0] + 2 * (1 - t) * t * (2 * x[k][1] - (x[k][0] + x[k][2]) / 2) \
            + t ** 2 * x[k][2]
        py = (1 - t) ** 2 * y[k][0] + 2 * (1 - t) * t * (2 * y[k][1] - (y[k][0] + y[k][2]) / 2) \
            + t ** 2 * y[k][2]
        ax.plot(px, py, color=PASS_COLOUR, lw=2)
        ax.plot(x[k], y[k], "o", color=PASS_COLOUR, ms=3)
        anchors += [(x[k][1], y[k][1]), (x[k][0], y[k][0])]
        texts += [f"{passes['norad_id'][top[k]]} {clocks[1][k]}", clocks[0][k]]
    for spot, text in zip(place_labels(anchors, texts, 9.0, bounds=(0, 0, size, size)), texts):
        if spot is not None:
            ax.text(spot[0], spot[1], text, fontsize=6.5, va="baseline")
    ax.text(6, size - 6, f"{site}: {geo['visible']} visible passes; looking up, east left; "
            f"times {view.name}", fontsize=7)
    path = folder / f"sky_{site}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _timeline_png(plt, folder: Path, observations: Table, telescope: str, night,
                  view) -> Path:
    """The schedule as a PNG: one row per hour, tracks green, slews orange, NORAD ids."""
    lay = timeline_rows(observations, telescope, night["start"], night["end"], view.zone)
    rows = len(lay["rows"])
    fig, ax = plt.subplots(figsize=(12, 0.62 * rows + 0.9), dpi=100)
    for k in range(len(lay["row"])):
        r = lay["row"][k]
        a, b = lay["minute_a"][k], lay["minute_b"][k]
        ax.broken_barh([(a - lay["slew_minutes"][k], lay["slew_minutes"][k])], (r + 0.05, 0.12),
                       color=SLEW_COLOUR)
        ax.broken_barh([(a, max(b - a, 0.1))], (r + 0.17, 0.3), color=TRACK_COLOUR)
    lane_end: dict = {}
    for k in range(len(lay["row"])):
        r, a = lay["row"][k], lay["minute_a"][k]
        for j in range(3):
            if lane_end.get((r, j), -1e9) <= a:
                lane_end[(r, j)] = a + 0.28 * len(str(lay["norad_id"][k])) + 0.3
                ax.text(a, r + 0.6 + 0.15 * j, str(lay["norad_id"][k]), fontsize=5.5,
                        va="center")
                break
    ax.set_ylim(rows, 0)
    ax.set_xlim(0, 61)
    ax.set_yticks(np.arange(rows) + 0.4, lay["hours"])
    ax.set_xticks(range(0, 61, 10), [f":{m % 60:02d}" for m in range(0, 61, 10)])
    ax.set_xlabel(f"minutes into each hour ({view.name})")
    ax.set_title(f"{telescope}: {len(lay['row'])} tracks (green), slews (orange), one row per "
                 f"hour, {view.name}", fontsize=10)
    fig.tight_layout()
    path = folder / "schedule_timeline.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
