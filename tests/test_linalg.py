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
