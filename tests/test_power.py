import math
import random

import pytest

from samutils import power
from samutils.checks import positive


def test_detectable_is_z_plus_quantile_standard_errors():
    # z = 2, power 0.8: q = 0.8416; sd 1, n = 16 -> (2.8416)/4
    assert math.isclose(power.detectable(1.0, 16), (2 + 0.8416212335729143) / 4, rel_tol=1e-12)
    assert math.isclose(power.detectable(1.0, 16, power=0.5), 0.5, rel_tol=1e-12)
    with pytest.raises(ValueError):
        power.detectable(1.0, 1)


def test_detectable_from_uses_the_sample_sd():
    d = [1.0, 2.0, 3.0, 4.0]
    sd = math.sqrt(sum((x - 2.5) ** 2 for x in d) / 3)
    assert math.isclose(power.detectable_from(d), power.detectable(sd, 4))


def test_seeds_needed_inverts_detectable():
    n = power.seeds_needed(0.3, 1.0)
    assert power.detectable(1.0, n) <= 0.3 < power.detectable(1.0, n - 1)
    assert power.seeds_needed(100.0, 1.0) == 2


def test_the_power_is_what_positive_achieves_by_simulation():
    rng = random.Random(0)
    n, sd = 400, 1.0  # large n: the normal approximation is accurate
    delta = power.detectable(sd, n)
    hits = sum(
        positive("d", [rng.gauss(delta, sd) for _ in range(n)]).passed is True for _ in range(2000)
    )
    assert abs(hits / 2000 - 0.8) < 0.03


def test_scaled_effect():
    assert power.scaled_effect(5.0, 40.0, 8.0) == 1.0
    with pytest.raises(ValueError):
        power.scaled_effect(1.0, 0.0, 1.0)


def test_row():
    r = power.row("c", [1.0, 3.0], paper_effect=0.5)
    assert r["seeds"] == 2 and r["mean"] == 2.0 and r["paper (scaled)"] == 0.5
    assert math.isclose(r["detectable"], power.detectable_from([1.0, 3.0]))
    assert r["seeds for the paper's effect"] == power.seeds_needed(0.5, math.sqrt(2.0))
    assert power.row("c", [1.0, 3.0])["seeds for the paper's effect"] is None
