import torch

from samutils import nets, switching


def test_mse_loss_is_zero_at_the_targets_and_half_the_squared_error():
    model = nets.mlp([2, 3])
    w = nets.flat(model)
    loss = switching.mse_loss(model)
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0))
    Y = nets.functional(model)(w, x).detach()
    assert loss(w, x, Y).abs() < 1e-12
    assert torch.isclose(loss(w, x, Y + 1), torch.tensor(1.5))  # half of 3 outputs, each off by 1


def test_escape_profile_tells_an_exponential_rise_from_a_jump():
    t = torch.arange(30, dtype=torch.float64)
    exponential = torch.minimum(1e-8 * 3.0**t, torch.tensor(1.0))
    jump = torch.where(t == 0, 1e-8, 1.0)
    prof = switching.escape_profile(torch.stack([exponential, jump], -1))
    assert torch.isclose(prof["rate"][0], torch.tensor(3.0, dtype=torch.float64))
    assert prof["first_step_share"][0] < 0.1 and torch.isclose(
        prof["first_step_share"][1], torch.tensor(1.0, dtype=torch.float64)
    )
    assert int(prof["rise_steps"][1]) == 1 and torch.isnan(prof["rate"][1])
    assert int(prof["rise_steps"][0]) == 17  # 3^17 e-8 > 0.5: the first point at half the maximum


def test_interpolation_second_difference_of_a_quadratic():
    loss = lambda w, x, Y: (w**2).sum()
    a, b = torch.zeros(2, 3, dtype=torch.float64), torch.ones(2, 3, dtype=torch.float64)
    lams = torch.linspace(0, 1, 5, dtype=torch.float64)
    L, second = switching.interpolate(loss, a, b, None, None, lams, 0.1)
    assert torch.allclose(L, (3 * lams**2).unsqueeze(-1).expand(5, 2))
    assert torch.allclose(
        second, torch.full((5, 2), 6 / 4, dtype=torch.float64)
    )  # phi''/4 with (2h)^2


def test_switch_runs_sgd_then_sam_with_the_same_step():
    model = nets.mlp([2, 2])
    loss = switching.mse_loss(model)
    x = torch.eye(2)
    W0 = nets.initial_weights(lambda: nets.mlp([2, 2]), [0, 1])
    w_sgd, W, w_end = switching.switch(
        loss,
        W0,
        x,
        x,
        eta=0.5,
        batch_size=2,
        sgd_steps=200,
        sam_steps=5,
        record_steps=3,
        rho=0.01,
        rule="sam",
        generator=torch.Generator().manual_seed(0),
    )
    assert (
        W.shape == (4, 2, W0.shape[1])
        and torch.equal(W[0], w_sgd)
        and not torch.equal(w_end, W[-1])
    )
    assert switching.full_loss(loss, w_sgd, x, x).max() < 1e-6


def test_gd_then_usam_on_the_tanh_example_shows_both_phases():
    from samutils import landscapes

    tanh_ex = landscapes.tanh_example()
    w0 = torch.tensor([[2.0, 0.3], [2.5, -0.2]], dtype=torch.float64)
    gd_run, usam_run = switching.gd_then_usam(
        tanh_ex, w0, 2.5, 0.5, gd_cap=5000, sam_steps=400, switch_loss=1e-12
    )
    out = switching.two_phase(tanh_ex, gd_run, usam_run, 1e-12)
    assert out["gd_converged"].all() and out["escaped"].all() and out["two_phase"].all()
    stay_gd, stay_usam = switching.gd_then_usam(
        tanh_ex, w0, 0.5, 0.0, gd_cap=5000, sam_steps=50, switch_loss=1e-12
    )
    assert not switching.two_phase(tanh_ex, stay_gd, stay_usam, 1e-12)["escaped"].any()
