"""TLE line checks: checksums, Alpha-5, field formats and the messages bad lines give."""

import pytest

from debris import Catalog, TLEFormatError
from debris.tle import alpha5_to_int, check_tle_lines, int_to_alpha5, tle_checksum

ISS_1 = "1 25544U 98067A   24305.58058399  .00035180  00000-0  60166-3 0  9990"
ISS_2 = "2 25544  51.6392 359.7717 0008966 122.2149 237.9710 15.50886758479706"


def test_checksum_of_real_lines():
    assert tle_checksum(ISS_1) == int(ISS_1[68])
    assert tle_checksum(ISS_2) == int(ISS_2[68])


@pytest.mark.parametrize("text, number", [("25544", 25544), ("  350", 350), ("00005", 5),
                                          ("A0000", 100000), ("T0000", 270000),
                                          ("Z9999", 339999), ("J1234", 181234)])
def test_alpha5_round_trip(text, number):
    assert alpha5_to_int(text) == number
    assert alpha5_to_int(int_to_alpha5(number)) == number


@pytest.mark.parametrize("bad", ["I0000", "O1234", "12a45", "AB123"])
def test_alpha5_rejects_bad_numbers(bad):
    with pytest.raises(ValueError, match="Alpha-5"):
        alpha5_to_int(bad)


def test_good_pair_passes():
    assert check_tle_lines(ISS_1, ISS_2) is None


def test_checksum_mismatch_is_named():
    bad = ISS_1[:68] + "7"
    reason = check_tle_lines(bad, ISS_2)
    assert reason == "line 1 checksum mismatch: column 69 says 7, the line sums to 0"
    assert check_tle_lines(bad, ISS_2, verify_checksum=False) is None


def test_bad_field_is_named():
    bad = ISS_2[:8] + " 51.6x79" + ISS_2[16:]
    reason = check_tle_lines(ISS_1, bad, verify_checksum=False)
    assert reason == "line 2 columns 9-16: bad inclination (deg) ' 51.6x79'"


def test_short_line_and_mismatched_numbers():
    assert "is 40 characters long" in check_tle_lines(ISS_1[:40], ISS_2)
    other = ISS_2.replace("25544", "25545")
    other = other[:68] + str(tle_checksum(other))
    assert "catalogue numbers differ" in check_tle_lines(ISS_1, other)


def test_one_bad_record_among_good_ones_is_reported():
    good = ["ISS (ZARYA)", ISS_1, ISS_2]
    broken = ["BROKEN SAT", ISS_1.replace("25544", "25545"), ISS_2.replace("25544", "25545")]
    text = "\n".join(good + broken + ["LONELY LINE 1", ISS_1])
    cat = Catalog.from_tle_lines(text, source="mixed.tle")
    assert len(cat) == 1 and cat.norad_id[0] == 25544 and cat.name[0] == "ISS (ZARYA)"
    reasons = [(r.source, r.line_number, r.norad_id, r.reason) for r in cat.rejected]
    assert reasons[0] == ("mixed.tle", 5, 25545,
                          "line 1 checksum mismatch: column 69 says 0, the line sums to 1")
    assert reasons[1][1] == 8 and "not followed by a line 2" in reasons[1][3]


def test_strict_raises_with_line_and_template():
    text = "\n".join(["X", ISS_1[:68] + "7", ISS_2])
    with pytest.raises(TLEFormatError) as info:
        Catalog.from_tle_lines(text, source="bad.tle", strict=True)
    message = str(info.value)
    assert message.startswith("bad.tle, line 2: line 1 checksum mismatch")
    assert "expected: 1 NNNNNC" in message and f"got:      {ISS_1[:68]}7" in message
    assert info.value.line_number == 2
