"""``debris schedule``: a night's telescope schedule."""

from __future__ import annotations

from .cli import _csv_records, _load_catalog, _note, _sites, _stale_note, _window
from .errors import DebrisError
from .magnitude import load_std_mag_table

__all__ = ["cmd_schedule"]


def cmd_schedule(args) -> int:
    from .io import meta_block, table_to_csv, table_to_json, table_to_text, write_text
    from .schedule import pointing_track, schedule_night, weights_from_conjunctions
    from .telescope import load_telescopes

    telescopes = load_telescopes(args.telescope)
    sites = _sites(args)
    if len(sites) != 1:
        raise DebrisError("schedule takes one --site")
    site = sites[0]
    catalog = _load_catalog(args.files)
    leo = catalog.filter(leo=True)
    start, end = _window(args, site)
    _stale_note(leo, start, end)
    weights = {}
    if args.priorities:
        for number, row in _csv_records(args.priorities):
            try:
                weight = float(row[1])
                if not weight >= 0:
                    raise ValueError
                weights[int(row[0])] = weight
            except (ValueError, IndexError):
                raise DebrisError(f"{args.priorities}, line {number}: expected norad_id,weight "
                                  f"with a weight >= 0, got {','.join(row)!r}") from None
    if args.conjunctions:
        try:
            for norad, weight in weights_from_conjunctions(args.conjunctions).items():
                weights[norad] = max(weights.get(norad, 1.0), weight)
        except ValueError as exc:
            raise DebrisError(str(exc)) from None
    std_mags = load_std_mag_table(args.std_mag_file) if args.std_mag_file else None
    table, tracks = schedule_night(leo, site, start, end, telescopes, weights=weights,
                                   sun_altitude_deg_limit=args.sun_altitude_deg,
                                   std_mag_table=std_mags, backend=args.backend,
                                   improvement_rounds=args.improvement_rounds)
    for name, info in table.meta["telescopes"].items():
        _note(f"{name}: {info['observations']} observations, objective {info['objective']:g} "
              f"(greedy {info['objective_greedy']:g}), {info['candidate_windows']} candidate "
              f"windows of {info['objects_with_windows']} objects")
    tracks_path = args.tracks_output
    if tracks_path is None and args.output and args.output != "-":
        stem = args.output.rsplit(".", 1)[0] if "." in args.output else args.output
        tracks_path = f"{stem}.tracks.csv"
    if tracks_path:
        track = pointing_track(leo, site, start, tracks, step_s=args.track_step_s,
                               backend=args.backend)
        write_text(table_to_csv(track), tracks_path)
        _note(f"pointing tracks ({len(track)} rows, every {args.track_step_s:g} s) written to "
              f"{tracks_path}")
    if args.format == "json":
        meta = meta_block(
            command="schedule", inputs=[str(s) for s in (leo.sources or ["<bundled>"])],
            site=site.as_dict(),
            night={"start_utc": start.iso()[0], "end_utc": end.iso()[0],
                   "twilight": f"Sun centre at or below {args.sun_altitude_deg:g} deg",
                   "evening_twilight_utc": start.iso()[0],
                   "morning_twilight_utc": end.iso()[0]},
            telescopes=[{k: v for k, v in vars(t).items()} for t in telescopes],
            objective=table.meta["telescopes"], weights=len(weights),
            candidate_passes=table.meta["candidate_passes"], observations=len(table))
        text = table_to_json(table, "observations", meta)
    elif args.format == "csv":
        text = table_to_csv(table)
    else:
        short = lambda v: v[11:19] if v else "-"  # noqa: E731
        text = (f"# {len(table)} observations, night {start.iso()[0]} .. {end.iso()[0]}, "
                f"site {site.name}\n") + table_to_text(
            table, columns=["telescope", "norad_id", "name", "start_utc", "end_utc",
                            "start_azimuth_deg", "start_elevation_deg", "end_azimuth_deg",
                            "end_elevation_deg", "peak_rate_deg_s", "magnitude", "weight",
                            "slew_time_s"],
            formats={"start_utc": short, "end_utc": short, "start_azimuth_deg": "{:.1f}",
                     "start_elevation_deg": "{:.1f}", "end_azimuth_deg": "{:.1f}",
                     "end_elevation_deg": "{:.1f}", "peak_rate_deg_s": "{:.2f}",
                     "magnitude": "{:.1f}", "weight": "{:g}", "slew_time_s": "{:.1f}"},
            headers={"start_utc": "start", "end_utc": "end", "start_azimuth_deg": "az0",
                     "start_elevation_deg": "el0", "end_azimuth_deg": "az1",
                     "end_elevation_deg": "el1", "peak_rate_deg_s": "deg/s",
                     "magnitude": "mag", "slew_time_s": "slew_s"})
    write_text(text, args.output)
    return 0
