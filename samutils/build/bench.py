"""Benchmark: the batched runner against a per-trajectory autograd loop (normalized SAM on Beale)
and against the same update compiled to machine code.

The naive loop is what one writes first: one trajectory at a time, two ``autograd.grad``
calls per step. It is timed on a subset of the trajectories and scaled up linearly (each
trajectory costs the same); its end points must agree with the batched ones. The compiled loop
is the floor: numba's ``njit`` of the same update, the gradient lambdified from the same sympy
expression (numba is the ``bench`` extra; without it that line is skipped).
"""

from __future__ import annotations

import math
import time

import sympy as sp
import torch

from .. import landscapes, updates

ETA, RHO = 1e-4, 0.1


def starts(n: int) -> torch.Tensor:
    """``n`` starting points, uniform in [0, 4] x [0, 2] (seed 0), float64."""
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 2, generator=g, dtype=torch.float64) * torch.tensor(
        [4.0, 2.0], dtype=torch.float64
    )


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


def compiled(w0: torch.Tensor, steps: int) -> torch.Tensor | None:
    """The same update as one machine-code loop per trajectory (numba), or None without numba."""
    try:
        import numba
    except ImportError:
        return None
    f = landscapes.beale()
    grad = numba.njit(
        sp.lambdify(
            f.symbols, tuple(sp.diff(f.expr, s) for s in f.symbols), modules="math", cse=True
        )
    )

    @numba.njit
    def loop(w, steps, eta, rho):
        for i in range(w.shape[0]):
            x, y = w[i, 0], w[i, 1]
            for _ in range(steps):
                gx, gy = grad(x, y)
                n = math.sqrt(gx * gx + gy * gy)
                ax, ay = grad(x + rho * gx / n, y + rho * gy / n)
                x, y = x - eta * ax, y - eta * ay
            w[i, 0], w[i, 1] = x, y
        return w

    loop(w0[:1].numpy().copy(), 1, ETA, RHO)  # compile outside the timing
    return torch.from_numpy(loop(w0.numpy().copy(), steps, ETA, RHO))


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
    t0 = time.perf_counter()
    floor = compiled(w0, steps)
    t_compiled = time.perf_counter() - t0
    diff = (fast[:naive_count] - slow).abs().max().item()
    result = {
        "trajectories": trajectories,
        "steps": steps,
        "batched_s": t_batched,
        "naive_s": t_naive,
        "ratio": t_naive / t_batched,
        "max_abs_diff": diff,
    }
    if floor is not None:
        # A trajectory that ends in normalized SAM's cycle around a critical point (the saddle
        # (0, 1) or the minimum) is at a phase of that cycle that rounding decides; the others
        # must agree to the last digits.
        agree = (fast - floor).abs().amax(dim=1) < 1e-8
        result |= {"compiled_s": t_compiled, "compiled_agree": agree.float().mean().item()}
    print(
        f"normalized SAM on Beale, {trajectories} trajectories x {steps} steps (eta={ETA}, "
        f"rho={RHO}), 1 thread"
    )
    print(f"batched runner:          {t_batched:8.2f} s")
    print(
        f"per-trajectory autograd: {t_naive:8.2f} s (timed on {naive_count}, scaled "
        f"x{trajectories / naive_count:g})"
    )
    print(
        f"speed-up:                {t_naive / t_batched:8.1f}x; max |difference| of end points: "
        f"{diff:.2e}"
    )
    if floor is None:
        print(
            "compiled loop:           skipped (numba is not installed: pip install -e '.[bench]')"
        )
    else:
        print(
            f"compiled loop (numba):   {t_compiled:8.2f} s; the batched runner takes "
            f"{t_batched / t_compiled:.1f}x as long; end points equal to 1e-8: "
            f"{result['compiled_agree']:.1%} (the rest cycle around a critical point, phase set by "
            f"rounding)"
        )
    if not diff < 1e-8 or result.get("compiled_agree", 1.0) < 0.9:
        raise SystemExit(
            f"the implementations disagree: max |difference| {diff:.2e}, "
            f"compiled loop equal on {result.get('compiled_agree', 1.0):.1%}"
        )
    return result
