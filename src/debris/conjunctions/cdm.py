"""CDMs of conjunctions, and the probability of a CDM from its own states and covariances.

:func:`conjunction_cdms` builds one CCSDS CDM (508.0-B-1) per conjunction of a
:func:`~debris.conjunctions.screening.screen` table from the exact states at TCA it keeps
(nothing is propagated again); :func:`cdm_pc` recomputes a CDM's Pc (Foster or Chan) from the
message's states and RTN covariances. The message text is made by :mod:`debris.io.ccsds`.
"""

from __future__ import annotations

import numpy as np

from .._version import __version__
from ..checks import check_range
from ..constants import DAY_S
from ..errors import CDMFormatError
from ..frames import earth_orientation, rtn_basis
from ..io.ccsds import Cdm, cdm_file_stem, conjunction_cdm
from ..table import Table
from ..timescale import Times
from .assessment import (DEFAULT_SIGMA_RIC_KM, SIGMA_GROWTH_RIC_KM_PER_DAY,
                         covariance_sources, element_age_days, object_covariances_rtn)
from .pc import conjunction_pc, ric_to_inertial
from .pc import pc_method as pc_method_by_name

__all__ = ["conjunction_cdms", "gcrf_states", "cdm_pc"]

_HISTORY = ("covariance from the object's own element-set history ({} prediction errors; "
            "debris.uncertainty), at the element age at TCA")
_REGIME = ("covariance from the regime prior: the element-set histories of {} in the orbits "
           "nearest this one (debris.uncertainty.RegimePrior), at the element age at TCA; "
           "this object has too few sets of its own")
_ASSUMED = (f"covariance assumed (TLE/OMM carry none): RTN sigmas {DEFAULT_SIGMA_RIC_KM} km + "
            f"{SIGMA_GROWTH_RIC_KM_PER_DAY} km/day from epoch; velocity sigmas = position "
            "sigmas x mean motion")


def conjunction_cdms(catalog, table: Table, *, covariances: dict | None = None,
                     pc_method: str = "foster", originator: str = "debris"):
    """One CCSDS CDM per conjunction of a :func:`screen` table.

    States are the table's exact SGP4 states at TCA (``table.extra``) rotated to GCRF; each
    object's 6x6 RTN covariance is the user's (``COVARIANCE_METHOD = CALCULATED``) or the
    default model (``DEFAULT``; velocity sigmas = position sigmas x mean motion); the
    relative state is in object 1's RTN frame; ``COMMENT HBR`` and the max Pc go with the Pc.

    Returns
    -------
    list of (str, Cdm)
        A file stem (``ID1_ID2_YYYYMMDDThhmmss``) and the message.
    """
    if len(table) == 0:
        return []
    tca = table["tca_utc"]
    to_gcrf = earth_orientation(tca).teme_to_gcrs  # one rotation per TCA, both objects
    g1 = _rotated(to_gcrf, table.extra["r1_teme_km"], table.extra["v1_teme_km_s"])
    g2 = _rotated(to_gcrf, table.extra["r2_teme_km"], table.extra["v2_teme_km_s"])
    rel_v = np.einsum("mij,mj->mi", rtn_basis(*g1), g2[1] - g1[1])
    sides = [_object_info(catalog, table.extra[f"row_{n}"], tca, g, covariances)
             for n, g in ((1, g1), (2, g2))]
    out = []
    for k in range(len(table)):
        objects = [side[k] for side in sides]
        stem = cdm_file_stem(objects[0]["norad_id"], objects[1]["norad_id"], tca[k])
        out.append((stem, conjunction_cdm(
            message_id=f"{originator}_{stem}", originator=originator, tca=tca[k],
            miss_distance_km=float(table["miss_distance_km"][k]),
            relative_speed_km_s=float(table["relative_speed_km_s"][k]),
            relative_rtn_km=(table["radial_km"][k], table["in_track_km"][k],
                             table["cross_track_km"][k]),
            relative_rtn_km_s=rel_v[k], probability=float(table["probability"][k]),
            pc_method=pc_method_by_name(pc_method).ccsds_label,
            objects=objects,
            comments=[f"HBR = {table['hard_body_radius_m'][k]:g} [m]",
                      f"MAX_PROBABILITY (Alfano 2005) = {table['max_probability'][k]:.6e}",
                      f"screened by debris {__version__}"])))
    return out


def _object_info(catalog, rows, tca: Times, gcrf, covariances) -> list[dict]:
    """One side of each conjunction as :func:`debris.io.ccsds.conjunction_cdm` takes it."""
    pos_cov, user = object_covariances_rtn(catalog, rows, tca, covariances)
    sources = covariance_sources(catalog, rows, covariances)
    age = element_age_days(catalog, rows, tca)
    out = []
    for k, idx in enumerate(rows.tolist()):
        cov = np.zeros((6, 6))
        cov[:3, :3] = pos_cov[k]
        n_rad_s = float(catalog.mean_motion_rev_day[idx]) * 2 * np.pi / DAY_S
        cov[3:, 3:] = cov[:3, :3] * n_rad_s ** 2
        out.append({
            "norad_id": int(catalog.norad_id[idx]), "name": str(catalog.name[idx]),
            "intl_designator": str(catalog.intl_designator[idx]),
            "r_km": gcrf[0][k], "v_km_s": gcrf[1][k], "cov_rtn_km": cov,
            "covariance_method": "CALCULATED" if user[k] and sources[k] != "regime"
                                 else "DEFAULT",
            "element_epoch": catalog.epoch[idx], "element_age_days": float(age[k]),
            "comments": _covariance_comments(sources[k], user[k],
                                             covariances, int(catalog.norad_id[idx]))})
    return out


def _covariance_comments(source: str, user: bool, covariances, norad_id: int) -> list:
    """What a CDM says about where an object's covariance came from."""
    if source == "history":
        return [_HISTORY.format(covariances[norad_id].samples)]
    if source == "regime":
        count = covariances[norad_id].objects
        return [_REGIME.format(f"{count} object" + ("s" if count != 1 else ""))]
    return [] if user else [_ASSUMED]


def gcrf_states(r_teme, v_teme, times: Times):
    """TEME states (M, 3) at times (M,) to GCRF (km, km/s), for CDMs. The rotation's own
    rate (precession, nutation) changes velocities by under a micrometre per second."""
    return _rotated(earth_orientation(times).teme_to_gcrs, r_teme, v_teme)


def _rotated(matrices, r, v):
    """States (M, 3) turned by one matrix each (M, 3, 3)."""
    return np.einsum("mij,mj->mi", matrices, r), np.einsum("mij,mj->mi", matrices, v)


def _inertial_state(cdm: Cdm, k: int):
    """Object k's state in an inertial frame (ITRF states are rotated to GCRS at TCA)."""
    r, v = cdm.state(k)
    frame = cdm.ref_frame(k)
    if frame in ("EME2000", "GCRF", "ICRF", "TEME", "J2000", ""):
        return r, v
    if frame in ("ITRF", "ITRF93", "ITRF2000", "ITRF-93", "ITRF-97"):
        eo = earth_orientation(cdm.tca)
        m = eo.itrs_to_gcrs[0]
        omega = np.array([0.0, 0.0, eo.omega_rad_s[0]])
        return m @ r, m @ (v + np.cross(omega, r))
    raise CDMFormatError(f"{cdm.source}: object {k + 1} REF_FRAME {frame!r} is not supported "
                         "(EME2000, GCRF, ICRF, TEME or ITRF)")


def cdm_pc(cdm: Cdm, *, hbr_m: float | None = None, method: str = "foster") -> dict:
    """Recompute the probability of a CDM from its own states and covariances.

    Parameters
    ----------
    cdm : Cdm
    hbr_m : float, optional
        Combined hard-body radius (m). Default: the CDM's ``COMMENT HBR``, else 20 m.
    method : str
        A registered Pc method (:func:`debris.conjunctions.pc.pc_methods`).

    Returns
    -------
    dict
        ``probability``, ``max_probability``, ``method``, ``hard_body_radius_m``,
        ``miss_distance_km`` (from the states), ``cdm_probability`` (what the CDM says, or
        None), ``tca_utc`` (:class:`Times` of one element), ``norad_id_1``, ``norad_id_2``.
    """
    hbr_source = "argument"
    if hbr_m is not None:
        check_range("hbr_m", hbr_m, 0.0, low_open=True, unit="m")
    if hbr_m is None:
        hbr_m = cdm.hard_body_radius_m()
        hbr_source = "CDM COMMENT HBR"
    if hbr_m is None:
        hbr_m, hbr_source = 20.0, "default 20 m"
    states = [_inertial_state(cdm, k) for k in (0, 1)]
    covs = [ric_to_inertial(cdm.covariance_rtn(k), *states[k]) for k in (0, 1)]
    pc, pc_max, _ = conjunction_pc(states[0][0], states[0][1], covs[0], states[1][0],
                                   states[1][1], covs[1], hbr_m / 1000.0, method=method)
    given = cdm.relative.get("COLLISION_PROBABILITY")
    ids = [cdm.objects[k].get("OBJECT_DESIGNATOR", "").lstrip("0") or None for k in (0, 1)]
    return {
        "file": cdm.source,
        "tca_utc": cdm.tca,
        "norad_id_1": int(ids[0]) if ids[0] and ids[0].isdigit() else ids[0],
        "norad_id_2": int(ids[1]) if ids[1] and ids[1].isdigit() else ids[1],
        "probability": pc,
        "max_probability": pc_max,
        "method": method,
        "hard_body_radius_m": hbr_m,
        "hard_body_radius_source": hbr_source,
        "miss_distance_km": float(np.linalg.norm(states[1][0] - states[0][0])),
        "cdm_probability": (cdm.number(cdm.relative, "COLLISION_PROBABILITY", "relative "
                                        "metadata") if given not in (None, "") else None),
    }
