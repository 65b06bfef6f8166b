"""Plain CSV observations: a header, then one observation per row.

Required columns ``time_utc`` (ISO-8601 UTC) and ``station``, with ``ra_deg``, ``dec_deg``
(ICRS) or ``az_deg``, ``el_deg``; optional ``sigma_arcsec``, ``norad_id`` and ``magnitude``;
other columns are ignored. Written: the same columns (RA/Dec rows).
"""

from __future__ import annotations

import csv
import io

import numpy as np

from ..io.files import text_lines
from ..io.tables import iso_text
from .records import ObservationBuilder, ObservationFormat, utc_datetime64

__all__ = ["read_csv_text", "csv_text", "looks_like_csv", "FORMATS"]

_CSV_REQUIRED = ("time_utc", "station")
#: Largest catalogue number (Alpha-5 reaches 339999).
_MAX_NORAD = 339999
_WRITTEN = ("time_utc", "station", "norad_id", "ra_deg", "dec_deg", "sigma_arcsec",
            "magnitude")


def looks_like_csv(text: str) -> float:
    """1 when the first line that is not a comment is a header with ``time_utc``."""
    first = next((line for line in text_lines(text)
                  if line.strip() and not line.lstrip().startswith("#")), "")
    return 1.0 if "time_utc" in first and "," in first else 0.0


def read_csv_text(text: str, source: str, builder: ObservationBuilder) -> int:
    """Parse CSV observations into `builder`; return the number read."""
    lines = [(n, line) for n, line in enumerate(text_lines(text), 1)
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


def csv_text(observations) -> str:
    """The RA/Dec rows of `observations` as CSV (``time_utc, station, norad_id, ra_deg,
    dec_deg, sigma_arcsec, magnitude``), readable by :func:`read_csv_text`."""
    rows = np.flatnonzero(np.isfinite(observations["ra_deg"]))
    iso = iso_text(observations["time"][rows]) if rows.size else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_WRITTEN)
    for k, i in enumerate(rows):
        norad = int(observations["norad_id"][i])
        sigma, mag = observations["sigma_arcsec"][i], observations["magnitude"][i]
        writer.writerow([iso[k], observations["station"][i], norad if norad >= 0 else "",
                         repr(float(observations["ra_deg"][i])),
                         repr(float(observations["dec_deg"][i])),
                         repr(float(sigma)) if np.isfinite(sigma) else "",
                         repr(float(mag)) if np.isfinite(mag) else ""])
    return out.getvalue()


FORMATS = (ObservationFormat("csv", "CSV with a header (time_utc, station, ra_deg, dec_deg or "
                             "az_deg, el_deg; optional sigma_arcsec, norad_id, magnitude)",
                             looks_like_csv, read_csv_text, csv_text),)
