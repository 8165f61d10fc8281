"""Benchmark: many small networks trained at once (:func:`samutils.training.train`) against
one network at a time with :class:`samutils.optim.SAM` around ``torch.optim.SGD``.

SAM with momentum on scikit-learn's digits, an MLP 64-32-10, every model its own seed,
radius and mini-batches. The one-at-a-time loop is timed on a subset of the models and scaled
up linearly; its weights must agree with the batched ones on that subset.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from .. import data, nets, training
from ..optim import SAM

ETA, GAMMA, BATCH = 0.05, 0.9, 32


def _build() -> nn.Module:
    return nets.mlp([64, 32, 10])


def _radii(models: int) -> torch.Tensor:
    return torch.linspace(0.0, 0.2, models)


def batched(split: data.Split, models: int, steps: int) -> torch.Tensor:
    """The final weights ``(models, d)`` of all models trained together."""
    W0 = nets.initial_weights(_build, list(range(models))).to(split.x_train.dtype)
    run = training.train(
        nets.classification_loss(_build()),
        W0,
        split.x_train,
        split.y_train,
        steps=steps,
        eta=ETA,
        rho=_radii(models).to(W0.dtype),
        gamma=GAMMA,
        batch_size=BATCH,
        generator=torch.Generator().manual_seed(0),
    )
    return run.final


def one_at_a_time(split: data.Split, models: int, steps: int, count: int) -> torch.Tensor:
    """The final weights ``(count, d)`` of the first ``count`` models, each trained on its own
    with the optimizer (same initializations and mini-batches as :func:`batched`)."""
    batches = training.minibatches(
        models, len(split.y_train), BATCH, torch.Generator().manual_seed(0)
    )
    idx = torch.stack([next(batches) for _ in range(steps)])
    lossf, finals = nn.CrossEntropyLoss(), []
    for i, rho in enumerate(_radii(models)[:count].tolist()):
        with torch.random.fork_rng():
            torch.manual_seed(i)
            model = _build().to(split.x_train.dtype)
        opt = SAM(model.parameters(), torch.optim.SGD, rho=rho, lr=ETA, momentum=GAMMA)
        for t in range(steps):
            xb, yb = split.x_train[idx[t, i]], split.y_train[idx[t, i]]
            lossf(model(xb), yb).backward()
            opt.first_step(zero_grad=True)
            lossf(model(xb), yb).backward()
            opt.second_step(zero_grad=True)
        finals.append(nets.flat(model))
    return torch.stack(finals)


def main(models: int = 64, steps: int = 500, naive: int = 4, dtype=torch.float32) -> dict:
    """Time both (the loop on ``naive`` models, scaled up), check they agree, print."""
    torch.set_num_threads(1)
    split = data.digits(dtype=dtype)
    count = min(naive, models)
    t0 = time.perf_counter()
    fast = batched(split, models, steps)
    t_batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = one_at_a_time(split, models, steps, count)
    t_naive = (time.perf_counter() - t0) * models / count
    diff = ((fast[:count] - slow).norm(dim=1) / slow.norm(dim=1)).max().item()
    result = {
        "models": models,
        "steps": steps,
        "dtype": str(dtype),
        "batched_s": t_batched,
        "naive_s": t_naive,
        "ratio": t_naive / t_batched,
        "max_rel_diff": diff,
    }
    print(
        f"SAM + momentum on digits, MLP 64-32-10, {models} models x {steps} steps of batch "
        f"{BATCH}, {dtype}, 1 thread"
    )
    print(f"batched (vmap):          {t_batched:8.2f} s")
    print(
        f"one at a time (optim):   {t_naive:8.2f} s (timed on {count}, scaled x{models / count:g})"
    )
    print(
        f"speed-up:                {t_naive / t_batched:8.1f}x; max relative difference of the "
        f"weights: {diff:.2e}"
    )
    return result
