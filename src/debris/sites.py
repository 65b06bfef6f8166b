"""Observing sites: built-in observatories, coordinates on the command line, TOML files.

Built-in sites (geodetic WGS-84 latitude/longitude, height above the
ellipsoid taken as the published altitude):

* ``dushanbe`` - Institute of Astrophysics, National Academy of Sciences
  of Tajikistan, MPC 191. 38.566944 N, 68.780833 E, 790 m (Russian
  Wikipedia infobox, "Институт астрофизики АН Таджикистана"; MPC
  ObsCodes ``191 68.7811 0.78306 +0.62006 Dushanbe``, whose point lies
  0.65 km further south).
* ``hissar`` (alias ``gissar``) - Hissar Astronomical Observatory,
  MPC 190. 38.489722 N, 68.682778 E, 743 m (Russian Wikipedia; MPC
  ``190 68.6819 0.78382 +0.61909 Gissar``).
* ``sanglokh`` (alias ``sanglok``) - Sanglokh International Astronomical
  Observatory, MPC 193. 38.261139 N, 69.217556 E (German Wikipedia),
  2300 m (NIAT Khovar, 2016-06-08; MPC ``193 69.2178 0.78648 +0.61610
  Sanglok``, whose 5-decimal constants give about 2190 m).

A TOML file of user sites looks like::

    [sites.my-dome]
    latitude_deg = 38.5
    longitude_deg = 68.8
    altitude_m = 800
    description = "roof dome"
    timezone = "Asia/Dushanbe"      # optional: the site's civil time, for --tz local
    horizon = [[0, 8], [90, 22], [200, 5]]   # optional: azimuth, lowest elevation (deg)
    # or horizon_file = "dome_horizon.txt"   (two columns; relative to this file)

(:mod:`debris.horizon` for the mask's rules.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .constants import WGS84_A_KM, WGS84_F
from .errors import SiteFormatError, UnknownSiteError
from .horizon import HorizonMask, horizon_from_points, load_horizon
from .io.files import read_toml

__all__ = ["Site", "BUILTIN_SITES", "get_site", "parse_site", "load_sites_toml", "known_sites",
           "time_zone"]


def time_zone(name: str, what: str = "time zone"):
    """The :class:`zoneinfo.ZoneInfo` of an IANA name; SiteFormatError naming it when the
    name is not one (tzdata supplies the database where the system has none)."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise SiteFormatError(f"{what} {name!r} is not an IANA time zone (such as "
                              "Asia/Dushanbe, Europe/Berlin or UTC)") from None


@dataclass(frozen=True)
class Site:
    """A place on the Earth's surface.

    Attributes
    ----------
    name : str
    latitude_deg : float
        Geodetic latitude (WGS-84), north positive.
    longitude_deg : float
        East positive.
    altitude_m : float
        Height above the WGS-84 ellipsoid.
    mpc_code : str or None
    description : str
    timezone : str or None
        IANA time zone of the site's civil time (``Asia/Dushanbe``), for ``--tz local``.
    horizon : HorizonMask or None
        The lowest elevation the site sees by azimuth (:mod:`debris.horizon`).
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0
    mpc_code: str | None = None
    description: str = ""
    timezone: str | None = None
    horizon: HorizonMask | None = field(default=None, repr=False, compare=False)
    itrs_km: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise SiteFormatError(f"site {self.name!r}: latitude {self.latitude_deg} deg is "
                                  "outside -90..90")
        if not -180.0 <= self.longitude_deg <= 360.0:
            raise SiteFormatError(f"site {self.name!r}: longitude {self.longitude_deg} deg is "
                                  "outside -180..360")
        if not -500.0 <= self.altitude_m <= 10000.0:
            raise SiteFormatError(f"site {self.name!r}: altitude {self.altitude_m} m is outside "
                                  "-500..10000 (metres above the ellipsoid)")
        if self.timezone is not None:
            time_zone(self.timezone, f"site {self.name!r}: timezone")
        object.__setattr__(self, "itrs_km", geodetic_to_itrs_km(
            self.latitude_deg, self.longitude_deg, self.altitude_m))

    def as_dict(self) -> dict:
        return {"name": self.name, "latitude_deg": self.latitude_deg,
                "longitude_deg": self.longitude_deg, "altitude_m": self.altitude_m,
                "mpc_code": self.mpc_code, "timezone": self.timezone,
                "horizon": None if self.horizon is None else self.horizon.as_list()}

    def limit_deg(self, azimuth_deg, min_elevation_deg: float) -> np.ndarray:
        """The lowest elevation an object counts as up at each azimuth: the site's horizon
        mask where it has one, never below `min_elevation_deg`."""
        floor = np.full(np.shape(azimuth_deg), float(min_elevation_deg))
        return floor if self.horizon is None else np.maximum(floor, self.horizon(azimuth_deg))


def geodetic_to_itrs_km(latitude_deg, longitude_deg, altitude_m) -> np.ndarray:
    """Return the Earth-fixed (ITRS) position of a WGS-84 geodetic point, shape (3,), km."""
    lat, lon = np.radians(latitude_deg), np.radians(longitude_deg)
    e2 = WGS84_F * (2.0 - WGS84_F)
    sl = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - e2 * sl * sl)
    h = altitude_m / 1000.0
    return np.array([(n + h) * np.cos(lat) * np.cos(lon),
                     (n + h) * np.cos(lat) * np.sin(lon),
                     (n * (1.0 - e2) + h) * sl])


BUILTIN_SITES = {
    "dushanbe": Site("dushanbe", 38.566944, 68.780833, 790.0, "191",
                     "Institute of Astrophysics, National Academy of Sciences of Tajikistan",
                     "Asia/Dushanbe"),
    "hissar": Site("hissar", 38.489722, 68.682778, 743.0, "190",
                   "Hissar (Gissar) Astronomical Observatory", "Asia/Dushanbe"),
    "sanglokh": Site("sanglokh", 38.261139, 69.217556, 2300.0, "193",
                     "Sanglokh International Astronomical Observatory", "Asia/Dushanbe"),
}

_ALIASES = {"gissar": "hissar", "sanglok": "sanglokh", "191": "dushanbe", "190": "hissar",
            "193": "sanglokh"}


def known_sites(extra: dict | None = None) -> dict[str, Site]:
    """Return built-in sites plus any extra ones (extra names win)."""
    sites = dict(BUILTIN_SITES)
    if extra:
        sites.update(extra)
    return sites


def load_sites_toml(path) -> dict[str, Site]:
    """Read user sites from a TOML file (``[sites.NAME]`` tables).

    Raises
    ------
    SiteFormatError
        Naming the file, the site and the key that is missing or wrong.
    """
    path = Path(path)
    data = read_toml(path, SiteFormatError)
    table = data.get("sites")
    if not isinstance(table, dict) or not table:
        raise SiteFormatError(f"{path}: expected [sites.NAME] tables with latitude_deg, "
                              "longitude_deg and altitude_m")
    sites = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise SiteFormatError(f"{path}: [sites.{name}] must be a table")
        values = {}
        for key, default in (("latitude_deg", None), ("longitude_deg", None), ("altitude_m", 0.0)):
            value = entry.get(key, default)
            if value is None:
                raise SiteFormatError(f"{path}: [sites.{name}] lacks {key} (degrees for "
                                      "latitude/longitude, metres for altitude)")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SiteFormatError(f"{path}: [sites.{name}] {key} must be a number, "
                                      f"got {value!r}")
            values[key] = float(value)
        unknown = set(entry) - {"latitude_deg", "longitude_deg", "altitude_m", "mpc_code",
                                "description", "station", "timezone", "horizon",
                                "horizon_file"}
        if unknown:
            raise SiteFormatError(f"{path}: [sites.{name}] has unknown keys "
                                  f"{', '.join(sorted(unknown))}; allowed: latitude_deg, "
                                  "longitude_deg, altitude_m, mpc_code, description, station, "
                                  "timezone, horizon, horizon_file")
        key = name.lower()
        try:
            sites[key] = Site(key, values["latitude_deg"], values["longitude_deg"],
                              values["altitude_m"], entry.get("mpc_code"),
                              str(entry.get("description", "")), entry.get("timezone"),
                              _site_horizon(entry, path, name))
        except SiteFormatError as exc:
            raise SiteFormatError(f"{path}: [sites.{name}]: {exc}") from None
    return sites


def _site_horizon(entry: dict, path: Path, name: str) -> HorizonMask | None:
    """The horizon of a TOML site entry: its ``horizon`` points or its ``horizon_file``
    (relative to the TOML file), not both."""
    where = f"{path}: [sites.{name}]"
    if "horizon" in entry and "horizon_file" in entry:
        raise SiteFormatError(f"{where}: give horizon or horizon_file, not both")
    if "horizon" in entry:
        return horizon_from_points(entry["horizon"], where)
    if "horizon_file" in entry:
        if not isinstance(entry["horizon_file"], str):
            raise SiteFormatError(f"{where}: horizon_file must be a file name")
        return load_horizon(path.parent / entry["horizon_file"])
    return None


def parse_site(spec: str, extra: dict | None = None) -> Site:
    """Return a site from a name or a ``LAT,LON[,ALT_M]`` string.

    Parameters
    ----------
    spec : str
        A known site name (case-insensitive), an MPC code of a built-in
        site, or coordinates in degrees (and metres).
    extra : dict, optional
        User sites (from :func:`load_sites_toml`).
    """
    text = spec.strip()
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) not in (2, 3):
            raise SiteFormatError(f"site {spec!r}: expected LAT,LON or LAT,LON,ALT_M")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise SiteFormatError(f"site {spec!r}: expected numbers LAT,LON[,ALT_M] in degrees "
                                  "and metres") from None
        return Site(text, numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0.0)
    return get_site(text, extra)


def get_site(name: str, extra: dict | None = None) -> Site:
    """Return a known site by name; an unknown name lists the known ones."""
    sites = known_sites(extra)
    key = name.strip().lower()
    key = key if key in sites else _ALIASES.get(key, key)
    if key not in sites:
        raise UnknownSiteError(name, sorted(sites))
    return sites[key]
