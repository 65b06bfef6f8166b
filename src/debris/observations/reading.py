"""One entry point for observation files: the format is recognised from the content.

The formats are those of the registry (:mod:`.formats`: IOD, UK, R.D.E., CCSDS TDM in KVN
or XML, CSV). Bad lines are rejected and reported (file, line, field, expected); a file
that cannot be read at all raises.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ObservationFileError
from ..io.files import read_bytes
from ..table import Table
from .formats import detect_format, observation_formats
from .records import ObservationBuilder

__all__ = ["read_observations", "parse_observations", "ObservationFileError"]


def read_observations(paths, *, strict: bool = False, format: str = "auto") -> Table:
    """Read observation files into one table (rows in file order).

    Parameters
    ----------
    paths : path or sequence of paths
    strict : bool
        False (default): a line is an observation when its essential fields (object,
        station, time, angle format and epoch, angles) are valid; any other field that
        does not follow its format is read as missing and summarised per file in
        ``meta["tolerated"]``. True: every field is validated and such lines are rejected
        (for observers checking their own files).
    format : str
        ``auto`` (recognised from the content) or a registered format's name
        (:func:`~debris.observations.formats.observation_formats`).

    Returns
    -------
    Table
        The columns of :mod:`debris.observations.records`; ``table.meta["rejected"]`` lists
        the rejected lines (:class:`~debris.catalog.Rejection`).

    Raises
    ------
    ObservationFileError
        A file that is missing, empty, binary or holds no observation line at all.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    builder = ObservationBuilder(strict=strict)
    for path in paths:
        data = read_bytes(path, ObservationFileError, "observation file")
        reason = _binary(data)
        if reason:
            raise ObservationFileError(f"{path}: binary data ({reason}), not an observation "
                                       "file; expected IOD, UK, R.D.E., TDM or CSV text")
        text = data.decode("utf-8", errors="replace")
        if not text.strip():
            raise ObservationFileError(f"{path}: empty file; expected IOD, UK, R.D.E., TDM or "
                                       "CSV observations")
        before = len(builder) + len(builder.rejected)
        parse_observations(text, str(path), builder, format)
        if len(builder) + len(builder.rejected) == before:
            raise ObservationFileError(f"{path}: no observation lines found; expected IOD, UK, "
                                       "R.D.E., TDM or CSV observations")
    return builder.build()


#: Control bytes no observation text holds (all but tab, line feed, vertical tab, form feed
#: and carriage return).
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _binary(data: bytes) -> str | None:
    """Why `data` is not text (None when it is): a control byte, or (for files without
    any) more than a tenth of the bytes outside ASCII where UTF-8 cannot decode them."""
    bad = _CONTROL.search(data)
    if bad is not None:
        return f"byte 0x{data[bad.start()]:02x} at offset {bad.start()}"
    head = data[:65536]
    high = sum(1 for b in head if b >= 0x80)
    if high > 0.1 * max(len(head), 1):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not a character cut at the end of the sample
                return f"{high} of the first {len(head)} bytes are not text"
    return None


def parse_observations(text: str, source: str, builder: ObservationBuilder,
                       format: str = "auto") -> int:
    """Parse `text` into `builder` in the named format, or the one the registry recognises
    (:func:`~debris.observations.formats.detect_format`); return the rows added."""
    spec = detect_format(text) if format == "auto" else observation_formats()[format]
    return spec.read(text, source, builder)
