"""``debris screen`` and ``debris pc``: conjunctions, collision probability, CDMs."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import numpy as np

from ..conjunctions import (DEFAULT_HBR_M, DEFAULT_SIGMA_RIC_KM, SIGMA_GROWTH_RIC_KM_PER_DAY,
                            cdm_pc, conjunction_cdms, observability, remove_checkpoint,
                            screen)
from ..checks import in_range, range_text
from ..conjunctions.pc import pc_methods
from ..errors import CDMFormatError, DebrisError
from ..io.ccsds import read_cdm
from ..io.files import atomic_folder, read_text, write_text
from ..io.tables import (iso_text, meta_block, nested_records, table_to_csv, table_to_json,
                         table_to_text)
from ..progress import progress_bar
from ..sites import load_sites_toml, parse_site
from ..table import Table
from ..timescale import Times, to_times
from .catalog import open_archive
from .common import (ELEVATION, EXIT_SKIPPED, POSITIVE, add_backend, add_dask, add_files,
                     csv_rows, dask_executor, failure_note, load_catalog, norad_ids, note,
                     ranged, stale_note)
from .views import (add_view_options, conjunction_summary, limited, ordered, terminal_layout,
                    terminal_text)

__all__ = ["add_parsers"]

#: Hard-body radii a file may give (m): above 0, at most 1 km (the ISS is about 50 m).
HBR_RANGE_M = (0.0, 1000.0)
#: Position sigmas a covariance file may give (km): above 0, at most an Earth radius' worth.
SIGMA_RANGE_KM = (0.0, 1.0e4)


def add_parsers(sub) -> None:
    p = sub.add_parser("screen", help="conjunction screening (close approaches, Pc, CDMs)")
    add_files(p)
    p.add_argument("--start", help="ISO-8601 UTC start (default: now)")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=POSITIVE, help="span in hours (> 0)")
    p.add_argument("--days", type=POSITIVE, help="span in days (> 0; default 7)")
    p.add_argument("--threshold-km", type=POSITIVE, default=5.0,
                   help="report approaches at or below this distance (> 0; default 5 km)")
    p.add_argument("--primary", help="NORAD ids (comma-separated) or 'payloads': screen these "
                   "against the catalogue instead of all-vs-all")
    p.add_argument("--primary-file", help="file of primary NORAD ids")
    p.add_argument("--step-s", type=ranged(1.0, 3600.0, unit="s"), default=60.0,
                   help="grid step, 1..3600 s; completeness does not depend on it "
                        "(default 60)")
    p.add_argument("--hbr-file", help="CSV norad_id,hbr_m of hard-body radii")
    p.add_argument("--covariance-file", action="append",
                   help="CSV norad_id,sigma_r_km,sigma_t_km,sigma_n_km or a CDM with the "
                        "objects' RTN covariances; repeatable")
    p.add_argument("--uncertainty-archive", metavar="ARCHIVE",
                   help="learn each conjunction object's covariance from its element sets in "
                        "this archive (30 or more: the model of debris catalog uncertainty, at "
                        "its element age at TCA; fewer: its regime prior); a --covariance-file "
                        "entry comes first, objects with neither keep the default model")
    add_pc_method(p)
    p.add_argument("--site", action="append",
                   help="also say whether each conjunction is observable from this site")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables")
    p.add_argument("--observe-minutes", type=POSITIVE, default=5.0,
                   help="observability is checked over TCA +- this (> 0; default 5)")
    p.add_argument("--min-elevation-deg", type=ELEVATION, default=10.0,
                   help="elevation limit for observability, 0..90 deg (default 10)")
    p.add_argument("--checkpoint", metavar="DIR",
                   help="record each finished window in DIR; run the same command again "
                        "after a crash or kill and it resumes there (DIR is removed once the "
                        "output is written)")
    p.add_argument("--max-memory-mb", type=ranged(1.0, 1e6, unit="MB"), default=256.0,
                   help="memory for one window of states, 1..1e6 MB (default 256)")
    p.add_argument("--format", choices=["table", "csv", "json", "cdm", "cdm-xml"],
                   default="table", help="cdm: one CCSDS CDM (KVN) per conjunction in the "
                   "--output folder; cdm-xml: the same as NDM/XML")
    add_view_options(p, ["miss", "probability", "time"], "miss")
    p.add_argument("--output", help="output file (cdm: a folder), written atomically")
    add_backend(p)
    add_dask(p)
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("pc", help="collision probability from CDMs (KVN or XML)")
    p.add_argument("files", nargs="+", help="CDM files")
    p.add_argument("--hbr-m", type=POSITIVE, help="combined hard-body radius (> 0 m); default the "
                   "CDM's COMMENT HBR, else 20 m")
    add_pc_method(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    p.set_defaults(func=cmd_pc)


def _primaries(args, catalog):
    """NORAD ids of the primaries from --primary / --primary-file, or None (all-vs-all)."""
    if args.primary and args.primary_file:
        raise DebrisError("give either --primary or --primary-file, not both")
    if args.primary:
        if args.primary.strip().lower() in ("payloads", "payload"):
            ids = catalog.norad_id[catalog.object_type == "PAYLOAD"].tolist()
            if not ids:
                raise DebrisError("--primary payloads: the catalogue has no payloads")
            return ids
        ids = norad_ids(args.primary, "--primary")
    elif args.primary_file:
        ids = norad_ids(read_text(args.primary_file), f"--primary-file {args.primary_file}:")
    else:
        return None
    missing = sorted(set(ids) - set(catalog.norad_id.tolist()))
    if missing:
        raise DebrisError(f"primary NORAD id(s) not in the catalogue: "
                          f"{', '.join(map(str, missing[:10]))}")
    return ids


def _read_hbr_file(path) -> dict:
    out = {}
    for number, row in csv_rows(path):
        try:
            out[int(row[0])] = float(row[1])
            if not in_range(out[int(row[0])], *HBR_RANGE_M, low_open=True):
                raise ValueError
        except (ValueError, IndexError):
            raise DebrisError(f"{path}, line {number}: expected norad_id,hbr_m with a radius "
                              f"{range_text(*HBR_RANGE_M, low_open=True)} m, got "
                              f"{','.join(row)!r}") from None
    return out


def _read_covariances(paths) -> dict:
    """RTN position covariances (km^2) by NORAD id from CSV (norad_id,sigma_r_km,sigma_t_km,
    sigma_n_km) or CDM files."""
    out = {}
    for path in paths or []:
        if str(path).lower().endswith((".cdm", ".xml", ".kvn")):
            cdm = read_cdm(path)
            for k in (0, 1):
                ident = cdm.objects[k].get("OBJECT_DESIGNATOR", "").lstrip("0")
                if ident.isdigit():
                    out[int(ident)] = cdm.covariance_rtn(k)[:3, :3]
            continue
        for number, row in csv_rows(path):
            try:
                sig = [float(x) for x in row[1:4]]
                if len(sig) != 3 or not all(in_range(x, *SIGMA_RANGE_KM, low_open=True)
                                            for x in sig):
                    raise ValueError
                out[int(row[0])] = np.diag(np.square(sig))
            except ValueError:
                raise DebrisError(
                    f"{path}, line {number}: expected norad_id,sigma_r_km,sigma_t_km,"
                    f"sigma_n_km with sigmas {range_text(*SIGMA_RANGE_KM, low_open=True)} km, "
                    f"got {','.join(row)!r}") from None
    return out


def _screen_window(args):
    start = to_times(args.start) if args.start else to_times(
        np.datetime64(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "ms"))
    given = [x is not None for x in (args.end, args.hours, args.days)]
    if sum(given) > 1:
        raise DebrisError("give one of --end, --hours, --days")
    if args.end:
        end = to_times(args.end)
    else:
        hours = args.hours if args.hours is not None else 24.0 * (
            args.days if args.days is not None else 7.0)
        end = start.shift_seconds(float(hours) * 3600.0)
    if float(end.seconds_since(start)[0]) <= 0:
        raise DebrisError(f"--end {iso_text(end)[0]} is not after --start "
                          f"{iso_text(start)[0]}")
    return start[0:1], end[0:1]


def cmd_screen(args) -> int:
    if not args.threshold_km > 0:
        raise DebrisError(f"--threshold-km {args.threshold_km}: must be positive")
    catalog = load_catalog(args.files)
    primaries = _primaries(args, catalog)
    sites = [parse_site(spec, load_sites_toml(args.sites_file) if args.sites_file else None)
             for spec in (args.site or [])]
    start, end = _screen_window(args)
    stale_note(catalog, start, end)
    hbr_table = _read_hbr_file(args.hbr_file) if args.hbr_file else None
    covariances = _read_covariances(args.covariance_file)
    if not args.uncertainty_archive:
        return _screen_and_write(args, catalog, primaries, sites, (start, end), hbr_table,
                                 covariances)
    from ..archive import ArchiveModels  # sqlite only when asked
    with open_archive(args.uncertainty_archive, must_exist=True) as archive:
        return _screen_and_write(args, catalog, primaries, sites, (start, end), hbr_table,
                                 collections.ChainMap(covariances, ArchiveModels(archive)))


def _screen_and_write(args, catalog, primaries, sites, window_, hbr_table, covariances) -> int:
    """Screening with the covariances chosen, and its outputs."""
    start, end = window_
    if args.format in ("cdm", "cdm-xml") and not args.output:
        raise DebrisError(f"--format {args.format} writes one file per conjunction: give "
                          "--output DIR")
    _check_checkpoint_place(args)
    executor = dask_executor(args)
    try:
        table = screen(catalog, start, end, args.threshold_km, primaries=primaries,
                       step_s=args.step_s, backend=args.backend, hbr_table=hbr_table,
                       pc_method=args.method, covariances=covariances,
                       progress=progress_bar("screening"), checkpoint=args.checkpoint,
                       max_bytes=args.max_memory_mb * 1e6, executor=executor)
    finally:
        if executor is not None:
            executor.close()
    for path in table.meta.get("windows_unreadable", []):
        note(f"checkpoint window {path} could not be read: computed again")
    if table.meta.get("windows_resumed"):
        note(f"resumed from {args.checkpoint}: {table.meta['windows_resumed']} window(s) "
             "read back")
    failures = failure_note(table, "they drop out while failed")
    if args.format in ("cdm", "cdm-xml"):  # built beside its place, swapped in whole
        xml = args.format == "cdm-xml"
        with atomic_folder(args.output) as folder:
            for stem, cdm in conjunction_cdms(catalog, table, covariances=covariances,
                                              pc_method=args.method):
                (folder / f"{stem}.{'xml' if xml else 'cdm'}").write_text(
                    cdm.to_xml() if xml else cdm.to_kvn(), encoding="utf-8")
        note(f"{len(table)} CDMs written to {args.output}")
        return _done(args)
    visibility = (observability(catalog, table, sites, window_minutes=args.observe_minutes,
                                min_elevation_deg=args.min_elevation_deg,
                                backend=args.backend) if sites and len(table) else None)
    if args.format == "json":
        if visibility is not None:
            table.columns["observable_from"] = np.array(nested_records(visibility, 3),
                                                        dtype=object)
        text = table_to_json(ordered(table, args.sort), "conjunctions", _screen_meta(
            args, catalog, table, primaries, sites, start, end, covariances, failures))
    elif args.format == "csv":
        columns = dict(table.columns)
        for site in sites if visibility is not None else []:
            columns[f"observable_{site.name}"] = visibility[site.name][
                "observable_within_window"]
        text = table_to_csv(ordered(Table(columns, table.meta), args.sort))
    else:
        text = _screen_text(args, table, start, end, visibility)
    write_text(text, args.output)
    note(f"{len(table)} conjunctions written" + (f" to {args.output}" if args.output else ""))
    return _done(args)


def _check_checkpoint_place(args) -> None:
    """Refuse a checkpoint folder that holds the output or lies inside an output folder:
    removing the one would remove the other."""
    if not (args.checkpoint and args.output):
        return
    folder, output = Path(args.checkpoint).resolve(), Path(args.output).resolve()
    if folder == output or folder in output.parents or output in folder.parents:
        raise DebrisError(f"--checkpoint {args.checkpoint} and --output {args.output} overlap: "
                          "the checkpoint folder is removed after the run, so keep the output "
                          "outside it (and the checkpoint outside an output folder)")


def _done(args) -> int:
    """The output is written: the checkpoint has served (only its own files are removed)."""
    if args.checkpoint:
        remove_checkpoint(args.checkpoint)
    return 0


def add_pc_method(p) -> None:
    """``--method``: the registered Pc methods (:func:`debris.conjunctions.pc.pc_methods`)."""
    methods = pc_methods()
    p.add_argument("--method", choices=list(methods), default="foster",
                   help="Pc method (default foster): " + "; ".join(
                       f"{m.name}: {m.description} ({m.ccsds_label})"
                       for m in methods.values()))


def _covariance_words(table) -> str:
    """Where the Pc's covariances came from, for the terminal view's first line."""
    kinds = {part for k in (table["covariance"] if "covariance" in table.columns else [])
             for part in str(k).split("+")}
    named = [word for kind, word in (("history", "each object's element-set history"),
                                     ("regime", "the regime prior"),
                                     ("user", "the given covariances")) if kind in kinds]
    if not named:
        return "Pc with an assumed covariance"
    return ("Pc with covariances from " + ", ".join(named)
            + (" (else assumed)" if "default" in kinds else ""))


def _screen_meta(args, catalog, table, primaries, sites, start, end, covariances,
                 failures) -> dict:
    covariance_model = {
        "default_sigma_rtn_km_at_epoch": list(DEFAULT_SIGMA_RIC_KM),
        "default_sigma_growth_rtn_km_per_day": list(SIGMA_GROWTH_RIC_KM_PER_DAY),
        "user_covariances": len(getattr(covariances, "maps", [covariances])[0]),
        "history_covariances": int(sum("history" in str(k) for k in table["covariance"]))
        if "covariance" in table.columns else 0,
        "regime_covariances": int(sum("regime" in str(k) for k in table["covariance"]))
        if "covariance" in table.columns else 0,
        "default_hard_body_radius_m_by_type": DEFAULT_HBR_M,
        "combined_hard_body_radius": "sum of both objects' radii",
        "pc_method": args.method, "max_probability": "Alfano 2005, worst case over "
                                                       "covariance scale"}
    return meta_block(
        command="screen", inputs=[str(s) for s in (catalog.sources or ["<bundled>"])],
        window={"start_utc": iso_text(start)[0], "end_utc": iso_text(end)[0]},
        parameters={"threshold_km": args.threshold_km, "step_s": table.meta.get("step_s"),
                    "mode": table.meta.get("mode"),
                    "primaries": len(primaries) if primaries is not None else None,
                    "sites": [s.name for s in sites], "observe_minutes": args.observe_minutes},
        covariance=covariance_model, objects=len(catalog), rejected=len(catalog.rejected),
        sgp4_failures_in_window=len(failures), conjunctions=len(table))


#: The terminal's columns without --wide (the RIC components with it).
_CONJ_NARROW = ["tca_utc", "norad_id_1", "name_1", "norad_id_2", "name_2", "miss_distance_km",
                "relative_speed_km_s", "probability", "max_probability"]


def _screen_text(args, table, start, end, visibility) -> str:
    short = lambda v: v.replace("T", " ")[:23] if v else "-"  # noqa: E731
    layout = {
        "columns": ["tca_utc", "norad_id_1", "name_1", "norad_id_2", "name_2",
                    "miss_distance_km", "relative_speed_km_s", "radial_km", "in_track_km",
                    "cross_track_km", "probability", "max_probability"],
        "formats": {"tca_utc": short, "miss_distance_km": "{:.3f}",
                    "relative_speed_km_s": "{:.2f}", "radial_km": "{:.3f}",
                    "in_track_km": "{:.3f}", "cross_track_km": "{:.3f}",
                    "probability": "{:.2e}", "max_probability": "{:.2e}"},
        "headers": {"tca_utc": "tca_utc", "miss_distance_km": "miss_km",
                    "relative_speed_km_s": "v_rel_km_s", "radial_km": "R_km",
                    "in_track_km": "I_km", "cross_track_km": "C_km", "probability": "Pc",
                    "max_probability": "max_Pc"}}
    if not args.wide:  # the date as MM-DD, the time to the second; shorter headings
        layout = terminal_layout(layout, _CONJ_NARROW, wide=False, name_width=14)
        layout["formats"]["tca_utc"] = lambda v: f"{v[5:10]} {v[11:19]}" if v else "-"
        layout["headers"].update(norad_id_1="id_1", norad_id_2="id_2", tca_utc="tca (UTC)",
                                 relative_speed_km_s="v_km_s")
    text = (f"# {len(table)} conjunctions below {args.threshold_km:g} km, "
            f"{iso_text(start)[0]} .. {iso_text(end)[0]} ({table.meta.get('mode')}); "
            + _covariance_words(table) + "\n"
            + conjunction_summary(table)
            + ("" if args.wide else "# tca: MM-DD hh:mm:ss UTC; miss_km and v_km_s (relative "
               "speed) in km and km/s; --wide adds the radial, in-track and cross-track "
               "miss\n")
            + limited(args, table, layout, "conjunctions"))
    if visibility is not None:
        tca = iso_text(table["tca_utc"])
        lines = []
        for k in range(len(table)):
            seen = [name for name, vis in visibility.items()
                    if vis["observable_within_window"][k]]
            if seen:
                lines.append(f"#   {table['norad_id_1'][k]} x {table['norad_id_2'][k]} at "
                             f"{tca[k]}: observable from {', '.join(seen)}")
        text += "\n".join(lines) + ("\n" if lines else "")
    return terminal_text(text, args.wide)


def cmd_pc(args) -> int:
    results, failures = [], []
    for path in args.files:
        try:
            results.append(cdm_pc(read_cdm(path), hbr_m=args.hbr_m, method=args.method))
        except (CDMFormatError, DebrisError) as exc:
            failures.append(exc)
            if len(args.files) > 1:
                note(f"skipped: {exc}")
    failed = len(failures)
    if not results:
        if failed == 1:
            raise failures[0]
        raise DebrisError(f"none of the {failed} CDMs could be read (reasons above)")
    columns = {}
    for key in results[0]:
        values = [r[key] for r in results]
        if key == "tca_utc":
            columns[key] = Times.concatenate(values)
        elif key in ("probability", "max_probability", "hard_body_radius_m",
                     "miss_distance_km", "cdm_probability"):
            columns[key] = np.array([np.nan if x is None else x for x in values], float)
        else:
            columns[key] = np.array(["" if x is None else str(x) for x in values])
    table = Table(columns)
    if args.format == "json":
        meta = meta_block(command="pc", inputs=list(args.files), method=args.method,
                          hard_body_radius_m=args.hbr_m, cdms=len(results), unreadable=failed)
        text = table_to_json(table, "results", meta)
    else:
        text = table_to_text(table, columns=["file", "tca_utc", "norad_id_1", "norad_id_2",
                                             "miss_distance_km", "hard_body_radius_m",
                                             "probability", "cdm_probability",
                                             "max_probability"],
                             formats={"probability": "{:.4e}", "cdm_probability": "{:.4e}",
                                      "max_probability": "{:.4e}",
                                      "miss_distance_km": "{:.4f}",
                                      "hard_body_radius_m": "{:g}"})
    write_text(text, args.output)
    return 0 if not failed else EXIT_SKIPPED
