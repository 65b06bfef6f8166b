"""Files, result tables and CCSDS messages at the edge, and the times in them as text.

``files`` (atomic writes, TOML, small CSV inputs), ``tables`` (a Table as CSV, JSON or aligned
text; times as ISO-8601, made here and nowhere else) and ``ccsds`` (CDM read and written, OEM
written). Data formats have their own homes and registries: catalogue formats (TLE, OMM
CSV/JSON/XML/KVN) are read and written by :mod:`debris.tle` and :mod:`debris.omm` and listed
in :mod:`debris.catalog_formats`; observation formats (IOD, UK, R.D.E., CSV, TDM) live in
:mod:`debris.observations`, listed in :mod:`debris.observations.formats`.
"""

from .ccsds import (COVARIANCE_KEYS, OBLIGATORY_HEADER, OBLIGATORY_OBJECT, OBLIGATORY_RELATIVE,
                    Cdm, cdm_file_stem, conjunction_cdm, oem_kvn, parse_cdm, read_cdm)
from .files import (atomic_folder, atomic_write, read_csv_rows, read_toml, staged_outputs,
                    write_text)
from .tables import (iso_text, iter_table_json, jsonable, meta_block, nested_records,
                     table_to_csv, table_to_json, table_to_text, utc_now_iso)

__all__ = [
    "atomic_write", "atomic_folder", "staged_outputs", "write_text", "read_toml", "read_csv_rows",
    "iso_text", "iter_table_json", "jsonable", "meta_block", "nested_records", "table_to_csv",
    "table_to_json", "table_to_text", "utc_now_iso",
    "Cdm", "parse_cdm", "read_cdm", "conjunction_cdm", "cdm_file_stem", "oem_kvn",
    "COVARIANCE_KEYS", "OBLIGATORY_HEADER", "OBLIGATORY_OBJECT", "OBLIGATORY_RELATIVE",
]
