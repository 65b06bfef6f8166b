"""The nightly run with an observations folder: new files identified, fitted, reported."""

import json
from pathlib import Path

import numpy as np

from debris import Catalog, get_site
from debris.archive import Archive
from debris.io.tables import iso_text
from debris.nightly import run_nightly
from debris.observations import simulate_catalog_tracks
from debris.observations.elements import satrec_from_x, x_from_satrec
from debris.table import Table

from test_nightly import _config

REAL_IOD = Path("tests/data/observations/real_iod")


def _csv(table) -> str:
    iso = iso_text(table["time"])
    rows = ["time_utc,station,ra_deg,dec_deg,sigma_arcsec,norad_id"]
    for i in range(len(table)):
        number = table["norad_id"][i]
        rows.append(f"{iso[i]},sanglokh,{table['ra_deg'][i]:.7f},{table['dec_deg'][i]:.7f},"
                    f"{table['sigma_arcsec'][i]:g},{number if number >= 0 else ''}")
    return "\n".join(rows) + "\n"


def test_nightly_reads_new_observations_and_fits_them(tmp_path, leo_sample):
    elements = tmp_path / "sample.3le"
    from sgp4.exporter import export_tle

    elements.write_text("".join(f"{n}\n{export_tle(s)[0]}\n{export_tle(s)[1]}\n"
                                for n, s in zip(leo_sample.name, leo_sample.satrecs)))
    site = get_site("sanglokh")
    known = simulate_catalog_tracks(leo_sample, np.arange(60), site, "sanglokh",
                                    "2024-11-01T12:00:00Z", 14, track_s=60, noise_arcsec=3,
                                    rng=4)
    seen = list(dict.fromkeys(known["norad_id"].tolist()))
    first_two = seen[:2]
    known = known.take(np.flatnonzero(np.isin(known["norad_id"], first_two)))
    for number in seen[2:]:  # a visible object turned by 2 deg of node: not in the catalogue
        s = leo_sample.satrecs[leo_sample.index_of(number)]
        x = x_from_satrec(s)
        x[4] += np.radians(2.0)
        stranger = Catalog.from_satrecs([satrec_from_x(x, s.jdsatepoch, s.jdsatepochF, 99001)],
                                        norad_ids=[99001])
        unknown = simulate_catalog_tracks(stranger, [0], site, "sanglokh",
                                          "2024-11-01T12:00:00Z", 14, track_s=60,
                                          noise_arcsec=3, rng=5)
        if len(unknown):
            break
    assert len(known) == 14 and len(unknown) == 7
    unknown.columns["norad_id"] = np.full(len(unknown), -1)
    folder = tmp_path / "obs"
    folder.mkdir()
    (folder / "night1.csv").write_text(_csv(Table.concat([known, unknown])))
    (folder / "broken.csv").write_bytes(b"\x00\x01binary")
    archive = tmp_path / "archive.sqlite"
    config = _config(tmp_path, elements, extra=f'''
[observations]
folder = "{folder}"
min_observations = 5
''').read_text().replace('[nightly]', f'[nightly]\narchive = "{archive}"')
    (tmp_path / "nightly.toml").write_text(config)
    night = run_nightly(tmp_path / "nightly.toml", night="2024-11-01", offline=True)
    log = (night / "nightly.log").read_text()
    assert "broken.csv quarantined" in log and "21 in 3 tracks" in log
    assert "binary data" in log
    ident = json.loads((night / "observations.json").read_text())
    assert sorted(t["norad_id"] for t in ident["tracks"]) == sorted([-1, *first_two])
    fitted = (night / "fitted_elements.tle").read_text().splitlines()
    assert len(fitted) == 6 and {int(fitted[1][2:7]), int(fitted[4][2:7])} == set(first_two)
    assert (night / "initial_orbits.tle").read_text().count("\n") == 3
    with Archive(archive) as store:
        assert "observatory" in {f["source"] for f in store.fetches()}
    report = (night / "report.html").read_text()
    assert "Our observations (21 in 3 tracks, 2 identified)" in report
    assert "Passes tonight from the fitted elements" in report
    summary = json.loads((night / "run.json").read_text())
    assert any(key.startswith("night1.csv|") for key in summary["observation_files"])
    # The next night reads only what is new.
    (folder / "night2.csv").write_text(_csv(known.take(np.arange(7))))
    second = run_nightly(tmp_path / "nightly.toml", night="2024-11-02", offline=True)
    log = (second / "nightly.log").read_text()
    assert "7 in 1 tracks from 1 file(s)" in log


def test_an_unknown_station_file_is_quarantined_and_blocks_no_night(tmp_path, leo_sample):
    """Issue 22, case 2: a real IOD file from a station in no list (4171) sits in the folder;
    three nights in a row still give passes, screening and a report, and the file is
    listed as quarantined (log, report, run.json) on the night it arrived; once the observer
    adds the station to a list, the next night reads it."""
    elements = tmp_path / "sample.3le"
    from sgp4.exporter import export_tle

    elements.write_text("".join(f"{n}\n{export_tle(s)[0]}\n{export_tle(s)[1]}\n"
                                for n, s in zip(leo_sample.name, leo_sample.satrecs)))
    folder = tmp_path / "obs"
    folder.mkdir()
    real = REAL_IOD / "23908_20200316.txt"
    (folder / "station4171.txt").write_text(open(real).read())
    config = _config(tmp_path, elements, extra=f'''
[observations]
folder = "{folder}"
''')
    for k, night in enumerate(["2024-11-01", "2024-11-02", "2024-11-03"]):
        if k == 2:  # the observer adds the station: the quarantined file is read again
            sites = tmp_path / "sites.txt"
            sites.write_text((REAL_IOD / "sat_tracking_observatories.txt").read_text())
            config.write_text(config.read_text().replace(
                f'folder = "{folder}"', f'folder = "{folder}"\nstations = ["{sites}"]'))
        out = run_nightly(config, night=night, offline=True)
        for name in ("passes.json", "passes_sanglokh.csv", "conjunctions.csv",
                     "schedule_dushanbe.json", "report.html", "run.json"):
            assert (out / name).is_file(), (night, name)
        log = (out / "nightly.log").read_text()
        summary = json.loads((out / "run.json").read_text())
        report = (out / "report.html").read_text()
        assert any(key.startswith("station4171.txt|") for key in summary["observation_files"])
        if k == 0:
            assert "station4171.txt quarantined" in log
            assert "unknown station '4171' (15 observations, first at " in log
            assert summary["observation_files_quarantined"][0]["file"] == "station4171.txt"
            assert "Quarantined files (1)" in report and "unknown station &#x27;4171&#x27;" \
                in report
        elif k == 1:  # handled: not read again, nothing blocks the night
            assert "quarantined" not in log and "no new files" in log
        else:  # read again with the station known: used, no longer quarantined
            assert "quarantined" not in log and "15 in " in log
            assert summary["observation_files_quarantined"] == []
            assert "station4171.txt|" in " ".join(summary["observation_files"])
