import torch

from samutils import protocols

TARGET = torch.tensor([0.0, 0.0], dtype=torch.float64)


def reference_stop(
    path, losses, target, pos_tol=0.15, stall_tol=0.55, window=500, eps=1e-5, patience=80, rtol=1e-8
):
    """The released runner's loop, step by step (sam_stability/optim/runner.py)."""
    data, stall, last = [], 0, None
    for t in range(len(path) - 1):
        loss_val = float(losses[t])
        data.append(path[t + 1])
        d = float((data[-1] - target).norm())
        if d < pos_tol:
            return len(data), "position"
        if d < stall_tol and len(data) >= window:
            win = torch.stack(data[-window:])
            if float((win[1:] - win[:-1]).norm(dim=-1).max()) < eps:
                return len(data), "stall"
        if last is not None:
            rel = abs(loss_val - last) / (abs(last) + 1e-12)
            stall = stall + 1 if rel < rtol else 0
            if stall >= patience:
                return len(data), "loss"
        last = loss_val
    return len(path) - 1, "cap"


def path_towards(r, T=1200):
    """Points on the x-axis at distances r[k] from the target, k = 0..T."""
    r = torch.as_tensor(r, dtype=torch.float64)
    return torch.stack([r, torch.zeros(T + 1, dtype=torch.float64)], -1)


def test_each_rule_fires_where_the_loop_stops():
    k = torch.arange(1201, dtype=torch.float64)
    cases = {
        "position": path_towards(1.0 - k / 1000),  # reaches 0.15 at k = 851
        "stall": path_towards(torch.where(k < 700, 1.0 - k / 1000, 0.3 + 1e-7 * k)),  # creeps
        "loss": path_towards(2.0 - k / 1000),  # never near; its losses are flat below
        "cap": path_towards(2.0 - k / 1000),
    }
    for reason, path in cases.items():
        losses = torch.ones(1200, dtype=torch.float64) if reason == "loss" else 1 + path[:-1, 0]
        got = protocols.released_stop(path, losses, TARGET)
        assert got == reference_stop(path, losses, TARGET)
        assert got[1] == reason


def test_random_walks_agree_with_the_loop():
    gen = torch.Generator().manual_seed(0)
    for scale, reason in ((1e-6, "stall"), (1e-4, "cap")):
        steps = scale * torch.randn(1500, 2, generator=gen, dtype=torch.float64)
        start = torch.tensor([0.4, 0.0], dtype=torch.float64)
        path = start + torch.cat([torch.zeros(1, 2), steps]).cumsum(0)
        losses = (path[:-1] ** 2).sum(-1)
        got = protocols.released_stop(path, losses, TARGET)
        assert got == reference_stop(path, losses, TARGET) and got[1] == reason


def test_label_endpoints():
    centres = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    w = torch.tensor([[0.01, 0.0], [3.0, 0.2], [float("nan"), 0.0], [1e4, 0.0], [1.5, 0.0]])
    assert protocols.label_endpoints(w, centres, [0.05, 0.5]).tolist() == [0, 1, 2, 2, 3]
