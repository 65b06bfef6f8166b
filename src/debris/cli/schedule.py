"""``debris schedule``: a night's telescope schedule."""

from __future__ import annotations

import json

import numpy as np

from ..errors import DebrisError
from ..io.files import read_text, staged_outputs, write_text
from ..io.tables import iso_text, local_iso_text, meta_block, table_to_csv
from ..magnitude import load_std_mag_table
from ..schedule import pointing_track, schedule_night, weights_from_conjunctions
from ..table import Table
from ..telescope import load_telescopes
from .catalog import with_archive_models
from .common import (COUNT, add_backend, add_files, add_night_options, add_output, add_site_options,
                     add_tz_option, age_text, csv_rows, hhmmss, load_catalog, local_layout, note,
                     noted_table, ranged, refuse_stale_tonight, render, sites, stale_note, time_zone_of, window,
                     with_local_times)
from .views import (add_view_options, limited, ordered, schedule_summary, terminal_layout,
                    terminal_text)

__all__ = ["add_parsers"]

#: The table format of a schedule.
_OBSERVATION_TEXT = {
    "columns": ["telescope", "norad_id", "name", "start_utc", "end_utc", "start_azimuth_deg",
                "start_elevation_deg", "end_azimuth_deg", "end_elevation_deg",
                "peak_rate_deg_s", "magnitude", "weight", "slew_time_s", "time_sigma_s",
                "cross_track_sigma_arcsec", "outgrown_field"],
    "formats": {"start_utc": hhmmss, "end_utc": hhmmss, "start_azimuth_deg": "{:.1f}",
                "start_elevation_deg": "{:.1f}", "end_azimuth_deg": "{:.1f}",
                "end_elevation_deg": "{:.1f}", "peak_rate_deg_s": "{:.2f}",
                "magnitude": "{:.1f}", "weight": "{:g}", "slew_time_s": "{:.1f}",
                "time_sigma_s": "{:.1f}", "cross_track_sigma_arcsec": "{:.0f}"},
    "headers": {"start_utc": "start", "end_utc": "end", "start_azimuth_deg": "az0",
                "start_elevation_deg": "el0", "end_azimuth_deg": "az1",
                "end_elevation_deg": "el1", "peak_rate_deg_s": "deg/s", "magnitude": "mag",
                "slew_time_s": "slew_s", "time_sigma_s": "±t_s",
                "cross_track_sigma_arcsec": "±xt\"", "outgrown_field": "lost"},
}


#: The terminal's columns without --wide (the telescope too when there are several).
_OBSERVATION_NARROW = ["norad_id", "name", "start_utc", "end_utc", "start_azimuth_deg",
                       "start_elevation_deg", "peak_rate_deg_s", "magnitude", "slew_time_s",
                       "time_sigma_s"]


def add_parsers(sub) -> None:
    p = sub.add_parser("schedule", help="a night's telescope schedule from passes (and "
                       "conjunctions)")
    add_files(p)
    add_site_options(p)
    p.add_argument("--telescope", required=True, help="TOML telescope description(s)")
    add_night_options(p)
    add_tz_option(p)
    p.add_argument("--priorities", help="CSV norad_id,weight (default weight 1)")
    p.add_argument("--conjunctions", help="JSON from debris screen: objects in close "
                   "approaches weigh more")
    p.add_argument("--std-mag-file", help="CSV norad_id,std_mag")
    p.add_argument("--uncertainty-archive", metavar="ARCHIVE",
                   help="timing and cross-track sigmas (tracks widened by 3 sigma each side, "
                        "objects beyond the field first) from each object's element-set "
                        "history in this archive (else its regime prior, else the fixed "
                        "default model, which is used without this option)")
    p.add_argument("--improvement-rounds", type=COUNT, default=300,
                   help="local-search rounds after the greedy fill, >= 0 (default 300)")
    p.add_argument("--track-step-s", type=ranged(0.01, 600.0, unit="s"), default=1.0,
                   help="step of the pointing tracks, 0.01..600 s (default 1 s)")
    p.add_argument("--tracks-output", help="pointing-track CSV (default: beside --output)")
    add_output(p, ["table", "csv", "json"])
    add_view_options(p, ["time", "magnitude", "elevation"], "time")
    add_backend(p)
    p.set_defaults(func=cmd_schedule)


def read_priorities(path) -> dict:
    """Weights by NORAD id from a CSV ``norad_id,weight``."""
    weights = {}
    for number, row in csv_rows(path):
        try:
            weight = float(row[1])
            if not weight >= 0:
                raise ValueError
            weights[int(row[0])] = weight
        except (ValueError, IndexError):
            raise DebrisError(f"{path}, line {number}: expected norad_id,weight "
                              f"with a weight >= 0, got {','.join(row)!r}") from None
    return weights


def read_conjunctions(path) -> Table:
    """The conjunctions of a ``debris screen`` JSON file (the columns weights need)."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DebrisError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    rows = doc.get("conjunctions") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "norad_id_1" in r
                                             and "norad_id_2" in r for r in rows):
        raise DebrisError(f"{path}: expected the JSON of debris screen "
                          '({"meta": ..., "conjunctions": [...]})')
    number = lambda key: np.array([np.nan if r.get(key) is None else float(r[key])  # noqa: E731
                                   for r in rows], float)
    return Table({"norad_id_1": np.array([int(r["norad_id_1"]) for r in rows], np.int64),
                  "norad_id_2": np.array([int(r["norad_id_2"]) for r in rows], np.int64),
                  "miss_distance_km": number("miss_distance_km"),
                  "probability": number("probability")})


def _scheduled(args, leo, site, night, telescopes, **options):
    """schedule_night, with the archive's uncertainty models when --uncertainty-archive."""
    if not args.uncertainty_archive:
        return schedule_night(leo, site, *night, telescopes, **options)
    return with_archive_models(args.uncertainty_archive, schedule_night, leo, site, *night,
                               telescopes, **options)


def cmd_schedule(args) -> int:
    telescopes = load_telescopes(args.telescope)
    site_list = sites(args)
    if len(site_list) != 1:
        raise DebrisError("schedule takes one --site")
    site = site_list[0]
    catalog = load_catalog(args.files)
    leo = catalog.filter(leo=True)
    start, end = window(args, site)
    zone = time_zone_of(args, site_list)
    refuse_stale_tonight(args, leo, start, end)
    stale_note(leo, start, end)
    weights = read_priorities(args.priorities) if args.priorities else {}
    if args.conjunctions:
        for norad, weight in weights_from_conjunctions(read_conjunctions(args.conjunctions)
                                                       ).items():
            weights[norad] = max(weights.get(norad, 1.0), weight)
    std_mags = noted_table(load_std_mag_table, args.std_mag_file)
    table, tracks = _scheduled(args, leo, site, (start, end), telescopes, weights=weights,
                               sun_altitude_deg_limit=args.sun_altitude_deg,
                               std_mag_table=std_mags, backend=args.backend,
                               improvement_rounds=args.improvement_rounds)
    for name, info in table.meta["telescopes"].items():
        note(f"{name}: {info['observations']} observations, objective {info['objective']:g} "
              f"(greedy {info['objective_greedy']:g}), {info['candidate_windows']} candidate "
              f"windows of {info['objects_with_windows']} objects")
    tracks_path = args.tracks_output
    if tracks_path is None and args.output and args.output != "-":
        stem = args.output.rsplit(".", 1)[0] if "." in args.output else args.output
        tracks_path = f"{stem}.tracks.csv"
    track = (pointing_track(leo, site, start, tracks, step_s=args.track_step_s,
                            backend=args.backend) if tracks_path else None)

    def meta():
        return meta_block(
            command="schedule", inputs=[str(s) for s in (leo.sources or ["<bundled>"])],
            site=site.as_dict(), time_zone=None if zone is None else zone.key,
            night={"start_utc": iso_text(start)[0], "end_utc": iso_text(end)[0],
                   "twilight": f"Sun centre at or below {args.sun_altitude_deg:g} deg",
                   "evening_twilight_utc": iso_text(start)[0],
                   "morning_twilight_utc": iso_text(end)[0]},
            telescopes=[{k: v for k, v in vars(t).items()} for t in telescopes],
            objective=table.meta["telescopes"], weights=len(weights),
            candidate_passes=table.meta["candidate_passes"], observations=len(table))

    header = (f"# {len(table)} observations, night {iso_text(start)[0]} .. "
              f"{iso_text(end)[0]}, site {site.name}; times "
              f"{'UTC' if zone is None else zone.key}; {age_text(leo, start, end)}\n")
    if args.format == "table":
        first = (iso_text(start) if zone is None else local_iso_text(start, zone))[0][:10]
        several = len(set(table["telescope"].tolist())) > 1
        layout = terminal_layout(_OBSERVATION_TEXT, (["telescope"] if several else [])
                                 + _OBSERVATION_NARROW, wide=args.wide, first_date=first)
        text = terminal_text(
            header + schedule_summary(table)
            + ("" if args.wide else "# start, end: hh:mm:ss (+1: the next day); az0/el0: where "
               "the track starts, deg; deg/s: the mount's peak rate; slew_s: the slew before "
               "it; ±t_s: the prediction's 1-sigma timing error (each track starts and ends 3 "
               "sigma beyond min_track_s); --wide for every column\n")
            + limited(args, with_local_times(table, zone), local_layout(layout, zone),
                      "observations"), args.wide)
    else:
        text = render(args.format, with_local_times(ordered(table, args.sort), zone),
                      key="observations", meta=meta, header=header, layout=_OBSERVATION_TEXT)
    if not args.output or args.output == "-":
        if track is not None:
            write_text(table_to_csv(track), tracks_path)
        write_text(text, None)
    else:  # the schedule and its tracks go together: both or neither
        with staged_outputs() as out:
            if track is not None:
                out.write_text(tracks_path, table_to_csv(track))
            out.write_text(args.output, text)
    if track is not None:
        note(f"pointing tracks ({len(track)} rows, every {args.track_step_s:g} s) written to "
             f"{tracks_path}")
    return 0
