"""``debris sites`` and ``debris catalog info``, ``history``, ``import`` and ``uncertainty``."""

from __future__ import annotations

import datetime as dt
import json
import os

import numpy as np

from ..catalog import Catalog
from ..errors import DebrisError
from ..io.files import write_text
from ..io.tables import iso_text, jsonable, meta_block, table_to_json, table_to_text
from ..sites import known_sites, load_sites_toml
from ..table import Table
from ..timescale import Times, to_times
from ..uncertainty import (MODEL_DAYS, default_covariance, default_sigma_km, fit_uncertainty,
                           history_differences, read_histories, read_manoeuvres)
from .common import COUNT, note

__all__ = ["add_parsers", "DEFAULT_ARCHIVE"]

DEFAULT_ARCHIVE = "~/.local/share/debris/archive.sqlite"


def add_parsers(sub) -> None:
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
    ph.add_argument("norad", type=COUNT, help="NORAD catalogue number")
    ph.add_argument("--archive", default=DEFAULT_ARCHIVE)
    ph.add_argument("--format", choices=["table", "json"], default="table")
    ph.set_defaults(func=cmd_catalog_history)

    pm = csub.add_parser("import", help="store element-set history files in the archive, as "
                         "fetched sets")
    pm.add_argument("files", nargs="+", help="TLE files: each one object's sets over time")
    pm.add_argument("--archive", default=DEFAULT_ARCHIVE)
    pm.set_defaults(func=cmd_catalog_import)

    pu = csub.add_parser("uncertainty", help="an object's prediction uncertainty, learnt from "
                         "its element sets in the archive")
    pu.add_argument("norad", type=COUNT, help="NORAD catalogue number")
    pu.add_argument("--archive", default=DEFAULT_ARCHIVE)
    pu.add_argument("--age-days", default="1,3,7", help="comma-separated ages of the latest "
                    "set (days, > 0; default 1,3,7)")
    pu.add_argument("--at", help="instead: the latest set propagated to this UTC time")
    pu.add_argument("--manoeuvres", metavar="FILE", help="the operator's manoeuvre times "
                    "(- YYYY-MM-DD HH:MM:SS lines): errors across them are left out")
    pu.add_argument("--format", choices=["table", "json"], default="table")
    pu.set_defaults(func=cmd_catalog_uncertainty)


def with_archive_models(path, function, *args, **kwargs):
    """``function(*args, uncertainty=..., **kwargs)`` with the uncertainty models of the
    archive at `path` (``--uncertainty-archive``: each object's history, else its regime
    prior), the archive open for the call."""
    from ..archive import ArchiveModels  # sqlite only when asked

    with open_archive(path, must_exist=True) as archive:
        return function(*args, uncertainty=ArchiveModels(archive), **kwargs)


def open_archive(path, *, must_exist: bool = False):
    """The archive at `path` (``~`` expanded), or None; `must_exist` for the commands that
    only read it (they never create an empty one)."""
    # sqlite3 is loaded only by the commands that use the archive
    from ..archive import Archive

    if not path:
        return None
    path = os.path.expanduser(path)
    if must_exist and not os.path.isfile(path):
        raise DebrisError(f"{path}: no archive there (debris fetch and debris nightly create "
                          "and fill it; --archive names another)")
    return Archive(path)


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
    if args.format == "json":
        write_text(table_to_json(table, "sites", meta_block()), None)
    else:
        write_text(table_to_text(table, formats={"latitude_deg": "{:.6f}",
                                                 "longitude_deg": "{:.6f}",
                                                 "altitude_m": "{:.0f}"}), None)
    return 0


def cmd_catalog_info(args) -> int:
    if args.archive:
        if args.files:
            raise DebrisError("give catalogue files or --archive, not both")
        with open_archive(args.archive, must_exist=True) as archive:
            catalog = archive.catalog_for(
                args.date or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
                .isoformat() + "Z")
    else:
        catalog = Catalog.from_files(args.files, verify_checksums=not args.no_verify_checksums) \
            if args.files else Catalog.bundled()
    info = jsonable(catalog.info())
    info["object_types"] = {str(k): v for k, v in info["object_types"].items()}
    info["rejected_records"] = [
        {"source": r.source, "line": r.line_number, "norad_id": r.norad_id, "reason": r.reason}
        for r in catalog.rejected]
    info["sgp4_init_error_objects"] = catalog.init_error_report()
    if args.format == "json":
        write_text(json.dumps(info, indent=1) + "\n", None)
        return _usable(catalog)
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
    return _usable(catalog)


def _usable(catalog) -> int:
    """0, after the report, when the catalogue has a usable element set; else the error
    every command gives for such a catalogue."""
    if len(catalog) == 0:
        raise DebrisError("no usable element sets were loaded (every record was rejected; "
                          "the reasons are listed above)")
    return 0


def cmd_catalog_history(args) -> int:
    with open_archive(args.archive, must_exist=True) as archive:
        table = archive.history(args.norad)
    if args.format == "json":
        write_text(table_to_json(table, "history", meta_block(command="catalog history",
                                                              archive=args.archive)), None)
        return 0
    text = table_to_text(table, columns=["epoch_utc", "mean_motion_rev_day",
                                         "semi_major_axis_km", "perigee_km", "apogee_km",
                                         "inclination_deg", "manoeuvre", "manoeuvre_z",
                                         "delta_v_m_s", "decaying", "source"],
                         formats={"mean_motion_rev_day": "{:.8f}", "manoeuvre_z": "{:.0f}",
                                  "delta_v_m_s": "{:.3f}",
                                  "semi_major_axis_km": "{:.3f}", "perigee_km": "{:.1f}",
                                  "apogee_km": "{:.1f}", "inclination_deg": "{:.4f}"})
    write_text(text, None)
    return 0


def cmd_catalog_import(args) -> int:
    """Each file's element sets (one object's history) into the archive."""
    read = [(path, read_histories(path)) for path in args.files]  # all read before any is stored
    with open_archive(args.archive) as archive:
        for path, histories in read:
            for history in histories:
                catalog = Catalog.from_satrecs(history.satrecs)
                added = archive.add(catalog, source=f"import:{os.path.basename(path)}")
                note(f"{path}: {added} new element sets of NORAD {history.norad_id} "
                     f"({len(history.satrecs) - added} already there)")
    return 0


def cmd_catalog_uncertainty(args) -> int:
    """The object's uncertainty model as the archive knows it (its last year of sets, else
    its regime prior, else the fixed default), evaluated at the ages of the latest set (or
    at --at); with --manoeuvres, fitted on its sets with the operator's times left out."""
    with open_archive(args.archive, must_exist=True) as archive:
        history = archive.element_sets(args.norad)
        model = None if args.manoeuvres else archive.uncertainty_model(args.norad)
    latest = history.epoch_jd[-1]
    if args.at:
        when = to_times(args.at)
        ages = [float((when.jd[0] - latest) + when.fr[0])]
        if not 0 < ages[0] <= 30:
            raise DebrisError(f"--at {args.at}: {ages[0]:.1f} days from the latest element set "
                              f"({_jd_text(latest)}); the model holds from 0 to 30 days after "
                              "it")
    else:
        try:
            ages = [float(a) for a in args.age_days.split(",")]
        except ValueError:
            ages = []
        if not ages or not all(0 < a <= 30 for a in ages):
            raise DebrisError(f"--age-days {args.age_days}: ages must be > 0 and <= 30 days")
    recent = history.since(latest - MODEL_DAYS)
    if args.manoeuvres:
        model = fit_uncertainty(history_differences(
            recent, manoeuvres=read_manoeuvres(args.manoeuvres)), args.norad)
    if model is None:
        covariance, sigma = default_covariance, default_sigma_km
    else:
        covariance, sigma = model.covariance, model.sigma_km
    out = {"norad_id": args.norad, "source": "default" if model is None else model.source,
           "sets": len(recent.satrecs), "errors": 0 if model is None else model.samples,
           "latest_epoch_utc": _jd_text(latest),
           "model": None if model is None else model.as_dict(),
           "covariances": [{"age_days": a, "rtn_km2": covariance(a).tolist(),
                            "sigma_rtn_km": sigma(a).tolist()} for a in ages]}
    if args.format == "json":
        write_text(json.dumps(out, indent=1) + "\n", None)
        return 0
    how = {"history": f"from {out['sets']} element sets of the last {MODEL_DAYS:g} days "
                      f"({out['errors']} prediction errors)",
           "regime": f"the regime prior ({model.objects if model else 0} objects in the "
                     "nearest orbits; too few sets of its own)",
           "default": "the fixed default model (no history, no object in its regime)"}
    lines = [f"# NORAD {args.norad}: uncertainty {how[out['source']]}; latest set "
             f"{out['latest_epoch_utc']}",
             "# 1-sigma position error of the latest set (km), radial, transverse "
             "(along-track), normal"]
    lines += [f"age {c['age_days']:6.2f} d: R {c['sigma_rtn_km'][0]:8.3f}  "
              f"T {c['sigma_rtn_km'][1]:8.3f}  N {c['sigma_rtn_km'][2]:8.3f}"
              for c in out["covariances"]]
    write_text("\n".join(lines) + "\n", None)
    return 0


def _jd_text(jd: float) -> str:
    """ISO text of a Julian date."""
    whole = np.floor(jd - 0.5) + 0.5
    return iso_text(Times(np.array([whole]), np.array([jd - whole])))[0]
