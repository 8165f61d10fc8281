"""Test functions, each defined once as a sympy expression.

A :class:`Landscape` keeps the expression and its symbols; loss, gradient and Hessian for
torch are generated from that one definition (symbolic differentiation, then
``sympy.lambdify`` to torch), so the algebra in a chapter and the numbers in its
simulations cannot drift apart. All torch functions take points of shape ``(..., d)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import sympy as sp
import torch
from torch import Tensor


def _to_torch(symbols: Sequence[sp.Symbol], exprs: list[sp.Expr]) -> Callable[[Tensor], Tensor]:
    """Compile ``exprs`` (functions of ``symbols``) to ``w (..., d) -> (..., len(exprs))``."""
    f = sp.lambdify(list(symbols), exprs, modules="torch", cse=True)

    def evaluate(w: Tensor) -> Tensor:
        values = f(*w.unbind(-1))
        ref = w[..., 0]
        return torch.stack([torch.as_tensor(v, dtype=w.dtype).expand_as(ref) for v in values], -1)

    return evaluate


@dataclass(frozen=True)
class Landscape:
    """A loss ``expr`` of the variables ``symbols``."""

    name: str
    symbols: tuple[sp.Symbol, ...]
    expr: sp.Expr

    @property
    def dim(self) -> int:
        return len(self.symbols)

    @cached_property
    def gradient_expr(self) -> sp.Matrix:
        """The symbolic gradient, a column vector."""
        return sp.Matrix([sp.diff(self.expr, s) for s in self.symbols])

    @cached_property
    def hessian_expr(self) -> sp.Matrix:
        """The symbolic Hessian."""
        return sp.hessian(self.expr, self.symbols)

    @cached_property
    def _loss(self) -> Callable[[Tensor], Tensor]:
        return _to_torch(self.symbols, [self.expr])

    @cached_property
    def _grad(self) -> Callable[[Tensor], Tensor]:
        return _to_torch(self.symbols, list(self.gradient_expr))

    @cached_property
    def _hess(self) -> Callable[[Tensor], Tensor]:
        return _to_torch(self.symbols, list(self.hessian_expr))

    def loss(self, w: Tensor) -> Tensor:
        """Loss at ``w (..., d)``, shape ``(...)``."""
        return self._loss(w)[..., 0]

    def grad(self, w: Tensor) -> Tensor:
        """Gradient at ``w (..., d)``, shape ``(..., d)``."""
        return self._grad(w)

    def hessian(self, w: Tensor) -> Tensor:
        """Hessian at ``w (..., d)``, shape ``(..., d, d)``."""
        return self._hess(w).unflatten(-1, (self.dim, self.dim))

    def sharpness(self, w: Tensor) -> Tensor:
        """Largest Hessian eigenvalue ``λ_max(∇²ℓ(w))`` at ``w (..., d)``, shape ``(...)``."""
        H = self.hessian(w)
        return torch.linalg.eigvalsh((H + H.mT) / 2)[..., -1]

    def at(self, point: Sequence) -> dict:
        """Substitution dict ``{symbol: value}`` for sympy."""
        return dict(zip(self.symbols, point))


def _xy() -> tuple[sp.Symbol, sp.Symbol]:
    return sp.symbols("x y", real=True)


def quadratic(H) -> Landscape:
    """``½ wᵀ H w`` for a symmetric matrix ``H`` (sympy, nested lists or a tensor)."""
    H = sp.Matrix(H.tolist() if isinstance(H, Tensor) else H)
    if H.shape[0] != H.shape[1] or H != H.T:
        raise ValueError("quadratic: H must be a symmetric square matrix")
    w = sp.Matrix(sp.symbols(f"w1:{H.shape[0] + 1}", real=True))
    return Landscape("quadratic", tuple(w), sp.expand((w.T * H * w)[0] / 2))


def saddle_x2_minus_y2() -> Landscape:
    """``x² − y²`` (paper K, Figure 5): a strict saddle at the origin."""
    x, y = _xy()
    return Landscape("x^2 - y^2", (x, y), x**2 - y**2)


def beale() -> Landscape:
    """Beale's function (paper K, Figures 1, 3, 4, 6): global minimum at (3, ½), saddle at (0,
    1)."""
    x, y = _xy()
    a, b, c = sp.Rational(3, 2), sp.Rational(9, 4), sp.Rational(21, 8)
    return Landscape(
        "Beale", (x, y), (a - x + x * y) ** 2 + (b - x + x * y**2) ** 2 + (c - x + x * y**3) ** 2
    )


def double_well(mu=1) -> Landscape:
    """``(μ − θ²)²`` (paper K, appendix B): minima at ±√μ, a local maximum at 0."""
    theta = sp.Symbol("theta", real=True)
    return Landscape("double well", (theta,), (sp.nsimplify(mu) - theta**2) ** 2)


def ravine(kappa=1) -> Landscape:
    """``w₁²/(1 + w₂²/2) + κ w₂²/2`` (paper B, Figures 3–5 with κ = 1): the sharp direction w₁
    flattens as |w₂| grows; with κ = 0 the line w₁ = 0 is a valley of minima."""
    w1, w2 = sp.symbols("w1 w2", real=True)
    return Landscape("ravine", (w1, w2), w1**2 / (1 + w2**2 / 2) + sp.nsimplify(kappa) * w2**2 / 2)


def tanh_example() -> Landscape:
    """``½ tanh²(v tanh u)`` (paper Z, Example 4.1): the net ``tanh(v tanh(u x))`` fit to ``(x, y)
    = (1, 0)``.
    Minima on ``v = 0`` (sharpness ``tanh² u``) and on ``u = 0``."""
    u, v = sp.symbols("u v", real=True)
    return Landscape("tanh example", (u, v), sp.tanh(v * sp.tanh(u)) ** 2 / 2)


def subquadratic_valley(a=1, eps=sp.Rational(1, 100)) -> Landscape:
    """The valley of paper Z, Example C.1: ``L(0) = L'(0) = 0`` and ``L'' = max(a − |z|/ε, 0)``,
    integrated twice (written per sign of ``z``, so that sympy's derivatives carry no delta
    terms)."""
    z = sp.Symbol("z", real=True)
    a, eps = sp.nsimplify(a), sp.nsimplify(eps)
    c = a * eps
    inner = lambda s: a * z**2 / 2 - s * z**3 / (6 * eps)  # s = sign(z)
    outer = lambda s: s * a**2 * eps * z / 2 - a**3 * eps**2 / 6
    expr = sp.Piecewise(
        (inner(1), (z >= 0) & (z < c)),
        (inner(-1), (z < 0) & (z > -c)),
        (outer(1), z >= c),
        (outer(-1), True),
    )
    return Landscape("sub-quadratic valley", (z,), expr)


def pl_sine() -> Landscape:
    """``θ² + 3 sin² θ`` (Karimi et al. 2016): non-convex, Polyak–Łojasiewicz and smooth, minimum 0
    at 0."""
    theta = sp.Symbol("theta", real=True)
    return Landscape("theta^2 + 3 sin^2 theta", (theta,), theta**2 + 3 * sp.sin(theta) ** 2)


def toy_network(ys=(-1, 2)) -> Landscape:
    """Ziyin et al. (2022), used in paper K, Figure 7: one hidden neuron with activation ``φ(z) =
    z²``,
    input ``x = 1``, output ``w₂ φ(w₁ x)``; the mean squared error over the targets ``ys``
    (the default is the two-sample data set, a one-element tuple gives a per-sample loss)."""
    w1, w2 = sp.symbols("w1 w2", real=True)
    out = w2 * w1**2
    return Landscape(
        "toy network", (w1, w2), sum((out - sp.nsimplify(y)) ** 2 for y in ys) / len(ys)
    )


def diagonal_quadratic(lam: Tensor) -> Callable[[Tensor], Tensor]:
    """The gradient oracle ``w -> lam * w`` of ``1/2 sum_i lam_i w_i^2`` (eigenvalues ``lam`` along
    the
    axes), batched over leading dimensions of ``w``: the quadratic of paper B and of linear
    stability."""
    return lambda w: lam * w
