import nbformat
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook

import mystnb_text
from samutils.build import cache, catalog

SOURCE = mystnb_text.notebook(
    """
# A page

```{code-cell} ipython3
:tags: [parameters]

x = 1
```

Text.

```{code-cell} ipython3
print(x + 1)
```
"""
)


def executed_copy(path):
    """What papermill returns: the jupytext notebook, an injected cell, outputs, extra metadata."""
    nb = catalog.ChapterFile(path).notebook()
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    for c in code:
        c.metadata["papermill"] = {"duration": 0.1}
    injected = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(nb.cells.index(code[0]) + 1, injected)
    return nb


def test_stored_chapter_is_found_by_myst_nb(tmp_path):
    path = tmp_path / "01_page.md"
    path.write_text(SOURCE)
    cache.store(path, executed_copy(path), tmp_path / "cache", seconds=1.0)
    jcache = get_cache(str(tmp_path / "cache"))
    as_myst_nb_reads_it = read_myst_markdown_notebook(SOURCE, add_source_map=True, path=str(path))
    _, merged = jcache.merge_match_into_notebook(as_myst_nb_reads_it)
    code = [c for c in merged.cells if c.cell_type == "code"]
    assert code[1].outputs[0]["text"] == "2\n"


def test_chapter_sources_read_the_same_by_jupytext_and_myst_nb():
    for ch in catalog.chapter_files():
        jt = [c.source for c in ch.notebook().cells if c.cell_type == "code"]
        mn = [
            c.source
            for c in read_myst_markdown_notebook(ch.path.read_text()).cells
            if c.cell_type == "code"
        ]
        assert jt == mn, ch.slug
