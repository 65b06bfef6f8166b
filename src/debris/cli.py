"""The ``debris`` command line: a thin layer over the library.

Machine-readable output goes to stdout or to ``--output`` (written
atomically); notes, warnings and progress go to stderr. Bad input ends
the run with exit status 2 and a message naming what was wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

import numpy as np

from ._version import __version__
from .catalog import Catalog
from .magnitude import DEFAULT_STD_MAG, load_std_mag_table
from .errors import DebrisError
from .sites import known_sites, load_sites_toml, parse_site
from .table import Table

__all__ = ["main"]

#: TLE accuracy degrades by kilometres per day; beyond this we say so.
STALE_EPOCH_DAYS = 3.0


def _note(message: str) -> None:
    print(f"debris: {message}", file=sys.stderr)


def _load_catalog(paths, verify_checksums: bool = True) -> Catalog:
    if paths:
        catalog = Catalog.from_files(paths, verify_checksums=verify_checksums)
    else:
        catalog = Catalog.bundled()
    if catalog.rejected:
        _note(f"{len(catalog.rejected)} record(s) rejected while loading:")
        for rejection in catalog.rejected[:10]:
            print(f"  {rejection}", file=sys.stderr)
        if len(catalog.rejected) > 10:
            print(f"  ... and {len(catalog.rejected) - 10} more "
                  "(debris catalog info lists them all)", file=sys.stderr)
    if len(catalog) == 0:
        raise DebrisError("no usable element sets were loaded")
    return catalog


def _stale_note(catalog: Catalog, start, end) -> None:
    from .timescale import to_times

    mid = to_times(start).shift_seconds(0.5 * float(to_times(end).seconds_since(to_times(start))[0]))
    age = np.abs(catalog.epoch_age_days(mid))
    stale = int((age > STALE_EPOCH_DAYS).sum())
    if stale:
        _note(f"{stale} of {len(catalog)} objects have element epochs more than "
              f"{STALE_EPOCH_DAYS:g} days from the window (median {np.median(age):.1f} days); "
              "SGP4 errors grow by kilometres per day, so fetch fresh elements or choose a "
              "window near the epochs")


def _failure_note(table, consequence: str) -> dict:
    """Say which objects SGP4 failed on during the window (``meta['sgp4_failures']``)."""
    failures = table.meta.get("sgp4_failures", {})
    if failures:
        examples = ", ".join(f"NORAD {k} (error {v})" for k, v in list(failures.items())[:5])
        _note(f"SGP4 failed for {len(failures)} objects during the window (decayed or invalid "
              f"elements; error 6 = decayed); {consequence}: {examples}"
              + (" ..." if len(failures) > 5 else ""))
    return failures


def _sites(args) -> list:
    extra = load_sites_toml(args.sites_file) if getattr(args, "sites_file", None) else None
    return [parse_site(spec, extra) for spec in (args.site or ["dushanbe"])]


def _window(args, site):
    from .passes import night_window
    from .timescale import to_times

    if args.night and args.start:
        raise DebrisError("give either --night or --start, not both")
    if args.start:
        start = to_times(args.start)
        if args.end:
            end = to_times(args.end)
        elif args.hours:
            end = start.shift_seconds(float(args.hours) * 3600.0)
        else:
            raise DebrisError("--start needs --end or --hours")
        if float(end.seconds_since(start)[0]) <= 0:
            raise DebrisError(f"--end {end.iso()[0]} is not after --start {start.iso()[0]}")
        return start[0:1], end[0:1]
    if args.night is not None:
        return night_window(site, args.night, args.sun_altitude_deg)
    # The coming night at the site: the one under way, else the next (local mean solar time).
    now = dt.datetime.now(dt.timezone.utc)
    local = now + dt.timedelta(hours=site.longitude_deg / 15.0)
    day = (local - dt.timedelta(hours=12)).date()
    start, end = night_window(site, day.isoformat(), args.sun_altitude_deg)
    if float(end.seconds_since(to_times(now))[0]) < 0:
        start, end = night_window(site, (day + dt.timedelta(days=1)).isoformat(),
                                  args.sun_altitude_deg)
    return start, end


# ----------------------------------------------------------------------- commands
def cmd_sites(args) -> int:
    extra = load_sites_toml(args.sites_file) if args.sites_file else None
    sites = known_sites(extra)
    table = Table({
        "name": np.array(list(sites)),
        "latitude_deg": np.array([s.latitude_deg for s in sites.values()]),
        "longitude_deg": np.array([s.longitude_deg for s in sites.values()]),
        "altitude_m": np.array([s.altitude_m for s in sites.values()]),
        "mpc_code": np.array([s.mpc_code or "" for s in sites.values()]),
        "description": np.array([s.description for s in sites.values()]),
    })
    from .io import meta_block, table_to_json, table_to_text, write_text

    if args.format == "json":
        write_text(table_to_json(table, "sites", meta_block()), None)
    else:
        write_text(table_to_text(table, formats={"latitude_deg": "{:.6f}",
                                                 "longitude_deg": "{:.6f}",
                                                 "altitude_m": "{:.0f}"}), None)
    return 0


def cmd_catalog_info(args) -> int:
    from .io import write_text

    if args.archive:
        from .archive import Archive

        if args.files:
            raise DebrisError("give catalogue files or --archive, not both")
        with Archive(os.path.expanduser(args.archive)) as archive:
            catalog = archive.catalog_for(
                args.date or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
                .isoformat() + "Z")
    else:
        catalog = Catalog.from_files(args.files, verify_checksums=not args.no_verify_checksums) \
            if args.files else Catalog.bundled()
    info = catalog.info()
    info["object_types"] = {str(k): v for k, v in info["object_types"].items()}
    info["rejected_records"] = [
        {"source": r.source, "line": r.line_number, "norad_id": r.norad_id, "reason": r.reason}
        for r in catalog.rejected]
    info["sgp4_init_error_objects"] = catalog.init_error_report()
    if args.format == "json":
        write_text(json.dumps(info, indent=1) + "\n", None)
        return 0
    lines = [f"sources:          {', '.join(info['sources'])}",
             f"objects:          {info['objects']}",
             f"LEO objects:      {info['leo_objects']} (mean motion >= 11.25 rev/day)",
             "object types:     " + ", ".join(f"{k} {v}" for k, v in info["object_types"].items())]
    if info["objects"]:
        lines.append(f"epochs:           {info['epoch_min_utc']} .. {info['epoch_max_utc']} "
                     f"(median {info['epoch_median_utc']})")
    lines.append(f"rejected records: {info['rejected']}")
    lines += [f"  {r}" for r in catalog.rejected]
    lines.append(f"SGP4 init errors: {info['sgp4_init_errors']}")
    lines += [f"  {line}" for line in info["sgp4_init_error_objects"]]
    write_text("\n".join(lines) + "\n", None)
    return 0


def cmd_ephemeris(args) -> int:
    from .frames import earth_orientation, teme_to_itrs
    from .io import oem_kvn, write_text
    from .propagation import propagate
    from .timescale import format_iso, time_range

    catalog = _load_catalog(args.files)
    try:
        row = catalog.index_of(args.norad)
    except KeyError as exc:
        raise DebrisError(str(exc.args[0])) from None
    obj = catalog.subset([row])
    if args.end is None and args.hours is None:
        raise DebrisError("ephemeris needs --end or --hours")
    times = time_range(args.start, args.end, step_s=args.step_s, hours=args.hours)
    if len(times) > 10_000_000:
        raise DebrisError(f"{len(times)} epochs requested; use a larger --step-s")
    _stale_note(obj, times[0:1], times[len(times) - 1:])
    states = propagate(obj, times, backend=args.backend)
    r, v = states.r_teme_km[0], states.v_teme_km_s[0]
    frame = "TEME"
    if args.frame == "itrs":
        r, v = teme_to_itrs(r, v, earth_orientation(times, polar_motion=args.polar_motion))
        frame = "ITRF"
    errors = states.error[0]
    if errors.any():
        _note(f"NORAD {args.norad}: SGP4 error at {int((errors != 0).sum())} of {len(times)} "
              f"epochs (first code {int(errors[errors != 0][0])}); those rows are NaN / omitted")
    if args.format == "oem":
        text = oem_kvn(times, r, v, object_name=str(obj.name[0]),
                       object_id=str(obj.intl_designator[0]), ref_frame=frame,
                       comments=[f"SGP4 (python-sgp4 compatible) from elements of epoch "
                                 f"{obj.epoch.iso()[0]}"])
    else:
        suffix = "teme" if frame == "TEME" else "itrs"
        head = ("time_utc,x_{0}_km,y_{0}_km,z_{0}_km,vx_{0}_km_s,vy_{0}_km_s,vz_{0}_km_s,"
                "sgp4_error").format(suffix)
        rows = [head]
        for t, rr, vv, e in zip(format_iso(times), r, v, errors):
            if e:
                rows.append(f"{t},,,,,,,{int(e)}")
            else:
                rows.append(f"{t},{rr[0]:.6f},{rr[1]:.6f},{rr[2]:.6f},"
                            f"{vv[0]:.9f},{vv[1]:.9f},{vv[2]:.9f},0")
        text = "\n".join(rows) + "\n"
    write_text(text, args.output)
    return 0


def cmd_passes(args) -> int:
    from .io import iter_table_json, meta_block, table_to_csv, table_to_text, write_text
    from .passes import PASS_DECIMALS, find_passes

    sites = _sites(args)
    catalog = _load_catalog(args.files)
    if args.norad:
        ids = [int(x) for x in args.norad.split(",") if x.strip()]
        catalog = catalog.filter(norad_ids=ids)
        missing = sorted(set(ids) - set(catalog.norad_id.tolist()))
        if missing:
            _note(f"NORAD id(s) not in the catalogue: {', '.join(map(str, missing))}")
    leo = catalog.filter(leo=True)
    if len(leo) < len(catalog):
        _note(f"{len(catalog) - len(leo)} non-LEO objects skipped (mean motion < 11.25 rev/day)")
    start, end = _window(args, sites[0])
    _stale_note(leo, start, end)
    std_mags = load_std_mag_table(args.std_mag_file) if args.std_mag_file else None
    table = find_passes(leo, sites, start, end, min_elevation_deg=args.min_elevation_deg,
                        sun_altitude_deg_limit=args.sun_altitude_deg, backend=args.backend,
                        std_mag_table=std_mags)
    if args.visible_only:
        table = table.take(table["visible"])
    failures = _failure_note(table, "they have no passes while failed")
    if args.format == "json":
        info = leo.info()
        meta = meta_block(
            command="passes", inputs=[str(s) for s in (leo.sources or ["<bundled>"])],
            sites=[s.as_dict() for s in sites],
            window={"start_utc": start.iso()[0], "end_utc": end.iso()[0]},
            parameters={"min_elevation_deg": args.min_elevation_deg,
                        "sun_altitude_deg": args.sun_altitude_deg,
                        "visible_only": bool(args.visible_only),
                        "std_mag_file": args.std_mag_file,
                        "default_std_mag": DEFAULT_STD_MAG,
                        "magnitude_model": "diffuse sphere, standard magnitude at 1000 km "
                                           "and 90 deg phase"},
            catalog_epoch_range_utc=[info.get("epoch_min_utc"), info.get("epoch_max_utc")],
            objects=len(leo), rejected=len(leo.rejected),
            sgp4_init_errors=int((leo.sgp4_init_error != 0).sum()),
            sgp4_failures_in_window=len(failures), passes=len(table))
        text = iter_table_json(table, "passes", meta, PASS_DECIMALS)
    elif args.format == "csv":
        text = table_to_csv(table)
    else:
        what = "visible passes" if args.visible_only else "passes"
        header = (f"# {len(table)} {what} above {args.min_elevation_deg:g} deg, "
                  f"{start.iso()[0]} .. {end.iso()[0]}, sites: "
                  f"{', '.join(s.name for s in sites)}; times UTC, magnitudes estimated\n")
        short = lambda v: v[11:19] if v else "-"  # noqa: E731
        text = header + table_to_text(
            table,
            columns=["norad_id", "name", "site", "rise_utc", "culmination_utc", "set_utc",
                     "rise_azimuth_deg", "culmination_azimuth_deg", "set_azimuth_deg",
                     "max_elevation_deg", "culmination_range_km", "visible_start_utc",
                     "visible_end_utc", "min_magnitude", "max_angular_rate_deg_s"],
            formats={"rise_utc": short, "culmination_utc": short, "set_utc": short,
                     "visible_start_utc": short, "visible_end_utc": short,
                     "rise_azimuth_deg": "{:.0f}", "culmination_azimuth_deg": "{:.0f}",
                     "set_azimuth_deg": "{:.0f}", "max_elevation_deg": "{:.1f}",
                     "culmination_range_km": "{:.0f}", "min_magnitude": "{:.1f}",
                     "max_angular_rate_deg_s": "{:.2f}"},
            headers={"rise_utc": "rise", "culmination_utc": "culmination", "set_utc": "set",
                     "rise_azimuth_deg": "az_rise", "culmination_azimuth_deg": "az_culm",
                     "set_azimuth_deg": "az_set", "max_elevation_deg": "max_el",
                     "culmination_range_km": "range_km", "visible_start_utc": "vis_from",
                     "visible_end_utc": "vis_to", "min_magnitude": "mag",
                     "max_angular_rate_deg_s": "deg/s"})
    write_text(text, args.output)
    _note(f"{len(table)} passes written" + (f" to {args.output}" if args.output else ""))
    return 0


def cmd_crossings(args) -> int:
    from .crossings import find_crossings
    from .io import meta_block, table_to_csv, table_to_json, table_to_text, write_text

    sites = _sites(args)
    if len(sites) != 1:
        raise DebrisError("crossings takes one --site")
    catalog = _load_catalog(args.files)
    if args.norad:
        catalog = catalog.filter(norad_ids=[int(x) for x in args.norad.split(",") if x.strip()])
    leo = catalog.filter(leo=True)
    start, end = _window(args, sites[0])
    _stale_note(leo, start, end)
    std_mags = load_std_mag_table(args.std_mag_file) if args.std_mag_file else None
    table = find_crossings(leo, sites[0], start, end, radius_deg=args.radius_deg,
                           ra_deg=args.ra_deg, dec_deg=args.dec_deg, az_deg=args.az_deg,
                           el_deg=args.el_deg, min_elevation_deg=args.min_elevation_deg,
                           backend=args.backend, std_mag_table=std_mags)
    if args.format == "json":
        centre = ({"ra_deg": args.ra_deg, "dec_deg": args.dec_deg, "frame": "ICRS"}
                  if args.ra_deg is not None else
                  {"azimuth_deg": args.az_deg, "elevation_deg": args.el_deg, "frame": "horizon"})
        meta = meta_block(command="crossings", inputs=leo.sources or ["<bundled>"],
                          site=sites[0].as_dict(),
                          window={"start_utc": start.iso()[0], "end_utc": end.iso()[0]},
                          parameters={"radius_deg": args.radius_deg, "centre": centre,
                                      "min_elevation_deg": args.min_elevation_deg},
                          objects=len(leo), rejected=len(leo.rejected), crossings=len(table))
        text = table_to_json(table, "crossings", meta)
    elif args.format == "csv":
        text = table_to_csv(table)
    else:
        short = lambda v: v[11:23] if v else "-"  # noqa: E731
        text = (f"# {len(table)} crossings within {args.radius_deg:g} deg, "
                f"{start.iso()[0]} .. {end.iso()[0]}, site {sites[0].name}\n") + table_to_text(
            table, columns=["norad_id", "name", "entry_utc", "closest_utc", "exit_utc",
                            "min_separation_deg", "closest_elevation_deg",
                            "angular_rate_deg_s", "sunlit", "magnitude"],
            formats={"entry_utc": short, "closest_utc": short, "exit_utc": short,
                     "min_separation_deg": "{:.3f}", "closest_elevation_deg": "{:.1f}",
                     "angular_rate_deg_s": "{:.3f}", "magnitude": "{:.1f}"},
            headers={"entry_utc": "entry", "closest_utc": "closest", "exit_utc": "exit",
                     "min_separation_deg": "min_sep", "closest_elevation_deg": "el",
                     "angular_rate_deg_s": "deg/s", "magnitude": "mag"})
    write_text(text, args.output)
    _note(f"{len(table)} crossings written" + (f" to {args.output}" if args.output else ""))
    return 0


def _csv_records(path):
    """(line number, row) of a small CSV keyed by norad_id: comments and header skipped."""
    import csv

    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(enumerate(csv.reader(handle), start=1))
    except OSError as exc:
        raise DebrisError(f"{path}: {exc.strerror}") from None
    return [(number, row) for number, row in rows
            if row and not row[0].strip().startswith("#") and row[0].strip() != "norad_id"]


# ------------------------------------------------------------------------- parser
def _lazy(module: str, name: str):
    """A command living in another module, imported when it runs."""
    def run(args):
        import importlib

        return getattr(importlib.import_module(f".{module}", __package__), name)(args)

    return run


def _add_backend(parser) -> None:
    parser.add_argument("--backend", default="auto", choices=["auto", "sgp4", "heyoka", "numba"],
                        help="propagation backend (default: numba, else heyoka, else sgp4, "
                             "by what is installed)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debris",
        description="Space-debris tracking: passes, conjunctions and schedules from TLE/OMM.")
    parser.add_argument("--version", action="version", version=f"debris {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sites", help="list known observing sites")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("catalog", help="inspect catalogue files")
    csub = p.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND")
    pi = csub.add_parser("info", help="counts, LEO count, epoch range, rejected records")
    pi.add_argument("files", nargs="*", help="TLE/3LE/OMM files (default: bundled catalogue)")
    pi.add_argument("--format", choices=["table", "json"], default="table")
    pi.add_argument("--no-verify-checksums", action="store_true",
                    help="accept TLE lines whose checksum digit is wrong")
    pi.add_argument("--archive", help="read the catalogue from this archive instead of files")
    pi.add_argument("--date", help="with --archive: the catalogue as known at this UTC time "
                    "(default now)")
    pi.set_defaults(func=cmd_catalog_info)
    ph = csub.add_parser("history", help="an object's element sets over time (archive)")
    ph.add_argument("norad", type=int)
    ph.add_argument("--archive", default="~/.local/share/debris/archive.sqlite")
    ph.add_argument("--format", choices=["table", "json"], default="table")
    ph.set_defaults(func=_lazy("cli_fetch", "cmd_catalog_history"))

    p = sub.add_parser("nightly", help="the night's whole run: elements, passes, screening, "
                       "schedules, HTML report")
    p.add_argument("--config", required=True, help="nightly TOML (see examples/)")
    p.add_argument("--night", help="YYYY-MM-DD (default: the coming night at the first site)")
    p.add_argument("--offline", action="store_true", help="do not fetch; use the configured "
                   "catalogue, the archive or the bundled one")
    p.add_argument("--verbose", action="store_true", help="log to stderr as well")
    p.set_defaults(func=_lazy("cli_fetch", "cmd_nightly"))

    p = sub.add_parser("fetch", help="download current element sets (CelesTrak, Space-Track)")
    p.add_argument("--source", choices=["celestrak", "spacetrack"], default="celestrak")
    p.add_argument("--group", help="CelesTrak group: active, stations, starlink, "
                   "cosmos-2251-debris, ...")
    p.add_argument("--catnr", help="comma-separated NORAD ids (CelesTrak)")
    p.add_argument("--format", choices=["tle", "3le", "json", "csv", "xml"], default="tle")
    p.add_argument("--output", required=True, help="file to replace (only with valid data)")
    p.add_argument("--archive", default="~/.local/share/debris/archive.sqlite",
                   help="SQLite archive to add the elements to")
    p.add_argument("--no-archive", action="store_true")
    p.add_argument("--force", action="store_true",
                   help="download even if the file is younger than 2 hours")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--retries", type=int, default=3)
    p.add_argument("--min-objects", type=int, default=1,
                   help="fewer objects than this is a failed download")
    p.add_argument("--base-url", default="https://celestrak.org/NORAD/elements/gp.php",
                   help=argparse.SUPPRESS)
    p.set_defaults(func=_lazy("cli_fetch", "cmd_fetch"))

    p = sub.add_parser("ephemeris", help="state vectors of one object (CSV or CCSDS OEM)")
    p.add_argument("files", nargs="*", help="TLE/3LE/OMM files (default: bundled catalogue)")
    p.add_argument("--norad", type=int, required=True, help="NORAD catalogue number")
    p.add_argument("--start", required=True, help="ISO-8601 UTC start")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=float, help="span in hours instead of --end")
    p.add_argument("--step-s", type=float, default=60.0, help="step in seconds (default 60)")
    p.add_argument("--frame", choices=["teme", "itrs"], default="teme")
    p.add_argument("--polar-motion", action="store_true", help="apply IERS polar motion (ITRS)")
    p.add_argument("--format", choices=["csv", "oem"], default="csv")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    _add_backend(p)
    p.set_defaults(func=cmd_ephemeris)

    p = sub.add_parser("passes", help="passes of catalogue objects over sites")
    p.add_argument("files", nargs="*", help="TLE/3LE/OMM files (default: bundled catalogue)")
    p.add_argument("--site", action="append",
                   help="site name or LAT,LON[,ALT_M]; repeat for several (default dushanbe)")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    p.add_argument("--night", help="YYYY-MM-DD: the night beginning that local evening")
    p.add_argument("--start", help="ISO-8601 UTC start (instead of --night)")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=float, help="span in hours after --start")
    p.add_argument("--min-elevation-deg", type=float, default=10.0)
    p.add_argument("--sun-altitude-deg", type=float, default=-12.0,
                   help="twilight limit for the night (default -12)")
    p.add_argument("--visible-only", action="store_true",
                   help="keep passes with a part where the object is sunlit under a dark sky")
    p.add_argument("--std-mag-file", help="CSV norad_id,std_mag of standard magnitudes "
                   "(1000 km, 90 deg phase); default by object type")
    p.add_argument("--norad", help="comma-separated NORAD ids")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    _add_backend(p)
    p.set_defaults(func=cmd_passes)

    p = sub.add_parser("crossings", help="objects crossing a circle on the sky (stares, streaks)")
    p.add_argument("files", nargs="*", help="TLE/3LE/OMM files (default: bundled catalogue)")
    p.add_argument("--site", action="append", help="site name or LAT,LON[,ALT_M]")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    p.add_argument("--ra-deg", type=float, help="circle centre, ICRS right ascension")
    p.add_argument("--dec-deg", type=float, help="circle centre, ICRS declination")
    p.add_argument("--az-deg", type=float, help="circle centre, fixed azimuth (stare)")
    p.add_argument("--el-deg", type=float, help="circle centre, fixed elevation (stare)")
    p.add_argument("--radius-deg", type=float, required=True, help="circle radius (deg)")
    p.add_argument("--night", help="YYYY-MM-DD: the night beginning that local evening")
    p.add_argument("--start", help="ISO-8601 UTC start (instead of --night)")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=float, help="span in hours after --start")
    p.add_argument("--sun-altitude-deg", type=float, default=-12.0)
    p.add_argument("--min-elevation-deg", type=float, default=0.0)
    p.add_argument("--norad", help="comma-separated NORAD ids")
    p.add_argument("--std-mag-file", help="CSV norad_id,std_mag")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    _add_backend(p)
    p.set_defaults(func=cmd_crossings)

    p = sub.add_parser("screen", help="conjunction screening (close approaches, Pc, CDMs)")
    p.add_argument("files", nargs="*", help="TLE/3LE/OMM files (default: bundled catalogue)")
    p.add_argument("--start", help="ISO-8601 UTC start (default: now)")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=float, help="span in hours")
    p.add_argument("--days", type=float, help="span in days (default 7)")
    p.add_argument("--threshold-km", type=float, default=5.0,
                   help="report approaches at or below this distance (default 5 km)")
    p.add_argument("--primary", help="NORAD ids (comma-separated) or 'payloads': screen these "
                   "against the catalogue instead of all-vs-all")
    p.add_argument("--primary-file", help="file of primary NORAD ids")
    p.add_argument("--step-s", type=float, default=60.0,
                   help="grid step (s); completeness does not depend on it (default 60)")
    p.add_argument("--hbr-file", help="CSV norad_id,hbr_m of hard-body radii")
    p.add_argument("--covariance-file", action="append",
                   help="CSV norad_id,sigma_r_km,sigma_t_km,sigma_n_km or a CDM with the "
                        "objects' RTN covariances; repeatable")
    p.add_argument("--method", choices=["foster", "chan"], default="foster",
                   help="Pc method (default foster)")
    p.add_argument("--site", action="append",
                   help="also say whether each conjunction is observable from this site")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    p.add_argument("--observe-minutes", type=float, default=5.0,
                   help="observability is checked over TCA +- this (default 5)")
    p.add_argument("--min-elevation-deg", type=float, default=10.0,
                   help="elevation limit for observability (default 10)")
    p.add_argument("--format", choices=["table", "csv", "json", "cdm"], default="table")
    p.add_argument("--output", help="output file (cdm: a folder), written atomically")
    _add_backend(p)
    p.set_defaults(func=_lazy("cli_conjunctions", "cmd_screen"))

    p = sub.add_parser("pc", help="collision probability from CDMs (KVN or XML)")
    p.add_argument("files", nargs="+", help="CDM files")
    p.add_argument("--hbr-m", type=float, help="combined hard-body radius (m); default the "
                   "CDM's COMMENT HBR, else 20 m")
    p.add_argument("--method", choices=["foster", "chan"], default="foster")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    p.set_defaults(func=_lazy("cli_conjunctions", "cmd_pc"))

    p = sub.add_parser("schedule", help="a night's telescope schedule from passes (and "
                       "conjunctions)")
    p.add_argument("files", nargs="*", help="TLE/3LE/OMM files (default: bundled catalogue)")
    p.add_argument("--site", action="append", help="site name or LAT,LON[,ALT_M]")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    p.add_argument("--telescope", required=True, help="TOML telescope description(s)")
    p.add_argument("--night", help="YYYY-MM-DD: the night beginning that local evening")
    p.add_argument("--start", help="ISO-8601 UTC start (instead of --night)")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=float, help="span in hours after --start")
    p.add_argument("--sun-altitude-deg", type=float, default=-12.0)
    p.add_argument("--priorities", help="CSV norad_id,weight (default weight 1)")
    p.add_argument("--conjunctions", help="JSON from debris screen: objects in close "
                   "approaches weigh more")
    p.add_argument("--std-mag-file", help="CSV norad_id,std_mag")
    p.add_argument("--improvement-rounds", type=int, default=300,
                   help="local-search rounds after the greedy fill (default 300)")
    p.add_argument("--track-step-s", type=float, default=1.0,
                   help="step of the pointing tracks (default 1 s)")
    p.add_argument("--tracks-output", help="pointing-track CSV (default: beside --output)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    _add_backend(p)
    p.set_defaults(func=_lazy("cli_schedule", "cmd_schedule"))
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status.

    Run as the ``debris`` command (`argv` None), the objects still alive once the command
    is done (numba's type system, the catalogue, the states) are frozen out of the garbage
    collector before returning, so the interpreter's shutdown does not walk them all again
    (a third of a second after a whole-catalogue run). Called with an `argv` list, as tests
    do, the collector is left alone.
    """
    try:
        return _run(argv)
    finally:
        if argv is None:
            import gc

            gc.freeze()


def _run(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except (DebrisError, ValueError) as exc:
        print(f"debris: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
