"""Estimated visual magnitudes of sunlit objects, and where each object's size comes from.

The model is the one visual observers of satellites use (McCants' standard magnitudes):
an object's *standard magnitude* is its brightness at 1000 km range and 90° phase angle, and
it is scaled to other ranges by the inverse square law and to other phase angles by the phase
law of a diffusely reflecting (Lambertian) sphere::

    m = m_std + 5 log10(range_km / 1000) - 2.5 log10(F(φ) / F(90°))
    F(φ) = ((π - φ) cos φ + sin φ) / π

where φ is the Sun-object-observer angle. Atmospheric extinction is not included.

Each object's standard magnitude comes from the first of these that knows it
(:class:`StandardMagnitudes`; the source is reported per pass as ``std_magnitude_source``,
its scatter as ``mag_sigma``):

1. ``table``: a user table (CSV ``norad_id,std_mag`` and optionally ``sigma``), e.g. an
   observer's list;
2. ``observed``: fitted from the observatory's own observed magnitudes
   (:func:`debris.observations.brightness.fit_standard_magnitudes`, kept in the archive);
3. ``published``: the bundled table of published standard magnitudes of the objects and
   families that dominate the bright LEO sky (``tle/std_magnitudes.csv``: the ISS, Starlink by
   version, Qianfan, BlueBird, large rocket-body families, ...; each row cites its source,
   :func:`bundled_published`);
4. ``rcs``: the object's radar cross-section from CelesTrak's SATCAT (a snapshot of
   2025-01-12 is bundled: :func:`bundled_rcs`), taken as its optical cross-section A and
   seen as a Lambertian sphere of albedo :data:`RCS_ALBEDO` = 0.175, the value NASA's Orbital
   Debris Program Office derived from optical brightness and published RCS of the same
   objects (Mulrooney, Matney, Hejduk & Barker, "An investigation of global albedo values",
   AMOS 2008), with the Sun at V = :data:`SUN_V_MAG` = -26.74::

       m_std = -26.74 - 2.5 log10(2 ρ A / (3 π² d²)),  d = 1000 km

   which is 8.08 - 2.5 log10(A / 1 m²);
5. ``size``: Space-Track's RCS size class (``RCS_SIZE`` SMALL/MEDIUM/LARGE in a SATCAT given
   with ``--satcat``) where the number is missing: the median standard magnitude of the
   bundled SATCAT's LEO objects of that class (:data:`SIZE_CLASS_STD_MAG`);
6. ``type``: a default by orbit regime and object type. In LEO (:meth:`Catalog.is_leo`,
   11.25 rev/day or more) the median standard magnitude, from their RCS, of the bundled
   catalogue's LEO objects of that type with a published RCS (:data:`LEO_DEFAULT_STD_MAG`);
   beyond LEO the visual observers' typical values (:data:`DEFAULT_STD_MAG`), which are within
   0.9 mag (median) of satfit's real MEO, GEO and HEO magnitudes.

Each source carries a scatter (``mag_sigma``, 1σ in magnitudes): for ``table``, ``observed``,
``rcs`` and deep-space ``type`` the 68th percentile of |predicted - observed| on satfit's real
magnitudes (:data:`SOURCE_SIGMA`); for ``published`` the row's own; for ``size`` and LEO
``type`` the spread (16th-84th percentile half-width) of the sample the default is the median
of. How good each is against real observed magnitudes is measured in
``tests/test_magnitude.py`` and stated in the README (real tumbling objects flash and fade). Object type comes from the OMM ``OBJECT_TYPE`` field when present, else from
the name (``DEB`` → debris, ``R/B`` → rocket body, others → payload).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path

from typing import NamedTuple

import numpy as np

from .checks import in_range, range_text
from .errors import DebrisError
from .io.files import bundled_file, read_text

__all__ = ["LEO_DEFAULT_STD_MAG", "SIZE_CLASS_STD_MAG", "SOURCE_SIGMA", "SOURCE_LABELS",
           "bundled_published", "PublishedMagnitudes", "MagnitudeEstimates", "magnitude_estimates", "default_sigma",
           "MAGNITUDE_RANGE", "RCS_RANGE_M2", "MagnitudeTable", "magnitude_problem",
           "usable_magnitudes", "DEFAULT_STD_MAG", "RCS_ALBEDO", "SUN_V_MAG", "StandardMagnitudes",
           "standard_magnitudes", "magnitude_sources", "load_std_mag_table", "load_rcs_table",
           "bundled_rcs", "std_mag_from_rcs", "visual_magnitude", "phase_ratio"]

#: Default standard magnitude (1000 km, 90° phase) by object type beyond LEO.
DEFAULT_STD_MAG = {"PAYLOAD": 5.0, "ROCKET BODY": 4.0, "DEBRIS": 8.0, "UNKNOWN": 7.0}
#: LEO defaults by object type: (median, spread) of the RCS standard magnitudes of the bundled
#: catalogue's (2024-11-01) LEO objects of that type with an RCS in the bundled SATCAT: 2,050
#: payloads, 804 rocket bodies, 7,414 debris; UNKNOWN (none has an RCS) takes all 10,268. The
#: spread is the 16th-84th percentile half-width; a default's 1σ adds the RCS method's own
#: scatter to it (:func:`default_sigma`). ``tests/test_magnitude_table.py`` recomputes them.
LEO_DEFAULT_STD_MAG = {"PAYLOAD": (8.05, 1.24), "ROCKET BODY": (6.41, 0.45),
                       "DEBRIS": (12.57, 1.21), "UNKNOWN": (11.66, 2.74)}
#: Space-Track RCS size classes (SMALL < 0.1 m², MEDIUM 0.1-1 m², LARGE > 1 m²): (median,
#: spread) of the RCS standard magnitudes of the same LEO sample in each class (6,789 / 1,624 /
#: 1,855 objects).
SIZE_CLASS_STD_MAG = {"SMALL": (12.65, 1.05), "MEDIUM": (9.07, 0.90), "LARGE": (6.56, 0.72)}
#: 1σ scatter (mag) of a source's predictions: the 68th percentile of |predicted - observed|
#: over satfit's real magnitudes (471, 611, 71 and 729 observations; tests/test_magnitude.py).
SOURCE_SIGMA = {"table": 1.2, "observed": 1.0, "rcs": 1.4, "type": 1.3}
#: Short labels of the sources for the terminal.
SOURCE_LABELS = {"table": "user", "observed": "obs", "published": "pub", "rcs": "rcs",
                 "size": "size", "type": "type"}
_BUNDLED_PUBLISHED = "std_magnitudes.csv"
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
    (``FILE, line N: reason``), each for the caller to report; ``sigma`` the 1σ scatter a
    standard-magnitude table gives per object, ``size_classes`` the RCS size class a SATCAT
    gives where it has no number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rejected: list[str] = []
        self.sigma: dict[int, float] = {}
        self.size_classes: dict[int, str] = {}


def default_sigma(spread: float) -> float:
    """1σ (mag) of a default that is the median of RCS standard magnitudes with this spread:
    the spread and the RCS method's own scatter (:data:`SOURCE_SIGMA`) in quadrature."""
    return float(np.hypot(spread, SOURCE_SIGMA["rcs"]))


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
    ``rejected`` with its line; a file without the header is an error. An optional ``sigma``
    column (mag, > 0 and <= 10) gives each value's scatter (``table.sigma``); an empty or bad
    sigma leaves the table's default (:data:`SOURCE_SIGMA`).
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
        sigma = _sigma_value(row.get("sigma"))
        if sigma is not None:
            table.sigma[int(norad)] = sigma
    return table


def _sigma_value(text) -> float | None:
    """A usable 1σ (mag) from a table cell, None when empty or not one."""
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if in_range(value, 0.0, 10.0, low_open=True) else None


def load_rcs_table(path) -> MagnitudeTable:
    """Radar cross-sections (m²) by NORAD id from a SATCAT CSV: CelesTrak's own
    (``NORAD_CAT_ID``, ``RCS``), Space-Track's (``NORAD_CAT_ID``, ``RCS_SIZE``, with or without
    ``RCS``) or ``norad_id,rcs_m2``; rows without an RCS are skipped (their ``RCS_SIZE``
    SMALL/MEDIUM/LARGE, when given, goes to ``size_classes``), and a row whose RCS is not a
    possible one (not a number, not finite, outside :data:`RCS_RANGE_M2`) is left out and
    listed in ``rejected``."""
    path = Path(path)
    reader, skip = _csv_dicts(path)
    names = set(reader.fieldnames or ())
    keys = next((k for k in (("norad_id", "rcs_m2"), ("NORAD_CAT_ID", "RCS"),
                             ("NORAD_CAT_ID", "RCS_SIZE")) if set(k) <= names), None)
    if keys is None:
        raise DebrisError(f"{path}: expected a SATCAT CSV with the columns NORAD_CAT_ID and RCS "
                          "(CelesTrak), NORAD_CAT_ID and RCS_SIZE (Space-Track) or norad_id "
                          "and rcs_m2")
    table = MagnitudeTable()
    for row in reader:
        value = (row.get(keys[1]) or "").strip() if keys[1] != "RCS_SIZE" else ""
        if not value:
            size = (row.get("RCS_SIZE") or "").strip().upper()
            norad = (row.get(keys[0]) or "").strip()
            if size in SIZE_CLASS_STD_MAG and norad.isascii() and norad.isdigit():
                table.size_classes[int(norad)] = size
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
    return load_rcs_table(bundled_file(_BUNDLED_RCS, "SATCAT snapshot"))


class MagnitudeEstimates(NamedTuple):
    """Each object's standard magnitude and what goes with it, shape (N,) each."""

    #: Standard magnitude (1000 km; 90° phase where the phase law applies).
    std_mag: np.ndarray
    #: Where it came from: ``table``, ``observed``, ``published``, ``rcs``, ``size``, ``type``.
    source: np.ndarray
    #: 1σ scatter of predictions from it (mag).
    sigma: np.ndarray
    #: 1 where the diffuse sphere's phase law applies; 0 where the value is already a mean
    #: over the phase angles observed (published distance-adjusted means of flat-panel
    #: constellations): the magnitude then follows range only.
    phase_weight: np.ndarray


class PublishedMagnitudes:
    """The rows of a published standard-magnitude table (the bundled
    ``tle/std_magnitudes.csv``, :func:`bundled_published`), matched to a catalogue's objects by
    NORAD id, or by name and launch.

    Attributes
    ----------
    rows : list of dict
        ``match`` (``norad`` or ``name``), ``key``, ``launches`` (a set of ``YYYY-NNN``, a
        ``(from, before)`` range or None), ``std_mag``, ``sigma``, ``source``, and the
        ``published`` figure with its ``quantity`` and ``range_km``.
    """

    def __init__(self, rows):
        self.rows = list(rows)

    @classmethod
    def from_file(cls, path) -> "PublishedMagnitudes":
        """Read a table in the bundled file's layout (see its header)."""
        path = Path(path)
        reader, skip = _csv_dicts(path)
        wanted = {"match", "key", "launches", "std_mag", "sigma", "source"}
        if not reader.fieldnames or not wanted <= set(reader.fieldnames):
            raise DebrisError(f"{path}: expected a CSV header with {','.join(sorted(wanted))}")
        rows = []
        for row in reader:
            where = f"{path}, line {reader.line_num + skip}"
            row = {k: (v if isinstance(v, str) else "") for k, v in row.items() if k}
            launches = (row.get("launches") or "").strip()
            if ".." in launches:
                launches = tuple(launches.split("..", 1))
            else:
                launches = set(launches.split()) or None
            try:
                entry = dict(row, launches=launches, std_mag=float(row["std_mag"]),
                             sigma=float(row["sigma"]),
                             pattern=_name_pattern(row["key"].strip().upper()))
            except ValueError as exc:
                raise DebrisError(f"{where}: {exc}") from None
            problem = magnitude_problem(entry["std_mag"], "std_mag")
            if problem or not in_range(entry["sigma"], 0.0, 10.0, low_open=True):
                raise DebrisError(f"{where}: {problem or 'sigma: expected > 0 and <= 10'}")
            if row["match"] not in ("norad", "name"):
                raise DebrisError(f"{where}: match: expected norad or name, got "
                                  f"{row['match']!r}")
            if row["match"] == "norad" and not row["key"].strip().isdigit():
                raise DebrisError(f"{where}: key: expected a NORAD id, got {row['key']!r}")
            rows.append(entry)
        return cls(rows)

    def for_catalog(self, catalog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(standard magnitudes (N,), sigmas (N,), matched row index (N,), -1 where no row
        matches) of the catalogue's objects; the first matching row wins. A row's value is
        phase-averaged (no phase law, :attr:`MagnitudeEstimates.phase_weight` 0) when its
        quantity is a distance-adjusted mean (``mean_1000km``, ``at_range``)."""
        n = len(catalog)
        values, sigma = np.full(n, np.nan), np.full(n, np.nan)
        which = np.full(n, -1, dtype=int)
        launch = [str(d)[:8] for d in catalog.intl_designator]
        names = np.char.upper(np.char.strip(np.asarray(catalog.name, dtype=str)))
        for r, row in enumerate(self.rows):
            if row["match"] == "norad":
                hits = np.flatnonzero((which < 0) & (catalog.norad_id == int(row["key"])))
            else:  # the literal start of the glob first, the whole pattern on those
                prefix = row["key"].strip().upper().split("*", 1)[0]
                open_ = np.flatnonzero((which < 0) & np.char.startswith(names, prefix))
                hits = [i for i in open_ if row["pattern"].fullmatch(names[i])
                        and _launch_in(launch[i], row["launches"])]
            values[hits], sigma[hits], which[hits] = row["std_mag"], row["sigma"], r
        return values, sigma, which


def _name_pattern(key: str):
    """A name glob (only ``*`` is a wildcard; brackets are literal) as a regular expression."""
    return re.compile(".*".join(re.escape(part) for part in key.split("*")))


def _launch_in(launch: str, launches) -> bool:
    """Whether the launch designator ``YYYY-NNN`` is in a row's set or range (None: any)."""
    if launches is None:
        return True
    if isinstance(launches, tuple):
        return bool(launch) and launches[0] <= launch < launches[1]
    return launch in launches


@functools.lru_cache(maxsize=1)
def bundled_published() -> PublishedMagnitudes:
    """The bundled table of published LEO standard magnitudes (``tle/std_magnitudes.csv``)."""
    return PublishedMagnitudes.from_file(bundled_file(_BUNDLED_PUBLISHED, "magnitude table"))


class StandardMagnitudes:
    """Standard magnitudes by NORAD id from every source, in order of precedence.

    Parameters
    ----------
    table : dict of int -> float, optional
        A user table (first); a :class:`MagnitudeTable` may carry per-object ``sigma``.
    observed : dict of int -> float, optional
        Fitted from the observatory's own observed magnitudes.
    rcs : dict of int -> float, optional
        Radar cross-sections (m²); default the bundled SATCAT snapshot. ``{}`` uses none. A
        :class:`MagnitudeTable` from a Space-Track SATCAT also carries RCS size classes.
    published : PublishedMagnitudes, optional
        Published standard magnitudes; default the bundled table. ``False`` uses none.
    """

    def __init__(self, table=None, observed=None, rcs=None, published=None):
        self.table = _possible(table)
        self.table_sigma = dict(getattr(table, "sigma", {}) or {})
        self.observed = _possible(observed)
        self.rcs = bundled_rcs() if rcs is None else dict(rcs)
        self.size_classes = dict(getattr(rcs, "size_classes", {}) or {})
        self.published = (bundled_published() if published is None
                          else published or PublishedMagnitudes([]))

    def for_catalog(self, catalog) -> tuple[np.ndarray, np.ndarray]:
        """(standard magnitudes (N,), their sources (N,) of ``table``, ``observed``,
        ``published``, ``rcs``, ``size`` or ``type``) of the catalogue's objects."""
        values, sources, _, _ = self.estimates(catalog)
        return values, sources

    def estimates(self, catalog) -> MagnitudeEstimates:
        """Each object's standard magnitude, source, 1σ scatter (mag) and phase-law weight
        (see the module's notes for each source's scatter)."""
        n = len(catalog)
        leo = catalog.is_leo() if n else np.zeros(0, bool)
        values, sigma = np.empty(n), np.empty(n)
        for i, (kind, in_leo) in enumerate(zip(catalog.object_type, leo)):
            if in_leo:
                values[i], spread = LEO_DEFAULT_STD_MAG.get(kind, LEO_DEFAULT_STD_MAG["UNKNOWN"])
                sigma[i] = default_sigma(spread)
            else:
                values[i] = DEFAULT_STD_MAG.get(kind, DEFAULT_STD_MAG["UNKNOWN"])
                sigma[i] = SOURCE_SIGMA["type"]
        sources = np.full(n, "type", dtype="<U9")
        ids = catalog.norad_id.tolist()
        for i, k in enumerate(ids):  # later sources win
            size = self.size_classes.get(k)
            if size:
                values[i], spread = SIZE_CLASS_STD_MAG[size]
                sigma[i], sources[i] = default_sigma(spread), "size"
        rcs = np.array([self.rcs.get(k, np.nan) for k in ids], dtype=float)
        from_rcs = std_mag_from_rcs(rcs) if n else rcs
        have = np.isfinite(from_rcs)
        values[have], sources[have], sigma[have] = from_rcs[have], "rcs", SOURCE_SIGMA["rcs"]
        weight = np.ones(n)
        if n and self.published.rows:
            pub, pub_sigma, row = self.published.for_catalog(catalog)
            have = np.isfinite(pub)
            values[have], sigma[have], sources[have] = pub[have], pub_sigma[have], "published"
            averaged = np.array([r.get("quantity") in ("mean_1000km", "at_range")
                                 for r in self.published.rows] + [False])
            weight[averaged[row]] = 0.0
        for name in ("observed", "table"):
            given = getattr(self, name)
            for i, k in enumerate(ids):
                if k in given:
                    values[i], sources[i] = given[k], name
                    sigma[i] = (self.table_sigma.get(k, SOURCE_SIGMA["table"])
                                if name == "table" else SOURCE_SIGMA["observed"])
                    weight[i] = 1.0
        return MagnitudeEstimates(values, sources, sigma, weight)


def _possible(values) -> dict:
    """The entries of `values` that are possible magnitudes (a library caller's dict, or an
    archive written before the ranges were checked, may hold -99 or NaN)."""
    return {k: float(v) for k, v in dict(values or {}).items() if magnitude_problem(v) is None}


def magnitude_sources(catalog, table=None) -> tuple[np.ndarray, np.ndarray]:
    """Standard magnitudes and their sources, shape (N,) each, for `catalog`.

    `table` is a :class:`StandardMagnitudes`, a user table (dict NORAD id -> std_mag) or
    None (bundled published table, RCS, then regime and type defaults)."""
    return magnitude_estimates(catalog, table)[:2]


def magnitude_estimates(catalog, table=None) -> MagnitudeEstimates:
    """Standard magnitudes, their sources, 1σ scatter (mag) and phase-law weights, shape (N,)
    each (see :func:`magnitude_sources`)."""
    if not isinstance(table, StandardMagnitudes):
        table = StandardMagnitudes(table=table)
    return table.estimates(catalog)


def standard_magnitudes(catalog, table=None) -> np.ndarray:
    """Return each object's standard magnitude, shape (N,) (see :func:`magnitude_sources`)."""
    return magnitude_sources(catalog, table)[0]


def visual_magnitude(std_mag, range_km, phase_angle_rad, phase_weight=1.0) -> np.ndarray:
    """Return the estimated visual magnitude (diffuse sphere), broadcasting the inputs.

    Parameters
    ----------
    std_mag : array_like
        Standard magnitude at 1000 km and 90° phase.
    range_km : array_like
        Observer-object distance (km).
    phase_angle_rad : array_like
        Sun-object-observer angle (rad), 0 = fully lit.
    phase_weight : array_like, optional
        1 (default): the sphere's phase law; 0: none, for a standard magnitude that is
        already a mean over the observed phase angles (:class:`MagnitudeEstimates`).
    """
    ratio = phase_ratio(phase_angle_rad)
    with np.errstate(divide="ignore"):
        return (np.asarray(std_mag) + 5.0 * np.log10(np.asarray(range_km) / 1000.0)
                - np.asarray(phase_weight) * 2.5 * np.log10(np.maximum(ratio, 1e-12)))
