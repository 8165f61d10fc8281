"""Small networks as functions of one flat parameter vector, for ``torch.func`` and ``vmap``.

A module's parameters, concatenated in ``model.parameters()`` order, form ``w (d,)``;
:func:`functional` turns the module into ``f(w, x)``, so that training many copies is one
batched tensor ``W (n, d)`` and the update rules of :mod:`samutils.updates` apply unchanged.
Models with batch norm need their running statistics handled separately: use the modules
with :mod:`samutils.optim` for those.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """A fully connected network ``sizes[0] -> ... -> sizes[-1]`` with ``activation`` between
    layers."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(a, b)] + ([activation()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


def flat(model: nn.Module) -> Tensor:
    """The parameters of ``model`` as one vector ``w (d,)`` (a copy)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def unflat(model: nn.Module, w: Tensor) -> dict[str, Tensor]:
    """The flat vector ``w (d,)`` as the named parameter tensors of ``model`` (views of ``w``)."""
    out, at = {}, 0
    for name, p in model.named_parameters():
        out[name] = w[at : at + p.numel()].view(p.shape)
        at += p.numel()
    if at != w.shape[-1]:
        raise ValueError(f"the model has {at} parameters, the vector {w.shape[-1]}")
    return out


def functional(model: nn.Module) -> Callable[[Tensor, Tensor], Tensor]:
    """``f(w, x)``: the output of ``model`` on ``x`` with its parameters set to ``w (d,)``."""
    return lambda w, x: functional_call(model, unflat(model, w), (x,))


def classification_loss(model: nn.Module) -> Callable[[Tensor, Tensor, Tensor], Tensor]:
    """``loss(w, x, y)``: mean cross-entropy of the logits ``f(w, x)`` against the labels ``y``."""
    f = functional(model)
    return lambda w, x, y: F.cross_entropy(f(w, x), y)


def initial_weights(build: Callable[[], nn.Module], seeds: list[int]) -> Tensor:
    """``W (n, d)``: the default (PyTorch) initialization of ``build()`` under each seed,
    without touching the global random state."""
    rows = []
    for seed in seeds:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            rows.append(flat(build()))
    return torch.stack(rows)


def evaluate(
    model: nn.Module,
    W: Tensor,
    x: Tensor,
    y: Tensor,
    *,
    rows: int | None = None,
    batch: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy and accuracy of every row of ``W (n, d)`` on the whole set ``(x, y)``:
    two ``(n,)`` tensors.

    ``rows`` networks and ``batch`` samples at a time (default: all), to bound memory for large
    networks.
    """
    f = torch.func.vmap(functional(model), in_dims=(0, None))
    rows, batch = rows or W.shape[0], batch or len(y)
    loss_sum, correct = (
        torch.zeros(W.shape[0], dtype=W.dtype, device=W.device),
        torch.zeros(W.shape[0], dtype=W.dtype, device=W.device),
    )
    with torch.no_grad():
        for r in range(0, W.shape[0], rows):
            for b in range(0, len(y), batch):
                logits, yb = f(W[r : r + rows], x[b : b + batch]), y[b : b + batch]
                ce = F.cross_entropy(
                    logits.flatten(0, 1), yb.repeat(logits.shape[0]), reduction="none"
                )
                loss_sum[r : r + rows] += ce.view(logits.shape[0], -1).sum(1)
                correct[r : r + rows] += (logits.argmax(-1) == yb).to(W.dtype).sum(1)
    return loss_sum / len(y), correct / len(y)


def sharpness(
    loss: Callable[[Tensor, Tensor, Tensor], Tensor],
    W: Tensor,
    x: Tensor,
    y: Tensor,
    *,
    iters: int = 20,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Sharpness ``λ_max(∇²ℓ(w))`` (near a minimum, the spectral norm) of ``loss(w, x, y)`` on the
    whole set,
    for every row of ``W (n, d)`` (Lanczos on Hessian-vector products): ``(n,)``."""
    from .linalg import top_hessian_eigenvalue

    tops = [
        top_hessian_eigenvalue(lambda w: loss(w, x, y), w, iters=iters, generator=generator)
        for w in W
    ]
    return torch.tensor(tops, dtype=W.dtype)


class _Block(nn.Module):
    """A ResNet basic block: two 3x3 convolutions and a shortcut (1x1 when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int, norm: Callable[[int], nn.Module]):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
            norm(cout),
            nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            norm(cout),
        )
        self.shortcut = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), norm(cout))
            if stride != 1 or cin != cout
            else nn.Identity()
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.body(x) + self.shortcut(x))


def resnet18(classes: int = 10, *, batch_norm: bool = True) -> nn.Sequential:
    """ResNet-18 for 32x32 images (CIFAR variant: 3x3 stem, no max-pool), with or without batch
    norm (paper K, section 4.4 trains it without batch norm and without data augmentation)."""
    norm = nn.BatchNorm2d if batch_norm else (lambda c: nn.Identity())
    layers: list[nn.Module] = [nn.Conv2d(3, 64, 3, 1, 1, bias=not batch_norm), norm(64), nn.ReLU()]
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [_Block(cin, cout, stride, norm), _Block(cout, cout, 1, norm)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes)]
    return nn.Sequential(*layers)
