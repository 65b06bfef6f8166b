"""Batches of observation files: each file is used or skipped whole, with every reason.

A night's folder or a command line names many files; one that cannot be used (missing,
empty, binary, no observation line, or observations from stations that no station list
knows) must not stop the others. :func:`read_observation_batch` reads each file on its own,
checks its stations against the known ones, and returns the usable files' observations with
one :class:`SkippedFile` per file that was left out, naming every problem it has (all its
unknown stations at once, each with the line that first uses it and how many observations do).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ObservationFileError, UnknownStationError
from ..table import Table
from .reading import read_observations
from .records import empty_observations

__all__ = ["SkippedFile", "read_observation_batch", "unknown_stations"]


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of a batch: its path and every reason (one line each)."""

    path: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.path}: " + "; ".join(self.reasons)


def _unknown(observations: Table, stations) -> dict:
    """{code: (observations, first FILE:LINE)} of the station codes `stations` lacks."""
    out = {}
    codes = observations["station"]
    for code in np.unique(codes):
        try:
            stations.site(code)
        except UnknownStationError:
            rows = np.flatnonzero(codes == code)
            out[str(code)] = (len(rows), f"{observations['file'][rows[0]]}:"
                                         f"{observations['line'][rows[0]]}")
    return out


def _unknown_line(code: str, count: int, first: str, files: int = 1) -> str:
    return (f"unknown station {code!r} ({count} observation{'s' if count != 1 else ''}"
            + (f" in {files} files" if files > 1 else "") + f", first at {first})")


def unknown_stations(observations: Table, stations) -> list[str]:
    """Every station code of `observations` that `stations` does not know, one line each:
    ``unknown station 'XXXX' (N observations, first at FILE:LINE)``."""
    return [_unknown_line(code, *item) for code, item in _unknown(observations, stations).items()]


def read_observation_batch(paths, stations, *, skip_unknown_stations: bool = True,
                           strict: bool = False, format: str = "auto"):
    """Read observation files one by one, keeping the usable ones.

    Parameters
    ----------
    paths : sequence of path
    stations : Stations
        The known stations (:func:`~debris.observations.load_stations`).
    skip_unknown_stations : bool
        True: a file with observations from unknown stations is skipped like an unreadable
        one. False: raise instead, naming every unknown station of every file at once.
    strict : bool
        Validate every field of every line (:func:`~debris.observations.read_observations`).
    format : str
        ``auto`` or a registered format's name (the same for every file).

    Returns
    -------
    observations : Table
        The usable files' observations in file order; ``meta["rejected"]`` holds their
        rejected lines, ``meta["dropped_fields"]`` the fields left out of kept lines,
        ``meta["tolerated"]`` the per-file summaries of fields read as missing.
    skipped : list of SkippedFile
        The files left out, in the order given.

    Raises
    ------
    UnknownStationError
        With ``skip_unknown_stations=False``, when any file uses an unknown station.
    """
    tables, skipped, unknown = [], [], {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        try:
            table = read_observations(path, strict=strict, format=format)
        except ObservationFileError as exc:
            skipped.append(SkippedFile(str(path), (str(exc).removeprefix(f"{path}: "),)))
            continue
        if len(table) == 0:
            reasons = [str(r) for r in table.meta.get("rejected", [])[:5]]
            skipped.append(SkippedFile(str(path), ("every observation line was rejected",
                                                    *reasons)))
            continue
        missing = _unknown(table, stations)
        for code, (count, first) in missing.items():  # each code once over all files
            total, where, files = unknown.get(code, (0, first, 0))
            unknown[code] = (total + count, where, files + 1)
        if missing and skip_unknown_stations:
            skipped.append(SkippedFile(str(path), tuple(
                _unknown_line(code, *item) for code, item in missing.items())))
            continue
        tables.append(table)
    if unknown and not skip_unknown_stations:
        raise UnknownStationError.many([_unknown_line(code, count, first, files) for
                                        code, (count, first, files) in unknown.items()],
                                       sorted(stations))
    if not tables:
        return empty_observations(), skipped
    out = Table.concat(tables)
    for key in ("rejected", "dropped_fields", "tolerated"):
        out.meta[key] = [r for t in tables for r in t.meta.get(key, [])]
    return out, skipped
