import pytest
import torch
from torch import nn

from samutils import nets


def test_mlp_layers():
    model = nets.mlp([4, 8, 8, 3])
    assert [type(m) for m in model] == [nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]


def test_functional_reproduces_the_module_and_flat_round_trips():
    torch.manual_seed(0)
    model = nets.mlp([4, 6, 3], nn.Tanh)
    x = torch.randn(5, 4)
    w = nets.flat(model)
    assert w.shape == (4 * 6 + 6 + 6 * 3 + 3,)
    assert torch.equal(nets.functional(model)(w, x), model(x))
    assert torch.equal(torch.cat([t.reshape(-1) for t in nets.unflat(model, w).values()]), w)
    with pytest.raises(ValueError, match="parameters"):
        nets.unflat(model, torch.zeros(len(w) + 1))


def test_classification_loss_is_cross_entropy_under_vmap():
    torch.manual_seed(0)
    model = nets.mlp([4, 3])
    x, y = torch.randn(2, 7, 4), torch.randint(3, (2, 7))
    W = torch.randn(2, 15)
    batched = torch.func.vmap(nets.classification_loss(model))(W, x, y)
    single = [
        torch.nn.functional.cross_entropy(x[i] @ W[i, :12].view(3, 4).T + W[i, 12:], y[i])
        for i in range(2)
    ]
    assert torch.allclose(batched, torch.stack(single))


def test_initial_weights_are_seeded_and_leave_the_global_state_alone():
    build = lambda: nets.mlp([3, 4, 2])
    state = torch.random.get_rng_state()
    W = nets.initial_weights(build, [0, 1, 0])
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(W[0], W[2]) and not torch.equal(W[0], W[1])
    torch.manual_seed(1)
    assert torch.equal(W[1], nets.flat(build()))


def test_evaluate_every_row():
    torch.manual_seed(0)
    model = nets.mlp([4, 5, 3])
    x, y = torch.randn(9, 4), torch.randint(3, (9,))
    W = nets.initial_weights(lambda: nets.mlp([4, 5, 3]), [0, 1])
    loss, acc = nets.evaluate(model, W, x, y)
    for i in range(2):
        out = nets.functional(model)(W[i], x)
        assert torch.isclose(loss[i], torch.nn.functional.cross_entropy(out, y))
        assert acc[i] == (out.argmax(1) == y).double().mean()


def test_sharpness_is_the_top_hessian_eigenvalue_of_each_row():
    torch.manual_seed(0)
    model = nets.mlp([3, 4, 2], nn.Tanh)
    x, y = torch.randn(10, 3), torch.randint(2, (10,))
    W = nets.initial_weights(lambda: nets.mlp([3, 4, 2], nn.Tanh), [0, 1])
    loss = nets.classification_loss(model)
    exact = [torch.linalg.eigvalsh(torch.func.hessian(lambda w: loss(w, x, y))(w))[-1] for w in W]
    assert torch.allclose(
        nets.sharpness(loss, W, x, y, iters=W.shape[1]), torch.stack(exact), rtol=1e-10
    )


def test_resnet18_shapes_and_parameter_count():
    torch.manual_seed(0)
    plain, with_bn = nets.resnet18(10, batch_norm=False), nets.resnet18(100)
    x = torch.randn(2, 3, 32, 32, dtype=torch.float32)
    assert plain.float()(x).shape == (2, 10) and with_bn.float()(x).shape == (2, 100)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())
    assert (
        sum(p.numel() for p in with_bn.parameters()) == 11_220_132
    )  # the usual CIFAR ResNet-18, 100 classes
    W = nets.flat(plain).unsqueeze(0)
    assert torch.allclose(nets.functional(plain)(W[0], x), plain(x))


def test_evaluate_in_chunks_equals_all_at_once():
    torch.manual_seed(0)
    model = nets.mlp([4, 5, 3])
    x, y = torch.randn(23, 4), torch.randint(3, (23,))
    W = nets.initial_weights(lambda: nets.mlp([4, 5, 3]), [0, 1, 2])
    whole, chunked = nets.evaluate(model, W, x, y), nets.evaluate(model, W, x, y, rows=2, batch=5)
    assert torch.allclose(whole[0], chunked[0], atol=1e-14) and torch.equal(whole[1], chunked[1])
