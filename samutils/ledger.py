"""The results contract: claims with their setting and correction, the per-chapter JSON and the
claims table.

A chapter writes ``<outdir>/<slug>.json``::

    {"chapter": slug, "scale": ..., "seed": ..., "values": {...},
     "claims": {ID: {"verdict", "summary", "checks", "source", "correction"}}}

``source`` says where the claim is in its paper ("Theorem 1"); the paper itself follows from the
ID's prefix (:data:`PAPERS`). ``setting`` is ``paper`` (the paper's own algorithm, assumptions and
experiment) or ``analogue`` (something stands in; ``analogue_of`` says what for what, and why): an
analogue's verdict is about the analogue and never reaches the errata. A ``corrected`` claim carries
``correction = {"kind", "printed", "derived"}``, ``kind`` one of :data:`CORRECTION_KINDS`:
``statement`` (the printed result is false for its own algorithm and assumptions), ``formula`` (a
printed expression or constant is wrong) or ``proof`` (a step of the proof fails while the statement
holds; such a claim's ID ends in ``-proof`` and sits beside the statement's own row).

The verdict is computed from the checks (:mod:`samutils.checks`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .checks import VERDICTS, Check, verdict

SETTINGS = ("paper", "analogue")
CORRECTION_KINDS = ("statement", "formula", "proof")

#: The paper (bibliography key) of each claim-ID prefix.
#: ``S`` (the stability atlas, which connects the three papers and judges none of them on its own)
#: is filed under the rule they all start from, Foret et al.'s SAM, as ``SAM-DEF`` is.
PAPERS = {
    "SAM": "foret2021sam",
    "K": "kim2023stability",
    "B": "bartlett2023dynamics",
    "Z": "zhou2025sam",
    "S": "foret2021sam",
}


def check_setting(setting: str, analogue_of: str | None) -> None:
    """Refuse a setting other than ``paper``/``analogue``, an analogue that does not say what it
    stands in for, and a ``paper`` claim that names an analogue."""
    if setting not in SETTINGS:
        raise ValueError(f"setting {setting!r} is not one of {SETTINGS}")
    if setting == "analogue" and not (analogue_of and analogue_of.strip()):
        raise ValueError("an analogue needs analogue_of: what stands in for what, and why")
    if setting == "paper" and analogue_of:
        raise ValueError("a claim on the paper's own setting has no analogue_of")


def check_correction(claim_id: str, correction: dict) -> None:
    """Refuse a correction without ``kind``, ``printed`` and ``derived``, or a ``proof`` correction
    whose claim ID does not end in ``-proof`` (the statement keeps its own row)."""
    if set(correction) != {"kind", "printed", "derived"}:
        raise ValueError(
            f'claim {claim_id}: correction needs exactly "kind", "printed", "derived"; '
            f"got {sorted(correction)}"
        )
    if correction["kind"] not in CORRECTION_KINDS:
        raise ValueError(
            f"claim {claim_id}: correction kind {correction['kind']!r} is not one of "
            f"{CORRECTION_KINDS}"
        )
    if (correction["kind"] == "proof") != claim_id.endswith("-proof"):
        raise ValueError(
            f"claim {claim_id}: a proof correction, and only it, has an ID ending in -proof"
        )


def claim_record(
    claim_id: str,
    summary: str,
    printed: list[Check],
    derived: list[Check] = (),
    *,
    source: str = "",
    setting: str,
    analogue_of: str | None = None,
    correction: dict | None = None,
) -> dict:
    """The JSON record of one claim; a ``corrected`` verdict needs ``correction`` (see the module
    docstring)."""
    check_setting(setting, analogue_of)
    if correction is not None:
        check_correction(claim_id, correction)
    result = verdict(printed, derived)
    if result == "corrected" and correction is None:
        raise ValueError(
            f"claim {claim_id}: a corrected claim needs "
            f'correction={{"kind", "printed", "derived"}} for the errata'
        )
    return {
        "verdict": result,
        "summary": summary,
        "source": source,
        "setting": setting,
        "analogue_of": analogue_of,
        "correction": correction if result == "corrected" else None,
        "checks": [dict(c.as_dict(), group="printed") for c in printed]
        + [dict(c.as_dict(), group="derived") for c in derived],
    }


def paper_of(claim_id: str) -> str:
    """The bibliography key of the paper a claim comes from, by its ID prefix (``K-T1`` -> Kim et
    al.)."""
    prefix = claim_id.split("-")[0]
    if prefix not in PAPERS:
        raise ValueError(
            f"claim {claim_id!r}: unknown paper prefix {prefix!r}; known: {', '.join(PAPERS)}"
        )
    return PAPERS[prefix]


def _finite(obj, where: str) -> None:
    """Raise if a float anywhere in ``obj`` is NaN or infinite."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"non-finite number in results at {where}")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _finite(v, f"{where}.{k}")
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _finite(v, f"{where}[{i}]")


def write_results(path: Path, results: dict) -> Path:
    """Validate and write a chapter's results JSON."""
    for key in ("chapter", "scale", "seed", "claims", "values"):
        if key not in results:
            raise ValueError(f"results lack the key {key!r}")
    for cid, rec in results["claims"].items():
        if rec.get("verdict") not in VERDICTS:
            raise ValueError(
                f"claim {cid}: verdict {rec.get('verdict')!r} is not one of {VERDICTS}"
            )
        check_setting(rec.get("setting"), rec.get("analogue_of"))
    _finite(results, results["chapter"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")
    return path


def read_results(outdir: Path) -> list[dict]:
    """Every chapter's results found in ``outdir``, sorted by chapter."""
    found = [json.loads(p.read_text()) for p in sorted(Path(outdir).glob("*.json"))]
    return [r for r in found if {"chapter", "claims"} <= r.keys()]


def claims_table(outdir: Path) -> list[dict]:
    """One row per claim: ``id, paper, source, setting, analogue_of, chapter, scale, verdict,
    summary,
    passed, checks, correction`` (``failed``: the names and values of the printed checks that
    failed)."""
    rows = []
    for res in read_results(outdir):
        for cid, rec in res["claims"].items():
            rows.append(
                {
                    "id": cid,
                    "paper": paper_of(cid),
                    "source": rec.get("source", ""),
                    "setting": rec["setting"],
                    "analogue_of": rec.get("analogue_of"),
                    "chapter": res["chapter"],
                    "scale": res["scale"],
                    "verdict": rec["verdict"],
                    "summary": rec["summary"],
                    "passed": sum(bool(c["passed"]) for c in rec["checks"]),
                    "checks": len(rec["checks"]),
                    "correction": rec.get("correction"),
                    "failed": [
                        (c["name"], c["value"])
                        for c in rec["checks"]
                        if c.get("group") == "printed" and c["passed"] is False
                    ],
                }
            )
    return rows


def verdict_counts(rows: list[dict]) -> dict[str, int]:
    """How many claims have each verdict."""
    return {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}


def anchor(claim_id: str) -> str:
    """The label a chapter puts on a claim's section, e.g. ``claim-sam-def``."""
    return "claim-" + claim_id.lower()


_RELATION = {
    "close": "|value − expected| ≤ tolerance",
    "below": "0 ≤ value ≤ tolerance",
    "above": "value > expected",
    "positive": "mean > tolerance (z standard errors)",
    "symbolic": "entries of simplify(lhs − rhs) ≠ 0: none",
}


def _number_text(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def evidence_markdown(claim_id: str, record: dict) -> str:
    """A claim's record as the page shows it: verdict, setting, correction, the summary, and every
    check with its value, expected value, tolerance, test and result."""
    setting = record["setting"] + (f" ({record['analogue_of']})" if record["analogue_of"] else "")
    kind = f" ({record['correction']['kind']})" if record["correction"] else ""
    result = {True: "pass", False: "**fail**", None: "undecided"}
    lines = [
        f"**{claim_id}**, {record['source']}: **{record['verdict']}**{kind}; setting: {setting}.",
        "",
        record["summary"],
        "",
        "| check | of | value | expected | tolerance | test | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in record["checks"]:
        cells = [
            c["name"],
            c["group"],
            *(_number_text(c[k]) for k in ("value", "expected", "tolerance")),
            _RELATION[c["relation"]],
            result[c["passed"]],
        ]
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines)
