"""torch.func tools: batched Jacobians of maps, Hessians and their eigenvalues."""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor
from torch.func import hessian as _hessian
from torch.func import jacrev, vmap


def _batched(f: Callable[[Tensor], Tensor], w: Tensor) -> Tensor:
    """Apply a per-point function to every point of ``w (..., d)``."""
    flat = w.reshape(-1, w.shape[-1])
    out = vmap(f)(flat)
    return out.reshape(*w.shape[:-1], *out.shape[1:])


def gradient(loss: Callable[[Tensor], Tensor], w: Tensor) -> Tensor:
    """Gradient of a scalar loss ``(d,) -> ()`` at every point of ``w (..., d)``: ``(..., d)``."""
    return _batched(torch.func.grad(loss), w)


def map_jacobian(F: Callable[[Tensor], Tensor], w: Tensor) -> Tensor:
    """Jacobian ``dF/dw`` of a map ``(d,) -> (d,)`` at every point of ``w (..., d)``: ``(..., d,
    d)``."""
    return _batched(jacrev(F), w)


def hessian(loss: Callable[[Tensor], Tensor], w: Tensor) -> Tensor:
    """Hessian of a scalar loss ``(d,) -> ()`` at every point of ``w (..., d)``: ``(..., d, d)``."""
    return _batched(_hessian(loss), w)


def sharpness_gradient(loss: Callable[[Tensor], Tensor], w: Tensor) -> Tensor:
    """``∇λ_max(∇²ℓ(w))`` at every point of ``w (..., d)``, by autograd through the top eigenvalue
    of the autograd Hessian (defined where that eigenvalue is simple)."""
    top = lambda x: torch.linalg.eigvalsh(_hessian(loss)(x))[-1]
    return _batched(torch.func.grad(top), w)


def eigvalsh(H: Tensor) -> Tensor:
    """Eigenvalues, ascending, of a batch of symmetric matrices ``(..., d, d)``."""
    return torch.linalg.eigvalsh((H + H.mT) / 2)


def relative_error(a: Tensor, b: Tensor) -> float:
    """Worst relative error ``max_i ||a_i - b_i|| / ||b_i||`` over the first (batch) dimension."""
    a, b = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
    return ((a - b).norm(dim=1) / b.norm(dim=1)).max().item()


def random_symmetric(
    n: int, d: int, *, generator: torch.Generator | None = None, dtype=torch.float64
) -> Tensor:
    """``n`` random symmetric ``d x d`` matrices ``Q diag(λ) Qᵀ`` with λ ~ N(0, 1) and Q
    Haar-orthogonal."""
    A = torch.randn(n, d, d, generator=generator, dtype=dtype)
    Q, R = torch.linalg.qr(A)
    Q = Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1)).unsqueeze(-2)
    lam = torch.randn(n, d, generator=generator, dtype=dtype)
    return Q @ torch.diag_embed(lam) @ Q.mT


def hvp(loss: Callable[[Tensor], Tensor], w: Tensor) -> Callable[[Tensor], Tensor]:
    """The Hessian-vector product ``v -> ∇²ℓ(w) v`` of a scalar loss ``(d,) -> ()`` at one point
    ``w (d,)``, forward-over-reverse (``jvp`` of ``grad``): one gradient's cost, no ``d x d``
    matrix."""
    g = torch.func.grad(loss)
    return lambda v: torch.func.jvp(g, (w,), (v,))[1]


class NotConverged(ArithmeticError):
    """An iteration stopped before its convergence test held."""


def power_iteration(
    matvec: Callable[[Tensor], Tensor], v0: Tensor, *, iters: int = 100, tol: float = 1e-10
) -> tuple[float, Tensor]:
    """Eigenvalue of largest *magnitude* of a symmetric operator, with its sign, and its unit
    eigenvector: on an indefinite spectrum it targets whichever of ``λ_max`` and ``λ_min`` is larger
    in absolute value (for the largest algebraic eigenvalue use :func:`lanczos_top`).

    Stops once the residual ``‖Av − λv‖`` is at most ``tol·|λ|``; raises :class:`NotConverged` if
    that has not happened after ``iters`` products, as when ``λ`` and ``−λ`` are both eigenvalues
    (a saddle with equal curvatures), where ``v`` alternates and the Rayleigh quotient stalls at a
    wrong value. Converges at the rate ``|λ₂/λ₁|``.
    """
    v = v0 / v0.norm()
    for _ in range(iters):
        Av = matvec(v)
        lam = torch.dot(v, Av).item()
        if (Av - lam * v).norm().item() <= tol * abs(lam):
            return lam, v
        v = Av / Av.norm()
    raise NotConverged(
        f"power iteration: residual above {tol:g}·|λ| after {iters} products "
        f"(last Rayleigh quotient {lam:.6g}); use lanczos_top"
    )


def lanczos_top(
    matvec: Callable[[Tensor], Tensor], v0: Tensor, *, iters: int = 30
) -> tuple[float, Tensor]:
    """Largest (algebraic) eigenvalue of a symmetric ``d x d`` operator and its unit eigenvector
    by ``min(iters, d)`` Lanczos steps with full reorthogonalization (exact after ``d`` steps)."""
    iters = min(iters, v0.numel())
    Q = torch.zeros(iters, v0.numel(), dtype=v0.dtype)
    alpha, beta = torch.zeros(iters, dtype=v0.dtype), torch.zeros(iters, dtype=v0.dtype)
    q = v0 / v0.norm()
    k = iters
    for j in range(iters):
        Q[j] = q
        r = matvec(q)
        alpha[j] = torch.dot(q, r)
        r = r - Q[: j + 1].T @ (Q[: j + 1] @ r)
        r = r - Q[: j + 1].T @ (Q[: j + 1] @ r)
        beta[j] = r.norm()
        if j + 1 < iters and beta[j] <= 1e-12 * alpha[: j + 1].abs().max():
            k = j + 1
            break
        q = r / beta[j]
    T = torch.diag(alpha[:k]) + torch.diag(beta[: k - 1], 1) + torch.diag(beta[: k - 1], -1)
    theta, S = torch.linalg.eigh(T)
    return theta[-1].item(), S[:, -1] @ Q[:k]


def top_hessian_eigenvalue(
    loss: Callable[[Tensor], Tensor],
    w: Tensor,
    *,
    iters: int = 30,
    generator: torch.Generator | None = None,
) -> float:
    """Sharpness ``λ_max(∇²ℓ(w))`` of a scalar loss of a flat parameter vector ``w (d,)``, by
    Lanczos on Hessian-vector products from a random start."""
    v0 = torch.randn(w.shape, generator=generator, dtype=w.dtype)
    return lanczos_top(hvp(loss, w), v0, iters=iters)[0]
