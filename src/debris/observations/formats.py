"""The registry of observation formats: one place that knows them all.

Each format's module declares itself (``FORMATS``: :class:`~.records.ObservationFormat`,
with its name, detector, reader and writer); this registry collects the modules below and
any a third party declares under the ``debris.observation_formats`` entry-point group (an
object with ``FORMATS``). Reading recognises a file by the highest detector score; the
command line's ``--obs-format`` choices are the registry's names. A new format is one module
and its line in :data:`_MODULES`.
"""

from __future__ import annotations

from importlib import metadata

from . import csv_format, iod_lines, tdm, uk
from .records import ObservationFormat

__all__ = ["observation_formats", "detect_format", "ENTRY_POINT_GROUP"]

#: Modules whose ``FORMATS`` are registered, in the order that breaks detection ties.
_MODULES = (tdm, uk, csv_format, iod_lines)
ENTRY_POINT_GROUP = "debris.observation_formats"
_REGISTRY: dict[str, ObservationFormat] = {}


def observation_formats(readable: bool = False) -> dict[str, ObservationFormat]:
    """{name: format} of every registered observation format (built-in first); with
    `readable`, only those with a reader."""
    if not _REGISTRY:
        for module in _MODULES:
            for spec in module.FORMATS:
                _REGISTRY[spec.name] = spec
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            for spec in getattr(entry.load(), "FORMATS", ()):
                _REGISTRY.setdefault(spec.name, spec)
    return {name: spec for name, spec in _REGISTRY.items() if spec.read or not readable}


def detect_format(text: str) -> ObservationFormat:
    """The format whose detector is surest of `text` (ties: registry order; a text no
    detector claims is read as UK lines, which reject it line by line)."""
    formats = observation_formats(readable=True)
    best = max(formats.values(), key=lambda spec: spec.detect(text))
    return best if best.detect(text) > 0 else formats["uk"]
