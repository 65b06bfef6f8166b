"""IOD (Interactive Orbit Determination) observation lines: reading and writing.

The 80-column format of G. Lewis (1998, clarified 2002), as SeeSat-L observers send it::

    23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 I+020 10

Columns (1-based): 1-5 NORAD number, 7-15 international designator (``YY LLLPPP``), 17-20
station, 22 sky condition (E G F P B T; C clouded out and O observer unavailable carry no
position), 24-40 UTC ``YYYYMMDDHHMMSSsss`` (may be truncated after the day), 42-43 time
uncertainty MX (M·10^(X−8) s), 45 angle format (1-7), 46 epoch code (0 of date, 1 B1855,
2 B1875, 3 B1900, 4 B1950, 5 J2000, 6 J2050), 48-54 angle 1, 55 sign, 56-61 angle 2 (both may
be truncated on the right), 63-64 position uncertainty MX (M·10^(X−8) in the unit of the angle
format: arcseconds for formats 1 and 4, arcminutes for 2 and 5, degrees for 3, 6 and 7),
66 optical behaviour, 67-70 visual magnitude (sign and MMm), 72-73 its uncertainty (Mm),
75-80 flash period (SSSsss).

Angle formats: 1 RA/Dec ``HHMMSSs+DDMMSS``, 2 ``HHMMmmm+DDMMmm``, 3 ``HHMMmmm+DDdddd``,
4 Az/El ``DDDMMSS+DDMMSS``, 5 ``DDDMMmm+DDMMmm``, 6 ``DDDdddd+DDdddd``, 7 ``HHMMSSs+DDdddd``.
"""

from __future__ import annotations

import re

import numpy as np

from ..io.files import text_lines
from ..io.tables import iso_text
from .records import EQUINOX_CODES, ObservationBuilder, ObservationFormat, utc_datetime64

__all__ = ["parse_iod_line", "read_iod_text", "format_iod_line", "iod_text", "station_code_ok",
           "angle_value", "resolution_arcsec", "fixed_column_kind", "IOD_TEMPLATE", "FORMATS"]

IOD_TEMPLATE = "NNNNN YY LLLPPP SSSS C YYYYMMDDHHMMSSsss MX AE AAAAAAA+BBBBBB MX B+MMm Mm SSSsss"

#: Station codes: COSPAR four digits, or the alphanumeric codes TruSat issued.
_STATION = re.compile(r"^(\d{4}|[A-Z]{4}|[A-Z]{2}\d{2}|T\d{3}|\d{3}T|TRU\d)$")
_SPACES = (6, 16, 21, 23, 41, 44, 47, 62, 65, 71, 74)  # 1-based columns that must be blank
_TIME = re.compile(r"^(\d{8,17}) *$")
_DIGITS = re.compile(r"^\d+ *$")  # truncated on the right: digits, then blanks

#: Per angle format: (angle-1 kind, angle-2 kind); each kind is the digit groups and what
#: the groups count (units of the whole value in degrees).
_ANGLE_FORMATS = {
    1: ("radec", "HHMMSSs", "DDMMSS"), 2: ("radec", "HHMMmmm", "DDMMmm"),
    3: ("radec", "HHMMmmm", "DDdddd"), 4: ("azel", "DDDMMSS", "DDMMSS"),
    5: ("azel", "DDDMMmm", "DDMMmm"), 6: ("azel", "DDDdddd", "DDdddd"),
    7: ("radec", "HHMMSSs", "DDdddd"),
}
#: Unit (arcseconds) of the position uncertainty per angle format.
_SIGMA_UNIT_ARCSEC = {1: 1.0, 4: 1.0, 2: 60.0, 5: 60.0, 3: 3600.0, 6: 3600.0, 7: 3600.0}


def station_code_ok(code: str) -> bool:
    """Whether `code` is a station code IOD and UK lines may carry."""
    return bool(_STATION.match(code))


def angle_value(digits: str, layout: str) -> float:
    """Degrees from the digits of a truncated sexagesimal/decimal field.

    `layout` names the groups: ``HH`` hours, ``DDD``/``DD`` degrees, ``MM`` minutes, ``SS``
    seconds, lower-case letters decimals of the group before them. Missing digits on the
    right count as zeros.
    """
    digits = digits.strip().ljust(len(layout), "0")
    value, scale, i = 0.0, 1.0, 0
    hours = layout.startswith("H")
    for group in re.findall(r"H+|D+|M+|S+|[hdms]+", layout):
        part = digits[i:i + len(group)]
        i += len(group)
        if group[0] in "HD":
            value, scale = float(part), 1.0
        elif group[0] == "M":
            scale = 60.0
            value += float(part) / scale
        elif group[0] == "S":
            scale = 3600.0
            value += float(part) / scale
        else:  # decimals of the previous group
            value += float(part) / 10 ** len(group) / scale
    return value * 15.0 if hours else value


def resolution_arcsec(digits1: str, layout1: str, digits2: str, layout2: str) -> float:
    """What the written digits of two angles resolve (arcsec): the larger of the values of
    one unit in each angle's last digit (right ascension taken on the equator)."""
    out = 0.0
    for digits, layout in ((digits1, layout1), (digits2, layout2)):
        size = min(len(digits.strip().replace(".", "")), len(layout))
        if size:
            out = max(out, angle_value("0" * (size - 1) + "1", layout) * 3600.0)
    return out


def _mx(text: str) -> float:
    """M·10^(X−8) from two digits."""
    return int(text[0]) * 10.0 ** (int(text[1]) - 8)


def parse_iod_line(line: str, *, strict: bool = True) -> dict:
    """Parse one IOD line; raise ValueError naming the field and what was expected.

    Parameters
    ----------
    line : str
    strict : bool
        True: every field must follow the format (the TruSat answer files' rule, for
        observers checking their own lines). False: only the essential fields (object
        number or designator, station, time, angle format, epoch code and the angles)
        decide; any other field that does not follow its format is set missing and listed
        in the row's ``"tolerated"`` entry as ``(field, value, meaning)``. Tabs and
        non-breaking spaces (also quoted-printable ``=A0``) are read as blanks, text after
        column 80 is ignored, a day ``00`` is the last day of the month before (as
        observers' software counts it), and fields shifted by a short designator are
        realigned on the station and time.

    Returns
    -------
    dict
        Fields for :meth:`ObservationBuilder.add` (``position`` False for C/O lines).
    """
    tolerated: list[tuple[str, str, str]] = []
    text = line.rstrip("\r\n")
    if strict:
        if len(text.rstrip()) > 80:
            raise ValueError(f"line is {len(text.rstrip())} characters; IOD lines have at "
                             "most 80")
        if "\t" in text:
            raise ValueError("tab character; IOD columns are spaces")
    else:
        text = _blanks(text, tolerated)
    p = text.ljust(80)
    if strict:
        for col in _SPACES:
            if p[col - 1] != " ":
                raise ValueError(f"column {col}: expected a blank, got {p[col - 1]!r}")
    else:
        p = _realign(p, tolerated)
        if len(p.rstrip()) > 80:
            tolerated.append(("columns 81+", p[80:].strip()[:20], "text after column 80 "
                              "ignored"))
            p = p[:80]
    station = p[16:20]
    if not station_code_ok(station):
        raise ValueError(f"columns 17-20 (station): expected four digits, got {station!r}")
    time = _TIME.match(p[23:40])
    if not time:
        raise ValueError(f"columns 24-40 (time): expected YYYYMMDD[HHMMSSsss] digits, got "
                         f"{p[23:40]!r}")
    when = _iod_time(time.group(1), None if strict else tolerated)
    sky = p[21]
    if sky not in "EGFPBTCO ":
        if strict:
            raise ValueError(f"column 22 (sky condition): expected E, G, F, P, B, T, C, O or "
                             f"blank, got {sky!r}")
        tolerated.append(("column 22", sky, "sky condition unknown"))
        sky = " "
    if sky in "CO":
        return {"position": False, "time": when, "station": station, "sky": sky,
                "tolerated": tolerated}
    norad, intl = p[0:5], p[6:15]
    intl_ok = bool(re.match(r"^\d\d \d{3}[A-Z]{1,3} *$", intl))
    if intl.strip() and not intl_ok:
        if strict:
            raise ValueError(f"columns 7-15 (international designator): expected 'YY "
                             f"LLLPPP', got {intl!r}")
        tolerated.append(("columns 7-15", intl.strip(), "international designator not read"))
    number = _object_number(norad, strict)
    if number is None and not intl_ok:
        raise ValueError(f"columns 1-5 (NORAD number): expected five digits, got {norad!r}")
    row = {"position": True, "time": when, "station": station, "sky": sky.strip(),
           "norad_id": number, "intl_designator": _intl(intl[0:2], intl[3:6], intl[6:])
           if intl_ok else "", "tolerated": tolerated}
    row.update(_soft(lambda: _uncertainty(p[41:43], "columns 42-43 (time uncertainty)",
                                          "time_sigma_s"),
                     strict, tolerated, "columns 42-43", p[41:43], "time uncertainty unknown"))
    row.update(_angles(p, strict, tolerated))
    row.update(_photometry(p, strict, tolerated))
    return row


#: Quoted-printable non-breaking spaces (lines that went through an e-mail), and the
#: non-breaking space itself.
_NBSP = re.compile(r"=A0|=C2=A0|\u00a0")


def _blanks(text: str, tolerated: list) -> str:
    """Tabs and non-breaking spaces read as blanks, an e-mail quote marker (``>``) before
    the line removed (tolerant reading)."""
    quote = re.match(r"^>+ ?", text)
    if quote:
        tolerated.append(("column 1", quote.group(0), "e-mail quote marker removed"))
        text = text[quote.end():]
    if "\t" in text:
        tolerated.append(("tab", "\\t", "read as a blank"))
        text = text.replace("\t", " ")
    if _NBSP.search(text):
        tolerated.append(("non-breaking space", _NBSP.search(text).group(0),
                          "read as a blank"))
        text = _NBSP.sub(" ", text)
    return text


#: Station, sky condition and time as they follow the designator: where a short or long
#: designator shifted them, the line is realigned on them.
_ANCHOR = re.compile(r"(?<=\s)(\d{4}|[A-Z]{4}|[A-Z]{2}\d{2}|T\d{3}|\d{3}T|TRU\d) (\S| ) "
                     r"((?:19|20)\d{6,15})(?= |$)")


def _realign(p: str, tolerated: list) -> str:
    if station_code_ok(p[16:20]) and _TIME.match(p[23:40]):
        return p
    match = _ANCHOR.search(p, 6)
    if match is None or not 0 < abs(match.start() - 16) <= 4:
        return p
    designator = p[6:match.start()].strip()
    tolerated.append(("columns 7-20", designator, f"fields shifted {match.start() - 16:+d} "
                      "columns, realigned on the station and time"))
    return (p[:6] + designator.ljust(9)[:9] + " " + p[match.start():]).ljust(80)


def _object_number(field: str, strict: bool):
    """NORAD number of columns 1-5 (five digits, or Alpha-5 when tolerant); None if blank
    or unreadable."""
    if re.match(r"^\d{5}$", field):
        return int(field)
    if not strict and re.match(r"^[A-HJ-NP-Z]\d{4}$", field):  # Alpha-5: A=10 ... Z=33
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        return (10 + letters.index(field[0])) * 10000 + int(field[1:])
    if strict:
        raise ValueError(f"columns 1-5 (NORAD number): expected five digits, got {field!r}")
    return None


def _soft(read, strict: bool, tolerated: list, field: str, value: str, meaning: str) -> dict:
    """`read()`'s fields; when tolerant, a field it cannot read is missing instead."""
    try:
        return read()
    except ValueError:
        if strict:
            raise
        tolerated.append((field, value, meaning))
        return {}


def _iod_time(digits: str, tolerated: list | None = None) -> str:
    """ISO time of IOD's ``YYYYMMDDHHMMSSsss``; when tolerant (`tolerated` given), day 00
    is the last day of the month before."""
    d = digits.ljust(17, "0")
    text = (f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}.{d[14:17]}")
    if tolerated is not None and d[6:8] == "00" and "01" <= d[4:6] <= "12":
        first = np.datetime64(f"{d[0:4]}-{d[4:6]}-01", "D")
        text = f"{first - np.timedelta64(1, 'D')}{text[10:]}"
        tolerated.append(("columns 30-31", "00", "day 00 read as the last day of the month "
                          "before"))
    try:
        utc_datetime64(text, "ms")
    except ValueError:
        raise ValueError(f"columns 24-40 (time): {digits!r} is not a calendar date and "
                         "time") from None
    if not (int(d[8:10]) < 24 and int(d[10:12]) < 60 and int(d[12:14]) < 60):
        raise ValueError(f"columns 24-40 (time): {digits!r} is not a time of day")
    return text


def _intl(year: str, launch: str, piece: str) -> str:
    y = int(year)
    return f"{1900 + y if y >= 57 else 2000 + y}-{launch}{piece.strip()}"


def _uncertainty(field: str, what: str, key: str) -> dict:
    if field == "  ":
        return {}
    if not re.match(r"^\d\d$", field):
        raise ValueError(f"{what}: expected two digits MX, got {field!r}")
    return {key: _mx(field)}


def _angles(p: str, strict: bool = True, tolerated: list | None = None) -> dict:
    code, epoch = p[44], p[45]
    if code == " " and epoch == " " and not p[47:61].strip():
        return {"angle_type": "", "equinox": ""}
    if code not in "1234567":
        raise ValueError(f"column 45 (angle format): expected 1-7, got {code!r}")
    if epoch not in EQUINOX_CODES:
        raise ValueError(f"column 46 (epoch code): expected 0-6, got {epoch!r}")
    a1, sign, a2 = p[47:54], p[54], p[55:61]
    if not _DIGITS.match(a1):
        raise ValueError(f"columns 48-54 (angle 1): expected digits from column 48, got {a1!r}")
    if sign not in "+-":
        raise ValueError(f"column 55 (sign of angle 2): expected + or -, got {sign!r}")
    if not _DIGITS.match(a2):
        raise ValueError(f"columns 56-61 (angle 2): expected digits from column 56, got {a2!r}")
    kind, layout1, layout2 = _ANGLE_FORMATS[int(code)]
    first = angle_value(a1, layout1)
    second = angle_value(a2, layout2) * (-1.0 if sign == "-" else 1.0)
    if not (0.0 <= first < 360.0 and -90.0 <= second <= 90.0):
        raise ValueError(f"columns 48-61 (angles): {a1}{sign}{a2} is outside the sky "
                         f"(format {code})")
    row = {"angle_type": kind, "equinox": EQUINOX_CODES[epoch] if kind == "radec" else "",
           "resolution_arcsec": resolution_arcsec(a1, layout1, a2, layout2)}
    if kind == "radec":
        row.update(ra_deg=first, dec_deg=second)
    else:
        row.update(az_deg=first, el_deg=second)
    sigma = _soft(lambda: _uncertainty(p[62:64], "columns 63-64 (position uncertainty)",
                                       "sigma_arcsec"),
                  strict, tolerated, "columns 63-64", p[62:64], "position uncertainty unknown")
    if sigma:
        sigma["sigma_arcsec"] *= _SIGMA_UNIT_ARCSEC[int(code)]
    row.update(sigma)
    return row


def _photometry(p: str, strict: bool = True, tolerated: list | None = None) -> dict:
    behaviour, mag, mag_sigma, flash = p[65], p[66:70], p[71:73], p[74:80]
    row = {}
    if behaviour not in "EFIRSXBHPAMNV ":
        if strict:
            raise ValueError(f"column 66 (optical behaviour): expected one of E F I R S X B H "
                             f"P A M N V, got {behaviour!r}")
        tolerated.append(("column 66", behaviour, "optical behaviour unknown"))
    if mag.strip():
        if re.match(r"^[+-]\d+ *$", mag):
            row["magnitude"] = int(mag[1:].strip().ljust(3, "0")) / 10.0 * (
                -1 if mag[0] == "-" else 1)
        elif strict:
            raise ValueError(f"columns 67-70 (magnitude): expected a sign and MMm, got {mag!r}")
        else:
            tolerated.append(("columns 67-70", mag, "magnitude not read"))
    if mag_sigma.strip():
        if not re.match(r"^(\d\d| \d|\d )$", mag_sigma) or mag_sigma in (" 0", "0 "):
            if strict:
                raise ValueError(f"columns 72-73 (magnitude uncertainty): expected Mm "
                                 f"(tenths), got {mag_sigma!r}")
            tolerated.append(("columns 72-73", mag_sigma, "magnitude uncertainty not read"))
        elif mag_sigma != "00":  # "00", as satfit's observers wrote it: no uncertainty given
            row["magnitude_sigma"] = int(mag_sigma.strip()) / 10.0
    if flash.strip() and not re.match(r"^ *\d+ *$", flash):
        if strict:
            raise ValueError(f"columns 75-80 (flash period): expected SSSsss digits, got "
                             f"{flash!r}")
        tolerated.append(("columns 75-80", flash.strip(), "flash period not read"))
    return row


def read_iod_text(text: str, source: str, builder: ObservationBuilder) -> int:
    """Parse every line of an IOD file into `builder`; return the number of positions.

    Blank lines and lines starting with ``#`` are skipped silently; any other line that is
    not a valid IOD line (:func:`parse_iod_line`, strict when ``builder.strict``) is
    rejected with its reason; fields of kept lines that could not be read are counted
    with :meth:`~ObservationBuilder.tolerate`. C/O (no position) lines are valid but add
    no observation.
    """
    count = 0
    lines = text_lines(text)
    elements = _element_lines(lines)
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#") or number in elements:
            continue
        try:
            row = parse_iod_line(line, strict=builder.strict)
        except ValueError as exc:
            builder.reject(source, number, f"{exc}\n  expected: {IOD_TEMPLATE}\n  got:      "
                           f"{line.rstrip()}", _leading_norad(line))
            continue
        for field, value, meaning in row.pop("tolerated"):
            builder.tolerate(source, number, field, value, meaning)
        if row.pop("position"):
            if not row.get("angle_type"):
                continue  # a valid line that reports brightness only
            builder.add(format="iod", file=source, line=number, **row)
            count += 1
    return count


_TLE_LINE = re.compile(r"^([12]) [\dA-Z]\d{4}")


def _element_lines(lines) -> set:
    """1-based numbers of TLE lines (and their name lines) in a file of elements and
    observations, as satfit keeps them; they are skipped, not rejected."""
    skip = set()
    for i, line in enumerate(lines):
        if len(line) >= 60 and _TLE_LINE.match(line) and line[0] == "1" and i + 1 < len(lines) \
                and _TLE_LINE.match(lines[i + 1]) and lines[i + 1][0] == "2":
            skip.update((i + 1, i + 2))
            if i > 0 and lines[i - 1].strip() and not _TLE_LINE.match(lines[i - 1]):
                try:
                    parse_iod_line(lines[i - 1], strict=False)
                except ValueError:
                    skip.add(i)
    return skip


def _leading_norad(line: str):
    head = line[:5]
    return int(head) if head.isascii() and head.isdigit() else None


def format_iod_line(*, norad_id: int, intl_designator: str, station: str, time_iso: str,
                    ra_deg: float, dec_deg: float, sigma_arcsec: float | None = None,
                    time_sigma_s: float | None = None, magnitude: float | None = None,
                    sky: str = "E") -> str:
    """One IOD line, angle format 2 (``HHMMmmm+DDMMmm``, 0.001 min / 0.01′), epoch J2000.

    `time_iso` is ``YYYY-MM-DDTHH:MM:SS.sss`` (UTC); uncertainties are written as MX.
    """
    year, launch = intl_designator[:4], intl_designator[5:8]
    piece = intl_designator[8:]
    intl = f"{year[2:4]} {launch}{piece:<3}" if intl_designator else " " * 9
    digits = re.sub(r"\D", "", time_iso)[:17].ljust(17, "0")
    ra_min = round((ra_deg % 360.0) / 15.0 * 60.0 * 1000.0)  # thousandths of a minute of time
    ra_min %= 24 * 60 * 1000
    ra_text = f"{ra_min // 60000:02d}{(ra_min % 60000) // 1000:02d}{ra_min % 1000:03d}"
    dec_c = round(abs(dec_deg) * 60.0 * 100.0)  # hundredths of an arcminute
    dec_text = f"{dec_c // 6000:02d}{(dec_c % 6000) // 100:02d}{dec_c % 100:02d}"
    sign = "-" if dec_deg < 0 else "+"
    sigma = _mx_text(None if sigma_arcsec is None else sigma_arcsec / 60.0)
    tsig = _mx_text(time_sigma_s)
    mag = "    " if magnitude is None or not np.isfinite(magnitude) else \
        f"{'-' if magnitude < 0 else '+'}{min(round(abs(magnitude) * 10), 999):03d}"
    behaviour = " " if mag.strip() == "" else "S"
    line = (f"{norad_id:05d} {intl} {station:>4} {sky[:1] or ' '} {digits} {tsig} 25 "
            f"{ra_text}{sign}{dec_text} {sigma} {behaviour}{mag}")
    return line.rstrip()


def _mx_text(value) -> str:
    """Two digits MX with M·10^(X−8) the smallest such value not below `value`."""
    if value is None or not np.isfinite(value) or value <= 0:
        return "  "
    for exponent in range(0, 10):
        mantissa = int(np.ceil(value / 10.0 ** (exponent - 8) - 1e-9))
        if mantissa <= 9:
            return f"{max(mantissa, 1)}{exponent}"
    return "99"


def iod_text(observations) -> str:
    """IOD lines (angle format 2, J2000) of the rows with RA/Dec, one per line."""
    iso = iso_text(observations["time"])
    lines = []
    for i in np.flatnonzero(np.isfinite(observations["ra_deg"])):
        sigma = observations["sigma_arcsec"][i]
        tsig = observations["time_sigma_s"][i]
        mag = observations["magnitude"][i]
        lines.append(format_iod_line(
            norad_id=max(int(observations["norad_id"][i]), 0),
            intl_designator=str(observations["intl_designator"][i]),
            station=str(observations["station"][i])[:4],
            time_iso=iso[i].rstrip("Z"), ra_deg=float(observations["ra_deg"][i]),
            dec_deg=float(observations["dec_deg"][i]),
            sigma_arcsec=float(sigma) if np.isfinite(sigma) else None,
            time_sigma_s=float(tsig) if np.isfinite(tsig) else None,
            magnitude=float(mag) if np.isfinite(mag) else None,
            sky=str(observations["sky"][i]) or "E"))
    return "\n".join(lines) + ("\n" if lines else "")


def fixed_column_kind(text: str) -> str:
    """``iod`` or ``uk`` for a file of fixed-column lines: IOD when more of its data lines
    have IOD's blanks at columns 6 and 16 than start with UK's eleven digits (or, with no
    UK line, at least half of them do); satfit's element lines are not counted."""
    lines = text_lines(text)
    elements = _element_lines(lines)  # satfit's files open with a name and a TLE
    data = [line for number, line in enumerate(lines, 1) if line.strip() and
            not line.startswith("#") and number not in elements]
    iod_like = sum(len(line) > 16 and line[5] == " " and line[15] == " " for line in data)
    uk_like = sum(bool(re.match(r"\d{11}", line)) for line in data)
    return "iod" if iod_like > uk_like or (uk_like == 0 and iod_like * 2 >= len(data)) \
        else "uk"


FORMATS = (ObservationFormat(
    "iod", "IOD, 80 columns (G. Lewis; SeeSat-L, satfit, find_orb)",
    lambda text: 0.5 if fixed_column_kind(text) == "iod" else 0.0, read_iod_text, iod_text),)
