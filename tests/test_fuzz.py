"""Property-based fuzzing of every parser (hypothesis): mutated real files never raise
anything but debris' own errors naming the file, and every rejected record names its file,
line and reason. The mutations and the parsers are those of ``scripts/fuzz_parsers.py``,
which this also runs with a few hundred random cases."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCRIPT = Path(__file__).parent.parent / "scripts" / "fuzz_parsers.py"
_spec = importlib.util.spec_from_file_location("fuzz_parsers", SCRIPT)
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)
TARGETS = fuzz.targets()

operations = st.lists(st.tuples(st.sampled_from(fuzz.KINDS),
                                st.floats(0.0, 1.0, exclude_max=True),
                                st.integers(1, 8), st.integers(0, 10**6)),
                      min_size=1, max_size=4)


@pytest.mark.parametrize("name", list(TARGETS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_get_debris_errors_only(name, data):
    seeds, run = TARGETS[name]
    seed = data.draw(st.sampled_from(seeds), label="seed file")
    ops = data.draw(operations, label="mutations")
    assert fuzz.run_case(name, run, fuzz.mutate(seed, ops)) in (
        "accepted", "rejected records", "refused")


def test_the_unmutated_files_are_accepted():
    for name, (seeds, run) in TARGETS.items():
        for seed in seeds:
            assert fuzz.run_case(name, run, seed) in ("accepted", "rejected records"), name


def test_fuzz_script_counts(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--cases", "300", "--seed", "7"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.splitlines()[-1].split()
    assert last[0] == "all" and sum(map(int, last[1:])) == 300 and last[-1] == "0"


#: Cases the 10⁵-case run of scripts/fuzz_parsers.py found (issue 22), kept as they were.
FOUND = [
    ("tdm", "CCSDS_TDM_VERS = 2.0\nDATA_START\nANGLE_1 = 2024-11-01T17:00:00 10.0\n"),
    ("tdm", '<?xml version="1.0" encoding="UTF-L"?><tdm></tdm>\n'),
    ("obs-csv", "time_utc,station,ra_deg,dec_deg,norad_id\n"
                "2024-11-01T17:00:00Z,4353,10,20," + "9" * 40 + "\n"),
    ("satcat-rcs", "norad_id,rcs_m2\n45\u2467\u2467,1.5\n5,0.1\n"),
    ("std-mag-table", "norad_id,std_mag\n4\u2467,1.5\n5,3\n"),
]


@pytest.mark.parametrize("name, text", FOUND, ids=[f"{n}-{k}" for k, (n, _) in
                                                   enumerate(FOUND)])
def test_cases_the_fuzzing_found(name, text):
    _, run = TARGETS[name]
    assert fuzz.run_case(name, run, text) in ("accepted", "rejected records", "refused")
