"""Ctrl-C and SIGTERM in the middle of a real run: one line, the shell's exit status, no
traceback (from debris or its worker processes), no output written or replaced."""

import os
import signal
import subprocess
import sys
import time

import pytest

CATALOGUE = "tle/celestrak_on_orbit_2024-11-01.omm.csv"


@pytest.mark.parametrize("signum, status, word", [(signal.SIGINT, 130, "interrupted"),
                                                  (signal.SIGTERM, 143, "terminated")])
def test_a_signal_mid_run_leaves_the_earlier_output(tmp_path, signum, status, word):
    folder = tmp_path / "cdms"
    folder.mkdir()
    (folder / "earlier.cdm").write_text("earlier")
    env = dict(os.environ, DEBRIS_BACKEND="sgp4")  # forked python-sgp4 workers too
    process = subprocess.Popen(
        [sys.executable, "-m", "debris.cli", "screen", CATALOGUE, "--start", "2024-11-01T00:00Z",
         "--days", "2", "--format", "cdm", "--output", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    time.sleep(6.0)  # loading, then well inside the screening
    assert process.poll() is None, process.communicate()
    os.killpg(process.pid, signum)  # as a terminal's Ctrl-C reaches the whole group
    _, err = process.communicate(timeout=120)
    err = err.decode()
    assert process.returncode == status, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith(
        f"debris: {word}"), err
    assert os.listdir(folder) == ["earlier.cdm"] and os.listdir(tmp_path) == ["cdms"]
