from samutils.build import bench


def test_batched_runner_agrees_with_the_naive_loop_and_is_faster():
    result = bench.main(trajectories=40, steps=300, naive=2)
    assert result["max_abs_diff"] < 1e-10
    assert result["ratio"] > 5


def test_book_timing_table():
    from samutils.build import timing

    rows = [
        {"chapter": "01_a", "ci (s)": 1.0, "paper (s)": 10.0},
        {"chapter": "02_b", "ci (s)": 2.0, "paper (s)": 20.0},
    ]
    runner = {
        "trajectories": 1000,
        "steps": 10,
        "batched_s": 1.5,
        "naive_s": 3000.0,
        "ratio": 2000.0,
    }
    report = timing.table(rows, {"cold": 100.0, "warm": 5.0}, runner)
    assert (
        "| 01_a | 1.0 | 10.0 |" in report
        and "| **all chapters, one at a time** | **3.0** | **30.0** |" in report
    )
    assert (
        "| cold (after `make clean`) | 100.0 |" in report
        and "| warm (nothing changed) | 5.0 |" in report
    )
    assert "(2000x)" in report


def test_batched_networks_agree_with_the_optimizer_loop():
    import torch

    from samutils.build import benchnets

    result = benchnets.main(models=6, steps=20, naive=2, dtype=torch.float64)
    assert result["max_rel_diff"] < 1e-12
