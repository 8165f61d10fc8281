import torch

from samutils import linalg


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
    assert torch.allclose(linalg.sharpness_gradient(loss, w), torch.stack([torch.zeros(3), 2 * z], -1))
