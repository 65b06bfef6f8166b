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


def test_nightly_links_uncorrelated_tracks_across_nights(tmp_path, leo_sample, bundled):
    """Issue 27: objects in no catalogue (sun-synchronous objects of the bundled catalogue
    left out of the night's), observed on three nights, every track with its own number;
    each night's file arrives before the next night's run. The archive keeps the
    uncorrelated observations, so the third run links tonight's tracks with those of the
    two nights before: linked objects over 2-3 nights in ``linked_orbits.tle`` (each
    pure: the lines of one object) and their passes tonight in ``passes_linked.csv``."""
    from sgp4.exporter import export_tle

    from debris.observations.simulate import simulate_survey

    elements = tmp_path / "sample.3le"
    elements.write_text("".join(f"{n}\n{export_tle(s)[0]}\n{export_tle(s)[1]}\n"
                                for n, s in zip(leo_sample.name, leo_sample.satrecs)))
    sats = bundled.satrecs
    mm = np.array([s.no_kozai * 1440 / (2 * np.pi) for s in sats])
    inc = np.degrees([s.inclo for s in sats])
    shell = np.flatnonzero((mm > 14.0) & (mm < 15.2) & (inc > 97) & (inc < 99.5)
                           & ~np.isin(bundled.norad_id, leo_sample.norad_id))
    rows = np.random.default_rng(4).choice(shell, 40, replace=False)
    obs, truth = simulate_survey(bundled, rows, get_site("sanglokh"), "sanglokh",
                                 "2024-11-01T12:00:00Z", 3, night_hours=14, rng=5)
    folder = tmp_path / "obs"
    folder.mkdir()
    archive = tmp_path / "archive.sqlite"
    config = _config(tmp_path, elements, extra=f'''
[observations]
folder = "{folder}"
''').read_text().replace('[nightly]', f'[nightly]\narchive = "{archive}"')
    (tmp_path / "nightly.toml").write_text(config)
    seconds = obs["time"].seconds_since(obs["time"][:1])  # the first track at ~13h UTC
    parts = {}
    for night in range(3):
        part = np.flatnonzero((seconds >= night * 86400.0 - 3600.0)
                              & (seconds < (night + 1) * 86400.0 - 3600.0))
        (folder / f"night{night + 1}.csv").write_text(_csv(obs.take(part)))
        parts[f"night{night + 1}.csv"] = part
        out = run_nightly(tmp_path / "nightly.toml", night=f"2024-11-0{night + 2}",
                          offline=True)
    log = (out / "nightly.log").read_text()
    assert "from earlier nights" in log
    linked = (out / "linked_orbits.tle").read_text().splitlines()
    names = linked[0::3]
    assert len(names) >= 5 and any("3 nights" in name for name in names)
    passes = (out / "passes_linked.csv").read_text().splitlines()
    assert len(passes) > 1
    assert "Uncorrelated tracks linked across nights" in (out / "report.html").read_text()
    with Archive(archive) as store:
        stored = store.uncorrelated_since("2024-11-01", "2024-11-05")
    assert len(stored["time"]) == len(obs)
    # each linked object's tracks (keyed by their first observation) are one object's
    records = _linked_records(out)
    assert len(records) == len(names)
    for record in records:  # key: time|station|file:line of the track's first observation
        objects = set()
        for key in record["tracks"]:
            name, line = key.rsplit("|", 1)[1].split(":")
            objects.add(truth[parts[name][int(line) - 2]])  # line 1: the CSV header
        assert len(objects) == 1, record


def _linked_records(out):
    """The linked objects of a night (``linked_objects.json``)."""
    return json.loads((out / "linked_objects.json").read_text())["linked_objects"]
