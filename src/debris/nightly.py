"""The nightly pipeline: elements, passes for every site, screening, schedules, a report.

``debris nightly --config FILE.toml`` (example: ``examples/nightly_tajikistan.toml``)::

    [nightly]
    output_folder = "nightly"          # a dated folder per night inside it
    catalog = "../tle/celestrak_on_orbit_2024-11-01.omm.csv"   # optional fixed file
    fetch_group = "active"             # optional: fetch from CelesTrak first
    archive = "~/.local/share/debris/archive.sqlite"
    sites = ["dushanbe", "sanglokh", "hissar"]
    sites_file = "sites.toml"          # optional: your own sites (timezone, horizon mask)
    timezone = "local"                 # optional: report times in the first site's zone
    sun_altitude_deg = -12
    min_elevation_deg = 10
    dask = "local:2"                   # optional: passes and screening on a Dask cluster

    [screening]
    primaries = [25544, 48274]          # or "payloads"
    threshold_km = 5
    days = 1

    [[schedule]]
    site = "dushanbe"
    telescope_file = "telescope_dushanbe.toml"

    [observations]                     # optional: the telescope's own observations
    folder = "observations"            # new files (IOD, UK, R.D.E., TDM, CSV) read each night
    stations = ["sites.txt"]           # station lists (NNNN XX lat lon elev_m name)
    min_observations = 5               # fit new elements of objects observed this often

Observations (:mod:`debris.observations.night`): new files are identified against the night's
catalogue, objects observed often enough get fitted elements (stored in the archive under the
source ``observatory``, never replacing public sets) and their passes are predicted again;
uncorrelated tracks get initial orbits; the report gains a section.

Elements: fetched when ``fetch_group`` is set and not ``--offline`` (a failed fetch falls back,
saying so), else the ``catalog`` file, else the archive as of the night, else the bundled
catalogue. Paths are relative to the config file. The dated folder (``YYYY-MM-DD``) is built
beside the final one and moved into place when complete; a re-run replaces it whole. A log
(``nightly.log``) and a summary (``run.json``) go into it.

A night never replaces good results with worse ones: a catalogue with no usable objects,
with fewer than ``min_objects_fraction`` (default 0.5) of the last good night's objects (from
its ``run.json``), or whose median element epoch lies more than ``max_element_age_days``
(default 7) from the night fails the run (exit status 2) before anything is computed; so
does any error later on. The previous folders stay as they were, stderr says why, and the
failed run's log is kept as ``YYYY-MM-DD.failed.log`` beside them.

The stages hand their results to each other in memory (passes to the schedules,
conjunctions to the schedules' weights, everything to the report); files are written only
as outputs.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .archive import Archive
from .magnitude import StandardMagnitudes
from .catalog import Catalog
from .constants import DAY_S
from .conjunctions import conjunction_cdms, screen
from .errors import DebrisError, FetchError, NightlyConfigError, NightlyRunError
from .io.files import atomic_folder, read_toml, write_text
from .io.tables import iso_text, meta_block, table_to_csv, table_to_json
from .passes import PASS_DECIMALS, find_passes
from .progress import progress_bar
from .report import render_report, write_png_charts
from .schedule import pointing_track, schedule_night, weights_from_conjunctions
from .sites import load_sites_toml, parse_site, time_zone
from .sun import coming_night, moon_tonight, night_date, night_window
from .table import Table
from .telescope import load_telescopes
from .timescale import Times

__all__ = ["NightlyConfigError", "NightlyRunError", "load_config", "run_nightly", "RUN_SUMMARY",
           "MIN_OBJECTS_FRACTION", "MAX_ELEMENT_AGE_DAYS"]

#: Each published night holds this summary; the next night compares its object count.
RUN_SUMMARY = "run.json"
#: A night with fewer usable objects than this fraction of the last good night's fails.
MIN_OBJECTS_FRACTION = 0.5
#: A night whose elements' median epoch is further than this from the night fails.
MAX_ELEMENT_AGE_DAYS = 7.0


def load_config(path) -> dict:
    """Read and check a nightly TOML configuration."""
    path = Path(path)
    data = read_toml(path, NightlyConfigError)
    night = data.get("nightly")
    if not isinstance(night, dict):
        raise NightlyConfigError(f"{path}: missing [nightly] table")
    base = path.parent

    def rel(value):
        return str((base / os.path.expanduser(value)).resolve()) if value else None

    sites = night.get("sites")
    if not isinstance(sites, list) or not sites or not all(isinstance(s, str) for s in sites):
        raise NightlyConfigError(f"{path}: [nightly] sites = {sites!r}; expected a list of "
                                 "site names or 'LAT,LON[,ALT_M]' strings")
    screening = data.get("screening", {})
    if not isinstance(screening, dict):
        raise NightlyConfigError(f"{path}: screening = {screening!r}; expected a [screening] "
                                 "table")
    primaries = screening.get("primaries", "payloads")
    if not (primaries == "payloads" or (isinstance(primaries, list)
                                        and all(isinstance(p, int) for p in primaries))):
        raise NightlyConfigError(f"{path}: [screening] primaries = {primaries!r}; expected a "
                                 "list of NORAD ids or \"payloads\"")
    schedules = data.get("schedule", [])
    if not isinstance(schedules, list):
        raise NightlyConfigError(f"{path}: schedule = {schedules!r}; expected [[schedule]] "
                                 "tables")
    for k, entry in enumerate(schedules):
        if not isinstance(entry, dict) or "site" not in entry or "telescope_file" not in entry:
            raise NightlyConfigError(f"{path}: [[schedule]] #{k + 1} needs site and "
                                     "telescope_file")
        if entry["site"] not in sites:
            raise NightlyConfigError(f"{path}: [[schedule]] #{k + 1} site = "
                                     f"{entry['site']!r} is not one of [nightly] sites "
                                     f"{sites}; add it there")
    config = {
        "observations": _observation_options(path, data.get("observations"), rel),
        "dask": _dask_option(path, night.get("dask")),
        "path": str(path), "output_folder": rel(night.get("output_folder", "nightly")),
        "catalog": rel(night.get("catalog")), "fetch_group": night.get("fetch_group"),
        "fetch_format": night.get("fetch_format", "tle"),
        "archive": os.path.expanduser(night["archive"]) if night.get("archive") else None,
        "sites": sites, "sites_file": rel(night.get("sites_file")),
        "timezone": _timezone_option(path, night.get("timezone")),
        "sun_altitude_deg": _number(path, night, "nightly", "sun_altitude_deg", -12.0,
                                    (-90.0, 0.0)),
        "min_elevation_deg": _number(path, night, "nightly", "min_elevation_deg", 10.0,
                                     (0.0, 90.0)),
        "min_objects_fraction": _number(path, night, "nightly", "min_objects_fraction",
                                        MIN_OBJECTS_FRACTION, (0.0, 1.0)),
        "max_element_age_days": _number(path, night, "nightly", "max_element_age_days",
                                        MAX_ELEMENT_AGE_DAYS, (0.0, 36500.0)),
        "primaries": primaries,
        "threshold_km": _number(path, screening, "screening", "threshold_km", 5.0),
        "days": _number(path, screening, "screening", "days", 1.0),
        "schedules": [{"site": e["site"], "telescope_file": rel(e["telescope_file"])}
                      for e in schedules],
    }
    if not config["threshold_km"] > 0 or not config["days"] > 0:
        raise NightlyConfigError(f"{path}: [screening] threshold_km and days must be positive")
    return config


def _dask_option(path, value):
    """``dask = "local[:N]"`` or a scheduler address (None when absent)."""
    if value is None:
        return None
    if not isinstance(value, str) or not (value.startswith("local") or "://" in value):
        raise NightlyConfigError(f"{path}: [nightly] dask = {value!r}; expected \"local\", "
                                 "\"local:N\" or a scheduler address such as "
                                 "\"tcp://HOST:8786\"")
    return value


def _observation_options(path, table, rel):
    """The ``[observations]`` table (None when absent)."""
    if table is None:
        return None
    if not isinstance(table, dict) or not isinstance(table.get("folder"), str):
        raise NightlyConfigError(f"{path}: [observations] needs folder = \"PATH\" (the folder "
                                 "the telescope's observation files arrive in)")
    stations = table.get("stations", [])
    if isinstance(stations, str):
        stations = [stations]
    if not isinstance(stations, list) or not all(isinstance(s, str) for s in stations):
        raise NightlyConfigError(f"{path}: [observations] stations = {stations!r}; expected a "
                                 "list of station-list files")
    unknown = set(table) - {"folder", "stations", "min_observations"}
    if unknown:
        raise NightlyConfigError(f"{path}: [observations] has unknown keys "
                                 f"{', '.join(sorted(unknown))}; allowed: folder, stations, "
                                 "min_observations")
    return {"folder": rel(table["folder"]), "stations": [rel(s) for s in stations],
            "min_observations": _number(path, table, "observations", "min_observations", 5.0,
                                        (3.0, 1e6))}


def _number(path, table: dict, section: str, key: str, default: float,
            bounds=(None, None)) -> float:
    """A number of the config, or an error naming the file, table, key and range."""
    value = table.get(key, default)
    low, high = bounds
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (low is not None and value < low) or (high is not None and value > high)):
        span = f" in {low:g}..{high:g}" if low is not None else ""
        raise NightlyConfigError(f"{path}: [{section}] {key} = {value!r}; expected a "
                                 f"number{span}")
    return float(value)


def _elements(config, night_start: Times, offline, log):
    """The night's catalogue and where it came from (see the module docstring)."""
    if config["fetch_group"] and not offline:
        # the only network code (urllib, http: 40 ms to import), loaded only to fetch
        from .fetch import fetch_celestrak

        target = Path(config["output_folder"]) / f"elements_{config['fetch_group']}." + (
            "tle" if config["fetch_format"] in ("tle", "3le") else config["fetch_format"])
        archive = Archive(config["archive"]) if config["archive"] else None
        try:
            result = fetch_celestrak(target, group=config["fetch_group"],
                                     fmt=config["fetch_format"], archive=archive)
            log.info("elements: %d objects from %s%s", result.objects, result.url,
                     " (recent copy kept)" if result.reused else "")
            return Catalog.from_file(target), f"{result.url} ({result.fetched_utc})"
        except FetchError as exc:
            log.warning("fetch failed, using older data: %s", exc)
            if target.exists():
                return Catalog.from_file(target), f"{target} (last good download)"
        finally:
            if archive is not None:
                archive.close()
    if config["catalog"]:
        log.info("elements: %s%s", config["catalog"], " (offline)" if offline else "")
        return Catalog.from_file(config["catalog"]), config["catalog"]
    if config["archive"] and Path(config["archive"]).exists():
        with Archive(config["archive"]) as archive:
            catalog = archive.catalog_for(night_start)
        log.info("elements: archive %s as of %s (offline)", config["archive"],
                 iso_text(night_start)[0])
        return catalog, f"archive {config['archive']}"
    log.info("elements: the bundled catalogue (offline, no catalogue configured)")
    return Catalog.bundled(), "bundled catalogue"


def _timezone_option(path, value):
    """``timezone``: an IANA zone, ``local`` (the first site's) or none (UTC)."""
    if value is None or value == "local":
        return value
    if not isinstance(value, str):
        raise NightlyConfigError(f"{path}: [nightly] timezone = {value!r}; expected an IANA "
                                 "time zone name or \"local\"")
    try:
        time_zone(value)
    except DebrisError as exc:
        raise NightlyConfigError(f"{path}: [nightly] timezone: {exc}") from None
    return value


def _report_zone(config, tz, sites):
    """The report's zone: `tz` (``--tz``) before the config's ``timezone``; ``local`` is the
    first site's own; None is UTC."""
    name = tz or config["timezone"]
    if name is None:
        return None
    if name == "local":
        if not sites[0].timezone:
            raise NightlyConfigError(f"timezone local: site {sites[0].name!r} has no "
                                     "timezone (give one in its TOML, or an IANA name)")
        name = sites[0].timezone
    return time_zone(name)


@dataclass
class NightState:
    """What the stages of a night's run share (passed to each stage, never written).

    Attributes
    ----------
    night : str
        The night's date (``YYYY-MM-DD``, local evening).
    start, end : Times
        The dark window (UTC).
    sites : list of Site
    elements : str
        Where the element sets came from (for every output's meta).
    std_mags : StandardMagnitudes or None
        The observatory's own standard magnitudes from the archive, if any.
    executor : object or None
        The Dask client of the config's ``dask`` key, while the searches run.
    """

    night: str
    start: Times
    end: Times
    sites: list
    elements: str
    std_mags: StandardMagnitudes | None = None
    executor: object = None


def run_nightly(config_path, *, night: str | None = None, offline: bool = False,
                verbose: bool = False, tz: str | None = None) -> Path:
    """Run the whole night's jobs; returns the dated output folder. `tz` (an IANA zone or
    ``local``) gives the report's times in that zone as well as UTC."""
    began = time.monotonic()
    config = load_config(config_path)
    extra = load_sites_toml(config["sites_file"]) if config["sites_file"] else None
    sites = [parse_site(s, extra) for s in config["sites"]]
    config["zone"] = _report_zone(config, tz, sites)
    # none or "tonight": the night under way, else the coming one (as passes picks it)
    night = coming_night(sites[0], config["sun_altitude_deg"]) if night is None else \
        night_date(sites[0], night, config["sun_altitude_deg"])
    start, end = night_window(sites[0], night, config["sun_altitude_deg"])
    out_root = Path(config["output_folder"])
    with atomic_folder(out_root / night) as work:
        log, handler = _log(work, verbose)
        try:
            _run_stages(config, night, sites, start, end, offline, work, log, began)
        except BaseException:  # keep the log of a failed run beside the untouched nights
            handler.close()
            write_text((work / "nightly.log").read_text(encoding="utf-8"),
                       out_root / f"{night}.failed.log")
            raise
        finally:
            handler.close()
            log.handlers.clear()
    failed_log = out_root / f"{night}.failed.log"
    if failed_log.exists():
        failed_log.unlink()
    return out_root / night


def _run_stages(config, night, sites, start, end, offline, work: Path, log, began) -> None:
    """Every stage of the night into the work folder; a failure raises (and the work folder
    is discarded by the caller)."""
    try:
        catalog, elements_source = _elements(config, start, offline, log)
        _check_catalogue(config, catalog, start, night, Path(config["output_folder"]), log)
        leo = catalog.filter(leo=True)
        log.info("night %s: %s .. %s; %d objects (%d LEO)", night, iso_text(start)[0],
                 iso_text(end)[0], len(catalog), len(leo))
        info = NightState(night, start, end, sites, elements_source, _std_mags(config, log))
        if config["dask"]:
            from .cluster import connect  # the dask extra: only when the config asks

            info.executor = connect(config["dask"])
            log.info("dask: %s", info.executor.address)
        try:
            visible = _passes(config, leo, info, work, log)
            conj, screen_end, primaries = _screening(config, catalog, info, work, log)
        finally:
            if info.executor is not None:
                info.executor.close()
        observations, telescope_names, objectives = _schedules(config, leo, info, visible,
                                                               conj, work, log)
        tracking = _tracking(config, catalog, info, work, log)
        meta = {"night": night, "dark window (UTC)": f"{iso_text(start)[0]} .. "
                f"{iso_text(end)[0]}", "elements": elements_source, "objects": len(catalog),
                "LEO objects": len(leo), "sites": ", ".join(s.name for s in sites),
                "visible passes": len(visible), "conjunctions": len(conj),
                "screen_start_utc": start, "screen_end_utc": screen_end,
                "observations": len(observations), "objectives": json.dumps(objectives),
                "created_utc": meta_block()["created_utc"],
                "wall time (s)": f"{time.monotonic() - began:.1f}"}
        night_info = {"date": night, "start": start, "end": end,
                      "moon": moon_tonight(sites[0], start, end),
                      "sun_limit_deg": config["sun_altitude_deg"]}
        site_names = [s.name for s in sites]
        shown = {"zone": config["zone"],
                 "horizons": {s.name: s.horizon for s in sites if s.horizon is not None}}
        write_text(render_report(meta, visible, observations, conj, site_names,
                                 telescope_names, night_info, tracking, **shown),
                   work / "report.html")
        pngs = write_png_charts(work, visible, observations, site_names, telescope_names,
                                night_info, **shown)
        write_text(json.dumps({"night": night, "objects": len(catalog), "leo_objects": len(leo),
                               "elements": elements_source, "visible_passes": len(visible),
                               "conjunctions": len(conj), "observations": len(observations),
                               "observation_files": tracking["seen"] if tracking else
                               _seen_files(Path(config["output_folder"]), night),
                               "observation_files_quarantined": tracking["quarantined"]
                               if tracking else [],
                               "created_utc": meta["created_utc"]}, indent=1) + "\n",
                   work / RUN_SUMMARY)
        log.info("report written (%d PNG charts); %.1f s", len(pngs),
                 time.monotonic() - began)
    except BaseException as exc:
        log.error("run failed, the previous output is left as it was: %s", exc)
        raise


def _std_mags(config, log):
    """Standard magnitudes with the observatory's own (fitted from the observed magnitudes
    in the archive, objects with 3 or more), or None (RCS and type defaults)."""
    if not config["archive"] or not Path(config["archive"]).exists():
        return None
    with Archive(config["archive"]) as archive:
        observed = archive.observed_std_mags()
    log.info("magnitudes: %d objects with standard magnitudes from our observations",
             len(observed))
    return StandardMagnitudes(observed=observed) if observed else None


def _check_catalogue(config, catalog, start, night, out_root: Path, log) -> None:
    """Refuse a night that would be worse than the last good one (see :data:`RUN_SUMMARY`):
    no usable objects, fewer than ``min_objects_fraction`` of the last good night's, or a
    median element epoch more than ``max_element_age_days`` from the night."""
    if len(catalog) == 0:
        raise NightlyRunError("the catalogue has no usable element sets; the previous "
                              "night's output is left as it was")
    previous = _last_good_objects(out_root, night)
    if previous and len(catalog) < config["min_objects_fraction"] * previous[1]:
        raise NightlyRunError(
            f"the catalogue has {len(catalog)} usable objects, fewer than "
            f"{config['min_objects_fraction']:g} x the {previous[1]} of the last good night "
            f"({previous[0]}); a truncated download? Check the elements, or lower "
            "[nightly] min_objects_fraction. The previous output is left as it was")
    age = float(np.median(np.abs(catalog.epoch_age_days(start))))
    if age > config["max_element_age_days"]:
        raise NightlyRunError(
            f"the elements' median epoch is {age:.1f} days from the night {night} (limit "
            f"{config['max_element_age_days']:g} days, [nightly] max_element_age_days); "
            "SGP4 errors grow by kilometres per day: fetch fresh elements (fetch_group) or "
            "give --night near the epochs. The previous output is left as it was")
    log.info("catalogue checks: %d objects (last good night: %s), median epoch %.1f days "
             "from the night", len(catalog), previous[1] if previous else "none", age)


def _seen_files(out_root: Path, night: str) -> list:
    """The observation files the last good night had read (name|size|mtime keys)."""
    if not out_root.is_dir():
        return []
    for folder in sorted(out_root.iterdir(), reverse=True):
        summary = folder / RUN_SUMMARY
        if folder.name.startswith(".") or folder.name == night or not summary.is_file():
            continue
        try:
            return list(json.loads(summary.read_text(encoding="utf-8"))["observation_files"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return []


def _tracking(config, catalog, info: NightState, work: Path, log):
    """The observation stage (None without ``[observations]``), with the fitted objects'
    passes predicted again from their new elements."""
    options = config["observations"]
    if options is None:
        return None
    from .observations.night import observation_stage  # astropy frames, numba: when used

    seen = _seen_files(Path(config["output_folder"]), info.night)
    archive = Archive(config["archive"]) if config["archive"] else None
    try:
        summary = observation_stage(options, catalog, info.sites, seen, work, log, archive)
    finally:
        if archive is not None:
            archive.close()
    for key, label, out in (("fitted", "updated_passes", "passes_fitted.csv"),
                            ("linked_objects", "linked_passes", "passes_linked.csv")):
        summary[label] = []  # tonight's passes from our own elements: fitted, and linked
        if summary.get(key):  # (objects known only from our uncorrelated tracks)
            lines = [x for f in summary[key] for x in (f["name"], f["tle_line1"],
                                                       f["tle_line2"])]
            passes = find_passes(Catalog.from_tle_lines(lines, source=key), info.sites,
                                 info.start, info.end,
                                 min_elevation_deg=config["min_elevation_deg"],
                                 sun_altitude_deg_limit=config["sun_altitude_deg"])
            write_text(table_to_csv(passes), work / out)
            summary[label] = passes.records()
    return summary


def _last_good_objects(out_root: Path, night: str):
    """(night, objects) of the newest earlier published night with a run summary, or None."""
    if not out_root.is_dir():
        return None
    for folder in sorted(out_root.iterdir(), reverse=True):
        summary = folder / RUN_SUMMARY
        if folder.name.startswith(".") or not summary.is_file():
            continue
        try:
            return folder.name, int(json.loads(summary.read_text(encoding="utf-8"))["objects"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def _log(work: Path, verbose: bool):
    """The run's logger, writing ``nightly.log`` in the work folder (and stderr if verbose)."""
    log = logging.getLogger(f"debris.nightly.{id(work)}")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler = logging.FileHandler(work / "nightly.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    if verbose:
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("debris nightly: %(message)s"))
        log.addHandler(console)
    return log, handler


def _passes(config, leo, info: NightState, work: Path, log) -> Table:
    """Visible passes at every site: CSV per site, one JSON; returns the visible passes."""
    sites, start, end = info.sites, info.start, info.end
    options = dict(min_elevation_deg=config["min_elevation_deg"],
                   sun_altitude_deg_limit=config["sun_altitude_deg"],
                   std_mag_table=info.std_mags)
    passes = find_passes(leo, sites, start, end, executor=info.executor, **options)
    visible = passes.take(passes["visible"])
    for site in sites:
        mine = visible.take(visible["site"] == site.name)
        write_text(table_to_csv(mine), work / f"passes_{site.name}.csv")
    write_text(table_to_json(visible, "passes", meta_block(
        command="nightly passes", night=info.night,
        window={"start_utc": iso_text(start)[0], "end_utc": iso_text(end)[0]},
        sites=[s.as_dict() for s in sites], elements=info.elements), PASS_DECIMALS),
        work / "passes.json")
    log.info("passes: %d visible of %d", len(visible), len(passes))
    return visible


def _screening(config, catalog, info: NightState, work: Path, log):
    """Screening of the primaries over the configured days: JSON, CSV and CDMs; returns the
    conjunctions, the end of the window and the primaries."""
    start = info.start
    known = set(catalog.norad_id.tolist())
    primaries = (catalog.norad_id[catalog.object_type == "PAYLOAD"].tolist()
                 if config["primaries"] == "payloads"
                 else [p for p in config["primaries"] if p in known])
    if config["primaries"] != "payloads" and len(primaries) < len(config["primaries"]):
        missing = sorted(set(config["primaries"]) - set(primaries))
        log.warning("primaries not in the catalogue, not screened: %s", missing)
    screen_end = start.shift_seconds(config["days"] * DAY_S)
    conj_meta = meta_block(command="nightly screen", night=info.night,
                           window={"start_utc": iso_text(start)[0],
                                   "end_utc": iso_text(screen_end)[0]},
                           primaries=len(primaries), threshold_km=config["threshold_km"],
                           elements=info.elements)
    if primaries:
        conj = screen(catalog, start, screen_end, config["threshold_km"],
                      primaries=primaries, progress=progress_bar("screening"),
                      executor=info.executor)
    else:  # nothing to screen: an empty table with the right columns
        conj = screen(catalog.subset([]), start, screen_end, config["threshold_km"])
    write_text(table_to_json(conj, "conjunctions", conj_meta), work / "conjunctions.json")
    write_text(table_to_csv(conj), work / "conjunctions.csv")
    (work / "cdm").mkdir()
    for stem, cdm in conjunction_cdms(catalog, conj):
        write_text(cdm.to_kvn(), work / "cdm" / f"{stem}.cdm")
    log.info("screening: %d conjunctions below %g km with %d primaries over %g days",
             len(conj), config["threshold_km"], len(primaries), config["days"])
    return conj, screen_end, primaries


def _schedules(config, leo, info: NightState, visible: Table, conj: Table, work: Path,
               log):
    """Each configured telescope schedule, weighted by the conjunctions: JSON, CSV and
    pointing tracks; returns all observations, the telescopes' names and objectives.

    The night's passes are handed to the schedule when they were found with the telescopes'
    own elevation limit; with a lower one they would hold the same windows but cost more
    (1 s sampling of the low parts: 18 s instead of 15 s for the example night), so the
    schedule then finds its passes at its limit."""
    weights = weights_from_conjunctions(conj)
    observations, telescope_names, objectives = [], [], {}
    for entry in config["schedules"]:
        site = parse_site(entry["site"])
        telescopes = load_telescopes(entry["telescope_file"])
        lowest = min(t.min_elevation_deg for t in telescopes)
        mine = (visible if lowest == config["min_elevation_deg"]
                and site.name in {s.name for s in info.sites} else None)
        table, tracks = schedule_night(leo, site, info.start, info.end, telescopes,
                                       weights=weights, passes=mine,
                                       std_mag_table=info.std_mags,
                                       sun_altitude_deg_limit=config["sun_altitude_deg"])
        tag = site.name
        write_text(table_to_json(table, "observations", meta_block(
            command="nightly schedule", night=info.night, site=site.as_dict(),
            objective=table.meta["telescopes"])), work / f"schedule_{tag}.json")
        write_text(table_to_csv(table), work / f"schedule_{tag}.csv")
        write_text(table_to_csv(pointing_track(leo, site, info.start, tracks)),
                   work / f"tracks_{tag}.csv")
        observations.append(table)
        telescope_names += [t.name for t in telescopes]
        objectives.update(table.meta["telescopes"])
        log.info("schedule %s: %s", tag, json.dumps(table.meta["telescopes"]))
    if not observations:
        return _no_observations(), telescope_names, objectives
    return Table.concat(observations), telescope_names, objectives


def _no_observations() -> Table:
    nowhere = Times(np.empty(0), np.empty(0))
    return Table({"telescope": np.empty(0, str), "start_utc": nowhere, "end_utc": nowhere})


