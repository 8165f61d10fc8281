"""SAM on a convex quadratic and at a minimum of a smooth loss, in the notation of Bartlett, Long
and Bousquet (2023): eigenvalues ``lam`` (descending, last dimension), step ``eta``, radius ``rho``.

On ``1/2 w' diag(lam) w`` normalized SAM converges to the 2-cycle ``+-(beta_1/lambda_1) e_1``;
:func:`until_cycle` measures how many steps that takes, :func:`theorem3_bound` is the paper's
explicit bound on that number. :func:`step_expansion` measures one SAM step from the cycle points
around a minimum of a smooth loss, the quantity of the paper's Theorem 21."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from samutils import fit, landscapes, linalg, updates
from samutils.plotting import RULE_COLORS, quantile_band


def cycle_radius(lam1, eta, rho):
    """``beta_1/lambda_1 = eta rho lambda_1/(2 - eta lambda_1)``: the distance of the cycle points
    to 0."""
    return eta * rho * lam1 / (2 - eta * lam1)


def lemma5(lam: Tensor, eta, rho) -> dict[str, Tensor]:
    """The critical values of Lemma 5 per eigenvalue (last dimension): ``gamma_i``, ``beta_i``,
    ``alpha_i`` (against ``lambda_1``, the first entry) and the radius ``b`` of the absorbing ball.
    """
    gamma = eta * rho * lam**2 / (1 - eta * lam)
    a = 1 - eta * lam
    return {
        "gamma": gamma,
        "beta": eta * rho * lam**2 / (2 - eta * lam),
        "alpha": (a[..., :1] * gamma[..., :1] + a * gamma) / (a[..., :1] + a),
        "b": eta * rho * lam[..., :1] ** 2,
    }


def spectrum(gap: float, kappa: float, d: int, lam1: float = 1.0) -> Tensor:
    """``lambda_1``, then ``d - 1`` eigenvalues log-spaced from ``lambda_1/sqrt(1 + gap)`` (so that
    ``lambda_1^2/lambda_2^2 - 1 = gap``) down to ``lambda_d = lambda_1/kappa``."""
    top = math.log10(lam1 / math.sqrt(1 + gap))
    return torch.cat([torch.tensor([lam1]), torch.logspace(top, math.log10(lam1 / kappa), d - 1)])


def cycle_distance(w: Tensor, lam: Tensor, eta, rho) -> Tensor:
    """Distance from each point ``w (..., d)`` to the nearer cycle point ``+-(beta_1/lambda_1)
    e_1``."""
    c = cycle_radius(lam[..., :1], eta, rho)
    return torch.cat([w[..., :1].abs() - c, w[..., 1:]], -1).norm(dim=-1)


@dataclass(frozen=True)
class CycleRun:
    """What :func:`until_cycle` measures per run: ``steps`` to the first point within ``eps`` of the
    cycle, whether that happened (``converged``), the largest distance over the ``hold`` steps after
    it to the cycle point the iterate should be at (the two alternate) divided by ``eps`` (``held``,
    0 for runs that did not converge) and the point reached."""

    steps: Tensor
    converged: Tensor
    held: Tensor
    final: Tensor


def until_cycle(
    lam: Tensor, eta, rho, w0: Tensor, *, eps: float, max_steps: int, hold: int = 20
) -> CycleRun:
    """SAM on ``1/2 w' diag(lam) w`` from every ``w0 (..., d)`` until it is ``eps`` from the cycle
    (or has blown up past norm 1e6, or ``max_steps``); then ``hold`` more steps to see it stay."""
    g = landscapes.diagonal_quadratic(lam)
    done = lambda w: (cycle_distance(w, lam, eta, rho) < eps) | ~(w.norm(dim=-1) < 1e6)
    run = updates.run(updates.sam(rho), g, w0, eta, max_steps, every=max_steps, until=done)
    converged = cycle_distance(run.final, lam, eta, rho) < eps
    start = torch.where(converged.unsqueeze(-1), run.final, 0)
    after = updates.run(updates.sam(rho), g, start, eta, hold).w
    c = (torch.sign(start[..., :1]) * cycle_radius(lam[..., :1], eta, rho)).expand_as(
        start[..., :1]
    )
    point = torch.cat([c, torch.zeros_like(start[..., 1:])], -1)
    sign = (-1.0) ** torch.arange(hold + 1).reshape(-1, *[1] * start.dim())
    held = torch.where(converged, (after - sign * point)[1:].norm(dim=-1).amax(0), 0) / eps
    return CycleRun(run.stopped_at, converged, held, run.final)


def potential(u: Tensor, lam: Tensor, eta, rho) -> Tensor:
    """``J(u) = 1/2 u' C u - ||Lambda u||`` with ``C = (2I - eta Lambda)/(eta rho)`` (Proposition
    8), for one point ``u (d,)`` (vmap it for batches)."""
    return (u * (2 - eta * lam) / (eta * rho) * u).sum() / 2 - (lam * u).norm()


def gaussian_start(d: int, delta: float, sigma: float = 1.0) -> dict[str, float]:
    """Theorem 3's initialization constants for ``w0 ~ N(0, sigma^2 I_d)``: the density bound ``A``,
    and ``R``, ``q`` with ``P(||w0|| > R) = P(w0_1^2 < q) = delta/2``, so that ``||w0|| <= R`` and
    ``w0_1^2 >= q`` hold together with probability at least ``1 - delta``."""
    p = torch.tensor(1 - delta / 2, dtype=torch.float64)
    lo, hi = (
        torch.tensor(0.0, dtype=torch.float64),
        torch.tensor(10.0 * d + 100, dtype=torch.float64),
    )
    for _ in range(200):  # the chi-square(d) quantile by bisection of its distribution function
        mid = (lo + hi) / 2
        below = torch.special.gammainc(torch.tensor(d / 2, dtype=torch.float64), mid / 2) < p
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    z = torch.special.ndtri(torch.tensor(0.5 + delta / 4, dtype=torch.float64)).item()
    return {
        "A": (2 * math.pi * sigma**2) ** (-d / 2),
        "R": sigma * math.sqrt(hi.item()),
        "q": (sigma * z) ** 2,
    }


def theorem3_bound(
    lam: Tensor, eta: float, rho: float, eps: float, *, R: float, q: float, A: float, delta: float
) -> dict[str, float]:
    """The four terms of Theorem 3's bound on the steps after which SAM is ``eps`` from its cycle
    (natural logarithms, ``[x]_+ = max(x, 0)``), and their sum under ``"total"``. ``lam``: the
    eigenvalues ``lambda_1 > lambda_2 >= ... >= lambda_d > 0``; ``R, q, A, delta``: the start's
    constants (:func:`gaussian_start`). Requires ``eta lambda_1 < 1/2`` and the theorem's range of
    eps."""
    lam = lam.tolist()
    l1, l2, ld, d = lam[0], lam[1], lam[-1], len(lam)
    if not (0 < eta * l1 < 0.5 and l1 > l2 and ld > 0):
        raise ValueError(
            "Theorem 3 needs 0 < eta lambda_1 < 1/2 and lambda_1 > lambda_2 >= ... > 0"
        )
    if not 0 < eps < min(math.sqrt(eta * l1 / 2), 1 / (2 * rho * l1), eta * rho * l1**2 / 2):
        raise ValueError(
            "Theorem 3 needs eps < min(sqrt(eta lambda_1/2), 1/(2 rho lambda_1), "
            "eta rho lambda_1^2/2)"
        )
    m = min(eta * ld, l1**2 / l2**2 - 1)
    lp = max(math.log(R / (eta * rho * l1)), 0.0)
    first = 6 * l1**5 / (eta * ld**6 * m) * math.log(4 / (eta * l1))
    second = (
        math.log(4 * (1 + eta * rho * l1**2) ** 2 / (ld**2 * eps**2)) + math.log(R**2 / q)
    ) / m
    third = 0.0
    if lp > 0:
        log_cover = (
            math.log(9)
            + (d + 3) * math.log(6)
            + 3 * math.log(R)
            - (d + 3) * math.log(eta * ld)
            - 3 * math.log(eta * rho * l1)
        )
        log_mass = (
            math.log(4)
            + d / 2 * math.log(math.pi)
            + (d - 1) * math.log(4 * eta * rho * l1**2)
            + math.log(lp)
            + math.log(A)
            - math.lgamma(d / 2)
            - math.log(delta * eta * ld)
        )
        third = (
            2
            * lp
            / (eta * ld * m)
            * (math.log(2 * l1 * R) + lp + log_cover / (eta * ld) + log_mass)
        )
    fourth = 6 / (eta * l1) * math.log(2 * (1 + eta * rho * l1**2) / (ld * eps))
    terms = {"T1": first, "T2": second, "T3": third, "T4": fourth}
    return terms | {"total": sum(terms.values())}


def step_expansion(
    loss: Callable[[Tensor], Tensor], wz: Tensor, rho: float, eta: float
) -> dict[str, Tensor]:
    """One SAM step from both points ``wz +- (beta_1/lambda_1) e_1`` around a minimum ``wz`` of
    ``loss`` (Theorem 21), and the terms the book compares it with (rows: ``s = +1, -1``).

    ``step``: ``w_{t+1} - w_t``; ``printed``: the theorem's ``rho`` and ``rho^2`` terms;
    ``missing``: the ``rho^2`` term it lacks, ``-eta^2 rho^2/(2(2 - eta lambda_1)) H (I - e_1 e_1')
    grad lambda_max``; ``eps``: ``||w_t - wz||``; ``lam1``; ``grad_lmax``: ``grad
    lambda_max(H(wz))``."""
    H = linalg.hessian(loss, wz[None])[0]
    lam, vec = torch.linalg.eigh(H)
    lam1, e1 = lam[-1], vec[:, -1]
    grad_l = linalg.sharpness_gradient(loss, wz[None])[0]
    c = cycle_radius(lam1, eta, rho)
    s = torch.tensor([[1.0], [-1.0]], dtype=wz.dtype)
    w_t = wz + s * c * e1
    g = lambda x: linalg.gradient(loss, x)
    step = updates.step(updates.sam(rho), g, w_t, eta) - w_t
    printed = -2 * s * c * e1 - eta * rho**2 / 2 * (1 + eta * lam1 / (2 - eta * lam1)) ** 2 * grad_l
    missing = -(eta**2) * rho**2 / (2 * (2 - eta * lam1)) * H @ (grad_l - e1 * (e1 @ grad_l))
    return {
        "step": step,
        "printed": printed,
        "missing": missing.expand_as(step),
        "eps": c,
        "lam1": lam1,
        "grad_lmax": grad_l,
    }


def remainder_bound(eta, rho, lam1, B):
    """Theorem 21's bound on its remainder: ``eta rho^2 ((1 + eta lambda_1)^3 rho/6 + 2(2 lambda_1 +
    B rho) eta) B``."""
    return eta * rho**2 * ((1 + eta * lam1) ** 3 * rho / 6 + 2 * (2 * lam1 + B * rho) * eta) * B


def expansion_errors(
    loss: Callable[[Tensor], Tensor], wz: Tensor, rhos, eta_of: Callable[[float], float]
) -> dict[str, Tensor]:
    """For each radius in ``rhos`` (step ``eta_of(rho)``): the largest error, over ``s = +-1``, of
    the printed expansion (``printed``) and of the printed one plus the missing term
    (``corrected``), and ``eps = ||w_t - wz||`` (see :func:`step_expansion`)."""
    out = {"printed": [], "corrected": [], "eps": []}
    for rho in rhos:
        e = step_expansion(loss, wz, rho, eta_of(rho))
        out["printed"].append((e["step"] - e["printed"]).norm(dim=-1).max())
        out["corrected"].append((e["step"] - e["printed"] - e["missing"]).norm(dim=-1).max())
        out["eps"].append(e["eps"])
    return {key: torch.stack(v) for key, v in out.items()}


def random_cubic_loss(lam: Tensor, a: float, generator: torch.Generator, scale: float = 1.0):
    """``l(w) = 1/2 y' diag(lam) y + scale/6 T[y, y, y] + a sum_i y_i^4`` with ``y = Q' w``, a
    random symmetric ``T`` and rotation ``Q``: a minimum at 0 with Hessian eigenvalues ``lam``,
    third derivative ``scale T`` there, and ``D^3 l`` Lipschitz with constant exactly ``B = 24 a``.
    """
    d = len(lam)
    T = torch.randn(d, d, d, generator=generator)
    T = (
        sum(
            T.permute(*p)
            for p in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))
        )
        / 6
    )
    Q = torch.linalg.qr(torch.randn(d, d, generator=generator))[0]

    def loss(w: Tensor) -> Tensor:
        y = w @ Q
        return (
            (lam * y**2).sum() / 2
            + scale * torch.einsum("ijk,i,j,k->", T, y, y, y) / 6
            + a * (y**4).sum()
        )

    return loss


def random_spectra(
    n: int, d: int, generator: torch.Generator, *, eta_lambda1_max: float = 0.5, equal_top: int = 0
) -> tuple[Tensor, Tensor, Tensor]:
    """``n`` random problems: eigenvalues uniform on ``(0, 1)``, descending (``lam (n, d)``; the
    last ``equal_top`` rows get ``lambda_2 = lambda_1``), ``eta`` uniform on ``(0,
    eta_lambda1_max/lambda_1)`` and ``rho`` uniform on ``(0.1, 2.1)`` (both ``(n,)``)."""
    lam = torch.rand(n, d, generator=generator).sort(-1, descending=True).values
    if equal_top:
        lam[n - equal_top :, 1] = lam[n - equal_top :, 0]
    eta = eta_lambda1_max * torch.rand(n, generator=generator) / lam[:, 0]
    return lam, eta, 0.1 + 2 * torch.rand(n, generator=generator)


def lemma5_disagreements(
    lam: Tensor, eta: Tensor, rho: Tensor, generator: torch.Generator
) -> dict[str, float]:
    """One SAM step, for each spectrum ``lam (n, d)`` (descending) with ``eta, rho (n,)``, from a
    gradient ``v`` of random direction and norm uniform on ``(0, 2b)``, against Lemma 5: counts of
    disagreements with parts 2-4, how many comparisons each part could decide (the rest lie within
    1e-9 of a critical value) and how many fell below it, the largest ``||v_{t+1}||/b`` over the
    ``v`` inside the ball (part 5) and the error of ``beta_i e_i -> -beta_i e_i`` (part 1)."""
    eta, rho = eta[:, None], rho[:, None]
    crit = lemma5(lam, eta, rho)
    beta, alpha, b = crit["beta"], crit["alpha"][:, 1:], crit["b"]
    v = torch.randn(lam.shape, generator=generator)
    v = v / v.norm(dim=-1, keepdim=True) * 2 * b * torch.rand(b.shape, generator=generator)
    sam_v = lambda x: (
        lam * updates.step(updates.sam(rho), landscapes.diagonal_quadratic(lam), x / lam, eta)
    )
    v1, nv = sam_v(v), v.norm(dim=-1, keepdim=True)
    ok2 = (nv - beta).abs() > 1e-9 * beta
    ok3 = (nv - alpha).abs() > 1e-9 * alpha
    grew = v1[:, :1] ** 2 / v1[:, 1:] ** 2 > v[:, :1] ** 2 / v[:, 1:] ** 2
    inside = nv[:, 0] <= b[:, 0]
    order = (
        (beta.diff(dim=-1) > 0).sum()
        + (crit["alpha"].diff(dim=-1) > 0).sum()
        + (beta[:, 0] >= alpha[:, -1]).sum()
        + (beta[:, 0] > b[:, 0]).sum()
    )
    fixed = max(
        linalg.relative_error(sam_v(torch.diag_embed(beta)[:, i]), -torch.diag_embed(beta)[:, i])
        for i in range(lam.shape[-1])
    )
    alpha1 = ((crit["alpha"][:, 0] - crit["gamma"][:, 0]).abs() / crit["gamma"][:, 0]).max().item()
    return {
        "order": int(order),
        "alpha1": alpha1,
        "part2": int(((v1**2 < v**2) != (nv > beta))[ok2].sum()),
        "part2_decided": int(ok2.sum()),
        "part2_below": int((nv < beta)[ok2].sum()),
        "part3": int((grew != (nv < alpha))[ok3].sum()),
        "part3_decided": int(ok3.sum()),
        "part3_below": int((nv < alpha)[ok3].sum()),
        "ball": (v1.norm(dim=-1) / b[:, 0])[inside].max().item(),
        "ball_points": int(inside.sum()),
        "fixed": fixed,
    }


def _per_point(f):
    """``f(u, lam, eta, rho)`` for every ``u`` of ``(n, k, d)`` with per-row ``lam (n, d)``, ``eta,
    rho (n,)``."""
    return torch.func.vmap(torch.func.vmap(f, in_dims=(0, None, None, None)))


def stationary_points(lam: Tensor, eta: Tensor, rho: Tensor) -> dict:
    """At the ``2d`` points ``+-(beta_i/lambda_i) e_i`` of each spectrum (rows of ``lam (n, d)``,
    distinct eigenvalues): the Hessian eigenvalues of :func:`potential` (ascending, autograd) and
    ``beta``; ``sign_mismatches``, the points whose counts of positive and negative eigenvalues
    differ from Proposition 8's ``d - i + 1`` and ``i - 1`` on the ``i``-th axis; ``grad``, the
    largest gradient there relative to ``max_i lambda_i^2/beta_i``; ``lowest``, the lowest
    eigenvalue at the points off the first axis, ``(n, 2(d - 1))``."""
    beta = lemma5(lam, eta[:, None], rho[:, None])["beta"]
    points = torch.diag_embed(beta / lam)
    points = torch.cat([points, -points], 1)
    grads = _per_point(torch.func.grad(potential))(points, lam, eta, rho)
    eig = torch.linalg.eigvalsh(_per_point(torch.func.hessian(potential))(points, lam, eta, rho))
    axis = torch.arange(lam.shape[-1]).repeat(2)
    mismatches = ((eig > 0).sum(-1) != lam.shape[-1] - axis) | ((eig < 0).sum(-1) != axis)
    scale = (lam**2 / beta).amax(-1, keepdim=True)
    return {
        "eig": eig,
        "beta": beta,
        "sign_mismatches": int(mismatches.sum()),
        "grad": (grads.norm(dim=-1) / scale).max().item(),
        "lowest": eig[:, axis >= 1, 0],
    }


def potential_at(u: Tensor, lam: Tensor, eta: Tensor, rho: Tensor) -> Tensor:
    """:func:`potential` at every point of ``u (n, k, d)``, spectrum and parameters per row."""
    return _per_point(potential)(u, lam, eta, rho)


def descent_on_potential(
    lam: Tensor, eta: Tensor, rho: Tensor, w0: Tensor, steps: int
) -> dict[str, float]:
    """Lemma 10 along SAM from ``w0 (n, k, d)`` on spectra ``lam (n, d)``, ``eta, rho (n,)``: the
    largest relative error of ``u_{t+1} = u_t - eta rho grad J(u_t)`` for ``u_t = (-1)^t w_t``
    (autograd gradient) and the largest ``J(u_{t+1}) - J(u_t)`` minus the printed bound, relative to
    ``max_t |J(u_t)|`` of the run."""
    e3, r3 = eta[:, None, None], rho[:, None, None]
    w = updates.run(updates.sam(r3), landscapes.diagonal_quadratic(lam[:, None]), w0, e3, steps).w
    u = w * (-1.0) ** torch.arange(steps + 1)[:, None, None, None]
    over_time = lambda f: torch.func.vmap(f, in_dims=(0, None, None, None))
    gJ = over_time(_per_point(torch.func.grad(potential)))(u, lam, eta, rho)
    J = over_time(potential_at)(u, lam, eta, rho)
    gd_err = linalg.relative_error((u[:-1] - e3 * r3 * gJ[:-1]).flatten(0, 2), u[1:].flatten(0, 2))
    beta = lemma5(lam, eta[:, None], rho[:, None])["beta"][:, None]
    lu = (lam[:, None] * u).norm(dim=-1, keepdim=True)
    bound = -(u**2 * (1 - beta / lu) ** 2 * (2 - e3 * lam[:, None]) ** 2 * lam[:, None]).sum(-1) / (
        2 * r3[..., 0]
    )
    slack = (J[1:] - J[:-1] - bound[:-1]) / J.abs().amax(0)
    return {
        "gd_error": gd_err,
        "slack": slack.max().item(),
        "steps": steps * w0.shape[0] * w0.shape[1],
    }


def lemma4_search(n: int, generator: torch.Generator) -> dict[str, int]:
    """Lemma 4 on ``n`` random ``(x, a, b, alpha, beta)`` with ``x > 0``, ``0 <= a < b``, ``alpha >
    beta >= 0``, ``a alpha >= b beta`` (a tenth each on ``a = 0``, ``beta = 0`` and ``a alpha = b
    beta``; ``x`` up to three times the root ``(a alpha + b beta)/(a + b)``): ``bad``, the points
    where ``a^2(x - alpha)^2 > b^2(x - beta)^2`` and ``x < root`` disagree, among the ``decided``
    ones (not within 1e-9 of the root), ``below`` of which lie below the root; ``outside``: sampled
    points that violate the conditions."""
    gen, every = generator, lambda k: torch.arange(k, n, 10)
    a = torch.rand(n, generator=gen).index_fill(0, every(0), 0.0)
    b = a + 2 * torch.rand(n, generator=gen) + 1e-3
    beta = torch.rand(n, generator=gen).index_fill(0, every(1), 0.0) * (a > 0)
    slack = (2 * torch.rand(n, generator=gen)).index_fill(0, every(2), 0.0)
    alpha = torch.where(a > 0, b * beta / a, 0) + torch.where(beta > 0, slack, slack + 1e-3)
    root = (a * alpha + b * beta) / (a + b)
    x = 3 * torch.rand(n, generator=gen) * (root + 0.1) + 1e-9
    decided = (x - root).abs() > 1e-9 * (x + root)
    agree = (a**2 * (x - alpha) ** 2 > b**2 * (x - beta) ** 2) == (x < root)
    outside = (a >= b) | (alpha <= beta) | (a * alpha < b * beta * (1 - 1e-12)) | (x <= 0)
    return {
        "bad": int((~agree & decided).sum()),
        "decided": int(decided.sum()),
        "below": int((x < root)[decided].sum()),
        "outside": int(outside.sum()),
    }


def two_step_jacobian_error(lam: Tensor, eta: Tensor, rho: float) -> float:
    """Largest relative error between the autograd Jacobian of two SAM steps at the cycle point
    ``(beta_1/lambda_1) e_1`` of each spectrum (rows of ``lam``, step ``eta (n,)``) and
    ``diag(m_i^2)``, ``m_1 = 1 - eta lambda_1``, ``m_i = 1 - eta lambda_i - (lambda_i/lambda_1)^2 (2
    - eta lambda_1)``."""
    sam = lambda x, l, e: updates.step(updates.sam(rho), landscapes.diagonal_quadratic(l), x, e)
    start = torch.zeros_like(lam)
    start[:, 0] = cycle_radius(lam[:, 0], eta, rho)
    jac = torch.func.vmap(torch.func.jacrev(lambda x, l, e: sam(sam(x, l, e), l, e)))(
        start, lam, eta
    )
    m = 1 - eta[:, None] * lam - (lam / lam[:, :1]) ** 2 * (2 - eta[:, None] * lam[:, :1])
    m[:, 0] = 1 - eta * lam[:, 0]
    return linalg.relative_error(jac, torch.diag_embed(m**2))


def quartic_remainder_ratio(eta_lambda1: float, a: float, rhos) -> float:
    """On ``l(w) = w^2/2 + a w^4`` (``lambda_1 = 1``, ``B = 24 a``, no cubic term), the largest over
    ``rhos`` of the measured remainder of Theorem 21's expansion divided by its printed bound."""
    loss = lambda w: (w**2).sum() / 2 + a * (w**4).sum()
    ratios = []
    for rho in rhos:
        e = step_expansion(loss, torch.zeros(1), rho, eta_lambda1)
        err = (e["step"] - e["printed"]).norm(dim=-1).max()
        ratios.append((err / remainder_bound(eta_lambda1, rho, 1.0, 24 * a)).item())
    return max(ratios)


def figure_potential(lam: Tensor, eta, rho, u: Tensor, half_widths=(0.3, 0.06)):
    """Heat map of ``J`` for ``d = 2`` with the iterates ``u (T, 2)`` and the four stationary
    points."""
    import matplotlib.pyplot as plt

    hx, hy = half_widths
    g1, g2 = torch.meshgrid(
        torch.linspace(-hx, hx, 301), torch.linspace(-hy, hy, 241), indexing="xy"
    )
    J = torch.func.vmap(torch.func.vmap(lambda p: potential(p, lam, eta, rho)))(
        torch.stack([g1, g2], -1)
    )
    stat = (
        torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        * lemma5(lam, eta, rho)["beta"]
        / lam
    )
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    fig.colorbar(
        ax.pcolormesh(g1.numpy(), g2.numpy(), J.numpy(), shading="auto", cmap="viridis"),
        ax=ax,
        label="$J(u)$",
    )
    ax.plot(u[:, 0], u[:, 1], "w.-", ms=5, lw=0.8, label=f"$u_0,\\dots,u_{{{len(u) - 1}}}$")
    ax.plot(stat[:, 0], stat[:, 1], "k+", ms=12, mew=2, label="stationary points")
    ax.set(xlabel="$u_1$", ylabel="$u_2$", xlim=(-hx, hx), ylim=(-hy, hy))
    ax.legend(loc="lower left", fontsize=8)
    return fig


def figure_iterates(w: Tensor, lam: Tensor, eta, rho, zoom: float = 0.2):
    """SAM's iterates ``w (T, 2)`` over the level sets of ``1/2 w' diag(lam) w``, whole and
    zoomed."""
    import matplotlib.pyplot as plt

    c = cycle_radius(lam[0].item(), eta, rho)
    lo, hi = min(w.min().item(), -0.5), max(w.max().item(), 0.5) * 1.1
    x1, x2 = torch.meshgrid(torch.linspace(lo, hi, 200), torch.linspace(lo, hi, 200), indexing="xy")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, title in zip(axes, (f"first {len(w) - 1} iterates", "zoom near the origin")):
        ax.contour(
            x1, x2, (lam[0] * x1**2 + lam[1] * x2**2) / 2, levels=15, colors="0.75", linewidths=0.6
        )
        ax.plot(w[:, 0], w[:, 1], ".-", color=RULE_COLORS["sam"], ms=5, lw=0.8)
        ax.plot([c, -c], [0, 0], "k+", ms=10, mew=1.5)
        ax.set(xlabel="$w_1$", ylabel="$w_2$", aspect="equal", title=title)
    axes[1].set(xlim=(-zoom, zoom), ylim=(-zoom, zoom))
    return fig


def figure_convergence(
    distance: Tensor,
    eps: float,
    gap: Tensor,
    gap_steps: Tensor,
    gap_slope: float,
    bound_vs_steps: dict[str, tuple[list, list]],
):
    """Left: distance to the cycle over steps (``distance (T, runs)``, median and 10-90%); middle:
    steps to the cycle against the gap (``gap_steps (G, runs)``) with the order ``1/g`` through the
    last point; right: the most steps against Theorem 3's bound, per scan (``{name: (bounds,
    steps)}``)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    quantile_band(
        axes[0], range(len(distance)), distance, color=RULE_COLORS["sam"], label="median, 10–90%"
    )
    axes[0].axhline(eps, color="k", ls=":", lw=1)
    axes[0].set(yscale="log", xlabel="step $t$", ylabel="distance to the cycle")
    q = torch.quantile(gap_steps.double(), torch.tensor([0.1, 0.5, 0.9]), dim=1)
    axes[1].errorbar(
        gap,
        q[1],
        yerr=[q[1] - q[0], q[2] - q[1]],
        fmt="o-",
        color=RULE_COLORS["sam"],
        capsize=3,
        label=f"measured, slope {gap_slope:.2f}",
    )
    axes[1].loglog(gap[-3:], q[1][-1] * gap[-1] / gap[-3:], "k--", lw=1.5, label="order $1/g$")
    axes[1].set(xlabel=r"gap $g = \lambda_1^2/\lambda_2^2 - 1$", ylabel="steps to the cycle")
    for (name, (bounds, steps)), marker in zip(bound_vs_steps.items(), "osD^v"):
        axes[2].loglog(bounds, steps, marker, label=name)
    lims = [
        min(min(s) for _, s in bound_vs_steps.values()) / 2,
        max(max(b) for b, _ in bound_vs_steps.values()) * 2,
    ]
    axes[2].loglog(lims, lims, "k:", lw=1, label="steps = bound")
    axes[2].set(xlabel="Theorem 3's bound", ylabel="most steps over the starts")
    for ax in axes:
        ax.legend(fontsize=8)
    return fig


def figure_stability(eta_lambda1: Tensor, converged: Tensor, median_steps: Tensor, angles: Tensor):
    """Left: fraction of runs at the cycle and median steps against ``eta lambda_1``; right:
    histogram of the angles of the limits when ``lambda_1 = lambda_2``."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 3.6), gridspec_kw={"wspace": 0.5})
    ax1.plot(
        eta_lambda1, converged, "o-", color=RULE_COLORS["sam"], ms=3, label="fraction converged"
    )
    ax1.axvspan(0, 0.5, color="0.85", label=r"theorem: $\eta\lambda_1 < 1/2$")
    ax1.axvline(2, color="k", ls=":", lw=1)
    ax1.set(xlabel=r"$\eta\lambda_1$", ylabel="fraction of runs at the cycle", ylim=(-0.05, 1.05))
    axr, stable = ax1.twinx(), eta_lambda1 < 2
    axr.semilogy(eta_lambda1[stable], median_steps[stable], "s--", color=RULE_COLORS["gd"], ms=3)
    axr.set_ylabel("median steps", color=RULE_COLORS["gd"])
    axr.grid(False)
    ax1.legend(loc="center left", fontsize=8)
    ax2.hist(angles, bins=36, range=(0, math.pi), color=RULE_COLORS["sam"])
    ax2.set(
        xlabel=r"angle of the limit in span$\{e_1, e_2\}$ (mod $\pi$)",
        ylabel="runs",
        title=r"$\lambda_1 = \lambda_2$",
    )
    return fig


def figure_drift(landscape, paths: dict[str, Tensor], sgd: Tensor | None = None, box=(-0.6, 1.2)):
    """Trajectories ``{rule: (T, 2)}`` over the level sets of a 2-D ``landscape`` (left) and the
    sharpness along each (right); ``sgd (T, runs, 2)`` adds one SGD run and the band over all."""
    import matplotlib.pyplot as plt

    g1, g2 = torch.meshgrid(torch.linspace(*box, 200), torch.linspace(*box, 200), indexing="xy")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax1.contour(
        g1, g2, landscape.loss(torch.stack([g1, g2], -1)), levels=20, colors="0.8", linewidths=0.6
    )
    steps = lambda p: torch.arange(len(p)) + 1
    for r, p in paths.items():
        ax1.plot(p[:, 0], p[:, 1], ".-", ms=2, lw=0.6, color=RULE_COLORS[r], label=r.upper())
        ax2.plot(steps(p), landscape.sharpness(p), color=RULE_COLORS[r], label=r.upper())
    if sgd is not None:
        ax1.plot(
            sgd[:, 0, 0],
            sgd[:, 0, 1],
            ".",
            ms=1,
            color=RULE_COLORS["momentum"],
            alpha=0.5,
            label="SGD (one run)",
        )
        quantile_band(
            ax2,
            steps(sgd),
            landscape.sharpness(sgd),
            color=RULE_COLORS["momentum"],
            alpha=0.25,
            label=f"SGD median, 10–90% of {sgd.shape[1]}",
        )
    ax1.set(xlabel="$w_1$", ylabel="$w_2$", aspect="equal", xlim=box, ylim=box)
    ax2.set(
        xscale="log", xlabel="step $t$ + 1", ylabel=r"sharpness $\lambda_{\max}(\nabla^2\ell(w_t))$"
    )
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    return fig


def convergence_scan(
    base: dict,
    scans: dict,
    *,
    n_starts: int,
    lam1: float,
    rho: float,
    eps: float,
    max_steps: int,
    delta: float,
    generator: torch.Generator,
) -> list[dict]:
    """SAM to the cycle (:func:`until_cycle`) from ``n_starts`` starts ``N(0, I_d)`` and Theorem 3's
    bound (:func:`theorem3_bound` with :func:`gaussian_start`) at every setting: ``base`` (keys
    ``gap``, ``kappa``, ``eta_lambda1``, ``d``) with one key set to each value in ``scans[key]``.
    Per setting: the setting, ``scan`` (the key varied), ``steps``, ``converged``, ``held`` (the
    largest), ``bound`` (the terms and ``total``) and ``late``, the fraction of starts not converged
    by the bound."""
    runs = []
    for name, value in ((name, value) for name, values in scans.items() for value in values):
        s = base | {name: value, "scan": name}
        lam, eta = spectrum(s["gap"], s["kappa"], s["d"], lam1), s["eta_lambda1"] / lam1
        r = until_cycle(
            lam,
            eta,
            rho,
            torch.randn(n_starts, s["d"], generator=generator),
            eps=eps,
            max_steps=max_steps,
        )
        bound = theorem3_bound(lam, eta, rho, eps, delta=delta, **gaussian_start(s["d"], delta))
        late = (~r.converged | (r.steps > bound["total"])).double().mean().item()
        runs.append(
            s
            | {
                "steps": r.steps,
                "converged": r.converged,
                "held": r.held.max().item(),
                "bound": bound,
                "late": late,
            }
        )
    return runs


def scan_exponents(runs: list[dict], generator: torch.Generator, last: int = 3) -> dict[str, dict]:
    """Per scan of :func:`convergence_scan`, over its ``last`` settings: the log-log slope of the
    median steps against the varied constant (``steps``), its bootstrap standard error over the
    starts (``se``) and the slope of Theorem 3's bound (``bound``)."""
    out = {}
    for name in dict.fromkeys(r["scan"] for r in runs):
        rs = [r for r in runs if r["scan"] == name][-last:]
        x = torch.tensor([float(r[name]) for r in rs])
        steps, se = fit.loglog_slope_bootstrap(
            x, torch.stack([r["steps"] for r in rs]), generator=generator
        )
        bound = fit.loglog_slope(x, torch.tensor([r["bound"]["total"] for r in rs])).item()
        out[name] = {"steps": steps, "se": se, "bound": bound}
    return out
