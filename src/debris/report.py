"""The nightly HTML report: one self-contained file (inline SVG charts, no scripts, no links).

Sections: the run's metadata; per site a sky chart (polar plot: azimuth round, elevation
inward) of tonight's visible passes (rise - culmination - set); per telescope a timeline of
the night's schedule; the conjunctions as a table and a timeline of miss distance against
TCA. :func:`write_png_charts` writes the same charts as PNG files when matplotlib is installed
(the ``plot`` extra). Both take the night's tables (numbers, times as
:class:`~debris.timescale.Times`) and make their text with :mod:`debris.io`.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from .io.tables import iso_text, jsonable
from .table import Table
from .timescale import Times

__all__ = ["render_report", "write_png_charts"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccd;padding:2px 6px}
th{background:#eef}.meta td:first-child{font-weight:600}
svg{background:#fbfbfd;border:1px solid #dde}
"""
_PASS_COLOUR = "#1f6fd1"
_TRACK_COLOUR = "#2a9d3a"
_CONJ_COLOUR = "#d1401f"


def _polar_xy(az_deg, el_deg, radius, cx, cy):
    r = radius * (90.0 - np.asarray(el_deg, float)) / 90.0
    a = np.radians(np.asarray(az_deg, float))
    return cx + r * np.sin(a), cy - r * np.cos(a)


def _pass_polylines(passes: Table, site_name: str, limit: int | None = None):
    """(azimuths, elevations) of the rise, culmination and set of each visible pass at a
    site (the points the window does not cut), at most `limit` passes."""
    mine = np.flatnonzero((passes["site"] == site_name) & passes["visible"])[:limit]
    out = []
    for k in mine.tolist():
        points = [(passes["rise_azimuth_deg"][k], 10.0),
                  (passes["culmination_azimuth_deg"][k], passes["max_elevation_deg"][k]),
                  (passes["set_azimuth_deg"][k], 10.0)]
        points = [(float(a), float(e)) for a, e in points if np.isfinite(a)]
        if len(points) >= 2:
            out.append(([a for a, _ in points], [e for _, e in points]))
    return mine.size, out


def sky_chart_svg(passes: Table, site_name: str, size: int = 420, limit: int = 400) -> str:
    """Polar chart of visible passes at one site: one polyline per pass."""
    cx = cy = size / 2
    radius = size / 2 - 24
    parts = [f'<svg width="{size}" height="{size}" '
             f'class="sky-chart" data-site="{html.escape(site_name)}">']
    for el in (0, 30, 60):
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius * (90 - el) / 90:.1f}" '
                     'fill="none" stroke="#99a" stroke-width="1"/>')
    for label, az in (("N", 0), ("E", 90), ("S", 180), ("W", 270)):
        x, y = _polar_xy(az, -8, radius, cx, cy)
        parts.append(f'<text x="{float(x):.1f}" y="{float(y) + 4:.1f}" font-size="12" '
                     f'text-anchor="middle">{label}</text>')
    count, lines = _pass_polylines(passes, site_name, limit)
    for azimuths, elevations in lines:
        x, y = _polar_xy(azimuths, elevations, radius, cx, cy)
        pts = " ".join(f"{float(a):.1f},{float(b):.1f}" for a, b in zip(x, y))
        parts.append(f'<polyline class="pass" points="{pts}" fill="none" '
                     f'stroke="{_PASS_COLOUR}" stroke-width="1.5" stroke-opacity="0.7"/>')
    parts.append(f'<text x="8" y="16" font-size="12">{html.escape(site_name)}: '
                 f'{count} visible passes</text></svg>')
    return "".join(parts)


def timeline_svg(observations: Table, telescope: str, start: Times, end: Times,
                 width: int = 900, height: int = 70) -> str:
    """The night as a bar, one green block per scheduled track."""
    span = float(end.seconds_since(start)[0]) or 1.0
    mine = observations.take(observations["telescope"] == telescope)
    parts = [f'<svg width="{width}" height="{height}" '
             f'class="timeline" data-telescope="{html.escape(telescope)}">',
             f'<rect x="0" y="20" width="{width}" height="30" fill="#eef"/>']
    a = mine["start_utc"].seconds_since(start)
    b = mine["end_utc"].seconds_since(start)
    for s, e in zip(a, b):
        x = width * s / span
        w = max(width * (e - s) / span, 1.0)
        parts.append(f'<rect class="track" x="{x:.1f}" y="20" width="{w:.1f}" height="30" '
                     f'fill="{_TRACK_COLOUR}"/>')
    for h in range(int(span // 3600) + 1):
        x = width * h * 3600 / span
        parts.append(f'<text x="{x + 2:.1f}" y="64" font-size="10">+{h}h</text>')
    parts.append(f'<text x="2" y="14" font-size="12">{html.escape(telescope)}: {len(mine)} '
                 f'tracks from {html.escape(iso_text(start)[0])}</text></svg>')
    return "".join(parts)


def conjunction_timeline_svg(conjunctions: Table, start: Times, end: Times, width: int = 900,
                             height: int = 220) -> str:
    """Miss distance (log scale) against TCA, one dot per conjunction."""
    span = float(end.seconds_since(start)[0]) or 1.0
    parts = [f'<svg width="{width}" height="{height}" '
             'class="conjunction-timeline">',
             f'<line x1="40" y1="{height - 20}" x2="{width}" y2="{height - 20}" stroke="#99a"/>']
    t = conjunctions["tca_utc"].seconds_since(start)
    miss = np.maximum(conjunctions["miss_distance_km"], 1e-3)
    y = (height - 20) - (height - 40) * (np.log10(miss) + 3) / 4  # 1 m .. 10 km
    for tt, yy in zip(t, y):
        parts.append(f'<circle class="conjunction" cx="{40 + (width - 40) * tt / span:.1f}" '
                     f'cy="{float(yy):.1f}" r="3" fill="{_CONJ_COLOUR}"/>')
    parts.append('<text x="2" y="14" font-size="12">miss distance (1 m .. 10 km, log) '
                 'against TCA</text></svg>')
    return "".join(parts)


def _table(table: Table, columns, limit=200) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    cells = {c: (iso_text(table[c]).tolist() if isinstance(table[c], Times)
                 else table[c].tolist()) for c in columns}
    for k in range(min(len(table), limit)):
        row = []
        for c in columns:
            v = cells[c][k]
            if isinstance(v, float) and v != v:
                v = None
            elif isinstance(v, float):
                v = f"{v:.3g}" if c in ("probability", "max_probability") else f"{v:.3f}"
            row.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
        body.append("<tr>" + "".join(row) + "</tr>")
    more = f"<p>{len(table) - limit} more in the CSV/JSON.</p>" if len(table) > limit else ""
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def render_report(meta: dict, passes: Table, observations: Table, conjunctions: Table,
                  sites: list, telescopes: list, night: dict, tracking: dict | None = None
                  ) -> str:
    """The report as one HTML string.

    `night` holds the night's ``date`` (text) and ``start``/``end`` (Times); `meta` the
    run's facts in display order (Times values are shown as ISO text); the screening window
    is ``meta["screen_start_utc"]`` .. ``meta["screen_end_utc"]`` (Times) when given;
    `tracking`, the nightly observation stage's summary, adds the section "Our
    observations".
    """
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>debris nightly report {html.escape(night['date'])}</title>",
           f"<style>{_CSS}</style></head><body>",
           f"<h1>debris nightly report: night of {html.escape(night['date'])}</h1>",
           "<h2>Run</h2><table class='meta'>"]
    for key, value in jsonable(meta).items():
        out.append(f"<tr><td>{html.escape(str(key))}</td>"
                   f"<td>{html.escape(str(value))}</td></tr>")
    out.append("</table><h2>Visible passes</h2>")
    for site in sites:
        out.append(sky_chart_svg(passes, site))
    out.append("<h2>Schedules</h2>")
    for tel in telescopes:
        out.append(timeline_svg(observations, tel, night["start"], night["end"]))
    out.append(f"<h2>Conjunctions ({len(conjunctions)})</h2>")
    out.append(conjunction_timeline_svg(conjunctions, meta.get("screen_start_utc",
                                                               night["start"]),
                                        meta.get("screen_end_utc", night["end"])))
    out.append(_table(conjunctions.take(np.argsort(conjunctions["miss_distance_km"],
                                                   kind="stable")),
                      ["tca_utc", "norad_id_1", "name_1", "norad_id_2", "name_2",
                       "miss_distance_km", "relative_speed_km_s", "probability",
                       "max_probability"]))
    if tracking is not None:
        out.append(_tracking_section(tracking))
    out.append("</body></html>\n")
    return "".join(out)


def _rows_table(rows: list, columns: list) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(jsonable(value)) if not isinstance(value, str) else value


def _tracking_section(t: dict) -> str:
    """Observations per object, residuals, uncorrelated tracks, updated predictions."""
    out = [f"<h2>Our observations ({t['observations']} in {t['tracks']} tracks, "
           f"{t['identified_tracks']} identified)</h2>",
           f"<p>New files: {html.escape(', '.join(t['files']) or 'none')}; rejected lines: "
           f"{t['rejected_lines']}</p>", "<h3>Residuals per object and station</h3>",
           _rows_table(t["residuals"], ["norad_id", "station", "observations", "rms_arcsec",
                                        "mean_along_track_s", "rms_cross_track_arcsec"]),
           "<h3>Fitted elements</h3>",
           _rows_table(t["fitted"], ["norad_id", "name", "observations", "used", "rms_arcsec",
                                     "tle_line1", "tle_line2"]),
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
        for azimuths, elevations in _pass_polylines(passes, site)[1]:
            ax.plot(np.radians(azimuths), elevations, color=_PASS_COLOUR, alpha=0.5,
                    linewidth=0.8)
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
            ax.broken_barh(list(zip(a, b - a)), (k - 0.4, 0.8), color=_TRACK_COLOUR)
    ax.set_yticks(range(len(telescopes)), telescopes)
    ax.set_xlabel(f"hours after {iso_text(night['start'])[0]}")
    fig.tight_layout()
    path = folder / "schedule_timeline.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)
    return written
