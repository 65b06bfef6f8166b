"""Observation files and stations for ``identify``, ``residuals``, ``fit`` and ``iod``.

Every observation command reads its files as a batch (:mod:`debris.observations.batch`): a file
that cannot be used is named with every reason and left out, the others go on, and the exit
status is :data:`EXIT_SKIPPED` instead of 0 when anything was left out. Observations from
stations that no station list knows stop the run (exit 2, every unknown station named at
once) unless ``--skip-unknown-stations`` leaves those files out too.
"""

from __future__ import annotations

from ..errors import DebrisError, ObservationFileError
from ..observations import load_stations, observation_formats
from ..observations.batch import read_observation_batch
from .common import EXIT_SKIPPED, note, note_items

__all__ = ["add_observation_inputs", "load_observations", "exit_status"]


def add_observation_inputs(p) -> None:
    """The options every observation command shares."""
    p.add_argument("observations", nargs="+", help="observation files (IOD, UK, R.D.E., "
                   "CCSDS TDM, CSV)")
    p.add_argument("--catalog", nargs="+", metavar="FILE", help="TLE/OMM files (default: the "
                   "bundled catalogue)")
    p.add_argument("--stations", action="append", metavar="FILE", help="station list (NNNN XX "
                   "lat lon elev_m name, as sattools' sites.txt); repeatable")
    p.add_argument("--sites-file", help="TOML file with [sites.NAME] tables (station = "
                   "\"NNNN\" names a COSPAR station)")
    p.add_argument("--skip-unknown-stations", action="store_true",
                   help="leave out files with observations from stations no list knows "
                        f"(named on stderr; exit status {EXIT_SKIPPED}) instead of stopping")
    formats = observation_formats(readable=True)
    p.add_argument("--obs-format", default="auto", choices=["auto", *formats],
                   help="the observation files' format (default: recognised from each file: "
                        + "; ".join(f"{name}: {spec.description}" for name, spec in
                                    formats.items()) + ")")
    p.add_argument("--strict", action="store_true",
                   help="validate every field of every line and reject lines with any bad "
                        "field (for checking your own files); by default only the essential "
                        "fields (object, station, time, angle format and epoch, angles) "
                        "decide and other bad fields are read as missing, summarised per file")


def load_observations(args):
    """(observations, stations, skipped files) of the command's files; notes on stderr.

    Raises
    ------
    DebrisError
        When no file can be used (a single file's own reason), or with unknown stations
        and no ``--skip-unknown-stations``.
    """
    stations = load_stations(args.stations or (), args.sites_file)
    table, skipped = read_observation_batch(
        args.observations, stations, skip_unknown_stations=args.skip_unknown_stations,
        strict=args.strict, format=args.obs_format)
    rejected, dropped = table.meta.get("rejected", []), table.meta.get("dropped_fields", [])
    for item in table.meta.get("tolerated", []):
        note(f"read as missing: {item}")
    note_items(rejected, f"{len(rejected)} observation line(s) rejected:")
    for item in dropped[:10]:
        note(item)
    if len(dropped) > 10:
        note(f"... and {len(dropped) - 10} more fields left out")
    if len(table) == 0:
        if len(skipped) == 1:
            raise ObservationFileError(str(skipped[0]))
        for item in skipped:
            note(f"cannot use {item}")
        raise DebrisError(f"no usable observations: none of the {len(skipped)} files could be "
                          "used (reasons above)")
    for item in skipped:
        note(f"skipped {item}")
    if skipped:
        note(f"{len(skipped)} of {len(args.observations)} files skipped; the others were used "
             f"(exit status {EXIT_SKIPPED})")
    return table, stations, skipped


def exit_status(skipped) -> int:
    """0, or :data:`EXIT_SKIPPED` when files were left out."""
    return EXIT_SKIPPED if skipped else 0
