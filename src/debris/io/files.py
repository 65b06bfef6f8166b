"""Files: atomic writes, TOML and small CSV inputs.

No output is ever left half-written: :func:`atomic_write` writes to a temporary file beside
the target and renames it into place only when everything has been written;
:func:`atomic_folder` does the same for a folder (swapped in whole), :func:`staged_outputs`
for several files that go together (all or none). Temporaries get the umask's mode, as the
final outputs would. A read-only folder or a full disk is an
:class:`~debris.errors.OutputError` naming the output, the earlier output untouched.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import glob
import io
import itertools
import os
import shutil
import sys
from pathlib import Path

from ..errors import DebrisError, OutputError

__all__ = ["text_lines", "atomic_write", "atomic_folder", "staged_outputs", "StagedOutputs", "write_text",
           "read_bytes", "read_text", "read_toml", "read_csv_rows", "discard_temporaries",
           "bundled_file"]


def bundled_file(name: str, what: str) -> Path:
    """A data file shipped with debris (``tle/NAME``: inside the wheel as
    ``debris/_bundled_tle``, in the source tree as ``tle/``); a missing one is a
    :class:`~debris.errors.DebrisError` naming `what` it is."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_bundled_tle" / name, package.parent.parent / "tle" / name):
        if candidate.exists():
            return candidate
    raise DebrisError(f"the bundled {what} {name} is missing from the installation")


_PART = itertools.count()
#: Temporaries being written now: path -> is a folder (see :func:`discard_temporaries`).
_LIVE: dict = {}


def text_lines(text: str) -> list[str]:
    """The lines of a text as editors number them: ending at LF, CRLF or CR only
    (``str.splitlines`` would also break at form feeds, file separators and Unicode line
    separators, and the line numbers every message gives would drift)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if text else []


def discard_temporaries() -> None:
    """Delete every temporary file and folder being written (for a signal handler that
    ends the process at once: nothing half-written stays beside the outputs)."""
    for path, folder in list(_LIVE.items()):
        if folder:
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)
    _LIVE.clear()


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside `path`; rename it onto `path` on success.

    On any exception (Ctrl-C included) the temporary file is removed and `path` is left as
    it was. A file that cannot be written (read-only folder, full disk) raises
    :class:`~debris.errors.OutputError` naming it.
    """
    path = Path(path)
    fd, tmp = _guard(path, lambda: _new_part(path))
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None,
                       newline="" if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if _is_output_failure(exc):
            raise _output_error(path, exc) from None
        raise
    finally:
        _LIVE.pop(tmp, None)


@contextlib.contextmanager
def atomic_folder(path):
    """Build a folder beside `path` and swap it in whole when the block succeeds.

    Yields the new folder's :class:`~pathlib.Path` (created with the umask's mode). On
    success an earlier folder at `path` is renamed aside, the new one renamed into place
    and the old one deleted; on any exception the new folder is deleted and `path` is left
    as it was. Raises :class:`~debris.errors.OutputError` when the folder cannot be written.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"cannot write the folder {path}: a file of that name exists")
    work = _guard(path, lambda: _new_part(path, folder=True))
    try:
        yield work
        _guard(path, lambda: _swap_in(work, path))
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if _is_output_failure(exc):
            raise _output_error(path, exc) from None
        raise
    finally:
        _LIVE.pop(work, None)


class StagedOutputs:
    """Several output files written all or none (:func:`staged_outputs`)."""

    def __init__(self):
        self._parts: list[tuple[Path, Path]] = []

    def write_text(self, path, text) -> None:
        """Write `text` (a string or an iterable of strings) to a file beside `path`."""
        path = Path(path)
        fd, tmp = _guard(path, lambda: _new_part(path))
        self._parts.append((tmp, path))
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                for piece in [text] if isinstance(text, str) else text:
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _output_error(path, exc) from None


@contextlib.contextmanager
def staged_outputs():
    """Write several files all or none: each is written beside its place, and all are
    renamed into place only when the block succeeds; on any exception none is touched.

    Examples
    --------
    >>> with staged_outputs() as out:            # doctest: +SKIP
    ...     out.write_text("schedule.csv", table_text)
    ...     out.write_text("schedule.tracks.csv", tracks_text)
    """
    staged = StagedOutputs()
    done = []  # (path, hard link to its earlier version or None), to undo on failure
    try:
        yield staged
        for tmp, path in staged._parts:
            backup = None
            if path.exists():
                backup = path.parent / f".{path.name}.{os.getpid()}.{next(_PART)}.old"
                _guard(path, lambda path=path, backup=backup: os.link(path, backup))
            done.append((path, backup))
            _guard(path, lambda tmp=tmp, path=path: os.replace(tmp, path))
    except BaseException:
        for path, backup in reversed(done):  # earlier versions back, new files out
            with contextlib.suppress(OSError):
                if backup is None:
                    os.unlink(path)
                else:
                    os.replace(backup, path)
        raise
    finally:  # temporaries and backups left over either way
        for tmp, _ in staged._parts:
            _LIVE.pop(tmp, None)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for _, backup in done:
            if backup is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(backup)


def _new_part(path: Path, folder: bool = False):
    """A new file (descriptor, name) or folder (name) beside `path`, created with the
    umask's permissions as the final one would be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a folder of the path should be
        raise NotADirectoryError(errno.ENOTDIR, "a file is in the way of its folder",
                                 str(path.parent)) from None
    _sweep_stale_parts(path)
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}.{next(_PART)}.part"
        try:
            if folder:
                os.mkdir(tmp, 0o777)
                _LIVE[tmp] = True
                return tmp
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            _LIVE[tmp] = False
            return fd, tmp
        except FileExistsError:
            continue


def _sweep_stale_parts(path: Path) -> None:
    """Remove parts of `path` left by processes that no longer run (a SIGKILL cannot be
    caught, so a killed run leaves its part behind; the next write of the same output
    removes it)."""
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        pid = part.name[len(path.name) + 2:].split(".")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            if part.is_dir():
                shutil.rmtree(part, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(part)
        except OSError:  # alive but not ours (EPERM): leave it
            continue


def _swap_in(work: Path, path: Path) -> None:
    """Rename `work` onto `path`; an earlier folder there is moved aside, then deleted."""
    if not path.exists():
        os.replace(work, path)
        return
    old = path.parent / f".{path.name}.{os.getpid()}.{next(_PART)}.old"
    os.replace(path, old)
    try:
        os.replace(work, path)
    except BaseException:
        os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


#: errno values that mean "this output cannot be written here" (not a bug in debris).
_OUTPUT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                  errno.EFBIG, errno.EIO, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG,
                  errno.EEXIST, errno.ENOTEMPTY, errno.EXDEV, errno.EINVAL, errno.ELOOP,
                  errno.ENXIO, errno.EBUSY, errno.ETXTBSY}


def _is_output_failure(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _OUTPUT_ERRNOS


def _guard(path: Path, action):
    """Run `action`; an OSError it raises becomes an OutputError naming `path` (there, a
    missing file too: a place where no file can be created, such as ``/proc``)."""
    try:
        return action()
    except OSError as exc:
        if _is_output_failure(exc) or exc.errno == errno.ENOENT:
            raise _output_error(path, exc) from None
        raise


def _output_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write {path}: {reason} ({errno.errorcode.get(exc.errno, '?')})"
                       "; nothing was written there and any earlier output is as it was")


def write_text(text, output=None) -> None:
    """Write text to a file atomically, or to stdout when `output` is None or '-'.

    `text` is a string or an iterable of strings (written one after the other, so a large
    output never has to be held as one string).
    """
    pieces = [text] if isinstance(text, str) else text
    if output is None or str(output) == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    with atomic_write(output) as handle:
        for piece in pieces:
            handle.write(piece)


def read_bytes(path, error_type=DebrisError, what: str = "file") -> bytes:
    """The bytes of an input file; `error_type` naming the file when it is missing, a
    folder or unreadable (`what` names what it should have been)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise error_type(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error_type(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error_type(f"{path}: cannot read ({exc.strerror})") from None


def read_text(path, error_type=DebrisError, encoding: str = "utf-8") -> str:
    """The text of an input file (line ends as they are); `error_type` naming the file
    when it is missing, a folder, unreadable or not text in `encoding` (a binary file)."""
    raw = read_bytes(path, error_type)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = encoding.upper().removesuffix("-SIG")
        raise error_type(f"{path}: not {name} text (byte 0x{exc.object[exc.start]:02x} at "
                         f"offset {exc.start}); is it the right file?") from None


def read_toml(path, error_type) -> dict:
    """Parse a TOML file, raising `error_type` naming the file when it is missing or bad."""
    import tomllib  # 12 ms to import: only when a TOML file is read

    path = Path(path)
    try:
        return tomllib.loads(read_text(path, error_type))
    except tomllib.TOMLDecodeError as exc:
        raise error_type(f"{path}: not valid TOML ({exc})") from None


def read_csv_rows(path, header: str = "norad_id") -> list[tuple[int, list[str]]]:
    """(line number, cells) of a small CSV keyed by its first column: blank rows, ``#``
    comments and a header row starting with `header` are skipped.

    Raises
    ------
    DebrisError
        When the file cannot be read or is not text, naming it.
    """
    rows = list(enumerate(csv.reader(io.StringIO(read_text(path), newline="")), start=1))
    return [(number, row) for number, row in rows
            if row and not row[0].strip().startswith("#") and row[0].strip() != header]
