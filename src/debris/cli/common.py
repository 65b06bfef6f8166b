"""What the commands share: catalogue loading and notes, sites and windows, option groups."""

from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

from ..backends import propagation_backends
from ..catalog import Catalog
from ..checks import in_range, range_text
from ..errors import DebrisError
from ..io.files import read_csv_rows
from ..io.tables import iso_text, iter_table_json, local_iso_text, table_to_csv, table_to_text
from ..horizon import load_horizon
from ..sites import load_sites_toml, parse_site, time_zone
from ..sun import coming_night, night_date, night_window
from ..table import Table
from ..timescale import Times, to_times

__all__ = ["STALE_EPOCH_DAYS", "ranged", "ELEVATION", "HORIZON", "POSITIVE", "COUNT", "render",
           "hhmmss", "note", "load_catalog", "stale_note",
           "failure_note", "sites", "window", "norad_ids", "csv_rows", "add_files", "add_backend",
           "add_site_options", "add_night_options", "add_output"]

#: TLE accuracy degrades by kilometres per day; beyond this we say so.
STALE_EPOCH_DAYS = 3.0


def ranged(low=None, high=None, *, low_open=False, integer=False, unit=""):
    """An argparse ``type`` for a number in a range: a value outside it is refused with a
    message naming the value and the range (argparse adds the option; exit status 2).

    Parameters
    ----------
    low, high : float or None
        The bounds; None leaves that side open.
    low_open : bool
        `low` itself is refused (``> low`` rather than ``>= low``).
    integer : bool
        Whole numbers only.
    unit : str
        Said after the range (``"deg"``, ``"s"``).
    """
    span = range_text(low, high, low_open)
    expected = f"{'a whole number' if integer else 'a number'} {span}{' ' + unit if unit else ''}"

    def parse(text):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {expected}") from None
        if not in_range(value, low, high, low_open):
            raise argparse.ArgumentTypeError(f"{text} is outside the range: expected "
                                             f"{expected}")
        return value

    parse.__name__ = expected  # argparse names the type in its messages
    return parse


#: Elevation limits (deg): above the horizon, 0..90.
ELEVATION = ranged(0.0, 90.0, unit="deg")
#: Altitudes where below the horizon makes sense (the Sun's, deg): -90..90.
HORIZON = ranged(-90.0, 90.0, unit="deg")
#: Steps, spans, radii, thresholds: positive.
POSITIVE = ranged(0.0, low_open=True)
#: Counts: whole numbers >= 0.
COUNT = ranged(0, integer=True)


#: Exit status of a batch command that did its work but left out inputs it could not use
#: (0: everything used; 2: bad input, nothing done; 1: a bug in debris).
EXIT_SKIPPED = 3


def note(message: str) -> None:
    """A note on stderr (stdout stays for machine-readable output)."""
    print(f"debris: {message}", file=sys.stderr)


def note_items(items, headline: str | None = None, more: str = "", shown: int = 10) -> None:
    """Note `items` on stderr: `headline` (when given) and the first `shown`, indented, then
    how many more (``... and N more`` + `more`)."""
    if not items:
        return
    if headline:
        note(headline)
    for item in items[:shown]:
        print(f"  {item}", file=sys.stderr)
    if len(items) > shown:
        print(f"  ... and {len(items) - shown} more{more}", file=sys.stderr)


def noted_table(loader, path):
    """`loader(path)` (a magnitude or RCS table), or None without a path; each row it left
    out is noted on stderr with its line and why (the first 10, then a count)."""
    if not path:
        return None
    table = loader(path)
    rejected = getattr(table, "rejected", [])
    for item in rejected[:10]:
        note(f"left out {item}")
    if len(rejected) > 10:
        note(f"... and {len(rejected) - 10} more rows of {path} left out")
    return table


def load_catalog(paths, verify_checksums: bool = True) -> Catalog:
    """The catalogue of the given files (the bundled one when none), rejected records noted."""
    if paths:
        catalog = Catalog.from_files(paths, verify_checksums=verify_checksums)
    else:
        catalog = Catalog.bundled()
    note_items(catalog.rejected, f"{len(catalog.rejected)} record(s) rejected while loading:",
               " (debris catalog info lists them all)")
    if len(catalog) == 0:
        raise DebrisError("no usable element sets were loaded")
    return catalog


#: "Tonight" (no --night, or --night tonight) is refused on elements whose median epoch is
#: further than this from the night (days), unless --stale-ok.
STALE_TONIGHT_DAYS = 14.0


def elements_age_days(catalog: Catalog, start, end) -> np.ndarray:
    """|days| from each element epoch to the window's middle, shape (N,)."""
    mid = to_times(start).shift_seconds(
        0.5 * float(to_times(end).seconds_since(to_times(start))[0]))
    return np.abs(catalog.epoch_age_days(mid))


def age_text(catalog: Catalog, start, end) -> str:
    """``elements a median 1.2 days from the window`` (for every view's header)."""
    if not len(catalog):
        return "no elements"
    return f"elements a median {np.median(elements_age_days(catalog, start, end)):.1f} days " \
           "from the window"


def refuse_stale_tonight(args, catalog: Catalog, start, end) -> None:
    """Stop a run that plans "tonight" (no ``--night`` or ``--night tonight``) on elements a
    median of more than :data:`STALE_TONIGHT_DAYS` from it, unless ``--stale-ok``: the
    passes of month-old elements are not tonight's."""
    tonight = getattr(args, "start", None) is None and (
        getattr(args, "night", None) is None or str(args.night).strip().lower() == "tonight")
    if not tonight or getattr(args, "stale_ok", False) or not len(catalog):
        return
    age = float(np.median(elements_age_days(catalog, start, end)))
    if age > STALE_TONIGHT_DAYS:
        raise DebrisError(
            f"the elements are a median {age:.0f} days from tonight "
            f"({iso_text(start)[0][:10]}): their passes are not tonight's; fetch fresh "
            "elements (debris fetch), give --night DATE near their epochs, or --stale-ok to "
            "plan on them anyway")


def stale_note(catalog: Catalog, start, end) -> None:
    """Say how many element epochs lie more than :data:`STALE_EPOCH_DAYS` from the window."""
    age = elements_age_days(catalog, start, end)
    stale = int((age > STALE_EPOCH_DAYS).sum())
    if stale:
        note(f"{stale} of {len(catalog)} objects have element epochs more than "
             f"{STALE_EPOCH_DAYS:g} days from the window (median {np.median(age):.1f} days); "
             "SGP4 errors grow by kilometres per day, so fetch fresh elements or choose a "
             "window near the epochs")


def failure_note(table, consequence: str) -> dict:
    """Say which objects SGP4 failed on during the window (``meta['sgp4_failures']``)."""
    failures = table.meta.get("sgp4_failures", {})
    if failures:
        examples = ", ".join(f"NORAD {k} (error {v})" for k, v in list(failures.items())[:5])
        note(f"SGP4 failed for {len(failures)} objects during the window (decayed or invalid "
             f"elements; error 6 = decayed, 7 = moves faster than any orbit); {consequence}: "
             f"{examples}"
             + (" ..." if len(failures) > 5 else ""))
    return failures


def sites(args) -> list:
    """The sites of ``--site`` (default Dushanbe), with ``--sites-file`` ones known; with
    ``--horizon FILE`` each takes that horizon mask."""
    extra = load_sites_toml(args.sites_file) if getattr(args, "sites_file", None) else None
    found = [parse_site(spec, extra) for spec in (args.site or ["dushanbe"])]
    if getattr(args, "horizon", None):
        mask = load_horizon(args.horizon)
        found = [dataclasses.replace(site, horizon=mask) for site in found]
    return found


def window(args, site):
    """The window of ``--start`` with ``--end``/``--hours``, or ``--night``, or the coming
    night at `site`."""
    if args.night and args.start:
        raise DebrisError("give either --night or --start, not both")
    if args.start:
        start = to_times(args.start)
        if args.end:
            end = to_times(args.end)
        elif args.hours is not None:
            end = start.shift_seconds(float(args.hours) * 3600.0)
        else:
            raise DebrisError("--start needs --end or --hours")
        if float(end.seconds_since(start)[0]) <= 0:
            raise DebrisError(f"--end {end.iso()[0]} is not after --start {start.iso()[0]}")
        return start[0:1], end[0:1]
    # --night DATE or tonight; none: the coming night (the one under way, else the next)
    day = coming_night(site, args.sun_altitude_deg) if args.night is None else \
        night_date(site, args.night, args.sun_altitude_deg)
    return night_window(site, day, args.sun_altitude_deg)


def norad_ids(text: str, option: str) -> list[int]:
    """NORAD ids from comma- or space-separated text; a bad one is named."""
    out = []
    for token in text.replace(",", " ").split():
        try:
            out.append(int(token))
        except ValueError:
            raise DebrisError(f"{option} {text!r}: {token!r} is not a NORAD id (expected "
                              "integers such as 25544,48274)") from None
    return out


def render(fmt: str, table, *, key: str, meta, header: str, layout: dict, decimals=None):
    """A result table as the text of ``--format``: JSON (records under `key`, with the meta
    block `meta()` makes), CSV, or `header` and an aligned table of ``layout`` (columns,
    formats, headers: :func:`debris.io.tables.table_to_text`)."""
    if fmt == "json":
        return iter_table_json(table, key, meta(), decimals)
    if fmt == "csv":
        return table_to_csv(table)
    return header + table_to_text(table, **layout)


def hhmmss(text):
    """hh:mm:ss of ISO text, "-" when missing (the table format's clock times)."""
    return text[11:19] if text else "-"


def csv_rows(path):
    """(line number, cells) of a small CSV keyed by norad_id (comments, header skipped)."""
    return read_csv_rows(path, header="norad_id")


# ------------------------------------------------------------------------ option groups
def add_files(parser) -> None:
    parser.add_argument("files", nargs="*",
                        help="TLE/3LE/OMM files (default: bundled catalogue)")


def add_backend(parser) -> None:
    names = list(propagation_backends())
    parser.add_argument("--backend", default="auto", choices=["auto", *names],
                        help=f"propagation backend (default: {', else '.join(names)}, by what "
                             "is installed; DEBRIS_BACKEND)")


def add_site_options(parser, *, several: bool = False) -> None:
    parser.add_argument("--site", action="append",
                        help="site name or LAT,LON[,ALT_M]" + ("; repeat for several (default "
                                                               "dushanbe)" if several else ""))
    parser.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    parser.add_argument("--horizon", metavar="FILE",
                        help="horizon mask: two columns, azimuth and lowest elevation (deg), "
                             "interpolated and wrapping at 360; passes rise and set where they "
                             "clear it (a site's TOML takes horizon = [[az, el], ...])")


def add_tz_option(parser) -> None:
    parser.add_argument("--tz", metavar="ZONE|local",
                        help="also give times in this IANA time zone (Asia/Dushanbe, "
                             "Europe/Berlin, ...) or the first site's own (local; built-in "
                             "sites are Asia/Dushanbe, site TOML takes timezone = ...): "
                             "*_local columns beside the *_utc ones in CSV/JSON, local clock "
                             "times in the table")


def time_zone_of(args, site_list):
    """The ZoneInfo of ``--tz`` (``local``: the first site's), or None without it."""
    text = getattr(args, "tz", None)
    if not text:
        return None
    if text.strip().lower() == "local":
        site = site_list[0]
        if not site.timezone:
            raise DebrisError(f"--tz local: site {site.name!r} has no time zone; give --tz "
                              "ZONE (such as Asia/Dushanbe) or add timezone = \"...\" to its "
                              "[sites.NAME] table")
        return time_zone(site.timezone, f"site {site.name!r}: timezone")
    return time_zone(text, "--tz")


def with_local_times(table, zone):
    """`table` with a ``NAME_local`` text column (ISO-8601 with the zone's offset) after
    every ``NAME_utc`` time column; unchanged when `zone` is None."""
    if zone is None:
        return table
    columns = {}
    for name, values in table.columns.items():
        columns[name] = values
        if name.endswith("_utc") and isinstance(values, Times):
            columns[name[:-4] + "_local"] = local_iso_text(values, zone)
    return Table(columns, meta=dict(table.meta))


def local_layout(layout: dict, zone) -> dict:
    """A table layout whose clock columns (``*_utc``) show the ``*_local`` times."""
    if zone is None:
        return layout
    rename = {c: c[:-4] + "_local" for c in layout["columns"] if c.endswith("_utc")}
    return {"columns": [rename.get(c, c) for c in layout["columns"]],
            "formats": {rename.get(k, k): v for k, v in layout["formats"].items()},
            "headers": {rename.get(k, k): v for k, v in layout.get("headers", {}).items()}}


def add_night_options(parser, *, sun_help: str | None = None) -> None:
    parser.add_argument("--night", help="YYYY-MM-DD: the night beginning that local evening; "
                        "tonight (the default): the night under way, else the coming one")
    parser.add_argument("--start", help="ISO-8601 UTC start (instead of --night)")
    parser.add_argument("--end", help="ISO-8601 UTC end")
    parser.add_argument("--hours", type=POSITIVE, help="span in hours after --start (> 0)")
    parser.add_argument("--sun-altitude-deg", type=HORIZON, default=-12.0,
                        help=(sun_help or "twilight limit for the night") + "; -90..90 deg")
    parser.add_argument("--stale-ok", action="store_true",
                        help="plan tonight even on elements a median of more than "
                             f"{STALE_TONIGHT_DAYS:g} days from it (refused otherwise)")


def add_output(parser, formats, default: str = "table") -> None:
    parser.add_argument("--format", choices=list(formats), default=default)
    parser.add_argument("--output", help="output file (written atomically); default stdout")




def add_dask(parser) -> None:
    parser.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster: local[:N] "
                        "starts N worker processes here, tcp://HOST:PORT uses a running "
                        "scheduler (the dask extra)")


def dask_executor(args):
    """The Dask executor of ``--dask`` (None without it: dask is then not imported)."""
    if not getattr(args, "dask", None):
        return None
    from ..cluster import connect  # dask (the dask extra): only with --dask

    return connect(args.dask)
