import pytest
import sympy as sp
import torch

from samutils import landscapes, linalg

ALL = [
    landscapes.beale(),
    landscapes.saddle_x2_minus_y2(),
    landscapes.double_well(2),
    landscapes.quadratic([[1, 2], [2, -3]]),
    landscapes.ravine(),
    landscapes.tanh_example(),
    landscapes.subquadratic_valley(4, sp.Rational(1, 100)),
    landscapes.pl_sine(),
    landscapes.toy_network(),
]


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
    assert torch.equal(
        f.hessian(torch.zeros(4, 2)), torch.tensor([[2.0, 0.0], [0.0, -2.0]]).expand(4, 2, 2)
    )


def test_double_well_minima():
    f = landscapes.double_well(4)
    assert torch.allclose(f.grad(torch.tensor([[2.0], [-2.0], [0.0]])), torch.zeros(3, 1))
    assert f.loss(torch.tensor([2.0])) == 0
    # values away from the minima, by hand: (4 - 0)^2 = 16 at the top, (4 - 9)^2 = 25 at 3
    assert torch.allclose(f.loss(torch.tensor([[0.0], [3.0]])), torch.tensor([16.0, 25.0]))
    assert torch.allclose(
        f.grad(torch.tensor([1.0])), torch.tensor([-12.0])
    )  # -4 theta (mu - theta^2)
    assert landscapes.double_well().loss(torch.tensor([1.0])) == 0  # mu = 1 by default


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


def test_tanh_example_sharpness_on_the_minima():
    f = landscapes.tanh_example()
    u = torch.linspace(-2, 2, 9)
    H = f.hessian(torch.stack([u, torch.zeros_like(u)], -1))
    assert torch.allclose(
        H, torch.diag_embed(torch.stack([torch.zeros_like(u), torch.tanh(u) ** 2], -1)), atol=1e-15
    )
    assert (
        f.loss(torch.stack([torch.zeros(5), torch.linspace(-3, 3, 5)], -1)) == 0
    ).all()  # the valley u = 0


def test_subquadratic_valley_by_hand():
    f = landscapes.subquadratic_valley(4, sp.Rational(1, 100))  # a eps = 0.04
    z = torch.tensor([[0.0], [0.02], [-0.02], [0.5], [-0.5]])
    # L'(z) = z (a - |z| / (2 eps)) inside, ±a² eps / 2 = ±0.08 outside; L'' = max(a - |z|/eps, 0)
    assert torch.allclose(f.grad(z)[:, 0], torch.tensor([0.0, 0.06, -0.06, 0.08, -0.08]))
    assert torch.allclose(f.hessian(z)[:, 0, 0], torch.tensor([4.0, 2.0, 2.0, 0.0, 0.0]))
    assert torch.allclose(
        f.loss(torch.tensor([[0.04], [-0.04]])), torch.full((2,), 4**3 * 0.01**2 / 3)
    )


def test_pl_sine_minimum():
    f = landscapes.pl_sine()
    assert f.loss(torch.zeros(1)) == 0 and f.hessian(torch.zeros(1)).item() == 8


def test_toy_network_minima_and_saddles():
    f = landscapes.toy_network()
    w1, w2 = f.symbols
    assert sp.simplify(f.expr.subs(w1, 1 / sp.sqrt(2 * w2)) - sp.Rational(9, 4)) == 0
    assert f.expr.subs(w1, 0) == sp.Rational(5, 2)
    assert f.gradient_expr.subs(w1, 0) == sp.zeros(2, 1)
    per_sample = [landscapes.toy_network((y,)) for y in (-1, 2)]
    assert sp.simplify(f.expr - (per_sample[0].expr + per_sample[1].expr) / 2) == 0


def test_diagonal_quadratic_is_the_gradient_of_the_quadratic():
    lam = torch.tensor([3.0, -1.0, 0.5], dtype=torch.float64)
    w = torch.randn(4, 3, dtype=torch.float64)
    q = landscapes.quadratic(sp.diag(3, -1, sp.Rational(1, 2)))
    assert torch.allclose(landscapes.diagonal_quadratic(lam)(w), q.grad(w))
