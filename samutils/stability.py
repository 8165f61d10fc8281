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


def figure_noisy_rates(a: Tensor, cases, measured, se, exact, printed, bounds, eta, gamma):
    """Paper Z, Theorem 4.1: the growth of the expected loss per step against the sharpness
    ``a (n,)``, one panel per batch size, for every ``(rho, B)`` of ``cases`` (``k``): measured
    (±2 ``se``), the ``exact`` rate and the ``printed`` bound C (each ``(k, n)``), and the printed
    edge ``bounds[i]`` of each case as a dotted vertical."""
    import matplotlib.pyplot as plt

    from .plotting import RULE_COLORS

    batches = list(dict.fromkeys(b_ for _, b_ in cases))
    fig, axes = plt.subplots(1, len(batches), figsize=(11, 4), sharey=True)
    for i, (r_, b_) in enumerate(cases):
        ax, col = axes[batches.index(b_)], RULE_COLORS["sgd" if r_ == 0 else "usam"]
        name, style = "SGD" if r_ == 0 else f"USAM ρ={r_}", dict(color=col, lw=1)
        ax.errorbar(a, measured[i], 2 * se[i], fmt="o", ms=3, color=col, label=f"{name}: measured")
        ax.plot(a, exact[i], "-", **style, label=f"{name}: exact m")
        ax.plot(a, printed[i], "--", **style, label=f"{name}: printed C")
        ax.axvline(bounds[i], ls=":", **style)
    for ax, b_ in zip(axes, batches):
        ax.axhline(1, color="k", lw=0.8)
        title = rf"$\eta$ = {eta}, $\gamma$ = {gamma}, B = {b_}"
        ax.set(yscale="log", xlabel="sharpness $a$", title=title, ylim=(1e-2, 1e2))
    axes[0].set_ylabel(r"growth of $\mathbb{E}\mathcal{L}$ per step")
    axes[0].legend(fontsize=7)
    return fig


def figure_mean_escape(L: Tensor, exact: float, printed: float, title: str):
    """Paper Z, Corollary 4.2: the losses ``L (steps + 1, runs)`` of noisy runs at one
    sharpness, their mean and median run, against ``L_0 exact^t`` and ``L_0 printed^t``."""
    import matplotlib.pyplot as plt

    from .plotting import RULE_COLORS

    fig, ax = plt.subplots(figsize=(6, 3.8))
    tt = torch.arange(len(L))
    label = f"mean over {L.shape[-1]} runs"
    ax.semilogy(tt, L.mean(-1), color=RULE_COLORS["usam"], lw=2, label=label)
    ax.semilogy(tt, L.median(-1).values, color="0.5", lw=1.5, label="median run")
    ax.semilogy(tt, L[0].mean() * exact**tt, "k--", label="exact $m^t$")
    ax.semilogy(tt, L[0].mean() * printed**tt, "k:", label="printed $C^t$")
    ax.set(xlabel="step $t$", ylabel=r"$\mathcal{L}(z_t)$", title=title)
    ax.legend(fontsize=8)
    return fig


def pl_admissible(n: int, generator) -> dict[str, Tensor]:
    """Random parameters inside the ranges of paper Z's Theorem 4.3, each of shape ``(n,)``:
    ``L`` and ``s = σ²/B`` log-uniform on [0.1, 10], ``mu = L·U[0, 1]``, ``eta`` and ``rho`` their
    largest admitted values times ``sqrt(U[0, 1])``. Keys ``eta, rho, L, mu, s``."""
    L = 10 ** (2 * torch.rand(n, generator=generator) - 1)
    mu, s = (
        L * torch.rand(n, generator=generator),
        10 ** (2 * torch.rand(n, generator=generator) - 1),
    )
    eta = torch.minimum(1 / (2 * L), mu / (2 * L * s)) * torch.rand(n, generator=generator).sqrt()
    rho_cap = torch.minimum(1 / (4 * L), mu / (4 * L * s)).minimum(eta * mu**2 / (24 * L**2))
    return dict(eta=eta, rho=rho_cap * torch.rand(n, generator=generator).sqrt(), L=L, mu=mu, s=s)


def pl_constant(landscape, half_width: float = 20.0, n: int = 400_001) -> tuple[float, float]:
    """The PL constant ``mu = min |L'|² / (2 L)`` of a 1-D ``landscape`` on ``n`` grid points of
    ``[-half_width, half_width]`` (``|theta| > 1e-3``), and the largest ``|L'|² / (2 mu L)`` there
    (the reversed PL inequality holds iff it is ``<= 1``)."""
    grid = torch.linspace(-half_width, half_width, n)
    grid = grid[grid.abs() > 1e-3].unsqueeze(-1)
    ratio = landscape.grad(grid)[:, 0] ** 2 / (2 * landscape.loss(grid))
    mu = ratio.min().item()
    return mu, (ratio / mu).max().item()


def pl_proof_steps(landscape, L: float, s: float, rho: float, n: int, generator, box: float = 5):
    """Two steps of the proof of paper Z's Theorem 4.3 on a 1-D ``landscape``: at ``n`` random
    ``theta ~ U[-box, box]`` with inner noise ``xi ~ N(0, s·L(theta))``, ``a = L'(theta)`` and
    ``b = L'(theta + rho (a + xi))``; the shares of draws with ``|b - a| > rho L |a|`` and with
    ``|b - a| > rho L |a + xi|`` (floats)."""
    theta = 2 * box * torch.rand(n, 1, generator=generator) - box
    xi = (s * landscape.loss(theta)).sqrt().unsqueeze(-1) * torch.randn(
        theta.shape, generator=generator
    )
    a = landscape.grad(theta)
    gap = (landscape.grad(theta + rho * (a + xi)) - a).abs()[:, 0]
    fails = lambda g: (gap > rho * L * g.abs()[:, 0] * (1 + 1e-12)).double().mean().item()
    return fails(a), fails(a + xi)


def pl_noisy_runs(landscape, pairs, runs: int, s: float, steps: int, theta0: float, mu, generator):
    """Stochastic USAM on a 1-D ``landscape`` with Gaussian gradient noise of variance
    ``s·L(theta)``, drawn independently at the inner and the outer gradient, ``runs`` runs from
    ``theta0`` for every ``(eta, rho)`` of ``pairs`` (``k``). Returns ``(t, EL, bound, worst)``:
    the recorded steps ``(T,)``, the mean loss and ``(1 - eta mu / 2)^t L(theta0)``, each
    ``(T, k)``, and the largest ``EL / bound`` over ``t >= 1`` (while the bound is above
    1e-250), ``(k,)``."""
    E, R = (torch.tensor(col).repeat_interleave(runs).unsqueeze(-1) for col in zip(*pairs))
    noise = updates.loss_scaled_noise(landscape.loss, torch.ones(1, 1), s, generator)
    g = updates.noisy(landscape.grad, noise)
    run = updates.run(updates.usam(R), g, torch.full_like(E, theta0), E, steps)
    EL = landscape.loss(run.w).reshape(len(run.steps), len(pairs), runs).mean(-1)
    L0 = landscape.loss(torch.tensor([theta0])).item()
    bound = (1 - torch.tensor([e_ for e_, _ in pairs]) * mu / 2) ** run.steps.unsqueeze(-1) * L0
    worst = torch.where(bound > 1e-250, EL / bound, 0.0)[1:].amax(0)
    return run.steps, EL, bound, worst


def figure_pl_convergence(t: Tensor, EL: Tensor, bound: Tensor, pairs):
    """Paper Z, Theorem 4.3: the mean loss ``EL (T, k)`` of :func:`pl_noisy_runs` for every
    ``(eta, rho)`` of ``pairs`` (solid) against its guaranteed ``bound (T, k)`` (dashed)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (e_, r_) in enumerate(pairs):
        label = f"E L, η = {e_:.3g}, ρ = {r_:.2g}"
        (line,) = ax.semilogy(t, EL[:, i].clamp_min(1e-300), label=label)
        style = dict(lw=1, color=line.get_color(), label="(1 − ημ/2)^t L0")
        ax.semilogy(t, bound[:, i], "--", **style)
    ax.set(xlabel="step", ylabel="loss", ylim=(1e-60, 30), title="inside the stated ranges")
    ax.legend(fontsize=7)
    return fig


def noise_free_usam_check(eta: float, steps: int = 200, n: int = 120, decisive: float = 1e3):
    """Noise-free USAM on ``L = a z^2 / 2`` from ``z = 1`` for ``steps`` steps on an ``n × n``
    grid of ``a ∈ [0.05, 6]``, ``rho ∈ [0, 2]``: at the decisive points, where
    ``|1 - eta a (1 + rho a)|^steps`` is below ``1/decisive`` or above ``decisive``, does ``|z|``
    end below 1 exactly when that factor is below 1? Returns ``(decisive points, mismatches)``."""
    axes = torch.linspace(0.05, 6, n), torch.linspace(0, 2, n)
    A, R = (t_.reshape(-1, 1) for t_ in torch.meshgrid(*axes, indexing="ij"))
    run = updates.run(updates.usam(R), lambda w: A * w, torch.ones_like(A), eta, steps, every=steps)
    z = run.final[:, 0].abs()
    factor = usam_spectral_radius(A, eta, R) ** steps
    sure = (factor < 1 / decisive) | (factor > decisive)
    return int(sure.sum()), int((sure & ((factor < 1) != (z < 1))).sum())
