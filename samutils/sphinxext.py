"""Sphinx extension: re-read pages whose results changed although their text did not.

Sphinx re-reads only documents whose source changed; a chapter re-executed by ``make book``
(for instance after a change in samutils) keeps its text. A chapter is outdated when its
``<results>/<slug>.json`` is newer than Sphinx's last reading of it; the pages listed in
``samutils_results_pages`` (the ledger) when any results file is.
"""

from __future__ import annotations

from pathlib import Path

from . import book


def _outdated(app, env, added, changed, removed) -> list[str]:
    results = book.default_outdir()
    stamps = {p.stem: p.stat().st_mtime_ns // 1000 for p in results.glob("*.json")}  # Sphinx keeps microseconds
    newest = max(stamps.values(), default=0)
    read_at = lambda doc: env.all_docs.get(doc, float("inf"))
    chapters = [d for d in env.found_docs if d.startswith("book/chapters/") and stamps.get(Path(d).name, 0) > read_at(d)]
    pages = [d for d in app.config.samutils_results_pages if d in env.found_docs and newest > read_at(d)]
    return chapters + pages


def setup(app):
    app.add_config_value("samutils_results_pages", [], "env")
    app.connect("env-get-outdated", _outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
