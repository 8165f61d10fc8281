"""The switching experiment of paper Z (Figure 4(b, c)) on a network: SGD to convergence, then
SAM with the same step size; the escape profile of the train loss after the switch, and the
linear interpolation between the two solutions with the paper's second difference.

Built on the public API of :mod:`samutils.training` and :mod:`samutils.nets` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from . import fit, nets, training


def mse_loss(model: torch.nn.Module) -> Callable[[Tensor, Tensor, Tensor], Tensor]:
    """``loss(w, x, Y)``: half the squared error summed over outputs, averaged over samples,
    of ``f(w, x)`` against targets ``Y (n, k)`` (one-hot for classification). Its global
    minima (zero loss) are reached when the network interpolates the data."""
    f = nets.functional(model)
    return lambda w, x, Y: 0.5 * ((f(w, x) - Y) ** 2).sum(-1).mean()


def full_loss(loss: Callable, W: Tensor, x: Tensor, Y: Tensor) -> Tensor:
    """The loss of every row of ``W (..., d)`` on the whole set: shape ``(...)``."""
    flat = W.reshape(-1, W.shape[-1])
    out = torch.func.vmap(loss, in_dims=(0, None, None))(flat, x, Y)
    return out.reshape(W.shape[:-1])


def switch(
    loss: Callable,
    W0: Tensor,
    x: Tensor,
    Y: Tensor,
    *,
    eta: float,
    batch_size: int,
    sgd_steps: int,
    sam_steps: int,
    record_steps: int,
    rho: float,
    rule: str,
    generator: torch.Generator,
    w_sgd: Tensor | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """SGD for ``sgd_steps`` mini-batch steps from ``W0 (n, d)`` (skipped if ``w_sgd`` is given),
    then ``rule`` ("sam": normalized, "usam") with radius ``rho`` and the same ``eta`` for
    ``sam_steps`` steps, the first ``record_steps`` of them recorded. Returns
    ``(w_sgd (n, d), W (record_steps + 1, n, d), w_end (n, d))``."""
    if w_sgd is None:
        w_sgd = training.train(
            loss,
            W0,
            x,
            Y,
            steps=sgd_steps,
            eta=eta,
            batch_size=batch_size,
            generator=generator,
            rule="gd",
        ).final
    kw = {"eta": eta, "batch_size": batch_size, "generator": generator, "rule": rule, "rho": rho}
    first = training.train(loss, w_sgd, x, Y, steps=record_steps, every=1, **kw)
    rest = sam_steps - record_steps
    w_end = (
        training.train(loss, first.final, x, Y, steps=rest, **kw).final if rest > 0 else first.final
    )
    return w_sgd, first.w, w_end


def escape_profile(L: Tensor) -> dict[str, Tensor]:
    """Per run, the rise of the loss ``L (steps + 1, runs)`` after the switch (``L[0]``: at the
    switch)
    to its first peak (the first step where the loss is at least half its maximum over the record):

    - ``rise_steps``: steps from the switch to that peak;
    - ``first_step_share``: the share of the rise in ``log L`` taken by the first step (near 1: a
    jump;
      small: a gradual, exponential rise);
    - ``rate``: the per-step growth factor fitted by least squares to ``log L`` at the steps before
      the peak (``nan`` where there are fewer than 3);
    - ``growth``: ``L[peak] / L[0]``.
    """
    logL = L.clamp_min(1e-300).log()
    top = logL.amax(0)
    peak = (logL >= top - torch.log(torch.tensor(2.0, dtype=L.dtype))).double().argmax(0)
    t = torch.arange(L.shape[0], dtype=L.dtype).unsqueeze(-1).expand_as(L)
    rise = logL.gather(0, peak.unsqueeze(0))[0] - logL[0]
    share = (logL[1] - logL[0]) / rise
    rate = fit.slope(t.T, logL.T, (t < peak).T).exp()
    rate = torch.where(peak >= 3, rate, torch.nan)
    return {"rise_steps": peak, "first_step_share": share, "rate": rate, "growth": rise.exp()}


def interpolate(
    loss: Callable, w_a: Tensor, w_b: Tensor, x: Tensor, Y: Tensor, lams: Tensor, h: float
) -> tuple[Tensor, Tensor]:
    """Along ``θ_λ = (1 − λ) w_a + λ w_b`` (``w_a, w_b (n, d)``): the loss ``(len(lams), n)`` and
    the
    second difference of paper Z, Figure 4(c), ``(L(θ_{λ+h}) + L(θ_{λ−h}) − 2 L(θ_λ)) / (2h)²``."""
    at = lambda lam: (1 - lam)[:, None, None] * w_a + lam[:, None, None] * w_b
    L = full_loss(loss, at(lams), x, Y)
    second = (full_loss(loss, at(lams + h), x, Y) + full_loss(loss, at(lams - h), x, Y) - 2 * L) / (
        2 * h
    ) ** 2
    return L, second


def gd_then_usam(
    landscape, w0: Tensor, eta, rho, *, gd_cap: int, sam_steps: int, switch_loss: float
):
    """The switch on a landscape (paper Z, Example 4.1, Figure 4(a)): GD from ``w0 (..., d)`` until
    the loss is below ``switch_loss`` (at most ``gd_cap`` steps), then USAM with radius ``rho`` and
    the same ``eta`` for ``sam_steps`` steps, every iterate recorded. Returns the two
    :class:`samutils.updates.Trajectory` objects ``(gd_run, usam_run)``."""
    from . import updates

    gd_run = updates.run(
        updates.gd(),
        landscape.grad,
        w0,
        eta,
        gd_cap,
        every=gd_cap,
        until=lambda w: landscape.loss(w) < switch_loss,
    )
    return gd_run, updates.run(updates.usam(rho), landscape.grad, gd_run.final, eta, sam_steps)


def two_phase(landscape, gd_run, usam_run, switch_loss: float) -> dict[str, Tensor]:
    """Per run of :func:`gd_then_usam` on Example 4.1 (minima ``M = {v = 0}``, sharpness
    ``tanh² u``): did GD converge; did USAM escape (the loss grew a millionfold over
    ``switch_loss``); and both phases: converged, escaped, and ended on ``M`` (loss below 1e-10,
    ``|v| < 1e-3``, ``|u| > 0.1``: not in the other valley ``u = 0``) at a flatter minimum."""
    w_gd, w_end = gd_run.final, usam_run.final
    converged = gd_run.stopped_at >= 0
    escaped = landscape.loss(usam_run.w).amax(0) > 1e6 * switch_loss
    on_M = (
        (landscape.loss(w_end) < 1e-10) & (w_end[..., 1].abs() < 1e-3) & (w_end[..., 0].abs() > 0.1)
    )
    flatter = torch.tanh(w_end[..., 0]) ** 2 < torch.tanh(w_gd[..., 0]) ** 2
    return {
        "gd_converged": converged,
        "escaped": escaped,
        "two_phase": converged & escaped & on_M & flatter,
    }


def example41_starts(n: int, generator: torch.Generator) -> Tensor:
    """``n`` starting points ``(n, 2)`` for Example 4.1 in its sharper region:
    ``u0 ~ U[1.5, 3]``, then ``v0 ~ U[-1/2, 1/2]`` (drawn in that order)."""
    u0 = 1.5 + 1.5 * torch.rand(n, generator=generator)
    return torch.stack([u0, torch.rand(n, generator=generator) - 0.5], -1)


def switch_map(
    landscape, etas: Tensor, rhos: Tensor, trials: int, generator: torch.Generator, **switch_kw
) -> dict[str, Tensor]:
    """:func:`gd_then_usam` on Example 4.1 from ``trials`` starts (:func:`example41_starts`) at
    every point of the grid ``etas (p,)`` × ``rhos (q,)``, in one batch (``switch_kw``:
    ``gd_cap``, ``sam_steps``, ``switch_loss``). Per run, shape ``(p, q, trials)``: the outcome of
    :func:`two_phase`, and ``usam_x = eta a (1 + rho a)`` with ``a = tanh² u`` the sharpness GD
    reached (the minimum is linearly unstable for USAM where it exceeds 2)."""
    E, R = (
        t.reshape(-1, 1).repeat_interleave(trials, 0)
        for t in torch.meshgrid(etas, rhos, indexing="ij")
    )
    gd_run, usam_run = gd_then_usam(
        landscape, example41_starts(len(E), generator), E, R, **switch_kw
    )
    a_gd = torch.tanh(gd_run.final[:, 0]) ** 2
    out = two_phase(landscape, gd_run, usam_run, switch_kw["switch_loss"])
    out["usam_x"] = E[:, 0] * a_gd * (1 + R[:, 0] * a_gd)
    return {k: v.reshape(len(etas), len(rhos), trials) for k, v in out.items()}


@dataclass(frozen=True)
class NetworkSwitch:
    """What :func:`network_switch` returns: the loss ``loss(w, x, Y)`` and the data; the SGD
    solutions ``w_sgd (n, d)`` and the SAM ones ``w_sam_end (n, d)``; per rule (``"sam"``,
    ``"usam"``) the full training loss over the recorded steps after the switch
    ``L[rule] (record_steps + 1, n)`` and its :func:`escape_profile` ``profile[rule]``."""

    loss: Callable
    x: Tensor
    Y: Tensor
    w_sgd: Tensor
    w_sam_end: Tensor
    L: dict[str, Tensor]
    profile: dict[str, dict[str, Tensor]]


def network_switch(
    x: Tensor,
    labels: Tensor,
    widths: list[int],
    seeds: list[int],
    generators: tuple[torch.Generator, torch.Generator],
    **switch_kw,
) -> NetworkSwitch:
    """Paper Z's Figure 4(b, c) protocol on a tanh MLP of ``widths`` with the squared loss
    (:func:`mse_loss`) on one-hot targets of ``labels (n,)`` for inputs ``x (n, widths[0])``:
    one trial per seed (its PyTorch initialization), SGD then normalized SAM with the first
    generator (:func:`switch`; ``switch_kw``: its keyword arguments but ``rule``), then USAM from
    the same SGD solutions with the second."""
    Y = torch.nn.functional.one_hot(labels, widths[-1]).to(x.dtype)
    build = lambda: nets.mlp(widths, torch.nn.Tanh)
    loss = mse_loss(build())
    W0 = nets.initial_weights(build, seeds)
    w_sgd, W_sam, w_sam_end = switch(
        loss, W0, x, Y, rule="sam", generator=generators[0], **switch_kw
    )
    _, W_usam, _ = switch(
        loss, None, x, Y, rule="usam", generator=generators[1], w_sgd=w_sgd, **switch_kw
    )
    L = {k: full_loss(loss, W, x, Y) for k, W in (("sam", W_sam), ("usam", W_usam))}
    profile = {k: escape_profile(Lk) for k, Lk in L.items()}
    return NetworkSwitch(loss, x, Y, w_sgd, w_sam_end, L, profile)


def interpolation_stats(L: Tensor, second: Tensor, barrier: float = 0.1) -> dict[str, Tensor]:
    """From :func:`interpolate`'s loss ``L (m, n)`` and second difference ``second (m, n)``
    between ``w_a`` (first row) and ``w_b`` (last row): per run, whether the segment has a
    barrier (a loss above the larger end by more than ``barrier`` times it), and the rise of the
    second difference from the ``w_a`` end to the ``w_b`` end; each ``(n,)``."""
    ends = torch.maximum(L[0], L[-1])
    return {"barrier": (L.amax(0) - ends) > barrier * ends, "second_rise": second[-1] - second[0]}


def figure_two_phases(landscape, w0: Tensor, gd_run, usam_run, eta, rho):
    """Figure 4(a): the first run of :func:`gd_then_usam` from ``w0 (trials, 2)`` over the loss of
    Example 4.1: GD's path (recomputed up to its stop), USAM's path after the switch and the two
    end points."""
    import matplotlib.pyplot as plt

    from . import updates
    from .plotting import RULE_COLORS

    steps = int(gd_run.stopped_at[0])
    path_gd = updates.run(updates.gd(), landscape.grad, w0[:1], eta, steps).w[:, 0]
    fig, ax = plt.subplots(figsize=(7, 4))
    U, V = torch.meshgrid(
        torch.linspace(-0.2, 3.2, 300), torch.linspace(-1.2, 1.2, 300), indexing="xy"
    )
    ax.contourf(U, V, landscape.loss(torch.stack([U, V], -1)), levels=30, cmap="Greys_r", alpha=0.7)
    ax.axhline(0, color="0.6", lw=2, label=r"minima $\mathcal{M}$: $v = 0$")
    gd_c, usam_c, path = RULE_COLORS["gd"], RULE_COLORS["usam"], dict(lw=0.7, ms=3)
    ax.plot(*path_gd.T, ".-", color=gd_c, **path, label="GD")
    ax.plot(
        *usam_run.w[:, 0].T, ".-", color=usam_c, **path, label=f"USAM after the switch, ρ = {rho}"
    )
    end = r"$\theta_{\mathrm{%s}}^{\mathrm{end}}$"
    ax.plot(*gd_run.final[0], "o", color=gd_c, ms=8, label=end % "SGD")
    ax.plot(*usam_run.final[0], "*", color=usam_c, ms=12, label=end % "SAM")
    ax.set(xlabel="$u$", ylabel="$v$", title=rf"Example 4.1, $\eta$ = {eta}")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def figure_escape(L_usam: Tensor, rate: Tensor, L_sam: Tensor, show: int = 80):
    """The escape after the switch on Example 4.1: USAM's losses ``L_usam (steps + 1, trials)``
    and their mean, the mean of the per-run predictions ``L_0 rate^t`` (``rate (trials,)``, drawn
    while below 1e-3), and normalized SAM's median loss over ``L_sam (T, trials)``; the first
    ``show`` steps."""
    import matplotlib.pyplot as plt

    from .plotting import RULE_COLORS, runs_and_center

    fig, ax = plt.subplots(figsize=(7, 4))
    show_t = min(show, len(L_usam))
    label = f"USAM, mean over {L_usam.shape[1]} runs"
    runs_and_center(ax, None, L_usam[:show_t], color=RULE_COLORS["usam"], label=label, logy=True)
    pred_mean = (L_usam[0] * rate ** torch.arange(show_t).unsqueeze(-1)).mean(1)
    pred_label = r"linearised prediction $\mathcal{L}_0\, r^{t'}$ (mean)"
    ax.plot(torch.where(pred_mean < 1e-3, pred_mean, torch.nan), "k--", lw=1.5, label=pred_label)
    median = L_sam.median(1).values
    ax.plot(median, "s-", color=RULE_COLORS["sam"], ms=4, label="normalized SAM (median)")
    ax.set(xlabel="steps after the switch $t'$", ylabel="training loss", ylim=(1e-14, 1))
    ax.legend(fontsize=8)
    return fig


def figure_switch_map(etas: Tensor, rhos: Tensor, fractions: dict, unstable: Tensor, star):
    """The :func:`switch_map` over ``(eta, rho)``: the fraction of runs with both phases (left,
    with the line where half the runs are linearly unstable for USAM, ``unstable (len(etas),
    len(rhos))``, and ``star = (eta, rho)`` marked) and where GD converged (right);
    ``fractions``: ``"two_phase"``, ``"gd_converged"``, each ``(len(etas), len(rhos))``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, key, title in (
        (axes[0], "two_phase", "fraction of runs with both phases"),
        (axes[1], "gd_converged", "fraction where GD converged"),
    ):
        im = ax.pcolormesh(
            *(t.numpy() for t in (rhos, etas, fractions[key])),
            vmin=0,
            vmax=1,
            cmap="viridis",
            shading="nearest",
        )
        ax.set(xlabel=r"$\rho$", title=title)
    axes[0].set_ylabel(r"$\eta$")
    axes[0].contour(rhos, etas, unstable, levels=[0.5], colors="w", linewidths=1.2)
    axes[0].plot(star[1], star[0], "r*", ms=10)
    fig.colorbar(im, ax=axes, shrink=0.8)
    return fig


def figure_network_escape(L: dict[str, Tensor], rho):
    """Figure 4(b) on a network: the training loss after the switch, ``L["sam"]`` and
    ``L["usam"]`` each ``(steps + 1, trials)``, every trial and the mean, one panel per rule."""
    import matplotlib.pyplot as plt

    from .plotting import RULE_COLORS, runs_and_center

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, k in zip(axes, ("sam", "usam")):
        label = f"mean over {L[k].shape[1]} trials"
        runs_and_center(ax, None, L[k], color=RULE_COLORS[k], label=label, logy=True)
        name = "SAM (normalized)" if k == "sam" else "USAM"
        ax.set(xlabel="steps after the switch $t'$", title=f"{name}, ρ = {rho}")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("training loss")
    return fig


def figure_interpolation(lams: Tensor, L: Tensor, second: Tensor):
    """Figure 4(c) on a network: the loss ``L`` and the second difference ``second`` (each
    ``(len(lams), trials)``) along the segments of :func:`interpolate`, every trial and the
    median."""
    import matplotlib.pyplot as plt

    from .plotting import runs_and_center

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    names = (r"$\mathcal{L}(\theta_\lambda)$", r"$\mathcal{L}''(\theta_\lambda)$")
    for ax, val, name in zip(axes, (L, second), names):
        runs_and_center(ax, lams, val, color="k", label="median over the trials", center="median")
        xlabel = r"$\lambda$ (0: SGD → SAM end, 1: SGD end)"
        ax.set(xlabel=xlabel, ylabel=name, yscale="log" if val is L else "linear")
    axes[0].legend(fontsize=8)
    return fig
