"""Progress bars on stderr for long runs, only when stderr is a terminal (quiet in cron)."""

from __future__ import annotations

import sys
import time

__all__ = ["progress_bar"]


def progress_bar(label: str, *, stream=None, force: bool = False):
    """A ``report(done, total)`` callable drawing ``label [#####   ] done/total, N s left``,
    or None when the stream is not a terminal (and not `force`)."""
    stream = stream or sys.stderr
    if not (force or stream.isatty()):
        return None
    began = time.monotonic()

    def report(done, total):
        elapsed = time.monotonic() - began
        left = elapsed / done * (total - done) if done else 0.0
        width = 30
        bar = "#" * int(width * done / max(total, 1))
        print(f"\r{label} [{bar:<{width}}] {done}/{total}, {left:5.0f} s left",
              end="" if done < total else "\n", file=stream, flush=True)

    return report
