"""Observations: a telescope's angles read, identified, and turned into better orbits.

The tracking loop (README, "Observations"), one module per idea:

- reading and writing: one module per format, :mod:`.iod_lines` (IOD lines; "iod"
  elsewhere, as in ``debris iod``, is initial orbit determination, :mod:`.initial`),
  :mod:`.uk` (UK and R.D.E.), :mod:`.tdm` (CCSDS TDM, KVN and XML), :mod:`.csv_format`,
  each declaring itself to the
  registry :mod:`.formats`; :func:`read_observations` (:mod:`.reading`) recognises the
  format; the table in :mod:`.records`; batches of files, each used or skipped whole with its reasons, in
  :mod:`.batch`; stations in :mod:`.stations`;
- geometry: :mod:`.reduction` (one convention: ICRS directions from the station, light
  time in predictions), :mod:`.predict`;
- identification: :mod:`.tracks`, :mod:`.candidates` (compiled broad phase),
  :mod:`.identify`; residuals: :mod:`.residuals`;
- orbits: :mod:`.elements` (SGP4 mean elements, TLE lines), :mod:`.fit` (weighted least
  squares), :mod:`.gauss` and :mod:`.initial` (initial orbits), :mod:`.linking` (tracks
  without numbers linked across nights into objects), :mod:`.quality` (the gates a fit must
  pass before its elements are handed on);
- test data: :mod:`.simulate` (observations of a known truth), :mod:`.precise` (SP3 and
  CPF precise orbits).
"""

from .fit import OrbitFit, fit_orbit
from .gauss import gauss_orbit
from .identify import identify
from .initial import initial_orbit
from .linking import Link, link_tracks
from .formats import detect_format, observation_formats
from .iod_lines import format_iod_line, iod_text, parse_iod_line
from .precise import PreciseOrbit, read_cpf, read_sp3
from .reading import ObservationFileError, read_observations
from .records import OBSERVATION_COLUMNS
from .reduction import ObservationGeometry, observation_geometry
from .residuals import residual_statistics, residuals
from .batch import SkippedFile, read_observation_batch
from .quality import fit_problems, orbit_problems
from .simulate import (score_links, simulate_catalog_tracks, simulate_observations,
                       simulate_survey, simulate_tracks, sgp4_truth)
from .stations import Stations, UnknownStationError, load_stations, read_station_list
from .tdm import tdm_text
from .csv_format import csv_text

__all__ = [
    "read_observations", "read_observation_batch", "SkippedFile", "fit_problems",
    "orbit_problems", "ObservationFileError", "OBSERVATION_COLUMNS", "parse_iod_line",
    "format_iod_line", "iod_text", "tdm_text", "csv_text", "observation_formats",
    "detect_format",
    "Stations", "UnknownStationError", "load_stations", "read_station_list",
    "ObservationGeometry", "observation_geometry",
    "identify", "residuals", "residual_statistics",
    "OrbitFit", "fit_orbit", "gauss_orbit", "initial_orbit", "link_tracks", "Link",
    "simulate_observations", "simulate_tracks", "simulate_catalog_tracks", "sgp4_truth",
    "simulate_survey", "score_links",
    "PreciseOrbit", "read_sp3", "read_cpf",
]
