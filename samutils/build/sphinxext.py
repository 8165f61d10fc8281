"""Sphinx extension of the book.

- Re-read pages whose results changed although their text did not. Sphinx re-reads only documents
  whose source changed; a chapter re-executed by ``make book`` (for instance after a change in
  samutils) keeps its text. A chapter is outdated when its ``<results>/<slug>.json`` is newer than
  Sphinx's last reading of it; the pages listed in ``samutils_results_pages`` (ledger, errata,
  landing page) when any results file is.
- Drop scripts registered twice: in this Jupyter Book 1 stack sphinx-thebe's configuration
  script (``const THEBE_JS_URL = ...``) reaches every page twice, and the second copy is a
  syntax error in the browser.
- Serve MathJax from the site, so that a book opened without a network renders its mathematics:
  the one combined component the pages load (``tex-mml-chtml.js``) and its woff fonts, about
  1.6 MB, copied from the PyPI package ``django-static-mathjax`` into ``_static/mathjax/``.
- Give every claim a stable address and its citation: ``claims/<id>.html`` redirects to the
  section labelled ``claim-<id>`` wherever it is, ``claims/<id>.bib`` holds its BibTeX, and
  ``citations.bib`` all of them (:mod:`samutils.citation`).
- Generate the pages made from the results (ledger, errata, variant table, the landing page's
  overview) at build time with the directive ``{samutils-generated} <what>``, which parses the
  Markdown of :func:`samutils.build.pages.generated` in place: no kernel runs for them. A page
  that could not be generated (results missing, stale or of another scale) fails the build and
  is read again by the next one, so a later build cannot pass with the page left empty.
- Offer the whole book as a PDF in every page's download menu, beside the page's own files: a link
  to ``sam-dynamics.pdf`` at the site's root, where ``make pdf`` puts the typeset book.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from .. import citation, layout


def _outdated(app, env, added, changed, removed) -> list[str]:
    results = layout.default_outdir()
    stamps = {
        p.stem: p.stat().st_mtime_ns // 1000 for p in results.glob("*.json")
    }  # Sphinx keeps microseconds
    newest = max(stamps.values(), default=0)
    read_at = lambda doc: env.all_docs.get(doc, float("inf"))
    chapters = [
        d
        for d in env.found_docs
        if d.startswith("book/chapters/") and stamps.get(Path(d).name, 0) > read_at(d)
    ]
    pages = [
        d for d in app.config.samutils_results_pages if d in env.found_docs and newest > read_at(d)
    ]
    unfinished = sorted(getattr(env, "samutils_unfinished", set()) & env.found_docs)
    return list(dict.fromkeys(chapters + pages + unfinished))


MATHJAX_PATH = "mathjax/tex-mml-chtml.js"  # relative to _static
MATHJAX_FILES = ("tex-mml-chtml.js", "output/chtml/fonts/woff-v2/*.woff")


def mathjax_source() -> Path:
    """The MathJax 3 build shipped in ``django-static-mathjax``."""
    import mathjax

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def copy_mathjax(dest: Path) -> list[Path]:
    """Copy the files the pages need, keeping MathJax's layout (fonts are found relative to the
    script)."""
    src, copied = mathjax_source(), []
    for pattern in MATHJAX_FILES:
        for f in sorted(src.glob(pattern)):
            target = dest / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            copied.append(target)
    if not any(p.name == "tex-mml-chtml.js" for p in copied):
        raise FileNotFoundError(f"MathJax not found under {src}; install django-static-mathjax")
    return copied


def _local_mathjax(app, config) -> None:
    config.mathjax_path = MATHJAX_PATH


def _book_cache(app, config) -> None:
    """Read executed chapters from the selected book's cache (see :mod:`samutils.layout`)."""
    config.nb_execution_cache_path = str(layout.execution_cache())


def _copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        copy_mathjax(Path(app.outdir) / "_static" / Path(MATHJAX_PATH).parent)


REDIRECT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{cid}</title>
<link rel="canonical" href="{target}"><meta http-equiv="refresh" content="0; url={target}">
</head><body><a href="{target}">{cid}</a></body></html>
"""


def write_claim_pages(outdir: Path, labels: dict, claims: list[dict], uri) -> list[str]:
    """Write ``claims/<id>.html`` (a redirect to the claim's section), ``claims/<id>.bib`` and
    ``citations.bib`` under ``outdir``; return the claim IDs. ``labels``: Sphinx's std-domain labels
    (``name -> (docname, anchor, title)``); ``claims``: dicts with ``id``, ``paper``, ``source``;
    ``uri(docname)``: the page's address relative to the site root."""
    folder = Path(outdir) / "claims"
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for c in claims:
        slug = citation.claim_slug(c["id"])
        if f"claim-{slug}" not in labels:
            raise ValueError(f"claim {c['id']} has no section labelled claim-{slug}")
        docname, anchor, _ = labels[f"claim-{slug}"]
        target = f"../{uri(docname)}#{anchor}"
        (folder / f"{slug}.html").write_text(REDIRECT.format(cid=c["id"], target=target))
        bib = citation.claim_bibtex(c["id"], citation.short_name(c["paper"]), c["source"])
        (folder / f"{slug}.bib").write_text(bib + "\n")
        entries.append(bib)
    (Path(outdir) / "citations.bib").write_text("\n\n".join(entries) + "\n")
    return [c["id"] for c in claims]


def _claim_pages(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        from ..ledger import claims_table

        labels = app.env.domaindata["std"]["labels"]
        write_claim_pages(
            Path(app.outdir),
            labels,
            claims_table(layout.default_outdir()),
            app.builder.get_target_uri,
        )


def _script_key(js) -> tuple:
    return (str(js.filename or ""), tuple(sorted((k, str(v)) for k, v in js.attributes.items())))


def _unique_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = _script_key(js)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"][:] = unique


class Generated(SphinxDirective):
    """``{samutils-generated} <what>``: Markdown generated from the results, parsed in place
    (headings included)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from . import pages

        try:
            text = pages.generated(self.arguments[0])
        except ValueError as err:  # read the page again next time, until it can be generated
            unfinished = getattr(self.env, "samutils_unfinished", set())
            self.env.samutils_unfinished = unfinished | {self.env.docname}
            raise self.error(str(err)) from err
        holder = nodes.Element()
        self.state.nested_parse(
            StringList(text.splitlines(), self.get_source_info()[0]),
            self.content_offset,
            holder,
            match_titles=True,
        )
        return holder.children


def _forget_unfinished(app, env, docname) -> None:
    getattr(env, "samutils_unfinished", set()).discard(docname)


def _merge_unfinished(app, env, docnames, other) -> None:
    """Parallel reading: the pages another reader could not generate."""
    mine = getattr(env, "samutils_unfinished", set())
    env.samutils_unfinished = mine | getattr(other, "samutils_unfinished", set())


def _book_pdf_download(app, pagename, templatename, context, doctree) -> None:
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](layout.BOOK_PDF, 1),
                    "text": "book .pdf",
                    "tooltip": "The whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def setup(app):
    app.add_config_value("samutils_results_pages", [], "env")
    app.add_directive("samutils-generated", Generated)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _forget_unfinished)
    app.connect("env-merge-info", _merge_unfinished)
    app.connect("config-inited", _local_mathjax)
    app.connect("config-inited", _book_cache)
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _claim_pages)
    app.connect("html-page-context", _unique_scripts, priority=100)
    app.connect("html-page-context", _book_pdf_download, priority=502)  # after the theme's buttons
    return {"parallel_read_safe": True, "parallel_write_safe": True}
