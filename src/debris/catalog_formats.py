"""The registry of catalogue formats: one place that knows them all.

Each entry declares a format of element sets: its name, what it is, a detector (how surely
a text is in it), a reader (into the catalogue builder, rejecting bad records there) and
a writer (a :class:`~debris.Catalog` as text; None where debris only reads it). Reading
(:meth:`debris.Catalog.from_file` with ``format="auto"``) takes the format whose detector
is surest, ties in registry order; ``debris convert --to`` offers every format with a
writer. The built-in formats are below, their code in :mod:`debris.tle` and
:mod:`debris.omm`; another is one module that calls :func:`register_catalog_format` when
imported, or declares ``FORMATS`` under the ``debris.catalog_formats`` entry-point group.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Callable

from . import omm, tle
from .errors import InputError

__all__ = ["CatalogFormat", "register_catalog_format", "unregister_catalog_format",
           "catalog_formats", "catalog_format", "detect_catalog_format", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "debris.catalog_formats"


@dataclass(frozen=True)
class CatalogFormat:
    """One catalogue format.

    Attributes
    ----------
    name : str
        What ``format=`` and ``debris convert --to`` call it.
    description : str
    detect : callable
        ``detect(text) -> float``: how surely `text` is in this format (0: not at all).
    read : callable
        ``read(text, source, builder, verify_checksums) -> None``: add each record to the
        builder (``add``, ``add_many``, ``reject``), rejecting bad ones with file and line.
    write : callable or None
        ``write(catalog) -> str``.
    suffix : str
        The usual file name ending (``.tle``, ``.json``), for messages and defaults.
    """

    name: str
    description: str
    detect: Callable[[str], float]
    read: Callable
    write: Callable | None = None
    suffix: str = ""


def _start(text: str) -> str:
    return text.lstrip("\ufeff \t\r\n")


def _is_json(text: str) -> float:
    return 1.0 if _start(text)[:1] in ("[", "{") else 0.0


def _is_xml(text: str) -> float:
    stripped = _start(text)
    if not stripped.startswith("<"):
        return 0.0
    lines = stripped.splitlines()[:3]
    # a 3LE whose first name starts with '<' ("<REDACTED>") is not XML
    three_le = len(lines) == 3 and lines[1].startswith("1 ") and lines[2].startswith("2 ")
    return 0.0 if three_le else 1.0


def _is_csv(text: str) -> float:
    lines = _start(text).splitlines()
    first = lines[0].upper() if lines else ""
    return 1.0 if "," in first and "NORAD_CAT_ID" in first else 0.0


def _is_kvn(text: str) -> float:
    return 1.0 if omm.looks_like_omm_kvn(text) else 0.0


def _is_tle(text: str) -> float:
    # the fallback: a text no other format claims is read as TLE lines, which name each
    # line they cannot read
    return 0.1 if _start(text) else 0.0


def _omm(reader):
    return lambda text, source, builder, verify_checksums: reader(text, source, builder)


_BUILT_IN = (
    CatalogFormat("tle", "two-line element sets, with or without name lines (TLE/3LE)",
                  _is_tle, tle.read_tle_text, tle.tle_text, ".tle"),
    CatalogFormat("omm-csv", "CCSDS OMM as CSV with a header (CelesTrak, Space-Track)",
                  _is_csv, _omm(omm.read_omm_csv), omm.omm_csv_text, ".csv"),
    CatalogFormat("omm-json", "CCSDS OMM as JSON records (CelesTrak, Space-Track)",
                  _is_json, _omm(omm.read_omm_json), omm.omm_json_text, ".json"),
    CatalogFormat("omm-xml", "CCSDS OMM in NDM/XML", _is_xml, _omm(omm.read_omm_xml),
                  omm.omm_xml_text, ".xml"),
    CatalogFormat("omm-kvn", "CCSDS OMM as KVN messages (KEY = value)", _is_kvn,
                  _omm(omm.read_omm_kvn), omm.omm_kvn_text, ".omm"),
)
_REGISTRY: dict[str, CatalogFormat] = {}


def _registry() -> dict[str, CatalogFormat]:
    if not _REGISTRY:
        for spec in _BUILT_IN:
            _REGISTRY[spec.name] = spec
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            for spec in getattr(entry.load(), "FORMATS", ()):
                _REGISTRY.setdefault(spec.name, spec)
    return _REGISTRY


def register_catalog_format(spec: CatalogFormat) -> CatalogFormat:
    """Add (or replace) a catalogue format; returns it."""
    if not spec.name or spec.name == "auto":
        raise InputError(f"a catalogue format needs a name other than 'auto' ({spec!r})")
    _registry()[spec.name] = spec
    return spec


def unregister_catalog_format(name: str) -> None:
    """Remove a format registered with :func:`register_catalog_format`."""
    _registry().pop(name, None)


def catalog_formats() -> dict[str, CatalogFormat]:
    """{name: format} of every registered catalogue format (built-in first)."""
    return dict(_registry())


def catalog_format(name: str) -> CatalogFormat:
    """The format called `name`; InputError naming the known ones otherwise."""
    formats = _registry()
    if name not in formats:
        raise InputError(f"unknown catalogue format {name!r}; use auto, "
                         f"{', '.join(formats)}")
    return formats[name]


def detect_catalog_format(text: str) -> CatalogFormat | None:
    """The format whose detector is surest of `text` (ties: registry order); None for a
    text with nothing but blanks."""
    if not _start(text):
        return None
    return max(_registry().values(), key=lambda spec: spec.detect(text))
