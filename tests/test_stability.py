import torch

from samutils import landscapes, stability


def test_spectral_radius_by_hand():
    lam = torch.tensor([-2.0, 2.0], dtype=torch.float64)
    # eta = 0.1, rho = 1: 1 - 0.1 * (-2) * (-1) = 0.8 and 1 - 0.1 * 2 * 3 = 0.4
    r = stability.usam_spectral_radius(lam, torch.tensor(0.1), torch.tensor(1.0))
    assert torch.isclose(r, torch.tensor(0.8, dtype=torch.float64))


def test_phase_diagram_of_x2_minus_y2_matches_the_prediction():
    f = landscapes.saddle_x2_minus_y2()
    etas = torch.logspace(-2, 0, 6, dtype=torch.float64)
    rhos = torch.linspace(0, 2, 7, dtype=torch.float64)
    offset = torch.tensor([6e-4, 8e-4], dtype=torch.float64)
    ratio, radius, flow_ok = stability.phase_diagram(f, (0.0, 0.0), etas, rhos, 800, offset)
    assert ratio.shape == radius.shape == flow_ok.shape == (6, 7)
    counts = stability.agreement(ratio, radius, flow_ok, 800)
    assert counts["decisive"] >= 30 and counts["mismatches"] == 0
    # rho = 0 is GD: repelled along y; rho = 1, eta = 0.01 attracts (radius 0.98 < 1)
    assert ratio[0, 0] > 1 and flow_ok[:, 0].logical_not().all()
    assert ratio[0, 3] < 1e-2 and flow_ok[0, 3]


def test_noisy_quadratic_rates_without_noise_are_the_linear_factor_squared():
    a = torch.tensor([0.5, 3.0], dtype=torch.float64)
    cases = [(0.0, 1), (0.5, 4)]
    L, rate, se = stability.noisy_quadratic_rates(a, cases, 3, 0.5, 0.0, 5, None)
    assert L.shape == (6, 2, 2, 3) and rate.shape == se.shape == (2, 2)
    for i, (rho, _) in enumerate(cases):
        assert torch.allclose(rate[i], (1 - 0.5 * a * (1 + rho * a)) ** 2)
    assert se.abs().max() < 1e-12
    noisy = stability.noisy_quadratic_rates(
        a, cases, 4000, 0.5, 1.0, 5, torch.Generator().manual_seed(0)
    )
    m = lambda a_, rho, k: (
        (1 - 0.5 * a_ * (1 + rho * a_)) ** 2
        + 0.25 * k * a_**2 * (rho**2 * a_**2 + (1 + rho * a_) ** 2 + rho**2 * k * a_**2)
    )  # the exact rate of the expected loss for this noise
    assert ((noisy[1][1] - m(a, 0.5, 0.25)).abs() < 4 * noisy[2][1]).all()


def test_lemma_c2_helpers():
    gen = torch.Generator().manual_seed(0)
    assert stability.loss_by_distance_violations(500, 4, gen) == 0
    assert stability.null_space_move(200, 20, 0.5, 0.5, 2.0, gen) == 0.0
    assert stability.walk_norm_deviation(20000, 30, gen) < 5.0


def test_noise_free_usam_check_agrees_with_the_linear_factor():
    decisive, mismatches = stability.noise_free_usam_check(0.5, steps=100, n=20)
    assert decisive > 200 and mismatches == 0


def test_pl_helpers_on_a_quadratic():
    gen = torch.Generator().manual_seed(0)
    par = stability.pl_admissible(1000, gen)
    assert set(par) == {"eta", "rho", "L", "mu", "s"} and par["eta"].shape == (1000,)
    assert (
        par["eta"] <= torch.minimum(1 / (2 * par["L"]), par["mu"] / (2 * par["L"] * par["s"]))
    ).all()
    assert (par["rho"] * par["L"] <= 1 / 48 + 1e-12).all() and (par["mu"] <= par["L"]).all()
    quad = landscapes.quadratic([[1.0]])
    mu, reversed_pl = stability.pl_constant(quad, 5.0, 1001)
    assert abs(mu - 1) < 1e-12 and abs(reversed_pl - 1) < 1e-12  # |L'|^2 = 2 L exactly
    drop, keep = stability.pl_proof_steps(quad, 1.0, 1.0, 0.01, 2000, gen)
    assert drop > 0.3 and keep < 0.01  # b - a = rho (a + xi) on a quadratic, up to rounding
    pairs = [(0.5, 0.0), (0.25, 0.01)]
    t, EL, bound, worst = stability.pl_noisy_runs(quad, pairs, 200, 0.5, 30, 3.0, 1.0, gen)
    assert EL.shape == bound.shape == (31, 2) and worst.shape == (2,) and (worst < 1).all()
    assert torch.allclose(bound[:, 0], 4.5 * 0.75 ** t.double())


def test_figures_draw():
    import matplotlib.pyplot as plt

    a = torch.linspace(0.1, 6, 5)
    cases = [(0.0, 1), (0.0, 4), (0.5, 1), (0.5, 4)]
    r = torch.rand(4, 5) + 0.5
    fig = stability.figure_noisy_rates(a, cases, r, r / 10, r, r, [1, 2, 1, 2], 0.5, 1.0)
    assert len(fig.axes) == 2
    fig = stability.figure_mean_escape(torch.rand(26, 50) + 0.1, 1.2, 1.1, "title")
    assert fig.axes[0].get_title() == "title"
    t = torch.arange(11)
    fig = stability.figure_pl_convergence(t, torch.rand(11, 2), torch.rand(11, 2), [(0.1, 0.0)] * 2)
    assert len(fig.axes[0].get_lines()) == 4
    plt.close("all")
