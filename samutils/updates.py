"""Update rules of GD, USAM, SAM and heavy-ball momentum, on batched tensors.

Notation of the book (CLAIMS.md): ``g`` is a gradient oracle mapping points of shape
``(..., d)`` to gradients of the same shape; any leading shape is a batch of trajectories.

- GD / SGD: ``w <- w - eta * g(w)``
- USAM (constant radius, paper K): ``w <- w - eta * g(w + rho * g(w))``
- SAM (normalized, Foret et al.): ``w <- w - eta * g(w + rho * g(w) / ||g(w)||)``
- heavy-ball momentum for any rule: ``m <- gamma * m + d(w); w <- w - eta * m``

A *direction* is a function ``(g, w) -> d(w)``, the vector a rule subtracts (times eta).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from .symbolic import RULES

Grad = Callable[[Tensor], Tensor]
Direction = Callable[[Grad, Tensor], Tensor]


def gd() -> Direction:
    """The plain gradient ``g(w)``."""
    return lambda g, w: g(w)


def usam(rho: float) -> Direction:
    """Constant-radius (unnormalized) SAM: the gradient at ``w + rho g(w)``."""
    return lambda g, w: g(w + rho * g(w))


def sam(rho: float) -> Direction:
    """Normalized SAM: the gradient at ``w + rho g(w)/||g(w)||``.

    Where ``g(w) = 0`` the ascent direction is undefined; the perturbation is then taken
    as zero, so a trajectory sitting exactly on a critical point stays there.
    """

    def direction(g: Grad, w: Tensor) -> Tensor:
        gw = g(w)
        norm = torch.linalg.vector_norm(gw, dim=-1, keepdim=True)
        unit = torch.where(norm > 0, gw / torch.where(norm > 0, norm, 1), 0)
        return g(w + rho * unit)

    return direction


def sam_or_usam(rho, normalized) -> Direction:
    """Per trajectory SAM or USAM: the gradient at ``w + rho g/||g||`` where the boolean
    ``normalized`` (broadcast over the batch, shape ``(..., 1)``) holds and at ``w + rho g``
    elsewhere, so both variants advance in one batch at the cost of one."""

    def direction(g: Grad, w: Tensor) -> Tensor:
        gw = g(w)
        norm = torch.linalg.vector_norm(gw, dim=-1, keepdim=True)
        unit = torch.where(norm > 0, gw / torch.where(norm > 0, norm, 1), 0)
        return g(w + rho * torch.where(normalized, unit, gw))

    return direction


def gd_plus_sam(rho: float) -> Direction:
    """``g(w) + g(w + rho g(w)/||g(w)||)``: what a SAM step becomes when the gradient is not
    zeroed between its two backward passes and the optimizer steps with their sum (the x² − y²
    demo released with paper K does this)."""
    normalized = sam(rho)
    return lambda g, w: g(w) + normalized(g, w)


def rule(name: str, rho: float = 0.0) -> Direction:
    """Direction by name: ``"gd"``, ``"usam"`` or ``"sam"``."""
    if name not in RULES:
        raise ValueError(f"unknown update rule {name!r}; allowed: {', '.join(RULES)}")
    return {"gd": gd, "usam": lambda: usam(rho), "sam": lambda: sam(rho)}[name]()


def step(direction: Direction, g: Grad, w: Tensor, eta: float) -> Tensor:
    """One step ``w - eta * d(w)``."""
    return w - eta * direction(g, w)


def momentum_step(
    direction: Direction, g: Grad, w: Tensor, m: Tensor, eta: float, gamma: float
) -> tuple[Tensor, Tensor]:
    """One heavy-ball step: ``m <- gamma m + d(w)``, ``w <- w - eta m``; returns ``(w, m)``."""
    m = gamma * m + direction(g, w)
    return w - eta * m, m


def with_noise(g: Grad, xi: Tensor) -> Grad:
    """The oracle ``g + xi``: one draw of additive gradient noise, shared by every
    gradient evaluation of a step (the same mini-batch for SAM's two gradients)."""
    return lambda w: g(w) + xi


@dataclass(frozen=True)
class Trajectory:
    """What :func:`run` records.

    ``w``: points of shape ``(T, ..., d)`` at the iterations ``steps`` (length ``T``), or what
    ``record`` returned at those iterations;
    ``final``: the last point; ``stopped_at``: per trajectory, the first iteration at which
    ``until`` held (``-1`` if never, or if no ``until`` was given).
    """

    w: Tensor
    steps: Tensor
    final: Tensor
    stopped_at: Tensor


def run(
    direction: Direction,
    g: Grad,
    w0: Tensor,
    eta: float,
    steps: int,
    *,
    gamma: float | Tensor = 0.0,
    every: int = 1,
    noise: Callable[[Tensor], Tensor] | None = None,
    until: Callable[[Tensor], Tensor] | None = None,
    record: Callable[[Tensor], Tensor] | None = None,
) -> Trajectory:
    """Advance every trajectory in the batch ``w0`` (shape ``(..., d)``) for ``steps`` steps.

    Records the iterates at 0, every, 2 every, ... and the last step. ``gamma > 0`` adds
    heavy-ball momentum (``m0 = 0``; a tensor ``gamma`` broadcast against ``w0`` gives every
    configuration its own). ``noise(w)`` draws additive gradient noise, broadcastable to ``w``,
    once per step (one draw of shape ``(N, d)`` is shared by every configuration in front of
    it). ``until(w)`` is a per-trajectory boolean: a trajectory for which it holds is frozen
    from then on, and the loop ends early once all are frozen. ``record(w)``, if given, is
    what is stored at the recorded steps instead of the iterates (a statistic over particles,
    say), so that a long run of many particles keeps only what it measures.
    """
    if steps < 0 or every < 1:
        raise ValueError(f"need steps >= 0 and every >= 1, got steps={steps}, every={every}")
    w = w0.clone()
    m = torch.zeros_like(w)
    batch = w.shape[:-1]
    stopped_at = torch.full(batch, -1, dtype=torch.long)
    active = torch.ones(batch, dtype=torch.bool)
    if until is not None:
        hit = until(w)
        stopped_at[hit] = 0
        active &= ~hit
    keep_what = (lambda z: z.clone()) if record is None else record
    heavy_ball = torch.is_tensor(gamma) or gamma != 0
    recorded, at, done = [keep_what(w)], [0], 0
    for t in range(1, steps + 1):
        if until is not None and not active.any():
            break
        oracle = g if noise is None else with_noise(g, noise(w))
        if heavy_ball:
            w_new, m_new = momentum_step(direction, oracle, w, m, eta, gamma)
        else:
            w_new, m_new = step(direction, oracle, w, eta), m
        if until is None:
            w, m = w_new, m_new
        else:
            keep = active.unsqueeze(-1)
            w, m = torch.where(keep, w_new, w), torch.where(keep, m_new, m)
            hit = active & until(w)
            stopped_at[hit] = t
            active &= ~hit
        done = t
        if t % every == 0:
            recorded.append(keep_what(w))
            at.append(t)
    if at[-1] != done:
        recorded.append(keep_what(w))
        at.append(done)
    return Trajectory(torch.stack(recorded), torch.tensor(at), w, stopped_at)


def noisy(g: Grad, noise: Callable[[Tensor], Tensor]) -> Grad:
    """The oracle ``g(w) + noise(w)`` with a fresh draw at every evaluation: SAM's inner and outer
    gradients get independent noise, each at its own point (paper Z, eq. 7)."""
    return lambda w: g(w) + noise(w)


def loss_scaled_noise(
    loss: Callable[[Tensor], Tensor],
    factor: Tensor,
    scale: float,
    generator: torch.Generator | None = None,
) -> Callable[[Tensor], Tensor]:
    """Gaussian noise of covariance ``scale * loss(w) * A Aᵀ``, ``A = factor`` broadcastable to
    ``(..., d, k)``.

    Paper Z's model ``Σ(θ)/B = (2γ/B) L(θ) G(θ)`` with ``A Aᵀ = G``: Assumption 4.1 with equality,
    and Assumption 4.3 with ``σ²/B = scale · tr(A Aᵀ)``.
    """

    def draw(w: Tensor) -> Tensor:
        A = factor.expand(*w.shape[:-1], *factor.shape[-2:])
        eps = torch.randn(*A.shape[:-2], A.shape[-1], 1, generator=generator, dtype=w.dtype)
        return (scale * loss(w)).clamp_min(0).sqrt().unsqueeze(-1) * (A @ eps).squeeze(-1)

    return draw
