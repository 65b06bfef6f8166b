"""Ctrl-C and SIGTERM in the middle of a real run: one line, the shell's exit status, no
traceback and no crash (from debris, its worker processes or numba's threads), no output
written or replaced, no temporary left."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from debris.io.files import atomic_folder, atomic_write, discard_temporaries

CATALOGUE = "tle/celestrak_on_orbit_2024-11-01.omm.csv"


@pytest.mark.parametrize("backend", ["sgp4", "numba"])
@pytest.mark.parametrize("signum, status, word", [(signal.SIGINT, 130, "interrupted"),
                                                  (signal.SIGTERM, 143, "terminated")])
def test_a_signal_mid_run_leaves_the_earlier_output(tmp_path, backend, signum, status, word):
    """Signals at random points of a whole-catalogue screening (loading, propagation by
    forked python-sgp4 workers or numba's parallel kernels, the compiled broad phase)."""
    folder = tmp_path / "cdms"
    folder.mkdir()
    (folder / "earlier.cdm").write_text("earlier")
    env = dict(os.environ, DEBRIS_BACKEND=backend)
    rng = np.random.default_rng(signum * 10 + len(backend))
    for delay in rng.uniform(3.0, 9.0, 1):
        process = subprocess.Popen(
            [sys.executable, "-m", "debris.cli", "screen", CATALOGUE, "--start",
             "2024-11-01T00:00Z", "--days", "2", "--format", "cdm", "--output", str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
        time.sleep(delay)
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signum)  # as a terminal's Ctrl-C reaches the whole group
        _, err = process.communicate(timeout=120)
        err = err.decode()
        assert process.returncode == status, (delay, err)
        assert "Traceback" not in err and err.strip().splitlines()[-1] == (
            f"debris: {word}; no output was written or replaced"), err
        assert os.listdir(folder) == ["earlier.cdm"] and os.listdir(tmp_path) == ["cdms"]


def test_temporaries_being_written_are_discarded(tmp_path):
    """What the signal handler deletes before it exits: every file and folder being
    written beside its place."""
    with pytest.raises(FileNotFoundError):
        with atomic_folder(tmp_path / "folder") as work, \
                atomic_write(tmp_path / "file.txt") as handle:
            (work / "a.cdm").write_text("x")
            handle.write("partial")
            assert len(os.listdir(tmp_path)) == 2  # the two temporaries
            discard_temporaries()
            assert os.listdir(tmp_path) == []
    assert os.listdir(tmp_path) == []
