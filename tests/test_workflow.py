"""The publishing workflow is valid and runs exactly the README's commands."""

import subprocess
import sys
from pathlib import Path

import yaml

from samutils import layout

WORKFLOW = layout.repo_root() / ".github" / "workflows" / "book.yml"


def test_actionlint_accepts_the_workflow():
    actionlint = Path(sys.executable).parent / "actionlint"
    done = subprocess.run([str(actionlint), str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_runs_the_makefile_targets():
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    commands = [s["run"].strip() for s in steps if "run" in s and s["run"].startswith("make")]
    assert commands == ["make test", "make book", "make pdf"]


def test_the_workflow_installs_what_the_browser_and_pdf_tests_need():
    from test_pdf import TEX

    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    installed = " ".join(s["run"] for s in steps if "apt-get install" in s.get("run", "")).split()
    assert set(TEX) | {"chromium", "chromium-driver"} <= set(installed)
