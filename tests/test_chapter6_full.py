"""Chapter 6's full scale (the papers' ResNet-18 on CIFAR from ``data_dir``) runs end to end on a
tiny archive in the CIFAR-10 python format, with every knob set small."""

import json
import pickle
import subprocess
import sys

import numpy as np

from conftest import CI_ENV


def _archive(root, n_train=1, n_test=2):
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, n in [(f"data_batch_{i}", n_train) for i in range(1, 6)] + [("test_batch", n_test)]:
        batch = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": (np.arange(n) % 10).tolist(),
        }
        (folder / name).write_bytes(pickle.dumps(batch))


def test_full_scale_runs_on_a_tiny_cifar_archive(tmp_path):
    _archive(tmp_path)
    small = {
        "data_dir": str(tmp_path),
        "n_seeds": 2,
        "k_epochs": 1,
        "k_batch": 5,
        "batch_sizes": [5],
        "momenta": [0.0, 0.9],
        "table_rhos": [0.01, 0.5],
        "table_momenta": [0.0, 0.9],
        "z_epochs": 1,
        "z_batch": 5,
        "proportions": [0.0, 1.0],
        "sharp_iters": 1,
        "sharp_samples": 2,
        "eval_batch": 5,
        "device": "cpu",
    }
    args = [
        x
        for name, value in small.items()
        for x in ("-p", name, repr(value) if not isinstance(value, str) else value)
    ]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "samutils",
            "run",
            "06_training_tricks",
            "--scale",
            "full",
            "--no-progress",
            "--out",
            str(tmp_path / "out"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=CI_ENV,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads((tmp_path / "out" / "06_training_tricks.json").read_text())
    assert results["scale"] == "full"
    assert {"K-F8", "K-F9", "K-TAB1-worst", "K-TAB1-best", "K-TAB1-gap", "Z-F3", "Z-F5"} == set(
        results["claims"]
    )
    assert all(
        c["setting"] == "analogue" and "CIFAR-10" in c["analogue_of"]
        for c in results["claims"].values()
    )
