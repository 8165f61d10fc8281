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
RULE_COLORS = {"gd": "#1f4e79", "sgd": "#1f4e79", "usam": "#c0392b", "sam": "#2e8b57", "momentum": "#e67e22"}


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
