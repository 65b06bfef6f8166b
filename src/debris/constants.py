"""Physical constants and unit conversions, defined once.

SGP4 works in the WGS-72 model (AIAA 2006-6753, Vallado et al. 2006, as python-sgp4's
default ``WGS72``); sites are WGS-84 geodetic points; the Earth-shadow test uses Skyfield's
Earth radius so that debris and Skyfield agree on which objects are sunlit.
"""

from __future__ import annotations

import math

__all__ = [
    "WGS72_MU_KM3_S2", "WGS72_EARTH_RADIUS_KM", "WGS72_J2", "WGS72_J3", "WGS72_J4",
    "WGS72_XKE", "WGS84_A_KM", "WGS84_F", "EARTH_SHADOW_RADIUS_KM",
    "SURFACE_ESCAPE_SPEED_KM_S", "DAY_S", "MINUTES_PER_DAY", "ARCSEC_RAD", "TWO_PI",
]

#: Gravitational parameter of WGS-72 (km^3/s^2).
WGS72_MU_KM3_S2 = 398600.8
#: Equatorial radius of WGS-72 (km): SGP4's distance unit.
WGS72_EARTH_RADIUS_KM = 6378.135
#: Zonal harmonics of WGS-72 as SGP4 uses them.
WGS72_J2 = 0.001082616
WGS72_J3 = -0.00000253881
WGS72_J4 = -0.00000165597
#: sqrt(mu) in Earth radii^1.5 per minute: SGP4's mean-motion unit.
WGS72_XKE = 60.0 / math.sqrt(WGS72_EARTH_RADIUS_KM ** 3 / WGS72_MU_KM3_S2)

#: WGS-84 ellipsoid: equatorial radius (km) and flattening, for geodetic sites.
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563

#: Earth radius of the shadow test (km): Skyfield's ERAD, so sunlit flags agree with it.
EARTH_SHADOW_RADIUS_KM = 6378.1366
#: Escape speed at the Earth's surface, rounded up (km/s): no Earth orbit moves faster.
SURFACE_ESCAPE_SPEED_KM_S = 11.2

DAY_S = 86400.0
MINUTES_PER_DAY = 1440.0
ARCSEC_RAD = math.pi / (180.0 * 3600.0)
TWO_PI = 2.0 * math.pi
