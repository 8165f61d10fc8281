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
