"""Power of the paired test that :func:`samutils.checks.positive` applies.

``positive`` passes when the mean of ``n`` paired differences exceeds ``z`` standard errors. For
differences with standard deviation ``sd`` its minimum detectable effect (MDE) at power ``power`` is
the true mean ``delta`` for which the mean clears ``z sd/sqrt(n)`` with that probability; in the
normal approximation ``delta = (z + q(power)) sd / sqrt(n)``, ``q`` the standard normal quantile.
A pilot's ``sd`` gives the seeds a claim needs, :func:`seeds_needed`; a paper's effect measured on
its own task is carried over to another by :func:`scaled_effect`.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def _sd(differences) -> float:
    d = [float(x) for x in differences]
    if len(d) < 2:
        raise ValueError(f"need at least two differences, got {len(d)}")
    mean = sum(d) / len(d)
    return math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))


def detectable(sd: float, n: int, *, z: float = 2.0, power: float = 0.8) -> float:
    """The smallest true mean difference that ``positive(..., z)`` on ``n`` pairs with standard
    deviation ``sd`` declares positive with probability ``power``: ``(z + q(power)) sd/sqrt(n)``."""
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power}")
    return (z + NormalDist().inv_cdf(power)) * sd / math.sqrt(n)


def detectable_from(differences, *, z: float = 2.0, power: float = 0.8) -> float:
    """:func:`detectable` with the standard deviation and the number of the paired differences
    given."""
    d = list(differences)
    return detectable(_sd(d), len(d), z=z, power=power)


def seeds_needed(
    effect: float, sd: float, *, z: float = 2.0, power: float = 0.8, at_least: int = 2
) -> int:
    """The fewest pairs at which :func:`detectable` is at most ``effect`` (> 0)."""
    if effect <= 0:
        raise ValueError(f"effect must be positive, got {effect}")
    n = math.ceil(((z + NormalDist().inv_cdf(power)) * sd / effect) ** 2)
    return max(n, at_least)


def scaled_effect(paper_effect: float, paper_reference: float, task_reference: float) -> float:
    """A paper's effect carried to another task in proportion to a reference quantity measured on
    both (e.g. the test error the effect is a part of): ``paper_effect * task_reference /
    paper_reference``."""
    if paper_reference == 0:
        raise ValueError("paper_reference must be non-zero")
    return paper_effect * task_reference / paper_reference


def row(
    check: str,
    differences,
    *,
    paper_effect: float | None = None,
    z: float = 2.0,
    power: float = 0.8,
) -> dict:
    """One line of a power table: the check, the pairs, their mean, the minimum detectable effect
    of ``positive(..., z)`` at ``power`` (:func:`detectable_from`), the paper's effect (scaled) and
    the seeds that effect would need at the spread seen here (:func:`seeds_needed`)."""
    d = [float(x) for x in differences]
    need = (
        seeds_needed(paper_effect, _sd(d), z=z, power=power)
        if paper_effect is not None and paper_effect > 0
        else None
    )
    return {
        "check": check,
        "seeds": len(d),
        "mean": sum(d) / len(d),
        "detectable": detectable_from(d, z=z, power=power),
        "paper (scaled)": paper_effect,
        "seeds for the paper's effect": need,
    }
