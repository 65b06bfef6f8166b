"""Which implementation runs each hot step: decided here, and only here.

Three choices, each from what is installed and one environment variable:

========================  =======================  ===========================================
step                      variable                 values (``auto``: the first installed)
========================  =======================  ===========================================
SGP4 propagation          ``DEBRIS_BACKEND``       ``auto``, ``numba``, ``heyoka``, ``sgp4``
screening broad phase     ``DEBRIS_BROADPHASE``    ``auto``, ``numba``, ``scipy``
pass-search kernels       ``DEBRIS_PASS_KERNELS``  ``auto``, ``numba``, ``numpy``
========================  =======================  ===========================================

Propagation backends are declared here (:class:`PropagationBackend`: name, where the code is,
the package it needs, its rank for ``auto`` and what it can do) and another one is added with
:func:`register_propagation_backend`; nothing else in debris names a backend.

A propagation backend can also be named per call (``backend=``, ``--backend``), which wins
over the variable. python-sgp4 (``sgp4``), scipy's k-d tree and numpy array code are always
installed and give the same results as the compiled paths (tested); numba is a dependency
(the compiled paths are the default), heyoka comes with the ``fast`` extra. When numba is
installed but cannot be imported (a broken llvmlite, an unsupported platform), ``auto`` falls
back to the reference paths and says so in one line on stderr. Asking for something that is
not usable is a :class:`BackendError`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass

from .errors import BackendError

__all__ = ["PropagationBackend", "register_propagation_backend",
           "unregister_propagation_backend", "propagation_backends", "backend_spec",
           "installed", "usable", "compile_note", "propagation_backend", "broadphase",
           "pass_kernels"]


@dataclass(frozen=True)
class PropagationBackend:
    """One SGP4 propagation backend and what it can do (README, "Architecture").

    Attributes
    ----------
    name : str
        Its name for ``backend=``, ``--backend`` and ``DEBRIS_BACKEND``.
    factory : str or callable
        ``"module:Class"`` (imported when first used, relative to ``debris.propagation``
        when it starts with a dot) or a callable returning the backend object, which has
        ``name``, ``propagate(satrecs, times, satrec_array=None[, out=None])`` and
        ``propagate_at(satrecs, obj, times)``.
    requires : str, optional
        The package it needs (``auto`` skips it when that is not importable).
    rank : int
        ``auto`` tries the backends in increasing rank (the fastest first).
    out_buffers : bool
        ``propagate`` fills given ``out`` arrays (and skips velocities when ``v`` is None).
    coefficients : bool
        ``prepared(satrecs)`` gives debris' SGP4 coefficient table, so the fused pass kernel
        (propagation and site test in one compiled loop) can run on it.
    """

    name: str
    factory: object
    requires: str | None = None
    rank: int = 100
    out_buffers: bool = False
    coefficients: bool = False


_PROPAGATION: dict[str, PropagationBackend] = {}
_EXTRA = "numba comes with debris (pip install numba); pip install 'debris[fast]' adds heyoka"


def register_propagation_backend(spec: PropagationBackend, *,
                                 replace: bool = False) -> PropagationBackend:
    """Make a propagation backend known to ``propagate`` and every search, ``--backend``,
    ``DEBRIS_BACKEND`` and ``python -m debris``."""
    if spec.name in _PROPAGATION and not replace:
        raise ValueError(f"a propagation backend named {spec.name!r} is registered already")
    if spec.name == "auto":
        raise ValueError("'auto' chooses among the backends; it cannot name one")
    _PROPAGATION[spec.name] = spec
    return spec


def unregister_propagation_backend(name: str) -> None:
    """Forget a registered backend (a test's, say)."""
    _PROPAGATION.pop(name, None)


def propagation_backends() -> dict[str, PropagationBackend]:
    """The registered backends by name, in the order ``auto`` tries them (a copy)."""
    return {s.name: s for s in sorted(_PROPAGATION.values(), key=lambda s: s.rank)}


def backend_spec(engine) -> PropagationBackend:
    """What a backend object can do: its registered declaration, or none of the extras for
    an object registered nowhere."""
    name = getattr(engine, "name", "")
    return _PROPAGATION.get(name) or PropagationBackend(name, lambda: engine)


register_propagation_backend(PropagationBackend(
    "numba", ".numba_sgp4:NumbaBackend", requires="numba", rank=10, out_buffers=True,
    coefficients=True))
register_propagation_backend(PropagationBackend(
    "heyoka", ".heyoka_sgp4:HeyokaBackend", requires="heyoka", rank=20))
register_propagation_backend(PropagationBackend("sgp4", ".python_sgp4:Sgp4Backend", rank=90))


@functools.lru_cache(maxsize=None)
def installed(package: str) -> bool:
    """Whether a package (``numba``, ``heyoka``) is installed here (not imported)."""
    return importlib.util.find_spec(package) is not None


@functools.lru_cache(maxsize=None)
def usable(package: str) -> bool:
    """Whether a package is installed and imports; a failed import is said once on stderr
    (the reference paths then run instead)."""
    if not installed(package):
        return False
    try:
        importlib.import_module(package)
    except Exception as exc:  # noqa: BLE001 - any failure to load means: not usable here
        print(f"debris: {package} is installed but cannot be imported ({type(exc).__name__}: "
              f"{exc}); using python-sgp4 and numpy instead (slower, same results)",
              file=sys.stderr)
        return False
    return True


def _choose(what: str, variable: str, requested: str | None, options: tuple[str, ...],
            needs: dict[str, str]) -> str:
    """Resolve a choice: the request, else the variable, else the first installed option."""
    choice = (requested or os.environ.get(variable) or "auto").strip().lower()
    if choice == "auto":
        return next(o for o in options if o not in needs or usable(needs[o]))
    if choice not in options:
        raise BackendError(f"unknown {what} {choice!r}; choose from auto, "
                           f"{', '.join(options)} (argument or {variable})")
    if choice in needs and not usable(needs[choice]):
        raise BackendError(f"{what} {choice!r} is not installed; {_EXTRA}")
    return choice


def propagation_backend(requested: str | None = None) -> str:
    """The propagation backend's name: `requested` unless ``auto``/None, else
    ``DEBRIS_BACKEND``, else numba, heyoka or sgp4, by what is installed."""
    if requested is not None and requested.strip().lower() == "auto":
        requested = None
    specs = propagation_backends()
    return _choose("propagation backend", "DEBRIS_BACKEND", requested, tuple(specs),
                   {name: s.requires for name, s in specs.items() if s.requires})


def broadphase() -> str:
    """The screening broad phase: ``numba`` (compiled hashed cells) or ``scipy`` (k-d tree)."""
    return _choose("broad phase", "DEBRIS_BROADPHASE", None, ("numba", "scipy"),
                   {"numba": "numba"})


def pass_kernels() -> str:
    """The pass search's per-candidate work: ``numba`` (compiled loops) or ``numpy``."""
    return _choose("pass kernels", "DEBRIS_PASS_KERNELS", None, ("numba", "numpy"),
                   {"numba": "numba"})


_NOTED: set = set()


def compile_note(kernel, what: str) -> None:
    """Say once on stderr that numba is about to compile `what` (a parallel kernel's first
    use after install or after a change of debris): that first run takes 10-20 s more.

    The kernel's own cache (:mod:`debris.kernel_cache`, or wherever numba put it) is asked
    whether it holds a compiled version for this source; where it cannot be asked (a numba
    whose internals differ), nothing is said."""
    if _NOTED:  # one line per process is enough
        return
    try:
        cached = bool(kernel._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - numba's internals: say nothing rather than fail
        return
    if not cached:
        _NOTED.add(what)
        print(f"debris: numba is compiling debris' kernels ({what} first), once: 10-20 s "
              "more on this run; later runs load them from its cache", file=sys.stderr)
