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
import sys
import traceback

from .._version import __version__
from ..errors import DebrisError
from . import catalog, ephemeris, fetch, passes, schedule, screen

__all__ = ["main", "build_parser"]

#: Commands in the order ``debris --help`` lists them.
_COMMANDS = (catalog, fetch, ephemeris, passes, screen, schedule)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debris",
        description="Space-debris tracking: passes, conjunctions and schedules from TLE/OMM.")
    parser.add_argument("--version", action="version", version=f"debris {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parsers(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status.

    Run as the ``debris`` command (`argv` None), the objects still alive once the command
    is done (numba's type system, the catalogue, the states) are frozen out of the garbage
    collector before returning, so the interpreter's shutdown does not walk them all again
    (a third of a second after a whole-catalogue run). Called with an `argv` list, as tests
    do, the collector is left alone.
    """
    try:
        return _run(argv)
    finally:
        if argv is None:
            gc.freeze()


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
    except KeyboardInterrupt:
        print("debris: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - anything else is a bug in debris, not bad input
        print("debris: internal error (a bug in debris; please report it with the "
              "traceback below)", file=sys.stderr)
        traceback.print_exc()
        return 1
