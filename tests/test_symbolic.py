import pytest
import sympy as sp

from samutils import symbolic

w, a, eta, rho = sp.symbols("w a eta rho", real=True)


def test_update_maps_on_a_1d_quadratic():
    loss = a * w**2 / 2
    assert sp.simplify(symbolic.update_map(loss, [w], "gd", eta)[0] - (w - eta * a * w)) == 0
    assert (
        sp.simplify(
            symbolic.update_map(loss, [w], "usam", eta, rho)[0] - (w - eta * a * (1 + rho * a) * w)
        )
        == 0
    )


def test_sam_ascent_point_has_length_rho():
    x, y = sp.symbols("x y", real=True)
    p = symbolic.ascent_point(x**2 + 3 * y**2, [x, y], "sam", rho) - sp.Matrix([x, y])
    assert sp.simplify((p.T * p)[0] - rho**2) == 0


def test_jacobian_of_usam_map_at_zero():
    loss = a * w**2 / 2
    J = symbolic.jacobian(symbolic.update_map(loss, [w], "usam", eta, rho), [w])
    assert sp.simplify(J[0] - (1 - eta * a * (1 + rho * a))) == 0


def test_gradient_at_point():
    x, y = sp.symbols("x y")
    g = symbolic.gradient_at(x**2 * y, [x, y], sp.Matrix([y, x]))
    assert list(g) == [2 * y * x, y**2]


def test_symmetric_matrix():
    H = symbolic.symmetric_matrix("h", 3)
    assert H == H.T and len(H.free_symbols) == 6


def test_unknown_rule():
    with pytest.raises(ValueError, match="'sgdm'"):
        symbolic.ascent_point(w**2, [w], "sgdm", rho)


def test_latex_eq_and_show():
    assert symbolic.latex_eq(sp.Symbol("x"), "1") == "x = 1"
    assert "x" in symbolic.show(sp.Symbol("x"), 2).data


def test_normal_expectation_uses_the_moments_of_a_standard_normal():
    e, c = sp.symbols("e c", real=True)
    assert sp.expand(symbolic.normal_expectation((c + a * e) ** 2, e) - (c**2 + a**2)) == 0
    assert symbolic.normal_expectation(e**4 + e**3 + 2, e) == 5
    assert symbolic.normal_expectation(c, e) == c
