"""Catalogue files as text: files that are not text refused, damaged lines found, and the
records that hold them quarantined (rejected with file, line and reason), never the file.

A real catalogue with one stray byte (a NUL from a bad copy, a non-UTF-8 byte in one
record) is a catalogue with one bad record; a gzip, zip, SQLite, Parquet or PDF file, or
one with control bytes on a large share of its lines, is not a catalogue at all.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from .errors import CatalogError
from .io.files import read_bytes

__all__ = ["catalog_text", "quarantine", "BINARY_LINE_SHARE"]


#: Bytes that never occur in catalogue text (control characters other than tab, line
#: feed, form feed and carriage return).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: Signatures of files that are not text, whatever else they hold.
_SIGNATURES = ((b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"),
               (b"SQLite format 3\x00", "SQLite"), (b"PAR1", "Parquet"), (b"%PDF", "PDF"),
               (b"\x89PNG", "PNG"), (b"\x7fELF", "executable"), (b"\xfd7zXZ", "xz"),
               (b"7z\xbc\xaf", "7-Zip"))
#: Share of lines with control bytes above which a file is binary, not a damaged catalogue.
BINARY_LINE_SHARE = 0.2


def catalog_text(path) -> tuple[str, dict]:
    """The text of a catalogue file and its damaged lines.

    UTF-8 (with or without BOM); a line that is not UTF-8 is read as Latin-1 (old TLE
    files carry Latin-1 names). A line holding control bytes is damaged: the bytes become
    U+FFFD and the record it belongs to is rejected (:func:`quarantine`). A missing or
    unreadable file, a known binary signature (gzip, zip, SQLite, Parquet, PDF, ...) or
    control bytes on more than :data:`BINARY_LINE_SHARE` of the lines (of a file of 20
    lines or more; on every line of a shorter one) is a CatalogError.

    Returns
    -------
    text : str
    damaged : dict
        {1-based line: reason}.
    """
    source = str(path)
    raw = read_bytes(path, CatalogError, what="catalogue file")
    for signature, kind in _SIGNATURES:
        if raw.startswith(signature):
            raise CatalogError(f"{source}: binary data ({kind} file), not a catalogue; expected "
                               "TLE/3LE lines or OMM (CSV, JSON, XML)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if _BINARY.search(raw) is None:
        try:
            return raw.decode("utf-8"), {}
        except UnicodeDecodeError:
            pass
    lines = raw.split(b"\n")
    damaged, out = {}, []
    for number, line in enumerate(lines, 1):
        bad = _BINARY.search(line)
        if bad is not None:
            damaged[number] = f"line {number} holds byte 0x{line[bad.start()]:02x}, not text"
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = line.decode("latin-1")
            if not _latin1_name(text):
                damaged.setdefault(number, f"line {number} holds byte 0x{line[exc.start]:02x}, "
                                           "not UTF-8")
        # one U+FFFD per control byte: the line keeps its length and columns
        out.append(_CONTROL_TEXT.sub("\ufffd", text) if bad is not None else text)
    shown = [n for n in damaged if _BINARY.search(lines[n - 1])]
    filled = sum(1 for line in lines if line.strip())
    # A short file with a few damaged lines is a damaged catalogue, not a binary file.
    if len(shown) > BINARY_LINE_SHARE * len(lines) and (len(lines) >= 20 or
                                                         len(shown) >= filled):
        first = min(shown)
        raise CatalogError(f"{source}: binary data (control bytes on {len(shown)} of "
                           f"{len(lines)} lines, first at line {first}), not a catalogue; "
                           "expected TLE/3LE lines or OMM (CSV, JSON, XML)")
    return "\n".join(out), damaged


def _latin1_name(text: str) -> bool:
    """Whether a line that is not UTF-8 is an old file's Latin-1 satellite name (a 3LE name
    line), not a damaged element line or OMM record."""
    stripped = text.strip()
    return bool(stripped) and not stripped[:2] in ("1 ", "2 ") and "," not in stripped and \
        "<" not in stripped and ":" not in stripped


def quarantine(builder, source: str, kind: str, damaged: dict, first: int,
               lines: list) -> None:
    """Reject the records of `source` (added from index `first` on) that span a damaged
    line, and report damaged lines that no record holds."""
    rows = [i for i in range(first, len(builder.origin)) if builder.origin[i][0] == source]
    starts = sorted({builder.origin[i][1] for i in rows if builder.origin[i][1]} |
                    {r.line_number for r in builder.rejected if r.source == source and
                     r.line_number})
    end = max(damaged) + 1

    def hits(start):
        if kind == "tle":  # the name line before (a 3LE), line 1, line 2
            named = start >= 2 and not lines[start - 2].startswith(("1 ", "2 "))
            span = range(start - 1 if named else start, start + 2)
        else:  # a CSV row, or a JSON/XML record up to the next one's first line
            after = bisect.bisect_right(starts, start)
            span = range(start, starts[after] if after < len(starts) else end)
        return [n for n in span if n in damaged]

    covered, drop = set(), []
    for i in rows:
        found = hits(builder.origin[i][1])
        if found:
            drop.append(i)
            covered.update(found)
    known = set()
    for k, item in enumerate(builder.rejected):  # already rejected: say the damage first
        found = [n for n in hits(item.line_number) if n not in covered] if \
            item.source == source and item.line_number else []
        if found:
            known.update(found)
            builder.rejected[k] = replace(item, reason=f"{damaged[found[0]]}; {item.reason}")
    for i in drop:
        builder.reject(source, builder.origin[i][1], builder.norad[i],
                       f"{damaged[hits(builder.origin[i][1])[0]]}; the record is left out")
    for i in reversed(drop):
        for name in ("satrecs", "names", "norad", "intl", "types", "origin"):
            del getattr(builder, name)[i]
    for number, reason in sorted(damaged.items()):
        if number not in covered and number not in known:  # a line no record holds
            builder.reject(source, number, None, f"{reason}; the line is skipped")
