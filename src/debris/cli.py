"""The ``debris`` command line: a thin layer over the library.

Machine-readable output goes to stdout or to ``--output`` (written
atomically); notes, warnings and progress go to stderr. Bad input ends
the run with exit status 2 and a message naming what was wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
    from .io import meta_block, table_to_csv, table_to_json, table_to_text, write_text
    from .passes import find_passes

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
    failures = table.meta.get("sgp4_failures", {})
    if failures:
        examples = ", ".join(f"NORAD {k} (error {v})" for k, v in list(failures.items())[:5])
        _note(f"SGP4 failed for {len(failures)} objects during the window (decayed or invalid "
              f"elements; error 6 = decayed), they have no passes while failed: {examples}"
              + (" ..." if len(failures) > 5 else ""))
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
        text = table_to_json(table, "passes", meta)
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


def _progress(label):
    if not sys.stderr.isatty():
        return None
    import time

    began = time.monotonic()

    def report(done, total):
        elapsed = time.monotonic() - began
        left = elapsed / done * (total - done) if done else 0.0
        width = 30
        bar = "#" * int(width * done / total)
        print(f"\r{label} [{bar:<{width}}] {done}/{total} steps, {left:5.0f} s left",
              end="" if done < total else "\n", file=sys.stderr, flush=True)

    return report


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
                   progress=_progress("screening"))
    failures = table.meta.get("sgp4_failures", {})
    if failures:
        examples = ", ".join(f"NORAD {k} (error {v})" for k, v in list(failures.items())[:5])
        _note(f"SGP4 failed for {len(failures)} objects during the window (decayed or invalid "
              f"elements; error 6 = decayed); they drop out while failed: {examples}"
              + (" ..." if len(failures) > 5 else ""))
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


# ------------------------------------------------------------------------- parser
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
    pi.set_defaults(func=cmd_catalog_info)

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
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("pc", help="collision probability from CDMs (KVN or XML)")
    p.add_argument("files", nargs="+", help="CDM files")
    p.add_argument("--hbr-m", type=float, help="combined hard-body radius (m); default the "
                   "CDM's COMMENT HBR, else 20 m")
    p.add_argument("--method", choices=["foster", "chan"], default="foster")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    p.set_defaults(func=cmd_pc)

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
    p.set_defaults(func=cmd_schedule)
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status."""
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
