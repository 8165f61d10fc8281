import pytest
import torch
from torch import nn

from samutils import nets, updates
from samutils.optim import SAM, running_stats_frozen


def _problem():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 3, generator=g), torch.randn(16, 2, generator=g)
    torch.manual_seed(1)
    model = nets.mlp([3, 5, 2], nn.Tanh)
    f = nets.functional(model)
    loss = lambda w: ((f(w, x) - y) ** 2).mean()
    return model, x, y, loss


@pytest.mark.parametrize("rule, gamma", [("sam", 0.0), ("sam", 0.9), ("usam", 0.0), ("usam", 0.5)])
def test_sam_optimizer_follows_the_functional_rule(rule, gamma):
    model, x, y, loss = _problem()
    eta, rho = 0.1, 0.05
    opt = SAM(
        model.parameters(),
        torch.optim.SGD,
        rho=rho,
        normalized=rule == "sam",
        lr=eta,
        momentum=gamma,
    )
    w, m = nets.flat(model), torch.zeros_like(nets.flat(model))
    direction, g = updates.rule(rule, rho), torch.func.grad(loss)
    for _ in range(25):
        ((model(x) - y) ** 2).mean().backward()
        opt.first_step(zero_grad=True)
        ((model(x) - y) ** 2).mean().backward()
        opt.second_step(zero_grad=True)
        w, m = updates.momentum_step(direction, g, w, m, eta, gamma)
        assert (nets.flat(model) - w).abs().max() < 1e-12


def test_step_with_closure_equals_the_two_steps():
    model, x, y, _ = _problem()
    twin = nets.mlp([3, 5, 2], nn.Tanh)
    twin.load_state_dict(model.state_dict())
    opts = [
        SAM(m.parameters(), torch.optim.SGD, rho=0.1, lr=0.05, momentum=0.9) for m in (model, twin)
    ]
    for _ in range(5):
        ((model(x) - y) ** 2).mean().backward()
        opts[0].first_step(zero_grad=True)
        ((model(x) - y) ** 2).mean().backward()
        opts[0].second_step(zero_grad=True)
        closure = lambda: ((twin(x) - y) ** 2).mean().backward()
        closure()
        opts[1].step(closure)
        opts[1].zero_grad()
    assert torch.equal(nets.flat(model), nets.flat(twin))


def test_zero_gradient_means_no_perturbation():
    p = nn.Parameter(torch.ones(3))
    opt = SAM([p], torch.optim.SGD, rho=1.0, lr=0.1)
    p.grad = torch.zeros(3)
    opt.first_step()
    assert torch.equal(p.detach(), torch.ones(3))


def test_state_dict_round_trip_keeps_the_base_optimizer_in_sync():
    model, x, y, _ = _problem()
    opt = SAM(model.parameters(), torch.optim.SGD, rho=0.1, lr=0.05, momentum=0.9)
    state = opt.state_dict()
    opt.load_state_dict(state)
    assert opt.base_optimizer.param_groups is opt.param_groups


def _train(model, opt, x, y, steps):
    for _ in range(steps):
        ((model(x) - y) ** 2).mean().backward()
        opt.first_step(zero_grad=True)
        ((model(x) - y) ** 2).mean().backward()
        opt.second_step(zero_grad=True)


def test_a_resumed_run_equals_the_uninterrupted_one(tmp_path):
    model, x, y, _ = _problem()
    start = {k: v.clone() for k, v in model.state_dict().items()}
    make = lambda m: SAM(
        m.parameters(), torch.optim.SGD, 0.1, lr=0.05, momentum=0.9, weight_decay=5e-4
    )
    _train(model, make(model), x, y, 20)

    first = nets.mlp([3, 5, 2], nn.Tanh)
    first.load_state_dict(start)
    opt = make(first)
    _train(first, opt, x, y, 10)
    torch.save({"model": first.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    saved = torch.load(tmp_path / "ckpt.pt")
    resumed = nets.mlp([3, 5, 2], nn.Tanh)
    resumed.load_state_dict(saved["model"])
    opt = make(resumed)
    opt.load_state_dict(saved["opt"])
    assert opt.state_dict()["state"], "the momentum buffers travel with the checkpoint"
    _train(resumed, opt, x, y, 10)
    assert (nets.flat(resumed) - nets.flat(model)).abs().max() < 1e-12


def test_adaptive_sam_is_asam():
    """ASAM (Kwon et al., 2021): w <- w - eta g(w + rho T^2 g / ||T g||), T = diag(|w|)."""
    model, x, y, loss = _problem()
    eta, rho = 0.1, 0.5
    opt = SAM(model.parameters(), torch.optim.SGD, rho, True, lr=eta)
    w, g = nets.flat(model), torch.func.grad(loss)
    for _ in range(5):
        _train(model, opt, x, y, 1)
        Tg = w.abs() * g(w)
        w = w - eta * g(w + rho * w.abs() * Tg / Tg.norm())
        assert (nets.flat(model) - w).abs().max() < 1e-12


def test_running_stats_frozen_keeps_batch_norm_statistics_and_output():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).train()
    x = torch.randn(8, 4)
    out = model(x)
    before = {
        k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k
    }
    with running_stats_frozen(model):
        frozen_out = model(x)
        model(x + 1)
    after = {k: v for k, v in model.state_dict().items() if k in before}
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert torch.equal(out, frozen_out)  # still normalized by the batch statistics
    model(x)
    assert model[1].num_batches_tracked.item() == 2  # updates resume after the block
