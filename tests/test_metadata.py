"""The book's metadata: CITATION.cff valid, .zenodo.json generated from it, the versions and the
pins of every install route (pip, conda/Binder) in step."""

import json
import os
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from samutils import layout

ROOT = layout.repo_root()
TOOLS = ROOT / "tests" / "tools" / "cffconvert.txt"


@pytest.fixture(scope="module")
def cffconvert(tmp_path_factory):
    target = tmp_path_factory.mktemp("cffconvert")
    pip = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--target",
        str(target),
        "-r",
        str(TOOLS),
    ]
    subprocess.run(pip, check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(target))
    return lambda *args: subprocess.run(
        [sys.executable, "-c", "from cffconvert.cli.cli import cli; cli()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_citation_cff_is_valid_and_zenodo_follows_it(cffconvert):
    valid = cffconvert("--validate", "-i", "CITATION.cff")
    assert valid.returncode == 0 and "valid" in valid.stdout, valid.stdout + valid.stderr
    zenodo = cffconvert("-f", "zenodo", "-i", "CITATION.cff")
    assert json.loads(zenodo.stdout) == json.loads((ROOT / ".zenodo.json").read_text())


def _pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        m = re.fullmatch(r"\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#;]+)\s*", line)
        if m:
            found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def test_versions_and_pins_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert (
        project["version"]
        == cff["version"]
        == json.loads((ROOT / ".zenodo.json").read_text())["version"]
    )
    direct = _pins(
        [
            *project["dependencies"],
            *(d for ds in project["optional-dependencies"].values() for d in ds),
        ]
    )
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    binder = _pins(pip_section)
    assert binder.pop("torch") == direct["torch"] + "+cpu", (
        "Binder installs the CPU build of the same torch"
    )
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in pip_section
    extras = project["optional-dependencies"]
    tools_only = _pins(
        [*extras["mutants"], *extras["bench"]]
    )  # maintainers' tools: not for readers
    assert binder == {k: v for k, v in direct.items() if k != "torch" and k not in tools_only}
    locked = _pins((ROOT / "constraints.txt").read_text().splitlines())
    assert {k: locked.get(k) for k in direct} == direct
