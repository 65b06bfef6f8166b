"""``debris screen`` and ``debris pc``: conjunctions, collision probability, CDMs."""

from __future__ import annotations

import datetime as dt

import numpy as np

from .cli import _csv_records, _failure_note, _load_catalog, _note, _stale_note
from .errors import DebrisError
from .progress import progress_bar
from .sites import load_sites_toml, parse_site
from .table import Table

__all__ = ["cmd_screen", "cmd_pc"]


def _read_ids(text: str) -> list[int]:
    return [int(tok) for tok in text.replace(",", " ").split() if tok.strip()]


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
        try:
            ids = _read_ids(args.primary)
        except ValueError:
            raise DebrisError(f"--primary {args.primary!r}: expected NORAD ids like "
                              "25544,48274 or the word payloads") from None
    elif args.primary_file:
        try:
            with open(args.primary_file, encoding="utf-8") as handle:
                ids = _read_ids(handle.read())
        except OSError as exc:
            raise DebrisError(f"--primary-file {args.primary_file}: {exc.strerror}") from None
        except ValueError:
            raise DebrisError(f"--primary-file {args.primary_file}: expected NORAD ids "
                              "(one per line or comma-separated)") from None
    else:
        return None
    missing = sorted(set(ids) - set(catalog.norad_id.tolist()))
    if missing:
        raise DebrisError(f"primary NORAD id(s) not in the catalogue: "
                          f"{', '.join(map(str, missing[:10]))}")
    return ids


def _read_hbr_file(path) -> dict:
    out = {}
    for number, row in _csv_records(path):
        try:
            out[int(row[0])] = float(row[1])
        except (ValueError, IndexError):
            raise DebrisError(f"{path}, line {number}: expected norad_id,hbr_m, got "
                              f"{','.join(row)!r}") from None
    return out


def _read_covariances(paths) -> dict:
    """RTN position covariances (km^2) by NORAD id from CSV (norad_id,sigma_r_km,sigma_t_km,
    sigma_n_km) or CDM files."""
    from .cdm import read_cdm

    out = {}
    for path in paths or []:
        if str(path).lower().endswith((".cdm", ".xml", ".kvn")):
            cdm = read_cdm(path)
            for k in (0, 1):
                ident = cdm.objects[k].get("OBJECT_DESIGNATOR", "").lstrip("0")
                if ident.isdigit():
                    out[int(ident)] = cdm.covariance_rtn(k)[:3, :3]
            continue
        for number, row in _csv_records(path):
            try:
                sig = [float(x) for x in row[1:4]]
                if len(sig) != 3 or min(sig) <= 0:
                    raise ValueError
                out[int(row[0])] = np.diag(np.square(sig))
            except ValueError:
                raise DebrisError(
                    f"{path}, line {number}: expected norad_id,sigma_r_km,sigma_t_km,"
                    f"sigma_n_km with positive sigmas, got {','.join(row)!r}") from None
    return out


def _screen_window(args):
    from .timescale import to_times

    start = to_times(args.start) if args.start else to_times(
        np.datetime64(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "ms"))
    given = [x is not None for x in (args.end, args.hours, args.days)]
    if sum(given) > 1:
        raise DebrisError("give one of --end, --hours, --days")
    if args.end:
        end = to_times(args.end)
    else:
        hours = args.hours if args.hours is not None else 24.0 * (args.days or 7.0)
        end = start.shift_seconds(float(hours) * 3600.0)
    if float(end.seconds_since(start)[0]) <= 0:
        raise DebrisError(f"--end {end.iso()[0]} is not after --start {start.iso()[0]}")
    return start[0:1], end[0:1]


def cmd_screen(args) -> int:
    from .io import (atomic_write, meta_block, table_to_csv, table_to_json, table_to_text,
                     write_text)
    from .screening import (DEFAULT_HBR_M, DEFAULT_SIGMA_RIC_KM, SIGMA_GROWTH_RIC_KM_PER_DAY,
                            conjunction_cdms, observability, screen)

    if not args.threshold_km > 0:
        raise DebrisError(f"--threshold-km {args.threshold_km}: must be positive")
    catalog = _load_catalog(args.files)
    primaries = _primaries(args, catalog)
    sites = [parse_site(spec, load_sites_toml(args.sites_file) if args.sites_file else None)
             for spec in (args.site or [])]
    start, end = _screen_window(args)
    _stale_note(catalog, start, end)
    hbr_table = _read_hbr_file(args.hbr_file) if args.hbr_file else None
    covariances = _read_covariances(args.covariance_file)
    if args.format == "cdm" and not args.output:
        raise DebrisError("--format cdm writes one file per conjunction: give --output DIR")
    table = screen(catalog, start, end, args.threshold_km, primaries=primaries,
                   step_s=args.step_s, backend=args.backend, hbr_table=hbr_table,
                   pc_method=args.method, covariances=covariances,
                   progress=progress_bar("screening"))
    failures = _failure_note(table, "they drop out while failed")
    visibility = (observability(catalog, table, sites, window_minutes=args.observe_minutes,
                                min_elevation_deg=args.min_elevation_deg,
                                backend=args.backend) if sites and len(table) else None)
    if visibility is not None:
        table.columns["observable_from"] = np.array(visibility, dtype=object)
    covariance_model = {
        "default_sigma_rtn_km_at_epoch": list(DEFAULT_SIGMA_RIC_KM),
        "default_sigma_growth_rtn_km_per_day": list(SIGMA_GROWTH_RIC_KM_PER_DAY),
        "user_covariances": len(covariances),
        "default_hard_body_radius_m_by_type": DEFAULT_HBR_M,
        "combined_hard_body_radius": "sum of both objects' radii",
        "pc_method": args.method, "max_probability": "Alfano 2005, worst case over "
                                                       "covariance scale"}
    meta = meta_block(
        command="screen", inputs=[str(s) for s in (catalog.sources or ["<bundled>"])],
        window={"start_utc": start.iso()[0], "end_utc": end.iso()[0]},
        parameters={"threshold_km": args.threshold_km, "step_s": table.meta.get("step_s"),
                    "mode": table.meta.get("mode"),
                    "primaries": len(primaries) if primaries is not None else None,
                    "sites": [s.name for s in sites], "observe_minutes": args.observe_minutes},
        covariance=covariance_model, objects=len(catalog), rejected=len(catalog.rejected),
        sgp4_failures_in_window=len(failures), conjunctions=len(table))
    if args.format == "cdm":
        import os

        os.makedirs(args.output, exist_ok=True)
        for stem, cdm in conjunction_cdms(catalog, table, covariances=covariances,
                                          pc_method=args.method, backend=args.backend):
            with atomic_write(os.path.join(args.output, f"{stem}.cdm")) as handle:
                handle.write(cdm.to_kvn())
        _note(f"{len(table)} CDMs written to {args.output}")
        return 0
    if args.format == "json":
        text = table_to_json(table, "conjunctions", meta)
    elif args.format == "csv":
        out = table
        if visibility is not None:
            columns = {k: v for k, v in table.columns.items() if k != "observable_from"}
            for site in sites:
                columns[f"observable_{site.name}"] = np.array(
                    [v[site.name]["observable_within_window"] for v in visibility])
            out = Table(columns, table.meta)
        text = table_to_csv(out)
    else:
        short = lambda v: v.replace("T", " ")[:23] if v else "-"  # noqa: E731
        columns = ["tca_utc", "norad_id_1", "name_1", "norad_id_2", "name_2",
                   "miss_distance_km", "relative_speed_km_s", "radial_km", "in_track_km",
                   "cross_track_km", "probability", "max_probability"]
        text = (f"# {len(table)} conjunctions below {args.threshold_km:g} km, "
                f"{start.iso()[0]} .. {end.iso()[0]} ({table.meta.get('mode')}); "
                "Pc with an assumed covariance unless one was given\n") + table_to_text(
            table, columns=columns,
            formats={"tca_utc": short, "miss_distance_km": "{:.3f}",
                     "relative_speed_km_s": "{:.2f}", "radial_km": "{:.3f}",
                     "in_track_km": "{:.3f}", "cross_track_km": "{:.3f}",
                     "probability": "{:.2e}", "max_probability": "{:.2e}"},
            headers={"tca_utc": "tca_utc", "miss_distance_km": "miss_km",
                     "relative_speed_km_s": "v_rel_km_s", "radial_km": "R_km",
                     "in_track_km": "I_km", "cross_track_km": "C_km", "probability": "Pc",
                     "max_probability": "max_Pc"})
        if visibility is not None:
            lines = []
            for row, vis in zip(table.records(), visibility):
                seen = [name for name, v in vis.items() if v["observable_within_window"]]
                if seen:
                    lines.append(f"#   {row['norad_id_1']} x {row['norad_id_2']} at "
                                 f"{row['tca_utc']}: observable from {', '.join(seen)}")
            text += "\n".join(lines) + ("\n" if lines else "")
    write_text(text, args.output)
    _note(f"{len(table)} conjunctions written" + (f" to {args.output}" if args.output else ""))
    return 0


def cmd_pc(args) -> int:
    from .cdm import CDMFormatError, cdm_pc, read_cdm
    from .io import meta_block, table_to_json, table_to_text, write_text

    results, failed = [], 0
    for path in args.files:
        try:
            results.append(cdm_pc(read_cdm(path), hbr_m=args.hbr_m, method=args.method))
        except (CDMFormatError, DebrisError, ValueError) as exc:
            failed += 1
            _note(f"skipped: {exc}")
    if not results:
        raise DebrisError("no CDM could be read")
    columns = {}
    for key in results[0]:
        values = [r[key] for r in results]
        if key in ("probability", "max_probability", "hard_body_radius_m", "miss_distance_km",
                   "cdm_probability"):
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
    return 0 if not failed else 1
