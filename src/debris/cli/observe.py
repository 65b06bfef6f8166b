"""``debris identify``, ``residuals``, ``fit`` and ``iod``: the telescope's observations."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..constants import DAY_S
from ..io.files import write_text
from ..io.tables import iter_table_csv, iter_table_json, meta_block, table_to_text
from ..observations import (identify, observation_geometry,
                            residual_statistics, residuals)
from ..observations.identify import ALONG_TRACK_S, ALONG_TRACK_S_PER_DAY, CROSS_TRACK_ARCSEC
from ..observations.linking import MAX_GAP_DAYS
from ..observations.tdm import tdm_text
from ..table import Table
from .common import add_output, load_catalog, note, ranged
from .fitting import cmd_fit, cmd_iod, element_formats, fit_parser_options
from .observation_input import add_observation_inputs, exit_status, load_observations

__all__ = ["add_parsers"]

_OBS_FIELDS = ("file", "line", "time_utc", "station", "track", "reported_norad_id", "norad_id",
               "name", "separation_arcsec", "cross_track_arcsec", "along_track_s", "score",
               "mismatch",
               "ra_deg", "dec_deg", "sigma_arcsec", "magnitude", "format")
def _number(value) -> str:
    """A NORAD number, "-" for none (-1: unidentified, as JSON's null)."""
    return "-" if int(value) < 0 else str(int(value))


_OBS_TEXT = {"columns": ["line", "time_utc", "station", "track", "reported_norad_id", "norad_id",
                         "name", "separation_arcsec", "cross_track_arcsec", "along_track_s"],
             "formats": {"time_utc": lambda s: s[:23], "separation_arcsec": "{:.1f}",
                         "reported_norad_id": _number, "norad_id": _number,
                         "cross_track_arcsec": "{:.1f}", "along_track_s": "{:.2f}"},
             "headers": {"reported_norad_id": "reported", "separation_arcsec": "sep_arcsec",
                         "cross_track_arcsec": "cross_arcsec", "along_track_s": "along_s"}}
_TRACK_TEXT = {"columns": ["track", "station", "start_utc", "end_utc", "observations",
                           "reported_norad_id", "norad_id", "name", "along_track_s",
                           "cross_track_rms_arcsec", "rate_ratio", "score", "status"],
               "formats": {"start_utc": lambda s: s[:19], "end_utc": lambda s: s[11:19],
                           "along_track_s": "{:.2f}", "cross_track_rms_arcsec": "{:.1f}",
                           "rate_ratio": "{:.3f}", "score": "{:.2f}",
                           "reported_norad_id": _number, "norad_id": _number},
               "headers": {"reported_norad_id": "reported", "observations": "obs",
                           "cross_track_rms_arcsec": "cross_rms", "along_track_s": "along_s"}}


def add_parsers(sub) -> None:
    p = sub.add_parser("identify", help="identify observations against the catalogue")
    add_observation_inputs(p)
    p.add_argument("--cross-track-arcsec", type=ranged(0.0, 36000.0, low_open=True,
                   unit="arcsec"), default=CROSS_TRACK_ARCSEC,
                   help=f"cross-track tolerance (default {CROSS_TRACK_ARCSEC:g})")
    p.add_argument("--along-track-s", type=ranged(0.0, 3600.0, low_open=True, unit="s"),
                   default=ALONG_TRACK_S, help=f"along-track tolerance for fresh elements "
                   f"(default {ALONG_TRACK_S:g}; + {ALONG_TRACK_S_PER_DAY:g} s per day of age)")
    add_output(p, ["table", "csv", "json", "tdm", "tdm-xml"])
    p.set_defaults(func=cmd_identify)

    p = sub.add_parser("residuals", help="observed minus computed against the catalogue")
    add_observation_inputs(p)
    p.add_argument("--plot", metavar="PNG", help="residual plot (needs the plot extra)")
    add_output(p, ["table", "csv", "json"])
    p.set_defaults(func=cmd_residuals)

    p = sub.add_parser("fit", help="fit new elements of one object to its observations")
    add_observation_inputs(p)
    fit_parser_options(p)
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("iod", help="initial orbits for uncorrelated tracks, linked across "
                       "nights into objects")
    add_observation_inputs(p)
    p.add_argument("--all", action="store_true", help="every track, not only the "
                   "uncorrelated ones")
    p.add_argument("--link-gap-days", type=ranged(0.0, 60.0), default=MAX_GAP_DAYS,
                   help="longest gap between two tracks paired directly, days (default "
                   f"{MAX_GAP_DAYS:g}: LEO; 30 for deep-space objects observed weeks apart); "
                   "0: no linking, one orbit per reported number or track")
    add_output(p, element_formats(), default="tle")
    p.set_defaults(func=cmd_iod)


def _observation_output(obs: Table) -> Table:
    columns = {"time_utc" if k == "time" else k: v for k, v in obs.columns.items()}
    return Table({k: columns[k] for k in _OBS_FIELDS if k in columns})


def _two_tables_json(meta, first_key, first, second_key, second):
    """``{"meta", first_key: [...], second_key: [...]}`` in pieces (never one string)."""
    return iter_table_json(first, first_key, meta, more=[(second_key, second)])


def cmd_identify(args) -> int:
    obs, stations, skipped = load_observations(args)
    catalog = load_catalog(args.catalog)
    table, tracks = identify(obs, catalog, stations, cross_track_arcsec=args.cross_track_arcsec,
                             along_track_s=args.along_track_s)
    identified = int(np.sum(tracks["norad_id"] >= 0))
    age = float(np.median(np.abs(catalog.epoch.seconds_since(obs["time"][:1])))) / DAY_S
    if age > 30.0:
        note(f"the catalogue's elements are {age:.0f} days (median) from the observations; "
             "identification needs elements of the observations' days (--catalog)")
    mismatches = int(np.sum(table["mismatch"]))
    ambiguous = int(np.sum(tracks["status"] == "ambiguous"))
    note(f"{len(table)} observations in {len(tracks)} tracks: {identified} identified, "
         + (f"{ambiguous} ambiguous (two objects explain them equally; not guessed), "
            if ambiguous else "")
         + f"{len(tracks) - identified - ambiguous} uncorrelated"
         + (f"; {mismatches} observations whose reported number disagrees" if mismatches
            else ""))
    out = _observation_output(table)
    meta = meta_block(command="identify", inputs=list(args.observations),
                      catalog=[str(s) for s in (catalog.sources or ["<bundled>"])],
                      tolerances={"cross_track_arcsec": args.cross_track_arcsec,
                                  "along_track_s": args.along_track_s,
                                  "along_track_s_per_day": ALONG_TRACK_S_PER_DAY},
                      observations=len(table), tracks=len(tracks), identified_tracks=identified,
                      ambiguous_tracks=ambiguous,
                      rejected_lines=[str(r) for r in obs.meta.get("rejected", [])])
    if args.format == "json":
        text = _two_tables_json(meta, "observations", out, "tracks", tracks)
    elif args.format == "csv":
        text = iter_table_csv(out)
    elif args.format in ("tdm", "tdm-xml"):  # the observations under their identified objects
        text = tdm_text(table, xml=args.format == "tdm-xml")
    else:
        text = (f"# {len(tracks)} tracks, {identified} identified\n"
                + table_to_text(tracks, **_TRACK_TEXT) + "\n"
                + table_to_text(out, **_OBS_TEXT))
    write_text(text, args.output)
    return exit_status(skipped)


def cmd_residuals(args) -> int:
    obs, stations, skipped = load_observations(args)
    catalog = load_catalog(args.catalog)
    geometry = observation_geometry(obs, stations)
    table = residuals(obs, catalog, stations, geometry)
    missing = int(np.sum(table["object_norad_id"] < 0))
    if missing:
        note(f"{missing} observation(s) name no object of the catalogue (run debris identify "
             "first, or give --catalog); their residuals are empty")
    stats = residual_statistics(table)
    fields = ("file", "line", "time", "station", "object_norad_id", "ra_residual_arcsec",
              "dec_residual_arcsec", "cross_track_arcsec", "along_track_arcsec",
              "along_track_s", "residual_arcsec", "elements_age_days")
    out = Table({("time_utc" if k == "time" else k): table[k] for k in fields})
    if args.plot:
        from ..observations.plot import residual_plot  # matplotlib: only for --plot

        residual_plot(table, args.plot)
    meta = meta_block(command="residuals", inputs=list(args.observations),
                      catalog=[str(s) for s in (catalog.sources or ["<bundled>"])],
                      observations=len(table), without_object=missing)
    if args.format == "json":
        text = _two_tables_json(meta, "residuals", out, "statistics", stats)
    elif args.format == "csv":
        text = iter_table_csv(out)
    else:
        text = (table_to_text(stats, formats={"rms_arcsec": "{:.1f}", "median_arcsec": "{:.1f}",
                                              "mean_along_track_s": "{:.2f}",
                                              "rms_cross_track_arcsec": "{:.1f}",
                                              "first_utc": lambda s: s[:19],
                                              "last_utc": lambda s: s[:19]}) + "\n"
                + table_to_text(out, formats={k: "{:.2f}" for k in fields[5:]}
                                | {"time_utc": lambda s: s[:23], "object_norad_id": _number,
                                   "file": lambda s: Path(s).name}))
    write_text(text, args.output)
    return exit_status(skipped)

