import math

import torch

from samutils import valleys


def test_leaves_on_a_quadratic_follows_the_linear_factor():
    grad = lambda w: 4.0 * w  # a z^2 / 2 with a = 4: factor 1 - 4 eta (1 + 4 rho)
    starts = torch.tensor([-0.5, 0.3], dtype=torch.float64)
    etas = torch.tensor([0.1, 0.6], dtype=torch.float64)
    rhos = torch.tensor([0.1, 0.1], dtype=torch.float64)
    out = valleys.leaves(grad, starts, etas, rhos, 50, 2.0)
    assert out.shape == (2, 2)
    assert not out[0].any() and out[1].all()  # |1 - 0.56| < 1 stays; |1 - 3.36| > 1 leaves


def test_min_ratio_of_the_cosine_is_near_zero_and_of_a_quadratic_is_c():
    cos_grad = lambda w: (math.pi / 2) * torch.sin(math.pi * w / 2)
    assert valleys.min_ratio(cos_grad, 2.0, 1.0) < 1e-3
    assert abs(valleys.min_ratio(lambda w: 3 * w, 1.5, 1.0) - 1.5) < 1e-12


def test_on_grid_separates_reaching_b_leaving_v_and_leaving_the_minimum():
    grad = lambda w: 4.0 * w  # factor 1 - 4 eta (1 + 4 rho): 0.6 / -1.0 / -1.56 for eta .1/.5/.64
    starts = torch.tensor([-0.5, 0.3], dtype=torch.float64)
    etas = torch.tensor([0.1, 0.5, 0.64], dtype=torch.float64)
    out = valleys.on_grid(grad, starts, etas, torch.tensor([0.0], dtype=torch.float64), 40, 1.0)
    assert set(out) == {"reach_b", "leave_V", "away_from_0"}
    assert all(v.shape == (3, 1, 2) for v in out.values())
    assert not out["away_from_0"][0].any() and out["away_from_0"][1].all()  # -1: a 2-cycle
    assert not out["reach_b"][1].any() and out["leave_V"][2].all()


def test_share_leaving_at_the_bound_and_beyond_it():
    grad = lambda w: 2.0 * w  # a = 2; bound (2 - eps) / max |L'| = 1.5 / 4 = 0.375 for eps = 0.5
    stay, r_min = valleys.share_leaving(grad, 0.5, lambda e, r: 0 * e, 11, 100, ratio_arg=1.5)
    assert stay == 0.0 and abs(r_min - 1.5) < 1e-12
    left, r_one = valleys.share_leaving(grad, 0.5, lambda e, r: 1 / e, 10, 100)
    assert left == 1.0 and r_one == 1.0  # factor 1 - 2 eta (1 + 2 / eta) = -3 - 2 eta


def test_figure_valley_draws():
    import matplotlib.pyplot as plt

    left = torch.rand(3, 4, 5) > 0.5
    fig = valleys.figure_valley(
        torch.logspace(-2, 0, 3), torch.logspace(-3, 0, 4), left, left, 4, (50, 12.5)
    )
    assert len(fig.axes) == 3 and len(fig.axes[0].get_lines()) == 4
    plt.close("all")
