"""Data sets read from disk, never downloaded: scikit-learn's handwritten digits and the
CIFAR-10/100 python-pickle archives.

Each loader returns a :class:`Split` of image tensors in ``[0, 1]`` and integer labels.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

#: The files of each CIFAR archive, the label key and the folder the archive extracts to.
CIFAR = {
    10: ([f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], "labels", "cifar-10-batches-py"),
    100: (["train"], ["test"], "fine_labels", "cifar-100-python"),
}


@dataclass(frozen=True)
class Split:
    """Training and test inputs (``(n, ...)``, floats) and labels (``(n,)``, int64)."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor

    @property
    def classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def digits(*, test_fraction: float = 0.3, seed: int = 0, dtype=torch.float64) -> Split:
    """The 1797 8x8 handwritten digits shipped inside scikit-learn, as 64 features in ``[0, 1]``
    (pixel counts 0..16 divided by 16), split at random with ``seed``: ``test_fraction`` held out."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x, y = torch.as_tensor(x / 16.0, dtype=dtype), torch.as_tensor(y, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    return Split(x[train], y[train], x[test], y[test])


def _unpickle(path: Path) -> dict:
    with open(path, "rb") as f:
        raw = pickle.load(f, encoding="bytes")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in raw.items()}


def _images(parts: list[dict], label_key: str, dtype) -> tuple[Tensor, Tensor]:
    data = np.concatenate([np.asarray(p["data"], dtype=np.uint8) for p in parts])
    labels = np.concatenate([np.asarray(p[label_key], dtype=np.int64) for p in parts])
    x = torch.from_numpy(data.reshape(-1, 3, 32, 32)).to(dtype) / 255.0
    return x, torch.from_numpy(labels)


def cifar(data_dir, classes: int = 10, *, dtype=torch.float32) -> Split:
    """CIFAR-10 or CIFAR-100 from the python-pickle archive extracted in ``data_dir`` (the folder
    holding the files, or its parent holding ``cifar-10-batches-py`` / ``cifar-100-python``).

    Images ``(n, 3, 32, 32)`` in ``[0, 1]``; CIFAR-100 labels are the 100 fine classes.
    """
    if classes not in CIFAR:
        raise ValueError(f"classes must be 10 or 100, got {classes}")
    train_files, test_files, label_key, folder = CIFAR[classes]
    root = Path(data_dir)
    if (root / folder).is_dir():
        root = root / folder
    missing = [name for name in train_files + test_files if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-{classes} python archive not found in {root}: missing {', '.join(missing)} "
            f"(extract cifar-{classes}-python.tar.gz there)"
        )
    x_train, y_train = _images([_unpickle(root / f) for f in train_files], label_key, dtype)
    x_test, y_test = _images([_unpickle(root / f) for f in test_files], label_key, dtype)
    return Split(x_train, y_train, x_test, y_test)
