"""Checkpoints of a long screening: each finished window's candidates saved, so that a run
killed at any point (SIGKILL, a power cut) resumes where it stopped.

A checkpoint folder holds ``run.json`` (a fingerprint of everything the candidates depend on:
the element sets, the window, the step, the threshold, the primaries, the window size, the
backend) and one ``window_AAAAAAAA_BBBBBBBB.npz`` per finished window of grid steps
``[A, B]``, each written atomically. A window read back holds exactly the arrays that were
computed, so a resumed run's result is identical, bit for bit, to an uninterrupted one. A
folder whose fingerprint differs (other elements, other options) is refused rather than
mixed in.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..errors import InputError, OutputError
from ..io.files import atomic_write

__all__ = ["Checkpoint", "fingerprint"]

_KEY = "run.json"


def fingerprint(catalog, **parameters) -> str:
    """SHA-256 of the catalogue's element sets and the screening `parameters`."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(catalog.norad_id, np.int64).tobytes())
    elements = np.array([(s.jdsatepoch, s.jdsatepochF, s.no_kozai, s.ecco, s.inclo, s.nodeo,
                          s.argpo, s.mo, s.bstar) for s in catalog.satrecs], float)
    digest.update(elements.tobytes())
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class Checkpoint:
    """A checkpoint folder for one screening run (see the module docstring).

    Parameters
    ----------
    folder : str or Path
        Created when missing.
    key : str
        The run's :func:`fingerprint`.

    Raises
    ------
    InputError
        When the folder belongs to another run.
    """

    def __init__(self, folder, key: str):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(f"checkpoint folder {self.folder} is a file; name a folder "
                             "(created when missing)")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the checkpoint folder {self.folder}: "
                              f"{exc.strerror}") from None
        stored = self.folder / _KEY
        if stored.exists():
            try:
                found = json.loads(stored.read_text(encoding="utf-8")).get("fingerprint")
            except (OSError, ValueError, AttributeError):
                found = None
            if found != key:
                raise InputError(f"checkpoint folder {self.folder} belongs to another run "
                                 "(other elements or options); remove it or choose another")
        else:
            with atomic_write(stored) as handle:
                handle.write(json.dumps({"fingerprint": key}) + "\n")
        self.resumed = 0

    def _path(self, a: int, b: int) -> Path:
        return self.folder / f"window_{a:08d}_{b:08d}.npz"

    def load(self, a: int, b: int):
        """(i, j, t, failures) of the window of steps [a, b] if it was finished, else None."""
        path = self._path(a, b)
        if not path.exists():
            return None
        try:
            with np.load(path) as data:
                out = (data["i"], data["j"], data["t"],
                       dict(zip(data["failed"].tolist(), data["codes"].tolist())))
        except (OSError, ValueError, KeyError):
            return None  # unreadable: computed again
        self.resumed += 1
        return out

    def save(self, a: int, b: int, i, j, t, failures: dict) -> None:
        """Record a finished window (atomically: a kill leaves it whole or absent)."""
        with atomic_write(self._path(a, b), "wb") as handle:
            np.savez(handle, i=i, j=j, t=t,
                     failed=np.array(list(failures), np.int64),
                     codes=np.array(list(failures.values()), np.int64))
