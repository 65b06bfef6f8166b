"""``debris passes`` and ``debris crossings``."""

from __future__ import annotations

import numpy as np

from ..errors import DebrisError
from ..io.files import write_text
from ..io.tables import iso_text, jsonable, local_iso_text, meta_block
from ..magnitude import (DEFAULT_STD_MAG, LEO_DEFAULT_STD_MAG, RCS_ALBEDO, SOURCE_LABELS,
                         StandardMagnitudes, load_rcs_table, load_std_mag_table,
                         magnitude_sources)
from ..passes import PASS_DECIMALS, find_crossings, find_passes
from ..progress import progress_bar
from .catalog import with_archive_models
from .common import (
    ELEVATION,
    HORIZON,
    add_backend,
    add_dask,
    add_files,
    add_night_options,
    add_output,
    add_site_options,
    add_tz_option,
    age_text,
    dask_executor,
    failure_note,
    hhmmss,
    load_catalog,
    local_layout,
    norad_ids,
    note,
    noted_table,
    ranged,
    refuse_stale_tonight,
    render,
    sites,
    stale_note,
    time_zone_of,
    window,
    with_local_times,
)
from .views import (add_view_options, limited, ordered, pass_summary,
                    terminal_layout, terminal_text)

__all__ = ["add_parsers"]

#: The table format of passes: columns, formats, headers.
_PASS_TEXT = {
    "columns": ["norad_id", "name", "site", "rise_utc", "culmination_utc", "set_utc",
                "rise_azimuth_deg", "culmination_azimuth_deg", "set_azimuth_deg",
                "max_elevation_deg", "culmination_range_km", "visible_start_utc",
                "visible_end_utc", "min_magnitude", "max_angular_rate_deg_s", "time_sigma_s",
                "cross_track_sigma_arcsec"],
    "formats": {"rise_utc": hhmmss, "culmination_utc": hhmmss, "set_utc": hhmmss,
                "visible_start_utc": hhmmss, "visible_end_utc": hhmmss,
                "rise_azimuth_deg": "{:.0f}", "culmination_azimuth_deg": "{:.0f}",
                "set_azimuth_deg": "{:.0f}", "max_elevation_deg": "{:.1f}",
                "culmination_range_km": "{:.0f}", "min_magnitude": "{:.1f}",
                "max_angular_rate_deg_s": "{:.2f}", "time_sigma_s": "{:.2f}",
                "cross_track_sigma_arcsec": "{:.0f}"},
    "headers": {"rise_utc": "rise", "culmination_utc": "culmination", "set_utc": "set",
                "rise_azimuth_deg": "az_rise", "culmination_azimuth_deg": "az_culm",
                "set_azimuth_deg": "az_set", "max_elevation_deg": "max_el",
                "culmination_range_km": "range_km", "visible_start_utc": "vis_from",
                "visible_end_utc": "vis_to", "min_magnitude": "mag",
                "max_angular_rate_deg_s": "deg/s", "time_sigma_s": "±t_s",
                "cross_track_sigma_arcsec": "±xt_arcsec"},
}


def _milliseconds(text):
    return text[11:23] if text else "-"


#: The table format of crossings.
_CROSSING_TEXT = {
    "columns": ["norad_id", "name", "entry_utc", "closest_utc", "exit_utc", "min_separation_deg",
                "closest_elevation_deg", "angular_rate_deg_s", "sunlit", "magnitude",
                "time_sigma_s", "cross_track_sigma_arcsec"],
    "formats": {"entry_utc": _milliseconds, "closest_utc": _milliseconds,
                "exit_utc": _milliseconds, "min_separation_deg": "{:.3f}",
                "closest_elevation_deg": "{:.1f}", "angular_rate_deg_s": "{:.3f}",
                "magnitude": "{:.1f}", "time_sigma_s": "{:.1f}",
                "cross_track_sigma_arcsec": "{:.0f}"},
    "headers": {"entry_utc": "entry", "closest_utc": "closest", "exit_utc": "exit",
                "min_separation_deg": "min_sep", "closest_elevation_deg": "el",
                "angular_rate_deg_s": "deg/s", "magnitude": "mag", "time_sigma_s": "±t_s",
                "cross_track_sigma_arcsec": "±xt\""},
}



def add_parsers(sub) -> None:
    p = sub.add_parser("passes", help="passes of catalogue objects over sites")
    add_files(p)
    add_site_options(p, several=True)
    add_night_options(p, sun_help="twilight limit for the night (default -12)")
    add_tz_option(p)
    p.add_argument("--min-elevation-deg", type=ELEVATION, default=10.0,
                   help="lowest elevation of a pass, 0..90 deg (default 10)")
    p.add_argument("--visible-only", action="store_true",
                   help="keep passes with a part where the object is sunlit under a dark sky")
    p.add_argument("--std-mag-file", help="CSV norad_id,std_mag[,sigma] of standard magnitudes "
                   "(1000 km, 90 deg phase); default the published table, else the SATCAT "
                   "RCS, else by orbit regime and object type")
    p.add_argument("--satcat", metavar="FILE", help="SATCAT CSV (CelesTrak's RCS or Space-"
                   "Track's RCS_SIZE) that replaces the bundled snapshot's (2025-01-12)")
    p.add_argument("--brighter-than", type=ranged(-30.0, 30.0, unit="mag"), metavar="MAG",
                   help="keep visible passes brighter than MAG (estimated magnitude)")
    p.add_argument("--uncertainty-archive", metavar="ARCHIVE",
                   help="timing and cross-track sigmas from each object's element-set history "
                        "in this archive (30 sets or more; fewer: its regime prior; else the "
                        "fixed default model)")
    p.add_argument("--norad", help="comma-separated NORAD ids")
    add_output(p, ["table", "csv", "json"])
    add_view_options(p, ["time", "magnitude", "elevation"], "magnitude")
    add_backend(p)
    add_dask(p)
    p.set_defaults(func=cmd_passes)

    p = sub.add_parser("crossings", help="objects crossing a circle on the sky (stares, streaks)")
    add_files(p)
    add_site_options(p)
    p.add_argument("--ra-deg", type=ranged(0.0, 360.0, unit="deg"),
                   help="circle centre, ICRS right ascension, 0..360 deg")
    p.add_argument("--dec-deg", type=HORIZON, help="circle centre, ICRS declination, "
                   "-90..90 deg")
    p.add_argument("--az-deg", type=ranged(0.0, 360.0, unit="deg"),
                   help="circle centre, fixed azimuth (stare), 0..360 deg")
    p.add_argument("--el-deg", type=ELEVATION, help="circle centre, fixed elevation (stare), "
                   "0..90 deg")
    p.add_argument("--radius-deg", type=ranged(0.0, 90.0, low_open=True, unit="deg"),
                   required=True, help="circle radius, > 0 and <= 90 deg")
    add_night_options(p)
    add_tz_option(p)
    p.add_argument("--min-elevation-deg", type=ELEVATION, default=0.0,
                   help="lowest elevation, 0..90 deg (default 0)")
    p.add_argument("--norad", help="comma-separated NORAD ids")
    p.add_argument("--std-mag-file", help="CSV norad_id,std_mag")
    p.add_argument("--uncertainty-archive", metavar="ARCHIVE",
                   help="timing and cross-track sigmas from each object's element-set history "
                        "in this archive (else its regime prior, else the fixed default model)")
    p.add_argument("--wide", action="store_true", help="every column in the terminal table, "
                   "times to the millisecond (by default it keeps to 100 characters)")
    add_output(p, ["table", "csv", "json"])
    add_backend(p)
    add_dask(p)
    p.set_defaults(func=cmd_crossings)


#: The terminal's columns without --wide (100 characters): culmination, highest elevation,
#: azimuths rise to set, the visible part, the magnitude with its 1σ and source, and the
#: prediction's 1σ timing error.
_PASS_NARROW = ["norad_id", "name", "culmination_utc", "max_elevation_deg",
                "azimuths", "visible_start_utc", "visible_end_utc", "magnitude", "time_sigma_s"]
#: Sources whose magnitudes are guesses (defaults), not measurements of the object.
_GUESSES = ("type", "size")


def _pass_view(table, layout: dict, zone, start, several_sites: bool, wide: bool):
    """(table, layout) of the terminal: clock times with +1 on the next day, in UTC or the
    zone; without --wide the columns of :data:`_PASS_NARROW` (and the site with several)."""
    first = (iso_text(start) if zone is None else local_iso_text(start, zone))[0][:10]
    shown = with_local_times(table, zone)
    columns = list(_PASS_NARROW)
    if several_sites:  # the site's column instead of the timing error's (100 characters)
        columns.insert(2, "site")
        columns.remove("time_sigma_s")
    layout = terminal_layout(layout, columns, wide=wide, first_date=first)
    if wide:
        return shown, local_layout(layout, zone)
    rise, down = (np.asarray(table[c], float) for c in ("rise_azimuth_deg", "set_azimuth_deg"))
    shown.columns["azimuths"] = np.array([f"{a:.0f}→{b:.0f}" for a, b in zip(rise, down)],
                                         dtype=str) if len(table) else np.array([], str)
    shown.columns["magnitude"] = np.array(
        [f"{m:.1f}±{s:.1f} {SOURCE_LABELS.get(src, src)}" if np.isfinite(m) else "-"
         for m, s, src in zip(table["min_magnitude"], table["mag_sigma"],
                              table["std_magnitude_source"])], dtype=str)
    layout["headers"].update(azimuths="az", magnitude="mag")
    layout["formats"]["time_sigma_s"] = "{:.1f}"
    return shown, local_layout(layout, zone)


def _terminal(args, table, leo, std_mags, site_list, window_, zone, header, what) -> str:
    """The terminal's view of passes: header, per-site summary, units line and table."""
    start, end = window_
    types = dict(zip(leo.norad_id.tolist(), leo.object_type.tolist()))
    sources = dict(zip(*np.unique(magnitude_sources(leo, std_mags)[1], return_counts=True)))
    view, layout = _pass_view(table, _PASS_TEXT, zone, start, len(site_list) > 1, args.wide)
    rows = ordered(table, args.sort or args.view_default_sort)
    shown = rows if args.all_rows else rows.take(np.arange(min(args.limit, len(rows))))
    guesses = int(np.isin(shown["std_magnitude_source"], _GUESSES).sum())
    text = header + pass_summary(table, types, site_list, start, end, args.sun_altitude_deg,
                                 sources, zone) \
        + "# culmination, visible from/to: hh:mm:ss (+1: the next day); max_el deg; " \
          "az: azimuth at rise→set, deg; mag: estimated, brightest while visible" \
        + ("" if args.wide else ", ±1σ and source (pub: published, rcs: radar size, obs: our "
           "observations, user: your table, type/size: a default, a guess)"
           + ("; ±t_s: 1σ timing error of the prediction (s)" if len(site_list) == 1 else
              "")) \
        + f"; {guesses} of the {len(shown)} magnitudes shown are guesses" \
        + ("" if args.wide else "; --wide for every column") + "\n" \
        + limited(args, view, layout, what)
    return terminal_text(text, args.wide)


def _zone_label(zone, when) -> str:
    """``Asia/Dushanbe (UTC+05:00)``: the zone and its offset at `when`."""
    return f"{zone.key} (UTC{local_iso_text(when[:1], zone)[0][-6:]})"


def _passes_meta(args, leo, site_list, window_, zone, failures, table) -> dict:
    """The run's facts for CSV/JSON output of passes."""
    start, end = window_
    info = leo.info()
    return meta_block(
        command="passes", inputs=[str(s) for s in (leo.sources or ["<bundled>"])],
        sites=[s.as_dict() for s in site_list],
        window={"start_utc": iso_text(start)[0], "end_utc": iso_text(end)[0]},
        time_zone=None if zone is None else zone.key,
        parameters={"min_elevation_deg": args.min_elevation_deg,
                    "sun_altitude_deg": args.sun_altitude_deg,
                    "visible_only": bool(args.visible_only),
                    "brighter_than": args.brighter_than, "sort": args.sort,
                    "std_mag_file": args.std_mag_file, "satcat": args.satcat,
                    "default_std_mag": DEFAULT_STD_MAG,
                    "leo_default_std_mag": {k: v[0] for k, v in
                                            LEO_DEFAULT_STD_MAG.items()},
                    "magnitude_model": "diffuse sphere, standard magnitude at 1000 km "
                                       "and 90 deg phase (published distance-adjusted "
                                       "means: range only); from the user table, else "
                                       "our observed magnitudes, else the published "
                                       "table, else the SATCAT RCS (Lambertian sphere, "
                                       f"albedo {RCS_ALBEDO}), else the RCS size class, "
                                       "else the regime and type default"},
        catalog_epoch_range_utc=jsonable([info.get("epoch_min_utc"),
                                          info.get("epoch_max_utc")]),
        objects=len(leo), rejected=len(leo.rejected),
        sgp4_init_errors=int((leo.sgp4_init_error != 0).sum()),
        sgp4_failures_in_window=len(failures), passes=len(table))


def cmd_passes(args) -> int:
    site_list = sites(args)
    catalog = load_catalog(args.files)
    if args.norad:
        ids = norad_ids(args.norad, "--norad")
        catalog = catalog.filter(norad_ids=ids)
        missing = sorted(set(ids) - set(catalog.norad_id.tolist()))
        if missing:
            note(f"NORAD id(s) not in the catalogue: {', '.join(map(str, missing))}")
    leo = catalog.filter(leo=True)
    if len(leo) < len(catalog):
        note(f"{len(catalog) - len(leo)} non-LEO objects skipped (mean motion < 11.25 rev/day)")
    start, end = window(args, site_list[0])
    zone = time_zone_of(args, site_list)
    refuse_stale_tonight(args, leo, start, end)
    stale_note(leo, start, end)
    std_mags = StandardMagnitudes(
        table=noted_table(load_std_mag_table, args.std_mag_file),
        rcs=noted_table(load_rcs_table, args.satcat))
    options = dict(min_elevation_deg=args.min_elevation_deg,
                   sun_altitude_deg_limit=args.sun_altitude_deg, backend=args.backend,
                   std_mag_table=std_mags)
    table = _search(args, find_passes, leo, site_list, start, end, label="passes", **options)
    if args.visible_only:
        table = table.take(table["visible"])
    if args.brighter_than is not None:
        table = table.take(table["min_magnitude"] < args.brighter_than)
    failures = failure_note(table, "they have no passes while failed")

    def meta():
        return _passes_meta(args, leo, site_list, (start, end), zone, failures, table)

    what = "visible passes" if args.visible_only else "passes"
    masks = [s.name for s in site_list if s.horizon is not None]
    header = (f"# {len(table)} {what} above {args.min_elevation_deg:g} deg"
              + (f" and the horizon mask ({', '.join(masks)})" if masks else "") + ", "
              f"{iso_text(start)[0]} .. {iso_text(end)[0]}, sites: "
              f"{', '.join(s.name for s in site_list)}; times "
              f"{'UTC' if zone is None else _zone_label(zone, start)}, magnitudes estimated; "
              f"{age_text(leo, start, end)}\n")
    if args.format == "table":
        text = _terminal(args, table, leo, std_mags, site_list, (start, end), zone, header,
                         what)
    else:
        text = render(args.format, with_local_times(ordered(table, args.sort), zone),
                      key="passes", meta=meta, header=header, layout=_PASS_TEXT,
                      decimals=PASS_DECIMALS)
    write_text(text, args.output)
    note(f"{len(table)} passes written" + (f" to {args.output}" if args.output else ""))
    return 0


def _search(args, function, *positional, label: str, **options):
    """``function(*positional, **options)`` as the options ask: with the models of
    --uncertainty-archive, on the --dask cluster (its blocks on a progress bar), or here."""
    if args.uncertainty_archive:
        if getattr(args, "dask", None):
            raise DebrisError("--uncertainty-archive does not work with --dask yet")
        return with_archive_models(args.uncertainty_archive, function, *positional, **options)
    executor = dask_executor(args)
    if executor is None:
        return function(*positional, **options)
    with executor:
        return function(*positional, executor=executor,
                        progress=progress_bar(f"{label} (blocks)"), **options)


def cmd_crossings(args) -> int:
    site_list = sites(args)
    if len(site_list) != 1:
        raise DebrisError("crossings takes one --site")
    site = site_list[0]
    catalog = load_catalog(args.files)
    if args.norad:
        catalog = catalog.filter(norad_ids=norad_ids(args.norad, "--norad"))
    leo = catalog.filter(leo=True)
    start, end = window(args, site)
    zone = time_zone_of(args, site_list)
    refuse_stale_tonight(args, leo, start, end)
    stale_note(leo, start, end)
    std_mags = noted_table(load_std_mag_table, args.std_mag_file)
    options = dict(radius_deg=args.radius_deg, ra_deg=args.ra_deg, dec_deg=args.dec_deg,
                   az_deg=args.az_deg, el_deg=args.el_deg,
                   min_elevation_deg=args.min_elevation_deg, backend=args.backend,
                   std_mag_table=std_mags)
    table = _search(args, find_crossings, leo, site, start, end, label="crossings", **options)

    def meta():
        centre = ({"ra_deg": args.ra_deg, "dec_deg": args.dec_deg, "frame": "ICRS"}
                  if args.ra_deg is not None else
                  {"azimuth_deg": args.az_deg, "elevation_deg": args.el_deg, "frame": "horizon"})
        return meta_block(command="crossings", inputs=leo.sources or ["<bundled>"],
                          site=site.as_dict(),
                          window={"start_utc": iso_text(start)[0],
                                  "end_utc": iso_text(end)[0]},
                          time_zone=None if zone is None else zone.key,
                          parameters={"radius_deg": args.radius_deg, "centre": centre,
                                      "min_elevation_deg": args.min_elevation_deg},
                          objects=len(leo), rejected=len(leo.rejected), crossings=len(table))

    header = (f"# {len(table)} crossings within {args.radius_deg:g} deg, "
              f"{iso_text(start)[0]} .. {iso_text(end)[0]}, site {site.name}; times "
              f"{'UTC' if zone is None else _zone_label(zone, start)}; "
              f"{age_text(leo, start, end)}\n")
    layout = _CROSSING_TEXT
    if args.format == "table" and not args.wide:
        first = (iso_text(start) if zone is None else local_iso_text(start, zone))[0][:10]
        layout = terminal_layout(dict(_CROSSING_TEXT, formats=dict(
            _CROSSING_TEXT["formats"], entry_utc=hhmmss, closest_utc=hhmmss, exit_utc=hhmmss)),
            _CROSSING_TEXT["columns"], wide=False, first_date=first, name_width=12)
        layout["headers"]["sunlit"] = "lit"
        header += ("# entry, closest, exit: hh:mm:ss (+1: the next day; --wide: milliseconds); "
                   "min_sep, el: deg; deg/s: angular rate at the closest point; ±t_s, ±xt\": "
                   "1-sigma timing (s) and cross-track (arcsec) errors of the prediction\n")
    text = render(args.format, with_local_times(table, zone), key="crossings", meta=meta,
                  header=header, layout=local_layout(layout, zone))
    if args.format == "table":
        text = terminal_text(text, args.wide)
    write_text(text, args.output)
    note(f"{len(table)} crossings written" + (f" to {args.output}" if args.output else ""))
    return 0
