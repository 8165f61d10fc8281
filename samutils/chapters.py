"""The command line: list, run and ledger the book's chapters.

    python -m samutils list
    python -m samutils run SLUG [--scale ci|paper] [--seed N] [-p NAME VALUE]... [--out DIR]
    python -m samutils run --all [--changed] [--jobs N] [...]
    python -m samutils ledger [--out DIR]
    python -m samutils bench [--trajectories N] [--steps N] [--naive N] [--book]
    python -m samutils bench --networks [--models N] [--steps N] [--naive N]

``run`` executes a chapter (a jupytext MyST notebook) with papermill into a staging folder
and moves the executed notebook, ``<slug>.json`` and the figures into DIR only on success,
with the chapter's input fingerprint (:mod:`samutils.fingerprint`) beside them. ``--changed``
skips chapters whose fingerprint is unchanged; ``--jobs N`` runs N chapters at a time.
Exit status: 0 success, 1 a cell failed, 2 a bad chapter, scale or parameter.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import book, ledger

CORE_PARAMETERS = ("scale", "seed", "outdir")


class UsageError(Exception):
    """A bad chapter, scale or parameter: exit status 2."""


class CellError(Exception):
    """A chapter cell raised: exit status 1."""


@dataclass(frozen=True)
class ChapterFile:
    """A chapter notebook and what its front matter and parameters cell declare."""

    path: Path

    @property
    def slug(self) -> str:
        return self.path.stem

    def notebook(self):
        import jupytext

        return jupytext.read(self.path)

    @property
    def meta(self) -> dict:
        import jupytext

        return jupytext.read(self.path).metadata.get("samutils", {})

    @property
    def title(self) -> str:
        return book.chapter_title(self.path)

    @property
    def claims(self) -> list[str]:
        return list(self.meta.get("claims", []))

    @property
    def scales(self) -> tuple[str, ...]:
        return tuple(self.meta.get("scales", book.SCALES))

    def parameters(self) -> list[str]:
        """Names assigned in the cell tagged ``parameters``."""
        for cell in self.notebook().cells:
            if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
                tree = ast.parse(cell.source)
                return [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)]
        raise UsageError(f"chapter {self.slug!r} has no cell tagged 'parameters'")


def chapter_files(root: Path | None = None) -> list[ChapterFile]:
    """The chapters in ``<root>/book/chapters``, in order."""
    folder = (root or book.repo_root()) / "book" / "chapters"
    return [ChapterFile(p) for p in sorted(folder.glob("[0-9][0-9]_*.md"))]


def find_chapter(name: str) -> ChapterFile:
    """A chapter by slug (or by a unique prefix such as ``01``)."""
    chapters = chapter_files()
    exact = [c for c in chapters if c.slug == name]
    matches = exact or [c for c in chapters if c.slug.startswith(name)]
    if len(matches) != 1:
        known = ", ".join(c.slug for c in chapters) or "none"
        raise UsageError(f"unknown chapter {name!r}; chapters: {known}")
    return matches[0]


def parse_value(text: str):
    """A ``-p`` value: a Python literal (number, list, None, ...) or else the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def check_request(chapter: ChapterFile, scale: str, params: dict) -> None:
    """Reject an unknown scale or parameter name before anything runs."""
    if scale not in chapter.scales:
        raise UsageError(f"unknown scale {scale!r} for {chapter.slug}; allowed: {', '.join(chapter.scales)}")
    declared = chapter.parameters()
    for name in params:
        if name in CORE_PARAMETERS:
            raise UsageError(f"parameter {name!r} is set with --{name.replace('outdir', 'out')}, not -p")
        if name not in declared:
            knobs = [p for p in declared if p not in CORE_PARAMETERS]
            raise UsageError(f"unknown parameter {name!r} for {chapter.slug}; its parameters: {', '.join(knobs) or 'none'}")


def _replace(src: Path, dst: Path) -> None:
    """Move ``src`` onto ``dst`` (file or folder), replacing what was there."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_dir():
        old = dst.with_name(dst.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        dst.rename(old)
        src.rename(dst)
        shutil.rmtree(old)
    else:
        src.replace(dst)


def run_chapter(chapter: ChapterFile, *, scale: str, seed: int, params: dict, out: Path, progress: bool = True,
                book_cache: bool = True) -> Path:
    """Execute one chapter; on success move its outputs into ``out`` and return its JSON path
    (and, for a canonical run, file it in Jupyter Book's cache unless ``book_cache`` is false)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    check_request(chapter, scale, params)
    out = Path(out).resolve()
    staging = out / f".staging-{chapter.slug}"
    shutil.rmtree(staging, ignore_errors=True)  # left by a run killed before it could clean up
    executed_path = staging / "notebooks" / f"{chapter.slug}.ipynb"
    executed_path.parent.mkdir(parents=True)
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="samutils-kernel-") as sockets:
            try:
                executed = papermill.execute_notebook(
                    chapter.notebook(),
                    str(executed_path),
                    parameters={"scale": scale, "seed": seed, "outdir": str(staging), **params},
                    kernel_name="python3",
                    progress_bar=progress,
                    cwd=str(chapter.path.parent),
                    config=_ipc_kernel(Path(sockets)),
                )
            except PapermillExecutionError as err:
                if err.ename == "ParameterError":
                    raise UsageError(f"{chapter.slug}: {err.evalue}") from None
                failed = out / "failed" / f"{chapter.slug}.ipynb"
                _replace(executed_path, failed)
                raise CellError(f"{chapter.slug}: cell {err.exec_count} failed: {err.ename}: {err.evalue} "
                                f"(notebook: {failed})") from None
        seconds = time.perf_counter() - start
        results = staging / f"{chapter.slug}.json"
        if not results.exists():
            raise CellError(f"{chapter.slug}: ran but wrote no {results.name} (missing ch.write()?)")
        figures = staging / "figures" / chapter.slug
        _replace(executed_path, out / "notebooks" / executed_path.name)
        if figures.exists():
            _replace(figures, out / "figures" / chapter.slug)
        _replace(results, out / results.name)
        (out / "failed" / f"{chapter.slug}.ipynb").unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stamp = fingerprint_path(out, chapter)
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(_fingerprint(chapter, scale, seed, params))
    if book_cache:
        _store_for_book(chapter, executed, scale=scale, seed=seed, params=params, out=out, seconds=seconds)
    return out / results.name


def _ipc_kernel(folder: Path):
    """Kernel configuration: talk to the kernel over Unix sockets in ``folder`` (IPC), not TCP, so
    nothing listens on a network port and the kernel has no unencrypted channel to warn about."""
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def fingerprint_path(out: Path, chapter: ChapterFile) -> Path:
    return Path(out) / "fingerprints" / f"{chapter.slug}.sha256"


def _fingerprint(chapter: ChapterFile, scale: str, seed: int, params: dict) -> str:
    from .fingerprint import fingerprint

    return fingerprint(chapter, {"scale": scale, "seed": seed, "params": params})


def _store_for_book(chapter, executed, *, scale, seed, params, out: Path, seconds=None) -> None:
    """A canonical run (paper scale, seed 0, no -p, default folder) is what the book shows: file it
    in Jupyter Book's cache."""
    if scale == "paper" and seed == 0 and not params and Path(out).resolve() == book.default_outdir().resolve():
        from . import bookcache

        bookcache.store(chapter.path, executed, book.repo_root() / "_build" / ".jupyter_cache", seconds)


def up_to_date(chapter: ChapterFile, *, scale: str, seed: int, out: Path) -> bool:
    """Whether ``out`` holds this chapter's results, executed notebook and an unchanged fingerprint."""
    out = Path(out)
    stamp = fingerprint_path(out, chapter)
    have = [stamp, out / f"{chapter.slug}.json", out / "notebooks" / f"{chapter.slug}.ipynb"]
    return all(p.exists() for p in have) and stamp.read_text() == _fingerprint(chapter, scale, seed, {})


def _cmd_list(args) -> None:
    for ch in chapter_files():
        print(f"{ch.slug:32s} {ch.title}\n{'':32s} claims: {', '.join(ch.claims) or '-'}")


def _cmd_run(args) -> None:
    if bool(args.slug) == args.all:
        raise UsageError("give one chapter SLUG or --all")
    chapters = chapter_files() if args.all else [find_chapter(args.slug)]
    params = {name: parse_value(value) for name, value in args.p}
    out = Path(args.out) if args.out else book.default_outdir()
    if args.all and params:
        raise UsageError("-p applies to one chapter; it cannot be used with --all")
    if (args.changed or args.jobs > 1) and not args.all:
        raise UsageError("--changed and --jobs apply to --all")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    for ch in chapters:  # check every request before running any
        check_request(ch, args.scale, params)
    if args.changed:
        fresh = [ch for ch in chapters if up_to_date(ch, scale=args.scale, seed=args.seed, out=out)]
        for ch in fresh:
            _store_from_disk(ch, args, out)
            print(f"{ch.slug}: unchanged, not re-executed")
        chapters = [ch for ch in chapters if ch not in fresh]
    if args.jobs > 1 and len(chapters) > 1:
        _run_parallel(chapters, args, out)
        return
    for ch in chapters:
        start = time.perf_counter()
        path = run_chapter(ch, scale=args.scale, seed=args.seed, params=params, out=out, progress=not args.no_progress,
                           book_cache=not args.no_book_cache)
        print(f"{ch.slug}: {time.perf_counter() - start:.1f} s -> {path}")


def _store_from_disk(ch: ChapterFile, args, out: Path) -> None:
    import nbformat

    executed = nbformat.read(Path(out) / "notebooks" / f"{ch.slug}.ipynb", as_version=4)
    _store_for_book(ch, executed, scale=args.scale, seed=args.seed, params={}, out=out)


def _run_parallel(chapters: list[ChapterFile], args, out: Path) -> None:
    """Each chapter in its own ``run`` process, ``args.jobs`` at a time; their reports in chapter order."""
    command = lambda ch: [sys.executable, "-m", "samutils", "run", ch.slug, "--scale", args.scale, "--seed", str(args.seed),
                          "--out", str(out), "--no-progress", "--no-book-cache"]
    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda ch: subprocess.run(command(ch), capture_output=True, text=True), chapters))
    for ch, proc in zip(chapters, done):
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode == 0:
            _store_from_disk(ch, args, out)  # one process at a time writes the cache database
    failed = [p.returncode for p in done if p.returncode]
    if failed:
        error = UsageError if max(failed) == 2 else CellError
        raise error(f"{len(failed)} of {len(done)} chapters failed (see above)")


def _cmd_ledger(args) -> None:
    rows = ledger.claims_table(Path(args.out) if args.out else book.default_outdir())
    if not rows:
        raise UsageError(f"no chapter results in {args.out or book.default_outdir()}; run a chapter first")
    for r in rows:
        print(f"{r['id']:14s} {r['verdict']:15s} {r['setting']:9s} {r['chapter']:28s} {r['passed']}/{r['checks']} checks  {r['summary']}")
    counts = ledger.verdict_counts(rows)
    print(", ".join(f"{n} {v}" for v, n in counts.items()))


def _cmd_bench(args) -> None:
    if args.book:
        from . import booktiming

        booktiming.main()
        return
    if args.networks:
        from . import benchnets

        benchnets.main(models=args.models, steps=args.steps or 500, naive=args.naive or 4)
        return
    from . import bench

    bench.main(trajectories=args.trajectories, steps=args.steps or 10_000, naive=args.naive or 20)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be an integer >= 0, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m samutils", description="Run and inspect the chapters of SAM Dynamics.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="chapters, titles, claim IDs").set_defaults(func=_cmd_list)
    r = sub.add_parser("run", help="execute chapters with papermill")
    r.add_argument("slug", nargs="?", help="chapter slug, e.g. 01_sam_update_rules (or a unique prefix)")
    r.add_argument("--all", action="store_true", help="every chapter, in order")
    r.add_argument("--scale", default="paper", help="paper (default) or ci")
    r.add_argument("--seed", type=_seed, default=0)
    r.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"), help="set a chapter parameter")
    r.add_argument("--out", help="results folder (default: <repo>/_build/results)")
    r.add_argument("--changed", action="store_true", help="with --all: skip chapters whose inputs did not change")
    r.add_argument("--jobs", type=int, default=1, help="with --all: chapters executed at a time")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--no-book-cache", action="store_true", help=argparse.SUPPRESS)
    r.set_defaults(func=_cmd_run)
    lg = sub.add_parser("ledger", help="the claims table from the results on disk")
    lg.add_argument("--out", help="results folder (default: <repo>/_build/results)")
    lg.set_defaults(func=_cmd_ledger)
    b = sub.add_parser("bench", help="batched runner against a per-trajectory autograd loop")
    b.add_argument("--trajectories", type=int, default=1000)
    b.add_argument("--steps", type=int, help="steps (default 10000; with --networks 500)")
    b.add_argument("--naive", type=int, help="trajectories (models) timed with the naive loop, extrapolated (default 20; with --networks 4)")
    b.add_argument("--networks", action="store_true", help="instead: SAM on many small networks at once (vmap) against "
                   "one network at a time with the optimizer")
    b.add_argument("--models", type=int, default=64, help="with --networks: networks trained")
    b.add_argument("--book", action="store_true", help="also time every chapter at each scale and make book cold and warm; "
                   "writes _build/bench.md (rebuilds the book)")
    b.set_defaults(func=_cmd_bench)
    return p


def _terminate(signum, frame):
    """SIGTERM ends the command like Ctrl-C does: clean-up (``finally``) runs, the staging folder goes."""
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        args.func(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except CellError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
