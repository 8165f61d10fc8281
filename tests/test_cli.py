"""The command line's contract: exit 2 for a bad request, 1 for a failing cell, outputs only on
success."""

import json
import signal
import subprocess
import sys
import time

import pytest

import mystnb_text
from samutils.build import catalog, runner
from samutils.build.cli import main

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
        (["run", FIRST, "--changed"], "apply to --all"),
        (["run", "--all", "--jobs", "0"], "--jobs"),
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
    names = catalog.find_chapter(FIRST).parameters()
    assert names[:3] == ["scale", "seed", "outdir"] and "dim" in names


def test_values_are_python_literals():
    assert catalog.parse_value("3") == 3 and catalog.parse_value("[0.1, 0.5]") == [0.1, 0.5]
    assert catalog.parse_value("None") is None and catalog.parse_value("sam") == "sam"


SYNTHETIC = mystnb_text.notebook(
    """
# A synthetic chapter

```{code-cell} ipython3
:tags: [parameters]

scale = "paper"
seed = 0
outdir = None
fail = False
wait = 0.0
```

```{code-cell} ipython3
import matplotlib.pyplot as plt
from samutils import Chapter, checks

ch = Chapter("99_synthetic", scale=scale, seed=seed, outdir=outdir)
ch.claim("K-T0", "one check", printed=[checks.close("c", 1, 1, 0)], source="Theorem 0",
setting="paper")
ch.savefig(plt.figure(), "empty")
```

```{code-cell} ipython3
import time

time.sleep(wait)
if fail:
    raise ZeroDivisionError("planted failure")
ch.write()
```
""",
    claims=["K-T0"],
)


@pytest.mark.chapter
def test_failed_rerun_keeps_the_previous_outputs(tmp_path, monkeypatch, capsys):
    source = tmp_path / "book" / "chapters" / "99_synthetic.md"
    source.parent.mkdir(parents=True)
    source.write_text(SYNTHETIC)
    monkeypatch.setattr(catalog, "chapter_files", lambda root=None: [catalog.ChapterFile(source)])
    out = tmp_path / "results"

    assert main(["run", "99_synthetic", "--scale", "ci", "--out", str(out)]) == 0
    results = out / "99_synthetic.json"
    before = results.read_bytes()
    assert json.loads(before)["claims"]["K-T0"]["verdict"] == "reproduced"
    capsys.readouterr()

    assert (
        main(["run", "99_synthetic", "--scale", "ci", "-p", "fail", "True", "--out", str(out)]) == 1
    )
    err = capsys.readouterr().err
    assert "99_synthetic: cell" in err and "ZeroDivisionError: planted failure" in err
    assert results.read_bytes() == before
    assert (out / "figures" / "99_synthetic" / "empty.png").exists()
    assert (out / "notebooks" / "99_synthetic.ipynb").exists()
    assert (out / "failed" / "99_synthetic.ipynb").exists()
    assert not list(out.glob(".staging-*"))

    assert main(["ledger", "--out", str(out)]) == 0
    assert "K-T0" in capsys.readouterr().out


@pytest.mark.chapter
def test_bad_parameter_value_exits_2_naming_it(tmp_path):
    out = cli("run", FIRST, "--scale", "ci", "-p", "dim", "'four'", "--out", str(tmp_path))
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "parameter 'dim' is 'four'; expected int" in errors[0]
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.chapter
def test_sigterm_leaves_no_staging_folder(tmp_path):
    source = tmp_path / "book" / "chapters" / "99_synthetic.md"
    source.parent.mkdir(parents=True)
    source.write_text(SYNTHETIC)
    out = tmp_path / "results"
    code = (
        f"import sys; from pathlib import Path; from samutils.build import catalog, cli; "
        f"catalog.chapter_files = lambda root=None: [catalog.ChapterFile(Path({str(source)!r}))]; "
        f"sys.exit(cli.main(['run', '99_synthetic', '--scale', 'ci', '-p', 'wait', '60', "
        f"'--no-progress', '--out', {str(out)!r}]))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    staging = out / ".staging-99_synthetic" / "figures"  # written by the cell before the sleep
    deadline = time.monotonic() + 60
    while not staging.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert staging.exists(), "the chapter never started"
    proc.terminate()
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert not list(out.glob(".staging-*")) and not list(out.glob("*.json"))


@pytest.mark.chapter
def test_bad_parameter_value_is_refused_before_any_heavy_cell(tmp_path):
    start = time.monotonic()
    out = cli("run", FIRST, "--scale", "ci", "-p", "dim", "-5", "--out", str(tmp_path))
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert out.returncode == 2 and len(errors) == 1 and "parameter 'dim' is -5" in errors[0]
    assert time.monotonic() - start < 30


@pytest.mark.chapter
def test_same_command_same_numbers(tmp_path):
    for name in ("a", "b"):
        run = cli("run", FIRST, "--scale", "ci", "--seed", "1", "--out", str(tmp_path / name))
        assert run.returncode == 0 and "without encryption" not in run.stderr  # IPC, not TCP
    a, b = (json.loads((tmp_path / n / f"{FIRST}.json").read_text()) for n in ("a", "b"))
    assert a == b and a["seed"] == 1


def test_ledger_without_results_exits_2(tmp_path):
    out = cli("ledger", "--out", str(tmp_path))
    assert out.returncode == 2 and "no chapter results" in out.stderr


@pytest.mark.chapter
def test_changed_reruns_only_what_changed(tmp_path, monkeypatch, capsys):
    source = tmp_path / "book" / "chapters" / "99_synthetic.md"
    source.parent.mkdir(parents=True)
    source.write_text(SYNTHETIC)
    chapter = catalog.ChapterFile(source)
    monkeypatch.setattr(catalog, "chapter_files", lambda root=None: [chapter])
    out = tmp_path / "results"
    run = lambda: main(
        ["run", "--all", "--changed", "--scale", "ci", "--out", str(out), "--no-progress"]
    )

    assert run() == 0 and "99_synthetic: " in capsys.readouterr().out
    assert runner.up_to_date(chapter, scale="ci", seed=0, out=out)
    assert not runner.up_to_date(chapter, scale="paper", seed=0, out=out)
    assert run() == 0 and "unchanged, not re-executed" in capsys.readouterr().out
    source.write_text(SYNTHETIC + "\nA new paragraph.\n")
    assert not runner.up_to_date(chapter, scale="ci", seed=0, out=out)
    assert run() == 0 and "unchanged" not in capsys.readouterr().out


def test_parallel_runs_start_the_longest_chapter_first(monkeypatch, tmp_path):
    started = []

    def fake_run(command, **kwargs):
        started.append(command[command.index("run") + 1])
        return subprocess.CompletedProcess(command, 0, stdout=f"{started[-1]} done\n", stderr="")

    monkeypatch.setattr(runner.subprocess, "run", fake_run)
    monkeypatch.setattr(runner, "store_from_disk", lambda *a, **k: None)
    chapters = catalog.chapter_files()
    runner.run_parallel(chapters, scale="paper", seed=0, out=tmp_path, jobs=1)
    expected = sorted(chapters, key=lambda ch: -runner.expected_seconds(ch, "paper"))
    assert started == [ch.slug for ch in expected] and started[0] == "06_training_tricks"
