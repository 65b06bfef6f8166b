"""Horizon masks: the lowest elevation a site sees in each azimuth (mountains, buildings, trees).

A mask is a list of (azimuth, minimum elevation) points in degrees, azimuth from north through
east; between points the limit is interpolated linearly in azimuth, wrapping at 360° (a single
point is a constant limit). A site carries one from its TOML entry::

    [sites.sanglokh-dome]
    latitude_deg = 38.261139
    longitude_deg = 69.217556
    altitude_m = 2300
    horizon = [[0, 8], [60, 15], [90, 22], [120, 12], [200, 5], [300, 9]]
    # or: horizon_file = "sanglokh_horizon.txt"  (relative to the TOML file)

or from ``--horizon FILE`` on the command line: a text file of two columns, azimuth and
minimum elevation (whitespace or comma separated; ``#`` comments; the layout Stellarium's
``horizon_*.txt`` polygon files and most planetarium programs use).

Passes use the mask exactly: rise and set are where the object's elevation crosses the limit
``max(min_elevation, mask(azimuth))``, found on exact SGP4 (:func:`debris.passes.finder`),
and the visible part is the part above it; crossings and schedules drop what is below it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .checks import in_range
from .errors import SiteFormatError
from .io.files import read_text

__all__ = ["HorizonMask", "load_horizon", "horizon_from_points"]


class HorizonMask:
    """The lowest visible elevation by azimuth, linear between points and wrapping at 360°.

    Parameters
    ----------
    azimuth_deg, elevation_deg : array_like, shape (K,)
        The points (any order; azimuths taken modulo 360; a repeated azimuth keeps the last
        point given).
    source : str
        Where the points came from, for messages.
    """

    def __init__(self, azimuth_deg, elevation_deg, source: str = "<horizon>"):
        az = np.mod(np.asarray(azimuth_deg, dtype=float), 360.0)
        el = np.asarray(elevation_deg, dtype=float)
        if az.shape != el.shape or az.ndim != 1 or not az.size:
            raise SiteFormatError(f"{source}: a horizon needs one or more (azimuth, elevation) "
                                  "points")
        keep = {}
        for a, e in zip(az.tolist(), el.tolist()):
            keep[a] = e
        order = sorted(keep)
        self.azimuth_deg = np.array(order)
        self.elevation_deg = np.array([keep[a] for a in order])
        self.source = source

    def __call__(self, azimuth_deg) -> np.ndarray:
        """The limit (deg) at each azimuth (deg), shape of the input."""
        az = np.mod(np.asarray(azimuth_deg, dtype=float), 360.0)
        if self.azimuth_deg.size == 1:
            return np.full(az.shape, self.elevation_deg[0])
        return np.interp(az, self.azimuth_deg, self.elevation_deg, period=360.0)

    def steepest_slope(self, azimuth_deg, half_width_deg) -> np.ndarray:
        """The steepest slope (deg of elevation per deg of azimuth) of the mask within
        `half_width_deg` of each azimuth (whole degrees, rounded outwards), shape of the
        input: how fast the limit can change under an object moving in azimuth there."""
        table = self._slope_table()
        az = np.mod(np.asarray(azimuth_deg, dtype=float), 360.0)
        width = np.minimum(np.asarray(half_width_deg, dtype=float), 180.0)
        lo = np.floor(az - width).astype(int) + 360
        hi = np.ceil(az + width).astype(int) + 361  # bins lo .. hi - 1
        level = np.floor(np.log2(np.maximum(hi - lo, 1))).astype(int)
        return np.maximum(table[level, lo], table[level, hi - (1 << level)])

    def _slope_table(self) -> np.ndarray:
        """Range-maximum table of the per-degree steepest slope, three turns long:
        row k holds the maximum over 2**k bins from each one."""
        if getattr(self, "_table", None) is not None:
            return self._table
        bins = np.zeros(360)
        if self.azimuth_deg.size > 1:
            az = np.append(self.azimuth_deg, self.azimuth_deg[0] + 360.0)
            el = np.append(self.elevation_deg, self.elevation_deg[0])
            for a, b, slope in zip(az[:-1], az[1:], np.abs(np.diff(el) / np.diff(az))):
                for d in range(int(np.floor(a)), int(np.ceil(b))):
                    bins[d % 360] = max(bins[d % 360], slope)
        row = np.tile(bins, 3)
        table = [row]
        while (1 << len(table)) <= row.size:
            step = 1 << (len(table) - 1)
            prev = table[-1]
            table.append(np.maximum(prev, np.concatenate([prev[step:], prev[-step:]])))
        self._table = np.array(table)
        return self._table

    @property
    def highest_deg(self) -> float:
        """The highest point of the mask (deg): nothing lower can be hidden by it."""
        return float(self.elevation_deg.max())

    def outline(self, step_deg: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(azimuths, limits) every `step_deg` and at every point, 0..360 inclusive, for
        drawing."""
        az = np.union1d(np.arange(0.0, 360.0 + step_deg / 2, step_deg), self.azimuth_deg)
        return az, self(az)

    def as_list(self) -> list[list[float]]:
        """The points as ``[[azimuth, elevation], ...]`` (JSON, TOML)."""
        return [[float(a), float(e)] for a, e in zip(self.azimuth_deg, self.elevation_deg)]

    def __repr__(self) -> str:
        return f"HorizonMask({len(self.azimuth_deg)} points from {self.source})"


def horizon_from_points(points, source: str = "<horizon>") -> HorizonMask:
    """A mask from ``[[azimuth, elevation], ...]`` (a TOML ``horizon`` list); SiteFormatError
    naming the point that is not a pair of numbers with the elevation within -90..90."""
    if not isinstance(points, (list, tuple)) or not points:
        raise SiteFormatError(f"{source}: horizon must be a list of [azimuth_deg, "
                              "elevation_deg] pairs")
    az, el = [], []
    for k, point in enumerate(points, 1):
        if (not isinstance(point, (list, tuple)) or len(point) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in point)):
            raise SiteFormatError(f"{source}: horizon point {k}: expected [azimuth_deg, "
                                  f"elevation_deg], got {point!r}")
        problem = _point_problem(*point)
        if problem:
            raise SiteFormatError(f"{source}: horizon point {k}: {problem}")
        az.append(float(point[0]))
        el.append(float(point[1]))
    return HorizonMask(az, el, source)


def load_horizon(path) -> HorizonMask:
    """Read a two-column horizon file (azimuth, minimum elevation; degrees).

    Lines that are blank or start with ``#`` or ``;`` are skipped; a line that is not two
    numbers, or whose elevation is outside -90..90 or azimuth outside -360..720, is an
    error naming the file and line: a mask with a hole in it would let passes through a
    mountain.
    """
    path = Path(path)
    az, el = [], []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        text = line.strip()
        if not text or text[0] in "#;":
            continue
        words = text.replace(",", " ").split()
        try:
            a, e = (float(w) for w in words[:2])
            if len(words) != 2:
                raise ValueError
        except ValueError:
            raise SiteFormatError(f"{path}, line {number}: expected two numbers, azimuth and "
                                  f"elevation in degrees, got {text[:60]!r}") from None
        problem = _point_problem(a, e)
        if problem:
            raise SiteFormatError(f"{path}, line {number}: {problem}")
        az.append(a)
        el.append(e)
    if not az:
        raise SiteFormatError(f"{path}: no horizon points (expected lines of azimuth and "
                              "elevation in degrees)")
    return HorizonMask(az, el, str(path))


def _point_problem(azimuth, elevation) -> str | None:
    if not in_range(azimuth, -360.0, 720.0):
        return f"azimuth {azimuth!r} deg is outside -360..720"
    if not in_range(elevation, -90.0, 90.0):
        return f"elevation {elevation!r} deg is outside -90..90"
    return None
