"""debris' compiled kernels are cached outside the install (debris.kernel_cache): a reinstall
of the same source loads them, any change to the source compiles again."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import debris

pytest.importorskip("numba")

SOURCE = Path(debris.__file__).resolve().parent
SCRIPT = "from debris.propagation.polymath import sincos; print(sincos(1.0))"


def _install(folder: Path) -> Path:
    """A copy of debris' package with fresh file times, as ``pip install`` writes it."""
    target = folder / "debris"
    shutil.copytree(SOURCE, target, copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _run(site: Path, cache: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(site), DEBRIS_CACHE_DIR=str(cache), NUMBA_DEBUG_CACHE="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, cwd=site, check=True)
    assert "0.84147" in done.stdout
    return done.stdout


def test_a_reinstall_finds_the_compiled_kernels(tmp_path):
    cache = tmp_path / "cache"
    first = _run(_install(tmp_path / "site1"), cache)
    assert "data saved to" in first
    saved = sorted(p.name for p in cache.rglob("*") if p.is_file())
    assert saved and all(str(cache) in line for line in first.splitlines()
                         if line.startswith("[cache]") and " to " in line)
    # the same source installed elsewhere, every file newer: loaded, nothing compiled
    again = _run(_install(tmp_path / "site2"), cache)
    assert "data loaded from" in again and "data saved to" not in again
    assert sorted(p.name for p in cache.rglob("*") if p.is_file()) == saved
    # a change anywhere in debris (here a module the kernel does not import) compiles again
    changed = _install(tmp_path / "site3")
    with open(changed / "debris" / "propagation" / "sgp4_core.py", "a") as f:
        f.write("\n# an edit\n")
    assert "data saved to" in _run(changed, cache)


def test_numba_cache_dir_keeps_its_meaning(tmp_path):
    site = _install(tmp_path / "site")
    env = dict(os.environ, PYTHONPATH=str(site), DEBRIS_CACHE_DIR=str(tmp_path / "ours"),
               NUMBA_CACHE_DIR=str(tmp_path / "numba"), NUMBA_DEBUG_CACHE="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, cwd=site, check=True)
    assert str(tmp_path / "numba") in done.stdout and not (tmp_path / "ours").exists()


def test_the_compile_note_is_said_only_before_compiling(tmp_path):
    site = _install(tmp_path / "site")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(site), DEBRIS_CACHE_DIR=str(tmp_path / "cache"))
    script = ("from debris.backends import compile_note; "
              "from debris.propagation.polymath import sincos; "
              "compile_note(sincos, 'the sines'); sincos(1.0)")
    said = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, cwd=site, check=True).stderr for _ in range(2)]
    assert "numba is compiling debris' kernels (the sines first)" in said[0]
    assert said[1] == ""
