"""The nightly report's charts as inline SVG: sky charts, schedule timelines, conjunctions.

Every chart carries ``role="img"``, an ``aria-label`` and a ``<title>`` (read by screen
readers), axes with values, and times in UTC or the report's zone with ``+1d`` on those after
midnight. Sky charts are drawn as the sky is seen looking up (north up, east left, as
planispheres and Stellarium draw it): the brightest passes bold with labels placed so that
none overlaps another, every other visible pass as a density map, the site's horizon mask
shaded. Schedule timelines have one row per hour (16 px a minute, drawn at that size and
scrolled sideways on a narrow screen, so NORAD ids stay legible on a phone). Colours are the
ones :mod:`debris.report` names in its legend. :func:`sky_geometry` and
:func:`timeline_rows` give the PNG charts the same drawing.
"""

from __future__ import annotations

import html

import numpy as np

from .io.tables import day_clock, iso_text, local_iso_text
from .table import Table
from .timescale import Times

__all__ = ["sky_chart_svg", "timeline_svg", "conjunction_timeline_svg", "sky_geometry",
           "timeline_rows", "place_labels", "clock_texts", "PASS_COLOUR", "TRACK_COLOUR",
           "SLEW_COLOUR", "CONJ_COLOUR", "FAINT_COLOUR", "MASK_COLOUR"]

PASS_COLOUR = "#1f6fd1"  # the brightest passes, drawn bold
FAINT_COLOUR = "#7490b5"  # the density of every other visible pass (3.2:1, WCAG 1.4.11)
TRACK_COLOUR = "#2a9d3a"  # scheduled tracks
SLEW_COLOUR = "#b86e00"  # slews before them
CONJ_COLOUR = "#d1401f"
MASK_COLOUR = "#8a93a3"  # the horizon mask, shaded
_AXIS = "#5c6370"  # axes and rings: 5.9:1 on white
#: Sky-chart density cells (px) and points sampled along each pass's path.
DENSITY_CELL_PX = 12
_PATH_SAMPLES = 17
#: Timeline: pixels per minute, label lanes under each hour's bar.
MINUTE_PX = 16
LABEL_LANES = 4
_CHAR_PX = 0.68  # text width per character, in font sizes (digits of common sans fonts)


def _svg_open(width, height, css_class, label, extra="") -> str:
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'class="{css_class}" role="img" aria-label="{html.escape(label)}"{extra}>'
            f"<title>{html.escape(label)}</title>")


def clock_texts(times: Times, zone=None, first_date: str | None = None,
                seconds: bool = False) -> list[str]:
    """``hh:mm`` (or ``hh:mm:ss``) of times in UTC or `zone`, ``+1d`` on those of a date
    after `first_date` (the night's evening date in that zone); '' where missing."""
    text = iso_text(times) if zone is None else local_iso_text(times, zone)
    if first_date is None:
        end = 19 if seconds else 16
        return [t[11:end] if t else "" for t in text]
    clock = day_clock(first_date, seconds=seconds, mark=" +{}d")
    return [clock(t) if t else "" for t in text]


def zone_name(zone) -> str:
    return "UTC" if zone is None else str(zone.key)


def _polar_xy(az_deg, el_deg, radius, cx, cy):
    """Chart coordinates of (azimuth, elevation): looking up, north up and east LEFT."""
    r = radius * (90.0 - np.clip(np.asarray(el_deg, float), 0.0, 90.0)) / 90.0
    a = np.radians(np.asarray(az_deg, float))
    return cx - r * np.sin(a), cy - r * np.cos(a)


def _pass_points(passes: Table, rows, min_el: float):
    """(azimuths, elevations), (P, 3) each: rise, culmination, set of each pass."""
    az = np.stack([passes["rise_azimuth_deg"][rows], passes["culmination_azimuth_deg"][rows],
                   passes["set_azimuth_deg"][rows]], axis=1)
    el = np.stack([np.full(len(rows), min_el), passes["max_elevation_deg"][rows],
                   np.full(len(rows), min_el)], axis=1)
    return az, el


def _curve(x, y, t):
    """Points at parameters `t` (T,) of the quadratic curves through each row's three points
    (P, 3), (P, T) each: the middle point is reached at t = 0.5."""
    cx = 2 * x[:, 1] - (x[:, 0] + x[:, 2]) / 2
    cy = 2 * y[:, 1] - (y[:, 0] + y[:, 2]) / 2
    a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t ** 2
    return (np.outer(x[:, 0], a) + np.outer(cx, b) + np.outer(x[:, 2], c),
            np.outer(y[:, 0], a) + np.outer(cy, b) + np.outer(y[:, 2], c))


def sky_geometry(passes: Table, site_name: str, *, size: int = 440, bright: int = 8,
                 min_el: float = 10.0) -> dict:
    """What a sky chart draws, in chart pixels (size x size, looking up): ``top`` (rows of
    the brightest visible passes), ``x``/``y`` (their rise, culmination and set points,
    (B, 3)), ``density`` (passes per cell of :data:`DENSITY_CELL_PX`, an (n, n) array over
    the chart's square, rows from the top), ``visible`` (the count) and the chart's
    ``cx``, ``cy``, ``radius``."""
    cx = cy = size / 2
    radius = size / 2 - 30
    mine = np.flatnonzero((passes["site"] == site_name) & passes["visible"])
    mag = np.where(np.isfinite(passes["min_magnitude"][mine]), passes["min_magnitude"][mine],
                   np.inf)
    order = mine[np.argsort(mag, kind="stable")]
    top, rest = order[:bright], order[bright:]
    n = int(np.ceil(size / DENSITY_CELL_PX))
    density = np.zeros((n, n))
    az, el = _pass_points(passes, rest, min_el)
    x, y = _polar_xy(az, el, radius, cx, cy)
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y).all(axis=1)
    if ok.any():
        px, py = _curve(x[ok], y[ok], np.linspace(0.0, 1.0, _PATH_SAMPLES))
        col = np.clip((px / DENSITY_CELL_PX).astype(int), 0, n - 1)
        row = np.clip((py / DENSITY_CELL_PX).astype(int), 0, n - 1)
        owner = np.repeat(np.arange(px.shape[0]), px.shape[1])
        cells = np.unique(owner * n * n + (row * n + col).ravel())  # each pass once per cell
        np.add.at(density.ravel(), cells % (n * n), 1.0)
    az, el = _pass_points(passes, top, min_el)
    x, y = _polar_xy(az, el, radius, cx, cy)
    return {"top": top, "x": x, "y": y, "density": density, "visible": mine.size,
            "cx": cx, "cy": cy, "radius": radius}


def place_labels(anchors, texts, font_px: float, obstacles=(), bounds=None) -> list:
    """Label positions that overlap neither each other nor `obstacles`: for each anchor
    (x, y) and text, the first free of eight places around it, as (x, y) of the text's
    baseline start, or None when none is free (the label is then left out; the mark keeps
    its tooltip). Boxes are estimated from the text's length (:data:`_CHAR_PX`)."""
    taken = [tuple(b) for b in obstacles]
    out = []
    for (ax, ay), text in zip(anchors, texts):
        w, h = len(text) * _CHAR_PX * font_px + 2, font_px + 2
        spot = None
        for dx, dy in ((4, -4), (4, h + 2), (-w - 4, -4), (-w - 4, h + 2), (-w / 2, -8),
                       (-w / 2, h + 6), (8, h / 2), (-w - 8, h / 2)):
            box = (ax + dx - 1, ay + dy - h + 2, ax + dx + w, ay + dy + 2)
            if bounds is not None and not (bounds[0] <= box[0] and box[2] <= bounds[2]
                                           and bounds[1] <= box[1] and box[3] <= bounds[3]):
                continue
            if all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1]
                   for b in taken):
                spot = (ax + dx, ay + dy)
                taken.append(box)
                break
        out.append(spot)
    return out


def _mask_path(horizon, radius, cx, cy) -> str:
    """The area between the horizon circle and the mask, as an SVG path."""
    az, el = horizon.outline(2.0)
    xo, yo = _polar_xy(az, 0.0, radius, cx, cy)
    xi, yi = _polar_xy(az, np.maximum(el, 0.0), radius, cx, cy)
    outer = " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(xo, yo))
    inner = " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(xi[::-1], yi[::-1]))
    return f"M{outer} L{inner}Z"


def _density_svg(geo) -> str:
    """The density map of the passes not drawn bold: one shaded cell per part of the sky
    that passes crossed, darker where more did."""
    density, cx, cy, radius, top = (geo["density"], geo["cx"], geo["cy"], geo["radius"],
                                    geo["top"])
    if density.max() <= 0:
        return ""
    cells = []
    scale = density.max()
    for r, c in zip(*np.nonzero(density)):
        x, y = (c + 0.5) * DENSITY_CELL_PX, (r + 0.5) * DENSITY_CELL_PX
        if (x - cx) ** 2 + (y - cy) ** 2 > (radius + DENSITY_CELL_PX) ** 2:
            continue
        opacity = 0.08 + 0.72 * np.sqrt(density[r, c] / scale)
        cells.append(f'<rect x="{c * DENSITY_CELL_PX}" y="{r * DENSITY_CELL_PX}" '
                     f'width="{DENSITY_CELL_PX}" height="{DENSITY_CELL_PX}" '
                     f'fill-opacity="{opacity:.2f}"/>')
    return (f'<g class="density" fill="{FAINT_COLOUR}"><title>density of the other '
            f'{geo["visible"] - top.size} visible passes (at most {scale:.0f} through one '
            f'cell)</title>{"".join(cells)}</g>')


def _sky_axes(cx, cy, radius) -> tuple[list, list]:
    """The elevation rings with their values and the N/E/S/W letters (east left), and the
    boxes they take (labels keep clear of them)."""
    parts, obstacles = [], []
    for el in (0, 30, 60):
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius * (90 - el) / 90:.1f}" '
                     f'fill="none" stroke="{_AXIS}" stroke-width="1"/>')
        ty = cy - radius * (90 - el) / 90 + 11
        parts.append(f'<text x="{cx + 3:.1f}" y="{ty:.1f}" font-size="10" '
                     f'fill="{_AXIS}">{el}°</text>')
        obstacles.append((cx + 2, ty - 10, cx + 22, ty + 2))
    for text, az in (("N", 0), ("E", 90), ("S", 180), ("W", 270)):
        x, y = _polar_xy(az, -12, radius, cx, cy)
        parts.append(f'<text x="{float(x):.1f}" y="{float(y) + 4:.1f}" font-size="12" '
                     f'text-anchor="middle" font-weight="600" class="direction">{text}</text>')
        obstacles.append((float(x) - 6, float(y) - 8, float(x) + 6, float(y) + 6))
    return parts, obstacles


def sky_chart_svg(passes: Table, site_name: str, *, size: int = 440, bright: int = 8,
                  min_el: float = 10.0, horizon=None, zone=None,
                  first_date: str | None = None) -> str:
    """Polar chart of a site's visible passes as seen looking up (north up, east left): the
    `bright` brightest bold with marks at rise, culmination and set, the rise time and the
    NORAD id and time at culmination (labels that would overlap are left to the tooltip),
    every other visible pass as a density map (darker: more passes crossed that part of
    the sky), the horizon mask shaded when the site has one. Times in UTC or `zone`."""
    geo = sky_geometry(passes, site_name, size=size, bright=bright, min_el=min_el)
    cx, cy, radius, top = geo["cx"], geo["cy"], geo["radius"], geo["top"]
    label = (f"Sky chart of {site_name}, looking up (north up, east left): {geo['visible']} "
             f"visible passes, the {top.size} brightest drawn bold with times "
             f"({zone_name(zone)}), the others as a density map")
    parts = [_svg_open(size, size, "sky-chart", label,
                       f' data-site="{html.escape(site_name)}" data-cx="{cx}" '
                       f'data-radius="{radius}"')]
    parts.append(_density_svg(geo))
    if horizon is not None:
        parts.append(f'<path class="horizon-mask" d="{_mask_path(horizon, radius, cx, cy)}" '
                     f'fill="{MASK_COLOUR}" fill-opacity="0.55" fill-rule="evenodd">'
                     '<title>horizon mask</title></path>')
    axes, obstacles = _sky_axes(cx, cy, radius)
    parts += axes
    x, y = geo["x"], geo["y"]
    clocks = [clock_texts(passes[c][top], zone, first_date)
              for c in ("rise_utc", "culmination_utc", "set_utc")]
    drawn = [k for k in range(top.size) if np.isfinite(x[k]).all() and np.isfinite(y[k]).all()]
    culminations = iso_text(passes["culmination_utc"][top])
    anchors, texts = [], []
    for k in drawn:
        norad = passes["norad_id"][top[k]]
        anchors += [(x[k][1], y[k][1]), (x[k][0], y[k][0])]
        texts += [f"{norad} {clocks[1][k]}", clocks[0][k]]
    spots = place_labels(anchors, texts, 9.0, obstacles, bounds=(0, 0, size, size - 18))
    for j, k in enumerate(drawn):
        row = top[k]
        a, b = x[k], y[k]
        name = html.escape(f"{passes['norad_id'][row]} {passes['name'][row]}, mag "
                           f"{passes['min_magnitude'][row]:.1f}, {clocks[0][k]}-{clocks[2][k]} "
                           f"{zone_name(zone)}, culminating at azimuth "
                           f"{passes['culmination_azimuth_deg'][row]:.0f}°")
        parts.append(f'<g class="pass" data-norad="{passes["norad_id"][row]}" '
                     f'data-culmination="{culminations[k]}"><title>{name}'
                     f'</title><path d="M{a[0]:.1f},{b[0]:.1f}'
                     f'Q{2 * a[1] - (a[0] + a[2]) / 2:.1f},{2 * b[1] - (b[0] + b[2]) / 2:.1f} '
                     f'{a[2]:.1f},{b[2]:.1f}" fill="none" stroke="{PASS_COLOUR}" '
                     'stroke-width="2.2"/>')
        for i, what in enumerate(("rise", "culmination", "set")):
            parts.append(f'<circle class="{what}" cx="{a[i]:.1f}" cy="{b[i]:.1f}" r="2.5" '
                         f'fill="{PASS_COLOUR}"/>')
        for spot, text, bold in ((spots[2 * j], texts[2 * j], True),
                                 (spots[2 * j + 1], texts[2 * j + 1], False)):
            if spot is None:
                continue
            body = html.escape(text)
            if bold:
                norad, _, rest = text.partition(" ")
                body = f'<tspan font-weight="600">{norad}</tspan> {html.escape(rest)}'
            parts.append(f'<text x="{spot[0]:.1f}" y="{spot[1]:.1f}" font-size="9" '
                         'class="time-mark" stroke="#fbfbfd" stroke-width="2.5" '
                         f'paint-order="stroke">{body}</text>')
        parts.append("</g>")
    parts.append(f'<text x="6" y="{size - 6}" font-size="11">{html.escape(site_name)}: '
                 f'{geo["visible"]} visible passes; looking up, east left</text></svg>')
    return "".join(parts)


def _hour_axis(start: Times, span: float, x0: float, width: float, y: float,
               zone=None) -> list:
    """Tick marks and HH:MM labels (UTC or `zone`) on the whole hours of a window."""
    t0 = (iso_text(start) if zone is None else local_iso_text(start, zone))[0]
    offset = (60 - int(t0[14:16])) * 60 - int(t0[17:19]) if t0 else 0  # to the next hour
    parts = [f'<line x1="{x0}" y1="{y}" x2="{x0 + width}" y2="{y}" stroke="{_AXIS}"/>']
    step = 3600 if span <= 16 * 3600 else 6 * 3600
    for s in np.arange(offset % 3600, span + 1, step):
        x = x0 + width * s / span
        parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="{_AXIS}"/>'
                     f'<text x="{x:.1f}" y="{y + 15}" font-size="10" text-anchor="middle">'
                     f'{clock_texts(start.shift_seconds(np.array([s])), zone)[0]}</text>')
    return parts


def timeline_rows(observations: Table, telescope: str, start: Times, end: Times,
                  zone=None) -> dict:
    """The schedule of one telescope laid out one row per hour (of UTC or `zone`):
    ``rows`` (the hours' start, seconds from `start`, (R,)), and per track its ``row``,
    ``minute_a``/``minute_b`` (minutes into its row of the track's start and end) and
    ``slew_minutes``, the NORAD ids and names, and the rows' hour labels."""
    mine = observations.take(observations["telescope"] == telescope)
    span = float(end.seconds_since(start)[0])
    t0 = (iso_text(start) if zone is None else local_iso_text(start, zone))[0]
    into_hour = int(t0[14:16]) * 60 + float(t0[17:23]) if t0 else 0.0
    first = -into_hour
    n_rows = max(int(np.ceil((span - first) / 3600.0)), 1)
    rows = first + 3600.0 * np.arange(n_rows)
    a = mine["start_utc"].seconds_since(start)
    b = mine["end_utc"].seconds_since(start)
    row = np.clip(((a - first) // 3600).astype(int), 0, n_rows - 1) if len(mine) else \
        np.empty(0, int)
    slew = np.nan_to_num(np.asarray(mine["slew_time_s"], float)) \
        if "slew_time_s" in mine.columns else np.zeros(len(mine))
    return {"rows": rows, "row": row, "minute_a": (a - rows[row]) / 60.0,
            "minute_b": (b - rows[row]) / 60.0, "slew_minutes": slew / 60.0,
            "norad_id": mine["norad_id"], "name": mine["name"],
            "start_text": clock_texts(mine["start_utc"], zone, None, seconds=True),
            "hours": clock_texts(start.shift_seconds(rows), zone,
                                 (iso_text(start) if zone is None
                                  else local_iso_text(start, zone))[0][:10])}


def timeline_svg(observations: Table, telescope: str, start: Times, end: Times,
                 zone=None) -> str:
    """The night of one telescope, one row per hour: each scheduled track a green block,
    the slew before it orange, its NORAD id under it in the first of :data:`LABEL_LANES`
    lanes with room (every track's name and time in its tooltip and the schedule table).
    Drawn at :data:`MINUTE_PX` a minute and never scaled down: a narrow screen scrolls."""
    lay = timeline_rows(observations, telescope, start, end, zone)
    x0, bar, lane = 58.0, 18.0, 13.0
    row_h = bar + LABEL_LANES * lane + 10.0
    head = 30.0
    width = int(x0 + 60 * MINUTE_PX + 40)
    height = int(head + len(lay["rows"]) * row_h + 6)
    count = len(lay["row"])
    label = (f"Schedule of {telescope}: {count} tracks, one row per hour "
             f"({zone_name(zone)}), slews in orange")
    parts = [_svg_open(width, height, "timeline", label,
                       f' data-telescope="{html.escape(telescope)}"'),
             f'<text x="4" y="14" font-size="12">{html.escape(telescope)}: {count} tracks '
             f'(green) and slews (orange), one row per hour, {zone_name(zone)}</text>']
    for m in range(0, 61, 10):
        x = x0 + m * MINUTE_PX
        parts.append(f'<text x="{x:.0f}" y="{head - 4}" font-size="10" text-anchor="middle" '
                     f'fill="{_AXIS}">:{m % 60:02d}</text>')
    for r, hour in enumerate(lay["hours"]):
        y = head + r * row_h
        parts.append(f'<rect x="{x0}" y="{y}" width="{60 * MINUTE_PX}" height="{bar}" '
                     f'fill="#eef1f6"/><text x="4" y="{y + 13:.0f}" font-size="11" '
                     f'font-weight="600">{hour}</text>')
    lane_end = {}
    for k in range(count):
        r = int(lay["row"][k])
        y = head + r * row_h
        xa = x0 + lay["minute_a"][k] * MINUTE_PX
        xb = x0 + lay["minute_b"][k] * MINUTE_PX
        xs = xa - lay["slew_minutes"][k] * MINUTE_PX
        norad = str(lay["norad_id"][k])
        tip = html.escape(f"{lay['start_text'][k]} {norad} {lay['name'][k]}, slew "
                          f"{lay['slew_minutes'][k] * 60:.0f} s")
        parts.append(f'<g class="track"><title>{tip}</title>'
                     f'<rect class="slew" x="{max(xs, x0):.1f}" y="{y + bar - 6}" '
                     f'width="{max(xa - max(xs, x0), 0.0):.1f}" height="6" '
                     f'fill="{SLEW_COLOUR}"/><rect x="{xa:.1f}" y="{y}" '
                     f'width="{max(xb - xa, 1.5):.1f}" height="{bar - 6}" '
                     f'fill="{TRACK_COLOUR}"/></g>')
        w = len(norad) * _CHAR_PX * 10 + 4
        for j in range(LABEL_LANES):
            if lane_end.get((r, j), -1e9) <= xa:
                lane_end[(r, j)] = xa + w
                parts.append(f'<text class="track-name" x="{xa:.1f}" '
                             f'y="{y + bar + (j + 1) * lane - 2:.1f}" font-size="10">'
                             f'{norad}</text>')
                break
    parts.append("</svg>")
    return "".join(parts)


def conjunction_timeline_svg(conjunctions: Table, start: Times, end: Times, width: int = 960,
                             height: int = 240, zone=None) -> str:
    """Miss distance (log scale, 1 m .. 10 km) against TCA (UTC or `zone`), one dot each."""
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
    parts += _hour_axis(start, span, x0, width - 8 - x0, bottom, zone)
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
                 f'of closest approach ({zone_name(zone)})</text></svg>')
    return "".join(parts)
