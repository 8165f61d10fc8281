import pytest
import sympy as sp
import torch

from samutils import landscapes, linalg

ALL = [landscapes.beale(), landscapes.saddle_x2_minus_y2(), landscapes.double_well(2), landscapes.quadratic([[1, 2], [2, -3]])]


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.name)
def test_gradient_and_hessian_match_autograd(f):
    w = torch.rand(50, f.dim) * 3 - 1.5
    assert torch.allclose(f.grad(w), linalg.gradient(f.loss, w), rtol=1e-12, atol=1e-12)
    assert torch.allclose(f.hessian(w), linalg.hessian(f.loss, w), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.name)
def test_shapes_follow_the_batch(f):
    w = torch.rand(2, 3, f.dim)
    assert f.loss(w).shape == (2, 3)
    assert f.grad(w).shape == (2, 3, f.dim)
    assert f.hessian(w).shape == (2, 3, f.dim, f.dim)


def test_beale_critical_points():
    f = landscapes.beale()
    assert f.loss(torch.tensor([3.0, 0.5])) == 0
    for point in ([3.0, 0.5], [0.0, 1.0]):
        assert torch.allclose(f.grad(torch.tensor(point)), torch.zeros(2), atol=1e-12)
    eig = torch.linalg.eigvalsh(f.hessian(torch.tensor([0.0, 1.0])))
    assert eig[0] < 0 < eig[1]  # (0, 1) is a saddle
    assert f.expr.subs(f.at([3, sp.Rational(1, 2)])) == 0


def test_constant_derivatives_broadcast():
    f = landscapes.saddle_x2_minus_y2()
    assert torch.equal(f.hessian(torch.zeros(4, 2)), torch.tensor([[2.0, 0.0], [0.0, -2.0]]).expand(4, 2, 2))


def test_double_well_minima():
    f = landscapes.double_well(4)
    assert torch.allclose(f.grad(torch.tensor([[2.0], [-2.0], [0.0]])), torch.zeros(3, 1))
    assert f.loss(torch.tensor([2.0])) == 0


def test_quadratic_from_tensor_and_rejects_asymmetric():
    f = landscapes.quadratic(torch.tensor([[2.0, 0.0], [0.0, 3.0]]))
    assert torch.allclose(f.grad(torch.tensor([1.0, 1.0])), torch.tensor([2.0, 3.0]))
    with pytest.raises(ValueError, match="symmetric"):
        landscapes.quadratic([[1, 2], [0, 1]])


def test_ravine_flattens_away_from_the_axis():
    f = landscapes.ravine()
    assert torch.allclose(f.hessian(torch.zeros(2)), torch.tensor([[2.0, 0.0], [0.0, 1.0]]))
    assert f.loss(torch.tensor([1.0, 1.0])) == pytest.approx(1 / 1.5 + 0.5)
    # on the valley w1 = 0 of the kappa = 0 variant the sharpness is 2 / (1 + w2^2 / 2)
    valley = landscapes.ravine(0)
    w = torch.tensor([[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    assert torch.allclose(valley.grad(w), torch.zeros(3, 2))
    assert torch.allclose(valley.sharpness(w), 2 / (1 + w[:, 1] ** 2 / 2))
