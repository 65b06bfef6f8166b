"""Readers and writers at the edge: the only place debris turns numbers into text.

``files`` (atomic writes, TOML, small CSV inputs), ``tables`` (a Table as CSV, JSON or aligned
text, times as ISO-8601) and ``ccsds`` (CDM read and written, OEM written). Catalogue formats
(TLE, OMM) are read by :mod:`debris.tle`, :mod:`debris.omm` and :mod:`debris.catalog`.
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
