"""Hand a papermill-executed chapter to Jupyter Book, so the book does not execute it again.

Jupyter Book (myst-nb, ``execute_notebooks: cache``) looks a notebook up in a jupyter-cache
by a hash of its code cells. :func:`store` files the chapter source, as myst-nb reads it,
with the outputs of the papermill run, under that hash. Because ``make book`` runs every
chapter through papermill first, a change in samutils re-executes chapters even though their
text (the only thing the cache keys on) did not change: the book never serves stale outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from myst_nb.core.read import read_myst_markdown_notebook


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def with_outputs(source: Path, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The chapter as myst-nb reads ``source``, with the outputs of ``executed``.

    Cells papermill injected (tag ``injected-parameters``) are skipped; the remaining code
    cells must match the source one to one.
    """
    nb = read_myst_markdown_notebook(Path(source).read_text("utf8"))
    ran = [
        c for c in _code_cells(executed) if "injected-parameters" not in c.metadata.get("tags", [])
    ]
    cells = _code_cells(nb)
    if [c.source for c in cells] != [c.source for c in ran]:
        raise ValueError(f"{source}: the executed notebook's code cells differ from the source")
    for cell, done in zip(cells, ran):
        cell.outputs, cell.execution_count = done.outputs, done.execution_count
    nb.metadata["language_info"] = executed.metadata.get("language_info", {})
    return nb


def store(
    source: Path, executed: nbformat.NotebookNode, cache_dir: Path, seconds: float | None = None
) -> int:
    """File the executed chapter in the jupyter-cache at ``cache_dir``; returns the record id."""
    nb = with_outputs(source, executed)
    record = get_cache(str(cache_dir)).cache_notebook_bundle(
        CacheBundleIn(nb, str(Path(source).resolve()), data={"execution_seconds": seconds}),
        check_validity=False,
        overwrite=True,
    )
    return record.pk
