"""The package has two floors: the science (``samutils``) and the machinery (``samutils.build``)."""

import ast
import subprocess
import sys
from pathlib import Path

import samutils

PACKAGE = Path(samutils.__file__).parent


def _imports(path: Path) -> set[str]:
    """The samutils modules a file imports, as dotted names relative to ``samutils``."""
    floor = "build" if path.parent.name == "build" else ""
    join = lambda *parts: ".".join(x for x in parts if x)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("samutils"):
                base = node.module.removeprefix("samutils").lstrip(".")
            elif node.level == 1:
                base = join(floor, node.module)
            elif node.level == 2:
                base = node.module or ""
            else:
                continue
            names = [join(base, a.name) for a in node.names]
            found |= {n for n in names if _module(n)} or {base}
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("samutils.")
                for a in node.names
                if a.name.startswith("samutils.")
            }
    return {m for m in found if m and _module(m)}


def _module(name: str) -> bool:
    return (PACKAGE / (name.replace(".", "/") + ".py")).exists()


def _graph() -> dict[str, set[str]]:
    files = [*PACKAGE.glob("*.py"), *PACKAGE.glob("build/*.py")]
    name = lambda p: ("build." if p.parent.name == "build" else "") + p.stem
    return {name(p): _imports(p) for p in files if p.stem not in ("__init__", "__main__")}


def test_science_never_imports_the_build_floor():
    graph = _graph()
    assert (
        graph["build.cli"] >= {"build.catalog", "build.runner"} and "ledger" in graph["build.pages"]
    )
    upward = {
        m: deps
        for m, deps in graph.items()
        if not m.startswith("build.") and any(d.startswith("build") for d in deps)
    }
    assert not upward


def test_no_import_cycles():
    graph = _graph()

    def reach(start, node, seen):
        for d in graph.get(node, ()):
            if d == start:
                return True
            if d not in seen:
                seen.add(d)
                if reach(start, d, seen):
                    return True
        return False

    assert [m for m in graph if reach(m, m, set())] == []


def test_import_samutils_and_the_sphinx_extension_load_no_torch():
    code = "import sys, samutils, samutils.build.sphinxext; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
