"""What a chapter's results depend on, so that ``make book`` re-executes only what changed.

A chapter depends on its own text, on the samutils modules its code cells import (followed
through samutils' own imports), on the pinned environment (``constraints.txt``) and on the
citation sources its last cell reads. Its fingerprint hashes those files together with the
run's settings; ``run --changed`` skips a chapter whose fingerprint is unchanged.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the science floor, which chapters import
SHARED = ("constraints.txt", "CITATION.cff", "book/references.bib")


def _imported(tree: ast.AST, current: str | None = None) -> set[str]:
    """samutils modules named by the imports in ``tree`` (``current``: the module being read, for
    relative imports)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("samutils.")}
        elif isinstance(node, ast.ImportFrom):
            relative = node.level == 1 and current is not None
            if node.module and (node.module.startswith("samutils.") or relative):
                found.add(node.module.split(".")[-1])
            if node.module == "samutils" or (relative and node.module is None):
                found |= {a.name for a in node.names}
    return {m for m in found if (PACKAGE / f"{m}.py").exists()}


def modules(code: list[str]) -> list[str]:
    """The samutils modules (file stems) that ``code`` cells import, transitively, ``__init__``
    included."""
    todo = set().union(*(_imported(ast.parse(c)) for c in code)) | {"__init__"}
    seen = set()
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= _imported(ast.parse((PACKAGE / f"{name}.py").read_text()), name) - seen
    return sorted(seen)


def fingerprint(chapter, settings: dict) -> str:
    """sha256 of the chapter, its samutils modules, the shared inputs and the run's ``settings``."""
    nb = chapter.notebook()
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    root = chapter.path.parents[2]
    files = (
        [chapter.path]
        + [PACKAGE / f"{m}.py" for m in modules(code)]
        + [root / f for f in SHARED if (root / f).exists()]
    )
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()
