import torch

from samutils import fit


def test_slope_recovers_lines_batched_and_masked():
    x = torch.arange(6.0, dtype=torch.float64)
    y = torch.stack([2 * x + 1, -0.5 * x + 3])
    assert torch.allclose(fit.slope(x, y), torch.tensor([2.0, -0.5], dtype=torch.float64))
    bent = torch.where(x < 3, x, 10 * x)  # slope 1 on the first three points only
    assert torch.isclose(fit.slope(x, bent, x < 3), torch.tensor(1.0, dtype=torch.float64))
    assert not torch.isclose(fit.slope(x, bent), torch.tensor(1.0, dtype=torch.float64))


def test_loglog_slope_is_the_power():
    x = torch.tensor([1.0, 2.0, 4.0, 8.0], dtype=torch.float64)
    assert torch.isclose(fit.loglog_slope(x, 3 * x**-1.5), torch.tensor(-1.5, dtype=torch.float64))


def test_loglog_slope_bootstrap_recovers_the_power_and_a_small_error():
    gen = torch.Generator().manual_seed(0)
    x = torch.tensor([1.0, 2.0, 4.0, 8.0], dtype=torch.float64)
    noise = 1 + 0.01 * torch.rand(4, 500, generator=gen, dtype=torch.float64)
    slope, se = fit.loglog_slope_bootstrap(x, 5 * x[:, None] ** -1.0 * noise, generator=gen)
    assert abs(slope + 1.0) < 3e-3 and 0 < se < 3e-3
    exact, zero = fit.loglog_slope_bootstrap(x, (x[:, None] ** 2).expand(4, 50), generator=gen)
    assert abs(exact - 2.0) < 1e-12 and zero < 1e-12
