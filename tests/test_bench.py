from samutils import bench


def test_batched_runner_agrees_with_the_naive_loop_and_is_faster():
    result = bench.main(trajectories=40, steps=300, naive=2)
    assert result["max_abs_diff"] < 1e-10
    assert result["ratio"] > 5
