"""The ``debris`` command line: a thin layer over the library, one module per command.

``common`` (catalogue loading and notes, sites and windows, shared option groups),
``catalog`` (sites, catalog info/history), ``fetch`` (fetch, nightly), ``ephemeris``,
``passes`` (passes, crossings), ``screen`` (screen, pc) and ``schedule``.

Machine-readable output goes to stdout or to ``--output`` (written atomically); notes,
warnings and progress go to stderr. Bad input (a :class:`~debris.errors.DebrisError`) ends
the run with exit status 2 and a message naming what was wrong; any other exception is a bug
in debris: exit status 1, a one-line "internal error" note and the traceback.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
import traceback

from .._version import __version__
from ..errors import DebrisError
from . import catalog, ephemeris, fetch, passes, schedule, screen

__all__ = ["main", "build_parser"]

#: Commands in the order ``debris --help`` lists them.
_COMMANDS = (catalog, fetch, ephemeris, passes, screen, schedule)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gets one line (and where to read more), not the usage."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="debris",
        description="Space-debris tracking: passes, conjunctions and schedules from TLE/OMM.")
    parser.add_argument("--version", action="version", version=f"debris {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parsers(sub)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that outputs are cleaned up as for Ctrl-C."""


def _on_sigterm(signum, frame):
    raise _Terminated


def main(argv=None) -> int:
    """Run the command line; return the exit status.

    Run as the ``debris`` command (`argv` None), the objects still alive once the command
    is done (numba's type system, the catalogue, the states) are frozen out of the garbage
    collector before returning, so the interpreter's shutdown does not walk them all again
    (a third of a second after a whole-catalogue run). Called with an `argv` list, as tests
    do, the collector is left alone.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        return _run(argv)
    except KeyboardInterrupt as exc:  # before the command started, or while it reported
        return _interrupted(exc)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        if argv is None:
            gc.freeze()


def _interrupted(exc) -> int:
    """One line and the shell's status for Ctrl-C (130) or SIGTERM (143); the command's
    outputs were cleaned up on the way out (they are written aside and swapped in)."""
    terminated = isinstance(exc, _Terminated)
    print(f"debris: {'terminated' if terminated else 'interrupted'}; no output was written "
          "or replaced", file=sys.stderr)
    return 143 if terminated else 130


def _run(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except DebrisError as exc:
        print(f"debris: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except Exception:  # noqa: BLE001 - anything else is a bug in debris, not bad input
        print("debris: internal error (a bug in debris; please report it with the "
              "traceback below)", file=sys.stderr)
        traceback.print_exc()
        return 1
