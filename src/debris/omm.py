"""OMM (CCSDS 502.0-B-2 Orbit Mean-Elements Message): readers and writers of CSV, JSON,
XML and KVN.

Each reader adds every record it can initialise to a catalogue builder (the one
:mod:`debris.catalog` passes: ``add``, ``add_many``, ``reject``) and rejects the others
with the file, line and reason. Satrecs are initialised as ``sgp4.omm.initialize`` does
(same units and ``sgp4init`` call). A clean CSV file is read a column at a time; any record
that is not clean sends the file through the record-by-record path, which names each one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
import xml.etree.ElementTree as ET
from xml.parsers import expat

import numpy as np
from sgp4.api import WGS72, Satrec

from .constants import DAY_S
from .errors import CatalogError, OMMFormatError
from .io.tables import epoch_text, utc_now_iso

__all__ = ["add_omm_record", "read_omm_csv", "read_omm_json", "read_omm_xml", "read_omm_kvn",
           "looks_like_omm_kvn", "omm_records", "omm_kvn_text", "omm_csv_text", "omm_json_text",
           "omm_xml_text", "OMM_KEYS"]


#: The largest catalogue number SGP4 element sets carry (Alpha-5 "Z9999").
MAX_NORAD_ID = 339999

#: The ranges of the counters a Satrec holds (sgp4 truncates beyond them).
_COUNTER_RANGES = {"EPHEMERIS_TYPE": (0, 9), "ELEMENT_SET_NO": (0, 999999),
                   "REV_AT_EPOCH": (0, 9999999)}

_OMM_REQUIRED = ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
                 "ARG_OF_PERICENTER", "MEAN_ANOMALY", "NORAD_CAT_ID", "BSTAR")
_OMM_DEFAULTS = {"CLASSIFICATION_TYPE": "U", "EPHEMERIS_TYPE": "0", "ELEMENT_SET_NO": "999",
                 "REV_AT_EPOCH": "0", "MEAN_MOTION_DOT": "0", "MEAN_MOTION_DDOT": "0",
                 "OBJECT_ID": "", "OBJECT_NAME": ""}


_EPOCH0 = dt.datetime(1949, 12, 31)
_DEG = np.pi / 180.0


def _initialize_omm(satrec, fields, norad) -> None:
    """Initialise a Satrec from OMM fields as ``sgp4.omm.initialize`` does (same units and
    ``sgp4init`` call), with a faster ISO epoch parser."""
    satrec.classification = str(fields["CLASSIFICATION_TYPE"])
    satrec.intldesg = str(fields["OBJECT_ID"])[2:].replace("-", "")
    for key, (low, high) in _COUNTER_RANGES.items():
        if not low <= int(fields[key]) <= high:
            raise ValueError(f"{key} {fields[key]} outside {low}..{high}")
    satrec.ephtype = int(fields["EPHEMERIS_TYPE"])
    satrec.elnum = int(fields["ELEMENT_SET_NO"])
    satrec.revnum = int(fields["REV_AT_EPOCH"])
    epoch = (dt.datetime.fromisoformat(fields["EPOCH"]) - _EPOCH0).total_seconds() / DAY_S
    satrec.sgp4init(
        WGS72, "i", norad, epoch, float(fields["BSTAR"]),
        float(fields["MEAN_MOTION_DOT"]) / (1036800.0 / np.pi),
        float(fields["MEAN_MOTION_DDOT"]) / (2985984000.0 / 2.0 / np.pi),
        float(fields["ECCENTRICITY"]), float(fields["ARG_OF_PERICENTER"]) * _DEG,
        float(fields["INCLINATION"]) * _DEG, float(fields["MEAN_ANOMALY"]) * _DEG,
        float(fields["MEAN_MOTION"]) / 720.0 * np.pi, float(fields["RA_OF_ASC_NODE"]) * _DEG)


def add_omm_record(fields: dict, source: str, number: int | None, builder,
                   normalized: bool = False) -> None:
    """Add one OMM record (CCSDS keyword -> value) to `builder`, or reject it with the
    reason; `normalized` says the keys are already stripped upper case."""
    if normalized:
        fields = dict(fields)
    else:
        fields = {str(k).strip().upper(): v for k, v in fields.items() if k is not None}
    norad = None
    try:
        norad = int(str(fields.get("NORAD_CAT_ID", "")).strip())
    except ValueError:
        pass
    if norad is not None and not 0 <= norad <= MAX_NORAD_ID:
        builder.reject(source, number, None, f"NORAD_CAT_ID {norad} outside 0..{MAX_NORAD_ID} "
                       "(the most SGP4 element sets can carry)", exc_type=OMMFormatError)
        return
    # a JSON number 0 (BSTAR of many objects) is a value, not a missing field
    missing = [key for key in _OMM_REQUIRED
               if fields.get(key) is None or str(fields.get(key)).strip() == ""]
    if missing:
        builder.reject(source, number, norad, f"OMM record lacks {', '.join(missing)}",
                       exc_type=OMMFormatError)
        return
    for key, value in _OMM_DEFAULTS.items():
        if fields.get(key) in (None, ""):
            fields[key] = value
    fields["EPOCH"] = str(fields["EPOCH"]).strip().rstrip("Z")
    fields["OBJECT_ID"] = str(fields["OBJECT_ID"])
    if fields["OBJECT_ID"].strip().upper() == "UNKNOWN":  # the CCSDS filler, no designator
        fields["OBJECT_ID"] = ""
    try:
        ecc = float(fields["ECCENTRICITY"])
        mean_motion = float(fields["MEAN_MOTION"])
        incl = float(fields["INCLINATION"])
    except (TypeError, ValueError) as exc:
        builder.reject(source, number, norad, f"OMM number not readable: {exc}",
                       exc_type=OMMFormatError)
        return
    if not 0.0 <= ecc < 1.0:
        builder.reject(source, number, norad, f"ECCENTRICITY {ecc} outside [0, 1)",
                       exc_type=OMMFormatError)
        return
    if not mean_motion > 0.0:
        builder.reject(source, number, norad, f"MEAN_MOTION {mean_motion} rev/day is not positive",
                       exc_type=OMMFormatError)
        return
    if not 0.0 <= incl <= 180.0:
        builder.reject(source, number, norad, f"INCLINATION {incl} deg outside [0, 180]",
                       exc_type=OMMFormatError)
        return
    satrec = Satrec()
    try:  # sgp4init's C ints overflow on absurd counters: OverflowError
        _initialize_omm(satrec, fields, norad)
    except (KeyError, ValueError, TypeError, OverflowError) as exc:
        builder.reject(source, number, norad, f"OMM record not readable: {exc}",
                       exc_type=OMMFormatError)
        return
    name = str(fields["OBJECT_NAME"]).strip()
    object_type = str(fields.get("OBJECT_TYPE") or "").strip().upper() or None
    builder.add(satrec, name, norad, fields["OBJECT_ID"].strip(), source, number, object_type)


def read_omm_csv(text: str, source: str, builder) -> None:
    """Read OMM CSV text into `builder` (see the module docstring)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames:
        reader.fieldnames = [f.strip().upper() for f in reader.fieldnames]
    if not reader.fieldnames or "NORAD_CAT_ID" not in reader.fieldnames:
        raise CatalogError(f"{source}: CSV header lacks NORAD_CAT_ID; expected CelesTrak OMM CSV "
                           "columns (OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,...)")
    header = list(reader.fieldnames)
    missing = [key for key in _OMM_REQUIRED if key not in header]
    if missing:  # said once, from the header, not once per record
        raise CatalogError(f"{source}: CSV header lacks {', '.join(missing)}; expected "
                           "CelesTrak OMM CSV columns (OBJECT_NAME,OBJECT_ID,EPOCH,"
                           "MEAN_MOTION,...)")
    if '"' not in text and "\r" not in text:  # no quoting: one split per line does
        lines = text.split("\n")
        numbers = [i + 1 for i in range(1, len(lines)) if lines[i]]
        rows = [lines[i - 1].split(",") for i in numbers]
    else:
        plain = csv.reader(io.StringIO(text, newline=""))
        next(plain)
        rows, numbers = [], []
        for row in plain:
            if row:
                rows.append(row)
                numbers.append(plain.line_num)
    if _omm_csv_columns(header, rows, numbers, source, builder):
        return
    for row in reader:  # the record-by-record path: the same checks, one message per record
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        add_omm_record(row, source, reader.line_num, builder, normalized=True)


_OMM_FLOATS = ("MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
               "ARG_OF_PERICENTER", "MEAN_ANOMALY", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
_OMM_INTS = ("NORAD_CAT_ID", "EPHEMERIS_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH")


def _omm_csv_columns(header, rows, numbers, source, builder) -> bool:
    """Read a clean OMM CSV a column at a time (numbers and epochs converted with numpy).

    Returns False, having added nothing, when any record is not clean (missing or
    unreadable fields, values out of range, rows of another length): the caller then
    reads record by record, which names each bad record.
    """
    width = len(header)
    if not rows or any(len(row) != width for row in rows) or "EPOCH" not in header:
        return False
    columns = dict(zip(header, zip(*rows)))
    n = len(rows)
    if any(key not in columns for key in _OMM_REQUIRED):
        return False

    def text(key):
        return columns[key] if key in columns else (_OMM_DEFAULTS[key],) * n

    try:
        floats = {key: np.array(text(key), dtype=float) for key in _OMM_FLOATS}
        ints = {key: np.array(text(key), dtype=np.int64) for key in _OMM_INTS}
        stamps = np.char.rstrip(np.char.strip(np.array(columns["EPOCH"])), "Z")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a time-zone offset: record by record
            when = stamps.astype("datetime64[us]")
    except (ValueError, TypeError, OverflowError, UserWarning):
        return False
    ecc, mean_motion, incl = (floats["ECCENTRICITY"], floats["MEAN_MOTION"],
                              floats["INCLINATION"])
    ok = ((ecc >= 0.0) & (ecc < 1.0) & (mean_motion > 0.0) & (incl >= 0.0) & (incl <= 180.0)
          & np.isfinite(np.column_stack(list(floats.values()))).all(axis=1))
    names = [str(v).strip() for v in text("OBJECT_NAME")]
    ids = [str(v) for v in text("OBJECT_ID")]
    classes = [str(v) or "U" for v in text("CLASSIFICATION_TYPE")]
    norad_ok = (ints["NORAD_CAT_ID"] >= 0) & (ints["NORAD_CAT_ID"] <= MAX_NORAD_ID)
    for key, (low, high) in _COUNTER_RANGES.items():
        norad_ok &= (ints[key] >= low) & (ints[key] <= high)
    if (not ok.all() or np.isnat(when).any() or not norad_ok.all()
            or any(len(c) != 1 for c in classes)):
        return False
    epoch_us = (when - np.datetime64("1949-12-31T00:00:00", "us")).astype(np.int64)
    epoch = (epoch_us / 1e6 / DAY_S).tolist()  # as total_seconds() / 86400 does
    norad = ints["NORAD_CAT_ID"].tolist()
    bstar = floats["BSTAR"].tolist()
    ndot = (floats["MEAN_MOTION_DOT"] / (1036800.0 / np.pi)).tolist()
    nddot = (floats["MEAN_MOTION_DDOT"] / (2985984000.0 / 2.0 / np.pi)).tolist()
    argp = (floats["ARG_OF_PERICENTER"] * _DEG).tolist()
    inclo = (incl * _DEG).tolist()
    mo = (floats["MEAN_ANOMALY"] * _DEG).tolist()
    no = (mean_motion / 720.0 * np.pi).tolist()
    node = (floats["RA_OF_ASC_NODE"] * _DEG).tolist()
    eccs = ecc.tolist()
    ephtype, elnum, revnum = (ints[k].tolist() for k in _OMM_INTS[1:])
    types = ([str(v).strip().upper() or None for v in columns["OBJECT_TYPE"]]
             if "OBJECT_TYPE" in columns else [None] * n)
    satrecs = []
    for i in range(n):
        satrec = Satrec()
        satrec.classification = classes[i]
        satrec.intldesg = ids[i][2:].replace("-", "")
        satrec.ephtype = ephtype[i]
        satrec.elnum = elnum[i]
        satrec.revnum = revnum[i]
        satrec.sgp4init(WGS72, "i", norad[i], epoch[i], bstar[i], ndot[i], nddot[i], eccs[i],
                        argp[i], inclo[i], mo[i], no[i], node[i])
        satrecs.append(satrec)
    builder.add_many(satrecs, names, norad, [v.strip() for v in ids], source, numbers, types)
    return True


def read_omm_json(text: str, source: str, builder) -> None:
    """Read OMM JSON text into `builder` (see the module docstring)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        objects = _json_objects(text)
        if not any(record is not None for record, _, _ in objects):
            raise CatalogError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") \
                from None
        # One damaged record (a stray byte) costs that record, not the file.
        for record, line, error in objects:
            if record is None:
                builder.reject(source, line, None, f"JSON record not readable ({error}); "
                               "the record is left out", exc_type=OMMFormatError)
            else:
                add_omm_record(record, source, line, builder)
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise CatalogError(f"{source}: expected a JSON list of OMM records")
    lines = _json_item_lines(text, len(data))
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            builder.reject(source, lines[index], None,
                           f"JSON record {index + 1} is not an object", exc_type=OMMFormatError)
            continue
        add_omm_record(record, source, lines[index], builder)


def _json_objects(text: str) -> list:
    """The flat ``{...}`` objects of JSON text that does not parse as a whole, each parsed on
    its own: ``(record or None, 1-based line, error)``. Braces are matched without regard
    to strings (OMM values hold none), so a damaged quote costs only its own record."""
    out, depth, start = [], 0, 0
    for at, char in enumerate(text):
        if char == "{":
            if depth == 0:
                start = at
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                line = text.count("\n", 0, start) + 1
                try:
                    record = json.loads(text[start:at + 1])
                    out.append((record if isinstance(record, dict) else None, line, ""))
                except json.JSONDecodeError as exc:
                    out.append((None, line, exc.msg))
    return out


def _json_item_lines(text: str, count: int) -> list:
    """The 1-based line on which each item of a top-level JSON list starts (the line of the
    object for a single record), so that rejections name a line as for other formats."""
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    if not text.startswith("[", start):
        return [text.count("\n", 0, start) + 1] * count
    decoder, lines, at, line = json.JSONDecoder(), [], start + 1, 1 + text.count("\n", 0, start)
    for _ in range(count):
        skip = at
        while text[skip] in " \t\r\n,":
            skip += 1
        line += text.count("\n", at, skip)
        lines.append(line)
        _, end = decoder.raw_decode(text, skip)
        line += text.count("\n", skip, end)
        at = end
    return lines


def read_omm_xml(text: str, source: str, builder) -> None:
    """Read OMM XML text into `builder` (see the module docstring)."""
    try:
        root = ET.fromstring(text.encode("utf-8") if text.startswith("<?xml") else text)
    except (ET.ParseError, LookupError) as exc:  # LookupError: an unknown encoding
        raise CatalogError(f"{source}: not valid XML ({exc})") from None
    segments = [s for s in root.iter() if s.tag.split("}")[-1] == "segment"]
    lines = _xml_segment_lines(text, len(segments))
    for segment, line in zip(segments, lines):
        fields = {}
        for element in segment.iter():
            tag = element.tag.split("}")[-1]
            if len(element) == 0 and element.text is not None:
                fields[tag] = element.text.strip()
        add_omm_record(fields, source, line, builder)


def _xml_segment_lines(text: str, count: int) -> list:
    """The 1-based line of each ``<segment>`` start tag, in document order (expat reports
    positions; ElementTree does not keep them)."""
    lines = []
    parser = expat.ParserCreate()

    def start(tag, _attributes):
        if tag.split(":")[-1] == "segment":
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    try:
        parser.Parse(text.encode("utf-8") if text.startswith("<?xml") else text, True)
    except (expat.ExpatError, LookupError):
        pass
    return (lines + [None] * count)[:count]


# ---------------------------------------------------------------------------- KVN reader

def looks_like_omm_kvn(text: str) -> bool:
    """Whether `text` starts as an OMM in KVN (``CCSDS_OMM_VERS = ...``, comments first)."""
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("COMMENT"):
            return stripped.upper().startswith("CCSDS_OMM_VERS")
    return False


def read_omm_kvn(text: str, source: str, builder) -> None:
    """Read OMM KVN text (one or more messages, each from its ``CCSDS_OMM_VERS`` line) into
    `builder`: ``KEY = VALUE`` lines, units in brackets and comments ignored."""
    fields, first = None, None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("COMMENT") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        key = key.strip().upper()
        value = _without_unit(value.strip())
        if key == "CCSDS_OMM_VERS":
            if fields is not None:
                add_omm_record(fields, source, first, builder, normalized=True)
            fields, first = {}, number
        elif fields is None:
            builder.reject(source, number, None, f"{key} before CCSDS_OMM_VERS; not an OMM",
                           exc_type=OMMFormatError)
            return
        else:
            fields[key] = value
    if fields is not None:
        add_omm_record(fields, source, first, builder, normalized=True)


def _without_unit(value: str) -> str:
    """A KVN value without its trailing unit (``7.5 [km]``); names keep brackets."""
    number, bracket, _ = value.partition("[")
    if bracket and value.endswith("]"):
        try:
            float(number)
            return number.strip()
        except ValueError:
            pass
    return value


# ---------------------------------------------------------------------------- writers

#: The OMM keywords of an SGP4 element set, in the order CelesTrak's files carry them.
OMM_KEYS = ("OBJECT_NAME", "OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
            "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE",
            "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR",
            "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
_NUMBERS = ("MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
            "MEAN_ANOMALY", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
_INTEGERS = ("EPHEMERIS_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH")


def omm_records(catalog) -> list[dict]:
    """Each object's OMM fields as text (SGP4 mean elements, TEME; 12 significant digits,
    so the elements read back to 1e-12 relative).

    Parameters
    ----------
    catalog : Catalog

    Returns
    -------
    list of dict
        {keyword: text} in :data:`OMM_KEYS` order.
    """
    turn = 2.0 * np.pi
    epochs = epoch_text(catalog.epoch)
    records = []
    for k, sat in enumerate(catalog.satrecs):
        values = {"MEAN_MOTION": sat.no_kozai * 1440.0 / turn, "ECCENTRICITY": sat.ecco,
                  "INCLINATION": np.degrees(sat.inclo),
                  "RA_OF_ASC_NODE": np.degrees(sat.nodeo) % 360.0,
                  "ARG_OF_PERICENTER": np.degrees(sat.argpo) % 360.0,
                  "MEAN_ANOMALY": np.degrees(sat.mo) % 360.0, "BSTAR": sat.bstar,
                  "MEAN_MOTION_DOT": sat.ndot * 1036800.0 / np.pi,
                  "MEAN_MOTION_DDOT": sat.nddot * 2985984000.0 / 2.0 / np.pi}
        record = {"OBJECT_NAME": str(catalog.name[k]),
                  "OBJECT_ID": str(catalog.intl_designator[k]),
                  "EPOCH": str(epochs[k]),
                  "EPHEMERIS_TYPE": str(int(getattr(sat, "ephtype", 0) or 0)),
                  "CLASSIFICATION_TYPE": getattr(sat, "classification", "U") or "U",
                  "NORAD_CAT_ID": str(int(catalog.norad_id[k])),
                  "ELEMENT_SET_NO": str(int(getattr(sat, "elnum", 999))),
                  "REV_AT_EPOCH": str(int(getattr(sat, "revnum", 0)))}
        record.update({key: f"{float(v):.12g}" for key, v in values.items()})
        records.append({key: record[key] for key in OMM_KEYS})
    return records


def omm_kvn_text(catalog) -> str:
    """A catalogue as CCSDS OMM 2.0 KVN messages, one per object (SGP4 mean elements)."""
    created = utc_now_iso().rstrip("Z")
    header = ["CCSDS_OMM_VERS = 2.0", f"CREATION_DATE = {created}", "ORIGINATOR = debris", ""]
    out = []
    for record in omm_records(catalog):
        meta = [f"OBJECT_NAME = {record['OBJECT_NAME']}", f"OBJECT_ID = {record['OBJECT_ID'] or 'UNKNOWN'}",
                "CENTER_NAME = EARTH", "REF_FRAME = TEME", "TIME_SYSTEM = UTC",
                "MEAN_ELEMENT_THEORY = SGP4", ""]
        data = [f"{key} = {record[key]}" for key in OMM_KEYS[2:]]
        out.append("\n".join(header + meta + data) + "\n")
    return "\n".join(out)


def omm_csv_text(catalog) -> str:
    """A catalogue as OMM CSV with CelesTrak's header (:data:`OMM_KEYS`)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=OMM_KEYS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(omm_records(catalog))
    return buffer.getvalue()


def omm_json_text(catalog) -> str:
    """A catalogue as OMM JSON: a list of records, numbers as JSON numbers (CelesTrak's)."""
    records = [{key: (float(v) if key in _NUMBERS else int(v) if key in _INTEGERS else v)
                for key, v in record.items()} for record in omm_records(catalog)]
    return json.dumps(records, indent=1) + "\n"


def omm_xml_text(catalog) -> str:
    """A catalogue as OMM XML (CCSDS NDM/XML 2.0: one ``<omm>`` with its segment per
    object, as CelesTrak's files are)."""
    created = utc_now_iso().rstrip("Z")
    root = ET.Element("ndm")
    for record in omm_records(catalog):
        omm = ET.SubElement(root, "omm", id="CCSDS_OMM_VERS", version="2.0")
        header = ET.SubElement(omm, "header")
        ET.SubElement(header, "CREATION_DATE").text = created
        ET.SubElement(header, "ORIGINATOR").text = "debris"
        segment = ET.SubElement(ET.SubElement(omm, "body"), "segment")
        meta = ET.SubElement(segment, "metadata")
        for key, value in (("OBJECT_NAME", record["OBJECT_NAME"]),
                           ("OBJECT_ID", record["OBJECT_ID"] or "UNKNOWN"),
                           ("CENTER_NAME", "EARTH"),
                           ("REF_FRAME", "TEME"), ("TIME_SYSTEM", "UTC"),
                           ("MEAN_ELEMENT_THEORY", "SGP4")):
            ET.SubElement(meta, key).text = value
        data = ET.SubElement(segment, "data")
        mean = ET.SubElement(data, "meanElements")
        for key in OMM_KEYS[2:9]:
            ET.SubElement(mean, key).text = record[key]
        tle = ET.SubElement(data, "tleParameters")
        for key in OMM_KEYS[9:]:
            ET.SubElement(tle, key).text = record[key]
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
