"""The nightly report: one self-contained HTML file to plan the night by.

Sections, in reading order: **Tonight** (the dark window, the Moon, the best targets by
magnitude and elevation with their times, the night's conjunctions involving objects seen
tonight), the sky charts of every site (:mod:`debris.report_charts`), the schedules
(timelines with names and slews, and their tables), the conjunctions (chart and table), the
brightest passes of each site, the observatory's own observations, and the run's facts.
Tables sort by a click on a column heading and filter by the text typed above them (a
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

from .io.tables import iso_text, jsonable
from .report_charts import (FAINT_COLOUR, PASS_COLOUR, SLEW_COLOUR, TRACK_COLOUR,
                            conjunction_timeline_svg, sky_chart_svg, timeline_svg)
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
function key(td){var t=td.getAttribute('data-v');if(t===null)t=td.textContent;
var n=parseFloat(t);return isNaN(n)||!/^[-+]?[0-9.]/.test(t)?t.toLowerCase():n;}
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
                  sites: list, telescopes: list, night: dict, tracking: dict | None = None
                  ) -> str:
    """The report as one HTML string.

    `night` holds the night's ``date`` (text), ``start``/``end`` (Times) and optionally
    ``moon`` (:func:`debris.sun.moon_tonight` at the first site) and ``sun_limit_deg``;
    `meta` the run's facts in display order (Times values are shown as ISO text; dicts as
    "key: value" lines); the screening window is ``meta["screen_start_utc"]`` ..
    ``meta["screen_end_utc"]`` (Times) when given; `tracking`, the nightly observation
    stage's summary, adds the section "Our observations".
    """
    title = f"debris nightly report: night of {night['date']}"
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>",
           _tonight(passes, conjunctions, sites, night)]
    out.append("<h2 id='sky'>Sky charts</h2><p class='legend'>Every visible pass, faint; "
               f"<span style='background:{PASS_COLOUR}'></span>the brightest, with times "
               f"(UTC) at rise, culmination and set<span style='background:{FAINT_COLOUR}'>"
               "</span>the others. North up, east left, the horizon at the edge.</p>"
               "<div class='charts'>")
    out += [sky_chart_svg(passes, site) for site in sites]
    out.append("</div>")
    out.append(f"<h2 id='schedules'>Schedules</h2><p class='legend'>"
               f"<span style='background:{TRACK_COLOUR}'></span>tracks"
               f"<span style='background:{SLEW_COLOUR}'></span>slews before them</p>")
    for tel in telescopes:
        out.append(timeline_svg(observations, tel, night["start"], night["end"]))
    if len(observations):
        out.append(_data_table(observations, "schedule", "The schedule, track by track", [
            ("telescope", "telescope"), ("start_utc", "start (UTC)"),
            ("end_utc", "end (UTC)"), ("norad_id", "NORAD"), ("name", "name"),
            ("start_azimuth_deg", "az start (deg)"), ("start_elevation_deg", "el start (deg)"),
            ("peak_rate_deg_s", "rate (deg/s)"), ("magnitude", "mag"),
            ("weight", "weight"), ("slew_time_s", "slew (s)")]))
    out.append(f"<h2 id='conjunctions'>Conjunctions ({len(conjunctions)})</h2>")
    out.append(conjunction_timeline_svg(conjunctions, meta.get("screen_start_utc",
                                                               night["start"]),
                                        meta.get("screen_end_utc", night["end"])))
    out.append(_data_table(conjunctions.take(np.argsort(conjunctions["miss_distance_km"],
                                                        kind="stable")),
                           "conjunction-table", "Conjunctions, closest first",
                           _CONJ_COLUMNS))
    out.append("<h2 id='passes'>Passes by site</h2>")
    for site in sites:
        mine = passes.take(passes["site"] == site)
        out.append(_pass_table(mine, f"passes-{_slug(site)}", site))
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


_CONJ_COLUMNS = [("tca_utc", "TCA (UTC)"), ("norad_id_1", "NORAD 1"), ("name_1", "name 1"),
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


def _tonight(passes, conjunctions, sites, night) -> str:
    """The first section: dark window, Moon, best targets, conjunctions of objects seen."""
    start, end = iso_text(night["start"])[0], iso_text(night["end"])[0]
    facts = [f"<b>Dark</b> {start[11:16]} to {end[11:16]} UTC "
             f"(Sun below {night.get('sun_limit_deg', -12):g}°)"]
    moon = night.get("moon")
    if moon is not None:
        up = ", ".join(f"{iso_text(p)[0][11:16]}-{iso_text(p)[1][11:16]}" for p in moon["up"])
        facts.append(f"<b>Moon</b> {100 * moon['illuminated_fraction']:.0f}% lit, "
                     + (f"up {up} UTC (highest {moon['max_altitude_deg']:.0f}°)" if up
                        else "below the horizon all night"))
    visible = passes.take(passes["visible"])
    facts.append(f"<b>{len(visible):,}</b> visible passes of "
                 f"<b>{len(np.unique(visible['norad_id'])):,}</b> objects over "
                 f"{html.escape(', '.join(sites))}")
    out = ["<h2 id='tonight'>Tonight</h2>", "<p class='facts'>" + "; ".join(facts) + "</p>"]
    targets = best_targets(passes)
    out.append(_data_table(targets, "targets", f"Best targets: the brightest passes above "
                           f"{TARGET_MIN_ELEVATION_DEG:g}°", _TARGET_COLUMNS))
    seen = set(visible["norad_id"].tolist())
    involved = np.array([a in seen or b in seen for a, b in
                         zip(conjunctions["norad_id_1"].tolist(),
                             conjunctions["norad_id_2"].tolist())], dtype=bool)
    out.append(_data_table(conjunctions.take(involved), "tonight-conjunctions",
                           f"Conjunctions of objects visible tonight ({int(involved.sum())})",
                           _CONJ_COLUMNS))
    return "".join(out)


_TARGET_COLUMNS = [("site", "site"), ("norad_id", "NORAD"), ("name", "name"),
                   ("visible_start_utc", "visible from (UTC)"),
                   ("culmination_utc", "culmination (UTC)"),
                   ("visible_end_utc", "visible to (UTC)"),
                   ("max_elevation_deg", "max el (deg)"),
                   ("culmination_azimuth_deg", "az at culmination (deg)"),
                   ("min_magnitude", "mag"), ("std_magnitude_source", "mag from")]


def _pass_table(passes: Table, table_id: str, site: str) -> str:
    mag = np.where(np.isfinite(passes["min_magnitude"]), passes["min_magnitude"], np.inf)
    rows = passes.take(np.argsort(mag, kind="stable")[:PASS_ROWS])
    return _data_table(rows, table_id, f"{site}: the {len(rows)} brightest of {len(passes):,} "
                       "visible passes (every one in passes_" + site + ".csv)",
                       _TARGET_COLUMNS[1:])


def _data_table(table: Table, table_id: str, caption: str, columns) -> str:
    """A sortable, filterable table (see the module's script) of `columns` ((key, heading))."""
    columns = [(k, h) for k, h in columns if k in table.columns]
    head = "".join(f"<th scope='col' aria-sort='none'>{html.escape(h)}</th>"
                   for _, h in columns)
    cells = {k: (iso_text(table[k]).tolist() if hasattr(table[k], "jd") else table[k].tolist())
             for k, _ in columns}
    body = []
    for r in range(len(table)):
        row = []
        for k, _ in columns:
            v = cells[k][r]
            if isinstance(v, float):
                text = "" if v != v else (f"{v:.2e}" if "probability" in k else f"{v:.1f}"
                                          if k.endswith(("_deg", "magnitude", "_s"))
                                          else f"{v:.3f}")
                row.append(f"<td class='num'>{text}</td>")
            elif isinstance(v, str) and k.endswith("_utc"):
                row.append(f"<td data-v='{v}'>{v[11:19]}</td>" if v else "<td></td>")
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
           "<h3>Uncorrelated tracks: initial orbits</h3>",
           _rows_table(t["initial_orbits"], ["track", "norad_id", "observations", "rms_arcsec",
                                             "tle_line1", "tle_line2"]),
           "<h3>Passes tonight from the fitted elements</h3>",
           _rows_table(t.get("updated_passes", []), ["norad_id", "site", "rise_utc",
                                                     "culmination_utc", "set_utc",
                                                     "max_elevation_deg"])]
    return "".join(out)


def write_png_charts(folder, passes: Table, observations: Table, sites, telescopes,
                     night) -> list:
    """PNG versions of the charts (matplotlib, the ``plot`` extra); [] without it."""
    try:
        import matplotlib  # optional: the plot extra

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # after choosing the Agg backend
    except ImportError:
        return []
    folder = Path(folder)
    written = []
    for site in sites:
        fig = plt.figure(figsize=(5, 5))
        ax = fig.add_subplot(projection="polar")
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        ax.set_rlim(90, 0)
        mine = np.flatnonzero((passes["site"] == site) & passes["visible"])
        for k in mine.tolist():
            points = [(passes[a][k], e) for a, e in (
                ("rise_azimuth_deg", 10.0), ("culmination_azimuth_deg",
                                             passes["max_elevation_deg"][k]),
                ("set_azimuth_deg", 10.0)) if np.isfinite(passes[a][k])]
            if len(points) >= 2:
                ax.plot(np.radians([p[0] for p in points]), [p[1] for p in points],
                        color=PASS_COLOUR, alpha=0.5, linewidth=0.8)
        ax.set_title(f"{site}: visible passes")
        path = folder / f"sky_{site}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.5 * len(telescopes)))
    for k, tel in enumerate(telescopes):
        mine = observations.take(observations["telescope"] == tel)
        if len(mine):
            a = mine["start_utc"].seconds_since(night["start"]) / 3600.0
            b = mine["end_utc"].seconds_since(night["start"]) / 3600.0
            ax.broken_barh(list(zip(a, b - a)), (k - 0.4, 0.8), color=TRACK_COLOUR)
    ax.set_yticks(range(len(telescopes)), telescopes)
    ax.set_xlabel(f"hours after {iso_text(night['start'])[0]}")
    fig.tight_layout()
    path = folder / "schedule_timeline.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)
    return written
