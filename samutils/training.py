"""Mini-batch training of many small models at once: SGD, USAM, SAM, heavy-ball momentum.

Every model is a row of ``W (n, d)`` (see :mod:`samutils.nets`); the gradient of each row on
its own mini-batch comes from one ``vmap`` of ``torch.func.grad``, and the step is the
functional rule of :mod:`samutils.updates`, so each row follows exactly what
:class:`samutils.optim.SAM` around ``torch.optim.SGD(momentum=gamma)`` does to one network.
Step sizes, radii and momenta may differ per row (a grid of hyperparameters times seeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import Tensor
from torch.func import grad, vmap

from . import updates

PerRow = float | Tensor | Callable[[int], Tensor]


def minibatches(
    n_models: int, n_data: int, batch_size: int, generator: torch.Generator
) -> Iterator[Tensor]:
    """Endless ``(n_models, batch_size)`` index batches: each model reshuffles the data every
    epoch independently and drops the incomplete last batch."""
    if not 1 <= batch_size <= n_data:
        raise ValueError(f"batch_size must be in [1, {n_data}], got {batch_size}")
    per_epoch = n_data // batch_size
    while True:
        order = torch.rand(n_models, n_data, generator=generator).argsort(dim=1)
        for k in range(per_epoch):
            yield order[:, k * batch_size : (k + 1) * batch_size]


def _column(value: PerRow, t: int, like: Tensor) -> Tensor:
    """A hyperparameter at step ``t`` as a column (one entry per row of ``like``), on its device."""
    value = value(t) if callable(value) else value
    n = like.shape[0]
    return torch.as_tensor(value, dtype=like.dtype, device=like.device).expand(n).reshape(n, 1)


def _decayed(direction: updates.Direction, wd: Tensor) -> updates.Direction:
    """``direction`` plus weight decay ``wd w`` (``wd`` a column, one entry per row)."""
    return lambda g, w: direction(g, w) + wd * w


def train(
    loss: Callable[[Tensor, Tensor, Tensor], Tensor],
    w0: Tensor,
    x: Tensor,
    y: Tensor,
    *,
    steps: int,
    eta: PerRow,
    batch_size: int,
    generator: torch.Generator,
    rule: str = "sam",
    rho: PerRow = 0.0,
    gamma: PerRow = 0.0,
    every: int | None = None,
    streams: Tensor | None = None,
    weight_decay: PerRow = 0.0,
    augment: Callable[[Tensor, torch.Generator], Tensor] | None = None,
) -> updates.Trajectory:
    """Train the models ``w0 (n, d)`` for ``steps`` mini-batch steps of ``rule`` ("gd", "usam",
    "sam").

    ``loss(w, xb, yb)`` is one model's loss on a batch. ``eta``, ``rho`` and ``gamma`` are numbers,
    ``(n,)`` tensors, or functions of the step ``t = 0, 1, ...`` returning either (e.g. a radius
    that switches SAM on or off at a given step). Both gradients of a SAM step use the same
    mini-batch. Records ``W`` every ``every`` steps (and at the end); ``every=None``: the end only.
    ``streams (n,)``: row ``i`` follows the mini-batch order number ``streams[i]`` (rows sharing a
    number see the same batches); default: every row its own.
    ``weight_decay``: ``lambda`` added to the step's direction as ``lambda w`` (at ``w``, not at
    SAM's
    ascent point), which is what ``torch.optim.SGD(weight_decay=lambda)`` under
    :class:`samutils.optim.SAM`
    does. ``augment(xb, generator)``: a random transform of the inputs of every mini-batch
    (``xb (streams, batch_size, ...)``, one batch per stream, so rows sharing a stream see the same
    transformed inputs), drawn from ``generator`` after the batch; default none.
    """
    n = w0.shape[0]
    g_batch = vmap(grad(loss))
    streams = torch.arange(n) if streams is None else streams
    batches = minibatches(int(streams.max()) + 1, x.shape[0], batch_size, generator)
    w, m = w0.clone(), torch.zeros_like(w0)
    recorded, at = [w.clone()], [0]
    for t in range(steps):
        drawn = next(batches)
        idx = drawn[streams]
        xb, yb = x[idx], y[idx]
        if (
            augment is not None
        ):  # one transform per stream: rows sharing a stream see the same inputs
            xb = augment(x[drawn], generator)[streams.to(x.device)]
        oracle = lambda v: g_batch(v, xb, yb)
        direction = updates.rule(rule, _column(rho, t, w))
        if not (isinstance(weight_decay, (int, float)) and weight_decay == 0):
            direction = _decayed(direction, _column(weight_decay, t, w))
        w, m = updates.momentum_step(
            direction, oracle, w, m, _column(eta, t, w), _column(gamma, t, w)
        )
        if (every and (t + 1) % every == 0) or t + 1 == steps:
            recorded.append(w.clone())
            at.append(t + 1)
    return updates.Trajectory(torch.stack(recorded), torch.tensor(at), w, torch.full((n,), -1))


def sweep(
    build: Callable[[], torch.nn.Module],
    split,
    *,
    seeds: list[int],
    epochs: int,
    batch_size: int,
    eta: PerRow,
    rho: Tensor,
    gamma: Tensor,
    sam_from: Tensor | None = None,
    sam_until: Tensor | None = None,
    rule: str = "sam",
    records: int = 0,
    generator: torch.Generator,
    configs_per_run: int | None = None,
    eval_batch: int | None = None,
    weight_decay: float | Tensor = 0.0,
    augment: Callable[[Tensor, torch.Generator], Tensor] | None = None,
) -> dict[str, Tensor]:
    """Train ``build()`` on ``split`` (a :class:`samutils.data.Split`, on any device) for every
    configuration
    ``(rho[k], gamma[k])`` under every seed (same initializations and mini-batch orders across
    configurations), and measure the results on the whole training and test sets.

    ``eta``: as in :func:`train` (a schedule is a function of the step). SAM is on for the steps
    ``sam_from[k] <= t < sam_until[k]`` (default: always; SGD otherwise), which is the switching
    method of paper Z. ``configs_per_run`` configurations (times the seeds) train together (default:
    all), each group from the same state of ``generator``; ``eval_batch`` bounds the samples per
    evaluation call. Returns ``(configs, seeds)`` tensors ``train_loss, train_acc, test_loss,
    test_acc`` and ``w`` (final weights, ``(configs, seeds, d)``); with ``records > 0``, also
    ``curve_train_loss`` and ``curve_test_acc`` of shape ``(records + 1, configs, seeds)`` at
    ``epoch``
    (equally spaced). ``weight_decay`` (a number or one per configuration) and ``augment``: as in
    :func:`train`.
    """
    k = len(rho)
    plan = Sweep(
        build, split, list(seeds), epochs, batch_size, eta, rule, records, eval_batch, augment
    )
    configs = Configs(
        rho,
        gamma,
        sam_from,
        sam_until,
        torch.as_tensor(weight_decay, dtype=torch.float64).expand(k),
    )
    group = configs_per_run or k
    state = generator.get_state()
    parts = [
        _train_group(plan, configs.rows(slice(a, a + group)), torch.Generator().set_state(state))
        for a in range(0, k, group)
    ]
    return {
        key: torch.cat([p[key] for p in parts], dim=1 if key.startswith("curve") else 0)
        if key != "epoch"
        else parts[0][key]
        for key in parts[0]
    }


@dataclass(frozen=True)
class Sweep:
    """What every configuration of a :func:`sweep` shares (see there)."""

    build: Callable[[], torch.nn.Module]
    split: object
    seeds: list[int]
    epochs: int
    batch_size: int
    eta: PerRow
    rule: str
    records: int
    eval_batch: int | None
    augment: Callable[[Tensor, torch.Generator], Tensor] | None


@dataclass(frozen=True)
class Configs:
    """Configurations, one per row: radius, momentum, SAM's window (``None``: always) and weight
    decay."""

    rho: Tensor
    gamma: Tensor
    sam_from: Tensor | None
    sam_until: Tensor | None
    weight_decay: Tensor

    def rows(self, part: slice) -> Configs:
        cut = lambda v: None if v is None else v[part]
        return Configs(*(cut(getattr(self, f)) for f in self.__dataclass_fields__))


def _train_group(plan: Sweep, cfg: Configs, generator: torch.Generator) -> dict[str, Tensor]:
    """:func:`sweep` for configurations that train together."""
    from . import nets

    k, s = len(cfg.rho), len(plan.seeds)
    steps_per_epoch = len(plan.split.y_train) // plan.batch_size
    steps = plan.epochs * steps_per_epoch
    dtype, device = plan.split.x_train.dtype, plan.split.x_train.device
    start = torch.zeros(k, dtype=torch.long) if cfg.sam_from is None else cfg.sam_from
    stop = torch.full((k,), steps, dtype=torch.long) if cfg.sam_until is None else cfg.sam_until
    on = lambda t: ((start <= t) & (t < stop)).repeat_interleave(s).to(dtype=dtype, device=device)
    rho_rows = cfg.rho.repeat_interleave(s).to(dtype=dtype, device=device)
    W0 = nets.initial_weights(plan.build, list(plan.seeds) * k).to(dtype=dtype, device=device)
    model = plan.build()
    every = steps // plan.records if plan.records else None
    run = train(
        nets.classification_loss(model),
        W0,
        plan.split.x_train,
        plan.split.y_train,
        steps=steps,
        eta=plan.eta,
        rho=lambda t: rho_rows * on(t),
        gamma=cfg.gamma.repeat_interleave(s).to(dtype=dtype, device=device),
        rule=plan.rule,
        batch_size=plan.batch_size,
        generator=generator,
        every=every,
        streams=torch.arange(s).repeat(k),
        weight_decay=cfg.weight_decay.repeat_interleave(s).to(dtype=dtype, device=device)
        if cfg.weight_decay.any()
        else 0.0,
        augment=plan.augment,
    )
    shape = lambda v: v.view(k, s, *v.shape[1:])
    evaluate = lambda w, part: nets.evaluate(
        model,
        w,
        getattr(plan.split, f"x_{part}"),
        getattr(plan.split, f"y_{part}"),
        batch=plan.eval_batch,
    )
    out = {"w": shape(run.final)}
    for part in ("train", "test"):
        loss, acc = evaluate(run.final, part)
        out[f"{part}_loss"], out[f"{part}_acc"] = shape(loss), shape(acc)
    if plan.records:
        curves = [(evaluate(w, "train")[0], evaluate(w, "test")[1]) for w in run.w]
        out["curve_train_loss"] = torch.stack([shape(c[0]) for c in curves])
        out["curve_test_acc"] = torch.stack([shape(c[1]) for c in curves])
        out["epoch"] = run.steps.to(dtype) / steps_per_epoch
    return out
