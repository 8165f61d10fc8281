from samutils.build import catalog, fingerprint


def test_modules_follow_samutils_imports():
    found = fingerprint.modules(["from samutils import Chapter, landscapes\nimport torch"])
    assert {"__init__", "chapter", "ledger", "checks", "plotting", "landscapes"} <= set(
        found
    )  # __init__ -> chapter -> ledger -> checks
    assert "updates" not in found and "chapters" not in found
    assert "citation" in fingerprint.modules(["from samutils.citation import how_to_cite"])


def test_fingerprint_changes_with_text_and_settings(tmp_path):
    source = tmp_path / "book" / "chapters" / "99_x.md"
    source.parent.mkdir(parents=True)
    source.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n---\n\n"
        "```{code-cell} ipython3\nfrom samutils import updates\n```\n"
    )
    ch = catalog.ChapterFile(source)
    a = fingerprint.fingerprint(ch, {"scale": "ci"})
    assert a == fingerprint.fingerprint(ch, {"scale": "ci"})
    assert a != fingerprint.fingerprint(ch, {"scale": "paper"})
    source.write_text(source.read_text() + "\nA new sentence.\n")
    assert a != fingerprint.fingerprint(ch, {"scale": "ci"})
