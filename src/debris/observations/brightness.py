"""Standard magnitudes from observed ones: the observatory's own photometry, reduced.

Each observation with a magnitude and an element set of its object is reduced to the
object's *standard magnitude* (1000 km, 90° phase: :mod:`debris.magnitude`) by undoing the
range and the Lambertian phase law at the predicted geometry::

    m_std = m_obs - 5 log10(range_km / 1000) + 2.5 log10(F(φ) / F(90°))

and an object's standard magnitude is the median of its reduced observations (robust to the
flashes of tumbling objects). Observations the elements place more than
:data:`MAX_OFFSET_DEG` from where they were seen are left out: there the predicted range and
phase angle are not the observed ones.
"""

from __future__ import annotations

import numpy as np

from ..frames import phase_angle_rad
from ..magnitude import phase_ratio, usable_magnitudes
from ..sun import is_sunlit, sun_position_gcrs_km
from ..table import Table
from .identify import reported_numbers
from .predict import predict_rows
from .reduction import observation_geometry

__all__ = ["MAX_OFFSET_DEG", "reduced_magnitudes", "fit_standard_magnitudes"]

#: Largest angle between an observation and its prediction for the reduction (deg).
MAX_OFFSET_DEG = 2.0


def reduced_magnitudes(observations, catalog, stations, geometry=None) -> Table:
    """Every usable observed magnitude reduced to a standard magnitude.

    Parameters
    ----------
    observations : Table
        From :func:`~debris.observations.read_observations` (or identified: the
        ``norad_id`` column, else the reported numbers, picks the object).
    catalog : Catalog
        Element sets of the observed objects.
    stations : Stations

    Returns
    -------
    Table
        One row per observation with a magnitude, an element set, a sunlit prediction within
        :data:`MAX_OFFSET_DEG`: ``norad_id``, ``time`` (Times), ``station``, ``magnitude``,
        ``range_km``, ``phase_angle_deg``, ``offset_deg``, ``std_magnitude``.
    """
    have_mag = usable_magnitudes(observations["magnitude"])
    if "norad_id" in observations and (observations["norad_id"] >= 0).any():
        number = np.asarray(observations["norad_id"])
    else:
        number = reported_numbers(observations, catalog)
    index = {int(k): i for i, k in enumerate(catalog.norad_id.tolist())}
    rows_of = np.array([index.get(int(k), -1) for k in number], dtype=np.int64)
    keep = np.flatnonzero(have_mag & (rows_of >= 0)
                          & np.array([str(c) in stations for c in observations["station"]],
                                     dtype=bool))
    obs = observations.take(keep)
    rows_of = rows_of[keep]
    if geometry is None:
        geometry = observation_geometry(obs, stations)
    else:
        geometry = geometry.take(keep)
    u, _, rng = predict_rows(catalog.satrecs, rows_of, geometry)
    obj = geometry.site_km + u * rng[:, None]
    sun = sun_position_gcrs_km(geometry.times)
    phase = phase_angle_rad(-u, sun - obj)
    offset = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", u, geometry.u_obs), -1, 1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        std = (obs["magnitude"] - 5.0 * np.log10(rng / 1000.0)
               + 2.5 * np.log10(np.maximum(phase_ratio(phase), 1e-12)))
        ok = usable_magnitudes(std) & (offset <= MAX_OFFSET_DEG)
    ok &= is_sunlit(obj, sun)
    out = Table({"norad_id": catalog.norad_id[rows_of], "time": obs["time"],
                 "station": obs["station"], "magnitude": obs["magnitude"], "range_km": rng,
                 "phase_angle_deg": np.degrees(phase), "offset_deg": offset,
                 "std_magnitude": std})
    return out.take(ok)


def fit_standard_magnitudes(reduced: Table, min_observations: int = 1) -> dict:
    """Per object: ``{norad_id: {"std_mag", "observations", "scatter"}}``: the median of its
    reduced magnitudes, how many, and their scatter (1.4826 × median absolute deviation)."""
    out = {}
    ids = np.asarray(reduced["norad_id"])
    for norad in np.unique(ids):
        values = np.asarray(reduced["std_magnitude"])[ids == norad]
        if values.size < min_observations:
            continue
        centre = float(np.median(values))
        out[int(norad)] = {"std_mag": round(centre, 2), "observations": int(values.size),
                           "scatter": round(1.4826 * float(np.median(np.abs(values - centre))),
                                            2)}
    return out
