"""Range checks of the library's numeric arguments, so that a bad value is refused where it
enters with a message naming it, the value and the range, rather than running silently
wrong (a negative step screens nothing) or failing deep inside (a zero step divides by zero).
The command line checks the same ranges while parsing its options (:mod:`debris.cli.common`).
"""

from __future__ import annotations

import math

from .errors import InputError

__all__ = ["check_range"]


def check_range(name: str, value, low=None, high=None, *, low_open: bool = False,
                unit: str = "") -> float:
    """`value` as a float when it lies in the range, else :class:`InputError`.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : float
    low, high : float or None
        Bounds (inclusive unless `low_open`); None leaves a side open.
    low_open : bool
        `low` itself is outside the range.
    unit : str
        Said after the value in the message.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} = {value!r}: expected a number") from None
    bad = (not math.isfinite(number) or (low is not None and (number < low or low_open
                                                              and number == low))
           or (high is not None and number > high))
    if bad:
        lo = "" if low is None else f"{'> ' if low_open else '>= '}{low:g}"
        hi = "" if high is None else f"<= {high:g}"
        span = " and ".join(x for x in (lo, hi) if x)
        raise InputError(f"{name} = {value!r}{' ' + unit if unit else ''} is outside the "
                         f"range: expected {span}")
    return number
