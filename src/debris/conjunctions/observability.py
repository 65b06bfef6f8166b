"""Whether conjunctions can be watched from observing sites.

At TCA and at `step_s` samples over +-`window_minutes`: the elevation of both objects, whether
both are sunlit and whether the site's Sun is at or below the twilight limit. A conjunction is
observable at a moment when both objects are above `min_elevation_deg`, both sunlit and the
sky dark. The states at TCA are the screening's own; the other samples are propagated once
for all sites.
"""

from __future__ import annotations

import numpy as np

from ..constants import DAY_S
from ..frames import earth_orientation, elevation_deg, enu_basis, teme_to_itrs
from ..propagation import propagate_at
from ..sun import is_sunlit, sun_altitude_deg, sun_position_gcrs_km
from ..table import Table
from ..timescale import Times

__all__ = ["observability", "OBSERVABILITY_COLUMNS"]

OBSERVABILITY_COLUMNS = (
    "elevation_deg_1", "elevation_deg_2", "sunlit_1", "sunlit_2", "sky_dark",
    "observable_at_tca", "observable_within_window", "first_observable_utc",
    "last_observable_utc",
)


def observability(catalog, table: Table, sites, *, window_minutes: float = 5.0,
                  step_s: float = 30.0, min_elevation_deg: float = 10.0,
                  sun_altitude_deg_limit: float = -12.0, backend="auto") -> dict:
    """Whether each conjunction of a :func:`screen` table can be watched from each site.

    Returns
    -------
    dict of site name -> Table
        Each row-aligned with `table`, columns :data:`OBSERVABILITY_COLUMNS`: both objects'
        elevations (deg), sunlit flags and the dark-sky flag at TCA, whether the
        conjunction is observable at TCA and within the window, and the first and last
        observable sample (Times, NaN when never).
    """
    m = len(table)
    offsets = np.arange(-window_minutes * 60.0, window_minutes * 60.0 + 1e-9, step_s)
    k = len(offsets)
    mid = int(np.argmin(np.abs(offsets)))
    tca = table["tca_utc"]
    flat = Times(np.repeat(tca.jd, k), np.repeat(tca.fr, k) + np.tile(offsets, m) / DAY_S)
    eo = earth_orientation(flat) if m else None
    sun = sun_position_gcrs_km(flat) if m else None
    states = [_states(catalog, table, side, flat, offsets, mid, backend) for side in (1, 2)]
    lit = [is_sunlit(np.einsum("tij,tj->ti", eo.teme_to_gcrs, r), sun).reshape(m, k)
           if m else np.zeros((0, k), bool) for r, _ in states]
    out = {}
    for site in sites:
        basis = enu_basis(site.latitude_deg, site.longitude_deg)
        dark = (sun_altitude_deg(flat, site, eo) <= sun_altitude_deg_limit).reshape(m, k) \
            if m else np.zeros((0, k), bool)
        el = []
        for r, v in states:
            r_itrs = teme_to_itrs(r[None], v[None], eo)[0][0] if m else np.empty((0, 3))
            el.append(elevation_deg((r_itrs - site.itrs_km) @ basis.T).reshape(m, k))
        ok = ((el[0] >= min_elevation_deg) & (el[1] >= min_elevation_deg) & lit[0] & lit[1]
              & dark)
        seen = ok.any(axis=1)
        first = np.where(seen, np.argmax(ok, axis=1), 0)
        last = np.where(seen, k - 1 - np.argmax(ok[:, ::-1], axis=1), 0)
        sample = np.arange(m) * k
        when = np.where(seen, 0.0, np.nan)
        out[site.name] = Table({
            "elevation_deg_1": el[0][:, mid], "elevation_deg_2": el[1][:, mid],
            "sunlit_1": lit[0][:, mid], "sunlit_2": lit[1][:, mid], "sky_dark": dark[:, mid],
            "observable_at_tca": ok[:, mid], "observable_within_window": seen,
            "first_observable_utc": flat[sample + first].shift_seconds(when),
            "last_observable_utc": flat[sample + last].shift_seconds(when),
        })
    return out


def _states(catalog, table, side, flat, offsets, mid, backend):
    """TEME states (m * k, 3) of one side of every conjunction at the samples: the
    screening's exact states at TCA, SGP4 at the other offsets."""
    k = len(offsets)
    rows = np.repeat(table.extra[f"row_{side}"], k)
    at_tca = np.zeros(len(rows), bool)
    if offsets[mid] == 0.0:
        at_tca[mid::k] = True
    r = np.empty((len(rows), 3))
    v = np.empty((len(rows), 3))
    r[at_tca] = table.extra[f"r{side}_teme_km"]
    v[at_tca] = table.extra[f"v{side}_teme_km_s"]
    rest = np.flatnonzero(~at_tca)
    r[rest], v[rest], _ = propagate_at(catalog, rows[rest], flat[rest], backend=backend)
    return r, v
