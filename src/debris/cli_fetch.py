"""``debris fetch`` and the archive commands (``debris catalog history``)."""

from __future__ import annotations

import sys

from .cli import _note
from .errors import DebrisError

__all__ = ["cmd_fetch", "cmd_catalog_history", "cmd_nightly", "DEFAULT_ARCHIVE"]

DEFAULT_ARCHIVE = "~/.local/share/debris/archive.sqlite"


def _archive(path):
    import os

    from .archive import Archive

    return Archive(os.path.expanduser(path)) if path else None


def cmd_fetch(args) -> int:
    from .fetch import fetch_celestrak, fetch_spacetrack

    archive = None if args.no_archive else _archive(args.archive)
    try:
        if args.source == "spacetrack":
            result = fetch_spacetrack(args.output, timeout=args.timeout, retries=args.retries,
                                      archive=archive, min_objects=args.min_objects)
        else:
            if bool(args.group) == bool(args.catnr):
                raise DebrisError("give --group NAME (e.g. active, stations, "
                                  "cosmos-2251-debris) or --catnr ID,...")
            catnr = [int(x) for x in args.catnr.split(",") if x.strip()] if args.catnr else None
            result = fetch_celestrak(args.output, group=args.group, catnr=catnr,
                                     fmt=args.format, force=args.force, timeout=args.timeout,
                                     retries=args.retries, archive=archive,
                                     min_objects=args.min_objects, base=args.base_url)
    finally:
        if archive is not None:
            archive.close()
    if result.reused:
        _note(f"{result.path} is younger than 2 hours (CelesTrak refreshes GP data every 2 "
              f"hours and asks not to download more often): kept it ({result.objects} "
              "objects); --force downloads anyway")
    else:
        _note(f"{result.objects} objects from {result.url} written to {result.path}"
              + ("" if args.no_archive else f" and archived in {args.archive}"))
    return 0


def cmd_catalog_history(args) -> int:
    from .io import meta_block, table_to_json, table_to_text, write_text

    archive = _archive(args.archive)
    try:
        table = archive.history(args.norad)
    finally:
        archive.close()
    if args.format == "json":
        write_text(table_to_json(table, "history", meta_block(command="catalog history",
                                                              archive=args.archive)), None)
        return 0
    text = table_to_text(table, columns=["epoch_utc", "mean_motion_rev_day",
                                         "semi_major_axis_km", "perigee_km", "apogee_km",
                                         "inclination_deg", "manoeuvre", "decaying", "source"],
                         formats={"mean_motion_rev_day": "{:.8f}",
                                  "semi_major_axis_km": "{:.3f}", "perigee_km": "{:.1f}",
                                  "apogee_km": "{:.1f}", "inclination_deg": "{:.4f}"})
    sys.stdout.write(text)
    return 0


def cmd_nightly(args) -> int:
    import time

    from .nightly import run_nightly

    began = time.monotonic()
    folder = run_nightly(args.config, night=args.night, offline=args.offline,
                         verbose=args.verbose or sys.stderr.isatty())
    _note(f"night's outputs in {folder} (report.html, passes, conjunctions, CDMs, schedules, "
          f"pointing tracks, nightly.log); {time.monotonic() - began:.0f} s")
    return 0
