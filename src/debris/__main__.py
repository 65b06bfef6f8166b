"""``python -m debris``: versions, propagation backend and data coverage (a diagnostic)."""

from __future__ import annotations

import importlib
import platform
import sys

import numpy
import sgp4
import skyfield

from . import __version__
from .catalog import Catalog, bundled_catalog_path
from .catalog_formats import catalog_formats
from .conjunctions.pc import pc_methods
from .io.tables import iso_text
from .observations.formats import observation_formats
from .propagation import available_backends, get_backend
from .sun import ephemeris
from .timescale import Times, skyfield_data_file, skyfield_timescale


def report() -> str:
    """Return the diagnostic text."""
    lines = [f"debris {__version__} (Python {platform.python_version()}, {sys.platform})",
             f"numpy {numpy.__version__}, sgp4 {sgp4.__version__} "
             f"(accelerated: {sgp4.api.accelerated}), skyfield {skyfield.__version__}"]
    for name in ("numba", "heyoka"):
        try:
            module = importlib.import_module(name)  # optional: may be absent
            lines.append(f"{name} {module.__version__}")
        except ImportError:
            extra = "pip install numba" if name == "numba" else "pip install 'debris[fast]'"
            lines.append(f"{name} not installed ({extra})")
    lines.append(f"propagation backends: {', '.join(available_backends())}; "
                 f"auto selects: {get_backend('auto').name}")
    lines.append("Pc methods: " + ", ".join(f"{m.name} ({m.ccsds_label})"
                                            for m in pc_methods().values()))
    for kind, formats in (("catalogue", catalog_formats()),
                          ("observation", observation_formats())):
        lines.append(f"{kind} formats: " + ", ".join(
            name + ("" if spec.write and spec.read else " (read only)" if spec.read
                    else " (written only)") for name, spec in formats.items()))
    ts = skyfield_timescale()
    lines.append(f"leap seconds: Skyfield's built-in table, {len(ts.leap_offsets)} entries, "
                 f"TAI-UTC now {int(ts.leap_offsets[-1])} s")
    finals = skyfield_data_file("finals2000A.all")
    last_obs = last_pred = None
    with open(finals) as handle:
        for line in handle:
            if len(line) > 68 and line[57] in "IP":
                mjd = float(line[7:15])
                if line[57] == "I":
                    last_obs = mjd
                last_pred = mjd
    def jd_iso(value):
        return iso_text(Times.from_jd(value))[0][:10] if value else "?"

    lines.append(f"IERS UT1-UTC / polar motion (skyfield-data finals2000A.all): observed to "
                 f"{jd_iso(last_obs + 2400000.5)}, predicted to {jd_iso(last_pred + 2400000.5)}")
    eph = ephemeris()
    segment = eph.spk.segments[0]
    lines.append(f"Sun ephemeris: DE421 from skyfield-data, "
                 f"{jd_iso(segment.start_jd)} .. {jd_iso(segment.end_jd)}")
    path = bundled_catalog_path()
    info = Catalog.from_file(path).info()
    lines.append(f"bundled catalogue: {path.name}: {info['objects']} objects "
                 f"({info['leo_objects']} LEO), epochs {iso_text(info['epoch_min_utc'])[0]} .. "
                 f"{iso_text(info['epoch_max_utc'])[0]}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
