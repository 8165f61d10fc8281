"""Linear stability of a critical point under USAM, predicted and observed (paper K, Theorem 1).

The USAM map ``w - eta g(w + rho g(w))`` has Jacobian ``I - eta H (I + rho H)`` at a critical
point with Hessian ``H``: the point attracts the iteration iff every ``|1 - eta lam (1 + rho lam)|``
is below one. :func:`phase_diagram` runs USAM from next to the point for a grid of ``(eta, rho)``
and returns what happened beside what the spectral radius predicts.

With gradient noise (paper Z, Theorem 4.1 and Lemma C.2) stability is about the mean loss:
:func:`noisy_quadratic_rates` measures its growth per step on the linearised model, and the
last three functions test loss-based against norm-based linear stability.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from . import linalg, updates


def usam_spectral_radius(lam: Tensor, eta: Tensor, rho: Tensor) -> Tensor:
    """``max_i |1 - eta lam_i (1 + rho lam_i)|`` over the last dimension of ``lam``."""
    return (1 - eta * lam * (1 + rho * lam)).abs().amax(-1)


def phase_diagram(landscape, point, etas: Tensor, rhos: Tensor, steps: int, offset: Tensor):
    """USAM from ``point + offset`` for every ``(eta, rho)`` of the grid, in one batch.

    Returns ``(ratio, radius, flow_ok)``, each of shape ``(len(etas), len(rhos))``: the final
    distance to ``point`` over the initial one (``inf`` if it diverged), the predicted spectral
    radius of the map, and whether the flow condition ``lam + rho lam^2 > 0`` holds for every
    eigenvalue (Theorem 1).
    """
    E, R = torch.meshgrid(etas, rhos, indexing="ij")
    E, R = E.reshape(-1, 1), R.reshape(-1, 1)
    d = torch.as_tensor(point, dtype=etas.dtype)
    w0 = (d + offset).expand(E.shape[0], d.shape[-1])
    final = updates.run(updates.usam(R), landscape.grad, w0, E, steps, every=steps).final
    ratio = ((final - d).norm(dim=-1) / offset.norm()).nan_to_num(nan=math.inf)
    lam = linalg.eigvalsh(landscape.hessian(d))
    radius = usam_spectral_radius(lam, E, R)
    flow_ok = (lam + R * lam**2 > 0).all(-1)
    return [v.reshape(len(etas), len(rhos)) for v in (ratio, radius, flow_ok)]


def agreement(
    ratio: Tensor,
    radius: Tensor,
    flow_ok: Tensor,
    steps: int,
    *,
    decisive: float = 1e3,
    trapped: float = 1e-2,
) -> dict:
    """Counts over a phase diagram. A point is predicted trapped where ``radius**steps`` is below
    ``1/decisive`` and predicted repelled where it is above ``decisive`` (elsewhere no run of
    ``steps`` steps decides); observed trapped where ``ratio < trapped``, repelled where
    ``ratio > 1``."""
    want_trap, want_escape = radius**steps < 1 / decisive, radius**steps > decisive
    seen_trap, seen_escape = ratio < trapped, ratio > 1
    return {
        "decisive": int((want_trap | want_escape).sum()),
        "mismatches": int((want_trap & ~seen_trap).sum() + (want_escape & ~seen_escape).sum()),
        "trapped": int(seen_trap.sum()),
        "repelled_but_stays_within_0.1": int((want_escape & seen_escape & (ratio < 1e2)).sum()),
        "flow_attracts_but_map_escapes": int((flow_ok & want_escape).sum()),
    }


def noisy_quadratic_rates(
    sharpness: Tensor, cases, runs: int, eta: float, gamma: float, steps: int, generator
) -> tuple[Tensor, Tensor, Tensor]:
    """Stochastic USAM on the linearised model ``L = a z^2 / 2`` with paper Z's noise
    ``Σ/B = (2γ/B) L G`` (``G = a``), drawn afresh at the inner and the outer gradient (eq. 7),
    ``runs`` runs from ``z0 = 1`` for ``steps`` steps, for every ``(rho, B)`` of ``cases`` (``k``)
    and every ``a`` of ``sharpness (n,)``, in one batch.

    Returns ``(L, rate, se)``: the loss ``(steps + 1, k, n, runs)``; the mean over runs and steps
    of the one-step ratio ``L(z_{t+1}) / L(z_t)`` (the growth of the expected loss, the model
    being invariant under scaling ``z``) and its standard error, each ``(k, n)``."""
    k, n = len(cases), len(sharpness)
    A = torch.cat([sharpness.repeat_interleave(runs) for _ in cases]).unsqueeze(-1)
    R = torch.tensor([r for r, _ in cases]).repeat_interleave(n * runs).unsqueeze(-1)
    K = torch.tensor([gamma / b for _, b in cases]).repeat_interleave(n * runs)
    lin_loss = lambda w: A[:, 0] * w[:, 0] ** 2 / 2
    noise = updates.loss_scaled_noise(lin_loss, A.sqrt().unsqueeze(-1), 2 * K, generator)
    g = updates.noisy(lambda w: A * w, noise)
    run = updates.run(updates.usam(R), g, torch.ones_like(A), eta, steps)
    L = (A[:, 0] * run.w[..., 0] ** 2 / 2).reshape(steps + 1, k, n, runs)
    ratio = (L[1:] / L[:-1]).permute(1, 2, 0, 3).reshape(k, n, -1)
    return L, ratio.mean(-1), ratio.std(-1) / math.sqrt(ratio.shape[-1])


def loss_by_distance_violations(n: int, d: int, generator, p_zero: float = 0.4) -> int:
    """Paper Z, Lemma C.2 (L1): on ``n`` random PSD ``G (d, d)`` (random rotation, eigenvalues
    ``U[0, 1]``, each zero with probability ``p_zero``) and random ``theta (d,)``, how often
    ``theta' G theta / 2 > ||G||_2 ||theta||^2``."""
    Q = torch.linalg.qr(torch.randn(n, d, d, generator=generator))[0]
    lam = torch.rand(n, d, generator=generator) * (torch.rand(n, d, generator=generator) > p_zero)
    G = Q @ torch.diag_embed(lam) @ Q.mT
    theta = torch.randn(n, d, generator=generator)
    loss = 0.5 * (theta.unsqueeze(-2) @ G @ theta.unsqueeze(-1))[..., 0, 0]
    return int((loss > torch.linalg.matrix_norm(G, 2) * (theta**2).sum(-1) + 1e-12).sum())


def null_space_move(
    runs: int, steps: int, eta: float, rho: float, scale: float, generator
) -> float:
    """Stochastic USAM on ``L = w_1^2 / 2`` (``G = diag(1, 0)``) with noise of covariance
    ``scale · L · G`` at every gradient, ``runs`` runs from ``(1, 1)``: the largest move of the
    null-space component ``w_2`` over all runs and steps (zero: it never moves)."""
    G = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    noise = updates.loss_scaled_noise(lambda w: 0.5 * (w[..., 0] ** 2), G, scale, generator)
    g = updates.noisy(lambda w: w @ G, noise)
    w = updates.run(updates.usam(rho), g, torch.ones(runs, 2), eta, steps).w
    return (w[..., 1] - 1).abs().max().item()


def walk_norm_deviation(runs: int, steps: int, generator) -> float:
    """Paper Z, Lemma C.2 (L2): ``theta_1 = 1`` fixed, ``theta_2`` a Gaussian random walk from 1;
    the largest deviation over ``t = 1..steps`` of the mean of ``||theta_t||^2`` over ``runs`` runs
    from ``2 + t``, in standard errors."""
    walk = 1 + torch.randn(steps, runs, generator=generator).cumsum(0)  # theta_2
    norm2 = 1 + walk**2
    dev = (norm2.mean(1) - (2 + torch.arange(1, steps + 1))) / (norm2.std(1) / math.sqrt(runs))
    return dev.abs().max().item()
