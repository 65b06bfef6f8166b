"""What an observer reads first on a terminal: a short summary, then the most useful rows.

``passes``, ``screen`` and ``schedule`` print, in their table format, a few ``#`` summary
lines (counts per object type, the brightest and highest passes, the dark window and the
Moon; the closest and most probable conjunctions; the night's tracks and slews), then the
first ``--limit`` rows in ``--sort`` order, then one line saying how many more there are.
``--all`` prints every row. CSV and JSON are always complete (``--sort`` orders them too).
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..io.tables import day_clock, iso_text, local_iso_text, table_to_text
from ..sun import moon_tonight
from ..table import Table
from .common import hhmmss

__all__ = ["add_view_options", "ordered", "limited", "pass_summary", "conjunction_summary",
           "schedule_summary", "DEFAULT_LIMIT", "day_clock", "terminal_layout",
           "terminal_text"]

#: Rows a table shows on a terminal before "N more" (a screen with the summary).
DEFAULT_LIMIT = 20

#: Sort keys per command: (column, descending). NaN sorts last.
_SORTS = {
    "time": (("culmination_utc", "tca_utc", "start_utc"), False),
    "magnitude": (("min_magnitude", "magnitude"), False),
    "elevation": (("max_elevation_deg", "start_elevation_deg"), True),
    "miss": (("miss_distance_km",), False),
    "probability": (("max_probability",), True),
}


def add_view_options(parser, sorts, default: str) -> None:
    """``--sort``, ``--limit``, ``--all``."""
    parser.add_argument("--sort", choices=sorts, default=None,
                        help=f"row order (default {default} on the terminal table, "
                             "time in CSV/JSON)")
    parser.add_argument("--limit", type=_count, default=DEFAULT_LIMIT,
                        help=f"rows the terminal table shows (default {DEFAULT_LIMIT})")
    parser.add_argument("--all", action="store_true", dest="all_rows",
                        help="show every row in the terminal table")
    parser.add_argument("--wide", action="store_true",
                        help="every column in the terminal table (by default it keeps to "
                             f"{TERMINAL_WIDTH} characters)")
    parser.set_defaults(view_default_sort=default)


#: Width the terminal tables keep to without --wide (characters).
TERMINAL_WIDTH = 100


def wrap_comments(text: str, width: int = TERMINAL_WIDTH) -> str:
    """`text` with its ``#`` comment lines wrapped to `width` (table lines untouched)."""
    out = []
    for line in text.splitlines():
        if line.startswith("#") and len(line) > width:
            out.extend(textwrap.wrap(line, width, subsequent_indent="#   ",
                                     break_on_hyphens=False))
        else:
            out.append(line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def terminal_layout(layout: dict, narrow: list, *, wide: bool, first_date: str | None = None,
                    name_width: int = 16) -> dict:
    """A terminal table's layout: every column with `wide`, else only `narrow` (names cut
    to `name_width` characters); clock columns (``*_utc`` formatted ``hh:mm:ss``) get
    ``+1`` on times after midnight when `first_date` (the window's first date) is given."""
    formats = dict(layout["formats"])
    if first_date:
        clock = day_clock(first_date)
        formats.update({k: clock for k, v in formats.items() if v is hhmmss})
    if wide:
        return dict(layout, formats=formats)
    for k in narrow:
        if k.startswith("name"):
            formats[k] = (lambda width: lambda text: str(text)[:width])(name_width)
    return {"columns": [c for c in narrow], "formats": formats,
            "headers": dict(layout.get("headers", {}))}


def terminal_text(text: str, wide: bool) -> str:
    """The terminal's text: comment lines wrapped to :data:`TERMINAL_WIDTH` unless `wide`."""
    return text if wide else wrap_comments(text)


def _count(text: str) -> int:
    from argparse import ArgumentTypeError  # parsing an option: as argparse does

    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"expected a whole number of rows, got {text!r}") from None
    if value < 1:
        raise ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def ordered(table: Table, key: str | None) -> Table:
    """The table in `key`'s order (see :data:`_SORTS`; ties by time); unchanged for None."""
    if key is None or not len(table):
        return table
    names, descending = _SORTS[key]
    column = next(n for n in names if n in table.columns)
    values = table[column]
    if hasattr(values, "jd"):
        order = np.lexsort((values.fr, values.jd))
    else:
        v = np.asarray(values, float)
        v = np.where(np.isnan(v), np.inf, -v if descending else v)
        order = np.argsort(v, kind="stable")
    return table.take(order)


def limited(args, table: Table, layout: dict, what: str) -> str:
    """The first ``--limit`` rows (all with ``--all``) as an aligned table, with the line
    that says how many more there are."""
    sort = args.sort or args.view_default_sort
    rows = ordered(table, sort)
    shown = rows if args.all_rows else rows.take(np.arange(min(args.limit, len(rows))))
    head = (f"# {'every' if len(shown) == len(rows) else f'the first {len(shown)} of'} "
            f"{len(rows)} {what}, by {sort} (--sort, --limit N, --all):\n")
    text = head + table_to_text(shown, **layout)
    if len(shown) < len(rows):
        text += (f"# {len(rows) - len(shown)} more {what} not shown: --all lists them, "
                 "--format csv or json writes every one\n")
    return text


def _clock(times, zone=None, first_date: str | None = None) -> list[str]:
    """hh:mm:ss of times, in UTC or in `zone` (a ZoneInfo); with `first_date`, ``+1`` on
    times of the next day (:func:`day_clock`)."""
    text = iso_text(times) if zone is None else local_iso_text(times, zone)
    if first_date:
        return [day_clock(first_date)(t) for t in text]
    return [t[11:19] if t else "-" for t in text]


def _count_text(counts: dict) -> str:
    return ", ".join(f"{n:,} {k.lower()}" for k, n in sorted(counts.items(), key=lambda x: -x[1]))


def pass_summary(table: Table, types: dict, sites, start, end, sun_limit: float,
                 sources: dict, zone=None) -> str:
    """Summary lines of a night's passes, per site: dark window and Moon, counts per object
    type, brightest and highest pass; then where the magnitudes came from. Clock times in
    UTC, or in `zone` (a ZoneInfo) when given."""
    lines = []
    label = "UTC" if zone is None else str(zone.key)
    first = (iso_text(start) if zone is None else local_iso_text(start, zone))[0][:10]
    for site in sites:
        mine = table.take(table["site"] == site.name)
        moon = moon_tonight(site, start, end)
        up = (", ".join("up " + " .. ".join(_clock(pair, zone, first)) for pair in moon["up"])
              or "below the horizon all night")
        a, b = _clock(start, zone)[0], _clock(end, zone, first)[0]
        lines.append(f"# {site.name}: dark {a} .. {b} {label} (Sun below {sun_limit:g} deg); "
                     f"Moon {100 * moon['illuminated_fraction']:.0f}% lit, {up}")
        kinds: dict = {}
        for norad in np.unique(mine["norad_id"]):
            kind = types.get(int(norad), "UNKNOWN")
            kinds[kind] = kinds.get(kind, 0) + 1
        lines.append(f"#   {len(mine):,} passes of {len(np.unique(mine['norad_id'])):,} objects "
                     f"({_count_text(kinds) or 'none'})")
        if not len(mine):
            continue
        mag = np.where(np.isfinite(mine["min_magnitude"]), mine["min_magnitude"], np.inf)
        culm = _clock(mine["culmination_utc"], zone, first)
        if np.isfinite(mag).any():
            k = int(np.argmin(mag))
            lines.append(f"#   brightest: {mine['norad_id'][k]} {mine['name'][k]}, mag "
                         f"{mag[k]:.1f}, culminating {culm[k]} at "
                         f"{mine['max_elevation_deg'][k]:.0f} deg")
        k = int(np.argmax(mine["max_elevation_deg"]))
        lines.append(f"#   highest: {mine['norad_id'][k]} {mine['name'][k]}, "
                     f"{mine['max_elevation_deg'][k]:.1f} deg at {culm[k]}"
                     + (f", mag {mag[k]:.1f}" if np.isfinite(mag[k]) else ""))
    origin = ", ".join(f"{_SOURCE_WORDS.get(k, k)} for {n:,}" for k, n in
                       sorted(sources.items(), key=lambda x: -x[1]))
    lines.append(f"# standard magnitudes of the {sum(sources.values()):,} objects: "
                 f"{origin or 'none'} (README: How bright)")
    return "\n".join(lines) + "\n"


_SOURCE_WORDS = {"table": "your table", "observed": "our observations",
                 "published": "published values", "rcs": "the SATCAT RCS",
                 "size": "RCS size classes", "type": "regime and type defaults"}


def conjunction_summary(table: Table) -> str:
    """The closest and the most probable conjunction, and how many pairs."""
    if not len(table):
        return ""
    pairs = len({(int(a), int(b)) for a, b in zip(table["norad_id_1"], table["norad_id_2"])})
    tca = iso_text(table["tca_utc"])
    k = int(np.argmin(table["miss_distance_km"]))
    lines = [f"# {len(table):,} conjunctions of {pairs:,} pairs; closest: "
             f"{_pair_text(table, k)}, {table['miss_distance_km'][k]:.3f} km at {tca[k]}"]
    pc = np.where(np.isfinite(table["max_probability"]), table["max_probability"], -1.0)
    if pc.max() > 0:
        k = int(np.argmax(pc))
        lines.append(f"# most probable: {_pair_text(table, k)}, max Pc {pc[k]:.2e} "
                     f"(Pc {table['probability'][k]:.2e}), {table['miss_distance_km'][k]:.3f} "
                     f"km at {tca[k]}")
    return "\n".join(lines) + "\n"


def _pair_text(table, k) -> str:
    return (f"{table['norad_id_1'][k]} {table['name_1'][k]} x {table['norad_id_2'][k]} "
            f"{table['name_2'][k]}")


def schedule_summary(table: Table) -> str:
    """Per telescope: tracks, objects, time tracking and slewing, first and last track."""
    lines = []
    for name in dict.fromkeys(table["telescope"].tolist()):
        mine = table.take(table["telescope"] == name)
        t0 = mine["start_utc"][np.array([0])]
        tracking = float(np.sum(mine["end_utc"].seconds_since(t0)
                                - mine["start_utc"].seconds_since(t0)))
        slews = np.asarray(mine["slew_time_s"], float)
        slews = slews[np.isfinite(slews)]
        date = iso_text(t0)[0][:10]
        first, last = _clock(mine["start_utc"][np.array([0])], None, date)[0], \
            _clock(mine["end_utc"][np.array([len(mine) - 1])], None, date)[0]
        lines.append(f"# {name}: {len(mine)} tracks of {len(np.unique(mine['norad_id']))} "
                     f"objects, {tracking / 3600:.1f} h tracking, {slews.sum() / 3600:.1f} h "
                     f"slewing (median slew {np.median(slews) if slews.size else 0:.0f} s), "
                     f"{first} .. {last} UTC")
    return "\n".join(lines) + ("\n" if lines else "")
