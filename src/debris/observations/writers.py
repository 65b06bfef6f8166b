"""Writing observation tables: IOD lines (TDM: :func:`debris.observations.tdm.tdm_text`)."""

from __future__ import annotations

import numpy as np

from ..io.tables import iso_text
from .iod import format_iod_line

__all__ = ["iod_text"]


def iod_text(observations) -> str:
    """IOD lines (angle format 2, J2000) of the rows with RA/Dec, one per line."""
    iso = iso_text(observations["time"])
    lines = []
    for i in np.flatnonzero(np.isfinite(observations["ra_deg"])):
        sigma = observations["sigma_arcsec"][i]
        tsig = observations["time_sigma_s"][i]
        mag = observations["magnitude"][i]
        lines.append(format_iod_line(
            norad_id=max(int(observations["norad_id"][i]), 0),
            intl_designator=str(observations["intl_designator"][i]),
            station=str(observations["station"][i])[:4],
            time_iso=iso[i].rstrip("Z"), ra_deg=float(observations["ra_deg"][i]),
            dec_deg=float(observations["dec_deg"][i]),
            sigma_arcsec=float(sigma) if np.isfinite(sigma) else None,
            time_sigma_s=float(tsig) if np.isfinite(tsig) else None,
            magnitude=float(mag) if np.isfinite(mag) else None,
            sky=str(observations["sky"][i]) or "E"))
    return "\n".join(lines) + ("\n" if lines else "")
