"""SAM as a ``torch.optim.Optimizer`` for training ``nn.Module`` networks.

The shape is that of the most used PyTorch implementation (davda54/sam)::

    opt = SAM(model.parameters(), torch.optim.SGD, rho=0.05, lr=0.1, momentum=0.9)
    loss_fn(model(x), y).backward()
    opt.first_step(zero_grad=True)            # w <- w + e(w), remembering w
    with running_stats_frozen(model):
        loss_fn(model(x), y).backward()       # the gradient at w + e(w), same mini-batch
    opt.second_step(zero_grad=True)           # back to w, base optimizer step with that gradient

``e(w) = rho g/||g||`` (normalized SAM, ``||g||`` the norm over all parameters together) or
``e(w) = rho g`` (``normalized=False``: USAM, paper K); with ``adaptive=True`` the perturbation is
ASAM's (Kwon et al., 2021), ``e(w) = rho T² g/||T g||`` with ``T = diag(|w|)``, as in davda54/sam.
Momentum, weight decay and the learning rate belong to the base optimizer, so with
``SGD(momentum=gamma)`` one step is :func:`samutils.updates.momentum_step` with the direction
:func:`samutils.updates.sam` (or ``usam``). ``state_dict()`` holds the base optimizer's state
(momentum buffers), so a run saved and resumed continues exactly as if uninterrupted.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn


class SAM(torch.optim.Optimizer):
    """Sharpness-aware minimization around a base optimizer (a class, built on the same parameter
    groups with ``**kwargs``). ``rho``, ``adaptive`` and ``normalized`` may differ per parameter
    group;
    the arguments are davda54/sam's, ``SAM(params, base_optimizer, rho=0.05, adaptive=False,
    **kwargs)``."""

    def __init__(
        self,
        params,
        base_optimizer,
        rho: float = 0.05,
        adaptive: bool = False,
        normalized: bool = True,
        **kwargs,
    ):
        if rho < 0:
            raise ValueError(f"rho must be >= 0, got {rho}")
        super().__init__(params, dict(rho=rho, adaptive=adaptive, normalized=normalized, **kwargs))
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    @torch.no_grad()
    def _grad_norm(self) -> torch.Tensor:
        """Euclidean norm of the gradient of all parameters together (of ``T g`` where adaptive)."""
        norms = [
            (p.abs() * p.grad if group["adaptive"] else p.grad).norm()
            for group in self.param_groups
            for p in group["params"]
            if p.grad is not None
        ]
        return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.tensor(0.0)

    @torch.no_grad()
    def first_step(self, zero_grad: bool = False) -> None:
        """Move to the ascent point ``w + e(w)`` and remember ``w``. Where the gradient is zero
        (normalized SAM) the perturbation is zero, as in :func:`samutils.updates.sam`."""
        norm = self._grad_norm()
        for group in self.param_groups:
            if group["normalized"]:
                scale = group["rho"] / norm if norm > 0 else 0.0
            else:
                scale = group["rho"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.state[p]["old_p"] = p.detach().clone()
                p.add_(p.grad * p**2 if group["adaptive"] else p.grad, alpha=float(scale))
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def second_step(self, zero_grad: bool = False) -> None:
        """Return to ``w`` and let the base optimizer step with the gradient taken at ``w +
        e(w)``."""
        for group in self.param_groups:
            for p in group["params"]:
                if "old_p" in self.state[p]:
                    p.copy_(self.state[p].pop("old_p"))
        self.base_optimizer.step()
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def step(self, closure=None) -> None:
        """A whole SAM step; the gradient at ``w`` must already be computed, and ``closure``
        (forward and backward on the same mini-batch) computes the one at ``w + e(w)``."""
        if closure is None:
            raise ValueError("SAM needs a closure that recomputes the loss and its gradient")
        self.first_step(zero_grad=True)
        torch.enable_grad()(closure)()
        self.second_step()

    def state_dict(self) -> dict:
        """The base optimizer's state and the parameter groups (with ``rho``, ``adaptive``,
        ``normalized``); SAM itself keeps nothing between steps."""
        return self.base_optimizer.state_dict()

    def load_state_dict(self, state_dict) -> None:
        self.base_optimizer.load_state_dict(state_dict)
        self.param_groups = self.base_optimizer.param_groups


@contextmanager
def running_stats_frozen(model: nn.Module):
    """Batch-norm layers of ``model`` normalize with the batch statistics as usual but do not
    update their running mean, variance and counter: use it around SAM's second forward pass,
    so that each mini-batch is counted once in the statistics used at evaluation."""
    layers = [
        m
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]
    for m in layers:
        m.track_running_stats = False
    try:
        yield model
    finally:
        for m in layers:
            m.track_running_stats = True
