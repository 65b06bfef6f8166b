"""The nightly report's charts as inline SVG: sky charts, schedule timelines, conjunctions.

Every chart carries ``role="img"``, an ``aria-label`` and a ``<title>`` (read by screen
readers), axes with values, and scales with the page (``viewBox``; phones get the same
drawing, smaller). Colours are the ones :mod:`debris.report` names in its legend.
"""

from __future__ import annotations

import html

import numpy as np

from .io.tables import iso_text
from .table import Table
from .timescale import Times

__all__ = ["sky_chart_svg", "timeline_svg", "conjunction_timeline_svg", "PASS_COLOUR",
           "TRACK_COLOUR", "SLEW_COLOUR", "CONJ_COLOUR", "FAINT_COLOUR"]

PASS_COLOUR = "#1f6fd1"  # the brightest passes, drawn bold
FAINT_COLOUR = "#7490b5"  # every other visible pass (3.2:1 on the chart, WCAG 1.4.11)
TRACK_COLOUR = "#2a9d3a"  # scheduled tracks
SLEW_COLOUR = "#b86e00"  # slews before them
CONJ_COLOUR = "#d1401f"
_AXIS = "#5c6370"  # axes and rings: 5.9:1 on white


def _svg_open(width, height, css_class, label, extra="") -> str:
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'class="{css_class}" role="img" aria-label="{html.escape(label)}"{extra}>'
            f"<title>{html.escape(label)}</title>")


def _clock(times: Times) -> list[str]:
    return [t[11:16] if t else "" for t in iso_text(times)]


def _polar_xy(az_deg, el_deg, radius, cx, cy):
    r = radius * (90.0 - np.clip(np.asarray(el_deg, float), 0.0, 90.0)) / 90.0
    a = np.radians(np.asarray(az_deg, float))
    return cx + r * np.sin(a), cy - r * np.cos(a)


def _pass_points(passes: Table, rows, min_el: float):
    """(x-able azimuths, elevations) per pass: rise, culmination, set (where the window does
    not cut them)."""
    az = np.stack([passes["rise_azimuth_deg"][rows], passes["culmination_azimuth_deg"][rows],
                   passes["set_azimuth_deg"][rows]], axis=1)
    el = np.stack([np.full(len(rows), min_el), passes["max_elevation_deg"][rows],
                   np.full(len(rows), min_el)], axis=1)
    return az, el


def sky_chart_svg(passes: Table, site_name: str, *, size: int = 440, bright: int = 8,
                  min_el: float = 10.0) -> str:
    """Polar chart (north up, east left as seen looking up) of every visible pass at a site:
    all drawn faint (their density shows where the sky is busy), the `bright` brightest
    bold with a mark at rise, culmination and set, the rise time, and the NORAD id and time
    at culmination (UTC; every pass's times in its tooltip)."""
    cx = cy = size / 2
    radius = size / 2 - 30
    mine = np.flatnonzero((passes["site"] == site_name) & passes["visible"])
    label = (f"Sky chart of {site_name}: {mine.size} visible passes, the {min(bright, mine.size)}"
             " brightest drawn bold with times (UTC)")
    parts = [_svg_open(size, size, "sky-chart", label, f' data-site="{html.escape(site_name)}"')]
    for el in (0, 30, 60):
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius * (90 - el) / 90:.1f}" '
                     f'fill="none" stroke="{_AXIS}" stroke-width="1"/>')
        parts.append(f'<text x="{cx + 3:.1f}" y="{cy - radius * (90 - el) / 90 + 11:.1f}" '
                     f'font-size="10" fill="{_AXIS}">{el}°</text>')
    for text, az in (("N", 0), ("E", 90), ("S", 180), ("W", 270)):
        x, y = _polar_xy(az, -12, radius, cx, cy)
        parts.append(f'<text x="{float(x):.1f}" y="{float(y) + 4:.1f}" font-size="12" '
                     f'text-anchor="middle" font-weight="600">{text}</text>')
    mag = np.where(np.isfinite(passes["min_magnitude"][mine]), passes["min_magnitude"][mine],
                   np.inf)
    order = mine[np.argsort(mag, kind="stable")]
    top, rest = order[:bright], order[bright:]
    az, el = _pass_points(passes, rest, min_el)
    x, y = _polar_xy(az, el, radius, cx, cy)
    ok = np.isfinite(x).all(axis=1)
    path = " ".join(f"M{a[0]:.0f},{b[0]:.0f}Q{2 * a[1] - (a[0] + a[2]) / 2:.0f},"
                    f"{2 * b[1] - (b[0] + b[2]) / 2:.0f} {a[2]:.0f},{b[2]:.0f}"
                    for a, b in zip(x[ok], y[ok]))
    opacity = min(0.5, 40.0 / max(ok.sum(), 1))  # a few dozen overlapping: full colour
    parts.append(f'<path class="faint-passes" d="{path}" fill="none" stroke="{FAINT_COLOUR}" '
                 f'stroke-width="0.7" stroke-opacity="{max(opacity, 0.02):.3f}"/>')
    az, el = _pass_points(passes, top, min_el)
    x, y = _polar_xy(az, el, radius, cx, cy)
    clocks = [_clock(passes[c][top]) for c in ("rise_utc", "culmination_utc", "set_utc")]
    for k, row in enumerate(top.tolist()):
        if not np.isfinite(x[k]).all():
            continue
        a, b = x[k], y[k]
        name = html.escape(f"{passes['norad_id'][row]} {passes['name'][row]}, mag "
                           f"{passes['min_magnitude'][row]:.1f}, {clocks[0][k]}-{clocks[2][k]}")
        parts.append(f'<g class="pass"><title>{name}</title><path d="M{a[0]:.1f},{b[0]:.1f}'
                     f'Q{2 * a[1] - (a[0] + a[2]) / 2:.1f},{2 * b[1] - (b[0] + b[2]) / 2:.1f} '
                     f'{a[2]:.1f},{b[2]:.1f}" fill="none" stroke="{PASS_COLOUR}" '
                     'stroke-width="2.2"/>')
        for j in range(3):  # time marks: rise, culmination (with the id), set
            parts.append(f'<circle cx="{a[j]:.1f}" cy="{b[j]:.1f}" r="2.5" '
                         f'fill="{PASS_COLOUR}"/>')
        parts.append(f'<text x="{a[0] + 4:.1f}" y="{b[0] - 3:.1f}" font-size="9" '
                     f'class="time-mark">{clocks[0][k]}</text>'
                     f'<text x="{a[1] + 4:.1f}" y="{b[1] + 3:.1f}" font-size="9" '
                     f'class="time-mark"><tspan font-weight="600">{passes["norad_id"][row]}'
                     f'</tspan> {clocks[1][k]}</text></g>')
    parts.append(f'<text x="6" y="{size - 8}" font-size="11">{html.escape(site_name)}: '
                 f'{mine.size} visible passes</text></svg>')
    return "".join(parts)


def _hour_axis(start: Times, span: float, x0: float, width: float, y: float) -> list:
    """Tick marks and HH:MM labels (UTC) on the whole hours of a window."""
    t0 = iso_text(start)[0]
    offset = (60 - int(t0[14:16])) * 60 - int(t0[17:19]) if t0 else 0  # to the next hour
    parts = [f'<line x1="{x0}" y1="{y}" x2="{x0 + width}" y2="{y}" stroke="{_AXIS}"/>']
    step = 3600 if span <= 16 * 3600 else 6 * 3600
    for s in np.arange(offset % 3600, span + 1, step):
        x = x0 + width * s / span
        parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="{_AXIS}"/>'
                     f'<text x="{x:.1f}" y="{y + 15}" font-size="10" text-anchor="middle">'
                     f'{_clock(start.shift_seconds(np.array([s])))[0]}</text>')
    return parts


def timeline_svg(observations: Table, telescope: str, start: Times, end: Times,
                 width: int = 960) -> str:
    """The night of one telescope: each scheduled track a green block on its own row band,
    the slew before it orange, names written where they fit (every one in its tooltip)."""
    span = float(end.seconds_since(start)[0]) or 1.0
    mine = observations.take(observations["telescope"] == telescope)
    x0, plot_w, top, band = 8.0, width - 16.0, 24.0, 36.0
    height = int(top + band + 110)
    label = (f"Schedule of {telescope}: {len(mine)} tracks between "
             f"{_clock(start)[0]} and {_clock(end)[0]} UTC, slews in orange")
    parts = [_svg_open(width, height, "timeline", label,
                       f' data-telescope="{html.escape(telescope)}"'),
             f'<rect x="{x0}" y="{top}" width="{plot_w}" height="{band}" fill="#eef1f6"/>']
    a = mine["start_utc"].seconds_since(start)
    b = mine["end_utc"].seconds_since(start)
    slew = np.nan_to_num(np.asarray(mine["slew_time_s"], float)) \
        if "slew_time_s" in mine.columns else np.zeros(len(mine))
    clocks = _clock(mine["start_utc"])
    last_label = -1e9
    for k in range(len(mine)):
        xa, xb = x0 + plot_w * a[k] / span, x0 + plot_w * b[k] / span
        xs = x0 + plot_w * (a[k] - slew[k]) / span
        name = f"{mine['norad_id'][k]} {mine['name'][k]}"
        tip = html.escape(f"{clocks[k]} {name}, slew {slew[k]:.0f} s")
        parts.append(f'<g class="track"><title>{tip}</title>'
                     f'<rect class="slew" x="{xs:.1f}" y="{top + 22}" '
                     f'width="{max(xa - xs, 0.0):.1f}" height="14" fill="{SLEW_COLOUR}"/>'
                     f'<rect x="{xa:.1f}" y="{top}" width="{max(xb - xa, 1.0):.1f}" '
                     f'height="{band - 14}" fill="{TRACK_COLOUR}"/></g>')
        if xa - last_label >= 11:  # a name where it fits, written downwards
            parts.append(f'<text class="track-name" transform="translate({xa + 3:.1f},'
                         f'{top + band + 22}) rotate(60)" font-size="9">'
                         f'{html.escape(name[:22])}</text>')
            last_label = xa
    parts += _hour_axis(start, span, x0, plot_w, top + band + 2)
    parts.append(f'<text x="{x0}" y="15" font-size="12">{html.escape(telescope)}: {len(mine)} '
                 f'tracks (green), slews (orange); UTC</text></svg>')
    return "".join(parts)


def conjunction_timeline_svg(conjunctions: Table, start: Times, end: Times, width: int = 960,
                             height: int = 240) -> str:
    """Miss distance (log scale, 1 m .. 10 km) against TCA (UTC), one dot per conjunction."""
    span = float(end.seconds_since(start)[0]) or 1.0
    x0, bottom, top = 58.0, height - 36.0, 22.0
    label = f"Conjunctions: miss distance against time of closest approach, {len(conjunctions)}"
    parts = [_svg_open(width, height, "conjunction-timeline", label),
             f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="{_AXIS}"/>']
    for power, text in zip(range(-3, 2), ("1 m", "10 m", "100 m", "1 km", "10 km")):
        y = bottom - (bottom - top) * (power + 3) / 4
        parts.append(f'<line x1="{x0 - 4}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
                     f'stroke="#dde2ea"/><text x="{x0 - 6}" y="{y + 3:.1f}" font-size="10" '
                     f'text-anchor="end">{text}</text>')
    parts += _hour_axis(start, span, x0, width - 8 - x0, bottom)
    t = conjunctions["tca_utc"].seconds_since(start)
    miss = np.maximum(conjunctions["miss_distance_km"], 1e-3)
    y = bottom - (bottom - top) * (np.log10(miss) + 3) / 4
    tca = iso_text(conjunctions["tca_utc"])
    for k, (tt, yy) in enumerate(zip(t, y)):
        tip = html.escape(f"{conjunctions['norad_id_1'][k]} x {conjunctions['norad_id_2'][k]}"
                          f", {miss[k]:.3f} km at {tca[k]}")
        parts.append(f'<circle class="conjunction" cx="{x0 + (width - 8 - x0) * tt / span:.1f}" '
                     f'cy="{float(yy):.1f}" r="3.5" fill="{CONJ_COLOUR}"><title>{tip}</title>'
                     '</circle>')
    parts.append(f'<text x="{x0}" y="14" font-size="12">miss distance (log scale) against time '
                 'of closest approach (UTC)</text></svg>')
    return "".join(parts)
