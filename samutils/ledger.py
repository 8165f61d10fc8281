"""The results contract: checks, computed verdicts, the per-chapter JSON and the claims table.

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

A verdict is never typed in: :func:`verdict` computes it from two groups of checks,
``printed`` (the result as the paper prints it) and ``derived`` (the book's own derivation,
where it differs from print):

- ``reproduced``: every check passes;
- ``corrected``: a printed check fails, and derived checks exist and all pass;
- ``not-reproduced``: a printed check fails and no derived check confirms a correction (a decisive
  failure counts even when other checks are inconclusive);
- ``unresolved``: no printed check fails but some check is inconclusive (``passed is None``, e.g.
  a Monte-Carlo error larger than the difference to be resolved), or a correction has
  inconclusive checks.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import sympy as sp

VERDICTS = ("reproduced", "corrected", "not-reproduced", "unresolved")
SETTINGS = ("paper", "analogue")
CORRECTION_KINDS = ("statement", "formula", "proof")

#: The paper (bibliography key) of each claim-ID prefix.
PAPERS = {"SAM": "foret2021sam", "K": "kim2023stability", "B": "bartlett2023dynamics", "Z": "zhou2025sam"}


@dataclass(frozen=True)
class Check:
    """One computed comparison (``passed`` may be None: inconclusive).

    ``relation`` says what was compared: ``close`` (``|value - expected| <= tolerance``),
    ``below`` (``0 <= value <= tolerance``), ``above`` (``value > expected``), ``positive``
    (a mean ``value`` of paired differences against ``tolerance = z`` standard errors) or ``symbolic``
    (``value`` entries of ``simplify(lhs - rhs)`` are not zero).
    """

    name: str
    value: float
    expected: float
    tolerance: float
    passed: bool | None
    relation: str = "close"

    def as_dict(self) -> dict:
        return asdict(self)


def _number(name: str, x) -> float:
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"check {name!r}: non-finite number {x}")
    return x


def close(name: str, value: float, expected: float, tolerance: float) -> Check:
    """Numerical check ``|value - expected| <= tolerance``."""
    value, expected, tolerance = (_number(name, x) for x in (value, expected, tolerance))
    return Check(name, value, expected, tolerance, abs(value - expected) <= tolerance)


def below(name: str, value: float, bound: float) -> Check:
    """Numerical check ``0 <= value <= bound`` (an error, a distance, a fraction)."""
    value, bound = _number(name, value), _number(name, bound)
    return Check(name, value, 0.0, bound, 0.0 <= value <= bound, "below")


def above(name: str, value: float, bound: float) -> Check:
    """Numerical check ``value > bound`` (a quantity that must exceed a threshold)."""
    value, bound = _number(name, value), _number(name, bound)
    return Check(name, value, bound, 0.0, value > bound, "above")


def positive(name: str, differences, z: float = 2.0) -> Check:
    """Statistical check that the mean of paired differences (one per seed, say) is positive:
    passed if it exceeds ``z`` standard errors, failed if it is below ``-z`` standard errors,
    inconclusive (``None``) in between."""
    d = [_number(name, x) for x in differences]
    if len(d) < 2:
        raise ValueError(f"check {name!r}: need at least two differences, got {len(d)}")
    mean = sum(d) / len(d)
    margin = z * math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1) / len(d))
    passed = True if mean > margin else False if mean < -margin else None
    return Check(name, mean, 0.0, margin, passed, "positive")


def symbolic(name: str, lhs, rhs) -> Check:
    """Symbolic identity ``simplify(lhs - rhs) == 0`` for scalars, matrices, matrix expressions
    of any size (``MatrixSymbol`` algebra, compared after ``expand().doit()``) or sets (equality).

    ``value`` counts the entries of the difference that do not simplify to zero.
    """
    if isinstance(lhs, sp.Set):
        nonzero = 0 if sp.simplify(lhs.symmetric_difference(rhs)) == sp.EmptySet else 1
    elif isinstance(lhs, sp.MatrixExpr) and not isinstance(lhs, sp.MatrixBase):
        diff = sp.expand(lhs - rhs).doit()
        nonzero = 0 if diff == 0 or diff.is_ZeroMatrix else 1
    else:
        as_matrix = lambda e: e if isinstance(e, sp.MatrixBase) else sp.Matrix([e])
        nonzero = sum(1 for entry in as_matrix(lhs) - as_matrix(rhs) if sp.simplify(entry) != 0)
    return Check(name, float(nonzero), 0.0, 0.0, nonzero == 0, "symbolic")


def verdict(printed: list[Check], derived: list[Check] = ()) -> str:
    """The verdict computed from the checks (see the module docstring)."""
    if not printed:
        raise ValueError("a claim needs at least one check of the printed result")
    if any(c.passed is False for c in printed):
        if derived and all(c.passed is True for c in derived):
            return "corrected"
        if not derived or any(c.passed is False for c in derived):
            return "not-reproduced"  # a decisive failure is not hidden by other, inconclusive checks
        return "unresolved"  # the correction cannot be confirmed
    if any(c.passed is None for c in [*printed, *derived]):
        return "unresolved"
    return "reproduced"


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
        raise ValueError(f'claim {claim_id}: correction needs exactly "kind", "printed", "derived"; got {sorted(correction)}')
    if correction["kind"] not in CORRECTION_KINDS:
        raise ValueError(f"claim {claim_id}: correction kind {correction['kind']!r} is not one of {CORRECTION_KINDS}")
    if (correction["kind"] == "proof") != claim_id.endswith("-proof"):
        raise ValueError(f"claim {claim_id}: a proof correction, and only it, has an ID ending in -proof")


def claim_record(claim_id: str, summary: str, printed: list[Check], derived: list[Check] = (), *,
                 source: str = "", setting: str, analogue_of: str | None = None,
                 correction: dict | None = None) -> dict:
    """The JSON record of one claim; a ``corrected`` verdict needs ``correction`` (see the module docstring)."""
    check_setting(setting, analogue_of)
    if correction is not None:
        check_correction(claim_id, correction)
    result = verdict(printed, derived)
    if result == "corrected" and correction is None:
        raise ValueError(f'claim {claim_id}: a corrected claim needs correction={{"kind", "printed", "derived"}} for the errata')
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
    """The bibliography key of the paper a claim comes from, by its ID prefix (``K-T1`` -> Kim et al.)."""
    prefix = claim_id.split("-")[0]
    if prefix not in PAPERS:
        raise ValueError(f"claim {claim_id!r}: unknown paper prefix {prefix!r}; known: {', '.join(PAPERS)}")
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
            raise ValueError(f"claim {cid}: verdict {rec.get('verdict')!r} is not one of {VERDICTS}")
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
    """One row per claim: ``id, paper, source, setting, analogue_of, chapter, scale, verdict, summary,
    passed, checks, correction`` (``failed``: the names and values of the printed checks that failed)."""
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
                    "failed": [(c["name"], c["value"]) for c in rec["checks"] if c.get("group") == "printed" and c["passed"] is False],
                }
            )
    return rows


def verdict_counts(rows: list[dict]) -> dict[str, int]:
    """How many claims have each verdict."""
    return {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}


def anchor(claim_id: str) -> str:
    """The label a chapter puts on a claim's section, e.g. ``claim-sam-def``."""
    return "claim-" + claim_id.lower()


_RELATION = {"close": "|value − expected| ≤ tolerance", "below": "0 ≤ value ≤ tolerance",
             "above": "value > expected", "positive": "mean > tolerance (z standard errors)",
             "symbolic": "entries of simplify(lhs − rhs) ≠ 0: none"}


def _number_text(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def evidence_markdown(claim_id: str, record: dict) -> str:
    """A claim's record as the page shows it: verdict, setting, correction, the summary, and every
    check with its value, expected value, tolerance, test and result."""
    setting = record["setting"] + (f" ({record['analogue_of']})" if record["analogue_of"] else "")
    kind = f" ({record['correction']['kind']})" if record["correction"] else ""
    result = {True: "pass", False: "**fail**", None: "undecided"}
    lines = [f"**{claim_id}**, {record['source']}: **{record['verdict']}**{kind}; setting: {setting}.", "",
             record["summary"], "", "| check | of | value | expected | tolerance | test | result |", "|---|---|---|---|---|---|---|"]
    for c in record["checks"]:
        cells = [c["name"], c["group"], *(_number_text(c[k]) for k in ("value", "expected", "tolerance")),
                 _RELATION[c["relation"]], result[c["passed"]]]
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines)
