import torch

from samutils import landscapes, stability


def test_spectral_radius_by_hand():
    lam = torch.tensor([-2.0, 2.0], dtype=torch.float64)
    # eta = 0.1, rho = 1: 1 - 0.1 * (-2) * (-1) = 0.8 and 1 - 0.1 * 2 * 3 = 0.4
    r = stability.usam_spectral_radius(lam, torch.tensor(0.1), torch.tensor(1.0))
    assert torch.isclose(r, torch.tensor(0.8, dtype=torch.float64))


def test_phase_diagram_of_x2_minus_y2_matches_the_prediction():
    f = landscapes.saddle_x2_minus_y2()
    etas = torch.logspace(-2, 0, 6, dtype=torch.float64)
    rhos = torch.linspace(0, 2, 7, dtype=torch.float64)
    offset = torch.tensor([6e-4, 8e-4], dtype=torch.float64)
    ratio, radius, flow_ok = stability.phase_diagram(f, (0.0, 0.0), etas, rhos, 800, offset)
    assert ratio.shape == radius.shape == flow_ok.shape == (6, 7)
    counts = stability.agreement(ratio, radius, flow_ok, 800)
    assert counts["decisive"] >= 30 and counts["mismatches"] == 0
    # rho = 0 is GD: repelled along y; rho = 1, eta = 0.01 attracts (radius 0.98 < 1)
    assert ratio[0, 0] > 1 and flow_ok[:, 0].logical_not().all()
    assert ratio[0, 3] < 1e-2 and flow_ok[0, 3]
