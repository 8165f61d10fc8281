import pytest
import torch
from torch import nn

from samutils import data, nets, training
from samutils.optim import SAM


def test_minibatches_are_epochs_of_independent_shuffles():
    batches = training.minibatches(3, 10, 4, torch.Generator().manual_seed(0))
    first = [next(batches) for _ in range(2)]  # one epoch: 2 batches of 4, 2 samples dropped
    seen = torch.cat(first, dim=1)
    assert seen.shape == (3, 8) and all(len(set(row.tolist())) == 8 for row in seen)
    assert not torch.equal(seen[0], seen[1])
    with pytest.raises(ValueError, match="batch_size"):
        next(training.minibatches(1, 10, 11, torch.Generator()))


@pytest.mark.parametrize("rule", ["gd", "usam", "sam"])
def test_batched_training_equals_one_model_at_a_time(rule):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(40, 5, generator=g), torch.randint(3, (40,), generator=g)
    build = lambda: nets.mlp([5, 8, 3], nn.Tanh)
    W0 = nets.initial_weights(build, [0, 1, 2])
    eta, rho, gamma = (
        torch.tensor([0.1, 0.2, 0.1]),
        torch.tensor([0.05, 0.1, 0.0]),
        torch.tensor([0.0, 0.5, 0.9]),
    )
    switch = torch.tensor([0, 3, 100])  # SAM from step 0, from step 3, never
    rho_t = lambda t: rho * (t >= switch)
    steps, B = 12, 8
    run = training.train(
        nets.classification_loss(build()),
        W0,
        x,
        y,
        steps=steps,
        eta=eta,
        rho=rho_t,
        gamma=gamma,
        rule=rule,
        batch_size=B,
        generator=torch.Generator().manual_seed(5),
        every=4,
    )
    assert run.w.shape == (4, 3, W0.shape[1]) and run.steps.tolist() == [0, 4, 8, 12]

    batches = training.minibatches(3, 40, B, torch.Generator().manual_seed(5))
    idx = [next(batches) for _ in range(steps)]
    for i in range(3):
        model = build()
        model.load_state_dict({k: v.clone() for k, v in nets.unflat(model, W0[i]).items()})
        opt = SAM(
            model.parameters(),
            torch.optim.SGD,
            rho=0.0,
            normalized=rule == "sam",
            lr=eta[i].item(),
            momentum=gamma[i].item(),
        )
        lossf = nn.CrossEntropyLoss()
        for t in range(steps):
            xb, yb = x[idx[t][i]], y[idx[t][i]]
            opt.param_groups[0]["rho"] = 0.0 if rule == "gd" else rho_t(t)[i].item()
            lossf(model(xb), yb).backward()
            opt.first_step(zero_grad=True)
            lossf(model(xb), yb).backward()
            opt.second_step(zero_grad=True)
        assert (nets.flat(model) - run.final[i]).abs().max() < 1e-12


@pytest.mark.parametrize("augment", [None, data.shift_pixels], ids=["plain", "augmented"])
def test_rows_sharing_a_stream_see_the_same_batches(augment):
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(30, 64, generator=g), torch.randint(3, (30,), generator=g)
    W0 = nets.initial_weights(lambda: nets.mlp([64, 3]), [0, 0, 0])
    run = training.train(
        nets.classification_loss(nets.mlp([64, 3])),
        W0,
        x,
        y,
        steps=4,
        eta=0.1,
        batch_size=6,
        generator=torch.Generator().manual_seed(1),
        rule="gd",
        streams=torch.tensor([0, 1, 0]),
        augment=augment,
    )
    assert torch.equal(run.final[0], run.final[2]) and not torch.equal(run.final[0], run.final[1])


def test_sweep_switches_sam_on_and_off_per_configuration():
    g = torch.Generator().manual_seed(0)
    split = data.Split(
        torch.randn(24, 4, generator=g),
        torch.randint(3, (24,), generator=g),
        torch.randn(10, 4, generator=g),
        torch.randint(3, (10,), generator=g),
    )
    build = lambda: nets.mlp([4, 6, 3])
    kw = dict(
        seeds=[0, 1], epochs=3, batch_size=8, eta=0.1, generator=torch.Generator().manual_seed(2)
    )
    rho, gamma = torch.tensor([0.0, 0.2, 0.2, 0.2]), torch.tensor([0.5, 0.5, 0.5, 0.5])
    out = training.sweep(
        build,
        split,
        rho=rho,
        gamma=gamma,
        sam_from=torch.tensor([0, 0, 9, 0]),
        sam_until=torch.tensor([9, 9, 9, 0]),
        records=3,
        **kw,
    )
    assert out["test_acc"].shape == (4, 2) and out["curve_train_loss"].shape == (4, 4, 2)
    w = out["w"]
    assert torch.equal(w[0], w[2]) and torch.equal(
        w[0], w[3]
    )  # rho = 0, SAM never on, SAM on for no step: all SGD
    assert not torch.equal(w[0], w[1])
    # configuration 1 is SAM for all 9 steps: the same as train() with the shared batch order
    W0 = nets.initial_weights(build, [0, 1])
    ref = training.train(
        nets.classification_loss(build()),
        W0,
        split.x_train,
        split.y_train,
        steps=9,
        eta=0.1,
        rho=0.2,
        gamma=0.5,
        batch_size=8,
        generator=torch.Generator().manual_seed(2),
    )
    assert (w[1] - ref.final).abs().max() < 1e-12
    loss, acc = nets.evaluate(build(), w[1], split.x_test, split.y_test)
    assert torch.equal(out["test_acc"][1], acc)


def test_sweep_in_groups_of_configurations_equals_one_run():
    g = torch.Generator().manual_seed(0)
    split = data.Split(
        torch.randn(24, 4, generator=g),
        torch.randint(3, (24,), generator=g),
        torch.randn(10, 4, generator=g),
        torch.randint(3, (10,), generator=g),
    )
    kw = dict(
        seeds=[0, 1],
        epochs=2,
        batch_size=8,
        eta=0.1,
        rho=torch.tensor([0.0, 0.1, 0.2]),
        gamma=torch.tensor([0.0, 0.5, 0.9]),
        sam_from=torch.tensor([0, 2, 4]),
        records=2,
    )
    whole = training.sweep(
        lambda: nets.mlp([4, 6, 3]), split, generator=torch.Generator().manual_seed(3), **kw
    )
    grouped = training.sweep(
        lambda: nets.mlp([4, 6, 3]),
        split,
        generator=torch.Generator().manual_seed(3),
        configs_per_run=2,
        eval_batch=4,
        **kw,
    )
    assert whole.keys() == grouped.keys()
    for key in whole:
        assert whole[key].shape == grouped[key].shape and torch.allclose(
            whole[key], grouped[key], atol=1e-13
        ), key


def test_weight_decay_is_torch_sgds_under_sam():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(24, 4, generator=g), torch.randint(3, (24,), generator=g)
    build = lambda: nets.mlp([4, 5, 3])
    W0 = nets.initial_weights(build, [0])
    run = training.train(
        nets.classification_loss(build()),
        W0,
        x,
        y,
        steps=5,
        eta=0.1,
        rho=0.05,
        gamma=0.9,
        batch_size=8,
        generator=torch.Generator().manual_seed(2),
        weight_decay=0.01,
    )
    idx = training.minibatches(1, 24, 8, torch.Generator().manual_seed(2))
    model = build()
    model.load_state_dict({k: v.clone() for k, v in nets.unflat(model, W0[0]).items()})
    opt = SAM(
        model.parameters(), torch.optim.SGD, rho=0.05, lr=0.1, momentum=0.9, weight_decay=0.01
    )
    lossf = nn.CrossEntropyLoss()
    for _ in range(5):
        b = next(idx)[0]
        lossf(model(x[b]), y[b]).backward()
        opt.first_step(zero_grad=True)
        lossf(model(x[b]), y[b]).backward()
        opt.second_step(zero_grad=True)
    assert (nets.flat(model) - run.final[0]).abs().max() < 1e-5


def test_augment_transforms_every_batch():
    x, y = torch.ones(10, 2), torch.zeros(10, dtype=torch.long)
    seen = []
    aug = lambda xb, gen: seen.append(xb.shape) or xb * 0
    run = training.train(
        nets.classification_loss(nets.mlp([2, 2])),
        torch.zeros(2, 6),
        x,
        y,
        steps=3,
        eta=0.1,
        batch_size=5,
        generator=torch.Generator().manual_seed(0),
        rule="gd",
        augment=aug,
    )
    assert seen == [torch.Size([2, 5, 2])] * 3  # one batch per stream (two rows, two streams)
    assert torch.allclose(
        run.final[:, :4], torch.zeros(2, 4)
    )  # zero inputs: the first layer's weights never move
