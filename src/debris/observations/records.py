"""The observation table: one row per measured direction, built line by line by the readers.

Every reader (IOD, UK, RDE, TDM, CSV) hands its rows to an :class:`ObservationBuilder`, which
rejects bad lines like the catalogue does (file:line, field, expected) and builds one
:class:`~debris.table.Table`:

``time`` (UTC), ``station`` (code as written), ``norad_id`` (reported; -1 when none),
``intl_designator``, ``angle_type`` (``radec`` or ``azel``), ``ra_deg``/``dec_deg`` (ICRS,
topocentric; reduced from the reported equinox; NaN for az/el rows until the station is
known), ``az_deg``/``el_deg`` (as reported, apparent; NaN for RA/Dec rows), ``equinox`` (as
reported: ``J2000``, ``of date``, ``B1950``, ...), ``sigma_arcsec`` (position uncertainty;
NaN when not given), ``time_sigma_s``, ``magnitude``, ``magnitude_sigma``, ``sky``
(condition code), ``format``, ``file`` (an object array of shared path strings),
``line`` (1-based) and ``resolution_arcsec`` (what the line's written digits resolve: the
value of one unit in the last digit of either angle; NaN for TDM and CSV).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..catalog import Rejection
from ..checks import in_range, range_text
from ..magnitude import MAGNITUDE_RANGE, magnitude_problem
from ..table import Table
from ..timescale import to_times

__all__ = ["ObservationBuilder", "ObservationFormat", "OBSERVATION_COLUMNS", "EQUINOX_CODES",
           "empty_observations", "utc_datetime64"]

#: IOD/UK/RDE epoch codes: the equinox of the reported RA/Dec.
EQUINOX_CODES = {"0": "of date", "1": "B1855", "2": "B1875", "3": "B1900", "4": "B1950",
                 "5": "J2000", "6": "J2050"}

OBSERVATION_COLUMNS = ("time", "station", "norad_id", "intl_designator", "angle_type",
                       "ra_deg", "dec_deg", "az_deg", "el_deg", "equinox", "sigma_arcsec",
                       "time_sigma_s", "magnitude", "magnitude_sigma", "sky", "format", "file",
                       "line", "resolution_arcsec")

#: Rows kept as dicts before they are assembled into columns (memory: a dict per row costs
#: about ten times its columns).
_BATCH_ROWS = 16384
_TEXT = ("station", "intl_designator", "angle_type", "equinox", "sky", "format", "file")
_FLOAT = ("ra_deg", "dec_deg", "az_deg", "el_deg", "sigma_arcsec", "time_sigma_s", "magnitude",
          "magnitude_sigma", "resolution_arcsec")


@dataclass(frozen=True)
class ObservationFormat:
    """One observation format, as its module declares it (``FORMATS`` in the module; the
    registry, :mod:`.formats`, collects them).

    Attributes
    ----------
    name : str
        What ``--obs-format`` and ``format=`` call it (also the table's ``format`` column).
    description : str
    detect : callable
        ``detect(text) -> float``: how surely `text` is in this format (0: not at all; the
        highest score of all formats wins, ties in registry order).
    read : callable or None
        ``read(text, source, builder) -> int``: parse into an :class:`ObservationBuilder`,
        rejecting bad lines there; the number of observations added (None: write only).
    write : callable or None
        ``write(observations) -> str``: the table in this format (None: read only).
    """

    name: str
    description: str
    detect: Callable[[str], float]
    read: Callable[[str, str, "ObservationBuilder"], int] | None
    write: Callable | None = None


def utc_datetime64(text: str, unit: str = "ns") -> np.datetime64:
    """An ISO-8601 UTC time (``Z`` or no zone) as datetime64; ValueError for anything else,
    a time zone or offset included (numpy would only warn and shift it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return np.datetime64(text.rstrip("Z"), unit)
        except (ValueError, UserWarning, DeprecationWarning):
            raise ValueError(f"{text!r} is not an ISO-8601 UTC time") from None


class ObservationBuilder:
    """Collects parsed rows and rejected lines of one or more files."""

    def __init__(self, *, strict: bool = False):
        #: True: every field is validated and a line with any bad field is rejected (for
        #: observers checking their own files); False: only the essential fields decide.
        self.strict = strict
        self.rows: list[dict] = []
        self.rejected: list[Rejection] = []
        #: Fields left out of kept rows (an impossible magnitude): ``FILE:LINE: reason``.
        self.dropped: list[str] = []
        #: Fields read as missing, counted per file: {(file, field, value, meaning): [lines,
        #: first line]} (see :meth:`tolerate`).
        self.tolerated: dict[tuple, list] = {}
        self._batches: list[Table] = []
        #: Rows assembled into batches so far (``count + len(rows)`` rows in all).
        self.count = 0

    def __len__(self) -> int:
        return self.count + len(self.rows)

    def reject(self, source: str, line_number: int, reason: str, norad_id=None) -> None:
        self.rejected.append(Rejection(source, line_number, norad_id, reason))

    def tolerate(self, source: str, line_number: int, field: str, value: str,
                 meaning: str) -> None:
        """A field of a kept line that was not read (set missing), counted for the file's
        one summary line per field and value (:meth:`tolerated_summary`)."""
        entry = self.tolerated.setdefault((source, field, value, meaning), [0, line_number])
        entry[0] += 1

    def tolerated_summary(self) -> list[str]:
        """One line per file, field and value: ``FILE: column 22: 'R' on 1,073 lines (from
        line 1): sky condition unknown``; at most three values per field and file, then the
        count of the others."""
        shown: dict[tuple, int] = {}
        others: dict[tuple, list] = {}
        out = []
        for (source, field, value, meaning), (count, first) in sorted(
                self.tolerated.items(), key=lambda item: (item[0][0], item[1][1])):
            key = (source, field)
            shown[key] = shown.get(key, 0) + 1
            if shown[key] > 3:
                rest = others.setdefault(key, [0, 0, meaning])
                rest[0] += 1
                rest[1] += count
                continue
            out.append(f"{source}: {field}: {value!r} on {count:,} line{'s' if count != 1 else ''}"
                       f" (from line {first}): {meaning}")
        for (source, field), (values, count, meaning) in others.items():
            out.append(f"{source}: {field}: {values} other value{'s' if values != 1 else ''} on "
                       f"{count:,} line{'s' if count != 1 else ''}: {meaning}")
        return out

    def add(self, **row) -> None:
        """One observation; `time` an ISO-8601 string or datetime64, angles in degrees.

        A magnitude that is not a possible one (:data:`~debris.magnitude.MAGNITUDE_RANGE`)
        or a magnitude uncertainty that is not positive and finite costs that field, not
        the observation: it is left out and listed in :attr:`dropped`."""
        for name in ("magnitude", "magnitude_sigma"):
            value = row.get(name)
            if value is None:
                continue
            problem = (magnitude_problem(value) if name == "magnitude" else
                       None if in_range(float(value), 0.0, MAGNITUDE_RANGE[1], low_open=True)
                       else f"magnitude_sigma: {value!r} is not a possible uncertainty "
                            f"(expected {range_text(0.0, MAGNITUDE_RANGE[1], low_open=True)})")
            if problem:
                self.dropped.append(f"{row.get('file')}:{row.get('line')}: {problem}; the "
                                    "observation is kept without it")
                row[name] = None
                if name == "magnitude":
                    row["magnitude_sigma"] = None
        self.rows.append(row)
        if len(self.rows) >= _BATCH_ROWS:  # compact columns, not dicts, for large files
            self._batches.append(_assemble(self.rows))
            self.rows = []
            self.count += _BATCH_ROWS

    def build(self) -> Table:
        """The table, rows in file order, with the equinox reduction to ICRS applied."""
        from .reduction import precess_to_icrs  # astropy frames: loaded only when reducing

        table = _assemble(self.rows)
        if self._batches:
            table = Table.concat([*self._batches, table])
        table.meta["rejected"] = list(self.rejected)
        table.meta["dropped_fields"] = list(self.dropped)
        table.meta["tolerated"] = self.tolerated_summary()
        if len(table):
            ra, dec = precess_to_icrs(table["ra_deg"], table["dec_deg"], table["equinox"],
                                      table["time"])
            table.columns["ra_deg"], table.columns["dec_deg"] = ra, dec
        return table


def _assemble(rows: list[dict]) -> Table:
    columns = {}
    n = len(rows)
    times = np.array([np.datetime64(r["time"], "ns") for r in rows], dtype="datetime64[ns]")
    columns["time"] = to_times(times) if n else to_times(np.array([], dtype="datetime64[ns]"))
    for name in OBSERVATION_COLUMNS[1:]:
        if name == "file":  # one path per file, shared (not 4 bytes a character a row)
            columns[name] = np.array([sys.intern(str(r.get(name, "") or "")) for r in rows],
                                     dtype=object)
        elif name in _TEXT:
            columns[name] = np.array([str(r.get(name, "") or "") for r in rows], dtype=object
                                     ).astype(str) if n else np.array([], dtype=str)
        elif name in _FLOAT:
            columns[name] = np.array([_float(r.get(name)) for r in rows], dtype=float)
        else:  # norad_id, line
            columns[name] = np.array([int(r.get(name, -1) if r.get(name) is not None else -1)
                                      for r in rows], dtype=np.int64)
    return Table(columns)


def _float(value) -> float:
    return np.nan if value is None else float(value)


def empty_observations() -> Table:
    """A table with the observation columns and no rows."""
    table = _assemble([])
    table.meta["rejected"] = []
    table.meta["dropped_fields"] = []
    table.meta["tolerated"] = []
    return table
