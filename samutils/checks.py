"""Checks and verdicts: each check is one computed comparison; a claim's verdict follows from them.

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

import math
from dataclasses import asdict, dataclass

import sympy as sp

VERDICTS = ("reproduced", "corrected", "not-reproduced", "unresolved")


@dataclass(frozen=True)
class Check:
    """One computed comparison (``passed`` may be None: inconclusive).

    ``relation`` says what was compared: ``close`` (``|value - expected| <= tolerance``),
    ``below`` (``0 <= value <= tolerance``), ``above`` (``value > expected``), ``positive``
    (a mean ``value`` of paired differences against ``tolerance = z`` standard errors) or
    ``symbolic``
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


def same(name: str, lhs, rhs) -> Check:
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
            return (
                "not-reproduced"  # a decisive failure is not hidden by other, inconclusive checks
            )
        return "unresolved"  # the correction cannot be confirmed
    if any(c.passed is None for c in [*printed, *derived]):
        return "unresolved"
    return "reproduced"
