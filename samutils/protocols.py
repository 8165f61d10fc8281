"""Experimental protocols of the papers' released code, applied to trajectories run here.

Paper K's Beale runner (Harry24k/sam-saddle, ``sam_stability/optim/runner.py``) runs gradient
descent until one of three rules fires and gives every SAM run as many steps as GD took.
:func:`released_stop` applies those rules, in the code's order, to a recorded path, so the
trajectory can be computed once, batched with the SAM runs, and cut where the code would cut it.
"""

from __future__ import annotations

import torch
from torch import Tensor


def released_stop(
    path: Tensor,
    losses: Tensor,
    target: Tensor,
    *,
    pos_tol: float = 0.15,
    stall_tol: float = 0.55,
    window: int = 500,
    eps: float = 1e-5,
    patience: int = 80,
    rtol: float = 1e-8,
) -> tuple[int, str]:
    """Number of steps after which the released runner stops, and which rule stopped it.

    ``path`` (T+1, d): the iterates ``w_0 .. w_T`` of one trajectory; ``losses`` (T,): the loss
    the runner records at step ``t+1`` (for GD, ``loss(w_t)``); ``target``: the minimum.
    After step ``k`` the runner stops when, checked in this order,

    - ``position``: ``||w_k - target|| < pos_tol``;
    - ``stall``: ``||w_k - target|| < stall_tol``, ``k >= window`` and each of the last
      ``window - 1`` moves ``||w_{j+1} - w_j||`` is below ``eps``;
    - ``loss``: the relative change of the recorded loss stayed below ``rtol`` for ``patience``
      consecutive steps.

    Returns ``(T, "cap")`` when no rule fires.
    """
    T = path.shape[0] - 1
    dist = (path - target).norm(dim=-1)  # dist[k], k = 0..T
    fired = {}
    pos = (dist[1:] < pos_tol).nonzero()
    if len(pos):
        fired["position"] = int(pos[0]) + 1
    moves = (path[1:] - path[:-1]).norm(dim=-1)  # moves[j] = ||w_{j+1} - w_j||
    if T >= window:
        widest = moves[1:].unfold(0, window - 1, 1).amax(-1)  # entry i: moves[i+1 .. i+window-1]
        k = torch.arange(window, T + 1)  # entry i ends at step k = i + window
        stall = ((widest < eps) & (dist[k] < stall_tol)).nonzero()
        if len(stall):
            fired["stall"] = int(k[stall[0]])
    rel = (losses[1:] - losses[:-1]).abs() / (losses[:-1].abs() + 1e-12)  # at loop index t = 1..
    if len(rel) >= patience:
        run = (rel < rtol).double().unfold(0, patience, 1).sum(-1) == patience
        hit = run.nonzero()
        if len(hit):
            fired["loss"] = int(hit[0]) + patience + 1  # loop index t = i + patience; k = t + 1
    if not fired:
        return T, "cap"
    order = ["position", "stall", "loss"]
    return min((k, order.index(r), r) for r, k in fired.items())[::2]


def label_endpoints(w: Tensor, centres: Tensor, radii, bound: float = 1e3) -> Tensor:
    """Where each point of ``w (..., d)`` ended: ``i`` if within ``radii[i]`` of ``centres[i]``
    (the first such ``i``), ``len(centres)`` if it diverged (not finite, or norm above ``bound``),
    ``len(centres) + 1`` otherwise."""
    n = len(centres)
    finite = torch.isfinite(w).all(-1) & (w.norm(dim=-1) < bound)
    label = torch.full(w.shape[:-1], n + 1, dtype=torch.long)
    for i in reversed(range(n)):
        label[finite & ((w - centres[i]).norm(dim=-1) < radii[i])] = i
    label[~finite] = n
    return label
