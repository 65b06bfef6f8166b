"""debris: space-debris tracking for observatories.

Whole-catalogue pass predictions, conjunction screening and telescope
schedules from TLE/OMM element sets, with vectorised SGP4.

Arrays follow one axis order everywhere: catalogue, then time, then xyz
(``(N,)`` elements, ``(T,)`` times, ``(N, T, 3)`` states, ``(N, T)``
error codes). Results are :class:`Table` objects of numbers (times as
:class:`Times`); :mod:`debris.io` writes them as CSV, JSON or text.

The data flow and which package owns what: README, "Architecture".
"""

from ._version import __version__
from .catalog import Catalog, Rejection, bundled_catalog_path
from .catalog_formats import CatalogFormat, catalog_formats, register_catalog_format
from .conjunctions import (PcMethod, cdm_pc, chan_pc, conjunction_cdms, conjunction_pc,
                           encounter_plane, foster_pc, max_pc, observability, pc_methods,
                           register_pc_method, screen)
from .errors import (CatalogError, CDMFormatError, DebrisError, NaiveDatetimeError,
                     ObservationFileError, OMMFormatError, SiteFormatError, TelescopeFileError,
                     TimeFormatError, TLEFormatError, UnknownSiteError, UnknownStationError)
from .frames import EarthOrientation, Topocentric, earth_orientation, topocentric
from .horizon import HorizonMask, load_horizon
from .io.ccsds import Cdm, parse_cdm, read_cdm
from .magnitude import StandardMagnitudes, magnitude_estimates
from .manoeuvres import ManoeuvreFlags, detect_manoeuvres
from .observations import (Link, OrbitFit, fit_orbit, identify, initial_orbit, link_tracks,
                           load_stations, observation_geometry, read_observations, residuals)
from .passes import find_crossings, find_passes
from .propagation import (States, available_backends, get_backend, iter_propagate, propagate,
                          propagate_at)
from .schedule import pointing_track, schedule_night
from .sites import BUILTIN_SITES, Site, get_site, load_sites_toml, parse_site
from .sun import is_sunlit, night_window, sun_altitude_deg, sun_position_gcrs_km
from .table import Table
from .telescope import Telescope, load_telescopes
from .timescale import Times, format_iso, time_range, to_times
from .uncertainty import UncertaintyModel, fit_uncertainty, history_differences, read_history

__all__ = [
    "__version__",
    "Catalog", "Rejection", "bundled_catalog_path",
    "CatalogFormat", "catalog_formats", "register_catalog_format",
    "DebrisError", "TLEFormatError", "OMMFormatError", "CatalogError", "NaiveDatetimeError",
    "TimeFormatError", "UnknownSiteError", "SiteFormatError",
    "EarthOrientation", "Topocentric", "earth_orientation", "topocentric",
    "find_passes", "find_crossings", "night_window",
    "screen", "observability", "conjunction_cdms",
    "schedule_night", "pointing_track", "Telescope", "TelescopeFileError", "load_telescopes",
    "foster_pc", "chan_pc", "max_pc", "encounter_plane", "conjunction_pc",
    "PcMethod", "register_pc_method", "pc_methods",
    "Cdm", "CDMFormatError", "read_cdm", "parse_cdm", "cdm_pc",
    "States", "propagate", "propagate_at", "iter_propagate", "get_backend", "available_backends",
    "Site", "BUILTIN_SITES", "get_site", "parse_site", "load_sites_toml", "HorizonMask",
    "load_horizon", "StandardMagnitudes", "magnitude_estimates",
    "is_sunlit", "sun_altitude_deg", "sun_position_gcrs_km",
    "read_observations", "identify", "residuals", "fit_orbit", "OrbitFit", "initial_orbit",
    "link_tracks", "Link",
    "load_stations", "observation_geometry", "ObservationFileError", "UnknownStationError",
    "read_history", "history_differences", "fit_uncertainty", "UncertaintyModel",
    "detect_manoeuvres", "ManoeuvreFlags",
    "Table",
    "Times", "to_times", "time_range", "format_iso",
]
