"""Vallado's SGP4 verification set through debris' propagation interface.

Reference: Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack Report #3",
AIAA 2006-6753: SGP4-VER.TLE (33 cases with start/stop/step in columns 70+ of line 2)
and tcppver.out (the C++ reference output), as shipped by python-sgp4.
"""

import numpy as np
import pytest

from debris import Catalog, Times, propagate

#: tcppver.out prints 8 decimals of km and 9 of km/s; the issue asks for 2e-7.
TOLERANCE_KM = 2e-7
#: Error codes in the order the reference run meets them (python-sgp4's own test list).
PUBLISHED_ERRORS = [1, 1, 6, 6, 4, 3, 6]


def _cases(data_dir):
    lines = (data_dir / "SGP4-VER.TLE").read_text().splitlines()
    cases = []
    for i, line in enumerate(lines):
        if line.startswith("1 "):
            line2 = lines[i + 1]
            start, stop, step = (float(x) for x in line2[69:].split())
            cases.append((line[:69], line2[:69], start, stop, step))
    return cases


def _tsince_list(start, stop, step):
    """The minutes the reference program prints, in its order (testcpp.cpp)."""
    times = [0.0]
    t = start
    while t <= stop:
        if not (t == start == 0.0):
            times.append(t)
        t += step
    if t - stop < step - 1e-6:
        times.append(stop)
    return times


def _expected_blocks(data_dir):
    blocks = []
    for line in (data_dir / "tcppver.out").read_text().replace("\r", "").splitlines():
        if line.endswith(" xx"):
            blocks.append((int(line.split()[0]), []))
        elif line.strip():
            blocks[-1][1].append([float(x) for x in line.split()[:7]])
    return blocks


@pytest.mark.parametrize("backend", ["sgp4", "numba"])
def test_all_700_lines_and_error_codes(data_dir, backend):
    # python-sgp4 (the reference) and debris' compiled SGP4/SDP4 kernels, every case.
    cases = _cases(data_dir)
    # The set deliberately carries bad checksums; checking them is the catalogue's job.
    text = "\n".join(f"{a}\n{b}" for a, b, *_ in cases)
    strict = Catalog.from_tle_lines(text, source="SGP4-VER.TLE")
    # 3 records carry 5 bad checksums (33333 and 33335 on both lines, 33334 on line 1);
    # 20413 appears twice with one epoch.
    checksum = [r.norad_id for r in strict.rejected if "checksum mismatch" in r.reason]
    assert checksum == [33333, 33334, 33335]
    blocks = _expected_blocks(data_dir)
    assert len(blocks) == len(cases) == 33
    total_lines = len(blocks) + sum(len(rows) for _, rows in blocks)
    assert total_lines == 700

    errors, compared = [], 0
    previous = None
    for (line1, line2, start, stop, step), (satnum, rows) in zip(cases, blocks):
        cat = Catalog.from_tle_lines([line1, line2], verify_checksums=False)
        assert cat.norad_id[0] == satnum
        sat = cat.satrecs[0]
        minutes = np.array(_tsince_list(start, stop, step))
        times = Times.from_jd(sat.jdsatepoch, sat.jdsatepochF + minutes / 1440.0)
        states = propagate(cat, times, backend=backend)
        r, v, e = states.r_teme_km[0], states.v_teme_km_s[0], states.error[0]
        bad = np.flatnonzero(e)
        n_ok = int(bad[0]) if bad.size else len(minutes)
        if bad.size:
            errors.append(int(e[bad[0]]))
            assert np.isnan(r[bad[0]]).all() and np.isnan(v[bad[0]]).all()
        if n_ok == 0:
            # The reference program repeats the previous data line for an object that
            # fails at initialisation ("use previous data line").
            assert len(rows) == 1 and np.allclose(rows[0][1:], previous[1:])
            compared += 1
            continue
        assert len(rows) == n_ok, f"satellite {satnum}: {len(rows)} reference lines, {n_ok} ok"
        expected = np.array(rows)
        np.testing.assert_allclose(expected[:, 0], minutes[:n_ok], atol=1e-8)
        assert np.max(np.abs(expected[:, 1:4] - r[:n_ok])) <= TOLERANCE_KM, satnum
        assert np.max(np.abs(expected[:, 4:7] - v[:n_ok])) <= TOLERANCE_KM, satnum
        compared += n_ok
        previous = rows[-1]
    assert compared == 700 - len(blocks)
    assert errors == PUBLISHED_ERRORS
