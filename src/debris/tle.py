"""Two-line element (TLE) lines: checksums, Alpha-5 numbers, field checks.

Small pure functions used by :mod:`debris.catalog`. The format is the
one of Spacetrack Report #3 and AIAA 2006-6753 (Vallado et al.),
Appendix: 69 columns a line, a modulo-10 checksum in column 69 (digits
count their value, ``-`` counts 1), and the catalogue number in
columns 3-7, which may be in the Alpha-5 form (``T0000`` = 270000)
that the 18th SDS uses beyond 99999.

The actual orbital parsing is left to python-sgp4's
``Satrec.twoline2rv`` (the reference); this module checks the lines
first so that a bad line gives a message saying which field is wrong,
and reads TLE files record by record (:func:`read_tle_text`).
"""

from __future__ import annotations

import math
import re

import numpy as np
from sgp4.api import Satrec

from .errors import InputError
from .io.files import text_lines

__all__ = [
    "tle_checksum",
    "alpha5_to_int",
    "int_to_alpha5",
    "check_tle_lines",
    "read_tle_text",
    "intl_designator_from_tle",
    "tle_lines",
    "tle_text",
    "TLE_LINE_LENGTH",
]

TLE_LINE_LENGTH = 69
_TWO_PI = 2.0 * math.pi

_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
_ALPHA5_VALUE = {letter: 10 + i for i, letter in enumerate(_ALPHA5_LETTERS)}


def tle_checksum(line: str) -> int:
    """Return the modulo-10 checksum of the first 68 columns of a TLE line.

    Parameters
    ----------
    line : str
        A TLE line (at least 68 characters are used).

    Returns
    -------
    int
        Sum of all digits plus one for each minus sign, modulo 10.
    """
    total = 0
    for char in line[:68]:
        if char.isdigit():
            total += ord(char) - 48
        elif char == "-":
            total += 1
    return total % 10


def alpha5_to_int(field: str) -> int:
    """Decode a 5-column catalogue number, plain or Alpha-5.

    Parameters
    ----------
    field : str
        Columns 3-7 of a TLE line, e.g. ``"25544"``, ``"  350"``,
        ``"T0000"``.

    Returns
    -------
    int
        The NORAD catalogue number (``"T0000"`` -> 270000).

    Raises
    ------
    InputError
        If the field is neither digits nor a letter followed by four
        digits (I and O are not Alpha-5 letters).
    """
    text = field.strip()
    if text.isdigit():
        return int(text)
    if len(text) == 5 and text[0] in _ALPHA5_VALUE and text[1:].isdigit():
        return _ALPHA5_VALUE[text[0]] * 10000 + int(text[1:])
    raise InputError(
        f"catalogue number {field!r} is neither 1-5 digits nor Alpha-5 "
        "(a letter other than I or O, then four digits)"
    )


def int_to_alpha5(number: int) -> str:
    """Encode a NORAD catalogue number in 5 columns, Alpha-5 above 99999.

    Parameters
    ----------
    number : int
        0 <= number <= 339999.

    Returns
    -------
    str
        Five characters, zero padded (``270000`` -> ``"T0000"``).
    """
    number = int(number)
    if number < 0 or number > 339999:
        raise InputError(f"catalogue number {number} outside the Alpha-5 range 0..339999")
    if number < 100000:
        return f"{number:05d}"
    head, tail = divmod(number, 10000)
    return f"{_ALPHA5_LETTERS[head - 10]}{tail:04d}"


# Field formats, 0-based half-open column ranges (AIAA 2006-6753 App. B).
# Exponent fields accept "+" or " " in front (Space-Track gp_history writes "+").
_NUM = r"[ +-]?\d*\.?\d*"
_EXP = r"[ +-]?\d{0,5}[ +-]\d"
_LINE1_FIELDS = (
    ("catalogue number", 2, 7, r"[ \dA-HJ-NP-Z][ \d]{4}"),
    ("classification", 7, 8, r"[UCS ]"),
    ("international designator", 9, 17, r"[ \w-]{8}"),
    ("epoch year", 18, 20, r"[ \d]\d"),
    ("epoch day of year", 20, 32, r"[ \d]{2}\d\.\d+ *|\d{3}\.\d+"),
    ("first derivative of mean motion", 33, 43, r" *" + _NUM),
    ("second derivative of mean motion", 44, 52, r" *" + _EXP + r"|[ +-]?0+|\s+"),
    ("BSTAR drag term", 53, 61, r" *" + _EXP + r"|[ +-]?0+|\s+"),
    ("ephemeris type", 62, 63, r"[ \d]"),
    ("element set number", 64, 68, r"[ \d]{4}"),
)
_LINE2_FIELDS = (
    ("catalogue number", 2, 7, r"[ \dA-HJ-NP-Z][ \d]{4}"),
    ("inclination (deg)", 8, 16, r" *\d+\.\d*"),
    ("right ascension of the ascending node (deg)", 17, 25, r" *\d+\.\d*"),
    ("eccentricity (implied decimal point)", 26, 33, r"[ \d]{7}"),
    ("argument of perigee (deg)", 34, 42, r" *\d+\.\d*"),
    ("mean anomaly (deg)", 43, 51, r" *\d+\.\d*"),
    ("mean motion (rev/day)", 52, 63, r" *\d+\.\d*"),
    ("revolution number", 63, 68, r"[ \d]{5}"),
)
_LINE1_FIELDS = tuple((name, a, b, re.compile(p)) for name, a, b, p in _LINE1_FIELDS)
_LINE2_FIELDS = tuple((name, a, b, re.compile(p)) for name, a, b, p in _LINE2_FIELDS)


def _check_line(line: str, number: int, fields, verify_checksum: bool) -> str | None:
    if len(line) < 68:
        return f"line {number} is {len(line)} characters long; a TLE line has {TLE_LINE_LENGTH}"
    if len(line) > TLE_LINE_LENGTH:
        return (f"line {number} is {len(line)} characters long; a TLE line has "
                f"{TLE_LINE_LENGTH}")
    if line[0] != str(number) or line[1] != " ":
        return f"line {number} must start with '{number} ', got {line[:2]!r}"
    for name, a, b, pattern in fields:
        value = line[a:b]
        if not pattern.fullmatch(value):
            return f"line {number} columns {a + 1}-{b}: bad {name} {value!r}"
    if verify_checksum:
        if len(line) < TLE_LINE_LENGTH or not line[68].isdigit():
            return f"line {number} has no checksum digit in column 69"
        expected = tle_checksum(line)
        if int(line[68]) != expected:
            return (f"line {number} checksum mismatch: column 69 says {line[68]}, "
                    f"the line sums to {expected}")
    return None


def check_tle_lines(line1: str, line2: str, verify_checksum: bool = True) -> str | None:
    """Check the format of a TLE line pair.

    Parameters
    ----------
    line1, line2 : str
        The two element lines, without line terminators (trailing blanks
        are ignored).
    verify_checksum : bool
        Whether to require a correct checksum in column 69.

    Returns
    -------
    str or None
        ``None`` when the pair is well formed, else the reason in words
        (which line, which columns, which field).
    """
    line1 = line1.rstrip()
    line2 = line2.rstrip()
    reason = _check_line(line1, 1, _LINE1_FIELDS, verify_checksum)
    if reason is None:
        reason = _check_line(line2, 2, _LINE2_FIELDS, verify_checksum)
    if reason is None and line1[2:7].strip() != line2[2:7].strip():
        reason = (f"catalogue numbers differ between line 1 ({line1[2:7].strip()!r}) "
                  f"and line 2 ({line2[2:7].strip()!r})")
    return reason


def intl_designator_from_tle(field: str) -> str:
    """'97051C' -> '1997-051C' (COSPAR form); blank stays blank."""
    field = field.strip()
    if len(field) < 5 or not field[:5].isdigit():
        return field
    year = int(field[:2])
    year += 1900 if year >= 57 else 2000
    return f"{year}-{field[2:5]}{field[5:]}"


def read_tle_text(text: str, source: str, builder, verify_checksums: bool = True) -> None:
    """Read TLE/3LE text, adding each good element set to `builder` and rejecting the rest.

    Parameters
    ----------
    text : str
        2-line or 3-line TLE text (name lines with or without ``0 ``, ``#`` comments).
    source : str
        File name for messages.
    builder : object
        The catalogue builder (:mod:`debris.catalog`): ``add(satrec, name, norad_id, intl,
        source, line_number)`` and ``reject(source, line_number, norad_id, reason, line=)``.
    verify_checksums : bool
        Reject lines whose column-69 checksum is wrong.
    """
    lines = text_lines(text)  # as editors number them: the reported numbers stay right
    if lines and lines[-1] == "":
        lines.pop()
    pending_name: str | None = None
    pending_line = 0
    i = 0
    count = len(lines)
    while i < count:
        raw = lines[i].rstrip()
        number = i + 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            i += 1
            continue
        if raw.startswith("1 ") or raw == "1":
            nxt = lines[i + 1].rstrip() if i + 1 < count else ""
            if not nxt.startswith("2 "):
                norad = _try_norad(raw)
                builder.reject(source, number, norad,
                               "TLE line 1 is not followed by a line 2", line=raw)
                pending_name = None
                i += 1
                continue
            _add_tle(raw, nxt, pending_name, source, number, builder, verify_checksums)
            pending_name = None
            i += 2
            continue
        if raw.startswith("2 "):
            builder.reject(source, number, _try_norad(raw), "TLE line 2 without a line 1 before it",
                           line=raw)
            pending_name = None
            i += 1
            continue
        # A name line (3LE). Space-Track prefixes it with "0 ".
        if pending_name is not None:
            builder.reject(source, pending_line, None,
                           f"name line {pending_name!r} is not followed by TLE lines")
        pending_name = raw[2:].strip() if raw.startswith("0 ") else raw.strip()
        pending_line = number
        i += 1
    if pending_name is not None:
        builder.reject(source, pending_line, None, f"name line {pending_name!r} at the end of "
                       "the file is not followed by TLE lines")


def _try_norad(line: str) -> int | None:
    try:
        return alpha5_to_int(line[2:7])
    except (ValueError, IndexError):
        return None


def _add_tle(line1, line2, name, source, number, builder, verify_checksums):
    reason = check_tle_lines(line1, line2, verify_checksum=verify_checksums)
    norad = _try_norad(line1)
    if reason is not None:
        on_line2 = reason.startswith("line 2")  # reported at line 2's own number
        builder.reject(source, number + on_line2, norad, reason,
                       line=line2 if on_line2 else line1)
        return
    try:
        satrec = Satrec.twoline2rv(line1, line2)
    except Exception as exc:  # sgp4's own parser is the last word on a value
        builder.reject(source, number, norad, f"SGP4 could not read the elements: {exc}")
        return
    builder.add(satrec, name or "", norad, intl_designator_from_tle(line1[9:17]), source, number)


def tle_lines(sat, *, norad_id: int, intl_designator: str = "",
              classification: str = "U", element_set: int = 999,
              revolution: int = 0) -> tuple[str, str]:
    """Two TLE lines (with checksums; Alpha-5 numbers above 99999) of a Satrec.

    `intl_designator` in COSPAR form (``1996-029C``); the epoch, B*, ndot and nddot come
    from the Satrec.
    """
    number = int_to_alpha5(norad_id) if norad_id > 99999 else f"{norad_id:05d}"
    intl = ""
    if len(intl_designator) >= 8 and intl_designator[4] == "-":
        intl = intl_designator[2:4] + intl_designator[5:]
    jd = sat.jdsatepoch + sat.jdsatepochF
    year, day = _epoch_year_day(jd)
    line1 = (f"1 {number}{classification} {intl:<8} {year % 100:02d}{day:012.8f} "
             f"{_ndot(sat.ndot * 1440.0 * 1440.0 / _TWO_PI)} "
             f"{_exp_field(sat.nddot * 1440.0 ** 3 / _TWO_PI)} {_exp_field(sat.bstar)} 0 "
             f"{element_set % 10000:4d}")
    line2 = (f"2 {number} {math.degrees(sat.inclo):8.4f} {math.degrees(sat.nodeo) % 360.0:8.4f} "
             f"{round(sat.ecco * 1e7):07d} {math.degrees(sat.argpo) % 360.0:8.4f} "
             f"{math.degrees(sat.mo) % 360.0:8.4f} {sat.no_kozai * 1440.0 / _TWO_PI:11.8f}"
             f"{revolution % 100000:5d}")
    return line1 + str(tle_checksum(line1)), line2 + str(tle_checksum(line2))


def _epoch_year_day(jd: float) -> tuple[int, float]:
    days = jd - 2440587.5  # days since 1970-01-01
    stamp = np.datetime64("1970-01-01") + np.timedelta64(int(round(days * 86400e6)), "us")
    year = int(str(stamp)[:4])
    start = (np.datetime64(f"{year}-01-01") - np.datetime64("1970-01-01")).astype(int)
    return year, days - start + 1.0


def _ndot(value: float) -> str:
    text = f"{value:.8f}"
    sign = "-" if value < 0 else " "
    return sign + text.lstrip("-")[1:]  # " .00001234"


def _exp_field(value: float) -> str:
    """TLE's assumed-decimal exponent form: ``+12345-3`` means 0.12345e-3."""
    if value == 0.0 or not math.isfinite(value):
        return " 00000+0"
    exponent = math.floor(math.log10(abs(value))) + 1
    mantissa = round(abs(value) / 10.0 ** exponent * 1e5)
    if mantissa >= 100000:
        mantissa //= 10
        exponent += 1
    if exponent < -9 or exponent > 9:
        return " 00000+0"
    sign = "-" if value < 0 else " "
    return f"{sign}{mantissa:05d}{'-' if exponent < 0 else '+'}{abs(exponent)}"


def tle_text(catalog) -> str:
    """A catalogue as 3LE text: each object's name line (as CelesTrak writes it; none for an
    object without a name) and its two lines.

    Parameters
    ----------
    catalog : Catalog

    Returns
    -------
    str
        Readable again by :meth:`debris.Catalog.from_text` (element values to the TLE's own
        precision: angles to 1e-4 deg, mean motion to 1e-8 rev/day).
    """
    out = []
    for sat, name, norad, intl in zip(catalog.satrecs, catalog.name, catalog.norad_id,
                                      catalog.intl_designator):
        line1, line2 = tle_lines(sat, norad_id=int(norad), intl_designator=str(intl),
                                 classification=getattr(sat, "classification", "U") or "U",
                                 element_set=int(getattr(sat, "elnum", 999)),
                                 revolution=int(getattr(sat, "revnum", 0)))
        out.extend([str(name), line1, line2] if name else [line1, line2])
    return "\n".join(out) + "\n" if out else ""
