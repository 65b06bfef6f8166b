"""Conjunctions: screening of the catalogue, collision probability, CDMs, observability.

``screening`` (:func:`screen`), ``broadphase`` (+ ``broadphase_numba``, ``broadphase_cells``),
``narrowphase``, ``assessment`` (RIC, covariance model, hard-body radii, Pc per
conjunction), ``pc`` (Foster, Chan, Alfano's maximum; one encounter-plane code), ``cdm``
(CDMs of conjunctions, Pc of a CDM) and ``observability`` (whether a conjunction can be
watched from a site).
"""

from .assessment import (CONJUNCTION_COLUMNS, DEFAULT_HBR_M, DEFAULT_SIGMA_RIC_KM,
                         SIGMA_GROWTH_RIC_KM_PER_DAY, default_covariance_rtn, hard_body_radius_m)
from .broadphase import A_MAX_KM_S2
from .checkpoint import remove_checkpoint
from .cdm import cdm_pc, conjunction_cdms, gcrf_states
from .observability import OBSERVABILITY_COLUMNS, observability
from .pc import (PcMethod, chan_pc, conjunction_pc, encounter_plane, foster_pc, max_pc,
                 pc_method, pc_methods, register_pc_method, ric_to_inertial)
from .screening import DEFAULT_SCREEN_STEP_S, screen

__all__ = [
    "screen", "remove_checkpoint", "observability", "conjunction_cdms", "cdm_pc", "gcrf_states",
    "foster_pc", "chan_pc", "max_pc", "encounter_plane", "conjunction_pc", "ric_to_inertial",
    "PcMethod", "register_pc_method", "pc_methods", "pc_method",
    "default_covariance_rtn", "hard_body_radius_m", "CONJUNCTION_COLUMNS",
    "OBSERVABILITY_COLUMNS", "DEFAULT_SCREEN_STEP_S", "DEFAULT_SIGMA_RIC_KM",
    "SIGMA_GROWTH_RIC_KM_PER_DAY", "DEFAULT_HBR_M", "A_MAX_KM_S2",
]
