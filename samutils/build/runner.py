"""Execute chapters with papermill: into a staging folder, moved into place only on success; the
fingerprint of each run beside its results; canonical runs filed in Jupyter Book's cache."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import layout
from .catalog import CellError, ChapterFile, UsageError, check_request


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


def run_chapter(
    chapter: ChapterFile,
    *,
    scale: str,
    seed: int,
    params: dict,
    out: Path,
    progress: bool = True,
    book_cache: bool = True,
) -> Path:
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
                raise CellError(
                    f"{chapter.slug}: cell {err.exec_count} failed: {err.ename}: {err.evalue} "
                    f"(notebook: {failed})"
                ) from None
        seconds = time.perf_counter() - start
        results = staging / f"{chapter.slug}.json"
        if not results.exists():
            raise CellError(
                f"{chapter.slug}: ran but wrote no {results.name} (missing ch.write()?)"
            )
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
    stamp.write_text(chapter_fingerprint(chapter, scale, seed, params))
    if book_cache:
        store_for_book(
            chapter, executed, scale=scale, seed=seed, params=params, out=out, seconds=seconds
        )
    return out / results.name


def _ipc_kernel(folder: Path):
    """Kernel configuration: talk to the kernel over Unix sockets in ``folder`` (IPC), not TCP, so
    nothing listens on a network port and the kernel has no unencrypted channel to warn about."""
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def fingerprint_path(out: Path, chapter: ChapterFile) -> Path:
    return Path(out) / "fingerprints" / f"{chapter.slug}.sha256"


def chapter_fingerprint(chapter: ChapterFile, scale: str, seed: int, params: dict) -> str:
    from .fingerprint import fingerprint

    return fingerprint(chapter, {"scale": scale, "seed": seed, "params": params})


def store_for_book(chapter, executed, *, scale, seed, params, out: Path, seconds=None) -> None:
    """A run of the book's scale into the book's results folder, with no changed parameter, is what
    the book shows: file it in the book's execution cache."""
    if (
        scale == layout.book_scale()
        and not params
        and Path(out).resolve() == layout.default_outdir().resolve()
    ):
        from . import cache

        cache.store(chapter.path, executed, layout.execution_cache(), seconds)


def up_to_date(chapter: ChapterFile, *, scale: str, seed: int, out: Path) -> bool:
    """Whether ``out`` holds this chapter's results, executed notebook and an unchanged
    fingerprint."""
    out = Path(out)
    stamp = fingerprint_path(out, chapter)
    have = [stamp, out / f"{chapter.slug}.json", out / "notebooks" / f"{chapter.slug}.ipynb"]
    return all(p.exists() for p in have) and stamp.read_text() == chapter_fingerprint(
        chapter, scale, seed, {}
    )


def store_from_disk(ch: ChapterFile, *, scale: str, seed: int, out: Path) -> None:
    import nbformat

    executed = nbformat.read(Path(out) / "notebooks" / f"{ch.slug}.ipynb", as_version=4)
    store_for_book(ch, executed, scale=scale, seed=seed, params={}, out=out)


def expected_seconds(chapter: ChapterFile, scale: str) -> float:
    """The chapter's run time at ``scale`` as its front matter estimates it (``samutils: seconds:
    {scale: s}``), 0 if it does not say; used only to start the longest chapters first."""
    return float(chapter.meta.get("seconds", {}).get(scale, 0))


def run_parallel(
    chapters: list[ChapterFile], *, scale: str, seed: int, out: Path, jobs: int
) -> None:
    """Each chapter in its own ``run`` process, ``jobs`` at a time; their reports in chapter
    order."""
    command = lambda ch: [
        sys.executable,
        "-m",
        "samutils",
        "run",
        ch.slug,
        "--scale",
        scale,
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--no-progress",
        "--no-book-cache",
    ]
    # The longest first (as the chapters' front matter estimates), so that the last one to start
    # is a short one; the reports still come in chapter order.
    longest_first = sorted(chapters, key=lambda ch: -expected_seconds(ch, scale))
    with ThreadPoolExecutor(jobs) as pool:
        runs = dict(
            zip(
                longest_first,
                pool.map(
                    lambda ch: subprocess.run(command(ch), capture_output=True, text=True),
                    longest_first,
                ),
            )
        )
    done = [runs[ch] for ch in chapters]
    for ch, proc in zip(chapters, done):
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode == 0:
            store_from_disk(
                ch, scale=scale, seed=seed, out=out
            )  # one process at a time writes the cache database
    failed = [p.returncode for p in done if p.returncode]
    if failed:
        error = UsageError if max(failed) == 2 else CellError
        raise error(f"{len(failed)} of {len(done)} chapters failed (see above)")
