"""Where the book keeps things: its repository, its build folder and results, a chapter's title,
and the scales every chapter runs at. Light (no torch), for the build floor and the chapters alike.

The book is built at paper scale in ``<repo>/_build``. The environment variables
``SAMUTILS_BUILD`` (a build folder) and ``SAMUTILS_SCALE`` (its scale) select another book, as the
tests do to build a ci-scale book from the chapters they execute."""

from __future__ import annotations

import os
from pathlib import Path

SCALES = ("ci", "paper")
BOOK_PDF = "sam-dynamics.pdf"  # the typeset book, at the root of the HTML site (make pdf)


def repo_root() -> Path:
    """The book's repository (the folder holding ``_config.yml``) when samutils runs from it, else
    the cwd."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "_config.yml").exists() else Path.cwd()


def chapter_title(path: Path) -> str:
    """The first level-one heading of a chapter file (its stem if it has none)."""
    for line in Path(path).read_text("utf8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return Path(path).stem


def build_dir() -> Path:
    """The book's build folder: ``$SAMUTILS_BUILD`` if set (relative to the repository), else
    ``<repo>/_build``. The build's pages run with the page's folder as working directory, so a
    relative path must not be read from there."""
    return repo_root() / (os.environ.get("SAMUTILS_BUILD") or "_build")


def book_scale() -> str:
    """The scale of the book being built: ``$SAMUTILS_SCALE`` if set, else ``paper``."""
    return os.environ.get("SAMUTILS_SCALE") or "paper"


def default_outdir() -> Path:
    """``<build>/results``: where ``make book`` and the CLI put results by default."""
    return build_dir() / "results"


def execution_cache() -> Path:
    """``<build>/.jupyter_cache``: Jupyter Book's execution cache, where runs are filed for the
    book."""
    return build_dir() / ".jupyter_cache"
