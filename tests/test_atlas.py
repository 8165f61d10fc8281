import math

import pytest
import torch

from samutils import atlas, updates

torch.set_default_dtype(torch.float64)


def test_quadratic_is_the_gradient_of_half_lam_w_squared():
    w = torch.tensor([[2.0], [-3.0]])
    assert torch.equal(atlas.quadratic(torch.tensor(-0.5))(w), torch.tensor([[-1.0], [1.5]]))


def test_simulate_and_observed_by_hand():
    # GD multipliers 1 - eta lam: 0.5 (attracts), 1.5 (monotone, lam < 0), -1.5 (oscillates)
    lam = torch.tensor([[1.0], [-1.0], [1.0]])
    eta = torch.tensor([[0.5], [0.5], [2.5]])
    sim = atlas.simulate(updates.gd(), lam, eta, 40)
    assert torch.allclose(sim["ratio"], torch.tensor([0.5, 1.5, 1.5]) ** 40)
    assert sim["alternating"].tolist() == [False, False, True]
    assert atlas.observed(sim).tolist() == [atlas.ATTRACT, atlas.MONOTONE, atlas.OSCILLATE]


def test_simulate_freezes_before_overflow_and_keeps_the_sign_pattern():
    lam, eta = torch.tensor([[1.0], [-1.0]]), torch.tensor([[30.0], [30.0]])  # 1 - x = -29, 31
    sim = atlas.simulate(updates.gd(), lam, eta, 1000, blowup=1e50)
    assert sim["escaped"].all() and torch.isfinite(sim["ratio"]).all()
    assert atlas.observed(sim).tolist() == [atlas.OSCILLATE, atlas.MONOTONE]


def test_undecided_between_thresholds():
    sim = {
        "ratio": torch.tensor([0.5]),
        "escaped": torch.tensor([False]),
        "alternating": torch.tensor([False]),
    }
    assert atlas.observed(sim).tolist() == [atlas.UNDECIDED]


def test_momentum_simulation_follows_the_two_step_recursion():
    lam, eta, gamma = torch.tensor(1.0), torch.tensor([[0.3]]), torch.tensor([[0.6]])
    sim = atlas.simulate(updates.gd(), lam, eta, 7, gamma=gamma)
    w_prev, w = 1.0, 1.0 - 0.3  # m1 = lam w0, w1 = w0 - eta m1
    for _ in range(6):
        w_prev, w = w, (1 + 0.6 - 0.3) * w - 0.6 * w_prev
    assert sim["ratio"].item() == pytest.approx(abs(w), rel=1e-12)


def test_roots_and_spectral_radius():
    x, g = torch.tensor([0.3, -0.5, 5.0]), torch.tensor([0.6, 0.2, 0.5])
    z1, z2 = atlas.roots(x, g)
    for k in range(3):
        c = [1.0, -(1 + g[k].item() - x[k].item()), g[k].item()]
        for z in (z1[k].item(), z2[k].item()):
            assert abs(c[0] * z * z + c[1] * z + c[2]) < 1e-12
    r = atlas.spectral_radius(x, g)
    assert torch.allclose(r, torch.maximum(z1.abs(), z2.abs()))
    assert torch.equal(atlas.spectral_radius(torch.tensor([0.5, 2.5])), torch.tensor([0.5, 1.5]))


def test_predicted_classes_and_band():
    steps = 100
    assert atlas.band(steps) == pytest.approx(math.log(1e3) / steps)
    x = torch.tensor([0.5, -0.5, 2.5, 1.999, -1e-4])
    pred = atlas.predicted(x, 0.0, atlas.spectral_radius(x), steps)
    assert pred.tolist() == [
        atlas.ATTRACT,
        atlas.MONOTONE,
        atlas.OSCILLATE,
        atlas.UNDECIDED,
        atlas.UNDECIDED,
    ]
    xm = torch.tensor([3.5, 3.9])  # gamma = 0.9: edge at 3.8
    gm = torch.tensor([0.9, 0.9])
    assert atlas.predicted(xm, gm, atlas.spectral_radius(xm, gm), 1000).tolist() == [
        atlas.ATTRACT,
        atlas.OSCILLATE,
    ]


def test_compare_counts_contradictions_only_where_decisive():
    pred = torch.tensor([0, 1, 2, -1, 0])
    seen = torch.tensor([0, 2, 2, 0, -1])
    c = atlas.compare(pred, seen)
    assert (c["points"], c["decisive"], c["contradictions"]) == (5, 4, 2)
    assert c["by_class"] == {"attracts": 2, "repels monotonically": 1, "left by oscillation": 1}


def test_nsam_map_matches_the_runner_in_its_units():
    eta, rho, lam = 0.3, 0.7, -2.0
    w = torch.tensor([[0.4], [-0.1]])
    step = updates.step(updates.sam(rho), atlas.quadratic(torch.tensor(lam)), w, eta)
    unit = eta * rho * abs(lam)
    assert torch.allclose(step / unit, atlas.nsam_map(w / unit, torch.tensor(eta * lam)))


def test_simulate_needs_a_batch():
    with pytest.raises(ValueError, match="batch"):
        atlas.simulate(updates.gd(), torch.tensor(1.0), torch.tensor(0.5), 3)


def test_explorer_is_self_contained_and_carries_the_derived_expressions():
    html = atlas.explorer_html(
        "s*P*(1 + s*Q)", "x", "2*gamma - x + 2", [{"name": "K", "s": -1, "P": 0.02, "Q": 2}]
    )
    assert "(s, P, Q) => s*P*(1 + s*Q)" in html and "[x, 2*gamma - x + 2]" in html
    assert '"name": "K"' in html and "__" not in html
    assert "src=" not in html and "http" not in html  # nothing is fetched
