"""Residuals: observed minus computed, per observation and per object and station.

O−C of each observation against the catalogue's element set of its object (the identified
one when the table comes from :func:`~debris.observations.identify`, else the reported
NORAD number or international designator): ΔRA·cos Dec and ΔDec, and the same offset
across and along the predicted track (arcseconds, and along-track as seconds of time).
"""

from __future__ import annotations

import numpy as np

from ..constants import DAY_S

from ..table import Table
from .identify import reported_numbers
from .predict import predict_rows
from .reduction import observation_geometry, tangent_offsets

__all__ = ["residuals", "residual_statistics"]


def residuals(observations, catalog, stations, geometry=None) -> Table:
    """O−C of every observation whose object is in `catalog`.

    Returns
    -------
    Table
        The observation columns plus ``object_norad_id`` (the object used; -1 when none),
        ``ra_residual_arcsec`` (ΔRA·cos Dec), ``dec_residual_arcsec``,
        ``cross_track_arcsec``, ``along_track_arcsec``, ``along_track_s``,
        ``residual_arcsec`` (total angle), ``elements_age_days``.
    """
    geometry = geometry or observation_geometry(observations, stations)
    if "reported_norad_id" in observations:
        number = np.where(observations["norad_id"] >= 0, observations["norad_id"],
                          observations["reported_norad_id"])
    else:
        number = reported_numbers(observations, catalog)
    index = {int(k): i for i, k in enumerate(catalog.norad_id.tolist())}
    rows_of = np.array([index.get(int(k), -1) for k in number], dtype=np.int64)
    u, w, _ = predict_rows(catalog.satrecs, rows_of, geometry)
    off = tangent_offsets(geometry.u_obs, u, w)
    age = np.full(len(observations), np.nan)
    have = rows_of >= 0
    age[have] = observations["time"][have].seconds_since(catalog.epoch[rows_of[have]]) / DAY_S \
        if have.any() else age[have]
    columns = dict(observations.columns)
    columns.update(object_norad_id=np.where(have, number, -1),
                   ra_residual_arcsec=off["ra_arcsec"], dec_residual_arcsec=off["dec_arcsec"],
                   cross_track_arcsec=off["cross_arcsec"], along_track_arcsec=off["along_arcsec"],
                   along_track_s=off["along_s"], residual_arcsec=off["separation_arcsec"],
                   elements_age_days=age)
    return Table(columns, meta=dict(observations.meta))


def residual_statistics(table: Table) -> Table:
    """Per object and station: ``observations``, ``rms_arcsec``, ``median_arcsec``,
    ``mean_along_track_s``, ``rms_cross_track_arcsec``, ``first_utc``, ``last_utc``."""
    ok = (table["object_norad_id"] >= 0) & np.isfinite(table["residual_arcsec"])
    keys = sorted(set(zip(table["object_norad_id"][ok].tolist(), table["station"][ok].tolist())))
    cols = {k: [] for k in ("norad_id", "station", "observations", "rms_arcsec",
                            "median_arcsec", "mean_along_track_s", "rms_cross_track_arcsec")}
    firsts, lasts = [], []
    seconds = table["time"].seconds_since(table["time"]) if len(table) else np.empty(0)
    for norad, station in keys:
        rows = np.flatnonzero(ok & (table["object_norad_id"] == norad)
                              & (table["station"] == station))
        res = table["residual_arcsec"][rows]
        cols["norad_id"].append(norad)
        cols["station"].append(station)
        cols["observations"].append(rows.size)
        cols["rms_arcsec"].append(float(np.sqrt(np.mean(res ** 2))))
        cols["median_arcsec"].append(float(np.median(res)))
        cols["mean_along_track_s"].append(float(np.mean(table["along_track_s"][rows])))
        cols["rms_cross_track_arcsec"].append(
            float(np.sqrt(np.mean(table["cross_track_arcsec"][rows] ** 2))))
        firsts.append(rows[np.argmin(seconds[rows])])
        lasts.append(rows[np.argmax(seconds[rows])])
    out = {"norad_id": np.array(cols["norad_id"], np.int64),
           "station": np.array(cols["station"], dtype=str),
           "observations": np.array(cols["observations"], np.int64)}
    for key in ("rms_arcsec", "median_arcsec", "mean_along_track_s", "rms_cross_track_arcsec"):
        out[key] = np.array(cols[key], float)
    out["first_utc"] = table["time"][np.array(firsts, int)]
    out["last_utc"] = table["time"][np.array(lasts, int)]
    return Table(out)
