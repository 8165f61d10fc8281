import pickle

import numpy as np
import pytest
import torch

from samutils import data


def test_digits_are_read_offline_and_split_by_seed():
    split = data.digits(test_fraction=0.25, seed=3)
    assert split.x_train.shape == (1348, 64) and split.x_test.shape == (449, 64)
    assert split.x_train.dtype == torch.float64 and split.classes == 10
    assert 0 <= split.x_train.min() and split.x_train.max() <= 1
    again, other = data.digits(test_fraction=0.25, seed=3), data.digits(test_fraction=0.25, seed=4)
    assert torch.equal(again.y_test, split.y_test) and not torch.equal(other.y_test, split.y_test)
    assert data.digits(dtype=torch.float32).x_test.dtype == torch.float32


def _write(path, n, label_key, offset):
    rng = np.random.default_rng(offset)
    batch = {
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        label_key.encode(): list(range(offset, offset + n)),
    }
    path.write_bytes(pickle.dumps(batch))
    return batch


def test_cifar10_archive(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = [_write(folder / f"data_batch_{i}", 2, "labels", 2 * i) for i in range(1, 6)]
    _write(folder / "test_batch", 3, "labels", 0)
    split = data.cifar(tmp_path, 10)  # the parent folder works as well as the archive folder
    assert split.x_train.shape == (10, 3, 32, 32) and split.x_test.shape == (3, 3, 32, 32)
    assert split.y_train.tolist() == list(range(2, 12))
    first = torch.from_numpy(batches[0][b"data"][0].reshape(3, 32, 32)).float() / 255
    assert torch.equal(split.x_train[0], first) and split.x_train.dtype == torch.float32
    assert torch.equal(data.cifar(folder).y_test, split.y_test)


def test_cifar100_archive_uses_fine_labels(tmp_path):
    _write(tmp_path / "train", 4, "fine_labels", 90)
    _write(tmp_path / "test", 2, "fine_labels", 0)
    split = data.cifar(tmp_path, 100)
    assert split.y_train.tolist() == [90, 91, 92, 93] and split.x_test.shape == (2, 3, 32, 32)


def test_cifar_names_every_missing_file(tmp_path):
    _write(tmp_path / "data_batch_1", 1, "labels", 0)
    with pytest.raises(
        FileNotFoundError,
        match="missing data_batch_2, data_batch_3, data_batch_4, data_batch_5, test_batch",
    ):
        data.cifar(tmp_path, 10)
    with pytest.raises(ValueError, match="10 or 100"):
        data.cifar(tmp_path, 20)


def test_label_noise_flips_exactly_the_fraction_to_other_classes():
    y = torch.arange(100) % 10
    noisy = data.noisy_labels(y, 0.3, 10, torch.Generator().manual_seed(0))
    assert (noisy != y).sum() == 30 and noisy.min() >= 0 and noisy.max() < 10
    clean, split = data.digits(), data.digits(label_noise=0.3, train_size=500)
    assert len(split.y_train) == 500 and torch.equal(split.y_test, clean.y_test)
    assert (split.y_train != clean.y_train[:500]).sum() == 150


def test_shift_pixels_translates_each_image():
    x = torch.zeros(2, 3, 64)
    x[..., 3 * 8 + 4] = 1.0  # one pixel at row 3, column 4
    out = data.shift_pixels(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.all(out.sum(-1) == 1)
    pos = out.argmax(-1)
    assert torch.all((pos // 8 - 3).abs() <= 1) and torch.all((pos % 8 - 4).abs() <= 1)
    assert len(set(pos.flatten().tolist())) > 1
