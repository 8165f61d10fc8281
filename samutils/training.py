"""Mini-batch training of many small models at once: SGD, USAM, SAM, heavy-ball momentum.

Every model is a row of ``W (n, d)`` (see :mod:`samutils.nets`); the gradient of each row on
its own mini-batch comes from one ``vmap`` of ``torch.func.grad``, and the step is the
functional rule of :mod:`samutils.updates`, so each row follows exactly what
:class:`samutils.optim.SAM` around ``torch.optim.SGD(momentum=gamma)`` does to one network.
Step sizes, radii and momenta may differ per row (a grid of hyperparameters times seeds).
"""

from __future__ import annotations

from typing import Callable, Iterator

import torch
from torch import Tensor
from torch.func import grad, vmap

from . import updates

PerRow = float | Tensor | Callable[[int], Tensor]


def minibatches(n_models: int, n_data: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """Endless ``(n_models, batch_size)`` index batches: each model reshuffles the data every
    epoch independently and drops the incomplete last batch."""
    if not 1 <= batch_size <= n_data:
        raise ValueError(f"batch_size must be in [1, {n_data}], got {batch_size}")
    per_epoch = n_data // batch_size
    while True:
        order = torch.rand(n_models, n_data, generator=generator).argsort(dim=1)
        for k in range(per_epoch):
            yield order[:, k * batch_size : (k + 1) * batch_size]


def _column(value: PerRow, t: int, n: int, dtype) -> Tensor:
    """A hyperparameter at step ``t`` as an ``(n, 1)`` column (one entry per model)."""
    value = value(t) if callable(value) else value
    return torch.as_tensor(value, dtype=dtype).expand(n).reshape(n, 1)


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
) -> updates.Trajectory:
    """Train the models ``w0 (n, d)`` for ``steps`` mini-batch steps of ``rule`` ("gd", "usam", "sam").

    ``loss(w, xb, yb)`` is one model's loss on a batch. ``eta``, ``rho`` and ``gamma`` are numbers,
    ``(n,)`` tensors, or functions of the step ``t = 0, 1, ...`` returning either (e.g. a radius
    that switches SAM on or off at a given step). Both gradients of a SAM step use the same
    mini-batch. Records ``W`` every ``every`` steps (and at the end); ``every=None``: the end only.
    """
    n = w0.shape[0]
    g_batch = vmap(grad(loss))
    batches = minibatches(n, x.shape[0], batch_size, generator)
    w, m = w0.clone(), torch.zeros_like(w0)
    recorded, at = [w.clone()], [0]
    for t in range(steps):
        idx = next(batches)
        xb, yb = x[idx], y[idx]
        oracle = lambda v: g_batch(v, xb, yb)
        direction = updates.rule(rule, _column(rho, t, n, w.dtype))
        w, m = updates.momentum_step(direction, oracle, w, m, _column(eta, t, n, w.dtype), _column(gamma, t, n, w.dtype))
        if (every and (t + 1) % every == 0) or t + 1 == steps:
            recorded.append(w.clone())
            at.append(t + 1)
    return updates.Trajectory(torch.stack(recorded), torch.tensor(at), w, torch.full((n,), -1))
