"""Telescope descriptions (TOML) and the mount's slew-time model.

A file holds one or more ``[telescopes.NAME]`` tables (or one ``[telescope]`` table)::

    [telescopes.zeiss600]
    mount = "altaz"                  # or "equatorial"
    min_elevation_deg = 20
    max_elevation_deg = 87           # alt-az mounts cannot track through the zenith
    horizon_mask = [[0, 25], [90, 20], [180, 30], [270, 20]]   # [azimuth, elevation] pairs
    max_slew_rate_deg_s = 5.0
    max_slew_acceleration_deg_s2 = 2.0   # optional; else an instantaneous rate change
    settle_time_s = 3.0
    max_tracking_rate_deg_s = 1.5
    limiting_magnitude = 13.5
    min_track_s = 30
    tracks_per_object = 1
    moon_min_distance_deg = 10       # optional
    field_of_view_deg = 0.5          # optional: objects whose 3-sigma error outgrows half of
                                     # it are worth twice their weight

Keys carry their unit in the name; a missing key, a wrong type, a negative rate or an unknown
key (a misspelt one, or a unit debris does not use such as ``max_slew_rate_rad_s``) stops the
run with a message naming the key and what it expects.

Slew time between two pointings: each mount axis (azimuth/elevation, or hour angle/declination)
moves independently with a trapezoidal velocity profile (acceleration, cruise at the maximum
rate, deceleration); the slew takes the slower axis's time plus the settle time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import TelescopeFileError
from .io.files import read_toml

__all__ = ["Telescope", "TelescopeFileError", "load_telescopes", "slew_time_s"]


_REQUIRED = {
    "mount": "'altaz' or 'equatorial'",
    "min_elevation_deg": "a number of degrees in [0, 90)",
    "max_slew_rate_deg_s": "a positive number of degrees per second",
    "max_tracking_rate_deg_s": "a positive number of degrees per second",
    "limiting_magnitude": "a number (visual magnitude)",
    "min_track_s": "a positive number of seconds",
}
_OPTIONAL = {
    "max_elevation_deg": "a number of degrees in (min_elevation_deg, 90]",
    "horizon_mask": "a list of [azimuth_deg, elevation_deg] pairs",
    "max_slew_acceleration_deg_s2": "a positive number of degrees per second squared",
    "settle_time_s": "a number of seconds >= 0",
    "tracks_per_object": "a positive integer",
    "moon_min_distance_deg": "a number of degrees >= 0",
    "aperture_m": "a positive number of metres (informational)",
    "field_of_view_deg": "a positive number of degrees (the detector's field: objects whose "
                         "3-sigma error is beyond half of it are scheduled first)",
    "description": "text",
}


@dataclass(frozen=True)
class Telescope:
    """One telescope: limits of the mount and of the detection."""

    name: str
    mount: str
    min_elevation_deg: float
    max_slew_rate_deg_s: float
    max_tracking_rate_deg_s: float
    limiting_magnitude: float
    min_track_s: float
    max_elevation_deg: float = 90.0
    horizon_mask: tuple = field(default_factory=tuple)
    max_slew_acceleration_deg_s2: float | None = None
    settle_time_s: float = 0.0
    tracks_per_object: int = 1
    moon_min_distance_deg: float | None = None
    aperture_m: float | None = None
    field_of_view_deg: float | None = None
    description: str = ""

    def mask_elevation_deg(self, azimuth_deg) -> np.ndarray:
        """The lowest usable elevation at each azimuth: the mask (linear between its points,
        wrapping at 360) or the elevation limit, whichever is higher."""
        az = np.asarray(azimuth_deg, float) % 360.0
        floor = np.full(az.shape, self.min_elevation_deg)
        if self.horizon_mask:
            pts = sorted(self.horizon_mask)
            xs = np.array([p[0] for p in pts] + [pts[0][0] + 360.0])
            ys = np.array([p[1] for p in pts] + [pts[0][1]])
            xs = np.concatenate([[pts[-1][0] - 360.0], xs])
            ys = np.concatenate([[pts[-1][1]], ys])
            floor = np.maximum(floor, np.interp(az, xs, ys))
        return floor


def _number(value, key, where, expect, low=None, high=None, strict_low=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TelescopeFileError(f"{where}: {key} = {value!r}; expected {expect}")
    value = float(value)
    if (low is not None and (value < low or (strict_low and value <= low))) or (
            high is not None and value > high) or not math.isfinite(value):
        raise TelescopeFileError(f"{where}: {key} = {value:g}; expected {expect}")
    return value


def _telescope(name: str, table: dict, where: str) -> Telescope:
    if not isinstance(table, dict):
        raise TelescopeFileError(f"{where}: [telescopes.{name}] must be a table of keys")
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        known = ", ".join(sorted(set(_REQUIRED) | set(_OPTIONAL)))
        raise TelescopeFileError(f"{where}: unknown key {unknown[0]!r} (units go in the key "
                                 f"name: deg, deg_s, deg_s2, s, m); known keys: {known}")
    mount = str(table.get("mount", "")).strip().lower().replace("-", "")
    if "mount" in table and mount not in ("altaz", "equatorial"):
        raise TelescopeFileError(f"{where}: mount = {table['mount']!r}; expected "
                                 f"{_REQUIRED['mount']}")
    missing = [k for k in _REQUIRED if k not in table]
    if missing:
        raise TelescopeFileError(f"{where}: missing key {missing[0]!r}; expected "
                                 f"{_REQUIRED[missing[0]]}")
    expects = {**_REQUIRED, **_OPTIONAL}
    get = lambda key, **kw: _number(table[key], key, where, expects[key], **kw)  # noqa: E731
    min_el = get("min_elevation_deg", low=0.0, high=89.999)
    max_el = get("max_elevation_deg", low=min_el, high=90.0, strict_low=True) \
        if "max_elevation_deg" in table else 90.0
    mask = ()
    if "horizon_mask" in table:
        raw = table["horizon_mask"]
        ok = isinstance(raw, list) and all(
            isinstance(p, list) and len(p) == 2 and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in p) for p in raw)
        if not ok or not raw or any(not 0 <= p[1] < 90 for p in raw):
            raise TelescopeFileError(f"{where}: horizon_mask = {raw!r}; expected "
                                     f"{_OPTIONAL['horizon_mask']} with elevations in [0, 90)")
        mask = tuple((float(a) % 360.0, float(e)) for a, e in raw)
    tracks = table.get("tracks_per_object", 1)
    if isinstance(tracks, bool) or not isinstance(tracks, int) or tracks < 1:
        raise TelescopeFileError(f"{where}: tracks_per_object = {tracks!r}; expected "
                                 f"{_OPTIONAL['tracks_per_object']}")
    return Telescope(
        name=name, mount=mount, min_elevation_deg=min_el, max_elevation_deg=max_el,
        max_slew_rate_deg_s=get("max_slew_rate_deg_s", low=0.0, strict_low=True),
        max_tracking_rate_deg_s=get("max_tracking_rate_deg_s", low=0.0, strict_low=True),
        limiting_magnitude=get("limiting_magnitude", low=-30.0, high=40.0),
        min_track_s=get("min_track_s", low=0.0, strict_low=True),
        horizon_mask=mask,
        max_slew_acceleration_deg_s2=(get("max_slew_acceleration_deg_s2", low=0.0,
                                          strict_low=True)
                                      if "max_slew_acceleration_deg_s2" in table else None),
        settle_time_s=get("settle_time_s", low=0.0) if "settle_time_s" in table else 0.0,
        tracks_per_object=int(tracks),
        moon_min_distance_deg=(get("moon_min_distance_deg", low=0.0, high=180.0)
                               if "moon_min_distance_deg" in table else None),
        aperture_m=(get("aperture_m", low=0.0, strict_low=True) if "aperture_m" in table
                    else None),
        field_of_view_deg=(get("field_of_view_deg", low=0.0, high=180.0, strict_low=True)
                           if "field_of_view_deg" in table else None),
        description=str(table.get("description", "")),
    )


def load_telescopes(path) -> list[Telescope]:
    """Read the telescopes of a TOML file.

    Raises
    ------
    TelescopeFileError
        Naming the file, the telescope, the key and the expected value.
    """
    path = Path(path)
    data = read_toml(path, TelescopeFileError)
    if "telescopes" in data and isinstance(data["telescopes"], dict):
        tables = data["telescopes"]
    elif "telescope" in data and isinstance(data["telescope"], dict):
        tables = {str(data["telescope"].pop("name", path.stem)): data["telescope"]}
    else:
        raise TelescopeFileError(f"{path}: no [telescopes.NAME] or [telescope] table")
    if not tables:
        raise TelescopeFileError(f"{path}: [telescopes] has no telescope")
    return [_telescope(name, table, f"{path}: [telescopes.{name}]")
            for name, table in tables.items()]


def _axis_time(delta_deg, rate, accel):
    delta = np.abs(np.asarray(delta_deg, float))
    if accel is None:
        return delta / rate
    ramp = rate * rate / accel  # distance covered accelerating to full rate and back
    return np.where(delta < ramp, 2.0 * np.sqrt(delta / accel), delta / rate + rate / accel)


def slew_time_s(telescope: Telescope, axes_from, axes_to) -> np.ndarray:
    """Time (s) to slew and settle between pointings given as mount-axis angles (deg).

    Parameters
    ----------
    axes_from, axes_to : array_like, shape (..., 2)
        (azimuth, elevation) for alt-az mounts, (hour angle, declination) for equatorial
        ones. The first axis wraps at 360 deg (the shorter way round).
    """
    a = np.asarray(axes_from, float)
    b = np.asarray(axes_to, float)
    d0 = np.abs((b[..., 0] - a[..., 0] + 180.0) % 360.0 - 180.0)
    d1 = np.abs(b[..., 1] - a[..., 1])
    rate, accel = telescope.max_slew_rate_deg_s, telescope.max_slew_acceleration_deg_s2
    return (np.maximum(_axis_time(d0, rate, accel), _axis_time(d1, rate, accel))
            + telescope.settle_time_s)
