"""Does full-batch USAM stay in a valley (paper Z, Propositions 4.1, C.1, C.2)?"""

from __future__ import annotations

import torch
from torch import Tensor

from . import updates


def leaves(grad, starts: Tensor, etas: Tensor, rhos: Tensor, steps: int, bound: float) -> Tensor:
    """USAM on the 1-D gradient ``grad`` from every start for every ``(eta, rho)`` pair
    (``etas``, ``rhos``: same shape ``(k,)``): whether each run reaches ``|theta| >= bound`` within
    ``steps`` steps, shape ``(k, len(starts))``."""
    E, R = (v.repeat_interleave(len(starts)).unsqueeze(-1) for v in (etas, rhos))
    z0 = starts.repeat(len(etas)).unsqueeze(-1)
    run = updates.run(
        updates.usam(R), grad, z0, E, steps, every=steps, until=lambda w: w[..., 0].abs() >= bound
    )
    return (run.stopped_at >= 0).reshape(len(etas), len(starts))


def min_ratio(grad, c: float, zmax: float, n: int = 20001) -> float:
    """``min over 0 < z < zmax`` of ``L'(c z) / L'(z)`` on a grid of ``n`` points (the ratio in the
    radius conditions of Propositions 4.1 (c = 2) and C.2 (c = 2/(2 - eps)))."""
    z = torch.linspace(1e-4, zmax * (1 - 1e-6), n).unsqueeze(-1)
    return (grad(c * z) / grad(z)).min().item()


def on_grid(grad, starts: Tensor, etas: Tensor, rhos: Tensor, steps: int, b: float) -> dict:
    """Full-batch USAM from every start of ``starts (n,)`` at every point of the grid
    ``etas (p,)`` × ``rhos (q,)`` for ``steps`` steps. Per run, shape ``(p, q, n)``: ``reach_b``,
    whether it ever reaches ``|theta| >= b``; ``leave_V``, whether it ever reaches ``|theta| >= 2b``
    (leaves ``V = [-2b, 2b]``); ``away_from_0``, whether it ends with ``|theta| > 1e-6``."""
    E, R = (t.flatten() for t in torch.meshgrid(etas, rhos, indexing="ij"))
    shape = (len(etas), len(rhos), len(starts))
    out = {k: leaves(grad, starts, E, R, steps, c * b) for k, c in (("reach_b", 1), ("leave_V", 2))}
    Ev, Rv = (t.reshape(-1, 1).repeat_interleave(len(starts), 0) for t in (E, R))
    z0 = starts.repeat(len(E)).unsqueeze(-1)
    final = updates.run(updates.usam(Rv), grad, z0, Ev, steps, every=steps).final[:, 0].abs()
    out["away_from_0"] = final > 1e-6
    return {k: v.reshape(shape) for k, v in out.items()}


def share_leaving(
    grad,
    eps: float,
    rho_of,
    n_starts: int,
    steps: int,
    ratio_arg: float | None = None,
    n_eta: int = 20,
) -> tuple[float, float]:
    """Proposition C.2 with ``b = 1``: full-batch USAM from ``n_starts`` points spread over
    ``(-(2 - eps), 2 - eps)`` with ``n_eta`` step sizes from 5 % to 99.9 % of the bound
    ``min_V (2 - eps) / |L'|``, each with the radius ``rho_of(etas, r_min)``, where ``r_min`` is
    :func:`min_ratio` with ``c = ratio_arg`` on ``(0, 2 - eps)`` (1 if ``ratio_arg`` is None).
    Returns ``(share of the runs that reach |theta| >= 2, r_min)``."""
    zmax = 2 - eps
    eta_max = zmax / grad(torch.linspace(0, 2, 20001).unsqueeze(-1)).abs().max().item()
    r_min = 1.0 if ratio_arg is None else min_ratio(grad, ratio_arg, zmax)
    etas = torch.linspace(0.05, 0.999, n_eta) * eta_max
    starts = torch.linspace(-zmax, zmax, n_starts + 2)[1:-1]
    out = leaves(grad, starts, etas, rho_of(etas, r_min), steps, 2.0)
    return out.double().mean().item(), r_min


def figure_valley(etas: Tensor, rhos: Tensor, left_sub: Tensor, left_quad: Tensor, a, eta_bounds):
    """Paper Z, Proposition 4.1 against C.1: the share of starts leaving V over ``(eta, rho)``
    (``left_*``: ``(len(etas), len(rhos), starts)``, booleans) on the sub-quadratic valley (left,
    with ``eta_bounds = (printed, derived)`` and ``rho = 1/a``) and on the quadratic one (right),
    each with the line ``eta a (1 + a rho) = 2``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    shares = (left_sub.double().mean(-1), left_quad.double().mean(-1))
    titles = ("sub-quadratic valley (Example C.1)", "quadratic valley (Proposition C.1)")
    for ax, share, title in zip(axes, shares, titles):
        im = ax.pcolormesh(
            *(t.numpy() for t in (rhos, etas, share)),
            vmin=0,
            vmax=1,
            cmap="magma",
            shading="nearest",
        )
        ax.set(xscale="log", yscale="log", xlabel=r"$\rho$", title=title)
        rr_ = torch.logspace(-3, 0, 200)
        ax.plot(rr_, 2 / (a * (1 + a * rr_)), "c-", lw=1, label=r"$\eta a(1+a\rho) = 2$")
    for eta_b, ls, name in zip(eta_bounds, (":", "--"), ("printed", "derived")):
        axes[0].axhline(eta_b, color="w", ls=ls, lw=1.2, label=f"{name} η bound {eta_b:g}")
    axes[0].axvline(1 / a, color="w", ls="-.", lw=1, label=r"$\rho = 1/a$")
    axes[0].set_ylabel(r"$\eta$")
    axes[0].legend(fontsize=7, loc="lower left", frameon=True, facecolor="w", framealpha=0.9)
    fig.colorbar(im, ax=axes, shrink=0.8, label="fraction of starts leaving V")
    return fig
