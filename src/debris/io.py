"""Writers: atomic files, CSV, JSON with a meta block, CCSDS OEM, readable tables.

No output file is ever left half-written: :func:`atomic_write` writes to
a temporary file beside the target and renames it into place only when
everything has been written.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from ._version import __version__
from .table import Table
from .timescale import format_iso

__all__ = ["atomic_write", "iter_table_json", "write_text", "read_toml", "table_to_csv",
           "table_to_json", "table_to_text",
           "oem_kvn", "meta_block", "utc_now_iso"]


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside `path`; rename it onto `path` on success.

    On any exception the temporary file is removed and `path` is left
    as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None,
                       newline="" if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_toml(path, error_type) -> dict:
    """Parse a TOML file, raising `error_type` naming the file when it is missing or bad."""
    import tomllib

    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error_type(f"{path}: no such file") from None
    except OSError as exc:
        raise error_type(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error_type(f"{path}: not valid TOML ({exc})") from None


def write_text(text, output=None) -> None:
    """Write text to a file atomically, or to stdout when `output` is None or '-'.

    `text` is a string or an iterable of strings (written one after the other, so a large
    output never has to be held as one string).
    """
    pieces = [text] if isinstance(text, str) else text
    if output is None or str(output) == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    with atomic_write(output) as handle:
        for piece in pieces:
            handle.write(piece)


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


def table_to_csv(table: Table, float_format: str = "{:.6f}") -> str:
    """Return the table as CSV text (header row of field names, empty cell for missing)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.names)
    for row in table.records():
        out = []
        for value in row.values():
            if value is None:
                out.append("")
            elif isinstance(value, bool):
                out.append("true" if value else "false")
            elif isinstance(value, float):
                out.append(float_format.format(value))
            else:
                out.append(value)
        writer.writerow(out)
    return buffer.getvalue()


_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f-\U0010ffff]')  # so tokens are ASCII


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
                    rows_per_piece: int = 8192):
    """The text of :func:`table_to_json` in pieces of `rows_per_piece` records, for
    :func:`write_text`: large tables are formatted a block at a time.

    Each block is assembled as one (rows, bytes) array: every column's tokens padded to
    the column's width (JSON allows the spaces), floats with fixed decimals written digit
    by digit with integer arithmetic.
    """
    yield json.dumps({"meta": meta}, indent=1, allow_nan=False, default=_plain)[:-2]
    if not len(table):
        yield f',\n "{key}": []}}\n'
        return
    yield f',\n "{key}": [\n'
    decimals = decimals or {}
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
        yield text[:-2] + "\n]}\n" if start + rows >= len(table) else text


def _token_matrix(values: np.ndarray, decimals: int | None) -> np.ndarray:
    """A column's JSON tokens as a (N, width) ASCII byte array, padded with spaces."""
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
    """Return an aligned, human-readable table."""
    columns = columns or table.names
    formats = formats or {}
    headers = headers or {}
    cells = [[headers.get(c, c) for c in columns]]
    for row in table.records():
        line = []
        for c in columns:
            value = row[c]
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


def oem_kvn(times, r_km, v_km_s, *, object_name: str, object_id: str, ref_frame: str,
            originator: str = "DEBRIS", comments=()) -> str:
    """Return a CCSDS Orbit Ephemeris Message (502.0-B-2) in KVN form.

    Parameters
    ----------
    times : Times, shape (T,)
    r_km, v_km_s : ndarray, shape (T, 3)
    object_name, object_id : str
        OBJECT_ID is the international designator (e.g. ``1998-067A``).
    ref_frame : str
        ``TEME`` or ``ITRF`` (CCSDS reference-frame names).

    Rows whose state is NaN (SGP4 failure) are left out and listed in a
    COMMENT.
    """
    ok = np.all(np.isfinite(r_km), axis=1) & np.all(np.isfinite(v_km_s), axis=1)
    iso = np.char.rstrip(format_iso(times), "Z")
    lines = [
        "CCSDS_OEM_VERS = 2.0",
        f"CREATION_DATE = {utc_now_iso()[:-1]}",
        f"ORIGINATOR = {originator}",
        "",
        "META_START",
        f"OBJECT_NAME = {object_name or 'UNKNOWN'}",
        f"OBJECT_ID = {object_id or 'UNKNOWN'}",
        "CENTER_NAME = EARTH",
        f"REF_FRAME = {ref_frame}",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {iso[ok][0] if ok.any() else iso[0]}",
        f"STOP_TIME = {iso[ok][-1] if ok.any() else iso[-1]}",
        "META_STOP",
        "",
    ]
    for comment in comments:
        lines.append(f"COMMENT {comment}")
    if not ok.all():
        lines.append(f"COMMENT {int((~ok).sum())} epochs omitted: SGP4 returned an error "
                     "(decayed or invalid elements)")
    for t, r, v in zip(iso[ok], r_km[ok], v_km_s[ok]):
        lines.append(f"{t} {r[0]:.6f} {r[1]:.6f} {r[2]:.6f} {v[0]:.9f} {v[1]:.9f} {v[2]:.9f}")
    return "\n".join(lines) + "\n"
