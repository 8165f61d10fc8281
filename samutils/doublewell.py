"""The double well ``l(theta) = (mu - theta^2)^2`` of paper K, appendix B, and its SAM objective.

The SAM (minimax) objective ``L_rho(theta) = max_{|eps| <= rho} l(theta + eps)``: ``l`` has
one interior maximum, at 0, so the max over ``[theta - rho, theta + rho]`` is at an end of the
interval, or ``l(0) = mu^2`` when the interval contains 0. Below ``rho_c = sqrt(mu/2)`` its
minimizers are ``±sqrt(mu - rho^2)``, with value ``4 rho^2 (mu - rho^2) < mu^2``; from ``rho_c``
on the centre 0 is a minimizer (up to ``rho = sqrt(2 mu)`` the minimum ``mu^2`` is attained on
all of ``|theta| <= sqrt(2 mu) - rho``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def loss(theta: Tensor, mu: float = 1.0) -> Tensor:
    """``(mu - theta^2)^2``."""
    return (mu - theta**2) ** 2


def sam_objective(theta: Tensor, rho, mu: float = 1.0) -> Tensor:
    """``max_{|eps| <= rho} l(theta + eps)`` in closed form (``theta``, ``rho`` broadcast)."""
    ends = torch.maximum(loss(theta - rho, mu), loss(theta + rho, mu))
    return torch.where(theta.abs() <= rho, torch.clamp_min(ends, mu**2), ends)


def sam_minimizer(rho: Tensor, mu: float = 1.0) -> Tensor:
    """A minimizer ``|theta|`` of ``L_rho``: ``sqrt(mu - rho^2)`` below ``rho_c = sqrt(mu/2)``,
    the centre 0 from there on."""
    return torch.where(rho < math.sqrt(mu / 2), (mu - rho**2).clamp_min(0).sqrt(), 0.0)


def global_opt_readings(theta: Tensor, rho: Tensor, mu: float = 1.0) -> dict[str, Tensor]:
    """Readings of "theta reached the global optimum", each as a deviation that a tolerance
    turns into a yes/no: distance of ``|theta|`` to the minimizers ``sqrt(mu)`` of the loss, the
    loss itself, distance of ``|theta|`` to the minimizers of the SAM objective, and the SAM
    objective's excess over its minimum. ``rho`` broadcasts against ``theta``."""
    best = sam_minimizer(rho, mu)
    excess = sam_objective(theta, rho, mu) - sam_objective(best, rho, mu)
    return {
        "|θ| − √μ": (theta.abs() - math.sqrt(mu)).abs(),
        "loss ℓ(θ)": loss(theta, mu),
        "|θ| − √(μ−ρ²)": (theta.abs() - best).abs(),
        "SAM objective − its minimum": excess,
    }


def reading_tolerances(delta: float, rho: Tensor, mu: float = 1.0) -> dict[str, Tensor]:
    """For each reading of :func:`global_opt_readings`, the largest value it takes within
    ``delta`` of its own optimum (``sqrt(mu)`` for the loss's readings, the SAM objective's
    minimizer for the others): the same closeness, in that reading's units."""
    rho = torch.as_tensor(rho)
    optimum = {"loss": torch.full_like(rho, math.sqrt(mu)), "sam": sam_minimizer(rho, mu)}
    tols = {}
    for name in global_opt_readings(optimum["loss"], rho, mu):
        base = optimum["sam" if ("ρ" in name or "SAM" in name) else "loss"]
        sides = [global_opt_readings(base + s * delta, rho, mu)[name] for s in (1, -1)]
        tols[name] = torch.maximum(*sides)
    return tols


def global_opt_fractions(theta: Tensor, rho: Tensor, deltas, mu: float = 1.0) -> dict[str, Tensor]:
    """Fraction of runs counted as "reached the global optimum" by each reading, at each
    closeness ``delta``: ``theta`` (len(rho), trials) final iterates, one row per ``rho``;
    returns ``{reading: (len(deltas), len(rho))}``. Diverged runs (not finite) never count."""
    rho = torch.as_tensor(rho).reshape(-1, 1)
    dev = global_opt_readings(theta, rho, mu)
    out = {name: [] for name in dev}
    for delta in deltas:
        tol = reading_tolerances(float(delta), rho, mu)
        for name, d in dev.items():
            out[name].append((d <= tol[name]).double().mean(-1))
    return {name: torch.stack(rows) for name, rows in out.items()}
