"""The stability atlas: GD, USAM, heavy-ball momentum and normalized SAM on the 1-D quadratic
``lam w^2 / 2``, predicted and observed (the book's chapter connecting papers K, B and Z).

With ``g(w) = lam w`` the USAM map multiplies ``w`` by ``1 - x``, ``x = eta lam (1 + rho lam)``
(GD: ``rho = 0``); heavy-ball momentum turns it into ``w' = (1 + gamma - x) w - gamma w_prev``.
The critical point attracts, repels monotonically (a root above 1) or is left by oscillation (a
root below -1). :func:`simulate` runs the batched runner of :mod:`samutils.updates` and
:func:`observed` classifies what it did; :func:`spectral_radius` and :func:`predicted` say what the
derivation predicts, with the same codes:

``ATTRACT = 0``, ``MONOTONE = 1``, ``OSCILLATE = 2``, ``UNDECIDED = -1``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from . import updates

ATTRACT, MONOTONE, OSCILLATE, UNDECIDED = 0, 1, 2, -1
CLASSES = {ATTRACT: "attracts", MONOTONE: "repels monotonically", OSCILLATE: "left by oscillation"}


def quadratic(lam: Tensor):
    """The gradient oracle ``w -> lam w`` of ``lam w^2 / 2`` (``lam`` broadcast over the batch)."""
    return lambda w: lam * w


def simulate(
    direction,
    lam: Tensor,
    eta: Tensor,
    steps: int,
    *,
    gamma=0.0,
    w0: float = 1.0,
    blowup: float = 1e100,
) -> dict:
    """Run ``direction`` (a rule of :mod:`samutils.updates`) on ``lam w^2/2`` from ``w0`` for every
    configuration of the batch (``lam``, ``eta``, ``gamma`` of shape ``(N, 1)`` or scalars).

    A trajectory whose ``|w|`` passes ``blowup`` is frozen there (no overflow). Returns the final
    ``|w| / |w0|`` (``ratio``), whether it was frozen (``escaped``) and whether its last two
    moving iterates had opposite signs (``alternating``), each of shape ``(N,)``.
    """
    batched = [t.shape[0] for t in (lam, eta, gamma) if torch.is_tensor(t) and t.dim() > 0]
    if not batched:
        raise ValueError("simulate needs lam, eta or gamma of shape (N, 1): the batch size")
    N = max(batched)
    start = torch.full((N, 1), float(w0))
    run = updates.run(
        direction,
        quadratic(lam),
        start,
        eta,
        steps,
        gamma=gamma,
        until=lambda w: w.abs().squeeze(-1) > blowup,
        record=lambda w: w.sign().to(torch.int8).squeeze(-1),
    )
    signs, stop = run.w, run.stopped_at
    last = torch.where(stop >= 0, stop, torch.full_like(stop, len(run.steps) - 1))
    cols = torch.arange(N)
    alternating = signs[last, cols] * signs[(last - 1).clamp_min(0), cols] < 0
    return {
        "ratio": (run.final.abs().squeeze(-1) / abs(w0)),
        "escaped": stop >= 0,
        "alternating": alternating,
    }


def observed(sim: dict, *, attracted: float = 1e-2) -> Tensor:
    """The class each trajectory of :func:`simulate` shows: ``ATTRACT`` if
    ``|w_T| < attracted |w_0|``, ``MONOTONE`` / ``OSCILLATE`` if it grew past ``|w_0|`` with the
    sign kept / alternating at the
    end, ``UNDECIDED`` otherwise."""
    out = torch.full(sim["ratio"].shape, UNDECIDED, dtype=torch.long)
    grew = sim["escaped"] | (sim["ratio"] > 1)
    out[sim["ratio"] < attracted] = ATTRACT
    out[grew & ~sim["alternating"]] = MONOTONE
    out[grew & sim["alternating"]] = OSCILLATE
    return out


def roots(x: Tensor, gamma) -> tuple[Tensor, Tensor]:
    """The two roots of ``z^2 - (1 + gamma - x) z + gamma`` (complex dtype), the characteristic
    polynomial of heavy-ball momentum with effective curvature ``x = eta lam (1 + rho lam)``."""
    b = (1 + gamma - x).to(torch.complex128)
    disc = torch.sqrt(b * b - 4 * torch.as_tensor(gamma, dtype=torch.complex128))
    return (b + disc) / 2, (b - disc) / 2


def spectral_radius(x: Tensor, gamma=0.0) -> Tensor:
    """Largest root modulus of the recursion (``|1 - x|`` when ``gamma = 0``)."""
    if not torch.is_tensor(gamma) and gamma == 0:
        return (1 - x).abs()
    z1, z2 = roots(x, gamma)
    return torch.maximum(z1.abs(), z2.abs())


def predicted(x: Tensor, gamma, radius: Tensor, steps: int, *, decisive: float = 1e3) -> Tensor:
    """The class the derivation predicts, where a run of ``steps`` steps can show it: ``ATTRACT``
    where ``radius**steps < 1/decisive``, ``MONOTONE`` (``x < 0``) or ``OSCILLATE``
    (``x > 2(1 + gamma)``) where ``radius**steps > decisive``; ``UNDECIDED`` in the band
    ``|log radius| <= log(decisive)/steps`` around the boundary (:func:`band`)."""
    log_r = torch.log(radius)
    out = torch.full(x.shape, UNDECIDED, dtype=torch.long)
    width = band(steps, decisive)
    out[log_r < -width] = ATTRACT
    repel = log_r > width
    out[repel & (x < 0)] = MONOTONE
    out[repel & (x > 2 * (1 + torch.as_tensor(gamma)))] = OSCILLATE
    return out


def band(steps: int, decisive: float = 1e3) -> float:
    """Half-width in ``log(radius)`` of the band no run of ``steps`` steps decides."""
    return math.log(decisive) / steps


def compare(pred: Tensor, seen: Tensor) -> dict:
    """Counts: decisive predictions, how many the run contradicts, and undecided runs among them."""
    decisive = pred != UNDECIDED
    return {
        "points": int(pred.numel()),
        "decisive": int(decisive.sum()),
        "contradictions": int((decisive & (seen != pred)).sum()),
        "by_class": {CLASSES[c]: int((pred == c).sum()) for c in CLASSES},
    }


def nsam_map(u: Tensor, p: Tensor) -> Tensor:
    """Normalized SAM on ``lam w^2/2`` in the units ``u = w / (eta rho |lam|)``, ``p = eta lam``:
    ``u -> (1 - p) u - sign(u)``."""
    return (1 - p) * u - torch.sign(u)
