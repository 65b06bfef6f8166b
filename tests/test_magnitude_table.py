"""The published standard-magnitude table and the LEO defaults: each row recomputed from the
figure its source publishes, the defaults recomputed from the bundled SATCAT, and the README's
first command checked against them (the ISS through Skyfield's geometry, Starlinks against
their version's published value, a source and a sigma on every row)."""

import csv
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from debris import Catalog
from debris.magnitude import (LEO_DEFAULT_STD_MAG, SIZE_CLASS_STD_MAG, SOURCE_SIGMA,
                              StandardMagnitudes, bundled_published, bundled_rcs,
                              load_rcs_table, magnitude_estimates)

TABLE = Path(__file__).resolve().parent.parent / "tle" / "std_magnitudes.csv"
README_FIRST = ["passes", "--site", "dushanbe", "--night", "2024-11-01", "--visible-only"]


def _rows():
    text = "".join(line for line in TABLE.read_text().splitlines(True)
                   if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(text)))


def test_each_row_follows_from_its_published_figure():
    """std_mag = the published figure moved to 1000 km (or scaled by area from another row),
    to 0.005 mag; every row names a source with a document or a list post."""
    rows = _rows()
    by_norad = {r["key"]: float(r["std_mag"]) for r in rows if r["match"] == "norad"}
    assert len(rows) == len(bundled_published().rows) >= 12
    for row in rows:
        published, quantity = float(row["published"]), row["quantity"]
        if quantity == "at_range":
            expected = published + 5.0 * math.log10(1000.0 / float(row["range_km"]))
        elif quantity.startswith("area_of:"):
            expected = by_norad[quantity.split(":")[1]] - 2.5 * math.log10(published)
        else:
            assert quantity in ("std", "mean_1000km")
            expected = published
        assert float(row["std_mag"]) == pytest.approx(expected, abs=0.005), row["key"]
        assert str(row["published"]).lstrip("-") in row["source"], row["key"]
        assert re.search(r"arXiv:\d{4}\.\d{4,5}|SeeSat-L \d{4}|\.com", row["source"])
        assert 0.0 < float(row["sigma"]) <= 2.0


def test_starlink_versions_by_launch(bundled):
    """Each Starlink takes its version's row: DTC by name, V2 Mini from 2023-026 except the
    V1.5 launches of 2023, V1.5 from 2021-082, VisorSat from 2020-055, the original design
    before."""
    expect = {"[DTC]": 5.50, "2023-028": 6.80, "2024-": 7.87, "2022-": 6.80, "2021-005": 7.50,
              "2020-001": 5.93}
    starlink = bundled.filter(norad_ids=[k for k, n in zip(bundled.norad_id, bundled.name)
                                         if n.startswith("STARLINK")])
    values, sources, sigma, weight = magnitude_estimates(starlink)
    assert set(sources) == {"published"} and set(sigma) == {0.6} and set(weight) == {0.0}
    for key, std in expect.items():
        hit = [k for k, (n, d) in enumerate(zip(starlink.name, starlink.intl_designator))
               if key in n or (not n.endswith("[DTC]") and d.startswith(key))]
        assert hit and set(values[hit]) == {std}, key


def test_leo_defaults_are_the_bundled_satcat_medians(bundled):
    """LEO_DEFAULT_STD_MAG and SIZE_CLASS_STD_MAG: median and 16-84 % half-width of the
    RCS standard magnitudes (8.08 - 2.5 log10(RCS), as in the README) of the bundled
    catalogue's LEO objects that have an RCS, by type and by Space-Track size class."""
    rcs = bundled_rcs()
    leo = bundled.mean_motion_rev_day >= 11.25
    area = np.array([rcs.get(k, np.nan) for k in bundled.norad_id.tolist()])
    std = -26.74 - 2.5 * np.log10(2 * 0.175 * area / (3 * math.pi ** 2 * 1e12))
    have = leo & np.isfinite(std)

    def stats(mask):
        low, mid, high = np.percentile(std[mask], [15.87, 50, 84.13])
        return mid, (high - low) / 2, int(mask.sum())

    for kind, count in (("PAYLOAD", 2050), ("ROCKET BODY", 804), ("DEBRIS", 7414)):
        mid, spread, n = stats(have & (bundled.object_type == kind))
        assert n == count and LEO_DEFAULT_STD_MAG[kind] == pytest.approx((mid, spread), abs=0.01)
    assert LEO_DEFAULT_STD_MAG["UNKNOWN"] == pytest.approx(stats(have)[:2], abs=0.01)
    for size, (low, high) in {"SMALL": (0, 0.1), "MEDIUM": (0.1, 1.0),
                              "LARGE": (1.0, np.inf)}.items():
        mid, spread, _ = stats(have & (area > low) & (area <= high))
        assert SIZE_CLASS_STD_MAG[size] == pytest.approx((mid, spread), abs=0.01)


def test_regime_and_size_defaults(bundled, tmp_path):
    """A LEO object without an RCS takes its regime's default (sigma: the spread and the RCS
    method's scatter in quadrature); a Space-Track SATCAT's size class comes before it; deep
    space keeps the visual observers' type defaults."""
    cat = bundled.filter(norad_ids=[48274, 692, 44234])  # CSS (published), VELA 1, PSLV R/B
    values, sources, sigma, _ = magnitude_estimates(cat)
    vela, pslv = cat.index_of(692), cat.index_of(44234)
    assert (sources[vela], values[vela], sigma[vela]) == ("type", 5.0, SOURCE_SIGMA["type"])
    assert (sources[pslv], values[pslv]) == ("type", 6.41)
    assert sigma[pslv] == pytest.approx(math.hypot(0.45, SOURCE_SIGMA["rcs"]))
    path = tmp_path / "satcat.csv"
    path.write_text("NORAD_CAT_ID,OBJECT_TYPE,RCS_SIZE\n44234,R/B,LARGE\n692,PAY,\n")
    table = load_rcs_table(path)
    assert table == {} and table.size_classes == {44234: "LARGE"}
    values, sources, _, _ = StandardMagnitudes(rcs=table).estimates(cat)
    assert (sources[pslv], values[pslv]) == ("size", 6.56)


@pytest.fixture(scope="module")
def first_night():
    """The README's first command: the terminal and every pass as CSV."""
    def call(*extra):
        return subprocess.run([sys.executable, "-m", "debris.cli", *README_FIRST, *extra],
                              capture_output=True, text=True, check=True).stdout

    return call(), list(csv.DictReader(io.StringIO(call("--format", "csv"))))


def test_first_command_iss_at_its_published_brightness(first_night, bundled):
    """The ISS's pass of 2024-11-02 00:25-00:30 UTC: its brightest magnitude, recomputed here
    from Skyfield's geometry every second of the visible part and the published standard
    magnitude (-1.8, Lambertian sphere), within 0.5 mag of debris'."""
    from skyfield.api import EarthSatellite, wgs84

    from debris.sites import parse_site
    from debris.sun import ephemeris
    from debris.timescale import skyfield_time, skyfield_timescale, to_times

    _, rows = first_night
    iss = [r for r in rows if r["norad_id"] == "25544"]
    assert len(iss) == 1 and iss[0]["std_magnitude_source"] == "published"
    eph, ts = ephemeris(), skyfield_timescale()
    site = parse_site("dushanbe")
    here = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    sat = EarthSatellite.from_satrec(bundled.satrecs[bundled.index_of(25544)], ts)
    t0 = to_times(iss[0]["visible_start_utc"])
    length = to_times(iss[0]["visible_end_utc"]).seconds_since(t0)[0]
    t = skyfield_time(t0.shift_seconds(np.arange(0.0, length, 1.0)))
    distance = (sat - here).at(t).altaz()[2].km
    earth = eph["earth"].at(t).position.km
    obj = sat.at(t).position.km
    to_sun = eph["sun"].at(t).position.km - earth - obj
    to_obs = (eph["earth"] + here).at(t).position.km - earth - obj
    phase = np.arccos(np.sum(to_sun * to_obs, axis=0) / np.linalg.norm(to_sun, axis=0)
                      / np.linalg.norm(to_obs, axis=0))
    law = (math.pi - phase) * np.cos(phase) + np.sin(phase)
    brightest = np.min(-1.8 + 5 * np.log10(distance / 1000.0) - 2.5 * np.log10(law))
    assert float(iss[0]["min_magnitude"]) == pytest.approx(brightest, abs=0.5)
    assert abs(float(iss[0]["min_magnitude"]) - brightest) < 0.05  # in fact


def test_first_command_starlinks_and_every_row_with_source_and_sigma(first_night):
    """No Starlink brighter than its version's published distance-adjusted value at the
    pass's closest range (its culmination range, less 1 km); every terminal row shows
    magnitude, sigma and source; the summary counts the guesses."""
    text, rows = first_night
    version = {"[DTC]": 5.50, "V2": 7.87, "V1.5": 6.80, "Visor": 7.50, "Original": 5.93}
    v15_2023 = {"2023-028", "2023-037", "2023-042", "2023-046", "2023-058", "2023-061",
                "2023-064", "2023-065", "2023-078", "2023-083", "2023-088", "2023-090",
                "2023-094", "2023-099"}
    catalog = Catalog.bundled()
    launch = dict(zip(catalog.norad_id.tolist(), [d[:8] for d in catalog.intl_designator]))
    checked = 0
    for r in rows:
        if not r["name"].startswith("STARLINK"):
            continue
        d = launch[int(r["norad_id"])]
        key = ("[DTC]" if r["name"].endswith("[DTC]") else
               "V1.5" if d in v15_2023 else "V2" if d >= "2023-026" else
               "V1.5" if d >= "2021-082" else "Visor" if d >= "2020-055" else "Original")
        floor = version[key] + 5 * math.log10((float(r["culmination_range_km"]) - 1) / 1000)
        assert float(r["min_magnitude"]) >= floor - 1e-6, (r["name"], key)
        checked += 1
    assert checked > 5000
    lines = text.splitlines()
    table = [line for line in lines if line[:1].isdigit()]
    assert len(table) == 20
    assert all(re.search(r"-?\d+\.\d±\d\.\d (pub|rcs|obs|user|type|size) +\d+\.\d$", line)
               for line in table)  # then the timing sigma, ±t_s
    guesses = sum(bool(re.search(r" (type|size) +\d+\.\d$", line)) for line in table)
    assert f"{guesses} of the 20 magnitudes shown are guesses" in " ".join(
        line.lstrip("# ") for line in lines)
