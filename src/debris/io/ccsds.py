"""CCSDS messages: Conjunction Data Messages (CDM, 508.0-B-1) read and written as KVN and XML,
Orbit Ephemeris Messages (OEM, 502.0-B-2) written as KVN.

A :class:`Cdm` holds the header, the relative metadata/data and the two object sections as
ordered ``{KEYWORD: value}`` dictionaries (values as text, units stripped, the unit kept in
``units``), with accessors for what Pc needs: TCA, each object's state (km, km/s, inertial)
and its RTN covariance (km^2, km^2/s, km^2/s^2 - CDMs carry m^2).

Writing: :func:`conjunction_cdm` builds a CDM from a screening result with every obligatory
keyword of 508.0-B-1 (header, relative metadata, both objects' metadata, state vector and the
21 elements of the 6x6 RTN covariance), states in GCRF, ``COVARIANCE_METHOD = DEFAULT`` when
the covariance was assumed, and the Pc and its method.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

from ..errors import CDMFormatError, DebrisError
from ..timescale import Times, to_times
from .files import read_text
from .tables import iso_text, utc_now_iso

__all__ = ["Cdm", "read_cdm", "parse_cdm", "conjunction_cdm", "cdm_file_stem", "oem_kvn",
           "COVARIANCE_KEYS", "OBLIGATORY_HEADER", "OBLIGATORY_RELATIVE", "OBLIGATORY_OBJECT"]


#: Lower triangle of the 6x6 RTN covariance, row by row (R, T, N, RDOT, TDOT, NDOT).
COVARIANCE_KEYS = (
    "CR_R", "CT_R", "CT_T", "CN_R", "CN_T", "CN_N",
    "CRDOT_R", "CRDOT_T", "CRDOT_N", "CRDOT_RDOT",
    "CTDOT_R", "CTDOT_T", "CTDOT_N", "CTDOT_RDOT", "CTDOT_TDOT",
    "CNDOT_R", "CNDOT_T", "CNDOT_N", "CNDOT_RDOT", "CNDOT_TDOT", "CNDOT_NDOT",
)
_COV_INDEX = [(i, j) for i in range(6) for j in range(i + 1)]
OBLIGATORY_HEADER = ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
OBLIGATORY_RELATIVE = ("TCA", "MISS_DISTANCE")
OBLIGATORY_OBJECT = ("OBJECT", "OBJECT_DESIGNATOR", "CATALOG_NAME", "OBJECT_NAME",
                     "INTERNATIONAL_DESIGNATOR", "EPHEMERIS_NAME", "COVARIANCE_METHOD",
                     "MANEUVERABLE", "REF_FRAME", "X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT",
                     *COVARIANCE_KEYS)
_HEADER_KEYS = set(OBLIGATORY_HEADER) | {"MESSAGE_FOR"}
_STATE_KEYS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_XML_GROUPS = {  # XML element holding each group of keywords
    "relativeStateVector": ("RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N",
                            "RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N"),
    "stateVector": _STATE_KEYS,
    "covarianceMatrix": COVARIANCE_KEYS,
}
_LINE = re.compile(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$")
_UNIT = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")


#: Bounds of a believable CDM state and covariance (an Earth orbit; sigmas below 10^5 km).
_MAX_POSITION_KM = 1e6
_MAX_SPEED_KM_S = 100.0
_MAX_COVARIANCE_KM2 = 1e10


@dataclass
class Cdm:
    """One conjunction data message.

    Attributes
    ----------
    header, relative : dict of str -> str
    objects : list of two dicts of str -> str
    comments : dict of section ("header", "relative", "object1", "object2") -> list of str
    units : dict of (section, keyword) -> unit text
    source : str
    """

    header: dict = field(default_factory=dict)
    relative: dict = field(default_factory=dict)
    objects: list = field(default_factory=lambda: [{}, {}])
    comments: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    source: str = "<cdm>"

    # -- accessors -------------------------------------------------------------------------
    def number(self, section: dict, key: str, where: str) -> float:
        """The finite number of `key` in `section` (a dict of this CDM), or a
        CDMFormatError naming the file, `where` and the key."""
        try:
            value = float(section[key])
            if not math.isfinite(value):
                raise ValueError
            return value
        except KeyError:
            raise CDMFormatError(f"{self.source}: {where} lacks {key}") from None
        except ValueError:
            raise CDMFormatError(f"{self.source}: {where} {key} = {section[key]!r} is not a "
                                 "finite number") from None

    @property
    def tca(self) -> Times:
        if "TCA" not in self.relative:
            raise CDMFormatError(f"{self.source}: no TCA")
        return _ccsds_time(self.relative["TCA"], f"{self.source}: TCA")

    def state(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Object k's (0 or 1) position (km) and velocity (km/s) in its REF_FRAME."""
        obj = self.objects[k]
        values = [self.number(obj, key, f"object {k + 1}") for key in _STATE_KEYS]
        r, v = np.array(values[:3]), np.array(values[3:])
        if not (np.abs(r) < _MAX_POSITION_KM).all() or not (np.abs(v) < _MAX_SPEED_KM_S).all():
            raise CDMFormatError(f"{self.source}: object {k + 1} state X..Z_DOT = "
                                 f"{values} is not an Earth-orbit state (|x| < "
                                 f"{_MAX_POSITION_KM:g} km, |v| < {_MAX_SPEED_KM_S:g} km/s)")
        return r, v

    def ref_frame(self, k: int) -> str:
        return self.objects[k].get("REF_FRAME", "").strip().upper()

    def covariance_rtn(self, k: int) -> np.ndarray:
        """Object k's 6x6 RTN covariance in km and s (the CDM's m^2 divided by 1e6)."""
        obj = self.objects[k]
        cov = np.zeros((6, 6))
        for key, (i, j) in zip(COVARIANCE_KEYS, _COV_INDEX):
            if key not in obj and i >= 3:  # velocity terms may be absent: position-only
                continue
            cov[i, j] = cov[j, i] = self.number(obj, key, f"object {k + 1}") * 1e-6
        if (np.diag(cov) < 0).any() or not (np.abs(cov) < _MAX_COVARIANCE_KM2).all():
            raise CDMFormatError(f"{self.source}: object {k + 1} covariance has a negative "
                                 f"variance or one above {_MAX_COVARIANCE_KM2:g} km^2")
        return cov

    def hard_body_radius_m(self) -> float | None:
        """The ``COMMENT HBR = R [m]`` that CARA CDMs carry, if any."""
        for text in self.comments.get("relative", []) + self.comments.get("header", []):
            match = re.match(r"HBR\s*=\s*([0-9.eE+-]+)", text.strip())
            if match:
                return self.number({"HBR": match.group(1)}, "HBR", "COMMENT")
        return None

    # -- writers ---------------------------------------------------------------------------
    def _sections(self):
        yield "header", self.header
        yield "relative", self.relative
        yield "object1", self.objects[0]
        yield "object2", self.objects[1]

    def to_kvn(self) -> str:
        """The message as KVN text."""
        lines = []
        for name, section in self._sections():
            comments = list(self.comments.get(name, []))
            if name.startswith("object"):
                items = list(section.items())
                lines.append(_kvn_line("OBJECT", section.get("OBJECT", name.upper()), None))
                lines.extend(f"COMMENT {c}" for c in comments)
                for key, value in items:
                    if key != "OBJECT":
                        lines.append(_kvn_line(key, value, self.units.get((name, key))))
                continue
            if name == "header":
                lines.append(_kvn_line("CCSDS_CDM_VERS", section.get("CCSDS_CDM_VERS", "1.0"),
                                       None))
                lines.extend(f"COMMENT {c}" for c in comments)
                for key, value in section.items():
                    if key != "CCSDS_CDM_VERS":
                        lines.append(_kvn_line(key, value, self.units.get((name, key))))
                continue
            # Relative-metadata comments after its keywords (as CARA writes them): before
            # TCA a reader could not tell them from the header's.
            for key, value in section.items():
                lines.append(_kvn_line(key, value, self.units.get((name, key))))
            lines.extend(f"COMMENT {c}" for c in comments)
        return "\n".join(lines) + "\n"

    def to_xml(self) -> str:
        """The message as CCSDS NDM/XML text."""
        root = ET.Element("cdm", {"id": "CCSDS_CDM_VERS",
                                  "version": self.header.get("CCSDS_CDM_VERS", "1.0")})
        head = ET.SubElement(root, "header")
        for text in self.comments.get("header", []):
            ET.SubElement(head, "COMMENT").text = text
        for key, value in self.header.items():
            if key != "CCSDS_CDM_VERS":
                ET.SubElement(head, key).text = value
        body = ET.SubElement(root, "body")
        rel = ET.SubElement(body, "relativeMetadataData")
        for text in self.comments.get("relative", []):
            ET.SubElement(rel, "COMMENT").text = text
        _xml_fill(rel, self.relative, "relative", self.units)
        for k, obj in enumerate(self.objects):
            name = f"object{k + 1}"
            seg = ET.SubElement(body, "segment")
            meta = ET.SubElement(seg, "metadata")
            for text in self.comments.get(name, []):
                ET.SubElement(meta, "COMMENT").text = text
            data = ET.SubElement(seg, "data")
            meta_items = {}
            data_items = {}
            in_data = False
            for key, value in obj.items():
                in_data = in_data or key in _STATE_KEYS or key in COVARIANCE_KEYS or key in (
                    "TIME_LASTOB_START", "RECOMMENDED_OD_SPAN", "CD_AREA_OVER_MASS")
                (data_items if in_data else meta_items)[key] = value
            for key, value in meta_items.items():
                ET.SubElement(meta, key).text = value
            _xml_fill(data, data_items, name, self.units)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _ccsds_time(text: str, where: str) -> Times:
    """A CCSDS time: ``YYYY-MM-DDThh:mm:ss[.d]`` or day-of-year ``YYYY-DDDThh:mm:ss[.d]``."""
    text = text.strip().rstrip("Z")
    match = re.match(r"^(\d{4})-(\d{3})T(.*)$", text)
    try:
        if match:
            year, doy, clock = match.groups()
            day = np.datetime64(f"{year}-01-01") + np.timedelta64(int(doy) - 1, "D")
            text = f"{day}T{clock}"
        return to_times(text + "Z")
    except (ValueError, DebrisError):
        raise CDMFormatError(f"{where} {text!r} is not a CCSDS time "
                             "(YYYY-MM-DDThh:mm:ss or YYYY-DDDThh:mm:ss)") from None


def _kvn_line(key, value, unit) -> str:
    text = f"{key:<36s}= {value}"
    return f"{text} [{unit}]" if unit else text


def _xml_fill(parent, items: dict, section: str, units: dict) -> None:
    groups = {}
    for key, value in items.items():
        group = next((g for g, keys in _XML_GROUPS.items() if key in keys), None)
        target = parent
        if group is not None:
            if group not in groups:
                groups[group] = ET.SubElement(parent, group)
            target = groups[group]
        element = ET.SubElement(target, key)
        element.text = value
        unit = units.get((section, key))
        if unit:
            element.set("units", unit)


def parse_cdm(text: str, source: str = "<cdm>") -> Cdm:
    """Parse a CDM given as KVN or XML text.

    Raises
    ------
    CDMFormatError
        Naming the file, the line (KVN) and what is wrong.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise CDMFormatError(f"{source}: empty file")
    if stripped.startswith("<"):
        return _parse_xml(stripped, source)
    return _parse_kvn(text, source)


def _parse_kvn(text: str, source: str) -> Cdm:
    cdm = Cdm(source=source)
    section_name = "header"
    section = cdm.header
    seen_object = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("COMMENT"):
            cdm.comments.setdefault(section_name, []).append(line[7:].strip())
            continue
        match = _LINE.match(line)
        if not match:
            raise CDMFormatError(f"{source}, line {number}: expected 'KEYWORD = value', "
                                 f"got {raw!r}")
        key, value = match.groups()
        unit = None
        unit_match = _UNIT.match(value)
        if unit_match:
            value, unit = unit_match.groups()
        if key == "OBJECT":
            seen_object += 1
            if seen_object > 2:
                raise CDMFormatError(f"{source}, line {number}: a third OBJECT section")
            section_name = f"object{seen_object}"
            section = cdm.objects[seen_object - 1]
        elif section_name == "header" and key not in _HEADER_KEYS:
            section_name, section = "relative", cdm.relative
        section[key] = value
        if unit:
            cdm.units[(section_name, key)] = unit
    if "CCSDS_CDM_VERS" not in cdm.header:
        raise CDMFormatError(f"{source}: not a CDM (no CCSDS_CDM_VERS line)")
    if seen_object != 2:
        raise CDMFormatError(f"{source}: expected 2 OBJECT sections, found {seen_object}")
    return cdm


def _parse_xml(text: str, source: str) -> Cdm:
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, LookupError) as exc:  # LookupError: an unknown encoding
        raise CDMFormatError(f"{source}: not valid XML ({exc})") from None
    tag = lambda e: e.tag.split("}")[-1]  # noqa: E731
    if tag(root) != "cdm":
        raise CDMFormatError(f"{source}: XML root is <{tag(root)}>, expected <cdm>")
    cdm = Cdm(source=source)
    cdm.header["CCSDS_CDM_VERS"] = root.get("version", "1.0")

    def leaves(element, section_name, section):
        for child in element.iter():
            if child is element or len(child):
                continue
            key = tag(child)
            value = (child.text or "").strip()
            if key == "COMMENT":
                cdm.comments.setdefault(section_name, []).append(value)
                continue
            section[key] = value
            if child.get("units"):
                cdm.units[(section_name, key)] = child.get("units")

    segments = []
    for child in root.iter():
        name = tag(child)
        if name == "header":
            leaves(child, "header", cdm.header)
        elif name == "relativeMetadataData":
            leaves(child, "relative", cdm.relative)
        elif name == "segment":
            segments.append(child)
    if len(segments) != 2:
        raise CDMFormatError(f"{source}: expected 2 <segment> elements, found {len(segments)}")
    for k, seg in enumerate(segments):
        leaves(seg, f"object{k + 1}", cdm.objects[k])
    return cdm


def read_cdm(path) -> Cdm:
    """Read a CDM file (KVN or XML)."""
    return parse_cdm(read_text(path, CDMFormatError, "utf-8-sig"), str(path))


def _fmt(value: float) -> str:
    return f"{value:.12e}" if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e7) else (
        f"{value:.9f}".rstrip("0").rstrip(".") if math.isfinite(value) else "NaN")


def cdm_file_stem(norad_id_1: int, norad_id_2: int, tca: Times) -> str:
    """A file stem for a conjunction's CDM: ``ID1_ID2_YYYYMMDDThhmmss`` (UTC of TCA)."""
    stamp = iso_text(tca)[0].replace("-", "").replace(":", "").replace(".", "")[:15]
    return f"{int(norad_id_1)}_{int(norad_id_2)}_{stamp}"


def conjunction_cdm(*, message_id: str, originator: str, tca: Times,
                    miss_distance_km: float, relative_speed_km_s: float, relative_rtn_km,
                    relative_rtn_km_s, probability: float, pc_method: str,
                    objects: list[dict], comments: list[str] | None = None) -> Cdm:
    """Build a CDM for one conjunction.

    Parameters
    ----------
    objects : list of two dicts
        Each with ``norad_id``, ``name``, ``intl_designator``, ``r_km``/``v_km_s`` (GCRF,
        shape (3,)), ``cov_rtn_km`` (6x6, km and s), ``covariance_method``
        (``CALCULATED`` or ``DEFAULT``), optional ``comments`` and optional
        ``element_epoch`` (Times) with ``element_age_days`` (said in a comment).
    tca : Times, shape (1,)
        Time of closest approach (written to the millisecond).
    relative_rtn_km, relative_rtn_km_s : array_like, shape (3,)
        Object 2 relative to object 1 in object 1's RTN frame.
    """
    cdm = Cdm(source=message_id)
    cdm.header.update({"CCSDS_CDM_VERS": "1.0", "CREATION_DATE": utc_now_iso().rstrip("Z"),
                       "ORIGINATOR": originator, "MESSAGE_ID": message_id})
    rel = cdm.relative
    rel["TCA"] = iso_text(tca)[0].rstrip("Z")
    rel["MISS_DISTANCE"] = _fmt(miss_distance_km * 1000.0)
    rel["RELATIVE_SPEED"] = _fmt(relative_speed_km_s * 1000.0)
    units = {("relative", "MISS_DISTANCE"): "m", ("relative", "RELATIVE_SPEED"): "m/s"}
    for axis, p in zip("RTN", relative_rtn_km):
        rel[f"RELATIVE_POSITION_{axis}"] = _fmt(p * 1000.0)
        units[("relative", f"RELATIVE_POSITION_{axis}")] = "m"
    for axis, v in zip("RTN", relative_rtn_km_s):
        rel[f"RELATIVE_VELOCITY_{axis}"] = _fmt(v * 1000.0)
        units[("relative", f"RELATIVE_VELOCITY_{axis}")] = "m/s"
    rel["COLLISION_PROBABILITY"] = _fmt(probability)
    rel["COLLISION_PROBABILITY_METHOD"] = pc_method
    cdm.comments["relative"] = list(comments or [])
    for k, info in enumerate(objects):
        name = f"object{k + 1}"
        obj = cdm.objects[k]
        obj["OBJECT"] = name.upper()
        obj["OBJECT_DESIGNATOR"] = f"{int(info['norad_id']):09d}"
        obj["CATALOG_NAME"] = "SATCAT"
        obj["OBJECT_NAME"] = info.get("name") or "UNKNOWN"
        obj["INTERNATIONAL_DESIGNATOR"] = info.get("intl_designator") or "UNKNOWN"
        obj["EPHEMERIS_NAME"] = "NONE"
        obj["COVARIANCE_METHOD"] = info.get("covariance_method", "DEFAULT")
        obj["MANEUVERABLE"] = "N/A"
        obj["REF_FRAME"] = "GCRF"
        obj["GRAVITY_MODEL"] = "SGP4 (WGS-72)"
        for key, value in zip(_STATE_KEYS, list(info["r_km"]) + list(info["v_km_s"])):
            obj[key] = _fmt(float(value))
            units[(name, key)] = "km" if "DOT" not in key else "km/s"
        cov = np.asarray(info["cov_rtn_km"], float) * 1e6
        for key, (i, j) in zip(COVARIANCE_KEYS, _COV_INDEX):
            obj[key] = _fmt(float(cov[i, j]))
            dots = (i >= 3) + (j >= 3)
            units[(name, key)] = ("m**2", "m**2/s", "m**2/s**2")[dots]
        epoch = ([f"element set epoch {iso_text(info['element_epoch'])[0]}, "
                  f"{abs(info['element_age_days']):.2f} days from TCA; SGP4 propagation"]
                 if "element_epoch" in info else [])
        cdm.comments[name] = epoch + list(info.get("comments", []))
    cdm.units = units
    return cdm


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
    iso = np.char.rstrip(iso_text(times), "Z")
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
