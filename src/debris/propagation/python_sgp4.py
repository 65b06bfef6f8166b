"""The reference backend: python-sgp4's ``SatrecArray`` (Vallado's C++ SGP4).

It holds the GIL, so for large jobs it splits the objects over forked worker processes that
write into shared memory. :func:`sgp4_at` propagates scattered (object, time) pairs, one
``sgp4_array`` call per object; the faster backends fall back to both for the objects they
do not cover.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os

import numpy as np
from sgp4.api import SatrecArray

from ..timescale import Times
from .states import States, finish_states

__all__ = ["Sgp4Backend", "sgp4_at"]

#: Below this many object-times a job stays in one process (forking costs more).
_PARALLEL_MIN_WORK = 2_000_000


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _shared_array(shape, dtype) -> np.ndarray:
    """An array in anonymous shared memory: forked children write, the parent reads."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = mmap.mmap(-1, max(nbytes, 1))
    return np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


def _quiet_child(*args) -> None:
    """A worker's body: Ctrl-C or SIGTERM end it silently (the parent reports once; under
    the ``debris`` command the inherited handler already exits silently)."""
    try:
        _sgp4_into(*args)
    except KeyboardInterrupt:
        os._exit(130)


def _sgp4_into(satrecs, jd, fr, r_out, v_out, e_out) -> None:
    """Run python-sgp4 for `satrecs` writing straight into the given (shared) arrays."""
    array = SatrecArray(satrecs)
    if hasattr(array, "_sgp4"):  # the C extension's in-place entry point (sgp4 >= 2.0)
        array._sgp4(np.ascontiguousarray(jd, dtype=float), np.ascontiguousarray(fr, dtype=float),
                    e_out, r_out, v_out)
    else:  # pragma: no cover - pure-Python sgp4
        e, r, v = array.sgp4(jd, fr)
        r_out[...], v_out[...], e_out[...] = r, v, e


class Sgp4Backend:
    """python-sgp4 ``SatrecArray``, split over forked processes for big jobs.

    Parameters
    ----------
    workers : int, optional
        Processes to use (default: the CPUs this process may run on).
    """

    name = "sgp4"

    def __init__(self, workers: int | None = None):
        self.workers = workers or _cpu_count()

    def propagate(self, satrecs, times: Times, satrec_array=None) -> States:
        """Propagate; `satrec_array` may be a callable returning a cached ``SatrecArray``."""
        n, t = len(satrecs), len(times)
        workers = min(self.workers, n)
        if workers <= 1 or n * t < _PARALLEL_MIN_WORK or not _can_fork():
            array = satrec_array() if callable(satrec_array) else satrec_array
            array = array if array is not None else SatrecArray(satrecs)
            e, r, v = array.sgp4(times.jd, times.fr)
            return finish_states(r, v, e)
        r = _shared_array((n, t, 3), np.float64)
        v = _shared_array((n, t, 3), np.float64)
        e = _shared_array((n, t), np.uint8)
        bounds = np.linspace(0, n, workers + 1).astype(int)
        context = multiprocessing.get_context("fork")
        children = []
        for a, b in zip(bounds[1:-1], bounds[2:]):
            child = context.Process(target=_quiet_child,
                                    args=(satrecs[a:b], times.jd, times.fr, r[a:b], v[a:b], e[a:b]))
            child.start()
            children.append(child)
        a, b = bounds[0], bounds[1]
        try:
            _sgp4_into(satrecs[a:b], times.jd, times.fr, r[a:b], v[a:b], e[a:b])
            for child in children:
                child.join()
        except BaseException:  # Ctrl-C, SIGTERM: the children go too, without a word
            for child in children:
                child.terminate()
                child.join()
            raise
        for child in children:
            if child.exitcode != 0:
                raise RuntimeError(f"an SGP4 worker process failed (exit code {child.exitcode})")
        return finish_states(r, v, e.view(np.int8))

    def propagate_at(self, satrecs, obj, times: Times):
        """Propagate object ``obj[i]`` to ``times[i]`` (one time per element)."""
        return sgp4_at(satrecs, obj, times)


def sgp4_at(satrecs, obj, times: Times):
    """python-sgp4, one (object, time) pair at a time: (r (E, 3), v (E, 3), error (E,))."""
    obj = np.asarray(obj)
    m = len(obj)
    r = np.empty((m, 3))
    v = np.empty((m, 3))
    e = np.zeros(m, np.int8)
    # One sgp4_array call per object with all of its times (fewer calls than pairs).
    order = np.argsort(obj, kind="stable")
    cuts = np.flatnonzero(np.diff(obj[order])) + 1
    jd, fr = times.jd[order], times.fr[order]
    for idx, lo, hi in zip(np.split(order, cuts), np.r_[0, cuts].tolist(),
                           np.r_[cuts, m].tolist()):
        e[idx], r[idx], v[idx] = satrecs[int(obj[idx[0]])].sgp4_array(jd[lo:hi], fr[lo:hi])
    bad = e != 0
    r[bad] = np.nan
    v[bad] = np.nan
    return r, v, e


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
