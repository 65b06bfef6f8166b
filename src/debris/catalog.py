"""The catalogue: element sets read from TLE/3LE and OMM files, validated and filtered.

A :class:`Catalog` holds N objects as parallel arrays (catalogue axis
first) plus one python-sgp4 ``Satrec`` per object. Loading never stops
at a bad record: each one is skipped and described in
:attr:`Catalog.rejected` (file, line, NORAD id, reason); ``strict=True``
raises at the first one instead.

Formats
-------
* TLE in 2-line and 3-line form (name lines with or without the
  ``0 `` prefix), CRLF or LF, ``#`` comment lines, Alpha-5 catalogue
  numbers, blank-padded numbers and Space-Track's signed ``+`` fields.
* OMM as CelesTrak serves it: CSV, JSON and XML (CCSDS 502.0-B-2 field
  names), initialised exactly as python-sgp4's ``sgp4.omm.initialize``
  does (same units, same ``sgp4init`` call; tested to be identical).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sgp4.api import SGP4_ERRORS, WGS72, Satrec, SatrecArray

from .constants import WGS72_EARTH_RADIUS_KM
from .errors import CatalogError, DebrisError, InputError, TLEFormatError, UnknownObjectError
from .io.files import bundled_file
from .catalog_formats import catalog_format, detect_catalog_format
from .catalog_text import catalog_text, quarantine
from .omm import add_omm_record
from .timescale import Times, to_times
from .tle import intl_designator_from_tle, read_tle_text

__all__ = ["Catalog", "Rejection", "bundled_catalog_path", "LEO_MIN_MEAN_MOTION_REV_DAY"]

#: Mean motion (rev/day) at and above which an orbit counts as LEO (period <= 128 min).
LEO_MIN_MEAN_MOTION_REV_DAY = 11.25

_BUNDLED_NAME = "celestrak_on_orbit_2024-11-01.omm.csv"


@dataclass(frozen=True)
class Rejection:
    """One record that was not loaded, and why.

    Attributes
    ----------
    source : str
        File the record came from.
    line_number : int or None
        1-based line of the record (line 1 of a TLE, the row of a CSV).
    norad_id : int or None
        Catalogue number, when it could be read.
    reason : str
        What was wrong.
    """

    source: str
    line_number: int | None
    norad_id: int | None
    reason: str

    def __str__(self) -> str:
        where = self.source if self.line_number is None else f"{self.source}:{self.line_number}"
        who = "" if self.norad_id is None else f" (NORAD {self.norad_id})"
        return f"{where}{who}: {self.reason}"


def _catalog_from_state(elements, modes, names, norad, intl, types, rejected, sources):
    """The inverse of :meth:`Catalog.__reduce__`."""
    satrecs = []
    for row, mode in zip(elements, modes):
        sat = Satrec()
        # whole days first give back the epoch sgp4init was given, where its fraction (kept
        # to 1e-8 day) holds it all: jd + fr first rounds, moving deep-space terms by 0.2 mm
        sat.sgp4init(WGS72, mode, int(row[0]), (row[1] - 2433281.5) + row[2], *row[3:])
        satrecs.append(sat)
    catalog = Catalog._from_parts(satrecs, list(names), norad, list(intl), list(types),
                                  rejected, sources)
    catalog.object_type = np.asarray(types, dtype=str)
    return catalog


def bundled_catalog_path() -> Path:
    """Return the path of the bundled catalogue (CelesTrak on-orbit OMM CSV, 2024-11-01).

    The file ships inside the wheel (``debris/_bundled_tle``) and in the
    source tree (``tle/``).
    """
    try:
        return bundled_file(_BUNDLED_NAME, "catalogue")
    except DebrisError as exc:
        raise CatalogError(str(exc)) from None


def _object_type_from_name(name: str) -> str:
    upper = f" {name.upper()} "
    if " DEB" in upper or "DEBRIS" in upper or " COOLANT" in upper or " FRAG" in upper:
        return "DEBRIS"
    if " R/B" in upper or "ROCKET BODY" in upper or " AKM" in upper or " PKM" in upper:
        return "ROCKET BODY"
    if upper.strip() in ("", "TBA - TO BE ASSIGNED", "UNKNOWN"):
        return "UNKNOWN"
    return "PAYLOAD"


def _read_text(text: str, source: str, format: str, builder, verify_checksums: bool,
               damaged: dict | None = None) -> None:
    spec = detect_catalog_format(text) if format == "auto" else catalog_format(format)
    builder.sources.append(source)
    before = len(builder.satrecs) + len(builder.rejected)
    first = len(builder.satrecs)
    if spec is None:
        raise CatalogError(f"{source}: file is empty; expected TLE/3LE lines or OMM "
                           "(CSV, JSON, XML, KVN)")
    spec.read(text, source, builder, verify_checksums)
    if damaged:
        quarantine(builder, source, spec.name, damaged, first, text.split("\n"))
    if len(builder.satrecs) == first and damaged:
        raise CatalogError(f"{source}: no readable element set ({len(damaged)} damaged "
                           f"line(s), first: {damaged[min(damaged)]}); not a catalogue")
    if len(builder.satrecs) + len(builder.rejected) == before:
        raise CatalogError(f"{source}: no element sets found; expected TLE/3LE lines "
                           "('1 ...' / '2 ...') or OMM (CSV, JSON, XML, KVN)")


class _Builder:
    """Collects accepted records and rejections while reading one or more files."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.satrecs: list[Satrec] = []
        self.names: list[str] = []
        self.norad: list[int] = []
        self.intl: list[str] = []
        self.types: list[str | None] = []
        self.origin: list[tuple[str, int | None]] = []
        self.rejected: list[Rejection] = []
        self.sources: list[str] = []

    def reject(self, source, line_number, norad_id, reason, exc_type=TLEFormatError, line=None):
        if self.strict:
            if exc_type is TLEFormatError:
                raise TLEFormatError(reason, source, line_number, line)
            raise exc_type(reason, source, line_number)
        self.rejected.append(Rejection(source, line_number, norad_id, reason))

    def add(self, satrec, name, norad_id, intl, source, line_number, object_type=None):
        self.satrecs.append(satrec)
        self.names.append(name)
        self.norad.append(norad_id)
        self.intl.append(intl)
        self.types.append(object_type)
        self.origin.append((source, line_number))

    def add_many(self, satrecs, names, norad_ids, intls, source, line_numbers, object_types):
        """Add records in bulk (equal-length sequences; one source)."""
        self.satrecs.extend(satrecs)
        self.names.extend(names)
        self.norad.extend(norad_ids)
        self.intl.extend(intls)
        self.types.extend(object_types)
        self.origin.extend((source, number) for number in line_numbers)

    def build(self) -> "Catalog":
        cat = Catalog._from_parts(self.satrecs, self.names, self.norad, self.intl, self.types,
                                  self.rejected, self.sources)
        return cat._deduplicate(self.origin)


class Catalog:
    """A set of N element sets with per-object arrays, catalogue axis first.

    Build one with :meth:`from_file`, :meth:`from_files`,
    :meth:`from_tle_lines`, :meth:`from_omm` or :meth:`bundled`.

    Attributes
    ----------
    satrecs : list of sgp4.api.Satrec, length N
    norad_id : ndarray of int64, shape (N,)
    name : ndarray of str, shape (N,)
    intl_designator : ndarray of str, shape (N,)
        COSPAR form, e.g. ``"1997-051C"``.
    object_type : ndarray of str, shape (N,)
        ``PAYLOAD``, ``ROCKET BODY``, ``DEBRIS`` or ``UNKNOWN`` (from OMM
        OBJECT_TYPE when present, else inferred from the name).
    epoch : Times, shape (N,)
        Element-set epochs (UTC).
    mean_motion_rev_day, eccentricity, inclination_deg : ndarray, shape (N,)
    perigee_km, apogee_km : ndarray, shape (N,)
        Altitudes above the WGS-72 equatorial radius (km).
    sgp4_init_error : ndarray of int8, shape (N,)
        python-sgp4's error code after initialisation (0 = fine);
        such objects propagate to NaN with that code.
    rejected : list of Rejection
        Records that were not loaded and why.
    sources : list of str
        Files read.
    """

    def __init__(self):
        raise TypeError("use Catalog.from_file, from_files, from_tle_lines, from_omm or bundled")

    # ----------------------------------------------------------------- construction
    @classmethod
    def _from_parts(cls, satrecs, names, norad, intl, types, rejected, sources) -> "Catalog":
        self = object.__new__(cls)
        self.satrecs = list(satrecs)
        self.norad_id = np.asarray(norad, dtype=np.int64).reshape(-1)
        self.name = np.asarray(names, dtype=str).reshape(-1) if names else np.array([], dtype=str)
        self.intl_designator = (np.asarray(intl, dtype=str).reshape(-1) if intl
                                else np.array([], dtype=str))
        self.object_type = np.array(
            [t if t else _object_type_from_name(n) for t, n in zip(types, self.name)], dtype=str
        ).reshape(-1) if len(self.satrecs) else np.array([], dtype=str)
        self.rejected = list(rejected)
        self.sources = list(sources)
        self._compute_arrays()
        self._satrec_array = None
        return self

    def _compute_arrays(self) -> None:
        sats = self.satrecs
        n = len(sats)
        jd = np.fromiter((s.jdsatepoch for s in sats), float, n)
        fr = np.fromiter((s.jdsatepochF for s in sats), float, n)
        self.epoch = Times.from_jd(jd, fr) if n else Times(np.empty(0), np.empty(0))
        self.mean_motion_rev_day = (np.fromiter((s.no_kozai for s in sats), float, n)
                                    * (720.0 / np.pi))
        self.eccentricity = np.fromiter((s.ecco for s in sats), float, n)
        self.inclination_deg = np.degrees(np.fromiter((s.inclo for s in sats), float, n))
        self.perigee_km = np.fromiter((s.altp for s in sats), float, n) * WGS72_EARTH_RADIUS_KM
        self.apogee_km = np.fromiter((s.alta for s in sats), float, n) * WGS72_EARTH_RADIUS_KM
        self.sgp4_init_error = np.fromiter((s.error for s in sats), np.int8, n)

    @classmethod
    def from_tle_lines(cls, lines, source: str = "<string>", *, strict: bool = False,
                       verify_checksums: bool = True) -> "Catalog":
        """Read TLEs (2-line or 3-line) from a string or a sequence of lines.

        Parameters
        ----------
        lines : str or sequence of str
        source : str
            Name used in rejection reports and messages.
        strict : bool
            Raise :class:`~debris.errors.TLEFormatError` at the first bad
            record instead of skipping it.
        verify_checksums : bool
            Reject lines whose column-69 checksum is wrong.
        """
        text = lines if isinstance(lines, str) else "\n".join(lines)
        builder = _Builder(strict)
        builder.sources.append(source)
        read_tle_text(text, source, builder, verify_checksums)
        return builder.build()

    @classmethod
    def from_omm(cls, records, source: str = "<records>", *, strict: bool = False) -> "Catalog":
        """Build a catalogue from OMM records (mappings of CCSDS OMM keywords to values)."""
        builder = _Builder(strict)
        builder.sources.append(source)
        for index, record in enumerate(records, start=1):
            add_omm_record(dict(record), source, index, builder)
        return builder.build()

    @classmethod
    def from_satrecs(cls, satrecs, names=None, norad_ids=None,
                     intl_designators=None) -> "Catalog":
        """Wrap existing python-sgp4 ``Satrec`` objects (international designators in
        COSPAR form, ``1998-067A``; by default from the Satrecs' own)."""
        satrecs = list(satrecs)
        names = list(names) if names is not None else [""] * len(satrecs)
        norad = list(norad_ids) if norad_ids is not None else [s.satnum for s in satrecs]
        intl = (list(intl_designators) if intl_designators is not None
                else [intl_designator_from_tle(s.intldesg) for s in satrecs])
        return cls._from_parts(satrecs, names, norad, intl, [None] * len(satrecs), [], [])

    @classmethod
    def from_file(cls, path, *, strict: bool = False, verify_checksums: bool = True,
                  format: str = "auto") -> "Catalog":
        """Read one catalogue file; the format is detected from its content.

        Parameters
        ----------
        path : str or Path
            TLE/3LE text, or OMM as CSV, JSON or XML.
        format : str
            ``auto`` (detected from the content) or a name of
            :func:`debris.catalog_formats.catalog_formats` (``tle``, ``omm-csv``,
            ``omm-json``, ``omm-xml``, ``omm-kvn``, and any registered).

        Raises
        ------
        CatalogError
            When the file is missing, empty, or not a catalogue at all.
        """
        return cls.from_files([path], strict=strict, verify_checksums=verify_checksums,
                              format=format)

    @classmethod
    def from_files(cls, paths, *, strict: bool = False, verify_checksums: bool = True,
                   format: str = "auto") -> "Catalog":
        """Read and merge several catalogue files (newest epoch wins for a repeated id)."""
        builder = _Builder(strict)
        for path in paths:
            path = Path(path)
            source = str(path)
            text, damaged = catalog_text(path)
            _read_text(text, source, format, builder, verify_checksums, damaged)
        return builder.build()

    @classmethod
    def from_text(cls, text: str, source: str = "<text>", *, strict: bool = False,
                  verify_checksums: bool = True, format: str = "auto") -> "Catalog":
        """Read catalogue text (TLE/3LE or OMM CSV/JSON/XML/KVN, detected like files)."""
        builder = _Builder(strict)
        _read_text(text, source, format, builder, verify_checksums)
        return builder.build()

    @classmethod
    def bundled(cls) -> "Catalog":
        """Load the bundled CelesTrak on-orbit catalogue of 2024-11-01 (26,834 objects)."""
        return cls.from_file(bundled_catalog_path())

    # ------------------------------------------------------------------ arrays & info
    def __len__(self) -> int:
        return len(self.satrecs)

    def __repr__(self) -> str:
        return (f"<Catalog {len(self)} objects, {len(self.rejected)} rejected, "
                f"sources={[os.path.basename(s) for s in self.sources]}>")

    @property
    def satrec_array(self) -> SatrecArray:
        """A python-sgp4 ``SatrecArray`` of all objects (built once)."""
        if self._satrec_array is None:
            self._satrec_array = SatrecArray(self.satrecs)
        return self._satrec_array

    def index_of(self, norad_id: int) -> int:
        """Return the row of a NORAD id, or raise :class:`UnknownObjectError` (a KeyError)
        naming it."""
        rows = np.flatnonzero(self.norad_id == int(norad_id))
        if rows.size == 0:
            raise UnknownObjectError(f"NORAD {norad_id} is not in this catalogue "
                                     f"({len(self)} objects)")
        return int(rows[0])

    def epoch_age_days(self, when) -> np.ndarray:
        """Return days from each epoch to `when` (positive: epoch in the past), shape (N,)."""
        t = to_times(when)[0:1]
        return (t.jd[0] - self.epoch.jd) + (t.fr[0] - self.epoch.fr)

    def is_leo(self) -> np.ndarray:
        """Return a boolean mask, shape (N,): mean motion >= 11.25 rev/day."""
        return self.mean_motion_rev_day >= LEO_MIN_MEAN_MOTION_REV_DAY

    def info(self) -> dict:
        """Summarise the catalogue: counts, LEO count, epoch range (:class:`Times` of one
        element each), rejections."""
        out = {
            "sources": list(self.sources),
            "objects": len(self),
            "leo_objects": int(self.is_leo().sum()),
            "object_types": {k: int(v) for k, v in zip(*np.unique(self.object_type,
                                                                   return_counts=True))},
            "rejected": len(self.rejected),
            "sgp4_init_errors": int((self.sgp4_init_error != 0).sum()),
        }
        if len(self):
            order = np.argsort(self.epoch.jd + self.epoch.fr)
            out["epoch_min_utc"] = self.epoch[order[0]]
            out["epoch_median_utc"] = self.epoch[order[len(order) // 2]]
            out["epoch_max_utc"] = self.epoch[order[-1]]
        return out

    def init_error_report(self) -> list[str]:
        """Return one line per object whose SGP4 initialisation failed."""
        rows = np.flatnonzero(self.sgp4_init_error)
        return [f"NORAD {self.norad_id[i]} {self.name[i]!s}: SGP4 initialisation error "
                f"{self.sgp4_init_error[i]} ({SGP4_ERRORS.get(int(self.sgp4_init_error[i]), '?')})"
                for i in rows]

    # ------------------------------------------------------------------------ subsets
    def __reduce__(self):
        """Pickle (for worker processes, :mod:`debris.cluster`): python-sgp4's Satrec does
        not pickle, so each travels as its initialisation values and is initialised again
        (debris' compiled kernels then give the same states bit for bit)."""
        elements = np.array([[s.satnum, s.jdsatepoch, s.jdsatepochF, s.bstar, s.ndot, s.nddot,
                              s.ecco, s.argpo, s.inclo, s.mo, s.no_kozai, s.nodeo]
                             for s in self.satrecs], dtype=float).reshape(-1, 12)
        modes = "".join(s.operationmode for s in self.satrecs)
        return (_catalog_from_state, (elements, modes, self.name, self.norad_id,
                                      self.intl_designator, self.object_type,
                                      list(self.rejected), list(self.sources)))

    def subset(self, index) -> "Catalog":
        """Return a new catalogue of the rows selected by a mask or index array."""
        index = np.asarray(index)
        if index.dtype == bool:
            if index.shape != (len(self),):
                raise ValueError(f"mask has shape {index.shape}, catalogue has {len(self)} objects")
            index = np.flatnonzero(index)
        index = index.astype(np.intp)
        new = object.__new__(Catalog)
        new.satrecs = [self.satrecs[i] for i in index]
        for attr in ("norad_id", "name", "intl_designator", "object_type", "mean_motion_rev_day",
                     "eccentricity", "inclination_deg", "perigee_km", "apogee_km",
                     "sgp4_init_error"):
            setattr(new, attr, getattr(self, attr)[index])
        new.epoch = Times(self.epoch.jd[index], self.epoch.fr[index])
        new.rejected = list(self.rejected)
        new.sources = list(self.sources)
        new._satrec_array = None
        return new

    def filter(self, *, leo: bool | None = None, perigee_km=None, apogee_km=None,
               max_epoch_age_days: float | None = None, when=None, norad_ids=None,
               object_types=None) -> "Catalog":
        """Return the objects meeting every given condition.

        Parameters
        ----------
        leo : bool, optional
            Keep only LEO objects (mean motion >= 11.25 rev/day), or only non-LEO.
        perigee_km, apogee_km : (float or None, float or None), optional
            Inclusive altitude bands (km); ``None`` leaves a side open.
        max_epoch_age_days : float, optional
            Keep objects whose epoch is within this many days of `when`
            (either side).
        when : time-like, optional
            Reference time for `max_epoch_age_days` (default: now).
        norad_ids : iterable of int, optional
        object_types : iterable of str, optional
            Any of ``PAYLOAD``, ``ROCKET BODY``, ``DEBRIS``, ``UNKNOWN``.
        """
        mask = np.ones(len(self), dtype=bool)
        if leo is not None:
            mask &= self.is_leo() == bool(leo)
        for band, values, label in ((perigee_km, self.perigee_km, "perigee_km"),
                                    (apogee_km, self.apogee_km, "apogee_km")):
            if band is None:
                continue
            low, high = band
            if low is not None and high is not None and low > high:
                raise InputError(f"{label} band ({low}, {high}) has its low end above its "
                                 "high end")
            if low is not None:
                mask &= values >= low
            if high is not None:
                mask &= values <= high
        if max_epoch_age_days is not None:
            if when is None:
                when = dt.datetime.now(dt.timezone.utc)
            mask &= np.abs(self.epoch_age_days(when)) <= float(max_epoch_age_days)
        if norad_ids is not None:
            mask &= np.isin(self.norad_id, np.asarray(list(norad_ids), dtype=np.int64))
        if object_types is not None:
            wanted = [t.upper() for t in object_types]
            mask &= np.isin(self.object_type, wanted)
        return self.subset(mask)

    def _deduplicate(self, origin) -> "Catalog":
        """Keep the newest epoch of each repeated NORAD id; report the others."""
        if len(self) < 2:
            return self
        epoch = self.epoch.jd + self.epoch.fr
        order = np.lexsort((-epoch, self.norad_id))
        ids = self.norad_id[order]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = ids[1:] != ids[:-1]
        if first.all():
            return self
        keep_row = {int(self.norad_id[i]): i for i in order[first]}
        iso = self.epoch.iso()
        for i in order[~first]:
            kept = keep_row[int(self.norad_id[i])]
            source, line = origin[i]
            kept_source, kept_line = origin[kept]
            where = f"{kept_source}:{kept_line}" if kept_line is not None else kept_source
            self.rejected.append(Rejection(
                source, line, int(self.norad_id[i]),
                f"duplicate NORAD {self.norad_id[i]}: epoch {iso[i]} is not newer than "
                f"{iso[kept]} ({where}), kept the newest"))
        keep = np.sort(order[first])
        rejected = self.rejected
        out = self.subset(keep)
        out.rejected = rejected
        return out
