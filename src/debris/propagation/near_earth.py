"""The base of the fast backends: near-Earth objects on a fast kernel, the rest on python-sgp4."""

from __future__ import annotations

from ..timescale import Times
from .python_sgp4 import Sgp4Backend, sgp4_at

__all__ = ["NearEarthBackend"]


class NearEarthBackend:
    """Base of the fast backends: near-Earth objects on a fast kernel, the rest on python-sgp4.

    Subclasses implement ``_prepare(satrecs)``, whose result is kept for the last catalogue
    seen (a catalogue is prepared once, however many windows are propagated).
    """

    def __init__(self, workers: int | None = None):
        self.fallback = Sgp4Backend(workers)
        self._prepared_for = None
        self._prepared = None

    def propagate_at(self, satrecs, obj, times: Times):
        """Propagate object ``obj[i]`` to ``times[i]`` (python-sgp4 unless overridden)."""
        return sgp4_at(satrecs, obj, times)

    def prepared(self, satrecs):
        if self._prepared_for is not satrecs:
            self._prepared = self._prepare(satrecs)
            self._prepared_for = satrecs
        return self._prepared
