"""Comparing estimated probabilities (fractions of independent trials) with printed ones."""

from __future__ import annotations

import math


def binomial_se(p: float, n: int) -> float:
    """Standard error of a fraction ``p`` estimated from ``n`` independent trials."""
    return math.sqrt(p * (1 - p) / n)


def z_scores(ours, n_ours: int, printed, n_printed: int) -> list[float]:
    """``|ours - printed|`` over the combined standard error, entry by entry (both binomial).

    Where both standard errors vanish (both fractions 0 or 1) the entry is 0 if they are equal
    and infinite otherwise."""
    z = []
    for a, b in zip(ours, printed, strict=True):
        s = math.hypot(binomial_se(a, n_ours), binomial_se(b, n_printed))
        z.append(abs(a - b) / s if s > 0 else (0.0 if a == b else math.inf))
    return z
