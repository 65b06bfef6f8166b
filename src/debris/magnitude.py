"""Estimated visual magnitudes of sunlit objects.

The model is the one visual observers of satellites use (McCants' standard magnitudes):
an object's *standard magnitude* is its brightness at 1000 km range and 90° phase angle, and
it is scaled to other ranges by the inverse square law and to other phase angles by the phase
law of a diffusely reflecting (Lambertian) sphere::

    m = m_std + 5 log10(range_km / 1000) - 2.5 log10(F(φ) / F(90°))
    F(φ) = ((π - φ) cos φ + sin φ) / π

where φ is the Sun-object-observer angle. Atmospheric extinction is not included.

Assumptions, stated because they matter:

* Standard magnitudes come from a user table (CSV with columns ``norad_id,std_mag``) when
  given. Otherwise a default by object type is used: :data:`DEFAULT_STD_MAG` — typical values
  of the visual observers' lists for mid-size payloads, upper stages and fragments. They are
  rough (±2 mag for a single object); real tumbling objects flash and fade.
* Object type comes from the OMM ``OBJECT_TYPE`` field when present, else from the name
  (``DEB`` → debris, ``R/B`` → rocket body, others → payload).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .errors import DebrisError
from .io.files import read_text

__all__ = ["DEFAULT_STD_MAG", "standard_magnitudes", "load_std_mag_table", "visual_magnitude"]

#: Default standard magnitude (1000 km, 90° phase) by object type.
DEFAULT_STD_MAG = {"PAYLOAD": 5.0, "ROCKET BODY": 4.0, "DEBRIS": 8.0, "UNKNOWN": 7.0}


def load_std_mag_table(path) -> dict[int, float]:
    """Read a CSV of ``norad_id,std_mag``; a bad row is an error naming its line."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    if not reader.fieldnames or not {"norad_id", "std_mag"} <= set(reader.fieldnames):
        raise DebrisError(f"{path}: expected a CSV header with norad_id,std_mag")
    table = {}
    for row in reader:
        try:
            table[int(row["norad_id"])] = float(row["std_mag"])
        except (TypeError, ValueError):
            raise DebrisError(f"{path}, line {reader.line_num}: expected an integer "
                              f"norad_id and a number std_mag, got {row}") from None
    return table


def standard_magnitudes(catalog, table: dict[int, float] | None = None) -> np.ndarray:
    """Return each object's standard magnitude, shape (N,): table value or type default."""
    out = np.array([DEFAULT_STD_MAG.get(t, DEFAULT_STD_MAG["UNKNOWN"])
                    for t in catalog.object_type], dtype=float)
    if table:
        for i, norad in enumerate(catalog.norad_id.tolist()):
            if norad in table:
                out[i] = table[norad]
    return out


def visual_magnitude(std_mag, range_km, phase_angle_rad) -> np.ndarray:
    """Return the estimated visual magnitude (diffuse sphere), broadcasting the inputs.

    Parameters
    ----------
    std_mag : array_like
        Standard magnitude at 1000 km and 90° phase.
    range_km : array_like
        Observer-object distance (km).
    phase_angle_rad : array_like
        Sun-object-observer angle (rad), 0 = fully lit.
    """
    phi = np.asarray(phase_angle_rad, dtype=float)
    ratio = (np.pi - phi) * np.cos(phi) + np.sin(phi)  # F(φ) / F(90°)
    with np.errstate(divide="ignore"):
        return (np.asarray(std_mag) + 5.0 * np.log10(np.asarray(range_km) / 1000.0)
                - 2.5 * np.log10(np.maximum(ratio, 1e-12)))
