"""The ``debris`` command line: a thin layer over the library, one module per command.

``common`` (catalogue loading and notes, sites and windows, shared option groups),
``catalog`` (sites, catalog info/history), ``fetch`` (fetch, nightly), ``ephemeris``,
``passes`` (passes, crossings), ``screen`` (screen, pc), ``schedule`` and ``observe``
(identify, residuals, fit, iod; the last two in ``fitting``).

Machine-readable output goes to stdout or to ``--output`` (written atomically); notes,
warnings and progress go to stderr. Bad input (a :class:`~debris.errors.DebrisError`) ends
the run with exit status 2 and a message naming what was wrong; any other exception is a bug
in debris: exit status 1, a one-line "internal error" note and the traceback.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
import traceback
import warnings

from .._version import __version__
from ..errors import DebrisError
from ..io.files import discard_temporaries
from . import catalog, convert, ephemeris, fetch, observe, passes, schedule, screen

__all__ = ["main", "build_parser"]

#: Commands in the order ``debris --help`` lists them.
_COMMANDS = (catalog, fetch, ephemeris, passes, screen, schedule, observe, convert)


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


def _on_signal(signum, frame):
    """Ctrl-C or SIGTERM: remove the outputs being written, say so in one line and exit at
    once with the shell's status (130, 143).

    The handler does not raise: an exception unwinding out of a running computation was
    seen to crash the interpreter (SIGSEGV) when it met numba's parallel kernels, and there
    is nothing to unwind anyway: outputs are only ever written beside their place
    (:mod:`debris.io.files`), and those temporaries are deleted here. Forked worker
    processes inherit the handler and leave silently."""
    code = 128 + signum
    if os.getpid() != _HANDLER_PID[0]:
        os._exit(code)
    discard_temporaries()
    processes = sys.modules.get("multiprocessing")
    if processes is not None:
        for child in processes.active_children():
            child.terminate()
    word = "terminated" if signum == signal.SIGTERM else "interrupted"
    sys.stderr.write(f"debris: {word}; no output was written or replaced\n")
    sys.stderr.flush()
    os._exit(code)


#: The process that installed :func:`_on_signal` (its forked children exit silently).
_HANDLER_PID = [0]


def main(argv=None) -> int:
    """Run the command line; return the exit status.

    Ctrl-C and SIGTERM end the run at once (:func:`_on_signal`). Run as the ``debris``
    command (`argv` None), the objects still alive once the command is done (numba's type
    system, the catalogue, the states) are frozen out of the garbage collector before
    returning, so the interpreter's shutdown does not walk them all again (a third of a
    second after a whole-catalogue run). Called with an `argv` list, as tests do, the
    collector is left alone.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if main_thread:
        _HANDLER_PID[0] = os.getpid()
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        return _run(argv)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if argv is None:
            gc.freeze()


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    """A warning from debris or a library (numpy's RuntimeWarnings among them) as one line
    of debris' own, never the source excerpt Python prints (cron mails every line)."""
    where = f"{os.path.basename(filename)}:{lineno}"
    text = str(message).splitlines()[0] if str(message) else category.__name__
    print(f"debris: note: {text} ({category.__name__} in {where})", file=sys.stderr)


def _run(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")  # each warning once per place
            warnings.showwarning = _one_line_warning
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
