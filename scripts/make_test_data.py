"""Regenerate the small fixture files under tests/data from the team's shared data folder.

Run from the repository root with ``../shared/data`` beside it::

    python scripts/make_test_data.py

What it writes (all real element sets, cut down so the tests stay small):

* ``spacetrack_quirks.3le``  - objects from Space-Track's 2024-07-05 full catalogue that
  show its quirks verbatim (CRLF line ends, ``0 `` name prefix, Alpha-5 numbers such as
  T0000, blank-padded numbers such as ``  350``), plus the JWST elements of 2022-01-25 that
  fail SGP4 initialisation (error 3). Space-Track data: for testing only.
* ``spacetrack_2line.tle``   - the first 40 objects of the 2024-09-17 2-line catalogue.
* ``celestrak_sample.omm.csv`` / ``.json`` / ``.xml`` - the same 25 objects of CelesTrak's
  2024-11-01 on-orbit catalogue as OMM CSV (verbatim rows), JSON and XML (CelesTrak's layouts).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from xml.sax.saxutils import escape

SHARED = Path("../shared/data/tle/catalog")
OUT = Path("tests/data")


def three_line_records(path):
    lines = path.read_bytes().decode().split("\r\n")
    return [lines[i:i + 3] for i in range(0, len(lines) - 2, 3) if lines[i].startswith("0 ")]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    records = three_line_records(SHARED / "spacetrack_full_2024-07-05.3le")
    chosen = records[:8]
    chosen += [r for r in records if r[1][2:7].strip() in ("350", "1512")][:2]
    chosen += [r for r in records if r[1][2].isalpha()][:3]
    jwst = [r for r in three_line_records(SHARED / "spacetrack_full_2022-01-25.3le")
            if r[0] == "0 JWST"]
    chosen += jwst
    (OUT / "spacetrack_quirks.3le").write_bytes(
        ("\r\n".join(line for rec in chosen for line in rec) + "\r\n").encode())

    lines = (SHARED / "spacetrack_full_2024-09-17.tle").read_text().splitlines()
    (OUT / "spacetrack_2line.tle").write_text("\n".join(lines[:80]) + "\n")

    with open(SHARED / "celestrak_on_orbit_2024-11-01.omm.csv", newline="") as handle:
        raw = handle.read().split("\r\n")
    header, rows = raw[0], raw[1:]
    picked = rows[:10] + rows[10000:10010] + rows[25000:25005]
    (OUT / "celestrak_sample.omm.csv").write_bytes(("\r\n".join([header] + picked) + "\r\n")
                                                   .encode())
    dict_rows = list(csv.DictReader([header] + picked))
    numeric = {"MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
               "ARG_OF_PERICENTER", "MEAN_ANOMALY", "BSTAR", "MEAN_MOTION_DOT",
               "MEAN_MOTION_DDOT"}
    integer = {"EPHEMERIS_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH"}
    as_json = []
    for row in dict_rows:
        item = {}
        for key, value in row.items():
            item[key] = float(value) if key in numeric else int(value) if key in integer else value
        as_json.append(item)
    (OUT / "celestrak_sample.omm.json").write_text(json.dumps(as_json, indent=1) + "\n")

    segments = []
    for row in dict_rows:
        segments.append(f"""<segment><metadata><OBJECT_NAME>{escape(row['OBJECT_NAME'])}</OBJECT_NAME><OBJECT_ID>{row['OBJECT_ID']}</OBJECT_ID><CENTER_NAME>EARTH</CENTER_NAME><REF_FRAME>TEME</REF_FRAME><TIME_SYSTEM>UTC</TIME_SYSTEM><MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY></metadata><data><meanElements><EPOCH>{row['EPOCH']}</EPOCH><MEAN_MOTION>{row['MEAN_MOTION']}</MEAN_MOTION><ECCENTRICITY>{row['ECCENTRICITY']}</ECCENTRICITY><INCLINATION>{row['INCLINATION']}</INCLINATION><RA_OF_ASC_NODE>{row['RA_OF_ASC_NODE']}</RA_OF_ASC_NODE><ARG_OF_PERICENTER>{row['ARG_OF_PERICENTER']}</ARG_OF_PERICENTER><MEAN_ANOMALY>{row['MEAN_ANOMALY']}</MEAN_ANOMALY></meanElements><tleParameters><EPHEMERIS_TYPE>{row['EPHEMERIS_TYPE']}</EPHEMERIS_TYPE><CLASSIFICATION_TYPE>{row['CLASSIFICATION_TYPE']}</CLASSIFICATION_TYPE><NORAD_CAT_ID>{row['NORAD_CAT_ID']}</NORAD_CAT_ID><ELEMENT_SET_NO>{row['ELEMENT_SET_NO']}</ELEMENT_SET_NO><REV_AT_EPOCH>{row['REV_AT_EPOCH']}</REV_AT_EPOCH><BSTAR>{row['BSTAR']}</BSTAR><MEAN_MOTION_DOT>{row['MEAN_MOTION_DOT']}</MEAN_MOTION_DOT><MEAN_MOTION_DDOT>{row['MEAN_MOTION_DDOT']}</MEAN_MOTION_DDOT></tleParameters></data></segment>""")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ndm xmlns:xsi="http://www.w3.org/2001/'
           'XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml_'
           'unqualified/ndmxml-2.0.0-master-2.0.xsd">'
           + "".join(f'<omm id="CCSDS_OMM_VERS" version="2.0"><header><CREATION_DATE/>'
                     f'<ORIGINATOR/></header><body>{s}</body></omm>' for s in segments)
           + "</ndm>\n")
    (OUT / "celestrak_sample.omm.xml").write_text(xml)


if __name__ == "__main__":
    main()
