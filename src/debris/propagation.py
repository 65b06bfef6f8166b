"""Vectorised SGP4 propagation behind one interface, with interchangeable backends.

:func:`propagate` returns TEME position and velocity, shape (N, T, 3),
in km and km/s, and SGP4 error codes, shape (N, T), for N objects and T
times. A failing object (decayed, bad elements) gives NaN and its
python-sgp4 error code; it never raises.

Backends
--------
``sgp4``
    python-sgp4's ``SatrecArray`` (Vallado's C++ code): the reference
    and the default. It holds the GIL, so for large jobs it splits the
    objects over forked worker processes writing into shared memory.
``heyoka``
    heyoka's SIMD, multi-threaded SGP4 (the ``fast`` extra). It covers
    near-Earth objects only; deep-space objects (period >= 225 min) and
    objects whose initialisation failed fall back to python-sgp4.
    Agreement with python-sgp4 is checked to 1 mm on the real catalogue
    in the tests.
``numba``
    debris' own compiled SGP4 kernel (:mod:`debris.sgp4_numba`, the ``fast`` extra):
    vectorised initialisation and a parallel numba kernel for near-Earth objects,
    python-sgp4 for the rest; tested to 1 mm against python-sgp4 on the real catalogue.
``auto``
    numba, else heyoka, else sgp4, by what is installed. The environment variable
    ``DEBRIS_BACKEND`` overrides the choice.

Memory: :func:`iter_propagate` walks a long time span in windows so that
a whole catalogue over days never holds more than ``max_bytes`` of states.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
from dataclasses import dataclass

import numpy as np
from sgp4.api import SGP4_ERRORS, SatrecArray

from .timescale import Times, to_times

__all__ = [
    "States",
    "propagate",
    "propagate_at",
    "iter_propagate",
    "get_backend",
    "available_backends",
    "Sgp4Backend",
    "HeyokaBackend",
    "SGP4_ERRORS",
]

#: Below this many object-times a job stays in one process (forking costs more).
_PARALLEL_MIN_WORK = 2_000_000
_BYTES_PER_STATE = 6 * 8 + 1


@dataclass
class States:
    """Propagated states, catalogue axis first.

    Attributes
    ----------
    r_teme_km : ndarray, shape (N, T, 3)
        Position in the TEME frame (km); NaN where ``error != 0``.
    v_teme_km_s : ndarray, shape (N, T, 3)
        Velocity in the TEME frame (km/s); NaN where ``error != 0``.
    error : ndarray of int8, shape (N, T)
        python-sgp4 error codes (0 = fine; see ``SGP4_ERRORS``).
    """

    r_teme_km: np.ndarray
    v_teme_km_s: np.ndarray
    error: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.error.shape


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
            return _finish(r, v, e)
        r = _shared_array((n, t, 3), np.float64)
        v = _shared_array((n, t, 3), np.float64)
        e = _shared_array((n, t), np.uint8)
        bounds = np.linspace(0, n, workers + 1).astype(int)
        context = multiprocessing.get_context("fork")
        children = []
        for a, b in zip(bounds[1:-1], bounds[2:]):
            child = context.Process(target=_sgp4_into,
                                    args=(satrecs[a:b], times.jd, times.fr, r[a:b], v[a:b], e[a:b]))
            child.start()
            children.append(child)
        a, b = bounds[0], bounds[1]
        _sgp4_into(satrecs[a:b], times.jd, times.fr, r[a:b], v[a:b], e[a:b])
        for child in children:
            child.join()
            if child.exitcode != 0:
                raise RuntimeError(f"an SGP4 worker process failed (exit code {child.exitcode})")
        return _finish(r, v, e.view(np.int8))

    def propagate_at(self, satrecs, obj, times: Times):
        """Propagate object ``obj[i]`` to ``times[i]`` (one time per element)."""
        return _sgp4_at(satrecs, obj, times)


def _sgp4_at(satrecs, obj, times: Times):
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


def _finish(r, v, e) -> States:
    e = np.asarray(e).astype(np.int8, copy=False)
    bad = e != 0
    if bad.any():
        r[bad] = np.nan
        v[bad] = np.nan
    return States(r, v, e)


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
        return _sgp4_at(satrecs, obj, times)

    def prepared(self, satrecs):
        if self._prepared_for is not satrecs:
            self._prepared = self._prepare(satrecs)
            self._prepared_for = satrecs
        return self._prepared


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
        import heyoka  # noqa: F401  (raises ImportError when the extra is absent)

        super().__init__(workers)
        self.time_block = int(time_block)

    def _prepare(self, satrecs):
        import heyoka as hy

        near = np.array([s.error == 0 and not hy.model.gpe_is_deep_space(s.no_kozai, s.ecco, s.inclo)
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
        return _finish(r, v, e)


def _numba_backend():
    from .sgp4_numba import NumbaBackend

    return NumbaBackend()


_BACKENDS = {"sgp4": Sgp4Backend, "heyoka": HeyokaBackend, "numba": _numba_backend}
_INSTANCES: dict[str, object] = {}


def available_backends() -> list[str]:
    """Return the names of the backends that can run here."""
    import importlib.util

    names = ["sgp4"]
    if importlib.util.find_spec("heyoka") is not None:
        names.append("heyoka")
    if importlib.util.find_spec("numba") is not None:
        names.append("numba")
    return names


def get_backend(name: str | None = "auto"):
    """Return a propagation backend by name (``auto``, ``sgp4``, ``heyoka``).

    ``auto`` (and ``None``) read ``DEBRIS_BACKEND`` if set, else pick the compiled numba
    kernel when numba is installed, else heyoka when installed, else python-sgp4.
    """
    if name is not None and not isinstance(name, str):
        return name  # already a backend object
    if name in (None, "auto"):
        name = os.environ.get("DEBRIS_BACKEND", "auto")
    if name == "auto":
        installed = available_backends()
        name = "numba" if "numba" in installed else "heyoka" if "heyoka" in installed else "sgp4"
    if name not in _BACKENDS:
        raise ValueError(f"unknown propagation backend {name!r}; choose from auto, "
                         f"{', '.join(_BACKENDS)}")
    if name not in _INSTANCES:
        try:
            _INSTANCES[name] = _BACKENDS[name]()
        except ImportError:
            raise ValueError(f"backend {name!r} is not installed; "
                             "pip install 'debris[fast]' adds numba and heyoka") from None
    return _INSTANCES[name]


def _satrecs_of(source):
    """Return (satrecs list, getter of a cached SatrecArray or None) for a Catalog or Satrecs."""
    if hasattr(source, "satrecs"):
        return source.satrecs, lambda: source.satrec_array
    satrecs = list(source)
    return satrecs, None


def propagate(source, times, *, backend="auto") -> States:
    """Propagate N objects to T times with SGP4.

    Parameters
    ----------
    source : Catalog or sequence of sgp4.api.Satrec
        The N objects.
    times : Times or time-like
        The T times (UTC).
    backend : str or backend object
        ``auto`` (default), ``sgp4`` or ``heyoka``.

    Returns
    -------
    States
        ``r_teme_km`` (N, T, 3), ``v_teme_km_s`` (N, T, 3), ``error`` (N, T).
    """
    times = to_times(times)
    satrecs, array = _satrecs_of(source)
    if len(satrecs) == 0:
        t = len(times)
        return States(np.empty((0, t, 3)), np.empty((0, t, 3)), np.empty((0, t), np.int8))
    return get_backend(backend).propagate(satrecs, times, satrec_array=array)


def propagate_at(source, obj, times, *, backend="auto"):
    """Propagate object ``obj[i]`` to time ``times[i]``: scattered (object, time) pairs.

    For refining event times with exact SGP4 (a few evaluations per event), where each
    object needs its own times.

    Parameters
    ----------
    source : Catalog or sequence of sgp4.api.Satrec
    obj : ndarray of int, shape (E,)
        Object indices into `source`.
    times : Times or time-like, shape (E,)
    backend : str or backend object

    Returns
    -------
    r, v : ndarray, shape (E, 3)
        TEME position (km) and velocity (km/s); NaN where SGP4 failed.
    error : ndarray of int8, shape (E,)
    """
    times = to_times(times)
    obj = np.asarray(obj, dtype=np.intp)
    if obj.shape != times.shape:
        raise ValueError(f"propagate_at: {obj.shape} objects for {times.shape} times")
    satrecs, _ = _satrecs_of(source)
    if obj.size == 0:
        return np.empty((0, 3)), np.empty((0, 3)), np.empty(0, np.int8)
    return get_backend(backend).propagate_at(satrecs, obj, times)


def iter_propagate(source, times, *, backend="auto", max_bytes: float = 256e6,
                   max_times: int | None = None):
    """Propagate over a long span in time windows, holding one window at a time.

    Parameters
    ----------
    source : Catalog or sequence of Satrec
    times : Times or time-like, shape (T,)
    max_bytes : float
        Upper bound on the memory of one window's states.
    max_times : int, optional
        Upper bound on the times per window.

    Yields
    ------
    window : slice
        The slice of `times` covered.
    states : States
        Shape (N, len(window)).
    """
    times = to_times(times)
    satrecs, _ = _satrecs_of(source)
    per_time = max(1, len(satrecs)) * _BYTES_PER_STATE
    step = max(1, int(max_bytes // per_time))
    if max_times is not None:
        step = min(step, int(max_times))
    for start in range(0, len(times), step):
        window = slice(start, min(start + step, len(times)))
        yield window, propagate(source, times[window], backend=backend)
