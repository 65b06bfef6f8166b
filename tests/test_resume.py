"""A long screening killed (SIGKILL) at random points and started again with --checkpoint
resumes where it stopped, and its output is byte-identical to an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CATALOGUE = Path("tle/celestrak_on_orbit_2024-11-01.omm.csv")


def _screen(catalogue, output, checkpoint=None):
    argv = [sys.executable, "-m", "debris.cli", "screen", str(catalogue), "--start",
            "2024-11-01T00:00Z", "--hours", "24", "--max-memory-mb", "8", "--format", "csv",
            "--output", str(output)]
    if checkpoint is not None:
        argv += ["--checkpoint", str(checkpoint)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_and_resume_gives_the_same_output(tmp_path):
    lines = CATALOGUE.read_text().splitlines()
    sample = tmp_path / "sample.csv"  # every 7th object of the bundled catalogue: 3,834
    sample.write_text("\n".join([lines[0], *lines[1::7]]) + "\n")
    reference = tmp_path / "uninterrupted.csv"
    whole = _screen(sample, reference)
    assert whole.wait(timeout=600) == 0, whole.communicate()[1].decode()

    output, checkpoint = tmp_path / "resumed.csv", tmp_path / "checkpoint"
    rng = np.random.default_rng(12)
    kills = 0
    for attempt in range(7):
        run = _screen(sample, output, checkpoint)
        if attempt == 0:  # the first kill once some windows are recorded
            while run.poll() is None and len(list(checkpoint.glob("window_*.npz"))) < 3:
                time.sleep(0.05)
        elif attempt < 6:  # then at random points; the last run goes to the end
            time.sleep(rng.uniform(0.2, 3.0))
        else:
            break
        if run.poll() is not None:
            break
        run.send_signal(signal.SIGKILL)
        if run.wait() == 0:  # it finished between poll() and the signal
            break
        kills += 1
        assert not output.exists()  # a killed run writes nothing
    _, err = run.communicate(timeout=600)
    assert run.returncode == 0, err.decode()  # the last run, or one the signal came too late for
    assert kills >= 1 and "resumed from" in err.decode()
    assert output.read_bytes() == reference.read_bytes()
    assert len(output.read_text().splitlines()) > 100  # conjunctions, not an empty table
    assert not checkpoint.exists()  # removed once the output is written
    assert sorted(os.listdir(tmp_path)) == ["resumed.csv", "sample.csv", "uninterrupted.csv"]
