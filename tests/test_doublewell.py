import math

import pytest
import torch

from samutils import doublewell


def brute_force_sam_objective(theta, rho, mu):
    eps = torch.linspace(-1, 1, 4001, dtype=torch.float64)
    return doublewell.loss(theta[:, None] + rho * eps, mu).amax(-1)


def test_sam_objective_matches_brute_force():
    theta = torch.linspace(-2, 2, 801, dtype=torch.float64)
    for mu, rho in ((1.0, 0.3), (1.0, 0.9), (2.0, 0.5)):
        got = doublewell.sam_objective(theta, rho, mu)
        assert torch.allclose(got, brute_force_sam_objective(theta, rho, mu), atol=1e-5)


def test_minimizer_of_the_sam_objective_jumps_to_zero_at_rho_c():
    theta = torch.linspace(-2, 2, 40001, dtype=torch.float64)
    for rho in (0.2, 0.5, 0.7, 0.72, 1.0):
        F = doublewell.sam_objective(theta, rho, 1.0)
        want = doublewell.sam_minimizer(torch.tensor(rho, dtype=torch.float64), 1.0)
        best = doublewell.sam_objective(want, rho, 1.0)
        assert best - 1e-12 <= F.min() <= best + 1e-4, rho  # no grid point below it
        if rho < math.sqrt(0.5):  # a unique pair of minimizers
            assert abs(theta[F.argmin()].abs() - want) < 2e-4, rho
    rho_c = torch.tensor(math.sqrt(0.5), dtype=torch.float64)
    assert doublewell.sam_minimizer(rho_c - 1e-9) > 0.7
    assert doublewell.sam_minimizer(rho_c) == 0


def test_readings_at_the_optima():
    rho = torch.tensor([0.0, 0.6], dtype=torch.float64)
    theta = torch.tensor([-1.0, 0.8], dtype=torch.float64)  # sqrt(1 - 0.36) = 0.8
    r = doublewell.global_opt_readings(theta, rho)
    assert r["|θ| − √μ"].tolist() == [0.0, pytest.approx(0.2)]
    assert torch.allclose(r["|θ| − √(μ−ρ²)"], torch.zeros(2, dtype=torch.float64), atol=1e-15)
    assert torch.allclose(r["SAM objective − its minimum"], torch.zeros(2, dtype=torch.float64))
    assert r["loss ℓ(θ)"][0] == 0 and r["loss ℓ(θ)"][1] > 0


def test_tolerances_are_the_closeness_in_each_readings_units():
    rho = torch.tensor([0.0, 0.3], dtype=torch.float64)
    tol = doublewell.reading_tolerances(0.01, rho)
    assert torch.allclose(tol["|θ| − √μ"], torch.full((2,), 0.01, dtype=torch.float64))
    assert torch.allclose(tol["|θ| − √(μ−ρ²)"], torch.full((2,), 0.01, dtype=torch.float64))
    assert torch.allclose(
        tol["loss ℓ(θ)"], doublewell.loss(torch.tensor(1.01, dtype=torch.float64))
    )
    star = doublewell.sam_minimizer(rho[1])
    above = doublewell.sam_objective(star + 0.01, 0.3) - doublewell.sam_objective(star, 0.3)
    below = doublewell.sam_objective(star - 0.01, 0.3) - doublewell.sam_objective(star, 0.3)
    assert torch.isclose(tol["SAM objective − its minimum"][1], torch.maximum(above, below))


def test_fractions_count_runs_near_each_optimum():
    rho = torch.tensor([0.0, 0.6], dtype=torch.float64)
    theta = torch.tensor(
        [[1.0, -1.0005, 0.5, float("nan")], [0.8, -0.8, 1.0, 0.0]], dtype=torch.float64
    )
    frac = doublewell.global_opt_fractions(theta, rho, [1e-3])
    assert frac["|θ| − √μ"].tolist() == [[0.5, 0.25]]
    assert frac["|θ| − √(μ−ρ²)"].tolist() == [[0.5, 0.5]]
