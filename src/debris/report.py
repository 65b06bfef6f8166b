"""The nightly HTML report: one self-contained file (inline SVG charts, no scripts, no links).

Sections: the run's metadata; per site a sky chart (polar plot: azimuth round, elevation
inward) of tonight's visible passes (rise - culmination - set); per telescope a timeline of
the night's schedule; the conjunctions as a table and a timeline of miss distance against
TCA. :func:`write_png_charts` writes the same charts as PNG files when matplotlib is installed
(the ``plot`` extra).
"""

from __future__ import annotations

import html
import math

import numpy as np

from .timescale import to_times

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


def sky_chart_svg(passes, site_name: str, size: int = 420, limit: int = 400) -> str:
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
    rows = [p for p in passes if p["site"] == site_name and p["visible"]][:limit]
    for p in rows:
        pts = []
        for az_key, el in (("rise_azimuth_deg", None), ("culmination_azimuth_deg",
                                                        p["max_elevation_deg"]),
                           ("set_azimuth_deg", None)):
            az = p[az_key]
            if az is None or (isinstance(az, float) and math.isnan(az)):
                continue
            elevation = el if el is not None else 10.0
            x, y = _polar_xy(az, elevation, radius, cx, cy)
            pts.append(f"{float(x):.1f},{float(y):.1f}")
        if len(pts) >= 2:
            parts.append(f'<polyline class="pass" points="{" ".join(pts)}" fill="none" '
                         f'stroke="{_PASS_COLOUR}" stroke-width="1.5" stroke-opacity="0.7"/>')
    parts.append(f'<text x="8" y="16" font-size="12">{html.escape(site_name)}: '
                 f'{len(rows)} visible passes</text></svg>')
    return "".join(parts)


def _seconds(iso_values, t0):
    return to_times(list(iso_values)).seconds_since(t0) if len(iso_values) else np.empty(0)


def timeline_svg(observations, telescope: str, start_iso: str, end_iso: str,
                 width: int = 900, height: int = 70) -> str:
    """The night as a bar, one green block per scheduled track."""
    t0 = to_times(start_iso)[0:1]
    span = float(to_times(end_iso)[0:1].seconds_since(t0)[0]) or 1.0
    rows = [o for o in observations if o["telescope"] == telescope]
    parts = [f'<svg width="{width}" height="{height}" '
             f'class="timeline" data-telescope="{html.escape(telescope)}">',
             f'<rect x="0" y="20" width="{width}" height="30" fill="#eef"/>']
    if rows:
        a = _seconds([o["start_utc"] for o in rows], t0)
        b = _seconds([o["end_utc"] for o in rows], t0)
        for s, e in zip(a, b):
            x = width * s / span
            w = max(width * (e - s) / span, 1.0)
            parts.append(f'<rect class="track" x="{x:.1f}" y="20" width="{w:.1f}" height="30" '
                         f'fill="{_TRACK_COLOUR}"/>')
    for h in range(int(span // 3600) + 1):
        x = width * h * 3600 / span
        parts.append(f'<text x="{x + 2:.1f}" y="64" font-size="10">+{h}h</text>')
    parts.append(f'<text x="2" y="14" font-size="12">{html.escape(telescope)}: {len(rows)} '
                 f'tracks from {html.escape(start_iso)}</text></svg>')
    return "".join(parts)


def conjunction_timeline_svg(conjunctions, start_iso: str, end_iso: str, width: int = 900,
                             height: int = 220) -> str:
    """Miss distance (log scale) against TCA, one dot per conjunction."""
    t0 = to_times(start_iso)[0:1]
    span = float(to_times(end_iso)[0:1].seconds_since(t0)[0]) or 1.0
    parts = [f'<svg width="{width}" height="{height}" '
             'class="conjunction-timeline">',
             f'<line x1="40" y1="{height - 20}" x2="{width}" y2="{height - 20}" stroke="#99a"/>']
    if conjunctions:
        t = _seconds([c["tca_utc"] for c in conjunctions], t0)
        miss = np.array([max(c["miss_distance_km"], 1e-3) for c in conjunctions])
        y = (height - 20) - (height - 40) * (np.log10(miss) + 3) / 4  # 1 m .. 10 km
        for tt, yy in zip(t, y):
            parts.append(f'<circle class="conjunction" cx="{40 + (width - 40) * tt / span:.1f}" '
                         f'cy="{float(yy):.1f}" r="3" fill="{_CONJ_COLOUR}"/>')
    parts.append('<text x="2" y="14" font-size="12">miss distance (1 m .. 10 km, log) '
                 'against TCA</text></svg>')
    return "".join(parts)


def _table(rows, columns, limit=200) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for r in rows[:limit]:
        cells = []
        for c in columns:
            v = r.get(c)
            if isinstance(v, float):
                v = f"{v:.3g}" if c in ("probability", "max_probability") else f"{v:.3f}"
            cells.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p>{len(rows) - limit} more in the CSV/JSON.</p>" if len(rows) > limit else ""
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def render_report(meta: dict, passes: list, observations: list, conjunctions: list,
                  sites: list, telescopes: list, night: dict) -> str:
    """The report as one HTML string."""
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>debris nightly report {html.escape(night['date'])}</title>",
           f"<style>{_CSS}</style></head><body>",
           f"<h1>debris nightly report: night of {html.escape(night['date'])}</h1>",
           "<h2>Run</h2><table class='meta'>"]
    for key, value in meta.items():
        out.append(f"<tr><td>{html.escape(str(key))}</td>"
                   f"<td>{html.escape(str(value))}</td></tr>")
    out.append("</table><h2>Visible passes</h2>")
    for site in sites:
        out.append(sky_chart_svg(passes, site))
    out.append("<h2>Schedules</h2>")
    for tel in telescopes:
        out.append(timeline_svg(observations, tel, night["start_utc"], night["end_utc"]))
    out.append(f"<h2>Conjunctions ({len(conjunctions)})</h2>")
    out.append(conjunction_timeline_svg(conjunctions, meta.get("screen_start_utc",
                                                                night["start_utc"]),
                                        meta.get("screen_end_utc", night["end_utc"])))
    out.append(_table(sorted(conjunctions, key=lambda c: c["miss_distance_km"]),
                      ["tca_utc", "norad_id_1", "name_1", "norad_id_2", "name_2",
                       "miss_distance_km", "relative_speed_km_s", "probability",
                       "max_probability"]))
    out.append("</body></html>\n")
    return "".join(out)


def write_png_charts(folder, passes, observations, conjunctions, sites, telescopes,
                     night) -> list:
    """PNG versions of the charts (matplotlib, the ``plot`` extra); [] without it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    from pathlib import Path

    folder = Path(folder)
    written = []
    for site in sites:
        fig = plt.figure(figsize=(5, 5))
        ax = fig.add_subplot(projection="polar")
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        ax.set_rlim(90, 0)
        for p in passes:
            if p["site"] != site or not p["visible"]:
                continue
            az = [p["rise_azimuth_deg"], p["culmination_azimuth_deg"], p["set_azimuth_deg"]]
            el = [10.0, p["max_elevation_deg"], 10.0]
            keep = [(a, e) for a, e in zip(az, el) if a is not None and not math.isnan(a)]
            if len(keep) >= 2:
                ax.plot(np.radians([k[0] for k in keep]), [k[1] for k in keep],
                        color=_PASS_COLOUR, alpha=0.5, linewidth=0.8)
        ax.set_title(f"{site}: visible passes")
        path = folder / f"sky_{site}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    t0 = to_times(night["start_utc"])[0:1]
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.5 * len(telescopes)))
    for k, tel in enumerate(telescopes):
        rows = [o for o in observations if o["telescope"] == tel]
        if rows:
            a = _seconds([o["start_utc"] for o in rows], t0) / 3600.0
            b = _seconds([o["end_utc"] for o in rows], t0) / 3600.0
            ax.broken_barh(list(zip(a, b - a)), (k - 0.4, 0.8), color=_TRACK_COLOUR)
    ax.set_yticks(range(len(telescopes)), telescopes)
    ax.set_xlabel(f"hours after {night['start_utc']}")
    fig.tight_layout()
    path = folder / "schedule_timeline.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)
    return written
