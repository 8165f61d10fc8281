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
