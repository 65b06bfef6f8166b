"""CCSDS Tracking Data Messages (TDM, CCSDS 503.0-B-2) with angles: reading and writing.

KVN and XML. Read: segments with ``ANGLE_TYPE = RADEC`` (``REFERENCE_FRAME`` EME2000, ICRF or
GCRF, taken as ICRS axes) or ``AZEL``, ``TIME_SYSTEM = UTC``; ``PARTICIPANT_1`` is the
station, ``PARTICIPANT_2`` the object (its NORAD number when it is one). ``ANGLE_1`` and
``ANGLE_2`` lines with one epoch form one observation; an optional ``MAG`` at that epoch
is its magnitude. Other data types are skipped. Written: KVN or XML, RADEC in EME2000, one
segment per (station, object).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

import numpy as np

from ..io.files import text_lines
from ..io.tables import iso_text, utc_now_iso
from .records import ObservationBuilder, ObservationFormat, utc_datetime64

__all__ = ["read_tdm_text", "looks_like_tdm", "tdm_text", "FORMATS"]

_KVN = re.compile(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$")
_FRAMES = {"EME2000": "J2000", "ICRF": "J2000", "GCRF": "J2000", "ICRF3": "J2000"}


def looks_like_tdm(text: str) -> bool:
    head = text.lstrip()[:2000]
    return "CCSDS_TDM_VERS" in head or bool(re.search(r"<tdm[\s>]", head))


def read_tdm_text(text: str, source: str, builder: ObservationBuilder) -> int:
    """Parse a TDM (KVN or XML) into `builder`; return the number of observations read."""
    if text.lstrip().startswith("<"):
        segments = _xml_segments(text, source, builder)
    else:
        segments = _kvn_segments(text, source, builder)
    count = 0
    for meta, records, start_line in segments:
        count += _segment_rows(meta, records, start_line, source, builder)
    return count


def _kvn_segments(text, source, builder):
    segments, meta, records, state, start, data_start = [], {}, [], "header", 0, 1
    for number, line in enumerate(text_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("COMMENT"):
            continue
        if stripped == "META_START":
            meta, records, state, start = {}, [], "meta", number
            continue
        if stripped == "META_STOP":
            state = "between"
            continue
        if stripped == "DATA_START":
            state, data_start = "data", number
            continue
        if stripped == "DATA_STOP":
            segments.append((meta, records, start))
            state = "between"
            continue
        match = _KVN.match(line)
        if not match:
            builder.reject(source, number, f"expected KEYWORD = value, got {stripped!r}")
            continue
        key, value = match.groups()
        if state == "meta":
            meta[key] = value
        elif state == "data":
            records.append((key, value, number))
    if state == "data":
        builder.reject(source, start or data_start,
                       "segment without DATA_STOP (file cut short?)")
    return segments


def _xml_segments(text, source, builder):
    try:
        root = ET.fromstring(text.encode("utf-8") if text.startswith("<?xml") else text)
    except (ET.ParseError, expat.ExpatError) as exc:
        builder.reject(source, getattr(exc, "position", (None,))[0] or 1,
                       f"not well-formed XML: {exc}")
        return []
    except (LookupError, ValueError) as exc:  # an unknown encoding declared, a bad header
        builder.reject(source, 1, f"not readable XML: {exc}")
        return []
    segments = []
    for segment in root.iter("segment"):
        meta_el = segment.find("metadata")
        meta = {child.tag: (child.text or "").strip() for child in meta_el} if meta_el is not \
            None else {}
        records = []
        for obs in segment.iter("observation"):
            epoch = obs.findtext("EPOCH", "").strip()
            for child in obs:
                if child.tag != "EPOCH":
                    records.append((child.tag, f"{epoch} {(child.text or '').strip()}", None))
        segments.append((meta, records, None))
    return segments


def _segment_rows(meta, records, start_line, source, builder) -> int:
    angle_type = meta.get("ANGLE_TYPE", "").upper()
    if not any(key in ("ANGLE_1", "ANGLE_2") for key, _, _ in records):
        return 0
    where = start_line or 1
    if angle_type not in ("RADEC", "AZEL"):
        builder.reject(source, where, f"ANGLE_TYPE {angle_type or '(missing)'} is not read; "
                       "expected RADEC or AZEL")
        return 0
    if meta.get("TIME_SYSTEM", "UTC").upper() != "UTC":
        builder.reject(source, where, f"TIME_SYSTEM {meta.get('TIME_SYSTEM')} is not read; "
                       "expected UTC")
        return 0
    frame = meta.get("REFERENCE_FRAME", "EME2000").upper()
    if angle_type == "RADEC" and frame not in _FRAMES:
        builder.reject(source, where, f"REFERENCE_FRAME {frame} is not read; expected "
                       "EME2000, ICRF or GCRF")
        return 0
    station = meta.get("PARTICIPANT_1", "")
    target = meta.get("PARTICIPANT_2", "")
    norad = int(target) if target.isascii() and target.isdigit() and len(target) <= 6 \
        else None
    by_epoch: dict[str, dict] = {}
    order = []
    for key, value, number in records:
        if key not in ("ANGLE_1", "ANGLE_2", "MAG"):
            # RANGE, DOPPLER, ...: valid TDM, not needed for a direction; said once per file
            builder.tolerate(source, number or where, key, key, "data keyword not read")
            continue
        parts = value.split()
        try:
            epoch, number_value = parts[0], float(parts[1])
            utc_datetime64(epoch)  # TDM epochs are UTC, written without a zone
        except (IndexError, ValueError):
            if key == "MAG" and not builder.strict:
                builder.tolerate(source, number or where, "MAG", " ".join(parts[1:])[:30],
                                 "magnitude not read")
                continue
            builder.reject(source, number or where, f"{key}: expected '<epoch> <value>', got "
                           f"{value!r}")
            continue
        if epoch not in by_epoch:
            by_epoch[epoch] = {"line": number or where}
            order.append(epoch)
        by_epoch[epoch][key] = number_value
    count = 0
    for epoch in order:
        item = by_epoch[epoch]
        if "ANGLE_1" not in item or "ANGLE_2" not in item:
            builder.reject(source, item["line"], f"epoch {epoch}: ANGLE_1 and ANGLE_2 are both "
                           "needed")
            continue
        a1, a2 = item["ANGLE_1"], item["ANGLE_2"]
        if not (-360.0 <= a1 <= 360.0 and -90.0 <= a2 <= 90.0):
            builder.reject(source, item["line"], f"epoch {epoch}: angles {a1}, {a2} deg are "
                           "outside the sky")
            continue
        row = {"time": epoch.rstrip("Z"), "station": station, "norad_id": norad,
               "angle_type": angle_type.lower(), "magnitude": item.get("MAG")}
        if angle_type == "RADEC":
            row.update(ra_deg=a1 % 360.0, dec_deg=a2, equinox=_FRAMES[frame])
        else:
            row.update(az_deg=a1 % 360.0, el_deg=a2)
        builder.add(format="tdm", file=source, line=item["line"], **row)
        count += 1
    return count


def tdm_text(observations, *, originator: str = "debris", xml: bool = False,
             creation_date: str | None = None) -> str:
    """A TDM of `observations` (RADEC, EME2000, UTC), one segment per station and object.

    Parameters
    ----------
    observations : Table
        Observation rows (:func:`debris.observations.read_observations`); ``ra_deg`` and
        ``dec_deg`` (ICRS) are written, rows without them are left out.
    xml : bool
        XML instead of KVN.
    """
    created = creation_date or utc_now_iso()
    iso = iso_text(observations["time"])
    ok = np.isfinite(observations["ra_deg"]) & np.isfinite(observations["dec_deg"])
    keys = list(dict.fromkeys(zip(observations["station"][ok],
                                  observations["norad_id"][ok].tolist())))
    segments = []
    for station, norad in keys:
        rows = np.flatnonzero(ok & (observations["station"] == station)
                              & (observations["norad_id"] == norad))
        rows = rows[np.argsort(iso[rows], kind="stable")]
        segments.append((station, norad, rows))
    if xml:
        return _tdm_xml(observations, iso, segments, originator, created)
    lines = ["CCSDS_TDM_VERS = 2.0", f"CREATION_DATE = {created.rstrip('Z')}",
             f"ORIGINATOR = {originator}", ""]
    for station, norad, rows in segments:
        lines += ["META_START", "TIME_SYSTEM = UTC", f"PARTICIPANT_1 = {station}",
                  f"PARTICIPANT_2 = {norad if norad >= 0 else 'UNKNOWN'}", "MODE = SEQUENTIAL",
                  "PATH = 2,1", "ANGLE_TYPE = RADEC", "REFERENCE_FRAME = EME2000", "META_STOP",
                  "DATA_START"]
        for i in rows:
            t = iso[i].rstrip("Z")
            lines.append(f"ANGLE_1 = {t} {observations['ra_deg'][i]:.7f}")
            lines.append(f"ANGLE_2 = {t} {observations['dec_deg'][i]:.7f}")
            if np.isfinite(observations["magnitude"][i]):
                lines.append(f"MAG = {t} {observations['magnitude'][i]:.1f}")
        lines += ["DATA_STOP", ""]
    return "\n".join(lines)


def _tdm_xml(observations, iso, segments, originator, created) -> str:
    root = ET.Element("tdm", {"id": "CCSDS_TDM_VERS", "version": "2.0"})
    header = ET.SubElement(root, "header")
    ET.SubElement(header, "CREATION_DATE").text = created.rstrip("Z")
    ET.SubElement(header, "ORIGINATOR").text = originator
    body = ET.SubElement(root, "body")
    for station, norad, rows in segments:
        segment = ET.SubElement(body, "segment")
        meta = ET.SubElement(segment, "metadata")
        for key, value in (("TIME_SYSTEM", "UTC"), ("PARTICIPANT_1", station),
                           ("PARTICIPANT_2", str(norad) if norad >= 0 else "UNKNOWN"),
                           ("MODE", "SEQUENTIAL"), ("PATH", "2,1"), ("ANGLE_TYPE", "RADEC"),
                           ("REFERENCE_FRAME", "EME2000")):
            ET.SubElement(meta, key).text = value
        data = ET.SubElement(segment, "data")
        for i in rows:
            t = iso[i].rstrip("Z")
            values = [("ANGLE_1", f"{observations['ra_deg'][i]:.7f}"),
                      ("ANGLE_2", f"{observations['dec_deg'][i]:.7f}")]
            if np.isfinite(observations["magnitude"][i]):
                values.append(("MAG", f"{observations['magnitude'][i]:.1f}"))
            for key, value in values:
                obs = ET.SubElement(data, "observation")
                ET.SubElement(obs, "EPOCH").text = t
                ET.SubElement(obs, key).text = value
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


FORMATS = (ObservationFormat("tdm", "CCSDS TDM 503.0-B-2, KVN or XML (ANGLE_1/ANGLE_2, MAG)",
                             lambda text: 1.0 if looks_like_tdm(text) else 0.0, read_tdm_text,
                             tdm_text),
           # written as XML (read as "tdm", whose detector recognises both)
           ObservationFormat("tdm-xml", "CCSDS TDM 503.0-B-2 in XML", lambda text: 0.0, None,
                             lambda observations: tdm_text(observations, xml=True)))
