"""Shared set-up. The chapter executions, the browser test and the PDF test form one group
(``--dist loadgroup`` puts it on one worker, in this order): the chapters run at ci scale into the
ci book's folder (:data:`CI_BOOK`), the browser test builds and opens that book, the PDF test
typesets it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from samutils import layout
from samutils.build import catalog, runner

CI_BOOK = layout.repo_root() / "_build" / "ci"
CI_ENV = dict(os.environ, SAMUTILS_BUILD=str(CI_BOOK), SAMUTILS_SCALE="ci")


def _stage(item) -> int:
    """0: anything else, 1: the browser test, 2: the PDF test (they reuse what ran before)."""
    return 2 if item.get_closest_marker("pdf") else 1 if item.get_closest_marker("browser") else 0


def pytest_collection_modifyitems(config, items):
    """Chapter executions, browser and PDF tests in one xdist group, in that order."""
    for item in items:
        if _stage(item) or item.module.__name__.endswith("test_chapters_execute"):
            item.add_marker(pytest.mark.xdist_group("ci-book"))
    items.sort(key=_stage)


def apt_install(packages: list[str], needed: list[str]) -> None:
    """Install Debian ``packages`` with apt unless every path in ``needed`` exists; fail clearly."""
    if all(Path(p).exists() for p in needed):
        return
    if not shutil.which("apt-get"):
        pytest.fail(
            f"{', '.join(needed)} missing and apt-get is not available to install "
            f"{' '.join(packages)}"
        )
    wait = ["-o", "DPkg::Lock::Timeout=600"]  # another apt run (a system update) may hold the lock
    install = ["apt-get", *wait, "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", *wait, "update", "-q"], capture_output=True)
        result = subprocess.run(install, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"could not install {' '.join(packages)}: {result.stderr[-500:]}")


def ci_results() -> None:
    """Run, at ci scale into :data:`CI_BOOK`, each chapter whose results are missing or stale
    (its text or what it imports changed since; at the seed of its results, 0 if none), so that
    the build never executes a chapter itself at its default scale."""
    out = CI_BOOK / "results"
    for ch in catalog.chapter_files():
        made = out / f"{ch.slug}.json"
        seed = json.loads(made.read_text())["seed"] if made.exists() else 0
        if runner.up_to_date(ch, scale="ci", seed=seed, out=out):
            continue
        run = [sys.executable, "-m", "samutils", "run", ch.slug, "--scale", "ci", "--seed"]
        done = subprocess.run(
            [*run, str(seed), "--no-progress"],
            cwd=layout.repo_root(),
            capture_output=True,
            text=True,
            env=CI_ENV,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def build_ci_book(*options: str) -> None:
    """``jupyter-book build`` of the ci-scale book (after :func:`ci_results`) into
    :data:`CI_BOOK`, with the builder ``options``; fails with the end of its output."""
    ci_results()
    jb = str(Path(sys.executable).parent / "jupyter-book")
    build = [jb, "build", ".", "--path-output", str(CI_BOOK), *options]
    done = subprocess.run(build, cwd=layout.repo_root(), capture_output=True, text=True, env=CI_ENV)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.fixture(autouse=True)
def float64():
    torch.set_default_dtype(torch.float64)
    yield
