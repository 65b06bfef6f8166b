"""Where debris' compiled kernels are kept between runs: a cache that survives a reinstall.

numba caches a compiled function beside its module (``__pycache__`` in site-packages), so
``pip install`` of the same version, which replaces the installed files, throws the cache
away and the next run compiles every kernel again (a minute on two cores). Its cache is
also keyed by each file alone, while debris' kernels inline functions from other modules
(:mod:`debris.propagation.sgp4_core`), so an edit there could leave a stale kernel behind.

Every debris kernel is compiled through :func:`njit`, which puts it in a cache of its own:

* the folder is ``$DEBRIS_CACHE_DIR``, else ``$XDG_CACHE_HOME/debris``, else
  ``~/.cache/debris``, then ``kernels/<debris version>/<subpackage>``: outside the install,
  so a reinstall of the same version finds it;
* a cached kernel is valid for one content of debris' whole source (a hash of every module),
  so any change anywhere in debris, or another version, compiles again; numba itself keys
  each entry by its own version, Python's and the CPU's;
* ``NUMBA_CACHE_DIR``, when set, is numba's own cache and takes precedence; a folder that
  cannot be written leaves the choice to numba (beside the modules, else its user-wide cache).

numba chooses a cache's place through its cache locators (``numba.core.caching``, an
internal interface stable since numba 0.49); debris adds one in front of numba's own, which
answers only for debris' files. Where that interface is missing, numba's own places apply.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from ._version import __version__

__all__ = ["njit", "cache_folder", "source_hash"]

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = []


def cache_folder() -> Path:
    """The folder debris' compiled kernels are cached in, for this version of debris."""
    root = os.environ.get("DEBRIS_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "debris")
    return Path(root) / "kernels" / __version__


@functools.lru_cache(maxsize=None)
def source_hash() -> str:
    """SHA-256 (hex, 16 digits) of debris' source: every module's path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _install() -> None:
    """Put debris' cache locator in front of numba's own (once per process)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    try:
        from numba import config  # numba only where a kernel is compiled
        from numba.core import caching  # numba's internal interface (see the module's note)
        base = caching._CacheLocator
        impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # renamed in 0.6x
        locators = impl._locator_classes
    except (ImportError, AttributeError):  # numba's interface changed: its own places apply
        return

    class DebrisCacheLocator(base):
        """debris' modules: the cache of :func:`cache_folder`, stamped by the source hash."""

        def __init__(self, py_func, relative):
            self._path = str(cache_folder() / relative.parent)
            self._lineno = py_func.__code__.co_firstlineno

        def get_cache_path(self):
            return self._path

        def get_source_stamp(self):
            return source_hash()

        def get_disambiguator(self):
            return str(self._lineno)

        @classmethod
        def from_function(cls, py_func, py_file):
            if getattr(config, "CACHE_DIR", None):  # NUMBA_CACHE_DIR is the user's choice
                return None
            try:
                relative = Path(py_file).resolve().relative_to(_PACKAGE)
            except (ValueError, OSError):  # not a debris module
                return None
            self = cls(py_func, relative)
            try:
                self.ensure_cache_path()
            except OSError:  # not writable: numba's own places
                return None
            return self

    locators.insert(0, DebrisCacheLocator)


def njit(*args, **options):
    """``numba.njit`` with debris' kernel cache (:func:`cache_folder`) for ``cache=True``."""
    import numba  # the kernel modules import numba already; this module stays light

    _install()
    return numba.njit(*args, **options)
