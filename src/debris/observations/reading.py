"""One entry point for observation files: the format is recognised from the content.

IOD, UK, R.D.E., CCSDS TDM (KVN or XML) and a plain CSV with a header (``time_utc,
station, ra_deg, dec_deg`` or ``az_deg, el_deg``; optional ``sigma_arcsec``, ``norad_id``,
``magnitude``). A file of fixed-column lines is read as IOD when most of its data lines have
IOD's blanks at columns 6 and 16, else as UK. Bad lines are rejected and reported (file,
line, field, expected); a file that cannot be read at all raises.
"""

from __future__ import annotations

import re

import csv
import io
from pathlib import Path

import numpy as np

from ..errors import ObservationFileError
from ..io.files import read_bytes
from ..table import Table
from .iod import _element_lines, read_iod_text
from .records import ObservationBuilder, utc_datetime64
from .tdm import looks_like_tdm, read_tdm_text
from .uk import looks_like_rde, read_rde_text, read_uk_text

__all__ = ["read_observations", "parse_observations", "ObservationFileError"]

_CSV_REQUIRED = ("time_utc", "station")
#: Largest catalogue number (Alpha-5 reaches 339999).
_MAX_NORAD = 339999


def read_observations(paths, *, strict: bool = False) -> Table:
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
        parse_observations(text, str(path), builder)
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


def parse_observations(text: str, source: str, builder: ObservationBuilder) -> int:
    """Parse `text` (any supported format) into `builder`; return the rows added."""
    if looks_like_tdm(text):
        return read_tdm_text(text, source, builder)
    if looks_like_rde(text):
        return read_rde_text(text, source, builder)
    first = next((line for line in text.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")), "")
    if "time_utc" in first and "," in first:
        return _read_csv(text, source, builder)
    lines = text.splitlines()
    elements = _element_lines(lines)  # satfit's files open with a name and a TLE
    data = [line for number, line in enumerate(lines, 1) if line.strip() and
            not line.startswith("#") and number not in elements]
    iod_like = sum(len(line) > 16 and line[5] == " " and line[15] == " " for line in data)
    uk_like = sum(bool(re.match(r"\d{11}", line)) for line in data)
    if iod_like > uk_like or (uk_like == 0 and iod_like * 2 >= len(data)):
        return read_iod_text(text, source, builder)
    return read_uk_text(text, source, builder)


def _read_csv(text: str, source: str, builder: ObservationBuilder) -> int:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    header = [h.strip() for h in next(reader)]
    missing = [name for name in _CSV_REQUIRED if name not in header]
    radec = "ra_deg" in header and "dec_deg" in header
    azel = "az_deg" in header and "el_deg" in header
    if missing or not (radec or azel):
        builder.reject(source, lines[0][0], "CSV header needs time_utc, station and ra_deg, "
                       f"dec_deg or az_deg, el_deg; got {', '.join(header)}")
        return 0
    count = 0
    for (number, _), values in zip(lines[1:], reader):
        row = dict(zip(header, (v.strip() for v in values)))
        try:
            fields = _csv_fields(row, radec)
        except ValueError as exc:
            builder.reject(source, number, str(exc))
            continue
        builder.add(format="csv", file=source, line=number, **fields)
        count += 1
    return count


def _csv_fields(row: dict, radec: bool) -> dict:
    time = row.get("time_utc", "")
    if not time or (len(time) > 6 and time[-6] in "+-" and time[-3] == ":"):
        raise ValueError(f"time_utc: expected an ISO-8601 time in UTC (Z or no offset), got "
                         f"{time!r}")
    try:
        when = utc_datetime64(time)
    except ValueError:
        raise ValueError(f"time_utc: expected an ISO-8601 UTC time, got {time!r}") from None
    station = row.get("station", "")
    if not station:
        raise ValueError("station: empty")
    names = ("ra_deg", "dec_deg") if radec else ("az_deg", "el_deg")
    fields = {"time": str(when), "station": station, "angle_type": "radec" if radec else
              "azel", "equinox": "J2000" if radec else ""}
    for name in names + ("sigma_arcsec", "magnitude"):
        text = row.get(name, "")
        if not text:
            if name in names:
                raise ValueError(f"{name}: empty")
            continue
        try:
            fields[name] = float(text)
        except ValueError:
            raise ValueError(f"{name}: expected a number, got {text!r}") from None
    a, b = fields[names[0]], fields[names[1]]
    if not (np.isfinite(a) and -90.0 <= b <= 90.0):
        raise ValueError(f"{names[0]}, {names[1]}: {a}, {b} is outside the sky")
    fields[names[0]] = a % 360.0
    if fields.get("sigma_arcsec") is not None and not fields["sigma_arcsec"] > 0:
        raise ValueError(f"sigma_arcsec: expected a positive number, got {row['sigma_arcsec']}")
    norad = row.get("norad_id", "")
    if norad:
        if not (norad.isascii() and norad.isdigit() and 0 < int(norad) <= _MAX_NORAD):
            raise ValueError(f"norad_id: expected a catalogue number, got {norad!r}")
        fields["norad_id"] = int(norad)
    return fields
