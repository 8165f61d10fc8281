import pytest
import torch

from samutils import updates

H = torch.tensor([[2.0, 0.0], [0.0, -1.0]], dtype=torch.float64)
grad = lambda w: w @ H  # H symmetric: gradient of ½ wᵀHw


def test_gd_step_by_hand():
    w = torch.tensor([1.0, 1.0])
    assert torch.allclose(updates.step(updates.gd(), grad, w, 0.1), torch.tensor([0.8, 1.1]))


def test_usam_step_by_hand():
    # g(w) = (2, -1); w + 0.5 g = (2, 0.5); g there = (4, -0.5); w - 0.1 * that
    w = torch.tensor([1.0, 1.0])
    assert torch.allclose(updates.step(updates.usam(0.5), grad, w, 0.1), torch.tensor([0.6, 1.05]))


def test_sam_step_by_hand():
    # g(w) = (3, 0) at w = (1.5, 0): unit (1, 0); w + 0.5 (1, 0) = (2, 0); g = (4, 0)
    w = torch.tensor([1.5, 0.0])
    assert torch.allclose(updates.step(updates.sam(0.5), grad, w, 0.1), torch.tensor([1.1, 0.0]))


def test_sam_normalizes_a_small_gradient_too():
    # g(w) = (0.2, 0) at w = (0.1, 0): unit (1, 0); w + 0.5 (1, 0) = (0.6, 0); g = (1.2, 0)
    w = torch.tensor([0.1, 0.0])
    assert torch.allclose(updates.step(updates.sam(0.5), grad, w, 0.1), torch.tensor([-0.02, 0.0]))


def test_a_rule_without_radius_is_gradient_descent():
    w = torch.tensor([1.0, 1.0])
    for name in ("usam", "sam"):
        assert torch.equal(updates.step(updates.rule(name), grad, w, 0.1), torch.tensor([0.8, 1.1]))


def test_sam_at_critical_point_takes_no_perturbation():
    w = torch.zeros(3, 2)
    out = updates.step(updates.sam(1.0), grad, w, 0.1)
    assert torch.equal(out, w) and not out.isnan().any()


def test_rules_are_batched_over_any_leading_shape():
    w = torch.randn(4, 5, 2)
    for name in ("gd", "usam", "sam"):
        out = updates.step(updates.rule(name, 0.3), grad, w, 0.1)
        assert out.shape == w.shape
        assert torch.allclose(out[2, 3], updates.step(updates.rule(name, 0.3), grad, w[2, 3], 0.1))


def test_unknown_rule_is_named():
    with pytest.raises(ValueError, match="'adam'"):
        updates.rule("adam")


def test_momentum_step_by_hand():
    w, m = torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.0])
    w1, m1 = updates.momentum_step(updates.gd(), grad, w, m, eta=0.1, gamma=0.5)
    assert torch.allclose(m1, torch.tensor([2.5, -1.0]))
    assert torch.allclose(w1, torch.tensor([0.75, 1.1]))


def test_run_records_every_k_and_the_last_step():
    w0 = torch.randn(7, 2)
    traj = updates.run(updates.gd(), grad, w0, 0.1, 10, every=4)
    assert traj.steps.tolist() == [0, 4, 8, 10]
    assert traj.w.shape == (4, 7, 2)
    manual = w0
    for _ in range(10):
        manual = updates.step(updates.gd(), grad, manual, 0.1)
    assert torch.allclose(traj.final, manual) and torch.equal(traj.w[-1], traj.final)
    assert (traj.stopped_at == -1).all()


def test_run_with_momentum_matches_repeated_steps():
    w0 = torch.randn(3, 2)
    w, m = w0, torch.zeros_like(w0)
    for _ in range(5):
        w, m = updates.momentum_step(updates.usam(0.2), grad, w, m, 0.05, 0.9)
    assert torch.allclose(updates.run(updates.usam(0.2), grad, w0, 0.05, 5, gamma=0.9).final, w)


def test_run_until_freezes_trajectories_and_ends_early():
    w0 = torch.tensor([[1.0, 0.0], [100.0, 0.0]])
    near = lambda w: w.norm(dim=-1) < 0.5
    traj = updates.run(updates.gd(), grad, w0, 0.25, 1000, until=near)
    # x halves each step: 1 -> 0.5 -> 0.25 (2 steps); 100 -> below 0.5 after 8 steps
    assert traj.stopped_at.tolist() == [2, 8]
    assert torch.allclose(traj.final, torch.tensor([[0.25, 0.0], [100 / 2**8, 0.0]]))
    assert traj.steps[-1] == 8


def test_run_edges_no_steps_every_step_by_default_and_frozen_from_the_start():
    w0 = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    none = updates.run(updates.gd(), grad, w0, 0.1, 0)
    assert none.steps.tolist() == [0] and torch.equal(none.final, w0)
    assert updates.run(updates.gd(), grad, w0, 0.1, 3).steps.tolist() == [0, 1, 2, 3]
    assert updates.run(updates.gd(), grad, w0, 0.1, 4, every=2).steps.tolist() == [0, 2, 4]
    w0 = torch.tensor([[[2.0, 0.0]] * 3, [[0.5, 0.0]] * 3])  # a (2, 3) batch, the first row done
    traj = updates.run(updates.gd(), grad, w0, 0.25, 5, until=lambda w: w.norm(dim=-1) > 1)
    assert traj.stopped_at.dtype == torch.long and traj.stopped_at.tolist() == [[0] * 3, [-1] * 3]
    assert torch.equal(traj.final[0], w0[0]) and torch.allclose(
        traj.final[1, :, 0], 0.5 / 2**5 * torch.ones(3)
    )


def test_noise_is_drawn_once_per_step_and_shared_by_both_gradients():
    calls = []

    def noise(w):
        calls.append(1)
        return torch.ones_like(w)

    w0 = torch.tensor([[1.0, 1.0]])
    out = updates.run(updates.usam(0.5), grad, w0, 0.1, 1, noise=noise).final
    noisy = updates.with_noise(grad, torch.ones(1, 2))
    assert len(calls) == 1
    assert torch.allclose(out, updates.step(updates.usam(0.5), noisy, w0, 0.1))


def test_run_rejects_bad_arguments():
    with pytest.raises(ValueError, match="every"):
        updates.run(updates.gd(), grad, torch.zeros(1, 2), 0.1, 5, every=0)


def test_noisy_oracle_draws_anew_at_every_evaluation():
    draws = iter([torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])])
    oracle = updates.noisy(grad, lambda w: next(draws))
    # inner: g(w) + (1, 0) at w = (1, 1): (3, -1); ascent point (1, 1) + 0.5 (3, -1) = (2.5, 0.5)
    # outer: g + (0, 2) there = (5, 1.5); step (1, 1) - 0.1 (5, 1.5)
    out = updates.step(updates.usam(0.5), oracle, torch.tensor([1.0, 1.0]), 0.1)
    assert torch.allclose(out, torch.tensor([0.5, 0.85]))


def test_loss_scaled_noise_covariance_and_zero_at_minimum():
    A = torch.tensor([[1.0, 0.0], [1.0, 2.0]])
    loss = lambda w: (w**2).sum(-1) / 2
    draw = updates.loss_scaled_noise(loss, A, 0.5, torch.Generator().manual_seed(0))
    w = torch.tensor([1.0, 1.0]).expand(200_000, 2)
    xi = draw(w)
    assert torch.allclose(xi.T @ xi / len(xi), 0.5 * 1.0 * A @ A.T, atol=0.02)
    assert torch.equal(draw(torch.zeros(3, 2)), torch.zeros(3, 2))
    batched = updates.loss_scaled_noise(loss, torch.ones(4, 1, 1), 1.0)(torch.ones(4, 1))
    assert batched.shape == (4, 1)


def test_run_record_stores_a_statistic_instead_of_the_iterates():
    w0 = torch.randn(5, 2, dtype=torch.float64)
    full = updates.run(updates.usam(0.2), grad, w0, 0.05, 7, every=3)
    stat = updates.run(
        updates.usam(0.2), grad, w0, 0.05, 7, every=3, record=lambda w: (w**2).mean(-2)
    )
    assert stat.steps.tolist() == full.steps.tolist() == [0, 3, 6, 7]
    assert stat.w.shape == (4, 2)
    assert torch.allclose(stat.w, (full.w**2).mean(-2)) and torch.equal(stat.final, full.final)


def test_run_takes_one_gamma_per_configuration_and_shared_noise():
    gammas = torch.tensor([0.0, 0.5, 0.9], dtype=torch.float64).view(3, 1, 1)
    w0 = torch.ones(3, 4, 2, dtype=torch.float64)
    draws = torch.randn(6, 4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    it = iter(draws)
    out = updates.run(updates.gd(), grad, w0, 0.1, 6, gamma=gammas, noise=lambda w: next(it))
    for i, gm in enumerate(gammas.flatten().tolist()):
        w, m = w0[i], torch.zeros_like(w0[i])
        for k in range(6):  # the same noise draw for every configuration
            w, m = updates.momentum_step(
                updates.gd(), updates.with_noise(grad, draws[k]), w, m, 0.1, gm
            )
        assert torch.allclose(out.final[i], w)


def test_sam_or_usam_picks_the_rule_per_trajectory():
    w = torch.randn(6, 2, dtype=torch.float64)
    rho = torch.tensor([0.3, 0.3, 0.7, 0.7, 0.0, 0.0], dtype=torch.float64).unsqueeze(-1)
    normalized = torch.tensor([True, False] * 3).unsqueeze(-1)
    out = updates.sam_or_usam(rho, normalized)(grad, w)
    for i in range(6):
        want = updates.rule("sam" if normalized[i] else "usam", rho[i])(grad, w[i])
        assert torch.allclose(out[i], want, atol=1e-15)


def test_gd_plus_sam_on_x2_minus_y2_is_sam_with_twice_the_step_and_half_the_radius():
    # g(w) = 2Dw is linear, so g(w) + g(w + rho u) = 2 g(w + (rho/2) u)
    D = torch.tensor([1.0, -1.0], dtype=torch.float64)
    g = lambda w: 2 * D * w
    w = torch.randn(5, 2, dtype=torch.float64)
    demo = updates.step(updates.gd_plus_sam(0.5), g, w, 0.01)
    assert torch.allclose(demo, updates.step(updates.sam(0.25), g, w, 0.02), atol=1e-15)
    # by hand at w = (1, 0): g = (2, 0), u = (1, 0), g(w + 0.5 u) = (3, 0), sum (5, 0)
    at = torch.tensor([1.0, 0.0], dtype=torch.float64)
    want = torch.tensor([5.0, 0.0], dtype=torch.float64)
    assert torch.allclose(updates.gd_plus_sam(0.5)(g, at), want)
