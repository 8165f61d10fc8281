import pytest
import torch

from samutils import moments, updates


def test_linear_maps_of_heavy_ball_usam_by_hand():
    # state (w, m), gradient lam w + xi in both of USAM's gradients (one mini-batch):
    # m' = gamma m + lam (w + rho (lam w + xi)) + xi = gamma m + a w + (1 + rho lam) xi, w' = w -
    # eta m'
    lam, rho, eta, gamma = -0.5, 1.5, 0.1, 0.9
    a = lam * (1 + rho * lam)

    def step(x, xi):
        g = lambda z: lam * z
        w, m = updates.momentum_step(
            updates.usam(rho),
            updates.with_noise(g, xi[..., :1]),
            x[..., :1],
            x[..., 1:],
            eta,
            gamma,
        )
        return torch.cat([w, m], -1)

    A, N = moments.linear_maps(step, 2, 1)
    assert torch.allclose(
        A, torch.tensor([[1 - eta * a, -eta * gamma], [a, gamma]], dtype=torch.float64)
    )
    kappa = 1 + rho * lam
    assert torch.allclose(N, torch.tensor([[-eta * kappa], [kappa]], dtype=torch.float64))


def test_linear_maps_keeps_the_batch_and_refuses_an_offset():
    rates = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64).view(3, 1)
    A, N = moments.linear_maps(lambda x, xi: x - 0.1 * (rates * x + xi), 1, 1)
    assert A.shape == N.shape == (3, 1, 1)
    assert torch.allclose(A.flatten(), 1 - 0.1 * rates.flatten())
    with pytest.raises(ValueError, match="not linear"):
        moments.linear_maps(lambda x, xi: x + 1.0, 1, 1)


def test_recursion_covariance_of_an_ar1_by_hand():
    r, q = 0.9, 2.0
    A = torch.tensor([[r]], dtype=torch.float64)
    N = torch.tensor([[0.5]], dtype=torch.float64)
    S = moments.recursion_covariance(A, N, torch.tensor([[q]], dtype=torch.float64), [0, 1, 5, 40])
    k = torch.tensor([0, 1, 5, 40], dtype=torch.float64)
    assert torch.allclose(S[:, 0, 0], 0.25 * q * (1 - r ** (2 * k)) / (1 - r**2))


def test_recursion_covariance_matches_many_particles():
    gen = torch.Generator().manual_seed(1)
    A = torch.tensor([[0.9, -0.2], [0.3, 0.8]], dtype=torch.float64)
    N = torch.tensor([[1.0], [0.5]], dtype=torch.float64)
    x = torch.zeros(200_000, 2, dtype=torch.float64)
    for _ in range(10):
        x = x @ A.T + torch.randn(200_000, 1, generator=gen, dtype=torch.float64) @ N.T
    S = moments.recursion_covariance(A, N, torch.eye(1, dtype=torch.float64), [10])[0]
    assert torch.allclose(x.T @ x / len(x), S, rtol=0.02)


def test_sde_covariance_of_ornstein_uhlenbeck_and_free_diffusion():
    a, s2 = torch.tensor([2.0, -1.0], dtype=torch.float64), 3.0
    t = torch.tensor([0.0, 0.3, 1.0], dtype=torch.float64).view(3, 1)
    S = moments.sde_covariance((-a).view(2, 1, 1), torch.full((1, 1), s2, dtype=torch.float64), t)
    assert S.shape == (3, 2, 1, 1)
    assert torch.allclose(S[..., 0, 0], s2 / (2 * a) * -torch.expm1(-2 * a * t))


def test_sde_covariance_of_a_particle_with_friction():
    # dw = v dt, dv = -phi v dt + s dW: E v^2 = s^2/(2 phi)(1 - e^{-2 phi t}),
    # E w^2 = s^2/phi^2 [t - 2(1 - e^{-phi t})/phi + (1 - e^{-2 phi t})/(2 phi)]
    phi, s2, t = 3.0, 2.0, 0.7
    F = torch.tensor([[0.0, 1.0], [0.0, -phi]], dtype=torch.float64)
    GGt = torch.tensor([[0.0, 0.0], [0.0, s2]], dtype=torch.float64)
    S = moments.sde_covariance(F, GGt, t)
    e1, e2 = torch.exp(torch.tensor(-phi * t)), torch.exp(torch.tensor(-2 * phi * t))
    assert torch.allclose(S[1, 1], s2 / (2 * phi) * (1 - e2).double())
    ww = s2 / phi**2 * (t - 2 * (1 - e1) / phi + (1 - e2) / (2 * phi))
    assert torch.allclose(S[0, 0], ww.double())


def test_minibatch_covariance_of_two_samples_by_hand():
    g = torch.tensor([[1.0, 2.0], [3.0, -2.0]], dtype=torch.float64)  # two samples
    C = moments.minibatch_covariance(g, batch=4)
    d = g[0] - g[1]
    assert torch.allclose(C, torch.outer(d, d) / 4 / 4)


def test_saddle_usam_maps_outer_and_shared_noise_by_hand():
    lam = torch.tensor([1.0, -0.5], dtype=torch.float64)
    rho = torch.tensor([0.0, 2.0], dtype=torch.float64).view(2, 1)
    eta, gamma = 0.1, 0.5
    a, kappa = lam * (1 + rho * lam), 1 + rho * lam
    for shared, factor in ((False, torch.ones_like(kappa)), (True, kappa)):
        A, N = moments.saddle_usam_maps(lam, rho, eta, gamma, shared)
        assert A.shape == (2, 2, 2, 2) and N.shape == (2, 2, 2, 1)
        assert torch.allclose(A[..., 0, 0], 1 - eta * a) and torch.allclose(A[..., 1, 0], a)
        assert torch.allclose(A[..., 0, 1], torch.full_like(a, -eta * gamma))
        assert torch.allclose(A[..., 1, 1], torch.full_like(a, gamma))
        assert torch.allclose(N[..., 0, 0], -eta * factor) and torch.allclose(N[..., 1, 0], factor)
