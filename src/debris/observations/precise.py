"""Precise orbits (SP3-c/d and ILRS CPF files): a truth better than any TLE.

Both give Earth-fixed (ITRF) positions at regular epochs; :class:`PreciseOrbit` interpolates
them (Lagrange, 10 points: millimetres at SLR sampling) and turns them to GCRS, for
simulating observations and measuring a fitted orbit's error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..constants import DAY_S

from ..errors import PreciseOrbitError
from ..frames import earth_orientation
from ..io.files import read_text
from ..timescale import Times, to_times

__all__ = ["PreciseOrbit", "read_sp3", "read_cpf"]


class PreciseOrbit:
    """Positions of one object at tabulated epochs, ITRF (km).

    Parameters
    ----------
    times : Times, shape (K,)
    itrs_km : ndarray, shape (K, 3)
    """

    def __init__(self, times: Times, itrs_km: np.ndarray, name: str = ""):
        self.times = times
        self.itrs_km = np.asarray(itrs_km, float)
        self.name = name
        self._seconds = times.seconds_since(times)

    def itrs_at(self, times: Times, points: int = 10) -> np.ndarray:
        """ITRF positions (M, 3) km at `times` (inside the tabulated span)."""
        s = times.seconds_since(self.times)
        k = np.clip(np.searchsorted(self._seconds, s) - points // 2, 0,
                    len(self._seconds) - points)
        idx = k[:, None] + np.arange(points)
        nodes = self._seconds[idx]  # (M, P)
        weights = np.ones_like(nodes)
        for j in range(points):
            others = np.delete(np.arange(points), j)
            weights[:, j] = np.prod((s[:, None] - nodes[:, others])
                                    / (nodes[:, j:j + 1] - nodes[:, others]), axis=1)
        return np.einsum("mp,mpi->mi", weights, self.itrs_km[idx])

    def gcrs_at(self, times: Times):
        """GCRS positions (km) and velocities (km/s, by central differences), shape (M, 3)."""
        times = to_times(times)
        out = []
        for shift in (-0.5, 0.0, 0.5):
            t = times.shift_seconds(shift) if shift else times
            eo = earth_orientation(t)
            out.append(np.einsum("nij,nj->ni", eo.itrs_to_gcrs, self.itrs_at(t)))
        return out[1], out[2] - out[0]

    @property
    def span(self) -> Times:
        return self.times[[0, -1]]


def read_sp3(path) -> PreciseOrbit:
    """Read the first satellite of an SP3-c/d file (positions in km, UTC or GPS time)."""
    text = read_text(Path(path), PreciseOrbitError)
    lines = text.splitlines()
    if not lines or not lines[0].startswith("#"):
        raise PreciseOrbitError(f"{path}: not an SP3 file (first line should start with #)")
    system = "UTC"
    for line in lines:
        if line.startswith("%c"):
            system = line[9:12].strip() or "UTC"
            break
    stamps, positions, current, name = [], [], None, None
    for number, line in enumerate(lines, 1):
        if line.startswith("* "):
            parts = line[2:].split()
            sec = float(parts[5])
            current = (f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}T"
                       f"{int(parts[3]):02d}:{int(parts[4]):02d}:{sec:09.6f}")
        elif line.startswith("P") and current is not None:
            sat = line[1:4]
            if name is None:
                name = sat
            if sat != name:
                continue
            stamps.append(current)
            positions.append([float(v) for v in line[4:46].split()[:3]])
    if not stamps:
        raise PreciseOrbitError(f"{path}: no position records")
    times = to_times(np.array(stamps, dtype="datetime64[ns]"))
    if system == "GPS":
        times = times.shift_seconds(-18.0)
    return PreciseOrbit(times, np.array(positions), name or "")


def read_cpf(path) -> PreciseOrbit:
    """Read an ILRS consolidated prediction format file (record 10 positions, metres, UTC)."""
    text = read_text(Path(path), PreciseOrbitError)
    mjd, sec, positions, name = [], [], [], ""
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0].upper() == "H1" and len(parts) > 9:
            name = parts[9]
        if parts[0] == "10" and len(parts) >= 8:
            mjd.append(float(parts[2]))
            sec.append(float(parts[3]))
            positions.append([float(parts[5]), float(parts[6]), float(parts[7])])
    if not mjd:
        raise PreciseOrbitError(f"{path}: no position records (type 10)")
    jd = np.array(mjd) + 2400000.5
    times = Times.from_jd(jd, np.array(sec) / DAY_S)
    return PreciseOrbit(times, np.array(positions) / 1000.0, name)
