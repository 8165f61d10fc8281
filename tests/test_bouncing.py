import math

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from samutils import bouncing as bo
from samutils import landscapes, updates

torch.set_default_dtype(torch.float64)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_cycle_radius_and_lemma5_by_hand():
    lam, eta, rho = torch.tensor([1.0, 0.5]), 0.2, 1.0
    assert bo.cycle_radius(1.0, eta, rho) == pytest.approx(0.2 / 1.8)
    crit = bo.lemma5(lam, eta, rho)
    assert torch.allclose(crit["gamma"], torch.tensor([0.2 / 0.8, 0.05 / 0.9]))
    assert torch.allclose(crit["beta"], torch.tensor([0.2 / 1.8, 0.05 / 1.9]))
    alpha2 = (0.8 * 0.25 + 0.9 * 0.05 / 0.9) / 1.7
    assert torch.allclose(crit["alpha"], torch.tensor([0.25, alpha2]))
    assert crit["b"].item() == pytest.approx(0.2)


def test_cycle_points_map_to_each_other_and_distance():
    lam, eta, rho = bo.spectrum(0.3, 5.0, 6, 2.0), 0.2, 1.0
    assert lam[0] == 2.0 and lam[-1].item() == pytest.approx(0.4)
    assert (lam[0] / lam[1]).item() ** 2 - 1 == pytest.approx(0.3)
    c = bo.cycle_radius(2.0, eta, rho)
    point = torch.zeros(6)
    point[0] = c
    nxt = updates.step(updates.sam(rho), landscapes.diagonal_quadratic(lam), point, eta)
    assert torch.allclose(nxt, -point)
    assert bo.cycle_distance(point, lam, eta, rho).item() == pytest.approx(0.0, abs=1e-15)
    off = point + torch.tensor([0.0, 3.0, 4.0, 0.0, 0.0, 0.0])
    assert bo.cycle_distance(-off, lam, eta, rho).item() == pytest.approx(5.0)


def test_until_cycle_counts_steps_and_checks_the_alternation():
    lam, eta, rho = bo.spectrum(0.3, 5.0, 4, 2.0), 0.2, 1.0
    run = bo.until_cycle(
        lam, eta, rho, torch.randn(50, 4, generator=gen()), eps=1e-8, max_steps=5000
    )
    assert run.converged.all() and (run.steps > 0).all()
    assert (run.held < 1).all()
    assert (bo.cycle_distance(run.final, lam, eta, rho) < 1e-8).all()
    # beyond eta lambda_1 = 2 nothing converges and nothing is held
    bad = bo.until_cycle(
        lam, 1.1, rho, torch.randn(5, 4, generator=gen(1)), eps=1e-8, max_steps=500
    )
    assert not bad.converged.any() and (bad.held == 0).all()


def test_potential_minimum_value_and_descent_along_sam():
    lam, eta, rho = torch.tensor([1.0, 0.2]), 0.2, 1.0
    c = bo.cycle_radius(1.0, eta, rho)
    beta1 = bo.lemma5(lam, eta, rho)["beta"][0]
    assert bo.potential(torch.tensor([c, 0.0]), lam, eta, rho).item() == pytest.approx(
        -beta1.item() / 2
    )
    L, E, R = bo.random_spectra(4, 3, gen(), equal_top=2)
    assert (
        (L[2:, 0] == L[2:, 1]).all() and (E * L[:, 0] < 0.5).all() and ((R > 0.1) & (R < 2.1)).all()
    )
    out = bo.descent_on_potential(L, E, R, torch.randn(4, 5, 3, generator=gen(2)), 50)
    assert out["gd_error"] < 1e-10 and out["slack"] <= 1e-12 and out["steps"] == 4 * 5 * 50


def test_gaussian_start_constants_have_the_stated_probabilities():
    d, delta = 5, 0.02
    st = bo.gaussian_start(d, delta)
    assert st["A"] == pytest.approx((2 * math.pi) ** (-d / 2))
    p_norm = torch.special.gammainc(torch.tensor(d / 2), torch.tensor(st["R"] ** 2 / 2)).item()
    assert p_norm == pytest.approx(1 - delta / 2, abs=1e-10)
    p_small = math.erf(math.sqrt(st["q"] / 2))  # P(w_1^2 < q) for a standard normal w_1
    assert p_small == pytest.approx(delta / 2, abs=1e-10)


def test_theorem3_bound_terms_by_hand_and_conditions():
    lam, eta, rho, eps = torch.tensor([1.0, 0.5, 0.25]), 0.2, 1.0, 1e-6
    R, q, A, delta = 2.0, 0.1, 0.05, 0.01
    b = bo.theorem3_bound(lam, eta, rho, eps, R=R, q=q, A=A, delta=delta)
    m = min(0.2 * 0.25, 1 / 0.25 - 1)
    assert b["T1"] == pytest.approx(6 / (0.2 * 0.25**6 * m) * math.log(4 / 0.2))
    assert b["T2"] == pytest.approx(
        (math.log(4 * 1.2**2 / (0.25**2 * eps**2)) + math.log(R**2 / q)) / m
    )
    assert b["T4"] == pytest.approx(6 / 0.2 * math.log(2 * 1.2 / (0.25 * eps)))
    lp, d, e = math.log(R / 0.2), 3, 0.2 * 0.25
    inner = (
        math.log(2 * R)
        + lp
        + math.log(9 * 6 ** (d + 3) * R**3 / (e ** (d + 3) * 0.2**3)) / e
        + math.log(
            4 * math.pi ** (d / 2) * 0.8 ** (d - 1) * lp * A / (math.gamma(d / 2) * delta * e)
        )
    )
    assert b["T3"] == pytest.approx(2 * lp / (e * m) * inner)
    assert b["total"] == pytest.approx(b["T1"] + b["T2"] + b["T3"] + b["T4"])
    assert (
        bo.theorem3_bound(lam, eta, rho, eps, R=0.1, q=q, A=A, delta=delta)["T3"] == 0.0
    )  # R < eta rho lambda_1
    with pytest.raises(ValueError):
        bo.theorem3_bound(lam, 0.6, rho, eps, R=R, q=q, A=A, delta=delta)
    with pytest.raises(ValueError):
        bo.theorem3_bound(lam, eta, rho, 0.5, R=R, q=q, A=A, delta=delta)


def test_convergence_scan_and_exponents():
    runs = bo.convergence_scan(
        {"gap": 0.3, "kappa": 5.0, "eta_lambda1": 0.4, "d": 4},
        {"gap": [0.03, 0.01, 0.003]},
        n_starts=20,
        lam1=2.0,
        rho=1.0,
        eps=1e-8,
        max_steps=20_000,
        delta=0.01,
        generator=gen(),
    )
    assert [r["gap"] for r in runs] == [0.03, 0.01, 0.003] and all(r["late"] == 0 for r in runs)
    fits = bo.scan_exponents(runs, gen(1))
    assert -1.2 < fits["gap"]["steps"] < -0.8 and fits["gap"]["bound"] < 0


def test_step_expansion_is_exact_in_one_dimension():
    a, eta, rho = 1e-3, 0.5, 2.0
    loss = lambda w: (w**2).sum() / 2 + 0.1 * (w**3).sum() + a * (w**4).sum()
    e = bo.step_expansion(loss, torch.zeros(1), rho, eta)
    c = eta * rho / (2 - eta)
    assert e["eps"].item() == pytest.approx(c)
    for row, s in zip(e["step"], (1, -1)):  # the step is -eta l'(s (c + rho)) exactly
        x = s * (c + rho)
        assert row.item() == pytest.approx(-eta * (x + 0.3 * x**2 + 4 * a * x**3))
    assert e["grad_lmax"].item() == pytest.approx(0.6)
    assert torch.allclose(e["missing"], torch.zeros(2, 1))
    # the remainder is eta B (c + rho)^3/6 exactly, B = 24 a
    remainder = (e["step"] - e["printed"]).abs().max().item()
    assert remainder == pytest.approx(eta * 24 * a * (c + rho) ** 3 / 6)
    assert bo.quartic_remainder_ratio(eta, a, [rho]) == pytest.approx(
        remainder / bo.remainder_bound(eta, rho, 1.0, 24 * a)
    )


def test_expansion_errors_orders_and_the_missing_term():
    lam = torch.tensor([1.0, 0.5, 0.0])
    loss = bo.random_cubic_loss(lam, 0.0, gen(3))
    assert torch.allclose(
        torch.linalg.eigvalsh(torch.func.hessian(loss)(torch.zeros(3))), lam.sort().values
    )
    rhos = [0.02, 0.01, 0.005]
    e = bo.expansion_errors(loss, torch.zeros(3), rhos, lambda r: 0.2)
    ratio = lambda key: (e[key][:-1] / e[key][1:]).log2()
    assert (ratio("printed") < 2.3).all() and (ratio("corrected") > 2.7).all()


def test_lemma4_search_and_lemma5_disagreements_find_none():
    l4 = bo.lemma4_search(5000, gen())
    assert l4["bad"] == 0 and l4["outside"] == 0 and 0 < l4["below"] < l4["decided"]
    L, E, R = bo.random_spectra(300, 5, gen(1))
    l5 = bo.lemma5_disagreements(L, E, R, gen(2))
    assert l5["order"] == l5["part2"] == l5["part3"] == 0
    assert l5["ball"] <= 1 + 1e-12 and l5["fixed"] < 1e-12 and l5["ball_points"] > 0


def test_stationary_points_and_two_step_jacobian():
    L, E, R = bo.random_spectra(20, 4, gen())
    st = bo.stationary_points(L, E, R)
    assert st["sign_mismatches"] == 0 and st["grad"] < 1e-10 and st["lowest"].shape == (20, 6)
    assert (st["lowest"] < 0).all()
    L, E, _ = bo.random_spectra(20, 4, gen(1), eta_lambda1_max=1.99)
    assert bo.two_step_jacobian_error(L, E, 1.0) < 1e-10


def test_figures_draw():
    lam = torch.tensor([1.0, 0.2])
    w = updates.run(
        updates.sam(1.0), landscapes.diagonal_quadratic(lam), torch.tensor([0.244, 0.0224]), 0.2, 5
    ).w
    assert len(bo.figure_potential(lam, 0.2, 1.0, w).axes) == 2
    assert len(bo.figure_iterates(w, lam, 0.2, 1.0).axes) == 2
    steps = torch.tensor([[10, 12], [30, 33], [100, 90]])
    fig = bo.figure_convergence(
        torch.rand(20, 4) + 1e-9,
        1e-8,
        torch.tensor([0.1, 0.03, 0.01]),
        steps,
        -1.0,
        {"gap": ([1e4, 1e5, 1e6], [12, 33, 100])},
    )
    assert len(fig.axes) == 3
    assert (
        len(
            bo.figure_stability(
                torch.tensor([0.5, 2.1]),
                torch.tensor([1.0, 0.0]),
                torch.tensor([10.0, 0.0]),
                torch.rand(10),
            ).axes
        )
        == 3
    )
    ravine = landscapes.ravine(1)
    paths = {"sam": updates.run(updates.sam(1.0), ravine.grad, torch.tensor([1.0, 1.0]), 0.2, 5).w}
    sgd = updates.run(updates.gd(), ravine.grad, torch.ones(3, 2), 0.2, 5).w
    assert len(bo.figure_drift(ravine, paths, sgd).axes) == 2
