import math

from samutils import proportions


def test_binomial_se_by_hand():
    assert math.isclose(proportions.binomial_se(0.5, 100), 0.05)


def test_z_scores():
    z = proportions.z_scores([0.5, 0.0, 0.0, 0.1], 100, [0.5, 0.0, 0.1, 0.1], 100)
    assert z[0] == 0 and z[1] == 0 and z[3] == 0
    assert math.isclose(z[2], 0.1 / proportions.binomial_se(0.1, 100))
    assert proportions.z_scores([1.0], 10, [0.0], 10) == [math.inf]
