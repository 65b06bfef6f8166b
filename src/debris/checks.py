"""Range checks of the library's numeric arguments, so that a bad value is refused where it
enters with a message naming it, the value and the range, rather than running silently
wrong (a negative step screens nothing) or failing deep inside (a zero step divides by zero).
The command line checks the same ranges while parsing its options (:mod:`debris.cli.common`).
"""

from __future__ import annotations

import math

from .errors import InputError

__all__ = ["check_range", "in_range", "range_text"]


def in_range(value: float, low=None, high=None, low_open: bool = False) -> bool:
    """Whether `value` is finite and within [low, high] (``(low, high]`` if `low_open`);
    None leaves a side open."""
    return (math.isfinite(value) and (low is None or value > low or (not low_open
                                                                     and value == low))
            and (high is None or value <= high))


def range_text(low=None, high=None, low_open: bool = False) -> str:
    """The range in words for messages: ``1..3600``, ``> 0 and <= 90``, ``>= 0``, ``> 0``."""
    if low is not None and high is not None:
        return f"> {low:g} and <= {high:g}" if low_open else f"{low:g}..{high:g}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    return f"<= {high:g}"


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
    if not in_range(number, low, high, low_open):
        raise InputError(f"{name} = {value!r}{' ' + unit if unit else ''} is outside the "
                         f"range: expected {range_text(low, high, low_open)}")
    return number
