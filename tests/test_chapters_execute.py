"""Every chapter executed through the command line at ci scale, its results asserted."""

import json
import subprocess
import sys

import pytest

from samutils import chapters

# The verdict each claim must keep; a change here is a change of the book's findings.
EXPECTED = {
    "SAM-DEF": "reproduced",
    "K-T1": "reproduced",
    "K-T1d": "reproduced",
    "K-F5": "reproduced",
    "K-F6": "reproduced",
    "K-F1": "reproduced",
    "K-F1u": "not-reproduced",
    "K-F3": "reproduced",
    "K-F4": "reproduced",
    "K-TAB2-rhoc": "reproduced",
    "K-TAB2-trap": "reproduced",
    "K-TAB2-global": "not-reproduced",
    "K-TAB2-drop": "not-reproduced",
    "K-T2": "corrected",
    "K-C1": "corrected",
    "K-T3": "corrected",
    "K-SIM": "corrected",
    "K-F7": "corrected",
    "B-L5": "reproduced",
    "B-P8": "corrected",
    "B-L10": "reproduced",
    "B-F2": "reproduced",
    "B-T2": "reproduced",
    "B-T2s": "reproduced",
    "B-F1": "reproduced",
    "B-T21": "corrected",
    "B-F3": "reproduced",
    "B-F4": "reproduced",
    "B-F5": "reproduced",
    "Z-EX41": "reproduced",
    "Z-F4b": "reproduced",
    "Z-F4c": "corrected",
    "Z-T41": "reproduced",
    "Z-C42": "reproduced",
    "Z-P41": "corrected",
    "Z-T43": "corrected",
    "K-F8": "reproduced",
    "K-F9": "unresolved",
    "K-TAB1": "reproduced",
    "Z-F3": "not-reproduced",
    "Z-F5": "not-reproduced",
}


def _no_nan(token):
    raise ValueError(f"{token} in results")


@pytest.mark.chapter
@pytest.mark.parametrize("chapter", chapters.chapter_files(), ids=lambda c: c.slug)
def test_chapter_runs_at_ci_scale(chapter, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "samutils", "run", chapter.slug, "--scale", "ci", "--out", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads((tmp_path / f"{chapter.slug}.json").read_text(), parse_constant=_no_nan)
    assert results["chapter"] == chapter.slug and results["scale"] == "ci"
    assert sorted(results["claims"]) == sorted(chapter.claims)
    for cid, claim in results["claims"].items():
        assert claim["verdict"] == EXPECTED[cid], claim["summary"]
        assert claim["checks"] and claim["summary"]
    executed = json.loads((tmp_path / "notebooks" / f"{chapter.slug}.ipynb").read_text())
    shown = [o for c in executed["cells"] for o in c.get("outputs", []) if any(k.endswith("image/png") for k in o.get("data", {}))]
    saved = list((tmp_path / "figures" / chapter.slug).glob("*.png"))
    assert saved and len(shown) >= len(saved), "every saved figure is also in the notebook as an image"
