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


def digits(
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
    dtype=torch.float64,
    label_noise: float = 0.0,
    train_size: int | None = None,
) -> Split:
    """The 1797 8x8 handwritten digits shipped inside scikit-learn, as 64 features in ``[0, 1]``
    (pixel counts 0..16 divided by 16), split at random with ``seed``: ``test_fraction`` held out.

    ``train_size``: keep only the first that many training images (default all); ``label_noise``:
    that fraction of the training labels (chosen with ``seed``) replaced by a different class drawn
    uniformly (:func:`noisy_labels`); the test labels stay clean."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x, y = torch.as_tensor(x / 16.0, dtype=dtype), torch.as_tensor(y, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    train = train[:train_size]
    y_train = y[train]
    if label_noise:
        y_train = noisy_labels(y_train, label_noise, 10, torch.Generator().manual_seed(seed + 1))
    return Split(x[train], y_train, x[test], y[test])


def noisy_labels(y: Tensor, fraction: float, classes: int, generator: torch.Generator) -> Tensor:
    """Symmetric label noise: exactly ``round(fraction n)`` labels of ``y (n,)``, chosen at random,
    each replaced by one of the ``classes - 1`` other classes, uniformly (a copy)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    flip = torch.randperm(len(y), generator=generator)[: round(fraction * len(y))]
    shift = torch.randint(1, classes, (len(flip),), generator=generator)
    out = y.clone()
    out[flip] = (y[flip] + shift) % classes
    return out


def shift_pixels(
    x: Tensor, generator: torch.Generator, side: int = 8, max_shift: int = 1
) -> Tensor:
    """Augmentation for flattened ``side x side`` images ``x (..., side²)``: each image translated
    by
    a random integer offset in ``[-max_shift, max_shift]`` along each axis, zeros shifted in (the
    small-image counterpart of CIFAR's padded random crop)."""
    lead = x.shape[:-1]
    img = x.reshape(-1, side, side)
    n, m = img.shape[0], max_shift
    dy, dx = (torch.randint(-m, m + 1, (n,), generator=generator).to(x.device) for _ in range(2))
    pad = torch.nn.functional.pad(img, (m,) * 4)
    rows = pad[:, m : m + side, :]  # image i's window starts at m - dy[i], m - dx[i]
    for a in range(-m, m + 1):
        if a:
            rows = torch.where((dy == a).view(n, 1, 1), pad[:, m - a : m - a + side, :], rows)
    out = rows[:, :, m : m + side]
    for b in range(-m, m + 1):
        if b:
            out = torch.where((dx == b).view(n, 1, 1), rows[:, :, m - b : m - b + side], out)
    return out.reshape(*lead, side * side)


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
