import pytest

from samutils import citation

BIB = """@article{a2020,
  title = {Braces {inside} braces},
  year  = {2020}
}

@inproceedings{b2021, title = {B}}
"""

CFF = """cff-version: 1.2.0
title: "A Book"
authors:
  - name: "The Authors"
  - {family-names: Doe, given-names: Jane}
version: 0.2.0
date-released: 2026-11-24
repository-code: "https://example.org/book"
url: "https://example.org/site/"
"""


def test_bib_entry_is_verbatim_with_nested_braces(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    assert citation.bib_entry("a2020", bib) == BIB.split("\n\n")[0]
    assert citation.bib_entry("b2021", bib) == "@inproceedings{b2021, title = {B}}"
    with pytest.raises(KeyError, match="c2022"):
        citation.bib_entry("c2022", bib)


def test_book_bibtex_from_citation_cff(tmp_path):
    cff = tmp_path / "CITATION.cff"
    cff.write_text(CFF)
    entry = citation.book_bibtex("Chapter title", "04_x", cff)
    assert entry.startswith("@misc{samdynamics_04_x,") and entry.endswith("}")
    assert "title        = {{A Book}: Chapter title}," in entry
    assert "author       = {{The Authors} and Doe, Jane}," in entry
    assert (
        "year         = {2026}" in entry
        and "version      = {0.2.0}" in entry
        and "\\url{https://example.org/book}" in entry
    )


def test_the_books_own_files_resolve():
    md = citation.how_to_cite("04_bouncing_ravines", "bartlett2023dynamics").data
    assert "@misc{samdynamics_04_bouncing_ravines" in md and "@article{bartlett2023dynamics" in md


def test_how_to_cite_a_chapter_checking_two_papers():
    md = citation.how_to_cite("04_bouncing_ravines", "kim2023stability", "zhou2025sam").data
    assert (
        "The papers whose claims it checks" in md
        and "@misc{kim2023stability" in md
        and "@inproceedings{zhou2025sam" in md
    )


def test_a_claim_is_cited_by_a_stable_address(tmp_path):
    cff = tmp_path / "CITATION.cff"
    cff.write_text(CFF)
    assert citation.claim_url("K-T1d", cff) == "https://example.org/site/claims/k-t1d.html"
    entry = citation.claim_bibtex("K-T1d", "Kim et al. (2023)", "Theorem 1", cff)
    assert entry.startswith("@misc{samdynamics-k-t1d,") and entry.endswith("}")
    assert "title        = {{A Book}: claim K-T1d (Kim et al. (2023), Theorem 1)}," in entry
    assert (
        "\\url{https://example.org/site/claims/k-t1d.html}" in entry
        and "version      = {0.2.0}" in entry
    )
    line = citation.claim_reference("K-T1d", "Kim et al. (2023)", "Theorem 1", cff)
    assert line.startswith("The Authors; Doe, Jane (2026). A Book, version 0.2.0: claim K-T1d")
    assert line.endswith("https://example.org/site/claims/k-t1d.html")


def test_short_names_come_from_the_bibliography():
    assert citation.short_name("kim2023stability") == "Kim et al. (2023)"
    assert citation.short_name("polyak1964heavyball") == "Polyak (1964)"
