"""``debris fetch`` and ``debris nightly``."""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import DebrisError
from .catalog import DEFAULT_ARCHIVE, open_archive
from .common import POSITIVE, norad_ids, note, ranged

__all__ = ["add_parsers"]


def add_parsers(sub) -> None:
    p = sub.add_parser("nightly", help="the night's whole run: elements, passes, screening, "
                       "schedules, HTML report")
    p.add_argument("--config", required=True, help="nightly TOML (see examples/)")
    p.add_argument("--night", help="YYYY-MM-DD or tonight (default: the night under way at "
                   "the first site, else the coming one, as passes picks it)")
    p.add_argument("--offline", action="store_true", help="do not fetch; use the configured "
                   "catalogue, the archive or the bundled one")
    p.add_argument("--verbose", action="store_true", help="log to stderr as well")
    p.add_argument("--tz", metavar="ZONE|local", help="the report's times in this IANA time "
                   "zone (local: the first site's own) first, UTC beside them; default the "
                   "config's timezone, else UTC")
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser("fetch", help="download current element sets (CelesTrak, Space-Track)")
    p.add_argument("--source", choices=["celestrak", "spacetrack"], default="celestrak")
    p.add_argument("--group", help="CelesTrak group: active, stations, starlink, "
                   "cosmos-2251-debris, ...")
    p.add_argument("--catnr", help="comma-separated NORAD ids (CelesTrak)")
    p.add_argument("--format", choices=["tle", "3le", "json", "csv", "xml"], default="tle")
    p.add_argument("--output", required=True, help="file to replace (only with valid data)")
    p.add_argument("--archive", default=DEFAULT_ARCHIVE,
                   help="SQLite archive to add the elements to")
    p.add_argument("--no-archive", action="store_true")
    p.add_argument("--force", action="store_true",
                   help="download even if the file is younger than 2 hours")
    p.add_argument("--timeout", type=POSITIVE, default=30.0, help="seconds per request (> 0)")
    p.add_argument("--retries", type=ranged(0, 20, integer=True), default=3,
                   help="retries after a failed request, 0..20 (default 3)")
    p.add_argument("--min-objects", type=ranged(1, integer=True), default=1,
                   help="fewer objects than this is a failed download, >= 1 (default 1)")
    p.add_argument("--base-url", default="https://celestrak.org/NORAD/elements/gp.php",
                   help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_fetch)


def cmd_fetch(args) -> int:
    # the only network code (urllib, http: 40 ms to import), loaded only by this command
    from ..fetch import fetch_celestrak, fetch_spacetrack

    archive = None if args.no_archive else open_archive(args.archive)
    try:
        if args.source == "spacetrack":
            result = fetch_spacetrack(args.output, timeout=args.timeout, retries=args.retries,
                                      archive=archive, min_objects=args.min_objects)
        else:
            if bool(args.group) == bool(args.catnr):
                raise DebrisError("give --group NAME (e.g. active, stations, "
                                  "cosmos-2251-debris) or --catnr ID,...")
            catnr = norad_ids(args.catnr, "--catnr") if args.catnr else None
            result = fetch_celestrak(args.output, group=args.group, catnr=catnr,
                                     fmt=args.format, force=args.force, timeout=args.timeout,
                                     retries=args.retries, archive=archive,
                                     min_objects=args.min_objects, base=args.base_url)
    finally:
        if archive is not None:
            archive.close()
    if result.reused:
        note(f"{result.path} is younger than 2 hours (CelesTrak refreshes GP data every 2 "
              f"hours and asks not to download more often): kept it ({result.objects} "
              "objects); --force downloads anyway")
    else:
        note(f"{result.objects} objects from {result.url} written to {result.path}"
              + ("" if args.no_archive else f" and archived in {args.archive}"))
    return 0


def cmd_nightly(args) -> int:
    # the whole pipeline (and its report) is loaded only by this command
    from ..nightly import run_nightly

    began = time.monotonic()
    folder = run_nightly(args.config, night=args.night, offline=args.offline,
                         verbose=args.verbose or sys.stderr.isatty(), tz=args.tz)
    note(f"night's outputs in {folder} (report.html, passes, conjunctions, CDMs, schedules, "
          f"pointing tracks, nightly.log); {time.monotonic() - began:.0f} s")
    return 0
