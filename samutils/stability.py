"""Linear stability of a critical point under USAM, predicted and observed (paper K, Theorem 1).

The USAM map ``w - eta g(w + rho g(w))`` has Jacobian ``I - eta H (I + rho H)`` at a critical
point with Hessian ``H``: the point attracts the iteration iff every ``|1 - eta lam (1 + rho lam)|``
is below one. :func:`phase_diagram` runs USAM from next to the point for a grid of ``(eta, rho)``
and returns what happened beside what the spectral radius predicts.
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
