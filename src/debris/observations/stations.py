"""Observing stations: the sattools/SeeSat station list, debris' site TOML, built-in sites.

A station list has one station per line, ``NNNN XX latitude longitude elevation name``
(sattools ``sites.txt``, satfit ``STATIONS.IN``): the COSPAR station number, the
observer's initials, geodetic latitude and longitude (degrees, east positive), elevation
(metres) and a free name; ``#`` lines and a header line are skipped. debris' site TOML
(``[sites.NAME]``) names a station by ``station = "NNNN"`` (or by the site name itself).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import SiteFormatError, UnknownStationError
from ..io.files import read_text, read_toml
from ..sites import BUILTIN_SITES, Site, load_sites_toml

__all__ = ["Stations", "read_station_list", "load_stations"]

_LINE = re.compile(r"^\s*(\w{4})\s+(\S+)\s+([-+]?\d+(?:\.\d*)?)\s+([-+]?\d+(?:\.\d*)?)\s+"
                   r"([-+]?\d+(?:\.\d*)?)\s*(.*)$")


class Stations(dict):
    """Station code -> :class:`~debris.sites.Site`; :meth:`site` raises for unknown codes."""

    def site(self, code: str, where: str = "observation") -> Site:
        key = code.strip()
        if key in self:
            return self[key]
        if key.lower() in self:
            return self[key.lower()]
        raise UnknownStationError(key, where, sorted(self))


def read_station_list(path) -> Stations:
    """Read a sattools/satfit station list.

    Raises
    ------
    SiteFormatError
        For a line that is neither a comment, a header nor a station (file:line and why).
    """
    path = Path(path)
    stations = Stations()
    for number, line in enumerate(read_text(path, SiteFormatError).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            if number <= 2 and not re.match(r"^\s*\d{4}\s", line):
                continue  # a header line ("No ID Latitude ...")
            raise SiteFormatError(f"{path}:{number}: expected 'NNNN XX latitude longitude "
                                  f"elevation_m name', got {line.strip()!r}")
        code, initials, lat, lon, elev, name = match.groups()
        try:
            stations[code] = Site(code, float(lat), float(lon), float(elev), None,
                                  f"{name.strip()} ({initials})".strip())
        except SiteFormatError as exc:
            raise SiteFormatError(f"{path}:{number}: {exc}") from None
    return stations


def load_stations(paths=(), sites_toml=None) -> Stations:
    """All stations: built-in sites (by name and MPC code), a site TOML, station lists.

    Later sources win for the same code.
    """
    stations = Stations()
    for name, site in BUILTIN_SITES.items():
        stations[name] = site
        if site.mpc_code:
            stations[site.mpc_code] = site
    if sites_toml is not None:
        sites = load_sites_toml(sites_toml)
        table = read_toml(Path(sites_toml), SiteFormatError).get("sites", {})
        for name, site in sites.items():
            stations[name] = site
            code = table.get(name, table.get(name.upper(), {})).get("station")
            if code is not None:
                stations[str(code)] = site
    for path in paths:
        stations.update(read_station_list(path))
    return stations
