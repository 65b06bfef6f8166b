"""Every exception debris raises for bad input, in one place.

Each class subclasses :class:`DebrisError`, itself a :class:`ValueError` (bad input is a value
problem), and carries what a caller needs to react: file, line number, offending value. The
command line turns a :class:`DebrisError` into exit status 2 with its message; any other
exception is a bug in debris (exit status 1, with the traceback).
"""

from __future__ import annotations

__all__ = [
    "DebrisError",
    "InputError",
    "OutputError",
    "NightlyRunError",
    "BackendError",
    "UnknownObjectError",
    "TLEFormatError",
    "OMMFormatError",
    "CatalogError",
    "NaiveDatetimeError",
    "TimeFormatError",
    "UnknownSiteError",
    "SiteFormatError",
    "CDMFormatError",
    "TelescopeFileError",
    "NightlyConfigError",
    "FetchError",
    "ArchiveError",
    "ObservationFileError",
    "UnknownStationError",
    "PreciseOrbitError",
    "InitialOrbitError",
    "DaskError",
]

#: The two lines of a TLE as the format expects them, shown above a rejected line.
_TLE_TEMPLATE = (
    "\n  expected: 1 NNNNNC NNNNNAAA NNNNN.NNNNNNNN +.NNNNNNNN +NNNNN-N +NNNNN-N N NNNNN"
    "\n           2 NNNNN NNN.NNNN NNN.NNNN NNNNNNN NNN.NNNN NNN.NNNN NN.NNNNNNNNNNNNNN"
)


class DebrisError(ValueError):
    """Base class of the errors debris raises for bad input."""


class InputError(DebrisError):
    """An argument or option value debris cannot use (a window that ends before it starts,
    a negative threshold, a date that is not a date, ...)."""


class OutputError(DebrisError):
    """An output that could not be written (a read-only folder, a full disk); nothing was
    written there and any earlier output is as it was."""


class NightlyRunError(DebrisError):
    """A nightly run that would publish worse results than the last good night (no usable
    objects, far fewer than before, elements too old); the previous night is left alone."""


class BackendError(DebrisError):
    """An implementation that is unknown or not installed was asked for (``--backend``,
    ``DEBRIS_BACKEND``, ``DEBRIS_BROADPHASE``, ``DEBRIS_PASS_KERNELS``)."""


class UnknownObjectError(DebrisError, KeyError):
    """A NORAD id that is not in the catalogue (also a :class:`KeyError`)."""

    __str__ = BaseException.__str__  # the message as given, not KeyError's quoted repr


class TLEFormatError(DebrisError):
    """A TLE record is malformed.

    Attributes
    ----------
    source : str
        File name (or ``"<string>"``) the record came from.
    line_number : int or None
        1-based line number of the offending line in `source`.
    reason : str
        What was wrong, in words.
    """

    def __init__(self, reason: str, source: str = "<string>", line_number: int | None = None,
                 line: str | None = None):
        self.reason = reason
        self.source = source
        self.line_number = line_number
        self.line = line
        where = source if line_number is None else f"{source}, line {line_number}"
        message = f"{where}: {reason}"
        if line is not None:
            message += f"{_TLE_TEMPLATE}\n  got:      {line}"
        super().__init__(message)


class OMMFormatError(DebrisError):
    """An OMM record (CSV, JSON or XML) is malformed."""

    def __init__(self, reason: str, source: str = "<string>", line_number: int | None = None):
        self.reason = reason
        self.source = source
        self.line_number = line_number
        where = source if line_number is None else f"{source}, record at line {line_number}"
        super().__init__(f"{where}: {reason}")


class CatalogError(DebrisError):
    """A catalogue file cannot be used at all (missing, empty, unknown format)."""


class NaiveDatetimeError(DebrisError):
    """A datetime without a time zone was given where UTC must be explicit."""


class TimeFormatError(DebrisError):
    """A time value could not be understood."""


class UnknownSiteError(DebrisError):
    """A site name is not among the known observatories."""

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(
            f"unknown site {name!r}; known sites: {', '.join(known)}; "
            "or give coordinates as LAT,LON[,ALT_M] (degrees, degrees, metres), "
            "or define sites in a TOML file (--sites-file)"
        )


class SiteFormatError(DebrisError):
    """A site description (coordinates or TOML entry) is invalid."""


class CDMFormatError(DebrisError):
    """A CDM that cannot be read: names the file, the line and what is wrong."""


class TelescopeFileError(DebrisError):
    """A telescope description that cannot be used: names the file, key and expectation."""


class NightlyConfigError(DebrisError):
    """A nightly configuration that cannot be used: names the key and the expectation."""


class FetchError(DebrisError):
    """A download that failed or was not valid; the previous data is untouched."""


class ArchiveError(DebrisError):
    """An archive that cannot be opened or queried."""


class ObservationFileError(DebrisError):
    """An observation file that cannot be read at all (missing, empty, binary, unknown)."""


class UnknownStationError(UnknownSiteError):
    """An observation's station is in no station list: names the code, where it was used
    and how to add it."""

    def __init__(self, code: str | None, where: str, known: list[str], *,
                 message: str | None = None):
        self.name, self.known = code, known
        DebrisError.__init__(
            self, message or f"{where}: unknown station {code!r}; add it to a station list (NNNN XX "
            f"latitude longitude elevation_m name, as sattools' sites.txt) given with "
            f"--stations, or to a site TOML ([sites.NAME] with station = \"{code}\")"
            + (f"; known stations: {', '.join(known[:20])}" + (" ..." if len(known) > 20 else "")
               if known else ""))

    @classmethod
    def many(cls, lines: list[str], known: list[str]) -> "UnknownStationError":
        """One error for several unknown stations (each of `lines` names one, with where)."""
        if len(lines) == 1:
            head = lines[0]
        else:
            head = f"{len(lines)} unknown stations:\n  " + "\n  ".join(lines) + "\n"
        return cls(None, "", known, message=(
            f"{head}; add them to a station list (NNNN XX latitude longitude elevation_m "
            "name, as sattools' sites.txt) given with --stations, or to a site TOML "
            "([sites.NAME] with station = \"NNNN\"), or pass --skip-unknown-stations to leave "
            "those files out"))


class PreciseOrbitError(DebrisError):
    """A precise-orbit file (SP3, CPF) that cannot be read."""


class InitialOrbitError(DebrisError):
    """Observations that admit no initial orbit (coplanar lines of sight, no root)."""


class DaskError(DebrisError):
    """A Dask cluster that cannot be reached or was lost (``--dask``)."""
