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

import contextlib
import hashlib
import json
import re
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io.files import atomic_folder, atomic_write

__all__ = ["Checkpoint", "fingerprint", "remove_checkpoint"]

_KEY = "run.json"
_WINDOW = re.compile(r"window_\d{8}_\d{8}\.npz")
#: Temporaries of debris' own files (io.files.atomic_write names them so).
_OWN_PART = re.compile(r"\.(run\.json|window_\d{8}_\d{8}\.npz)\.\d+\.\d+\.part")


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

    The folder is debris' own only when ``run.json`` (the marker debris writes) is in it:
    an existing folder without it must be empty, and :meth:`remove` deletes only the marker,
    the window files this class names and their temporaries, then the folder itself when
    debris created it and nothing else is left there (:func:`remove_checkpoint`).

    Parameters
    ----------
    folder : str or Path
        Created when missing.
    key : str
        The run's :func:`fingerprint`.

    Raises
    ------
    InputError
        When the folder belongs to another run, or holds files that are not a checkpoint's.
    """

    def __init__(self, folder, key: str):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(f"checkpoint folder {self.folder} is a file; name a folder "
                             "(created when missing)")
        stored = self.folder / _KEY
        if not self.folder.exists():  # built whole with its marker beside its place, then renamed in
            with atomic_folder(self.folder) as work:
                (work / _KEY).write_text(json.dumps({"fingerprint": key,
                                                     "created_by_debris": True}) + "\n",
                                         encoding="utf-8")
        elif stored.exists():
            if _marker(self.folder).get("fingerprint") != key:
                raise InputError(f"checkpoint folder {self.folder} belongs to another run "
                                 "(other elements or options); remove it or choose another")
        else:
            foreign = sorted(p.name for p in self.folder.iterdir()
                             if not _OWN_PART.fullmatch(p.name))
            if foreign:
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise InputError(f"checkpoint folder {self.folder} is not empty and is not a "
                                 f"debris checkpoint (it holds {shown}); name a new or empty "
                                 "folder: debris would delete what it writes there")
            with atomic_write(stored) as handle:
                handle.write(json.dumps({"fingerprint": key,
                                         "created_by_debris": False}) + "\n")
        self.resumed = 0
        #: Window files that were there but could not be read (computed again).
        self.unreadable: list[Path] = []

    def _path(self, a: int, b: int) -> Path:
        return self.folder / f"window_{a:08d}_{b:08d}.npz"

    def load(self, a: int, b: int):
        """(i, j, t, failures) of the window of steps [a, b] if it was finished, else None.

        A window file that cannot be read (truncated, garbage) is listed in
        :attr:`unreadable` and returns None: the window is computed again and rewritten."""
        path = self._path(a, b)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                out = (data["i"], data["j"], data["t"],
                       dict(zip(data["failed"].tolist(), data["codes"].tolist())))
            if not (len(out[0]) == len(out[1]) == len(out[2])):
                raise ValueError("arrays of different lengths")
        except Exception:  # noqa: BLE001 - any unreadable file (BadZipFile, EOFError, ...)
            self.unreadable.append(path)
            return None
        self.resumed += 1
        return out

    def save(self, a: int, b: int, i, j, t, failures: dict) -> None:
        """Record a finished window (atomically: a kill leaves it whole or absent)."""
        with atomic_write(self._path(a, b), "wb") as handle:
            np.savez(handle, i=i, j=j, t=t,
                     failed=np.array(list(failures), np.int64),
                     codes=np.array(list(failures.values()), np.int64))


def remove_checkpoint(folder) -> None:
    """Delete a checkpoint folder's own files once its run's output is written.

    Only what debris names is deleted: the window files, their temporaries and the marker
    ``run.json``; then the folder, when debris created it and it is now empty. A folder
    without the marker is left alone whole.
    """
    folder = Path(folder)
    stored = folder / _KEY
    if not stored.is_file():
        return
    created = bool(_marker(folder).get("created_by_debris", False))
    for path in folder.iterdir():
        if _WINDOW.fullmatch(path.name) or _OWN_PART.fullmatch(path.name):
            with contextlib.suppress(OSError):
                path.unlink()
    stored.unlink(missing_ok=True)
    if created:
        with contextlib.suppress(OSError):  # not empty: the user's files stay
            folder.rmdir()


def _marker(folder: Path) -> dict:
    """The marker ``run.json`` of a checkpoint folder ({} when it cannot be read)."""
    try:
        record = json.loads((folder / _KEY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
