"""``debris fit`` and ``debris iod``: orbits from the observatory's own observations."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from ..catalog import Catalog
from ..catalog_formats import catalog_format, catalog_formats
from ..constants import DAY_S
from ..errors import DebrisError
from ..io.files import write_text
from ..io.tables import iso_text, meta_block
from ..observations import fit_orbit, identify, initial_orbit, observation_geometry
from ..observations.identify import reported_numbers
from ..observations.linking import link_tracks
from ..observations.quality import NUMERIC_FAILURES, attempt
from ..timescale import Times, to_times
from ..tle import tle_lines
from .common import EXIT_SKIPPED, add_output, load_catalog, note, ranged
from .observation_input import exit_status, load_observations

__all__ = ["fit_parser_options", "cmd_fit", "cmd_iod", "fit_record", "element_formats",
           "elements_text"]

#: NORAD numbers given to objects found by ``debris iod`` without a reported number.
ANALYST_BASE = 80000


def fit_parser_options(p) -> None:
    p.add_argument("--norad", type=ranged(1, 339999, integer=True), required=True,
                   help="NORAD number of the object, 1..339999")
    p.add_argument("--elements", nargs="+", metavar="FILE", help="starting elements (TLE/OMM; "
                   "default: --catalog, else the bundled catalogue)")
    p.add_argument("--epoch", help="epoch of the fitted elements, ISO-8601 UTC (default: the "
                   "last observation)")
    p.add_argument("--fit-bstar", choices=["auto", "yes", "no"], default="auto",
                   help="fit B* (auto: on arcs of 3 days or more)")
    add_output(p, element_formats(), default="tle")


def fit_record(fit, observations, rows, norad, name) -> dict:
    """The JSON fields of a fit (and the residual of every observation it was given)."""
    res = fit.residuals
    iso = iso_text(observations["time"][rows])
    residual_rows = [{"file": str(observations["file"][r]), "line": int(observations["line"][r]),
                      "time_utc": iso[k], "used": bool(fit.used[k]),
                      "ra_residual_arcsec": round(float(res["ra_arcsec"][k]), 3),
                      "dec_residual_arcsec": round(float(res["dec_arcsec"][k]), 3),
                      "cross_track_arcsec": round(float(res["cross_arcsec"][k]), 3),
                      "along_track_s": round(float(res["along_s"][k]), 4)}
                     for k, r in enumerate(rows)]
    return {"norad_id": int(norad), "name": name, "tle_line1": fit.tle_line1,
            "tle_line2": fit.tle_line2,
            "epoch_utc": iso_text(Times.from_jd(fit.satrec.jdsatepoch,
                                                fit.satrec.jdsatepochF))[0],
            "rms_arcsec": round(fit.rms_arcsec, 3),
            "observations_used": int(fit.used.sum()),
            "observations_rejected": int((~fit.used).sum()), "iterations": fit.iterations,
            "converged": bool(fit.converged), "bstar_fitted": bool(fit.fit_bstar),
            "sigmas": {k: float(v) for k, v in fit.sigmas.items()}, "residuals": residual_rows}


def element_formats() -> list:
    """The element-set formats ``fit`` and ``iod`` write: every catalogue format with a
    writer (:mod:`debris.catalog_formats`), ``omm`` (KVN, as before) and ``json``."""
    return [*(name for name, spec in catalog_formats().items() if spec.write), "omm", "json"]


def elements_text(format: str, satrecs, names, norad_ids, intl_designators) -> str:
    """Element sets as the text of a catalogue format (``omm`` is ``omm-kvn``)."""
    catalog = Catalog.from_satrecs(satrecs, names, norad_ids, intl_designators)
    return catalog_format("omm-kvn" if format == "omm" else format).write(catalog)


def _rows_of(observations, catalog, stations, norad) -> np.ndarray:
    reported = reported_numbers(observations, catalog)
    rows = np.flatnonzero(reported == norad)
    if rows.size:
        return rows
    table, _ = identify(observations, catalog, stations)
    rows = np.flatnonzero(table["norad_id"] == norad)
    if rows.size:
        note(f"{rows.size} observation(s) identified as NORAD {norad}")
    return rows


#: Furthest an epoch of fitted elements may lie from the observations (days): SGP4 elements
#: describe the orbit near their epoch, and drag makes them worthless far from it.
MAX_EPOCH_OFFSET_DAYS = 30.0


def _epoch(text: str, observations) -> Times:
    """The ``--epoch`` time, refused when it lies far outside the observations' span."""
    epoch = to_times(text)
    seconds = observations["time"].seconds_since(epoch)
    gap = max(0.0, float(seconds.min()), -float(seconds.max())) / DAY_S
    if gap > MAX_EPOCH_OFFSET_DAYS:
        raise DebrisError(f"--epoch {text} is {gap:.0f} days from the observations "
                          f"({iso_text(observations['time'][[int(np.argmin(np.abs(seconds)))]])[0]}"
                          f" is the nearest); give an epoch within {MAX_EPOCH_OFFSET_DAYS:g} "
                          "days of them")
    return epoch


def cmd_fit(args) -> int:
    obs, stations, skipped = load_observations(args)
    catalog = load_catalog(args.catalog)
    start_catalog = Catalog.from_files(args.elements) if args.elements else catalog
    try:
        start = start_catalog.satrecs[start_catalog.index_of(args.norad)]
        name = str(start_catalog.name[start_catalog.index_of(args.norad)])
        # the catalogue's designator (YYYY-NNNP, as OMMs write it), else the observations'
        known = str(start_catalog.intl_designator[start_catalog.index_of(args.norad)])
    except KeyError:
        raise DebrisError(f"NORAD {args.norad} is not in the starting elements "
                          f"({', '.join(map(str, start_catalog.sources or ['<bundled>']))}); "
                          "give --elements FILE with its elements") from None
    rows = _rows_of(obs, catalog, stations, args.norad)
    if rows.size < 3:
        raise DebrisError(f"NORAD {args.norad}: {rows.size} observation(s) of it in "
                          f"{', '.join(args.observations)}; a fit needs at least 3")
    sub = obs.take(rows)
    geometry = observation_geometry(sub, stations)
    epoch = _epoch(args.epoch, sub) if args.epoch else None
    fit, problems = attempt(fit_orbit, geometry, start, sigma_arcsec=sub["sigma_arcsec"],
                            epoch=epoch, norad_id=args.norad, station=sub["station"],
                            resolution_arcsec=sub["resolution_arcsec"],
                            fit_bstar={"auto": None, "yes": True, "no": False}[args.fit_bstar],
                            intl_designator=str(sub["intl_designator"][0]))
    if fit is not None:
        note(f"NORAD {args.norad}: {int(fit.used.sum())} of {len(rows)} observations used, "
             f"RMS {fit.rms_arcsec:.2f} arcsec, {fit.iterations} iterations"
             + ("" if fit.converged else " (did not converge)"))
    if problems:
        raise DebrisError(f"NORAD {args.norad}: the fit failed: " + "; ".join(problems)
                          + "; nothing was written")
    if args.format != "json":
        text = elements_text(args.format, [fit.satrec], [name], [args.norad],
                             [known or str(sub["intl_designator"][0])])
    else:
        doc = {"meta": meta_block(command="fit", inputs=list(args.observations),
                                  elements=[str(s) for s in (start_catalog.sources
                                                             or ["<bundled>"])])}
        doc.update(fit_record(fit, sub, np.arange(len(sub)), args.norad, name))
        text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    write_text(text, args.output)
    return exit_status(skipped)


def cmd_iod(args) -> int:
    obs, stations, skipped = load_observations(args)
    catalog = load_catalog(args.catalog)
    table, tracks = identify(obs, catalog, stations)
    reported = table["reported_norad_id"]
    wanted = [int(tracks["track"][t]) for t in range(len(tracks))
              if args.all or tracks["norad_id"][t] < 0]
    groups = _iod_groups(table, wanted, stations, args.link_gap_days)
    results, failed, elements, used = [], [], [], set()
    for k, (rows, link) in enumerate(groups):
        sub = table.take(rows)
        numbers = {int(n) for n in reported[rows]}
        number = numbers.pop() if len(numbers) == 1 and min(numbers) >= 0 else ANALYST_BASE + k
        number = ANALYST_BASE + k if number in used else number  # one number, one object
        used.add(number)
        label = f"IOD {number}"
        tracks_of = sorted({int(t) for t in sub["track"]})
        if link is not None:
            fit, reasons = link.fit, list(link.fit.problems)
            quality = link.quality
        else:
            fit, reasons = attempt(initial_orbit, observation_geometry(sub, stations),
                                   track=sub["track"], sigma_arcsec=sub["sigma_arcsec"],
                                   norad_id=number)
            quality = "single-track" if len(tracks_of) == 1 else "reported-number"
        if reasons:
            note(f"{label}: no initial orbit: {'; '.join(reasons)}")
            failed.append({"label": label, "norad_id": int(number), "status": "failed",
                           "reasons": reasons, "tracks": tracks_of,
                           "observations": len(rows),
                           "lines": [f"{f}:{n}" for f, n in zip(sub["file"], sub["line"])]})
            continue
        if link is not None and fit.satrec.satnum != min(number, 99999):
            fit = _renumbered(fit, number)
        seconds = sub["time"].seconds_since(sub["time"])
        nights = link.nights if link is not None else len(
            {d for d in np.floor((seconds - seconds.min()) / DAY_S + 0.5)})
        note(f"{label}: {len(tracks_of)} track(s), {len(rows)} observations, {quality}, "
             f"RMS {fit.rms_arcsec:.1f} arcsec")
        elements.append((fit.satrec, label, number, str(sub["intl_designator"][0])))
        record = fit_record(fit, sub, np.arange(len(sub)), number, label)
        record.update(status="ok", quality=quality, tracks=tracks_of, nights=int(nights),
                      lines=[f"{f}:{n}" for f, n in zip(sub["file"], sub["line"])],
                      span_days=round(float(np.ptp(seconds)) / DAY_S, 4),
                      reported_numbers=sorted({int(n) for n in reported[rows] if n >= 0}))
        results.append(record)
    if not groups:
        note("no uncorrelated track with 3 or more observations")
    elif not results:
        raise DebrisError(f"no initial orbit for any of the {len(failed)} objects (reasons "
                          "above); nothing was written")
    if args.format == "json":
        doc = {"meta": meta_block(command="iod", inputs=list(args.observations),
                                  catalog=[str(s) for s in (catalog.sources or ["<bundled>"])],
                                  tracks=len(tracks), orbits=len(results), failed=len(failed),
                                  linked=sum(r["quality"] == "linked" for r in results),
                                  unconfirmed=sum(r["quality"] == "unconfirmed"
                                                  for r in results)),
               "orbits": results, "failed": failed}
        text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    else:
        text = elements_text(args.format, *zip(*elements)) if elements else ""
    if failed:
        note(f"{len(failed)} of {len(groups)} objects without an initial orbit (exit status "
             f"{EXIT_SKIPPED})")
    write_text(text, args.output)
    return EXIT_SKIPPED if failed else exit_status(skipped)


def _iod_groups(table, wanted, stations, gap_days) -> list:
    """The objects of ``debris iod``: (rows, Link) for every orbit linking tracks `wanted`
    (:func:`~debris.observations.linking.link_tracks`), then (rows, None) for the rest,
    joined by the number the observer reported, else one track each."""
    reported = table["reported_norad_id"]
    rows_all = np.flatnonzero(np.isin(table["track"], wanted))
    links = []
    if rows_all.size and gap_days > 0:
        sub = table.take(rows_all)
        try:
            with np.errstate(all="ignore"):
                links, _ = link_tracks(observation_geometry(sub, stations), sub["track"],
                                       sigma_arcsec=sub["sigma_arcsec"], station=sub["station"],
                                       max_gap_days=gap_days)
        except NUMERIC_FAILURES as exc:  # pragma: no cover - link_tracks keeps them inside
            note(f"linking failed ({exc or type(exc).__name__}); tracks fitted one by one")
    groups = [(rows_all[link.rows], link) for link in links]
    linked = {t for link in links for t in link.tracks}
    rest: dict = {}
    for t in wanted:
        if t not in linked:
            rows = np.flatnonzero(table["track"] == t)
            number = int(reported[rows[0]])
            rest.setdefault(number if number >= 0 else f"track {t}", []).extend(rows.tolist())
    groups.extend((np.array(sorted(rows)), None) for rows in rest.values())
    return sorted(groups, key=lambda group: int(group[0].min()))


def _renumbered(fit, number):
    """The fit with its TLE lines under `number` (linking fits with a placeholder)."""
    line1, line2 = tle_lines(fit.satrec, norad_id=number)
    return replace(fit, tle_line1=line1, tle_line2=line2)
