"""heyoka's vectorised SGP4 (the ``fast`` extra) for near-Earth objects, python-sgp4 for the rest.

heyoka covers near-Earth objects only; deep-space objects (period >= 225 min) and objects
whose initialisation failed fall back to python-sgp4. Agreement with python-sgp4 is checked to
1 mm on the real catalogue in the tests. Importing this module imports heyoka.
"""

from __future__ import annotations

import heyoka as hy
import numpy as np

from ..timescale import Times
from .near_earth import NearEarthBackend
from .states import States, finish_states

__all__ = ["HeyokaBackend"]


class HeyokaBackend(NearEarthBackend):
    """heyoka's vectorised SGP4 for near-Earth objects, python-sgp4 for the rest.

    Parameters
    ----------
    time_block : int
        Times propagated per heyoka call; keeps the (T, 7, N) output small
        enough to be reordered to (N, T, 3) within the CPU cache.
    """

    name = "heyoka"

    def __init__(self, time_block: int = 64, workers: int | None = None):
        super().__init__(workers)
        self.time_block = int(time_block)

    def _prepare(self, satrecs):
        deep = hy.model.gpe_is_deep_space
        near = np.array([s.error == 0 and not deep(s.no_kozai, s.ecco, s.inclo)
                         for s in satrecs], dtype=bool)
        near_idx = np.flatnonzero(near)
        prop = hy.model.sgp4_propagator([satrecs[i] for i in near_idx]) if near_idx.size else None
        return near_idx, np.flatnonzero(~near), prop

    def propagate(self, satrecs, times: Times, satrec_array=None) -> States:
        n, t = len(satrecs), len(times)
        near_idx, far_idx, prop = self.prepared(satrecs)
        far_states = None
        if far_idx.size:  # first, while this process is small (the fallback may fork)
            far_states = self.fallback.propagate([satrecs[i] for i in far_idx], times)
        r = np.empty((n, t, 3))
        v = np.empty((n, t, 3))
        e = np.zeros((n, t), dtype=np.int8)
        if prop is not None:
            # Write each block straight into the output rows: no (N, T) temporaries.
            rows = slice(None) if not far_idx.size else near_idx
            for start in range(0, t, self.time_block):
                stop = min(start + self.time_block, t)
                dates = np.empty((stop - start, near_idx.size), dtype=prop.jdtype)
                dates["jd"] = times.jd[start:stop, None]
                dates["frac"] = times.fr[start:stop, None]
                out = prop(dates)  # (block, 7, m)
                r[rows, start:stop] = out[:, 0:3, :].transpose(2, 0, 1)
                v[rows, start:stop] = out[:, 3:6, :].transpose(2, 0, 1)
                e[rows, start:stop] = out[:, 6, :].T
        if far_states is not None:
            r[far_idx] = far_states.r_teme_km
            v[far_idx] = far_states.v_teme_km_s
            e[far_idx] = far_states.error
        return finish_states(r, v, e)
