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
