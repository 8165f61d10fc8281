"""How to cite a chapter or a single claim: the book's BibTeX (from ``CITATION.cff``) and the
paper's (from ``book/references.bib``), so that neither is typed twice.

A claim is cited by a stable address, ``<site>/claims/<id>.html`` (``site``: the ``url`` of
``CITATION.cff``), derived from its ID alone: the build writes that page as a redirect to the
claim's section, wherever the section is, so reordering chapters changes no citation."""

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


def short_name(key: str, bib: Path | None = None) -> str:
    """How the text names a bibliography entry: ``Kim et al. (2023)``, ``Polyak (1964)``."""
    entry = bib_entry(key, bib)
    field = lambda name: re.search(name + r"\s*=\s*\{(.*?)\},?\s*$", entry, re.M).group(1)
    families = [
        a.split(",")[0].strip() if "," in a else a.split()[-1]
        for a in field("author").split(" and ")
    ]
    names = (
        families[0]
        if len(families) == 1
        else " and ".join(families)
        if len(families) == 2
        else f"{families[0]} et al."
    )
    return f"{names} ({field('year')})"


def book_metadata(cff: Path | None = None) -> dict:
    """``CITATION.cff`` as a dict."""
    return yaml.safe_load((cff or repo_root() / "CITATION.cff").read_text())


def _authors(meta: dict) -> str:
    return " and ".join(
        f"{{{a['name']}}}" if "name" in a else f"{a['family-names']}, {a['given-names']}"
        for a in meta["authors"]
    )


def claim_slug(claim_id: str) -> str:
    """The claim's name in addresses and keys: its ID in lower case (``K-T1d`` -> ``k-t1d``)."""
    return claim_id.lower()


def claim_url(claim_id: str, cff: Path | None = None) -> str:
    """The stable address of a claim: ``<site>/claims/<id>.html``."""
    return f"{book_metadata(cff)['url'].rstrip('/')}/claims/{claim_slug(claim_id)}.html"


def claim_bibtex(claim_id: str, paper: str, source: str, cff: Path | None = None) -> str:
    """A ``@misc`` entry for one claim of the book (``paper``: who stated it, ``source``: where)."""
    meta = book_metadata(cff)
    return (
        f"@misc{{samdynamics-{claim_slug(claim_id)},\n"
        f"  title        = {{{{{meta['title']}}}: claim {claim_id} ({paper}, {source})}},\n"
        f"  author       = {{{_authors(meta)}}},\n"
        f"  year         = {{{str(meta['date-released'])[:4]}}},\n"
        f"  version      = {{{meta['version']}}},\n"
        f"  howpublished = {{\\url{{{claim_url(claim_id, cff)}}}}},\n"
        f"  note         = {{Claim {claim_id}}}\n"
        f"}}"
    )


def claim_reference(claim_id: str, paper: str, source: str, cff: Path | None = None) -> str:
    """The same citation as one line of plain text."""
    meta = book_metadata(cff)
    names = "; ".join(
        a.get("name") or f"{a['family-names']}, {a['given-names']}" for a in meta["authors"]
    )
    return (
        f"{names} ({str(meta['date-released'])[:4]}). {meta['title']}, version {meta['version']}: "
        f"claim {claim_id} ({paper}, {source}). {claim_url(claim_id, cff)}"
    )


def book_bibtex(chapter_title: str, slug: str, cff: Path | None = None) -> str:
    """A ``@misc`` entry for one chapter of the book, from the book's ``CITATION.cff``."""
    meta = book_metadata(cff)
    authors, year = _authors(meta), str(meta["date-released"])[:4]
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
    """Markdown for a chapter's last section: the BibTeX of this chapter and of the papers it
    checks."""
    from IPython.display import Markdown

    title = chapter_title(repo_root() / "book" / "chapters" / f"{slug}.md")
    papers = (
        "The paper whose claims it checks"
        if len(paper_keys) == 1
        else "The papers whose claims it checks"
    )
    return Markdown(
        "This chapter:\n\n```bibtex\n" + book_bibtex(title, slug) + "\n```\n\n"
        f"{papers}:\n\n```bibtex\n" + "\n\n".join(bib_entry(k) for k in paper_keys) + "\n```\n"
    )
