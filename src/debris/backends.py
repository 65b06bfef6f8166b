"""Which implementation runs each hot step: decided here, and only here.

Three choices, each from what is installed and one environment variable:

========================  =======================  ===========================================
step                      variable                 values (``auto``: the first installed)
========================  =======================  ===========================================
SGP4 propagation          ``DEBRIS_BACKEND``       ``auto``, ``numba``, ``heyoka``, ``sgp4``
screening broad phase     ``DEBRIS_BROADPHASE``    ``auto``, ``numba``, ``scipy``
pass-search kernels       ``DEBRIS_PASS_KERNELS``  ``auto``, ``numba``, ``numpy``
========================  =======================  ===========================================

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

from .errors import BackendError

__all__ = ["PROPAGATION_BACKENDS", "installed", "usable", "compile_note", "propagation_backend",
           "broadphase", "pass_kernels"]

#: Propagation backends, fastest first (the order ``auto`` tries them in).
PROPAGATION_BACKENDS = ("numba", "heyoka", "sgp4")
_EXTRA = "numba comes with debris (pip install numba); pip install 'debris[fast]' adds heyoka"


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
    return _choose("propagation backend", "DEBRIS_BACKEND", requested, PROPAGATION_BACKENDS,
                   {"numba": "numba", "heyoka": "heyoka"})


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
    use after install or after an upgrade of debris): that first run takes 10-20 s more.

    numba caches compiled kernels in the ``__pycache__`` folder beside debris' modules, or,
    where that is read-only (a system-wide install), in its user-wide cache (``NUMBA_CACHE_DIR``,
    else ``~/.cache/numba``); only the first case can be checked, so a read-only install says
    nothing."""
    func = getattr(kernel, "py_func", None)
    if func is None or _NOTED:  # one line per process is enough
        return
    source = os.path.abspath(func.__code__.co_filename)
    cache = os.path.join(os.path.dirname(source), "__pycache__")
    stem = os.path.splitext(os.path.basename(source))[0]
    index = (f"{stem}.{func.__qualname__}-{func.__code__.co_firstlineno}.py"
             f"{sys.version_info.major}{sys.version_info.minor}.nbi")
    writable = os.access(cache if os.path.isdir(cache) else os.path.dirname(source), os.W_OK)
    if writable and not os.path.exists(os.path.join(cache, index)):
        _NOTED.add(what)
        print(f"debris: numba is compiling debris' kernels ({what} first), once: 10-20 s "
              "more on this run; later runs load them from its cache", file=sys.stderr)
