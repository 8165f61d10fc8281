"""sympy helpers: gradients, the update maps of the book's rules, their Jacobians, display.

Identities are checked with :func:`samutils.checks.same` (``simplify(lhs - rhs) == 0``).
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp


def gradient(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> sp.Matrix:
    """Column gradient of ``expr``."""
    return sp.Matrix([sp.diff(expr, s) for s in symbols])


def gradient_at(expr: sp.Expr, symbols: Sequence[sp.Symbol], point: sp.Matrix) -> sp.Matrix:
    """The gradient of ``expr`` evaluated at ``point`` (a column of expressions)."""
    return gradient(expr, symbols).subs(dict(zip(symbols, point)), simultaneous=True)


#: The update rules by name, as the book defines them (chapter 1): gradient descent, unnormalized
#: SAM and SAM; :func:`samutils.updates.rule` and the figures' colours use the same names.
RULES = ("gd", "usam", "sam")


def ascent_point(expr: sp.Expr, symbols: Sequence[sp.Symbol], rule: str, rho) -> sp.Matrix:
    """Where a rule evaluates the gradient: ``w`` (gd), ``w + rho g`` (usam), ``w + rho g/||g||``
    (sam)."""
    w = sp.Matrix(symbols)
    g = gradient(expr, symbols)
    if rule == "gd":
        return w
    if rule == "usam":
        return w + rho * g
    if rule == "sam":
        return w + rho * g / sp.sqrt((g.T * g)[0])
    raise ValueError(f"unknown update rule {rule!r}; allowed: {', '.join(RULES)}")


def update_map(expr: sp.Expr, symbols: Sequence[sp.Symbol], rule: str, eta, rho=0) -> sp.Matrix:
    """The map ``w -> w - eta g(ascent_point(w))`` of a rule, as a column of expressions."""
    return sp.Matrix(symbols) - eta * gradient_at(
        expr, symbols, ascent_point(expr, symbols, rule, rho)
    )


def jacobian(F: sp.Matrix, symbols: Sequence[sp.Symbol]) -> sp.Matrix:
    """Jacobian ``dF/dw`` of a vector map."""
    return sp.Matrix(F).jacobian(list(symbols))


def normal_expectation(expr: sp.Expr, e: sp.Symbol) -> sp.Expr:
    """The expectation of ``expr``, a polynomial in ``e``, over a standard normal ``e``: each
    ``e**k`` becomes its moment, ``(k - 1)!!`` for even ``k`` and 0 for odd ``k``."""
    poly = sp.Poly(sp.expand(expr), e)
    return sum(c * (sp.factorial2(k - 1) if k % 2 == 0 else 0) for (k,), c in poly.terms())


def symmetric_matrix(name: str, n: int) -> sp.Matrix:
    """A generic symmetric ``n x n`` matrix of real symbols ``name_ij`` (i <= j)."""
    entries = {
        (i, j): sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
        for i in range(n)
        for j in range(i, n)
    }
    return sp.Matrix(n, n, lambda i, j: entries[(min(i, j), max(i, j))])


def latex_eq(lhs, rhs) -> str:
    """LaTeX of ``lhs = rhs`` (either side a sympy object or a LaTeX string)."""
    side = lambda e: e if isinstance(e, str) else sp.latex(e)
    return f"{side(lhs)} = {side(rhs)}"


def show(lhs, rhs=None):
    """Display ``lhs = rhs`` (or ``lhs``) as math in a notebook."""
    from IPython.display import Math

    return Math(latex_eq(lhs, rhs) if rhs is not None else sp.latex(lhs))
