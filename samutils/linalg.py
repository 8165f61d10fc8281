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
    """Jacobian ``dF/dw`` of a map ``(d,) -> (d,)`` at every point of ``w (..., d)``: ``(..., d, d)``."""
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


def random_symmetric(n: int, d: int, *, generator: torch.Generator | None = None, dtype=torch.float64) -> Tensor:
    """``n`` random symmetric ``d x d`` matrices ``Q diag(λ) Qᵀ`` with λ ~ N(0, 1) and Q Haar-orthogonal."""
    A = torch.randn(n, d, d, generator=generator, dtype=dtype)
    Q, R = torch.linalg.qr(A)
    Q = Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1)).unsqueeze(-2)
    lam = torch.randn(n, d, generator=generator, dtype=dtype)
    return Q @ torch.diag_embed(lam) @ Q.mT
