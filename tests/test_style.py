"""The style gate: ruff's lint and format checks on samutils, the tests and every chapter's code
cells (jupytext writes each chapter as a notebook for ruff to read; settings in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import jupytext

from samutils import layout
from samutils.build import catalog

ROOT = layout.repo_root()
RUFF = str(Path(sys.executable).parent / "ruff")


def _ruff(*args) -> subprocess.CompletedProcess:
    return subprocess.run([RUFF, *args], cwd=ROOT, capture_output=True, text=True)


def test_samutils_and_tests_pass_ruff():
    for args in (("check", "samutils", "tests"), ("format", "--check", "samutils", "tests")):
        done = _ruff(*args)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_chapter_code_cells_pass_ruff(tmp_path):
    for chapter in catalog.chapter_files():
        jupytext.write(jupytext.read(chapter.path), tmp_path / f"{chapter.slug}.ipynb")
    config = ("--config", str(ROOT / "pyproject.toml"))  # the notebooks lie outside the repository
    for args in (("check", *config, str(tmp_path)), ("format", "--check", *config, str(tmp_path))):
        done = _ruff(*args)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
