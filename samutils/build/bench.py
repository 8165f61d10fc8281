"""Benchmark: the batched runner against a per-trajectory autograd loop (normalized SAM on Beale).

The naive loop is what one writes first: one trajectory at a time, two ``autograd.grad``
calls per step. It is timed on a subset of the trajectories and scaled up linearly (each
trajectory costs the same); its end points must agree with the batched ones.
"""

from __future__ import annotations

import time

import torch

from .. import landscapes, updates

ETA, RHO = 1e-4, 0.1


def starts(n: int) -> torch.Tensor:
    """``n`` starting points, uniform in [0, 4] x [0, 2] (seed 0), float64."""
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 2, generator=g, dtype=torch.float64) * torch.tensor([4.0, 2.0], dtype=torch.float64)


def batched(w0: torch.Tensor, steps: int) -> torch.Tensor:
    """All trajectories at once, with the gradient compiled from the sympy definition."""
    f = landscapes.beale()
    return updates.run(updates.sam(RHO), f.grad, w0, ETA, steps, every=steps).final


def per_trajectory(w0: torch.Tensor, steps: int) -> torch.Tensor:
    """One trajectory after another, gradients by autograd of the loss."""
    loss = landscapes.beale().loss

    def grad(w):
        w = w.detach().requires_grad_(True)
        return torch.autograd.grad(loss(w), w)[0]

    finals = []
    for w in w0:
        for _ in range(steps):
            g = grad(w)
            w = w - ETA * grad(w + RHO * g / g.norm())
        finals.append(w.detach())
    return torch.stack(finals)


def main(trajectories: int = 1000, steps: int = 10_000, naive: int = 20) -> dict:
    """Time both (the naive loop on ``naive`` trajectories, scaled up), check they agree, print."""
    naive_count = min(naive, trajectories)
    torch.set_num_threads(1)
    w0 = starts(trajectories)
    t0 = time.perf_counter()
    fast = batched(w0, steps)
    t_batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = per_trajectory(w0[:naive_count], steps)
    t_naive = (time.perf_counter() - t0) * trajectories / naive_count
    diff = (fast[:naive_count] - slow).abs().max().item()
    result = {"trajectories": trajectories, "steps": steps, "batched_s": t_batched,
              "naive_s": t_naive, "ratio": t_naive / t_batched, "max_abs_diff": diff}
    print(f"normalized SAM on Beale, {trajectories} trajectories x {steps} steps (eta={ETA}, rho={RHO}), 1 thread")
    print(f"batched runner:          {t_batched:8.2f} s")
    print(f"per-trajectory autograd: {t_naive:8.2f} s (timed on {naive_count}, scaled x{trajectories / naive_count:g})")
    print(f"speed-up:                {t_naive / t_batched:8.1f}x; max |difference| of end points: {diff:.2e}")
    if not diff < 1e-8:
        raise SystemExit(f"the two implementations disagree: max |difference| {diff:.2e}")
    return result
