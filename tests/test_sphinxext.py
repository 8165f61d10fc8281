import os
from types import SimpleNamespace

import pytest

from samutils import checks, layout
from samutils.build import sphinxext


def test_pages_with_newer_results_are_outdated(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "default_outdir", lambda: tmp_path)
    (tmp_path / "01_a.json").write_text("{}")
    os.utime(tmp_path / "01_a.json", ns=(2_000_000_000, 2_000_000_000))  # 2 s, in microseconds 2e6
    docs = {"book/chapters/01_a", "book/chapters/02_b", "book/ledger", "book/intro"}
    read_at = {
        "book/chapters/01_a": 1_000_000,
        "book/chapters/02_b": 1_000_000,
        "book/ledger": 3_000_000,
        "book/intro": 0,
    }
    env = SimpleNamespace(found_docs=docs, all_docs=read_at)
    app = SimpleNamespace(config=SimpleNamespace(samutils_results_pages=["book/ledger"]))
    assert sphinxext._outdated(app, env, set(), set(), set()) == ["book/chapters/01_a"]
    read_at["book/ledger"] = 1_000_000
    assert sorted(sphinxext._outdated(app, env, set(), set(), set())) == [
        "book/chapters/01_a",
        "book/ledger",
    ]


def test_mathjax_is_copied_with_its_fonts(tmp_path):
    copied = sphinxext.copy_mathjax(tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in copied}
    assert "tex-mml-chtml.js" in names
    assert any(n.startswith("output/chtml/fonts/woff-v2/") and n.endswith(".woff") for n in names)
    assert (
        sum(p.stat().st_size for p in copied) < 3_000_000
    )  # the component and fonts, not all of MathJax


def test_scripts_registered_twice_appear_once():
    from sphinx.builders.html._assets import _JavaScript

    thebe = _JavaScript(None, body="const THEBE_JS_URL = 1")
    context = {
        "script_files": [
            _JavaScript("a.js"),
            thebe,
            _JavaScript("b.js", async_="async"),
            _JavaScript("", body="const THEBE_JS_URL = 1"),
        ]
    }
    sphinxext._unique_scripts(None, "page", "page.html", context, None)
    assert [js.filename for js in context["script_files"]] == ["a.js", None, "b.js"]


def test_every_claim_gets_a_redirect_and_its_bibtex(tmp_path):
    labels = {
        "claim-k-t1d": ("book/chapters/02_x", "claim-k-t1d", "K-T1d"),
        "other": ("a", "b", "c"),
    }
    claims = [{"id": "K-T1d", "paper": "kim2023stability", "source": "Theorem 1"}]
    assert sphinxext.write_claim_pages(tmp_path, labels, claims, lambda doc: doc + ".html") == [
        "K-T1d"
    ]
    page = (tmp_path / "claims" / "k-t1d.html").read_text()
    assert 'url=../book/chapters/02_x.html#claim-k-t1d"' in page
    bib = (tmp_path / "claims" / "k-t1d.bib").read_text()
    assert bib.startswith("@misc{samdynamics-k-t1d,") and "Kim et al. (2023), Theorem 1" in bib
    assert (tmp_path / "citations.bib").read_text() == bib
    with pytest.raises(ValueError, match="claim-k-t2"):
        sphinxext.write_claim_pages(tmp_path, labels, [dict(claims[0], id="K-T2")], lambda doc: doc)


def test_the_book_pdf_joins_every_page_download_menu():
    menu = {"label": "download-buttons", "buttons": [{"label": "download-source-button"}]}
    context = {
        "header_buttons": [{"label": "fullscreen-button"}, menu],
        "pathto": lambda name, resource: f"../../{name}" if resource else name,
    }
    sphinxext._book_pdf_download(None, "book/chapters/x", "page.html", context, None)
    added = menu["buttons"][-1]
    assert len(menu["buttons"]) == 2 and added["url"] == "../../sam-dynamics.pdf"
    assert added["type"] == "link" and len(context["header_buttons"]) == 2


def test_generated_pages_come_from_the_results_being_built(tmp_path, monkeypatch):
    from samutils import citation, ledger
    from samutils.build import pages

    monkeypatch.setattr(layout, "default_outdir", lambda: tmp_path)
    ok = checks.close("fine", 1.0, 1.0, 1e-12)
    claims = {"B-L5": ledger.claim_record("B-L5", "fine", [ok], setting="paper")}
    ledger.write_results(
        tmp_path / "04_b.json",
        {"chapter": "04_b", "scale": "paper", "seed": 0, "claims": claims, "values": {}},
    )
    rows = ledger.claims_table(tmp_path)
    assert pages.generated("overview") == pages.overview_markdown(rows)
    assert f"version {citation.book_metadata()['version']}" in pages.generated("version")
    with pytest.raises(ValueError, match="results on disk but no such chapter"):
        pages.generated("ledger")  # the ledger refuses results that miss or add chapters
    with pytest.raises(ValueError, match="allowed: version, ledger"):
        pages.generated("nonsense")


def test_a_page_that_could_not_be_generated_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "default_outdir", lambda: tmp_path)
    env = SimpleNamespace(
        found_docs={"book/ledger"}, all_docs={"book/ledger": 1}, docname="book/ledger"
    )
    app = SimpleNamespace(config=SimpleNamespace(samutils_results_pages=["book/ledger"]))
    assert sphinxext._outdated(app, env, set(), set(), set()) == []
    directive = SimpleNamespace(arguments=["ledger"], env=env, error=ValueError)
    with pytest.raises(ValueError, match="results do not match"):  # no results at all
        sphinxext.Generated.run(directive)
    assert sphinxext._outdated(app, env, set(), set(), set()) == ["book/ledger"]
    sphinxext._forget_unfinished(app, env, "book/ledger")  # read again: forgotten until it fails
    assert sphinxext._outdated(app, env, set(), set(), set()) == []
    other = SimpleNamespace(samutils_unfinished={"book/ledger"})  # a parallel reader's failure
    sphinxext._merge_unfinished(app, env, {"book/ledger"}, other)
    assert sphinxext._outdated(app, env, set(), set(), set()) == ["book/ledger"]
