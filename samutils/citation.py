"""How to cite a chapter: the book's BibTeX (from ``CITATION.cff``) and the paper's (from
``book/references.bib``), so that neither is typed twice."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .layout import chapter_title, repo_root


def bib_entry(key: str, bib: Path | None = None) -> str:
    """The entry ``key`` of a BibTeX file, verbatim."""
    text = (bib or repo_root() / "book" / "references.bib").read_text()
    start = re.search(r"@\w+\{\s*" + re.escape(key) + r"\s*,", text)
    if not start:
        raise KeyError(f"no entry {key!r} in the bibliography")
    depth, i = 0, text.index("{", start.start())
    for i in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            break
    return text[start.start() : i + 1]


def book_bibtex(chapter_title: str, slug: str, cff: Path | None = None) -> str:
    """A ``@misc`` entry for one chapter of the book, from the book's ``CITATION.cff``."""
    meta = yaml.safe_load((cff or repo_root() / "CITATION.cff").read_text())
    authors = " and ".join(f"{{{a['name']}}}" if "name" in a else f"{a['family-names']}, {a['given-names']}" for a in meta["authors"])
    year = str(meta["date-released"])[:4]
    return (
        f"@misc{{samdynamics_{slug},\n"
        f"  title        = {{{{{meta['title']}}}: {chapter_title}}},\n"
        f"  author       = {{{authors}}},\n"
        f"  year         = {{{year}}},\n"
        f"  version      = {{{meta['version']}}},\n"
        f"  howpublished = {{\\url{{{meta['repository-code']}}}}},\n"
        f"  note         = {{Chapter {slug}}}\n"
        f"}}"
    )


def how_to_cite(slug: str, *paper_keys: str):
    """Markdown for a chapter's last section: the BibTeX of this chapter and of the papers it checks."""
    from IPython.display import Markdown

    title = chapter_title(repo_root() / "book" / "chapters" / f"{slug}.md")
    papers = "The paper whose claims it checks" if len(paper_keys) == 1 else "The papers whose claims it checks"
    return Markdown(
        "This chapter:\n\n```bibtex\n" + book_bibtex(title, slug) + "\n```\n\n"
        f"{papers}:\n\n```bibtex\n" + "\n\n".join(bib_entry(k) for k in paper_keys) + "\n```\n"
    )
