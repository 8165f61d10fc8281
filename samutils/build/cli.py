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
import signal
import sys
import time
from pathlib import Path

from .. import layout, ledger
from . import catalog, runner
from .catalog import CellError, UsageError


def _cmd_list(args) -> None:
    for ch in catalog.chapter_files():
        print(f"{ch.slug:32s} {ch.title}\n{'':32s} claims: {', '.join(ch.claims) or '-'}")


def _cmd_run(args) -> None:
    if bool(args.slug) == args.all:
        raise UsageError("give one chapter SLUG or --all")
    chapters = catalog.chapter_files() if args.all else [catalog.find_chapter(args.slug)]
    params = {name: catalog.parse_value(value) for name, value in args.p}
    out = Path(args.out) if args.out else layout.default_outdir()
    if args.all and params:
        raise UsageError("-p applies to one chapter; it cannot be used with --all")
    if (args.changed or args.jobs > 1) and not args.all:
        raise UsageError("--changed and --jobs apply to --all")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    for ch in chapters:  # check every request before running any
        catalog.check_request(ch, args.scale, params)
    if args.changed:
        fresh = [
            ch
            for ch in chapters
            if runner.up_to_date(ch, scale=args.scale, seed=args.seed, out=out)
        ]
        for ch in fresh:
            runner.store_from_disk(ch, scale=args.scale, seed=args.seed, out=out)
            print(f"{ch.slug}: unchanged, not re-executed")
        chapters = [ch for ch in chapters if ch not in fresh]
    if args.jobs > 1 and len(chapters) > 1:
        runner.run_parallel(chapters, scale=args.scale, seed=args.seed, out=out, jobs=args.jobs)
        return
    for ch in chapters:
        start = time.perf_counter()
        path = runner.run_chapter(
            ch,
            scale=args.scale,
            seed=args.seed,
            params=params,
            out=out,
            progress=not args.no_progress,
            book_cache=not args.no_book_cache,
        )
        print(f"{ch.slug}: {time.perf_counter() - start:.1f} s -> {path}")


def _cmd_ledger(args) -> None:
    rows = ledger.claims_table(Path(args.out) if args.out else layout.default_outdir())
    if not rows:
        raise UsageError(
            f"no chapter results in {args.out or layout.default_outdir()}; run a chapter first"
        )
    for r in rows:
        print(
            f"{r['id']:14s} {r['verdict']:15s} {r['setting']:9s} {r['chapter']:28s} "
            f"{r['passed']}/{r['checks']} checks  {r['summary']}"
        )
    counts = ledger.verdict_counts(rows)
    print(", ".join(f"{n} {v}" for v, n in counts.items()))


def _cmd_bench(args) -> None:
    if args.book:
        from . import timing

        timing.main()
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
    p = argparse.ArgumentParser(
        prog="python -m samutils", description="Run and inspect the chapters of SAM Dynamics."
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="chapters, titles, claim IDs").set_defaults(func=_cmd_list)
    r = sub.add_parser("run", help="execute chapters with papermill")
    r.add_argument(
        "slug", nargs="?", help="chapter slug, e.g. 01_sam_update_rules (or a unique prefix)"
    )
    r.add_argument("--all", action="store_true", help="every chapter, in order")
    r.add_argument("--scale", default="paper", help="paper (default) or ci")
    r.add_argument("--seed", type=_seed, default=0)
    r.add_argument(
        "-p",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a chapter parameter",
    )
    r.add_argument("--out", help="results folder (default: <repo>/_build/results)")
    r.add_argument(
        "--changed",
        action="store_true",
        help="with --all: skip chapters whose inputs did not change",
    )
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
    b.add_argument(
        "--naive",
        type=int,
        help="trajectories (models) timed with the naive loop, extrapolated "
        "(default 20; with --networks 4)",
    )
    b.add_argument(
        "--networks",
        action="store_true",
        help="instead: SAM on many small networks at once (vmap) against "
        "one network at a time with the optimizer",
    )
    b.add_argument("--models", type=int, default=64, help="with --networks: networks trained")
    b.add_argument(
        "--book",
        action="store_true",
        help="also time every chapter at each scale and make book cold and warm; "
        "writes _build/bench.md (rebuilds the book)",
    )
    b.set_defaults(func=_cmd_bench)
    return p


def _terminate(signum, frame):
    """SIGTERM ends the command like Ctrl-C does: clean-up (``finally``) runs, the staging folder
    goes."""
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
