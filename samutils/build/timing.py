"""``make bench``: how long each chapter takes at each scale, and the whole book cold and warm.

Writes a Markdown table to ``_build/bench.md``. The book timings run ``make clean`` and then
``make book`` twice in the repository: the first from nothing (cold), the second with nothing
changed (warm); the book is left built.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from .. import layout
from . import bench, catalog, runner


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def chapter_times(scales=("ci", "paper")) -> list[dict]:
    """Seconds per chapter and scale, each run into a fresh temporary folder, one at a time."""
    rows = []
    for ch in catalog.chapter_files():
        row = {"chapter": ch.slug}
        for scale in scales:
            with tempfile.TemporaryDirectory() as out:
                run = lambda: runner.run_chapter(
                    ch, scale=scale, seed=0, params={}, out=Path(out), progress=False
                )
                row[f"{scale} (s)"] = _timed(run)
        rows.append(row)
    return rows


def book_times(root: Path) -> dict:
    """Seconds for ``make book`` from a clean tree (cold) and right after (warm)."""
    make = lambda *targets: subprocess.run(
        ["make", *targets], cwd=root, check=True, capture_output=True
    )
    make("clean")
    return {"cold": _timed(lambda: make("book")), "warm": _timed(lambda: make("book"))}


def table(rows: list[dict], builds: dict, batched: dict) -> str:
    """The Markdown report."""
    scales = [k for k in rows[0] if k != "chapter"]
    lines = ["| chapter | " + " | ".join(scales) + " |", "|---|" + "---|" * len(scales)]
    lines += [
        f"| {r['chapter']} | " + " | ".join(f"{r[s]:.1f}" for s in scales) + " |" for r in rows
    ]
    lines += [
        "| **all chapters, one at a time** | "
        + " | ".join(f"**{sum(r[s] for r in rows):.1f}**" for s in scales)
        + " |",
        "",
    ]
    lines += [
        "| `make book` | seconds |",
        "|---|---|",
        f"| cold (after `make clean`) | {builds['cold']:.1f} |",
        f"| warm (nothing changed) | {builds['warm']:.1f} |",
        "",
    ]
    lines += [
        f"Batched runner: {batched['trajectories']} normalized-SAM trajectories x "
        f"{batched['steps']} steps on Beale in "
        f"{batched['batched_s']:.2f} s, against {batched['naive_s']:.0f} s one trajectory at a "
        f"time with autograd "
        f"({batched['ratio']:.0f}x)."
    ]
    return "\n".join(lines) + "\n"


def main() -> Path:
    root = layout.repo_root()
    rows = chapter_times()
    builds = book_times(root)
    report = table(rows, builds, bench.main())
    path = root / "_build" / "bench.md"
    path.write_text(report)
    print(report)
    return path
