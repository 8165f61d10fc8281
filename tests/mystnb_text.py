"""Build the text of a small jupytext MyST notebook for tests."""

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
{extra}---
"""


def notebook(body: str, claims: list[str] | None = None) -> str:
    """Front matter (with ``samutils: claims`` if given) followed by ``body``."""
    extra = f"samutils:\n  claims: [{', '.join(claims)}]\n" if claims else ""
    return HEADER.format(extra=extra) + body
