"""What is reported of each conjunction: geometry, the covariance model, hard-body radii, Pc.

TLE/OMM sets carry no covariance. Unless the caller gives one per object (RTN, km^2), the
default model :func:`default_covariance_rtn` is assumed: RTN sigmas
:data:`DEFAULT_SIGMA_RIC_KM` at the element epoch growing by
:data:`SIGMA_GROWTH_RIC_KM_PER_DAY` per day from it - of the order found when comparing TLEs
with precise orbits (in-track errors ~1 km at epoch growing by 1-2 km/day in LEO). Pc from it
is a screening figure; ``max_probability`` (Alfano) does not depend on the covariance size.
Hard-body radii are per object by type (:data:`DEFAULT_HBR_M`) unless given; a conjunction's
is the sum.
"""

from __future__ import annotations

import numpy as np

from ..frames import rtn_basis, vector_norm
from ..table import Table
from ..timescale import Times
from ..uncertainty import DEFAULT_SIGMA_RTN_KM, SIGMA_GROWTH_RTN_KM_PER_DAY, default_covariance
from .pc import encounter_plane, pc_function, probabilities, ric_to_inertial

__all__ = ["CONJUNCTION_COLUMNS", "DEFAULT_SIGMA_RIC_KM", "SIGMA_GROWTH_RIC_KM_PER_DAY",
           "DEFAULT_HBR_M", "default_covariance_rtn", "hard_body_radius_m",
           "conjunction_table", "element_age_days", "object_covariances_rtn",
           "covariance_sources"]

#: Default 1-sigma position uncertainty of an element set at its epoch, radial / in-track /
#: cross-track (km), and its growth per day from the epoch (debris.uncertainty's fixed model).
DEFAULT_SIGMA_RIC_KM = DEFAULT_SIGMA_RTN_KM
SIGMA_GROWTH_RIC_KM_PER_DAY = SIGMA_GROWTH_RTN_KM_PER_DAY
#: Default hard-body radius per object by type (m); a conjunction's HBR is the sum.
DEFAULT_HBR_M = {"PAYLOAD": 5.0, "ROCKET BODY": 5.0, "DEBRIS": 1.0, "UNKNOWN": 2.0}

CONJUNCTION_COLUMNS = (
    "norad_id_1", "norad_id_2", "name_1", "name_2", "tca_utc", "miss_distance_km",
    "relative_speed_km_s", "radial_km", "in_track_km", "cross_track_km", "probability",
    "max_probability", "hard_body_radius_m", "covariance",
)


def default_covariance_rtn(age_days) -> np.ndarray:
    """The default RTN position covariance (km^2) for element sets `age_days` old, (M, 3, 3)
    (:func:`debris.uncertainty.default_covariance`)."""
    return default_covariance(age_days)


def hard_body_radius_m(catalog, rows, table: dict | None = None) -> np.ndarray:
    """Per-object hard-body radius (m): the user's table by NORAD id, else by object type."""
    table = table or {}
    out = np.empty(len(rows))
    for k, row in enumerate(np.asarray(rows)):
        norad = int(catalog.norad_id[row])
        out[k] = table.get(norad, DEFAULT_HBR_M.get(str(catalog.object_type[row]), 2.0))
    return out


def element_age_days(catalog, rows, times: Times) -> np.ndarray:
    """Days from each object's element epoch to `times` (positive: epoch before), (M,)."""
    return (times.jd - catalog.epoch.jd[rows]) + (times.fr - catalog.epoch.fr[rows])


def object_covariances_rtn(catalog, rows, times: Times, covariances: dict | None):
    """Each object's RTN position covariance (km^2) at `times`: the user's (a matrix, or a
    model with ``covariance(age_days)`` such as the one learnt from its element-set history,
    :class:`debris.uncertainty.UncertaintyModel`, taken at its element age there), else the
    default model for its element age. Returns (M, 3, 3) and whether each is the user's,
    (M,)."""
    covariances = covariances or {}
    age = element_age_days(catalog, rows, times)
    cov = default_covariance_rtn(age)
    user = np.array([int(n) in covariances for n in catalog.norad_id[rows].tolist()], bool)
    for k in np.flatnonzero(user):
        given = covariances[int(catalog.norad_id[rows[k]])]
        if hasattr(given, "covariance"):
            cov[k] = given.covariance(max(float(age[k]), 0.0))
        else:
            cov[k] = np.asarray(given, float)[:3, :3]
    return cov, user


def covariance_sources(catalog, rows, covariances: dict | None) -> np.ndarray:
    """Where each object's covariance comes from, (M,): ``history`` (a model learnt from its
    element sets), ``regime`` (the models of objects in similar orbits, for an object
    without enough sets of its own), ``user`` (a matrix given), ``default``."""
    covariances = covariances or {}
    out = []
    for n in catalog.norad_id[rows].tolist():
        given = covariances.get(int(n)) if int(n) in covariances else None
        out.append("default" if given is None else
                   getattr(given, "source", "user") if hasattr(given, "covariance") else "user")
    return np.array(out, dtype="<U8")


def conjunction_table(catalog, i, j, tca: Times, r1, v1, r2, v2, hbr_table=None,
                      pc_method: str = "foster", covariances=None) -> Table:
    """The table of conjunctions between catalogue rows `i` and `j` with exact TEME states
    (M, 3) at their TCAs: miss distance, relative speed, object 2 in object 1's RIC frame,
    Pc (2-D, `pc_method`) and Alfano's max Pc with the combined covariance and HBR.

    The rows and states go into ``extra`` for later stages (CDMs, observability).
    """
    pc_function(pc_method)  # an unknown method fails here, before any work
    m = len(i)
    dr, dv = r2 - r1, v2 - v1
    prob = np.full(m, np.nan)
    max_prob = np.full(m, np.nan)
    hbr = hard_body_radius_m(catalog, i, hbr_table) + hard_body_radius_m(catalog, j, hbr_table)
    ric = np.einsum("mij,mj->mi", rtn_basis(r1, v1), dr) if m else np.zeros((0, 3))
    cov_kind = np.empty(0, str)
    if m:
        c1, _ = object_covariances_rtn(catalog, i, tca, covariances)
        c2, _ = object_covariances_rtn(catalog, j, tca, covariances)
        k1 = covariance_sources(catalog, i, covariances)
        k2 = covariance_sources(catalog, j, covariances)
        rank = {"history": 0, "regime": 1, "user": 2, "default": 3}
        cov_kind = np.array([a if a == b else "+".join(sorted((a, b), key=rank.get))
                             for a, b in zip(k1, k2)], dtype=str)
        miss, cov2 = encounter_plane(r1, v1, ric_to_inertial(c1, r1, v1), r2, v2,
                                     ric_to_inertial(c2, r2, v2))
        prob, max_prob = probabilities(miss, cov2, hbr / 1000.0, method=pc_method)
    return Table({
        "norad_id_1": catalog.norad_id[i],
        "norad_id_2": catalog.norad_id[j],
        "name_1": catalog.name[i],
        "name_2": catalog.name[j],
        "tca_utc": tca,
        "miss_distance_km": vector_norm(dr),
        "relative_speed_km_s": vector_norm(dv),
        "radial_km": ric[:, 0],
        "in_track_km": ric[:, 1],
        "cross_track_km": ric[:, 2],
        "probability": prob,
        "max_probability": max_prob,
        "hard_body_radius_m": hbr,
        "covariance": np.asarray(cov_kind, dtype=str),
    }, meta={"pc_method": pc_method}, extra={
        "row_1": np.asarray(i, np.intp), "row_2": np.asarray(j, np.intp),
        "r1_teme_km": r1, "v1_teme_km_s": v1, "r2_teme_km": r2, "v2_teme_km_s": v2})
