"""Tables as text: CSV, JSON with a meta block, aligned text; the one place times become ISO.

Every writer takes a :class:`~debris.table.Table` of numbers; time columns
(:class:`~debris.timescale.Times`) are written as UTC ISO-8601 with ``Z`` and milliseconds
(README, "Conventions"), missing values as ``null`` in JSON and empty cells in
CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import numpy as np

from .._version import __version__
from ..table import Table
from ..timescale import JD_UNIX_EPOCH, Times, format_iso

__all__ = ["iter_table_json", "iter_table_csv", "table_to_csv", "table_to_json", "table_to_text",
           "meta_block", "utc_now_iso", "iso_text", "epoch_text", "local_iso_text", "day_clock",
           "nested_records", "jsonable"]


def iso_text(times: Times) -> np.ndarray:
    """UTC ISO-8601 text of times (``2026-11-23T17:04:05.123Z``), empty where missing."""
    return format_iso(times)


def epoch_text(times: Times) -> np.ndarray:
    """UTC ISO-8601 text of epochs to the microsecond, without zone letter, as CCSDS
    messages and OMM files carry them (``2024-11-01T03:12:45.123456``)."""
    days = np.round(np.atleast_1d(times.jd) - JD_UNIX_EPOCH).astype(np.int64)
    micro = np.round((np.atleast_1d(times.jd) - JD_UNIX_EPOCH - days + np.atleast_1d(times.fr))
                     * 86_400_000_000.0).astype(np.int64)
    stamps = (days * 86_400_000_000 + micro).astype("datetime64[us]")
    return np.datetime_as_string(stamps, unit="us").reshape(np.shape(times.jd))


def day_clock(first_date: str, *, seconds: bool = True, mark: str = "+{}"):
    """A formatter of ISO text: ``hh:mm:ss`` (``hh:mm`` without `seconds`), and ``+1``
    (``+2``, ...; `mark` formats the count, e.g. ``" +{}d"``) on times of a later date than
    `first_date` (``YYYY-MM-DD`` of the night's start, in the same zone), so 00:24 after
    midnight does not read as the evening before; ``-`` where the text is empty."""
    start = np.datetime64(first_date, "D")
    end = 19 if seconds else 16

    def clock(text):
        if not text:
            return "-"
        days = int((np.datetime64(text[:10], "D") - start).astype(int))
        return text[11:end] + (mark.format(days) if days > 0 else "")
    return clock


def local_iso_text(times: Times, zone) -> np.ndarray:
    """ISO-8601 text of times in a time zone with its offset
    (``2024-11-01T18:23:32.150+05:00``), empty where missing.

    Parameters
    ----------
    times : Times, shape (N,)
    zone : zoneinfo.ZoneInfo
        The offset is the zone's at each time (daylight saving included; zones change their
        offset on whole hours).
    """
    missing = np.atleast_1d(times.isnan())
    out = np.full(missing.shape, "", dtype=object)
    good = ~missing
    # the milliseconds format_iso writes (rounded the same way), as datetime64
    days = np.round(np.atleast_1d(times.jd)[good] - JD_UNIX_EPOCH).astype(np.int64)
    ms = np.round(np.atleast_1d(times.fr)[good] * 86_400_000.0).astype(np.int64)
    utc = np.full(missing.shape, np.datetime64("NaT"), dtype="datetime64[ms]")
    utc[good] = (days * 86_400_000 + ms).astype("datetime64[ms]")
    if not good.any():
        return out.astype(str)
    hours, inverse = np.unique(utc[good].astype("datetime64[h]"), return_inverse=True)
    offsets_min = np.array([int(hour.item().replace(tzinfo=dt.timezone.utc).astimezone(zone)
                                .utcoffset().total_seconds() // 60)
                            for hour in hours])[inverse.reshape(-1)]
    local = utc[good] + offsets_min.astype("timedelta64[m]")
    sign = np.where(offsets_min < 0, "-", "+")
    size = np.abs(offsets_min)
    suffix = [f"{s}{m // 60:02d}:{m % 60:02d}" for s, m in zip(sign, size)]
    out[good] = np.char.add(np.datetime_as_string(local, unit="ms").astype(str),
                            np.array(suffix, dtype=str))
    return out.astype(str)


def utc_now_iso() -> str:
    """Current UTC time as ISO-8601 with Z and milliseconds."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def meta_block(**fields) -> dict:
    """Return the ``meta`` block of JSON outputs (tool, version, creation time + fields)."""
    meta = {"tool": "debris", "version": __version__, "created_utc": utc_now_iso()}
    meta.update(fields)
    return meta


def _plain(value):
    """JSON fallback for numpy scalars and arrays in meta blocks."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _column_values(values, missing=None) -> list:
    """A column as plain Python values: times as ISO text, NaN and empty text as `missing`."""
    if isinstance(values, Times):
        return [v or missing for v in iso_text(values).tolist()]
    items = values.tolist()
    if values.dtype.kind == "f":
        return [missing if v != v else v for v in items]
    if values.dtype.kind in "US":
        return [v if v != "" else missing for v in items]
    return items


def table_to_csv(table: Table, float_format: str = "{:.6f}") -> str:
    """Return the table as CSV text (header row of field names, empty cell for missing).

    A text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return and is not a number) gets a leading ``'``, as
    spreadsheets expect (OWASP, "CSV injection")."""
    return "".join(iter_table_csv(table, float_format))


def iter_table_csv(table: Table, float_format: str = "{:.6f}", rows_per_piece: int = 8192):
    """The text of :func:`table_to_csv` in pieces of `rows_per_piece` rows (for
    :func:`~debris.io.files.write_text`: a large table is never one string)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.names)
    for start in range(0, max(len(table), 1), rows_per_piece):
        block = slice(start, start + rows_per_piece)
        columns = []
        for values in table.columns.values():
            part = values[block]
            cells = _column_values(part, "")
            if isinstance(values, np.ndarray) and values.dtype.kind == "b":
                cells = ["true" if v else "false" for v in cells]
            elif isinstance(values, np.ndarray) and values.dtype.kind == "f":
                cells = [v if v == "" else float_format.format(v) for v in cells]
            elif isinstance(values, np.ndarray) and values.dtype.kind in "USO":
                cells = [_defused(v) for v in cells]
            columns.append(cells)
        writer.writerows(zip(*columns))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defused(cell):
    """`cell` with a leading ``'`` when a spreadsheet would take it for a formula."""
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_START):
        return cell
    try:
        float(cell)
        return cell  # a number (-1.5, +3) is data, not a formula
    except ValueError:
        return "'" + cell


# Anything but printable ASCII other than a quote or backslash: escaped, so tokens are ASCII.
_NEEDS_ESCAPE = re.compile(r'[^\x20\x21\x23-\x5b\x5d-\x7e]')


def _json_tokens(values: np.ndarray, decimals: int | None = None) -> list[str]:
    """JSON literals for one column (NaN and empty text -> null); floats with `decimals`
    decimals when given, else in their shortest round-trip form."""
    kind = values.dtype.kind
    if kind == "b":
        return ["true" if v else "false" for v in values.tolist()]
    if kind in "iu":
        return list(map(str, values.tolist()))
    if kind == "f":
        form = repr if decimals is None else f"%.{int(decimals)}f".__mod__
        tokens = list(map(form, values.tolist()))
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            tokens[i] = "null"
        return tokens
    if kind in "US":
        texts = values.tolist()
        if _NEEDS_ESCAPE.search("".join(texts)):
            return [("null" if v == "" else json.dumps(v) if _NEEDS_ESCAPE.search(v)
                     else f'"{v}"') for v in texts]
        tokens = list(map('"%s"'.__mod__, texts))  # nothing to escape: one scan, no per-value test
        for i in np.flatnonzero(values == "").tolist():
            tokens[i] = "null"
        return tokens
    return [json.dumps(v, default=_plain) for v in values.tolist()]


def table_to_json(table: Table, key: str, meta: dict, decimals: dict | None = None) -> str:
    """Return ``{"meta": {...}, key: [records]}`` as JSON text, one record per line.

    Floats are written in their shortest round-trip form, or with ``decimals[column]``
    decimals for the columns named there; NaN and empty text become ``null``.
    """
    return "".join(iter_table_json(table, key, meta, decimals))


def iter_table_json(table: Table, key: str, meta: dict, decimals: dict | None = None,
                    rows_per_piece: int = 8192, more=()):
    """The text of :func:`table_to_json` in pieces of `rows_per_piece` records, for
    :func:`write_text`: large tables are formatted a block at a time.

    `more` holds further ``(key, table)`` pairs written after the first, in the same object.
    Each block is assembled as one (rows, bytes) array: every column's tokens padded to
    the column's width (JSON allows the spaces), floats with fixed decimals written digit
    by digit with integer arithmetic.
    """
    yield json.dumps({"meta": meta}, indent=1, allow_nan=False, default=_plain)[:-2]
    for name, part in [(key, table), *more]:
        yield from _iter_records(part, name, decimals or {}, rows_per_piece)
    yield "}\n"


def _iter_records(table: Table, key: str, decimals: dict, rows_per_piece: int):
    if not len(table):
        yield f',\n "{key}": []'
        return
    yield f',\n "{key}": [\n'
    names = list(table.columns)
    labels = [("{" if i == 0 else ", ") + json.dumps(n) + ": " for i, n in enumerate(names)]
    for start in range(0, len(table), rows_per_piece):
        block = slice(start, start + rows_per_piece)
        rows = min(len(table), start + rows_per_piece) - start
        parts = []
        for label, name in zip(labels, names):
            parts.append(np.broadcast_to(np.frombuffer(label.encode(), np.uint8),
                                         (rows, len(label))))
            parts.append(_token_matrix(table.columns[name][block], decimals.get(name)))
        parts.append(np.broadcast_to(np.frombuffer(b"},\n", np.uint8), (rows, 3)))
        text = np.concatenate(parts, axis=1).tobytes().decode("ascii")
        yield text[:-2] + "\n]" if start + rows >= len(table) else text


def _token_matrix(values, decimals: int | None) -> np.ndarray:
    """A column's JSON tokens as a (N, width) ASCII byte array, padded with spaces."""
    if isinstance(values, Times):
        values = iso_text(values)
    kind = values.dtype.kind
    if kind == "f" and decimals is not None:
        return _fixed_point_matrix(values, int(decimals))
    if kind in "iub":
        tokens = (values.astype("S") if kind != "b"
                  else np.where(values, b"true", b"false").astype("S5"))
    elif kind == "U" and (quoted := _plain_text_matrix(values)) is not None:
        return quoted
    else:
        tokens = np.array(_json_tokens(values, decimals), dtype="S")  # ASCII by construction
    matrix = tokens.view(np.uint8).reshape(len(tokens), -1).copy()
    matrix[matrix == 0] = ord(" ")
    return matrix


def _plain_text_matrix(values: np.ndarray):
    """Text needing no escapes as quoted ASCII tokens (``null`` when empty), (N, width)
    bytes; None when some value needs escaping or is not ASCII."""
    try:
        raw = values.astype("S")
    except UnicodeEncodeError:
        return None
    width = raw.dtype.itemsize
    body = raw.view(np.uint8).reshape(len(raw), width) if width else np.zeros((len(raw), 0),
                                                                                np.uint8)
    special = (body == 34) | (body == 92) | (body == 127) | ((body < 32) & (body != 0))
    embedded_nul = (body[:, :-1] == 0) & (body[:, 1:] != 0)
    if special.any() or embedded_nul.any():
        return None  # quotes, backslashes, control characters: the escaping path
    lengths = (body != 0).sum(axis=1)
    out = np.full((len(raw), max(width + 2, 4)), ord(" "), np.uint8)
    out[:, 1:width + 1] = np.where(body == 0, ord(" "), body)
    out[:, 0] = ord('"')
    out[np.arange(len(raw)), lengths + 1] = ord('"')
    empty = lengths == 0
    out[empty] = ord(" ")
    out[empty, :4] = np.frombuffer(b"null", np.uint8)
    return out


def _fixed_point_matrix(values: np.ndarray, decimals: int) -> np.ndarray:
    """Floats as right-aligned fixed-point ASCII with `decimals` decimals (``null`` for
    NaN), (N, width) bytes."""
    finite = np.isfinite(values)
    scale = 10 ** decimals
    q = np.rint(np.where(finite, values, 0.0) * scale).astype(np.int64)
    negative = q < 0
    whole, frac = np.divmod(np.abs(q), scale)
    digits = np.ones(len(q), np.int64)
    rest = whole // 10
    while rest.any():
        digits += rest > 0
        rest //= 10
    point = 1 if decimals else 0
    width = max(4, int((digits + negative).max(initial=1)) + point + decimals)
    out = np.full((len(q), width), ord(" "), np.uint8)
    for i in range(decimals):
        out[:, width - 1 - i] = 48 + frac // 10 ** i % 10
    if decimals:
        out[:, width - 1 - decimals] = ord(".")
    last_int = width - 1 - decimals - point
    for i in range(int(digits.max(initial=1))):
        has = digits > i
        out[has, last_int - i] = 48 + whole[has] // 10 ** i % 10
    sign_at = last_int - digits[negative]
    out[np.flatnonzero(negative), sign_at] = ord("-")
    out[~finite] = ord(" ")
    out[~finite, width - 4:] = np.frombuffer(b"null", np.uint8)
    return out


def table_to_text(table: Table, columns=None, formats: dict | None = None,
                  headers: dict | None = None) -> str:
    """Return an aligned, human-readable table (times as ISO text, missing values as -)."""
    columns = columns or table.names
    formats = formats or {}
    headers = headers or {}
    cells = [[headers.get(c, c) for c in columns]]
    values = {c: _column_values(table[c]) for c in columns}
    for k in range(len(table)):
        line = []
        for c in columns:
            value = values[c][k]
            if value is None:
                line.append("-")
            elif c in formats:
                line.append(formats[c](value) if callable(formats[c]) else formats[c].format(value))
            elif isinstance(value, float):
                line.append(f"{value:.2f}")
            else:
                line.append(str(value))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def nested_records(tables: dict, decimals: int | None = None) -> list[dict]:
    """Row-aligned tables keyed by name as one dict per row: ``{name: record, ...}``.

    For a JSON column of nested records (e.g. a conjunction's observability from each site):
    times as ISO text (None when missing), floats rounded to `decimals` when given, numpy
    scalars as Python values.
    """
    out = None
    for key, table in tables.items():
        columns = {}
        for name, values in table.columns.items():
            items = _column_values(values)
            if decimals is not None and isinstance(values, np.ndarray) \
                    and values.dtype.kind == "f":
                items = [v if v is None else round(v, decimals) for v in items]
            columns[name] = items
        if out is None:
            out = [{} for _ in range(len(table))]
        for k, row in enumerate(out):
            row[key] = {name: items[k] for name, items in columns.items()}
    return out or []


def jsonable(value):
    """`value` with every :class:`Times` of one element turned into ISO text (for meta
    blocks and summaries written as JSON)."""
    if isinstance(value, Times):
        text = iso_text(value)
        return (text[0] or None) if len(text) == 1 else [t or None for t in text.tolist()]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
