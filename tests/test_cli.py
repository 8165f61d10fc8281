"""The command line's contract: exit 2 for a bad request, 1 for a failing cell, outputs only on success."""

import json
import subprocess
import sys

import pytest

from samutils import chapters

FIRST = "01_sam_update_rules"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "samutils", *args], capture_output=True, text=True)


def test_list_shows_chapters_titles_and_claims():
    out = cli("list")
    assert out.returncode == 0
    assert FIRST in out.stdout and "SAM-DEF" in out.stdout and "update rules" in out.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "99_nothing"], "unknown chapter '99_nothing'"),
        (["run", FIRST, "--scale", "huge"], "unknown scale 'huge'"),
        (["run", FIRST, "-p", "nonsense", "1"], "unknown parameter 'nonsense'"),
        (["run", FIRST, "-p", "scale", "ci"], "--scale"),
        (["run", "--all", "-p", "dim", "3"], "--all"),
        (["run"], "SLUG or --all"),
    ],
)
def test_bad_requests_exit_2_with_one_line(args, message, tmp_path):
    out = cli(*args, "--out", str(tmp_path))
    assert out.returncode == 2
    assert message in out.stderr and out.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_bad_seed_exits_2(tmp_path):
    out = cli("run", FIRST, "--seed", "-3", "--out", str(tmp_path))
    assert out.returncode == 2 and "--seed" in out.stderr


def test_parameters_cell_is_read():
    names = chapters.find_chapter(FIRST).parameters()
    assert names[:3] == ["scale", "seed", "outdir"] and "dim" in names


def test_values_are_python_literals():
    assert chapters.parse_value("3") == 3 and chapters.parse_value("[0.1, 0.5]") == [0.1, 0.5]
    assert chapters.parse_value("None") is None and chapters.parse_value("sam") == "sam"


@pytest.mark.chapter
def test_failed_rerun_keeps_the_previous_outputs(tmp_path):
    good = cli("run", FIRST, "--scale", "ci", "--out", str(tmp_path))
    assert good.returncode == 0, good.stderr
    results = tmp_path / f"{FIRST}.json"
    before = results.read_bytes()
    figures = sorted(p.name for p in (tmp_path / "figures" / FIRST).iterdir())

    bad = cli("run", FIRST, "--scale", "ci", "-p", "dim", "'four'", "--out", str(tmp_path))
    assert bad.returncode == 1
    assert f"{FIRST}: cell" in bad.stderr and "TypeError" in bad.stderr
    assert results.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "figures" / FIRST).iterdir()) == figures
    assert (tmp_path / "notebooks" / f"{FIRST}.ipynb").exists()
    assert (tmp_path / "failed" / f"{FIRST}.ipynb").exists()
    assert not list(tmp_path.glob(".staging-*"))

    ledger = cli("ledger", "--out", str(tmp_path))
    assert ledger.returncode == 0 and "SAM-DEF" in ledger.stdout and "reproduced" in ledger.stdout


def test_ledger_without_results_exits_2(tmp_path):
    out = cli("ledger", "--out", str(tmp_path))
    assert out.returncode == 2 and "no chapter results" in out.stderr
