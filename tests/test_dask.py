"""Screening, passes and crossings on Dask: a LocalCluster of two worker processes, and a
scheduler with two workers started as separate processes on loopback, one of them killed
mid-run; every output identical to the single-process run."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from debris import find_crossings, find_passes, get_site, screen
from debris.cli import main
from debris.cluster import DaskExecutor, connect
from debris.conjunctions import screening
from debris.errors import DaskError
from debris.io.tables import table_to_csv

START, END = "2024-11-01T00:00:00Z", "2024-11-01T04:00:00Z"
WINDOW_BYTES = 4e6  # small windows: many tasks


@pytest.fixture(scope="module")
def sample(bundled):
    leo = bundled.filter(leo=True)
    return leo.subset(np.arange(0, len(leo), 8))


@pytest.fixture(scope="module")
def reference(sample):
    return table_to_csv(screen(sample, START, END, 5.0, max_bytes=WINDOW_BYTES))


def test_local_cluster_gives_the_single_process_results(sample, reference, monkeypatch):
    site = get_site("dushanbe")
    night = ("2024-11-01T12:00:00Z", "2024-11-02T00:00:00Z")
    # Every candidate block is assessed on the workers, however few (the default keeps
    # small sets on the client).
    monkeypatch.setattr(screening, "BLOCK_CANDIDATES", 0)
    with connect("local:2") as executor:
        assert len(executor.client.scheduler_info()["workers"]) == 2
        got = screen(sample, START, END, 5.0, max_bytes=WINDOW_BYTES, executor=executor)
        passes = find_passes(sample, [site, get_site("sanglokh")], *night, executor=executor)
        crossings = find_crossings(sample, site, *night, radius_deg=5.0, az_deg=180.0,
                                   el_deg=45.0, executor=executor)
    assert table_to_csv(got) == reference and len(got) > 10
    one = find_passes(sample, [site, get_site("sanglokh")], *night)
    assert table_to_csv(passes) == table_to_csv(one) and len(one) > 1000
    assert passes.meta["sgp4_failures"] == one.meta["sgp4_failures"]
    one = find_crossings(sample, site, *night, radius_deg=5.0, az_deg=180.0, el_deg=45.0)
    assert table_to_csv(crossings) == table_to_csv(one) and len(one) > 10


def test_candidate_blocks_keep_each_pair_whole():
    rng = np.random.default_rng(3)
    i = np.sort(rng.integers(0, 40, 5000))
    j = rng.integers(0, 3, 5000)
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    for count in (1, 2, 4, 7, 50, 20000):
        blocks = screening.pair_blocks(i, j, count)
        assert blocks[0][0] == 0 and blocks[-1][1] == len(i)
        assert all(a < b for a, b in blocks)
        assert all(b1 == a2 for (_, b1), (a2, _) in zip(blocks, blocks[1:]))
        for _, b in blocks[:-1]:  # no pair on both sides of a cut
            assert (i[b], j[b]) != (i[b - 1], j[b - 1])
        assert len(blocks) <= count
    assert screening.pair_blocks(i[:0], j[:0], 4) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(argv):
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.fixture()
def loopback_cluster():
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    scheduler = _start([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--dashboard-address", ":0"])
    workers = [_start([dask, "worker", address, "--nthreads", "1", "--no-nanny",
                       "--host", "127.0.0.1"]) for _ in range(2)]
    processes = {"scheduler": scheduler, "workers": workers, "address": address}
    try:
        executor = None
        for _ in range(120):  # until both workers have joined
            try:
                executor = connect(address)
                if len(executor.client.scheduler_info()["workers"]) == 2:
                    break
                executor.close()
            except DaskError:
                pass
            time.sleep(0.5)
        processes["executor"] = executor
        yield processes
    finally:
        for process in [scheduler, *workers]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_worker_killed_mid_run_changes_nothing(sample, reference, loopback_cluster):
    executor: DaskExecutor = loopback_cluster["executor"]
    victim = loopback_cluster["workers"][0]
    killed = []

    def progress(done, total):
        if not killed:  # the first finished window: kill a worker, its tasks move
            os.killpg(victim.pid, signal.SIGKILL)
            killed.append(done)

    with executor:
        got = screen(sample, START, END, 5.0, max_bytes=WINDOW_BYTES, executor=executor,
                     progress=progress)
    assert killed and victim.wait(timeout=10) != 0
    assert table_to_csv(got) == reference


def test_the_command_line_on_a_running_scheduler(sample, loopback_cluster, tmp_path, capsys):
    loopback_cluster["executor"].close()
    path = tmp_path / "sample.3le"
    from sgp4.exporter import export_tle

    path.write_text("".join(f"{n}\n{export_tle(s)[0]}\n{export_tle(s)[1]}\n"
                            for n, s in zip(sample.name[:2000], sample.satrecs[:2000])))
    common = ["screen", str(path), "--start", START, "--hours", "2", "--format", "csv",
              "--max-memory-mb", "4"]
    assert main(common + ["--output", str(tmp_path / "one.csv")]) == 0
    assert main(common + ["--output", str(tmp_path / "dask.csv"), "--dask",
                          loopback_cluster["address"]]) == 0
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "dask.csv").read_text()


def test_a_lost_scheduler_is_a_clear_error(sample, loopback_cluster):
    executor: DaskExecutor = loopback_cluster["executor"]
    scheduler = loopback_cluster["scheduler"]

    def progress(done, total):
        if scheduler.poll() is None:
            os.killpg(scheduler.pid, signal.SIGKILL)

    with pytest.raises(DaskError, match="lost the Dask scheduler.*--checkpoint"):
        screen(sample, START, END, 5.0, max_bytes=WINDOW_BYTES, executor=executor,
               progress=progress)
    executor.client.close(timeout=2)


def test_without_dask_nothing_imports_it(tmp_path):
    code = ("import sys; from debris.cli import main; "
            "main(['passes', '--norad', '25544', '--night', '2024-11-01']); "
            "assert 'distributed' not in sys.modules and 'dask' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_bad_dask_addresses(capsys):
    assert main(["passes", "--norad", "25544", "--night", "2024-11-01", "--dask", "local:0"]) == 2
    assert "local:N with N >= 1" in capsys.readouterr().err
    assert main(["passes", "--norad", "25544", "--night", "2024-11-01", "--dask", "nowhere"]) == 2
    assert "scheduler address" in capsys.readouterr().err


def test_the_nightly_run_with_dask_gives_the_same_files(tmp_path, leo_sample, bundled):
    from sgp4.exporter import export_tle

    from debris.nightly import run_nightly
    from test_nightly import _config

    sats = list(leo_sample.satrecs) + [bundled.satrecs[bundled.index_of(25544)]]
    names = list(leo_sample.name) + ["ISS (ZARYA)"]
    elements = tmp_path / "sample.3le"
    elements.write_text("".join(f"{n}\n{export_tle(s)[0]}\n{export_tle(s)[1]}\n"
                                for n, s in zip(names, sats)))
    outputs = []
    for k, extra in enumerate(("", 'dask = "local:2"\n')):
        folder = tmp_path / f"run{k}"
        folder.mkdir()
        config = _config(folder, elements).read_text().replace("[nightly]\n",
                                                               "[nightly]\n" + extra)
        (folder / "nightly.toml").write_text(config)
        night = run_nightly(folder / "nightly.toml", night="2024-11-01", offline=True)
        outputs.append({name: (night / name).read_text() for name in
                        ("passes_dushanbe.csv", "passes_sanglokh.csv", "conjunctions.csv")})
    assert outputs[0] == outputs[1]
    assert outputs[0]["passes_dushanbe.csv"].count("\n") > 100


def test_a_catalogue_sent_to_workers_propagates_bit_for_bit(bundled):
    """A worker gets the catalogue pickled: every object of the bundled catalogue (deep
    space and its resonant orbits included) must give the very states the client's gives,
    and a state at one time must not depend on what was propagated before (python-sgp4's
    resonance integrator continues from its previous call; the compiled one starts at the
    epoch), or a cluster's TCAs of co-located geostationary pairs move by 0.1 s."""
    import pickle

    from debris import propagate, time_range, to_times
    from debris.propagation import propagate_at

    sent = pickle.loads(pickle.dumps(bundled))
    t0 = to_times("2024-11-01T00:00:00Z")
    rows = np.arange(len(bundled))
    late = t0.shift_seconds(np.full(len(rows), 6.5 * 86400.0))
    early = t0.shift_seconds(np.full(len(rows), 3600.0))
    before = propagate_at(bundled, rows, late)
    propagate_at(bundled, rows, early)  # another time first: the same states after
    for catalog in (bundled, sent):
        again = propagate_at(catalog, rows, late)
        for ours, theirs in zip(before, again):
            assert np.array_equal(ours, theirs, equal_nan=True)
    grid = time_range("2024-11-03T00:00:00Z", hours=1, step_s=600)
    a, b = propagate(bundled, grid), propagate(sent, grid)
    assert np.array_equal(a.r_teme_km, b.r_teme_km, equal_nan=True)
    # python-sgp4 itself (the sgp4 backend) is initialised again from its epoch, which it
    # keeps rounded to 1e-8 day: the very epoch for all but OMM epochs given to the
    # microsecond (24 of 26,834), and those within 1e-8 day
    gsto = np.array([[x.gsto, y.gsto] for x, y in zip(bundled.satrecs, sent.satrecs)])
    assert (gsto[:, 0] == gsto[:, 1]).sum() >= len(bundled) - 30
    assert np.abs(gsto[:, 0] - gsto[:, 1]).max() < 1e-8 * 2 * np.pi * 1.003
    assert sum(s.method == "d" for s in bundled.satrecs) > 1000  # deep space is in it
