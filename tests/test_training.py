import pytest
import torch
from torch import nn

from samutils import nets, training
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
    eta, rho, gamma = torch.tensor([0.1, 0.2, 0.1]), torch.tensor([0.05, 0.1, 0.0]), torch.tensor([0.0, 0.5, 0.9])
    switch = torch.tensor([0, 3, 100])  # SAM from step 0, from step 3, never
    rho_t = lambda t: rho * (t >= switch)
    steps, B = 12, 8
    run = training.train(nets.classification_loss(build()), W0, x, y, steps=steps, eta=eta, rho=rho_t, gamma=gamma,
                         rule=rule, batch_size=B, generator=torch.Generator().manual_seed(5), every=4)
    assert run.w.shape == (4, 3, W0.shape[1]) and run.steps.tolist() == [0, 4, 8, 12]

    batches = training.minibatches(3, 40, B, torch.Generator().manual_seed(5))
    idx = [next(batches) for _ in range(steps)]
    for i in range(3):
        model = build()
        model.load_state_dict({k: v.clone() for k, v in nets.unflat(model, W0[i]).items()})
        opt = SAM(model.parameters(), torch.optim.SGD, rho=0.0, normalized=rule == "sam", lr=eta[i].item(), momentum=gamma[i].item())
        lossf = nn.CrossEntropyLoss()
        for t in range(steps):
            xb, yb = x[idx[t][i]], y[idx[t][i]]
            opt.param_groups[0]["rho"] = 0.0 if rule == "gd" else rho_t(t)[i].item()
            lossf(model(xb), yb).backward()
            opt.first_step(zero_grad=True)
            lossf(model(xb), yb).backward()
            opt.second_step(zero_grad=True)
        assert (nets.flat(model) - run.final[i]).abs().max() < 1e-12
