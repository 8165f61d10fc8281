"""The book as a PDF: ``make pdf``'s build (Jupyter Book's LaTeX builder, XeLaTeX) of the ci-scale
book, every page rendered to PNG with pdftoppm, and the LaTeX log free of missing glyphs and
undefined references. TeX Live and poppler come from Debian (installed with apt if missing)."""

import re
import subprocess
from pathlib import Path

import pytest

from conftest import CI_BOOK, apt_install, build_ci_book
from samutils.build import catalog

TEX = [
    "texlive-xetex",
    "texlive-latex-recommended",
    "texlive-latex-extra",
    "texlive-fonts-recommended",
    "latexmk",
    "fonts-freefont-otf",
    "fonts-dejavu-core",
    "lmodern",
    "poppler-utils",
]
LATEX = CI_BOOK / "_build" / "latex"


@pytest.fixture(scope="module")
def pdf() -> Path:
    apt_install(TEX, ["/usr/bin/xelatex", "/usr/bin/latexmk", "/usr/bin/pdftoppm"])
    build_ci_book("--builder", "pdflatex")
    return LATEX / "book.pdf"


@pytest.mark.pdf
def test_the_pdf_has_every_chapter_and_figure_and_a_clean_log(pdf, tmp_path):
    log = (LATEX / "book.log").read_text(errors="replace")
    for problem in ("Missing character", "undefined", "There were undefined references"):
        assert problem not in log, [line for line in log.splitlines() if problem in line][:5]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages > 20 * len(catalog.chapter_files()), pages
    subprocess.run(["pdftoppm", "-r", "12", "-png", str(pdf), str(tmp_path / "page")], check=True)
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == pages and all(p.stat().st_size > 100 for p in rendered)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for chapter in catalog.chapter_files():
        assert chapter.title in text, chapter.title
    for cid in (cid for ch in catalog.chapter_files() for cid in ch.claims):
        assert cid in text, cid
    for page in ("Claims ledger", "Errata", "Bibliography", "Proof Index"):
        assert page in text, page
    figures = list((CI_BOOK / "figures").rglob("*.png"))
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images.splitlines()) - 2 >= len(figures), "every saved figure is in the PDF"
