"""The MNIST loader's checks, the tf.data pipeline and the toy distributions."""
import shutil

import numpy as np
import pytest

from gan_utils import data


def test_load_mnist_shapes_and_range():
    x, y = data.load_mnist()
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8 and y.shape == (60000,)
    xt, yt = data.load_mnist(split="test")
    assert xt.shape == (10000, 28, 28) and set(np.unique(yt)) == set(range(10))


@pytest.fixture
def copy_of_mnist(tmp_path):
    path = tmp_path / "mnist.npz"
    shutil.copy(data.DATA_DIR / "mnist.npz", path)
    return path


def truncate(path):
    path.write_bytes(path.read_bytes()[:1000])


def flip_a_byte(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.unlink(), "MNIST file not found at .*git checkout -- data/mnist.npz"),
    (truncate, r"corrupt or not the course's file: sha256 .*\(1,000 bytes\)"),
    (flip_a_byte, "corrupt or not the course's file"),
])
def test_damaged_data_file_is_reported(copy_of_mnist, damage, message):
    damage(copy_of_mnist)
    with pytest.raises(data.DataFileError, match=message):
        data.load_mnist(copy_of_mnist)


def test_unreadable_file_reported_even_without_checksum(copy_of_mnist):
    truncate(copy_of_mnist)
    with pytest.raises(data.DataFileError, match="cannot be read"):
        data.load_mnist(copy_of_mnist, verify=False)


def test_dataset_scales_batches_and_keeps_the_partial_last_batch():
    images = np.full((10, 28, 28), 255, dtype=np.uint8)
    images[0] = 0
    batches = list(data.make_dataset(images, batch_size=4, shuffle=False))
    assert [b.shape[0] for b in batches] == [4, 4, 2]
    assert batches[0].shape[1:] == (28, 28, 1)
    assert float(batches[0][0].numpy().min()) == -1.0 and float(batches[1].numpy().max()) == 1.0


def test_dataset_with_labels_and_fixed_shuffle_order():
    images = np.arange(20, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    labels = np.arange(20) % 10
    first = [b[1].numpy().tolist() for b in data.make_dataset(images, labels, batch_size=8, seed=3)]
    again = [b[1].numpy().tolist() for b in data.make_dataset(images, labels, batch_size=8, seed=3)]
    assert first == again and sorted(sum(first, [])) == sorted(labels.tolist())


@pytest.mark.parametrize("images, labels, batch_size, message", [
    (np.zeros((5, 32, 32), np.uint8), None, 2, r"shape \(N, 28, 28\)"),
    (np.zeros((5, 28, 28), np.int64), None, 2, "must be uint8 in \\[0, 255\\] or float"),
    (np.full((5, 28, 28), 3.0, np.float32), None, 2, "must be in \\[-1, 1\\]"),
    (np.zeros((5, 28, 28), np.uint8), np.array([0, 1, 2, 3, 10]), 2, "integers in 0..9"),
    (np.zeros((5, 28, 28), np.uint8), np.array([0, 1]), 2, r"shape \(5,\)"),
    (np.zeros((5, 28, 28), np.uint8), None, 0, "positive integer"),
    (np.zeros((5, 28, 28), np.uint8), None, 6, "larger than the data"),
])
def test_bad_input_to_the_pipeline(images, labels, batch_size, message):
    with pytest.raises(ValueError, match=message):
        data.make_dataset(images, labels, batch_size=batch_size)


def test_uint8_round_trip():
    images = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    assert np.array_equal(data.to_uint8(data.to_model_range(images)), images)


def test_toy_distributions():
    x = data.sample_gaussian_1d(20000, mean=4.0, std=0.5, rng=0)
    assert x.shape == (20000, 1) and abs(x.mean() - 4.0) < 0.02 and abs(x.std() - 0.5) < 0.02
    ring = data.sample_ring(4000, rng=0)
    assert data.ring_quality(ring)["modes"] == 8 and data.ring_quality(ring)["near"] == 1.0
    one_mode = np.repeat(data.ring_centers()[:1], 100, axis=0)
    assert data.ring_quality(one_mode) == {"modes": 1, "high_quality": 1.0, "near": 1.0}
