import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from samutils import plotting


def test_quantile_band_draws_the_median_and_returns_the_quantiles():
    samples = torch.arange(11.0, dtype=torch.float64).repeat(3, 1) + torch.arange(3.0).unsqueeze(-1)
    fig, ax = plt.subplots()
    curves = plotting.quantile_band(ax, [0, 1, 2], samples, color="k", label="median")
    assert torch.allclose(curves[1], torch.tensor([5.0, 6.0, 7.0], dtype=torch.float64))
    assert torch.allclose(curves[0], torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert ax.get_lines()[0].get_label() == "median" and len(ax.collections) == 1
    plt.close(fig)


def test_every_rule_has_its_colour_and_both_floors_know_the_same_rules():
    import pytest
    import sympy as sp

    from samutils import symbolic, updates
    from samutils.plotting import RULE_COLORS

    assert set(symbolic.RULES) <= set(RULE_COLORS)
    x = sp.Symbol("x")
    for name in symbolic.RULES:
        updates.rule(name, 0.1)
        symbolic.ascent_point(x**2, [x], name, 0.1)
    for bad in (lambda: updates.rule("adam"), lambda: symbolic.ascent_point(x**2, [x], "adam", 0)):
        with pytest.raises(ValueError, match="allowed: gd, usam, sam"):
            bad()


def test_runs_and_center_draws_each_run_thin_and_the_centre_thick():
    runs = torch.tensor([[1.0, 2.0, 9.0], [2.0, 4.0, 12.0]], dtype=torch.float64)
    fig, ax = plt.subplots()
    mid = plotting.runs_and_center(ax, None, runs, color="r", label="mean", logy=True)
    assert torch.allclose(mid, torch.tensor([4.0, 6.0], dtype=torch.float64))
    lines = ax.get_lines()
    assert len(lines) == 4 and lines[-1].get_linewidth() == 2.5 and ax.get_yscale() == "log"
    assert lines[-1].get_label() == "mean" and list(lines[0].get_xdata()) == [0, 1]
    med = plotting.runs_and_center(ax, [0.0, 1.0], runs, color="k", center="median")
    assert torch.allclose(med, torch.tensor([2.0, 4.0], dtype=torch.float64))
    plt.close(fig)
