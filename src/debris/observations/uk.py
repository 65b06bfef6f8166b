"""UK (RGO) format lines and R.D.E. (Russell Eberst) blocks: reading.

UK format, 80 columns, decimal points omitted (1-based)::

    9701201201803101520195542  01   12172038  +15585   1  5             +6 +8   190R

1-7 international designator ``YYLLLPP`` (numeric piece), 8-11 station, 12-17 ``YYMMDD``,
18-27 UTC ``HHMMSSssss`` (truncated on the right), 28-32 time accuracy ``Sssss`` (s),
33 time standard (1 radio, 2 telephone, 3 broadcast pips), 34 position format, 35-42 angle 1,
43-50 sign and angle 2, 51-54 position accuracy, 55 epoch code (as IOD), 56-68 range (radar),
69-71 brightest and 72-74 faintest magnitude (``xMm``; ``INV`` invisible), 75-79 flash
period, 80 appearance (S I R F X E). Position formats: 1 RA ``HHMMSSss`` Dec ``xDDMMSSs``
(accuracy ``SSSs`` arcsec), 2 ``HHMMmmmm``/``xDDMMmmm`` (``MMmm`` arcmin), 3
``HHMMmmmm``/``xDDddddd`` (``Dddd`` deg); 4-6 the same with azimuth ``DDD…`` and elevation.

R.D.E. reports: a header ``SSSS YYMM T.tSF PPPE`` (station, year and month, time accuracy,
time standard, position format, accuracy in arcseconds, epoch code), then a two-digit day of
the month on its own line (repeated when the day changes), then one line per observation
``YYLLLPP HHMMSS.ss HHMMSS+DDMMSS [mag mag flash behaviour]``; ``999`` ends a report.
"""

from __future__ import annotations

import re

from ..io.files import text_lines
from .iod_lines import _blanks, angle_value, fixed_column_kind, resolution_arcsec, station_code_ok
from .records import EQUINOX_CODES, ObservationBuilder, ObservationFormat, utc_datetime64

__all__ = ["parse_uk_line", "read_uk_text", "read_rde_text", "looks_like_rde", "FORMATS"]

UK_TEMPLATE = "YYLLLPPSSSSyymmddHHMMSSssssTttttSfAAAAAAAA+BBBBBBBPPPPE             MMMmmmFFFFFA"

_UK_LAYOUTS = {1: ("radec", "HHMMSSss", "DDMMSSs", 0.1), 2: ("radec", "HHMMmmmm", "DDMMmmm", 0.6),
               3: ("radec", "HHMMmmmm", "DDddddd", 3.6), 4: ("azel", "DDDMMSSs", "DDMMSSs", 0.1),
               5: ("azel", "DDDMMmmm", "DDMMmmm", 0.6), 6: ("azel", "DDDddddd", "DDddddd", 3.6)}
_DIGITS = re.compile(r"^\d+ *$")
_ACCURACY = re.compile(r"^(\d+ *| \d+ *| *\d+)$")
_MAG = re.compile(r"^([+-]\d+ *|\d{3}| *)$")


def _intl_from_numeric(text: str) -> str:
    y = int(text[0:2])
    piece = text[5:7]
    if piece.isdigit():
        n = int(piece)
        letters = ""
        while n > 0:  # 1 -> A, 26 -> Z, 27 -> AA (letters I and O included, as COSPAR does)
            n, r = divmod(n - 1, 26)
            letters = chr(65 + r) + letters
        piece = letters
    return f"{1900 + y if y >= 57 else 2000 + y}-{text[2:5]}{piece}"


def parse_uk_line(line: str, *, strict: bool = True) -> dict:
    """Parse one UK-format line; raise ValueError naming the field and what was expected.

    `strict` as :func:`~debris.observations.iod_lines.parse_iod_line`: when False only the
    essential fields (designator, station, date and time, position format, angles, epoch
    code) decide, and any other field that does not follow its format is set missing and
    listed in the row's ``"tolerated"`` entry.
    """
    tolerated: list[tuple[str, str, str]] = []
    text = line.rstrip("\r\n")
    if strict and len(text.rstrip()) > 80:
        raise ValueError(f"line is {len(text.rstrip())} characters; UK lines have at most 80")
    if not strict:
        text = _blanks(text, tolerated)
        if len(text.rstrip()) > 80:
            tolerated.append(("columns 81+", text[80:].strip()[:20], "text after column 80 "
                              "ignored"))
            text = text[:80]
    p = text.ljust(80)

    def soft(ok: bool, field: str, message: str, meaning: str) -> bool:
        """Whether an optional field is usable; strict: raise `message` when it is not."""
        if ok:
            return True
        if strict:
            raise ValueError(message)
        tolerated.append((field, p[_COLUMNS[field]].strip() or p[_COLUMNS[field]], meaning))
        return False

    if not re.match(r"^\d{5}[\dA-Z]{2}$", p[0:7]):
        raise ValueError(f"columns 1-7 (designator YYLLLPP): expected digits, got {p[0:7]!r}")
    if not station_code_ok(p[7:11]):
        raise ValueError(f"columns 8-11 (station): expected four digits, got {p[7:11]!r}")
    if not p[11:17].isdigit():
        raise ValueError(f"columns 12-17 (date YYMMDD): expected digits, got {p[11:17]!r}")
    if not re.match(r"^\d{6,10} *$", p[17:27]):
        raise ValueError(f"columns 18-27 (time HHMMSSssss): expected digits, got {p[17:27]!r}")
    time_ok = soft(bool(_DIGITS.match(p[27:32])), "columns 28-32", "columns 28-32 (time "
                   f"accuracy Sssss): expected digits, got {p[27:32]!r}", "time accuracy unknown")
    soft(p[32] in "123", "column 33", f"column 33 (time standard): expected 1, 2 or 3, got "
         f"{p[32]!r}", "time standard unknown")
    if p[33] not in "123456":
        raise ValueError(f"column 34 (position format): expected 1-6, got {p[33]!r}")
    kind, layout1, layout2, unit = _UK_LAYOUTS[int(p[33])]
    a1, sign, a2 = p[34:42], p[42], p[43:50]
    if not _DIGITS.match(a1):
        raise ValueError(f"columns 35-42 (angle 1): expected digits from column 35, got {a1!r}")
    if sign not in "+-" and not (kind == "azel" and sign == " "):
        raise ValueError(f"column 43 (sign of angle 2): expected + or -, got {sign!r}")
    if not _DIGITS.match(a2):
        raise ValueError(f"columns 44-50 (angle 2): expected digits from column 44, got {a2!r}")
    sigma_ok = soft(bool(_ACCURACY.match(p[50:54])), "columns 51-54", "columns 51-54 "
                    f"(position accuracy): expected digits, got {p[50:54]!r}",
                    "position accuracy unknown")
    if p[54] not in EQUINOX_CODES:
        raise ValueError(f"column 55 (epoch code): expected 0-6, got {p[54]!r}")
    bright_ok = _photometry_fields(p, soft)
    first = angle_value(a1, layout1)
    second = angle_value(a2, layout2) * (-1.0 if sign == "-" else 1.0)
    if not (0.0 <= first < 360.0 and -90.0 <= second <= 90.0):
        raise ValueError(f"columns 35-50 (angles): {a1}{sign}{a2} is outside the sky")
    yy = int(p[11:13])
    clock = p[17:27].strip().ljust(10, "0")
    when = (f"{1900 + yy if yy >= 57 else 2000 + yy}-{p[13:15]}-{p[15:17]}T{clock[0:2]}:"
            f"{clock[2:4]}:{clock[4:6]}.{clock[6:10]}")
    _check_time(when, "columns 12-27 (date and time)")
    row = {"time": when, "station": p[7:11], "intl_designator": _intl_from_numeric(p[0:7]),
           "angle_type": kind, "equinox": EQUINOX_CODES[p[54]] if kind == "radec" else "",
           "tolerated": tolerated}
    if time_ok:
        row["time_sigma_s"] = float(p[27] + "." + p[28:32].replace(" ", "0"))
    if sigma_ok and p[50:54].strip():
        row["sigma_arcsec"] = int(p[50:54].replace(" ", "0")) * unit
    row["resolution_arcsec"] = resolution_arcsec(a1, layout1, a2, layout2)
    row.update({"ra_deg": first, "dec_deg": second} if kind == "radec" else
               {"az_deg": first, "el_deg": second})
    if bright_ok and p[68:71].strip():
        row["magnitude"] = _uk_magnitude(p[68:71])
    return row


def _photometry_fields(p: str, soft) -> bool:
    """Check range, magnitudes, flash period and appearance (optional fields) with
    `soft`; whether the brightest magnitude can be read."""
    soft(not p[55:68].strip() or p[55:68].replace(" ", "").isdigit(), "columns 56-68",
         f"columns 56-68 (range): expected digits or blanks, got {p[55:68]!r}",
         "range not read")
    bright_ok = soft(bool(_MAG.match(p[68:71])), "columns 69-71", "columns 69-71 (magnitude): "
                     f"expected xMm or Mmm, got {p[68:71]!r}", "magnitude not read")
    soft(bool(_MAG.match(p[71:74])) or p[71:74] == "INV", "columns 72-74", "columns 72-74 "
         f"(magnitude): expected xMm or Mmm, got {p[71:74]!r}", "magnitude not read")
    flash = p[74:79]
    soft(not flash.strip() or (bool(re.match(r"^ *\d+ *$", flash)) and int(flash) != 0),
         "columns 75-79", f"columns 75-79 (flash period SSSss): expected digits, got {flash!r}",
         "flash period not read")
    soft(p[79] in "SIRFXE ", "column 80", f"column 80 (appearance): expected S, I, R, F, X "
         f"or E, got {p[79]!r}", "appearance unknown")
    return bright_ok


#: Optional UK fields by name: their slice of the line.
_COLUMNS = {"columns 28-32": slice(27, 32), "column 33": slice(32, 33),
            "columns 51-54": slice(50, 54), "columns 56-68": slice(55, 68),
            "columns 69-71": slice(68, 71), "columns 72-74": slice(71, 74),
            "columns 75-79": slice(74, 79), "column 80": slice(79, 80)}


def _uk_magnitude(field: str) -> float:
    if field[0] in "+-":
        digits = field[1:].strip().ljust(2, "0")
        return float(digits[0] + "." + digits[1:]) * (-1.0 if field[0] == "-" else 1.0)
    return float(field[0] + "." + field[1:])


def _check_time(text: str, what: str) -> None:
    try:
        utc_datetime64(text, "ms")
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a calendar date and time") from None
    hh, mm, ss = int(text[11:13]), int(text[14:16]), int(text[17:19])
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueError(f"{what}: {text!r} is not a time of day")


def read_uk_text(text: str, source: str, builder: ObservationBuilder) -> int:
    """Parse every line of a UK-format file into `builder`; return the number read."""
    count = 0
    for number, line in enumerate(text_lines(text), 1):
        if not line.strip() or line.lstrip().startswith("#") or line.strip() == "999":
            continue
        try:
            row = parse_uk_line(line, strict=builder.strict)
        except ValueError as exc:
            builder.reject(source, number, f"{exc}\n  expected: {UK_TEMPLATE}\n  got:      "
                           f"{line.rstrip()}")
            continue
        for field, value, meaning in row.pop("tolerated"):
            builder.tolerate(source, number, field, value, meaning)
        builder.add(format="uk", file=source, line=number, **row)
        count += 1
    return count


_RDE_HEADER = re.compile(r"^(\w{4}) (\d{2})(\d{2}) (\d\.\d)([123])([123]) (\d{3})([0-6])\s*$")
_RDE_LINE = re.compile(r"^(\d{5}[\dA-Z]{2}) (\d{6}(?:\.\d+)?) (\d{4,6}(?:\.\d+)?)([+-])(\d{3,6}"
                       r"(?:\.\d+)?)(?:\s+(.*))?$")
_RDE_LAYOUTS = {1: ("HHMMSS", "DDMMSS"), 2: ("HHMMmm", "DDMMm"), 3: ("HHMMmm", "DDddd")}


def looks_like_rde(text: str) -> bool:
    """Whether `text` holds R.D.E. reports (a header line of the R.D.E. shape)."""
    return any(_RDE_HEADER.match(line) for line in text_lines(text)[:50])


def read_rde_text(text: str, source: str, builder: ObservationBuilder) -> int:
    """Parse R.D.E. reports into `builder`; return the number of observations read."""
    header = day = None
    count = 0
    for number, raw in enumerate(text_lines(text), 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.upper() == "SATOBS":
            continue
        if line.startswith("999"):
            header = day = None
            continue
        match = _RDE_HEADER.match(line)
        if match:
            header, day = match, None
            continue
        if re.match(r"^\d{2}$", line):
            day = line
            continue
        if header is None or day is None:
            builder.reject(source, number, "observation before its report header "
                           "('SSSS YYMM T.tSF PPPE') and day line ('DD')")
            continue
        try:
            row = _rde_row(line, header, day)
        except ValueError as exc:
            builder.reject(source, number, f"{exc}\n  expected: YYLLLPP HHMMSS.ss "
                           f"HHMMSS+DDMMSS ...\n  got:      {line}")
            continue
        builder.add(format="rde", file=source, line=number, **row)
        count += 1
    return count


def _rde_row(line: str, header, day: str) -> dict:
    match = _RDE_LINE.match(line)
    if not match:
        raise ValueError("not an R.D.E. observation line")
    station, yy, mm, accuracy, _standard, fmt, sigma, epoch = header.groups()
    layout1, layout2 = _RDE_LAYOUTS[int(fmt)]
    clock = match.group(2)
    yy = int(yy)
    when = (f"{1900 + yy if yy >= 57 else 2000 + yy}-{mm}-{day}T{clock[0:2]}:{clock[2:4]}:"
            f"{clock[4:]}")
    _check_time(when, "date and time")
    ra = angle_value(match.group(3).replace(".", ""), layout1)
    dec = angle_value(match.group(5).replace(".", ""), layout2)
    dec *= -1.0 if match.group(4) == "-" else 1.0
    if not (0.0 <= ra < 360.0 and -90.0 <= dec <= 90.0):
        raise ValueError(f"angles {match.group(3)}{match.group(4)}{match.group(5)} are outside "
                         "the sky")
    row = {"time": when, "station": station, "intl_designator": _intl_from_numeric(
        match.group(1)), "angle_type": "radec", "equinox": EQUINOX_CODES[epoch],
        "ra_deg": ra, "dec_deg": dec, "sigma_arcsec": float(sigma),
        "resolution_arcsec": resolution_arcsec(match.group(3), layout1, match.group(5), layout2),
        "time_sigma_s": float(accuracy)}
    rest = (match.group(6) or "").split()
    if rest:
        try:
            row["magnitude"] = float(rest[0])
        except ValueError:
            pass
    return row


FORMATS = (
    ObservationFormat("rde", "R.D.E. reports (Russell Eberst: header, day lines, 999)",
                      lambda text: 0.95 if looks_like_rde(text) else 0.0, read_rde_text),
    ObservationFormat("uk", "UK (RGO) format, 80 columns",
                      lambda text: 0.4 if fixed_column_kind(text) == "uk" else 0.0,
                      read_uk_text),
)
