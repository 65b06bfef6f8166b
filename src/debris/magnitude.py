"""Estimated visual magnitudes of sunlit objects, and where each object's size comes from.

The model is the one visual observers of satellites use (McCants' standard magnitudes):
an object's *standard magnitude* is its brightness at 1000 km range and 90° phase angle, and
it is scaled to other ranges by the inverse square law and to other phase angles by the phase
law of a diffusely reflecting (Lambertian) sphere::

    m = m_std + 5 log10(range_km / 1000) - 2.5 log10(F(φ) / F(90°))
    F(φ) = ((π - φ) cos φ + sin φ) / π

where φ is the Sun-object-observer angle. Atmospheric extinction is not included.

Each object's standard magnitude comes from the first of these that knows it
(:class:`StandardMagnitudes`; the source is reported per pass as ``std_magnitude_source``):

1. ``table``: a user table (CSV ``norad_id,std_mag``), e.g. an observer's list;
2. ``observed``: fitted from the observatory's own observed magnitudes
   (:func:`debris.observations.brightness.fit_standard_magnitudes`, kept in the archive);
3. ``rcs``: the object's radar cross-section from CelesTrak's SATCAT (a snapshot of
   2025-01-12 is bundled: :func:`bundled_rcs`), taken as its optical cross-section A and
   seen as a Lambertian sphere of albedo :data:`RCS_ALBEDO` = 0.175, the value NASA's Orbital
   Debris Program Office derived from optical brightness and published RCS of the same
   objects (Mulrooney, Matney, Hejduk & Barker, "An investigation of global albedo values",
   AMOS 2008), with the Sun at V = :data:`SUN_V_MAG` = -26.74::

       m_std = -26.74 - 2.5 log10(2 ρ A / (3 π² d²)),  d = 1000 km

   which is 8.08 - 2.5 log10(A / 1 m²);
4. ``type``: a default by object type, :data:`DEFAULT_STD_MAG` - typical values of the
   visual observers' lists for mid-size payloads, upper stages and fragments.

How good each is against real observed magnitudes is measured in ``tests/test_magnitude.py``
and stated in the README (the median error is about a magnitude for the table, RCS and type
methods, half a magnitude for magnitudes fitted from earlier nights; real tumbling objects
flash and fade). Object type comes from the OMM ``OBJECT_TYPE`` field when present, else from
the name (``DEB`` → debris, ``R/B`` → rocket body, others → payload).
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import numpy as np

from .checks import in_range, range_text
from .errors import DebrisError
from .io.files import read_text

__all__ = ["MAGNITUDE_RANGE", "RCS_RANGE_M2", "MagnitudeTable", "magnitude_problem",
           "usable_magnitudes", "DEFAULT_STD_MAG", "RCS_ALBEDO", "SUN_V_MAG", "StandardMagnitudes",
           "standard_magnitudes", "magnitude_sources", "load_std_mag_table", "load_rcs_table",
           "bundled_rcs", "std_mag_from_rcs", "visual_magnitude", "phase_ratio"]

#: Default standard magnitude (1000 km, 90° phase) by object type.
DEFAULT_STD_MAG = {"PAYLOAD": 5.0, "ROCKET BODY": 4.0, "DEBRIS": 8.0, "UNKNOWN": 7.0}
#: Albedo of the Lambertian sphere an RCS is turned into (Mulrooney et al. 2008).
RCS_ALBEDO = 0.175
#: The Sun's apparent V magnitude.
SUN_V_MAG = -26.74
_BUNDLED_RCS = "satcat_rcs_2025-01-12.csv"
#: Magnitudes (observed, standard) debris accepts: the brightest satellite flares reach about
#: -10 and the faintest objects any telescope here tracks about +20; anything outside
#: -30..30 is a typing error or a placeholder (IOD's 99), never a brightness.
MAGNITUDE_RANGE = (-30.0, 30.0)
#: Radar cross-sections debris accepts (m²): above 0, at most 10,000 m² (the ISS is ~400).
RCS_RANGE_M2 = (0.0, 1.0e4)


def magnitude_problem(value, name: str = "magnitude") -> str | None:
    """Why `value` is not a usable magnitude (None when it is): finite, within
    :data:`MAGNITUDE_RANGE`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{name}: expected a number, got {value!r}"
    if not in_range(number, *MAGNITUDE_RANGE):
        return f"{name}: {value!r} is not a possible magnitude (expected " \
               f"{range_text(*MAGNITUDE_RANGE)})"
    return None


def usable_magnitudes(values) -> np.ndarray:
    """Mask (shape of `values`) of the finite magnitudes within :data:`MAGNITUDE_RANGE`."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values >= MAGNITUDE_RANGE[0]) & (
            values <= MAGNITUDE_RANGE[1])


class MagnitudeTable(dict):
    """NORAD id -> value read from a table; ``rejected`` lists the rows left out
    (``FILE, line N: reason``), each for the caller to report."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rejected: list[str] = []


def phase_ratio(phase_angle_rad) -> np.ndarray:
    """F(φ) / F(90°) of a Lambertian sphere: ``(π - φ) cos φ + sin φ`` (1 at 90°, π at 0°)."""
    phi = np.asarray(phase_angle_rad, dtype=float)
    return (np.pi - phi) * np.cos(phi) + np.sin(phi)


def std_mag_from_rcs(rcs_m2, albedo: float = RCS_ALBEDO) -> np.ndarray:
    """Standard magnitude (1000 km, 90°) of a Lambertian sphere of cross-section `rcs_m2`."""
    area = np.asarray(rcs_m2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        flux = 2.0 * albedo * area / (3.0 * np.pi ** 2 * 1.0e12)  # d = 1000 km = 1e6 m
        return np.where(area > 0, SUN_V_MAG - 2.5 * np.log10(flux), np.nan)


def _csv_dicts(path: Path):
    """(line number, row dict) of a CSV whose ``#`` comment lines come first."""
    text = read_text(path)
    lines = text.splitlines()
    skip = next((k for k, line in enumerate(lines) if not line.startswith("#")), len(lines))
    reader = csv.DictReader(io.StringIO("\n".join(lines[skip:]), newline=""))
    return reader, skip


def load_std_mag_table(path) -> MagnitudeTable:
    """Read a CSV of ``norad_id,std_mag``.

    A row whose id is not an integer or whose magnitude is not a possible one (not a number,
    NaN, infinite, outside :data:`MAGNITUDE_RANGE`) is left out and listed in the result's
    ``rejected`` with its line; a file without the header is an error.
    """
    path = Path(path)
    reader, skip = _csv_dicts(path)
    if not reader.fieldnames or not {"norad_id", "std_mag"} <= set(reader.fieldnames):
        raise DebrisError(f"{path}: expected a CSV header with norad_id,std_mag")
    table = MagnitudeTable()
    for row in reader:
        where = f"{path}, line {reader.line_num + skip}"
        norad, value = (row.get("norad_id") or "").strip(), (row.get("std_mag") or "").strip()
        if not (norad.isascii() and norad.isdigit()):
            table.rejected.append(f"{where}: norad_id: expected an integer, got {norad!r}")
            continue
        problem = magnitude_problem(value, "std_mag")
        if problem:
            table.rejected.append(f"{where}: {problem}")
            continue
        table[int(norad)] = float(value)
    return table


def load_rcs_table(path) -> MagnitudeTable:
    """Radar cross-sections (m²) by NORAD id from a SATCAT CSV: CelesTrak's own
    (``NORAD_CAT_ID``, ``RCS``) or ``norad_id,rcs_m2``; rows without an RCS are skipped, and a
    row whose RCS is not a possible one (not a number, not finite, outside
    :data:`RCS_RANGE_M2`) is left out and listed in ``rejected``."""
    path = Path(path)
    reader, skip = _csv_dicts(path)
    names = set(reader.fieldnames or ())
    keys = next((k for k in (("norad_id", "rcs_m2"), ("NORAD_CAT_ID", "RCS"))
                 if set(k) <= names), None)
    if keys is None:
        raise DebrisError(f"{path}: expected a SATCAT CSV with the columns NORAD_CAT_ID and RCS "
                          "(CelesTrak) or norad_id and rcs_m2")
    table = MagnitudeTable()
    for row in reader:
        value = (row[keys[1]] or "").strip()
        if not value:
            continue
        where = f"{path}, line {reader.line_num + skip}"
        norad = (row[keys[0]] or "").strip()
        try:
            area = float(value)
        except ValueError:
            area = np.nan
        if not (norad.isascii() and norad.isdigit()) or not in_range(area, *RCS_RANGE_M2,
                                                                      low_open=True):
            table.rejected.append(
                f"{where}: expected an integer {keys[0]} and an RCS "
                f"{range_text(*RCS_RANGE_M2, low_open=True)} m², got {norad!r}, {value!r}")
            continue
        table[int(norad)] = area
    return table


@functools.lru_cache(maxsize=1)
def bundled_rcs() -> dict[int, float]:
    """The bundled SATCAT snapshot's radar cross-sections (m², 13,516 objects)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled_tle" / _BUNDLED_RCS,
                      here.parent.parent / "tle" / _BUNDLED_RCS):
        if candidate.exists():
            return load_rcs_table(candidate)
    raise DebrisError(f"the bundled SATCAT snapshot {_BUNDLED_RCS} is missing from the "
                      "installation")


class StandardMagnitudes:
    """Standard magnitudes by NORAD id from every source, in order of precedence.

    Parameters
    ----------
    table : dict of int -> float, optional
        A user table (first).
    observed : dict of int -> float, optional
        Fitted from the observatory's own observed magnitudes.
    rcs : dict of int -> float, optional
        Radar cross-sections (m²); default the bundled SATCAT snapshot. ``{}`` uses none.
    """

    def __init__(self, table=None, observed=None, rcs=None):
        self.table = _possible(table)
        self.observed = _possible(observed)
        self.rcs = bundled_rcs() if rcs is None else dict(rcs)

    def for_catalog(self, catalog) -> tuple[np.ndarray, np.ndarray]:
        """(standard magnitudes (N,), their sources (N,) of ``table``, ``observed``,
        ``rcs`` or ``type``) of the catalogue's objects."""
        n = len(catalog)
        values = np.array([DEFAULT_STD_MAG.get(t, DEFAULT_STD_MAG["UNKNOWN"])
                           for t in catalog.object_type], dtype=float)
        sources = np.full(n, "type", dtype="<U8")
        ids = catalog.norad_id.tolist()
        rcs = np.array([self.rcs.get(k, np.nan) for k in ids], dtype=float)
        from_rcs = std_mag_from_rcs(rcs) if n else rcs
        have = np.isfinite(from_rcs)
        values[have], sources[have] = from_rcs[have], "rcs"
        for name in ("observed", "table"):  # later sources win
            given = getattr(self, name)
            for i, k in enumerate(ids):
                if k in given:
                    values[i], sources[i] = given[k], name
        return values, sources


def _possible(values) -> dict:
    """The entries of `values` that are possible magnitudes (a library caller's dict, or an
    archive written before the ranges were checked, may hold -99 or NaN)."""
    return {k: float(v) for k, v in dict(values or {}).items() if magnitude_problem(v) is None}


def magnitude_sources(catalog, table=None) -> tuple[np.ndarray, np.ndarray]:
    """Standard magnitudes and their sources, shape (N,) each, for `catalog`.

    `table` is a :class:`StandardMagnitudes`, a user table (dict NORAD id -> std_mag) or
    None (bundled RCS, then type defaults)."""
    if not isinstance(table, StandardMagnitudes):
        table = StandardMagnitudes(table=table)
    return table.for_catalog(catalog)


def standard_magnitudes(catalog, table=None) -> np.ndarray:
    """Return each object's standard magnitude, shape (N,) (see :func:`magnitude_sources`)."""
    return magnitude_sources(catalog, table)[0]


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
    ratio = phase_ratio(phase_angle_rad)
    with np.errstate(divide="ignore"):
        return (np.asarray(std_mag) + 5.0 * np.log10(np.asarray(range_km) / 1000.0)
                - 2.5 * np.log10(np.maximum(ratio, 1e-12)))
