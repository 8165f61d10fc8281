"""Exact second moments of linear stochastic iterations and linear SDEs, batched.

Near a saddle of a quadratic loss every update rule of the book (GD, USAM, heavy-ball momentum)
is linear in its state ``x`` (``w``, or ``(w, m)`` with momentum) and in the gradient noise
``xi``: ``x_{k+1} = A x_k + N xi_k``. From rest its covariance then follows exactly,
``S_{k+1} = A S_k A^T + N Q N^T`` with ``Q = Cov(xi)``, and that of the linear SDE
``dx = F x dt + G dW`` solves ``S' = F S + S F^T + G G^T`` (one matrix exponential).
:func:`linear_maps` reads ``A`` and ``N`` off the update itself, so the exact
moments come from the same code as the simulation and no transition matrix is typed by hand.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor

from samutils import updates


def linear_maps(
    step: Callable[[Tensor, Tensor], Tensor], n: int, k: int, dtype=torch.float64
) -> tuple[Tensor, Tensor]:
    """``(A, N)`` of a linear update ``x' = step(x, xi) = A x + N xi`` with state size ``n`` and
    noise size ``k``, found by applying ``step`` to basis vectors (any batch shape the step
    broadcasts to is kept in front: ``A`` is ``(..., n, n)``, ``N`` is ``(..., n, k)``).

    Raises if the update has an offset (``step(0, 0) != 0``): it would not be linear.
    """
    zero_x, zero_xi = torch.zeros(n, dtype=dtype), torch.zeros(k, dtype=dtype)
    offset = step(zero_x, zero_xi)
    if offset.abs().max() > 0:
        raise ValueError("the update is not linear: step(0, 0) is not zero")
    cols_a = [step(e, zero_xi) for e in torch.eye(n, dtype=dtype)]
    cols_n = [step(zero_x, e) for e in torch.eye(k, dtype=dtype)]
    shape = torch.broadcast_shapes(*(c.shape for c in cols_a + cols_n))
    A = torch.stack([c.expand(shape) for c in cols_a], -1)
    N = torch.stack([c.expand(shape) for c in cols_n], -1)
    return A, N


def recursion_covariance(A: Tensor, N: Tensor, Q: Tensor, at: Sequence[int]) -> Tensor:
    """Covariance of ``x_k`` for ``x_{k+1} = A x_k + N xi_k``, ``x_0 = 0``, ``Cov(xi) = Q``,
    at the steps ``at`` (sorted, >= 0): shape ``(len(at), ..., n, n)``; batched over leading
    dims."""
    at = list(at)
    if at != sorted(at) or (at and at[0] < 0):
        raise ValueError(f"steps must be sorted and non-negative, got {at}")
    noise = N @ Q @ N.mT
    S = torch.zeros(torch.broadcast_shapes(A.shape, noise.shape), dtype=A.dtype)
    out, k = [], 0
    for target in at:
        while k < target:
            S = A @ S @ A.mT + noise
            k += 1
        out.append(S)
    return torch.stack(out) if out else S.new_zeros(0, *S.shape)


def sde_covariance(F: Tensor, GGt: Tensor, t: Tensor) -> Tensor:
    """Covariance at time ``t`` of the linear SDE ``dx = F x dt + G dW`` from ``x(0) = 0``, given
    ``G G^T``: the Lyapunov equation ``S' = F S + S F^T + G G^T``, vectorised and solved by one
    matrix
    exponential of ``[[I(x)F + F(x)I, vec GG^T], [0, 0]] t`` (its rates are sums of two of ``F``'s,
    so
    a stiff friction term decays instead of overflowing). ``F``, ``GGt`` are ``(..., n, n)``, ``t``
    broadcasts against ``...``."""
    F, GGt = torch.broadcast_tensors(F, GGt)
    t = torch.as_tensor(t, dtype=F.dtype)
    shape = torch.broadcast_shapes(F.shape[:-2], t.shape)
    n = F.shape[-1]
    F, GGt, t = F.expand(*shape, n, n), GGt.expand(*shape, n, n), t.expand(shape)
    eye = torch.eye(n, dtype=F.dtype)
    # row-major vec: vec(F S) = (F (x) I) vec S, vec(S F^T) = (I (x) F) vec S
    kron = lambda X, Y: (X[..., :, None, :, None] * Y[..., None, :, None, :]).reshape(
        *shape, n * n, n * n
    )
    block = torch.zeros(*shape, n * n + 1, n * n + 1, dtype=F.dtype)
    block[..., : n * n, : n * n] = kron(F, eye.expand_as(F)) + kron(eye.expand_as(F), F)
    block[..., : n * n, -1] = GGt.reshape(*shape, n * n)
    E = torch.linalg.matrix_exp(block * t[..., None, None])
    return E[..., : n * n, -1].reshape(*shape, n, n)


def minibatch_covariance(grads: Tensor, batch: int = 1) -> Tensor:
    """Covariance of the mini-batch gradient (the mean of ``batch`` samples drawn uniformly with
    replacement) from the per-sample gradients ``grads`` of shape ``(N, ..., d)``:
    ``(1/batch) (1/N) sum_i (g_i - g)(g_i - g)^T`` with ``g`` the full-batch gradient; ``(..., d,
    d)``."""
    centred = grads - grads.mean(0)
    return torch.einsum("n...i,n...j->...ij", centred, centred) / grads.shape[0] / batch


def saddle_usam_maps(
    lam: Tensor, rho: Tensor, eta: float, gamma: Tensor | float = 0.0, shared: bool = False
) -> tuple[Tensor, Tensor]:
    """``(A, N)`` of heavy-ball USAM (``gamma = 0``: plain USAM, ``rho = 0``: SGD) on the
    one-dimensional quadratic ``1/2 lam w^2``, state ``(w, m)`` from :func:`updates.momentum_step`,
    with the gradient noise ``xi`` on the outer gradient only (paper K's SDE (11): the perturbed
    point is computed exactly) or, ``shared=True``, on both gradients (one mini-batch for SAM's
    two gradients). ``lam``, ``rho``, ``gamma`` broadcast; ``A`` is ``(..., 2, 2)``, ``N`` ``(...,
    2, 1)``."""
    lam, rho, gamma = torch.broadcast_tensors(
        *(torch.as_tensor(z, dtype=torch.float64) for z in (lam, rho, gamma))
    )
    lam, rho, gamma = lam[..., None], rho[..., None], gamma[..., None]
    exact = lambda z: lam * z

    def step(x: Tensor, xi: Tensor) -> Tensor:
        oracle = updates.with_noise(exact, xi)
        direction = updates.usam(rho) if shared else (lambda g, z: g(z + rho * exact(z)))
        w, m = updates.momentum_step(direction, oracle, x[..., :1], x[..., 1:], eta, gamma)
        return torch.cat([w, m], -1)

    return linear_maps(step, 2, 1)
