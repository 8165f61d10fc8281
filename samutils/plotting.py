"""One figure style for the whole book, and ``savefig`` to ``<outdir>/figures/<slug>/``."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "axes.prop_cycle": matplotlib.cycler(
        color=["#1f4e79", "#c0392b", "#2e8b57", "#e67e22", "#7d3c98", "#7f8c8d"]
    ),
    "svg.hashsalt": "sam-dynamics",  # identical SVG bytes on every run
}

#: Colours fixed per update rule, so GD/USAM/SAM look the same in every chapter.
RULE_COLORS = {
    "gd": "#1f4e79",
    "sgd": "#1f4e79",
    "usam": "#c0392b",
    "sam": "#2e8b57",
    "momentum": "#e67e22",
}


def use_style() -> None:
    """Apply the book's matplotlib style."""
    plt.rcParams.update(STYLE)


def savefig(fig, name: str, outdir: Path, slug: str) -> list[Path]:
    """Save ``fig`` as PNG and SVG under ``<outdir>/figures/<slug>/<name>``; return the paths."""
    folder = Path(outdir) / "figures" / slug
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{ext}" for ext in ("png", "svg")]
    for p in paths:
        fig.savefig(p, metadata={"Date": None} if p.suffix == ".svg" else {"Software": None})
    return paths


def quantile_band(ax, x, samples, *, color, label=None, q=(0.1, 0.5, 0.9), alpha=0.3):
    """Draw the median of ``samples`` (shape ``(len(x), n)``) over ``x`` and the band between
    its lower and upper quantiles ``q``; return the three quantile curves (shape ``(3,
    len(x))``)."""
    import torch

    samples = torch.as_tensor(samples, dtype=torch.float64)
    curves = torch.quantile(samples, torch.tensor(q, dtype=torch.float64), dim=1)
    ax.fill_between(x, curves[0], curves[2], color=color, alpha=alpha, lw=0)
    ax.plot(x, curves[1], color=color, label=label)
    return curves


def runs_and_center(ax, x, runs, *, color, label=None, center="mean", logy=False):
    """Draw every run of ``runs`` (shape ``(len(x), n)``; ``x=None``: 0, 1, ...) as a thin grey
    line and their ``center`` (``"mean"`` or ``"median"`` over the runs) as a thick line of
    ``color``; log y axis if ``logy``. Returns the centre curve (shape ``(len(x),)``)."""
    import torch

    runs = torch.as_tensor(runs)
    x = torch.arange(len(runs)) if x is None else x
    mid = runs.mean(1) if center == "mean" else runs.median(1).values
    ax.plot(x, runs, color="0.65", lw=0.4, alpha=0.4)
    ax.plot(x, mid, color=color, lw=2.5, label=label)
    if logy:
        ax.set_yscale("log")
    return mid
