"""``debris convert``: element sets or observations from one format into another.

The formats are the registries' (:mod:`debris.catalog_formats`,
:mod:`debris.observations.formats`): every format with a writer is a ``--to`` choice, and
the input's format is recognised from each file as everywhere else. A catalogue format
reads the files as element sets; an observation format reads them as observations (with
the stations that observation files need).
"""

from __future__ import annotations

from ..catalog_formats import catalog_formats
from ..errors import DebrisError
from ..io.files import write_text
from ..observations import observation_formats
from .common import load_catalog, note
from .observation_input import exit_status, load_observations

__all__ = ["add_parsers", "cmd_convert", "conversions"]


def conversions() -> dict:
    """{name: ("elements" | "observations", writer)} of every format debris can write."""
    out = {name: ("elements", spec.write) for name, spec in catalog_formats().items()
           if spec.write}
    for name, spec in observation_formats().items():
        if spec.write and name not in out:
            out[name] = ("observations", spec.write)
    return out


def add_parsers(sub) -> None:
    targets = conversions()
    p = sub.add_parser("convert", help="element sets or observations into another format "
                       "(TLE, OMM CSV/JSON/XML/KVN; IOD, CSV, CCSDS TDM)")
    p.add_argument("files", nargs="+", metavar="FILE", help="element-set or observation files "
                   "(their format is recognised from each file)")
    p.add_argument("--to", required=True, choices=list(targets),
                   help="the format to write: element sets "
                        f"({', '.join(n for n, (kind, _) in targets.items() if kind == 'elements')}"
                        ") or observations ("
                        f"{', '.join(n for n, (k, _) in targets.items() if k == 'observations')})")
    p.add_argument("--output", help="output file (written atomically); default stdout")
    p.add_argument("--stations", action="append", metavar="FILE", help="station list for "
                   "observations (NNNN XX lat lon elev_m name); repeatable")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables naming stations")
    p.add_argument("--skip-unknown-stations", action="store_true",
                   help="leave out observation files from stations no list knows")
    p.set_defaults(func=cmd_convert)


def cmd_convert(args) -> int:
    kind, write = conversions()[args.to]
    skipped = []
    if kind == "elements":
        data = load_catalog(args.files)
        what = f"{len(data)} element sets"
    else:
        args.observations, args.obs_format, args.strict = args.files, "auto", False
        data, _, skipped = load_observations(args)
        what = f"{len(data)} observations"
    text = write(data)
    if not text.strip():
        raise DebrisError(f"nothing to write as {args.to}: {what} read, none it can hold "
                          "(TDM, IOD and CSV hold RA/Dec observations)")
    write_text(text, args.output)
    note(f"{what} written as {args.to}" + (f" to {args.output}" if args.output else ""))
    return exit_status(skipped)
