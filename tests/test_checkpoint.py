"""Checkpoint folders (issue 22, case 1 and 3): debris deletes only what it wrote there,
refuses a folder that is not its own or that holds the output, and computes an unreadable
window again instead of stopping every rerun."""

from pathlib import Path

import pytest

from debris.cli import main

SAMPLE = "tests/data/spacetrack_2024-07-05_sample.3le"  # 804 objects
#: --max-memory-mb 1 splits 12 h into 30 windows, so there are window files to damage.
SCREEN = ["screen", SAMPLE, "--start", "2024-07-05T00:00Z", "--hours", "12", "--format", "csv",
          "--max-memory-mb", "1"]


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, err


def test_a_folder_with_user_files_is_refused_and_kept(tmp_path, capsys):
    folder = tmp_path / "mydata"
    folder.mkdir()
    (folder / "thesis.tex").write_text("x")
    code, err = _run([*SCREEN, "--checkpoint", str(folder), "--output",
                      str(tmp_path / "out.csv")], capsys)
    assert code == 2
    assert "is not empty and is not a debris checkpoint (it holds thesis.tex)" in err
    assert (folder / "thesis.tex").read_text() == "x"
    assert not (tmp_path / "out.csv").exists()


def test_an_output_inside_the_checkpoint_folder_is_refused(tmp_path, capsys):
    output = tmp_path / "results" / "conj.csv"
    code, err = _run([*SCREEN, "--checkpoint", str(tmp_path / "results"), "--output",
                      str(output)], capsys)
    assert code == 2 and "overlap" in err
    assert not (tmp_path / "results").exists()
    # The other way round: a checkpoint inside a CDM output folder.
    code, err = _run([*SCREEN[:-4], "--format", "cdm", "--checkpoint",
                      str(tmp_path / "cdms" / "ck"), "--output", str(tmp_path / "cdms")],
                     capsys)
    assert code == 2 and "overlap" in err


def test_only_debris_files_are_removed_after_success(tmp_path, capsys):
    own = tmp_path / "new"  # created by debris: removed whole
    code, err = _run([*SCREEN, "--checkpoint", str(own), "--output",
                      str(tmp_path / "a.csv")], capsys)
    assert code == 0 and not own.exists()
    empty = tmp_path / "empty"  # the user's empty folder: debris' files go, the folder stays
    empty.mkdir()
    code, err = _run([*SCREEN, "--checkpoint", str(empty), "--output",
                      str(tmp_path / "b.csv")], capsys)
    assert code == 0 and empty.is_dir() and list(empty.iterdir()) == []
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_user_file_added_during_the_run_survives(tmp_path, capsys):
    folder = tmp_path / "ck"
    # A run that stops before its output (the output's folder is a file) keeps its windows.
    (tmp_path / "blocker").write_text("")
    code, err = _run([*SCREEN, "--checkpoint", str(folder), "--output",
                      str(tmp_path / "blocker" / "out.csv")], capsys)
    assert code == 2 and len(list(folder.glob("window_*.npz"))) > 2
    (folder / "notes.txt").write_text("mine")
    code, err = _run([*SCREEN, "--checkpoint", str(folder), "--output",
                      str(tmp_path / "out.csv")], capsys)
    assert code == 0 and "resumed from" in err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "not-a-zip-array"])
def test_an_unreadable_window_is_computed_again(tmp_path, capsys, damage):
    folder = tmp_path / "ck"
    reference = tmp_path / "reference.csv"
    assert _run([*SCREEN, "--output", str(reference)], capsys)[0] == 0
    (tmp_path / "blocker").write_text("")
    assert _run([*SCREEN, "--checkpoint", str(folder), "--output",
                 str(tmp_path / "blocker" / "x.csv")], capsys)[0] == 2
    windows = sorted(folder.glob("window_*.npz"))
    bad: Path = windows[len(windows) // 2]
    content = bad.read_bytes()
    bad.write_bytes({"truncated": content[: len(content) // 2],
                     "garbage": b"\x93NUMPY garbage" * 50, "empty": b"",
                     "not-a-zip-array": b"\x93NUMPY\x01\x00" + content[:40]}[damage])
    output = tmp_path / "out.csv"
    for _ in range(2):  # the first rerun recomputes the window; nothing blocks a second one
        code, err = _run([*SCREEN, "--checkpoint", str(folder), "--output", str(output)],
                         capsys)
        assert code == 0, err
        assert f"checkpoint window {bad} could not be read: computed again" in err
        assert output.read_bytes() == reference.read_bytes()
        assert not folder.exists()
        if _ == 0:  # rebuild the damaged state for the second round
            assert _run([*SCREEN, "--checkpoint", str(folder), "--output",
                         str(tmp_path / "blocker" / "x.csv")], capsys)[0] == 2
            bad.write_bytes(b"")
