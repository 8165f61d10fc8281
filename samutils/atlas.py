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


_EXPLORER = """<div class="samutils-atlas" data-drawn="0">
<label>momentum γ = <span class="gamma-value">0</span>
<input type="range" min="0" max="0.99" step="0.01" value="0" class="gamma"></label>
<canvas width="900" height="440" style="max-width: 100%;"></canvas>
<script>
(() => {
  const root = document.currentScript.parentElement;
  const canvas = root.querySelector("canvas"), slider = root.querySelector(".gamma");
  const marks = __MARKS__, colours = ["#4a90d9", "#e8a33d", "#c0392b"];
  const effective = (s, P, Q) => __X__;  // x = eta lambda (1 + rho lambda), lambda = s |lambda|
  const jury = (x, gamma) => [__P1__, __PM1__];  // p(1), p(-1) of z^2 - (1 + gamma - x) z + gamma
  const lo = -3, hi = 2, W = 430, H = 380, top = 30;  // log10 range of both axes; panel size
  const draw = () => {
    const gamma = Number(slider.value), ctx = canvas.getContext("2d");
    root.querySelector(".gamma-value").textContent = gamma.toFixed(2);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    [-1, 1].forEach((s, k) => {
      const left = 20 + k * (W + 20), image = ctx.createImageData(W, H);
      for (let i = 0; i < W; i++) for (let j = 0; j < H; j++) {
        const P = 10 ** (lo + (hi - lo) * i / W), Q = 10 ** (hi - (hi - lo) * j / H);
        const [p1, pm1] = jury(effective(s, P, Q), gamma);
        const c = colours[p1 > 0 && pm1 > 0 ? 0 : p1 <= 0 ? 1 : 2], o = 4 * (j * W + i);
        [0, 1, 2].forEach(n => image.data[o + n] = parseInt(c.slice(1 + 2 * n, 3 + 2 * n), 16));
        image.data[o + 3] = 255;
      }
      ctx.putImageData(image, left, top);
      ctx.fillStyle = "black"; ctx.font = "15px sans-serif";
      ctx.fillText(s < 0 ? "λ < 0 (saddle direction)" : "λ > 0 (minimum)", left, 20);
      ctx.fillText("η|λ| from 1e-3 to 1e2 →; ρ|λ| from 1e-3 (bottom) to 1e2", left, top + H + 20);
      marks.filter(m => m.s === s).forEach(m => {
        const i = W * (Math.log10(m.P) - lo) / (hi - lo);
        const j = H * (hi - Math.log10(m.Q)) / (hi - lo);
        ctx.beginPath(); ctx.arc(left + i, top + j, 5, 0, 2 * Math.PI);
        ctx.fillStyle = "white"; ctx.fill(); ctx.stroke();
        const right = i < 0.6 * W, width = ctx.measureText(m.name).width;  // label inside the panel
        ctx.fillStyle = "black";
        ctx.fillText(m.name, left + i + (right ? 8 : -8 - width), top + j + 4);
      });
    });
    root.dataset.drawn = "1";
  };
  slider.addEventListener("input", draw);
  draw();
})();
</script>
<p>Blue: attracts; orange: repels monotonically; red: left by oscillation.</p>
</div>"""


def explorer_html(x_js: str, p1_js: str, pm1_js: str, marks: list[dict]) -> str:
    """A self-contained HTML explorer of USAM with heavy-ball momentum (no remote script): the
    classes over ``(eta|lambda|, rho|lambda|)`` on both sides of ``lambda = 0`` for the ``gamma``
    a slider sets. ``x_js`` (in ``s``, ``P``, ``Q``), ``p1_js`` and ``pm1_js`` (in ``x``,
    ``gamma``) are JavaScript expressions of the derived effective curvature and Jury values;
    ``marks``: ``{"name", "s", "P", "Q"}`` points to mark."""
    import json

    html = _EXPLORER
    for key, value in (("__X__", x_js), ("__P1__", p1_js), ("__PM1__", pm1_js)):
        html = html.replace(key, value)
    return html.replace("__MARKS__", json.dumps(marks, ensure_ascii=False))
