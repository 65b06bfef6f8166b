"""Reading observations: IOD, UK, R.D.E., TDM and CSV, checked against the TruSat answer files
and field values read by hand from the published format descriptions."""

import numpy as np
import pytest

from debris import ObservationFileError, read_observations
from debris.observations import (format_iod_line, iod_text, load_stations, observation_geometry,
                                 parse_iod_line, read_station_list, tdm_text)
from debris.observations.records import ObservationBuilder
from debris.observations.uk import parse_uk_line, read_rde_text
from debris.errors import UnknownStationError

OBS = "observations"

#: Lines whose two answer files contradict each other, or the format: classified as the
#: published format says. The blank sky condition is "valid" in IOD_data_compliant (its own
#: section "including blank") and "invalid" in IOD_data_noncompliant; a flash period of
#: " 12345" (12.345 s) is as valid as the compliant file's " 10000".
CONTRADICTIONS = {
    "12345 98 123A   2007   20081122112233444 56 14 1122334+112233 39 S",
    "23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 I-020 10  12345",
}


def _answers(path):
    """(line of the data file, valid?) in order, from the answers file beside it."""
    lines = path.read_text().split("\n")
    answers = path.with_name(path.stem + "_answers.txt").read_text().split("\n")
    assert len(lines) == len(answers)
    out = []
    for line, answer in zip(lines, answers):
        flag, _, text = answer.partition(",")
        # The answers repeat each line after "True," or "True, " (and tabs for spaces).
        if not line.startswith("#"):  # the comments are abridged in the answers
            assert text.replace("\t", " ").strip() == line.strip(), (line, answer)
        out.append((line, flag == "True"))
    return out


def _valid(parse, line):
    if not line.strip() or line.lstrip().startswith("#"):
        return False
    try:
        parse(line)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name,parse", [("IOD_data_compliant.txt", parse_iod_line),
                                        ("UK_data_compliant.txt", parse_uk_line),
                                        ("UK_data_noncompliant.txt", parse_uk_line)])
def test_every_line_is_classified_as_its_answers_say(data_dir, name, parse):
    pairs = _answers(data_dir / OBS / "trusat" / name)
    wrong = [(line, want) for line, want in pairs if _valid(parse, line) != want]
    assert not wrong
    assert sum(want for _, want in pairs) >= (10 if "_compliant" in name else 0)


def test_no_noncompliant_iod_line_parses(data_dir):
    path = data_dir / OBS / "trusat" / "IOD_data_noncompliant.txt"
    parsed = [line for line in path.read_text().splitlines()
              if _valid(parse_iod_line, line)]
    assert set(parsed) == CONTRADICTIONS  # exactly the two contradictions above


def test_rejected_lines_name_file_line_field_and_expectation(data_dir):
    path = data_dir / OBS / "trusat" / "IOD_data_noncompliant.txt"
    table = read_observations(path, strict=True)
    rejected = table.meta["rejected"]
    assert len(rejected) >= 100
    text = str(rejected[0])
    assert f"{path}:" in text and "column" in text and "expected" in text
    station = [str(r) for r in rejected if "station" in str(r)]
    assert station and "columns 17-20" in station[0]


def test_iod_fields_by_hand():
    # Lewis' format page: format 2 (HHMMmmm+DDMMmm), epoch 5 (J2000), MX uncertainties.
    row = parse_iod_line("23794 96 010A   2701 G 20040506012614270 17 25 1100114-184298 38 "
                         "I+020 10")
    assert row["norad_id"] == 23794 and row["intl_designator"] == "1996-010A"
    assert row["station"] == "2701" and row["sky"] == "G"
    assert row["time"] == "2004-05-06T01:26:14.270"
    assert row["time_sigma_s"] == pytest.approx(0.1)           # 1 x 10^(7-8) s
    assert row["ra_deg"] == pytest.approx((11 + 0.114 / 60) * 15, abs=1e-12)
    assert row["dec_deg"] == pytest.approx(-(18 + 42.98 / 60), abs=1e-12)
    assert row["sigma_arcsec"] == pytest.approx(3 * 60.0)       # 3 x 10^0 arcmin
    assert row["magnitude"] == pytest.approx(2.0) and row["magnitude_sigma"] == pytest.approx(1.0)
    # Format 1 (HHMMSSs+DDMMSS), epoch 5; truncated time.
    row = parse_iod_line("22988 94 009A   6226 E 20100222020757020 16 15 1006309-010527 97  "
                         "+099 03")
    assert row["ra_deg"] == pytest.approx((10 + 6 / 60 + 30.9 / 3600) * 15, abs=1e-12)
    assert row["dec_deg"] == pytest.approx(-(1 + 5 / 60 + 27 / 3600), abs=1e-12)
    assert row["sigma_arcsec"] == pytest.approx(0.9)           # 9 x 10^(7-8) arcsec
    # Format 4 (Az/El DDDMMSS+DDMMSS) and a truncated angle (missing digits are zeros).
    row = parse_iod_line("12345 98 123A   2007 G 20081122112233444 56 44 1122334+112233 39 S")
    assert row["angle_type"] == "azel" and row["az_deg"] == pytest.approx(112 + 23 / 60 + 34 / 3600)
    assert row["el_deg"] == pytest.approx(11 + 22 / 60 + 33 / 3600)
    row = parse_iod_line("12345 98 123A   2007 F 2008112211223344  56 25 1122   +1122   28 R+05  1")
    assert row["ra_deg"] == pytest.approx((11 + 22 / 60) * 15) and row["time"].endswith("33.440")
    assert row["equinox"] == "J2000"


def test_uk_and_rde_fields_by_hand(data_dir):
    # satobs.org UK format example: 1997-012A, station 2018, 2003-10-15 20:19:55.42,
    # format 2: RA 17h20.38m, Dec +15 deg 58.5 arcmin, accuracy 01 (MMmm -> 0.01 arcmin x 100).
    row = parse_uk_line("9701201201803101520195542  01   12172038  +15585   1  5             "
                        "+6 +8   190R")
    assert row["intl_designator"] == "1997-012A" and row["station"] == "2018"
    assert row["time"].startswith("2003-10-15T20:19:55.42")
    assert row["ra_deg"] == pytest.approx((17 + 20.38 / 60) * 15)
    assert row["dec_deg"] == pytest.approx(15 + 58.5 / 60)
    assert row["equinox"] == "J2000" and row["time_sigma_s"] == pytest.approx(0.1)
    builder = ObservationBuilder()
    text = (data_dir / OBS / "trusat" / "RDE_data_compliant.txt").read_text()
    assert read_rde_text(text, "rde", builder) == 14 and not builder.rejected
    first = builder.rows[0]  # 2420 1909 0.211 1204 / 28 / 0502402 184758.93 193923+452358
    assert first["time"] == "2019-09-28T18:47:58.93" and first["equinox"] == "B1950"
    assert first["ra_deg"] == pytest.approx((19 + 39 / 60 + 23 / 3600) * 15)
    assert first["intl_designator"] == "2005-024B" and first["sigma_arcsec"] == 120.0
    # The "noncompliant" R.D.E. file is byte-identical to the compliant one: 14 as well.
    table = read_observations(data_dir / OBS / "trusat" / "RDE_data_noncompliant.txt")
    assert len(table) == 14


def test_b1950_is_precessed_to_icrs(data_dir):
    """R.D.E. positions are B1950 (FK4): after reading they are ICRS, about 0.64 deg of
    precession away (checked against astropy directly)."""
    from astropy import units as u
    from astropy.coordinates import FK4, ICRS, SkyCoord
    from astropy.time import Time

    table = read_observations(data_dir / OBS / "trusat" / "RDE_data_compliant.txt")
    coord = SkyCoord((19 + 39 / 60 + 23 / 3600) * 15 * u.deg, (45 + 23 / 60 + 58 / 3600) * u.deg,
                     frame=FK4(equinox=Time("B1950", format="byear_str"),
                               obstime=Time("2019-09-28T18:47:58.93", scale="utc")))
    icrs = coord.transform_to(ICRS())
    assert table["ra_deg"][0] == pytest.approx(icrs.ra.deg, abs=1e-9)
    assert table["dec_deg"][0] == pytest.approx(icrs.dec.deg, abs=1e-9)
    assert abs(table["ra_deg"][0] - (19 + 39 / 60 + 23 / 3600) * 15) > 0.3


def test_iod_and_tdm_round_trips(data_dir, tmp_path):
    table = read_observations(data_dir / OBS / "real_iod" / "23908_20200316.txt")
    (tmp_path / "a.iod").write_text(iod_text(table))
    again = read_observations(tmp_path / "a.iod")
    # Format 2 keeps 0.001 min of RA (0.9") and 0.01' of Dec (0.6"): the file's own precision.
    assert np.all(np.abs(again["ra_deg"] - table["ra_deg"]) * 3600 < 0.5)
    assert np.all(np.abs(again["dec_deg"] - table["dec_deg"]) * 3600 < 0.3)
    assert np.array_equal(again["time"].jd + again["time"].fr, table["time"].jd + table["time"].fr)
    for xml in (False, True):
        path = tmp_path / ("a.xml" if xml else "a.kvn")
        path.write_text(tdm_text(table, xml=xml))
        back = read_observations(path)
        assert len(back) == len(table) and set(back["format"]) == {"tdm"}
        assert np.all(np.abs(back["ra_deg"] - table["ra_deg"]) * 3600 < 1e-3)
        assert np.all(back["norad_id"] == 23908) and np.all(back["station"] == "4171")
        assert np.all(np.abs(back["time"].seconds_since(table["time"][:1])
                             - table["time"].seconds_since(table["time"][:1])) < 1e-3)


def test_tdm_azel_and_csv(tmp_path):
    (tmp_path / "azel.tdm").write_text(
        "CCSDS_TDM_VERS = 2.0\nCREATION_DATE = 2024-11-01T00:00:00\nORIGINATOR = test\n"
        "META_START\nTIME_SYSTEM = UTC\nPARTICIPANT_1 = sanglokh\nPARTICIPANT_2 = 25544\n"
        "MODE = SEQUENTIAL\nPATH = 2,1\nANGLE_TYPE = AZEL\nMETA_STOP\nDATA_START\n"
        "ANGLE_1 = 2024-11-01T15:00:00.000 120.5\nANGLE_2 = 2024-11-01T15:00:00.000 45.25\n"
        "ANGLE_1 = 2024-11-01T15:00:10.000 121.5\nDATA_STOP\n")
    table = read_observations(tmp_path / "azel.tdm")
    assert len(table) == 1 and table["angle_type"][0] == "azel"
    assert len(table.meta["rejected"]) == 1 and "ANGLE_2" in str(table.meta["rejected"][0])
    observation_geometry(table, load_stations())
    assert np.isfinite(table["ra_deg"][0])  # filled from az/el at the station
    (tmp_path / "o.csv").write_text(
        "time_utc,station,ra_deg,dec_deg,sigma_arcsec,norad_id\n"
        "2024-11-01T15:00:00Z,sanglokh,10.5,-20.25,2,25544\n"
        "2024-11-01T15:00:10Z,sanglokh,abc,-20.25,2,25544\n"
        "2024-11-01T15:00:20+02:00,sanglokh,10.5,-20.25,2,25544\n")
    table = read_observations(tmp_path / "o.csv")
    assert len(table) == 1 and table["sigma_arcsec"][0] == 2 and table["norad_id"][0] == 25544
    reasons = [str(r) for r in table.meta["rejected"]]
    assert "o.csv:3" in reasons[0] and "ra_deg" in reasons[0] and "UTC" in reasons[1]


def test_bad_files_and_unknown_stations(data_dir, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    for name, word in (("empty.txt", "empty"), ("bin.txt", "binary"),
                       ("none.txt", "cannot|not found|no such|does not exist")):
        with pytest.raises(ObservationFileError, match=word):
            read_observations(tmp_path / name)
    table = read_observations(data_dir / OBS / "real_iod" / "23908_20200316.txt")
    with pytest.raises(UnknownStationError, match=r"23908_20200316.txt:1: unknown station "
                                                  r"'4171'.*--stations"):
        observation_geometry(table, load_stations())
    stations = read_station_list(data_dir / OBS / "real_iod" / "sat_tracking_observatories.txt")
    assert stations["4171"].latitude_deg == 52.8344 and len(stations) >= 60
    satfit = read_station_list(data_dir / OBS / "satfit_deep_space" / "STATIONS.IN")
    assert satfit["2420"].longitude_deg == -3.1386


def test_satfit_files_hold_elements_and_observations(data_dir):
    """satfit keeps its element set above the observations: those lines are skipped, not
    rejected."""
    table = read_observations(data_dir / OBS / "satfit_deep_space" / "22988.txt")
    assert len(table) == 10 and not table.meta["rejected"]


def test_format_iod_line_writes_what_it_reads():
    line = format_iod_line(norad_id=25544, intl_designator="1998-067A", station="4171",
                           time_iso="2024-11-01T18:00:01.234", ra_deg=123.456789,
                           dec_deg=-12.345678, sigma_arcsec=2.0, time_sigma_s=0.01,
                           magnitude=-1.5)
    row = parse_iod_line(line)
    assert len(line) <= 80 and row["norad_id"] == 25544 and row["magnitude"] == -1.5
    assert abs(row["ra_deg"] - 123.456789) * 3600 < 0.5 and row["sigma_arcsec"] >= 2.0
