"""Where the book keeps things: its repository, the default results folder, a chapter's title,
and the scales every chapter runs at. Light (no torch), for the build floor and the chapters alike."""

from __future__ import annotations

from pathlib import Path

SCALES = ("ci", "paper")


def repo_root() -> Path:
    """The book's repository (the folder holding ``_config.yml``) when samutils runs from it, else the cwd."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "_config.yml").exists() else Path.cwd()


def chapter_title(path: Path) -> str:
    """The first level-one heading of a chapter file (its stem if it has none)."""
    for line in Path(path).read_text("utf8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return Path(path).stem


def default_outdir() -> Path:
    """``<repo>/_build/results``: where ``make book`` and the CLI put results by default."""
    return repo_root() / "_build" / "results"
