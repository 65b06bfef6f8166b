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
installed and give the same results as the compiled paths (tested); numba and heyoka come with
the ``fast`` extra. Asking for something that is not installed is a :class:`BackendError`.
"""

from __future__ import annotations

import functools
import importlib.util
import os

from .errors import BackendError

__all__ = ["PROPAGATION_BACKENDS", "installed", "propagation_backend", "broadphase",
           "pass_kernels"]

#: Propagation backends, fastest first (the order ``auto`` tries them in).
PROPAGATION_BACKENDS = ("numba", "heyoka", "sgp4")
_EXTRA = "pip install 'debris[fast]' adds numba and heyoka"


@functools.lru_cache(maxsize=None)
def installed(package: str) -> bool:
    """Whether an optional package (``numba``, ``heyoka``) can be imported here."""
    return importlib.util.find_spec(package) is not None


def _choose(what: str, variable: str, requested: str | None, options: tuple[str, ...],
            needs: dict[str, str]) -> str:
    """Resolve a choice: the request, else the variable, else the first installed option."""
    choice = (requested or os.environ.get(variable) or "auto").strip().lower()
    if choice == "auto":
        return next(o for o in options if o not in needs or installed(needs[o]))
    if choice not in options:
        raise BackendError(f"unknown {what} {choice!r}; choose from auto, "
                           f"{', '.join(options)} (argument or {variable})")
    if choice in needs and not installed(needs[choice]):
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
