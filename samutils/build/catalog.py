"""The book's chapters as the command line sees them: files, declared claims and parameters,
and the check of a run request (chapter, scale, parameter names) before anything executes."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .. import layout

CORE_PARAMETERS = ("scale", "seed", "outdir")


class UsageError(Exception):
    """A bad chapter, scale or parameter: exit status 2."""


class CellError(Exception):
    """A chapter cell raised: exit status 1."""


@dataclass(frozen=True)
class ChapterFile:
    """A chapter notebook and what its front matter and parameters cell declare."""

    path: Path

    @property
    def slug(self) -> str:
        return self.path.stem

    def notebook(self):
        import jupytext

        return jupytext.read(self.path)

    @property
    def meta(self) -> dict:
        import jupytext

        return jupytext.read(self.path).metadata.get("samutils", {})

    @property
    def title(self) -> str:
        return layout.chapter_title(self.path)

    @property
    def claims(self) -> list[str]:
        return list(self.meta.get("claims", []))

    @property
    def scales(self) -> tuple[str, ...]:
        return tuple(self.meta.get("scales", layout.SCALES))

    def parameters(self) -> list[str]:
        """Names assigned in the cell tagged ``parameters``."""
        for cell in self.notebook().cells:
            if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
                tree = ast.parse(cell.source)
                return [
                    t.id
                    for node in tree.body
                    if isinstance(node, ast.Assign)
                    for t in node.targets
                    if isinstance(t, ast.Name)
                ]
        raise UsageError(f"chapter {self.slug!r} has no cell tagged 'parameters'")


def chapter_files(root: Path | None = None) -> list[ChapterFile]:
    """The chapters in ``<root>/book/chapters``, in order."""
    folder = (root or layout.repo_root()) / "book" / "chapters"
    return [ChapterFile(p) for p in sorted(folder.glob("[0-9][0-9]_*.md"))]


def find_chapter(name: str) -> ChapterFile:
    """A chapter by slug (or by a unique prefix such as ``01``)."""
    chapters = chapter_files()
    exact = [c for c in chapters if c.slug == name]
    matches = exact or [c for c in chapters if c.slug.startswith(name)]
    if len(matches) != 1:
        known = ", ".join(c.slug for c in chapters) or "none"
        raise UsageError(f"unknown chapter {name!r}; chapters: {known}")
    return matches[0]


def parse_value(text: str):
    """A ``-p`` value: a Python literal (number, list, None, ...) or else the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def check_request(chapter: ChapterFile, scale: str, params: dict) -> None:
    """Reject an unknown scale or parameter name before anything runs."""
    if scale not in chapter.scales:
        raise UsageError(
            f"unknown scale {scale!r} for {chapter.slug}; allowed: {', '.join(chapter.scales)}"
        )
    declared = chapter.parameters()
    for name in params:
        if name in CORE_PARAMETERS:
            raise UsageError(
                f"parameter {name!r} is set with --{name.replace('outdir', 'out')}, not -p"
            )
        if name not in declared:
            knobs = [p for p in declared if p not in CORE_PARAMETERS]
            raise UsageError(
                f"unknown parameter {name!r} for {chapter.slug}; its parameters: "
                f"{', '.join(knobs) or 'none'}"
            )
