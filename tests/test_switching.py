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


def test_switch_map_marks_the_runs_unstable_for_usam():
    from samutils import landscapes

    tanh_ex = landscapes.tanh_example()
    etas, rhos = torch.tensor([0.5, 2.5]), torch.tensor([0.0, 0.5])
    kw = dict(gd_cap=5000, sam_steps=400, switch_loss=1e-12)
    out = switching.switch_map(tanh_ex, etas, rhos, 3, torch.Generator().manual_seed(0), **kw)
    assert out["two_phase"].shape == out["usam_x"].shape == (2, 2, 3)
    assert not out["two_phase"][0].any()  # eta = 0.5: every minimum is stable for GD and USAM
    assert out["two_phase"][1, 1].all() and (out["usam_x"][1, 1] > 2).all()
    assert (out["usam_x"][1, 0] <= 2 + 1e-9).all()  # rho = 0 is GD: it stopped at a stable minimum


def test_example41_starts_lie_in_the_sharper_region():
    w0 = switching.example41_starts(1000, torch.Generator().manual_seed(1))
    assert w0.shape == (1000, 2) and (w0[:, 0] >= 1.5).all() and (w0[:, 0] <= 3).all()
    assert (w0[:, 1].abs() <= 0.5).all()


def test_network_switch_and_interpolation_stats():
    gens = (torch.Generator().manual_seed(0), torch.Generator().manual_seed(1))
    x, labels = torch.eye(4), torch.tensor([0, 1, 0, 1])
    kw = dict(eta=0.5, batch_size=4, sgd_steps=300, sam_steps=6, record_steps=4, rho=0.05)
    net = switching.network_switch(x, labels, [4, 3, 2], [0, 1], gens, **kw)
    assert net.Y.shape == (4, 2) and net.w_sgd.shape == net.w_sam_end.shape
    assert net.L["sam"].shape == net.L["usam"].shape == (5, 2)
    assert torch.equal(net.L["sam"][0], net.L["usam"][0])  # both start from the SGD solutions
    assert set(net.profile["usam"]) == {"rise_steps", "first_step_share", "rate", "growth"}
    L = torch.tensor([[1.0, 1.0], [1.5, 1.05], [2.0, 2.0]])
    D2 = torch.tensor([[0.1, 0.3], [0.2, 0.2], [0.5, 0.1]])
    stats = switching.interpolation_stats(L, D2, 0.1)
    assert stats["barrier"].tolist() == [False, False]  # the largest loss is the end's
    L[1, 1] = 2.5
    assert switching.interpolation_stats(L, D2, 0.1)["barrier"].tolist() == [False, True]
    assert torch.allclose(stats["second_rise"], torch.tensor([0.4, -0.2]))


def test_figures_draw():
    import matplotlib.pyplot as plt

    from samutils import landscapes

    tanh_ex = landscapes.tanh_example()
    w0 = torch.tensor([[2.0, 0.3], [2.5, -0.2]], dtype=torch.float64)
    kw = dict(gd_cap=5000, sam_steps=40, switch_loss=1e-12)
    gd_run, usam_run = switching.gd_then_usam(tanh_ex, w0, 2.5, 0.5, **kw)
    figs = [switching.figure_two_phases(tanh_ex, w0, gd_run, usam_run, 2.5, 0.5)]
    L = tanh_ex.loss(usam_run.w)
    figs.append(switching.figure_escape(L, torch.tensor([4.0, 4.0]), L[:4]))
    fr = {"two_phase": torch.rand(3, 2), "gd_converged": torch.rand(3, 2)}
    figs.append(
        switching.figure_switch_map(
            torch.linspace(1, 4, 3), torch.linspace(0, 2, 2), fr, torch.rand(3, 2), (2.5, 0.5)
        )
    )
    figs.append(switching.figure_network_escape({"sam": L + 1e-9, "usam": L + 1e-9}, 0.05))
    figs.append(
        switching.figure_interpolation(torch.linspace(0, 1, 5), torch.rand(5, 3), torch.rand(5, 3))
    )
    assert [len(f.axes) for f in figs] == [1, 1, 3, 2, 2]
    assert figs[0].axes[0].get_legend().get_texts()[-1].get_text().endswith("^{\\mathrm{end}}$")
    plt.close("all")
