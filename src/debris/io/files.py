"""Files: atomic writes, TOML and small CSV inputs.

No output file is ever left half-written: :func:`atomic_write` writes to a temporary file
beside the target and renames it into place only when everything has been written.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
import sys
from pathlib import Path

from ..errors import DebrisError

__all__ = ["atomic_write", "write_text", "read_text", "read_toml", "read_csv_rows"]

_PART = itertools.count()


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside `path`; rename it onto `path` on success.

    On any exception the temporary file is removed and `path` is left
    as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _new_part(path)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None,
                       newline="" if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _new_part(path: Path):
    """A new file beside `path` for :func:`atomic_write`: (descriptor, name). Created with
    the umask's permissions, as the final file would be."""
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}.{next(_PART)}.part"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


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


def read_text(path, error_type=DebrisError, encoding: str = "utf-8") -> str:
    """The text of an input file; `error_type` naming the file when it is missing, a
    folder, unreadable or not text in `encoding` (a binary file, say)."""
    try:
        with open(path, encoding=encoding, newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise error_type(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error_type(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise error_type(f"{path}: cannot read ({exc.strerror})") from None
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
