"""Vectorised SGP4 propagation behind one interface, with interchangeable backends.

:func:`propagate` returns TEME position and velocity, shape (N, T, 3),
in km and km/s, and SGP4 error codes, shape (N, T), for N objects and T
times. A failing object (decayed, bad elements) gives NaN and its
python-sgp4 error code; it never raises. :func:`propagate_at` takes scattered
(object, time) pairs; :func:`iter_propagate` walks a long span in windows so that a whole
catalogue over days never holds more than ``max_bytes`` of states.

Backends, one module each, each declared in :mod:`debris.backends` with what it can do
(:class:`debris.backends.PropagationBackend`; which one runs is decided there too):

``sgp4`` (:mod:`.python_sgp4`)
    python-sgp4's ``SatrecArray`` (Vallado's C++ code): the reference, split over forked
    worker processes for large jobs.
``numba`` (:mod:`.numba_sgp4`)
    debris' own compiled SGP4 (near-Earth, SIMD lanes) and SDP4 (deep space) kernels.
``heyoka`` (:mod:`.heyoka_sgp4`)
    heyoka's SIMD SGP4 for near-Earth objects, python-sgp4 for the rest.

Both fast backends are tested to 1 mm against python-sgp4 on the real catalogue.
"""

from __future__ import annotations

import importlib

import numpy as np
from sgp4.api import SGP4_ERRORS

from .. import backends
from ..timescale import to_times
from .states import States, finish_states

__all__ = [
    "States",
    "propagate",
    "propagate_at",
    "iter_propagate",
    "get_backend",
    "available_backends",
    "SGP4_ERRORS",
]

_BYTES_PER_STATE = 6 * 8 + 1
#: Backend objects made so far; each backend's module is imported when first used (numba
#: and heyoka take 0.3-1 s to import, which `import debris` and most commands should not pay).
_INSTANCES: dict[str, object] = {}


def available_backends() -> list[str]:
    """Return the names of the registered backends that can run here, slowest first."""
    return [name for name, spec in reversed(backends.propagation_backends().items())
            if spec.requires is None or backends.usable(spec.requires)]


def get_backend(name: str | None = "auto"):
    """Return a propagation backend by name (``auto``, ``numba``, ``heyoka``, ``sgp4``).

    ``auto`` (and ``None``) follow :func:`debris.backends.propagation_backend`:
    ``DEBRIS_BACKEND`` if set, else numba, heyoka or python-sgp4 by what is installed. A
    backend object is returned as it is.
    """
    if name is not None and not isinstance(name, str):
        return name  # already a backend object
    choice = backends.propagation_backend(name)
    spec = backends.propagation_backends()[choice]
    if _INSTANCES.get(choice, (None, None))[0] is not spec:
        if callable(spec.factory):
            engine = spec.factory()
        else:
            module, cls = spec.factory.split(":")
            engine = getattr(importlib.import_module(module, __name__), cls)()
        _INSTANCES[choice] = (spec, engine)
    return _INSTANCES[choice][1]


def _satrecs_of(source):
    """Return (satrecs list, getter of a cached SatrecArray or None) for a Catalog or Satrecs."""
    if hasattr(source, "satrecs"):
        return source.satrecs, lambda: source.satrec_array
    satrecs = list(source)
    return satrecs, None


def propagate(source, times, *, backend="auto", out=None) -> States:
    """Propagate N objects to T times with SGP4.

    Parameters
    ----------
    source : Catalog or sequence of sgp4.api.Satrec
        The N objects.
    times : Times or time-like
        The T times (UTC).
    backend : str or backend object
        ``auto`` (default), ``numba``, ``heyoka`` or ``sgp4`` (:mod:`debris.backends`).
    out : tuple of ndarray, optional
        ``(r, v, error)`` arrays of shapes (N, T, 3), (N, T, 3), (N, T) (float64, float64,
        int8, C order) to fill and return instead of new ones: a loop over windows that
        reuses them saves the first-touch cost of fresh memory (~0.3 s per 256 MB window).
        ``v`` None: positions only (``v_teme_km_s`` is None; the compiled kernels then skip
        the velocities).

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
    engine = get_backend(backend)
    if out is None:
        return engine.propagate(satrecs, times, satrec_array=array)
    if backends.backend_spec(engine).out_buffers:
        return engine.propagate(satrecs, times, satrec_array=array, out=out)
    states = engine.propagate(satrecs, times, satrec_array=array)
    for target, value in zip(out, (states.r_teme_km, states.v_teme_km_s, states.error)):
        if target is not None:
            np.copyto(target, value)
    return finish_states(*out)


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
