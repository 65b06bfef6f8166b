"""``debris ephemeris``: state vectors of one object (CSV or CCSDS OEM)."""

from __future__ import annotations

from ..constants import DAY_S
from ..errors import DebrisError
from ..frames import earth_orientation, teme_to_itrs
from ..io.ccsds import oem_kvn
from ..io.files import write_text
from ..io.tables import iso_text
from ..propagation import propagate
from ..timescale import time_range
from .common import (COUNT, POSITIVE, add_backend, add_files, load_catalog, note, ranged,
                     stale_note)

__all__ = ["add_parsers"]


def add_parsers(sub) -> None:
    p = sub.add_parser("ephemeris", help="state vectors of one object (CSV or CCSDS OEM)")
    add_files(p)
    p.add_argument("--norad", type=COUNT, required=True, help="NORAD catalogue number")
    p.add_argument("--start", required=True, help="ISO-8601 UTC start")
    p.add_argument("--end", help="ISO-8601 UTC end")
    p.add_argument("--hours", type=POSITIVE, help="span in hours instead of --end (> 0)")
    p.add_argument("--step-s", type=ranged(0.001, DAY_S, unit="s"), default=60.0,
                   help="step, 0.001..86400 s (default 60)")
    p.add_argument("--frame", choices=["teme", "itrs"], default="teme")
    p.add_argument("--polar-motion", action="store_true", help="apply IERS polar motion (ITRS)")
    p.add_argument("--format", choices=["csv", "oem"], default="csv")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    add_backend(p)
    p.set_defaults(func=cmd_ephemeris)


def cmd_ephemeris(args) -> int:
    catalog = load_catalog(args.files)
    obj = catalog.subset([catalog.index_of(args.norad)])
    if args.end is None and args.hours is None:
        raise DebrisError("ephemeris needs --end or --hours")
    times = time_range(args.start, args.end, step_s=args.step_s, hours=args.hours)
    if len(times) > 10_000_000:
        raise DebrisError(f"{len(times)} epochs requested; use a larger --step-s")
    stale_note(obj, times[0:1], times[len(times) - 1:])
    states = propagate(obj, times, backend=args.backend)
    r, v = states.r_teme_km[0], states.v_teme_km_s[0]
    frame = "TEME"
    if args.frame == "itrs":
        r, v = teme_to_itrs(r, v, earth_orientation(times, polar_motion=args.polar_motion))
        frame = "ITRF"
    errors = states.error[0]
    if errors.any():
        note(f"NORAD {args.norad}: SGP4 error at {int((errors != 0).sum())} of {len(times)} "
             f"epochs (first code {int(errors[errors != 0][0])}); those rows are NaN / omitted")
    if args.format == "oem":
        text = oem_kvn(times, r, v, object_name=str(obj.name[0]),
                       object_id=str(obj.intl_designator[0]), ref_frame=frame,
                       comments=[f"SGP4 (python-sgp4 compatible) from elements of epoch "
                                 f"{iso_text(obj.epoch)[0]}"])
    else:
        suffix = "teme" if frame == "TEME" else "itrs"
        head = ("time_utc,x_{0}_km,y_{0}_km,z_{0}_km,vx_{0}_km_s,vy_{0}_km_s,vz_{0}_km_s,"
                "sgp4_error").format(suffix)
        rows = [head]
        for t, rr, vv, e in zip(iso_text(times), r, v, errors):
            if e:
                rows.append(f"{t},,,,,,,{int(e)}")
            else:
                rows.append(f"{t},{rr[0]:.6f},{rr[1]:.6f},{rr[2]:.6f},"
                            f"{vv[0]:.9f},{vv[1]:.9f},{vv[2]:.9f},0")
        text = "\n".join(rows) + "\n"
    write_text(text, args.output)
    return 0
