"""Least-squares fits the chapters measure rates and exponents with."""

from __future__ import annotations

import torch
from torch import Tensor


def slope(x: Tensor, y: Tensor, mask: Tensor | None = None) -> Tensor:
    """Least-squares slope of ``y`` against ``x`` along the last dimension (broadcast over the
    leading ones); ``mask`` (bool, same shape) keeps only some points of each fit."""
    x, y = torch.broadcast_tensors(x, y)
    w = torch.ones_like(y) if mask is None else mask.to(y.dtype).expand_as(y)
    n = w.sum(-1, keepdim=True)
    xm, ym = (w * x).sum(-1, keepdim=True) / n, (w * y).sum(-1, keepdim=True) / n
    return (w * (x - xm) * (y - ym)).sum(-1) / (w * (x - xm) ** 2).sum(-1)


def loglog_slope(x: Tensor, y: Tensor, mask: Tensor | None = None) -> Tensor:
    """The exponent ``p`` of a power law ``y ~ x**p``: the slope of ``log y`` against ``log x``."""
    return slope(x.log(), y.log(), mask)


def loglog_slope_bootstrap(
    x: Tensor, samples: Tensor, n_boot: int = 200, generator: torch.Generator | None = None
) -> tuple[float, float]:
    """The power ``p`` of ``median(samples) ~ x**p`` (``samples``: shape ``(len(x), n)``, ``n``
    draws at each ``x``) and its bootstrap standard error, resampling the ``n`` draws ``n_boot``
    times."""
    samples = samples.double().contiguous()
    n = samples.shape[1]
    boot = samples[:, torch.randint(n, (n_boot, n), generator=generator)].median(-1).values
    return loglog_slope(x, samples.median(-1).values).item(), loglog_slope(x, boot.T).std().item()
