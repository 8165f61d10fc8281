import pytest
import torch

from samutils import landscapes, linalg


def test_map_jacobian_of_linear_map():
    A = torch.randn(3, 3)
    J = linalg.map_jacobian(lambda x: A @ x, torch.randn(4, 2, 3))
    assert J.shape == (4, 2, 3, 3) and torch.allclose(J, A.expand(4, 2, 3, 3))


def test_gradient_and_hessian_of_quadratic():
    H = linalg.random_symmetric(1, 4)[0]
    loss = lambda x: x @ H @ x / 2
    w = torch.randn(5, 4)
    assert torch.allclose(linalg.gradient(loss, w), w @ H)
    assert torch.allclose(linalg.hessian(loss, w), H.expand(5, 4, 4))


def test_random_symmetric_and_eigvalsh():
    g = torch.Generator().manual_seed(1)
    Hs = linalg.random_symmetric(10, 5, generator=g)
    assert torch.allclose(Hs, Hs.mT)
    lam = linalg.eigvalsh(Hs)
    assert lam.shape == (10, 5) and (lam.diff(dim=-1) >= 0).all()
    assert torch.allclose(lam.sum(-1), torch.diagonal(Hs, dim1=-2, dim2=-1).sum(-1))


def test_relative_error():
    b = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    a = b + torch.tensor([[0.0, 0.5], [0.0, 0.0]])
    assert linalg.relative_error(a, b) == 0.1


def test_sharpness_gradient_on_a_valley():
    # l = (1 + z^2) x^2 / 2: on x = 0 the Hessian is diag(1 + z^2, 0), so grad lambda_max = (0, 2z)
    loss = lambda w: (1 + w[1] ** 2) * w[0] ** 2 / 2
    z = torch.tensor([-1.0, 0.5, 2.0])
    w = torch.stack([torch.zeros(3), z], -1)
    assert torch.allclose(
        linalg.sharpness_gradient(loss, w), torch.stack([torch.zeros(3), 2 * z], -1)
    )


def _quadratic_with_spectrum(lam):
    Q, _ = torch.linalg.qr(
        torch.randn(len(lam), len(lam), generator=torch.Generator().manual_seed(3))
    )
    H = Q @ torch.diag(lam) @ Q.T
    return H, lambda w: w @ H @ w / 2


def test_hvp_is_hessian_times_vector():
    H, loss = _quadratic_with_spectrum(torch.tensor([3.0, 1.0, -2.0, 0.5]))
    v = torch.randn(4)
    assert torch.allclose(linalg.hvp(loss, torch.randn(4))(v), H @ v, atol=1e-13)


def test_power_iteration_and_lanczos_on_a_known_spectrum():
    lam = torch.tensor([5.0, 4.0, 1.0, 0.3, -0.5, -1.0])
    H, loss = _quadratic_with_spectrum(lam)
    v0 = torch.randn(6, generator=torch.Generator().manual_seed(0))
    top, v = linalg.power_iteration(lambda x: H @ x, v0, iters=500, tol=1e-14)
    assert abs(top - 5.0) < 1e-10 and torch.allclose(H @ v, 5.0 * v, atol=1e-5)
    top, v = linalg.lanczos_top(lambda x: H @ x, v0, iters=6)
    assert abs(top - 5.0) < 1e-12 and torch.allclose(H @ v, 5.0 * v, atol=1e-10)
    assert abs(linalg.top_hessian_eigenvalue(loss, torch.randn(6)) - 5.0) < 1e-12


def test_power_iteration_keeps_the_sign_of_a_negative_dominant_eigenvalue():
    H, _ = _quadratic_with_spectrum(torch.tensor([2.0, 1.0, -6.0]))
    lam, v = linalg.power_iteration(lambda x: H @ x, torch.ones(3), iters=500)
    assert abs(lam + 6.0) < 1e-8 and torch.allclose(H @ v, -6.0 * v, atol=1e-6)


def test_power_iteration_says_when_it_has_not_converged():
    beale = landscapes.beale()
    H = linalg.hessian(beale.loss, torch.tensor([0.0, 1.0]))  # the saddle: eigenvalues +-27.75
    assert torch.allclose(linalg.eigvalsh(H), torch.tensor([-27.75, 27.75]))
    with pytest.raises(linalg.NotConverged, match="lanczos_top"):
        linalg.power_iteration(lambda x: H @ x, torch.tensor([1.0, 0.3]))
    assert abs(linalg.lanczos_top(lambda x: H @ x, torch.tensor([1.0, 0.3]))[0] - 27.75) < 1e-12


def test_lanczos_stops_on_an_invariant_subspace():
    H = torch.diag(torch.tensor([2.0, 7.0, 1.0]))
    top, v = linalg.lanczos_top(lambda x: H @ x, torch.tensor([1.0, 0.0, 1.0]))
    assert abs(top - 2.0) < 1e-12 and not v.isnan().any()


def test_top_hessian_eigenvalue_of_a_tiny_mlp():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(20, 3, generator=g), torch.randn(20, generator=g)

    def loss(w):
        W1, b1, W2 = w[:12].reshape(4, 3), w[12:16], w[16:20]
        return ((torch.tanh(x @ W1.T + b1) @ W2 - y) ** 2).mean()

    w = torch.randn(20, generator=g)
    exact = torch.linalg.eigvalsh(torch.func.hessian(loss)(w))[-1].item()
    assert abs(linalg.top_hessian_eigenvalue(loss, w, iters=20) - exact) < 1e-10 * abs(exact)
