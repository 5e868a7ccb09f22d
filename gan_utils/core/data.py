"""MNIST (vendored, checksum-verified), the tf.data pipeline, and toy distributions.

``load_mnist`` and ``make_dataset`` are introduced in 00_setup.ipynb; the toy
distributions in 01_vanilla_gan.ipynb (1-D Gaussian) and 03 (ring of 8 Gaussians).
"""
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils.core.config import DATA_DIR, relative

MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
MNIST_KEYS = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}
IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


class DataFileError(RuntimeError):
    """The MNIST file is missing, truncated or not the file the course ships."""


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_mnist(path=None, split="train", verify=True):
    """Return ``(images uint8 (N, 28, 28), labels uint8 (N,))`` for ``split`` ('train'/'test').

    The file's sha256 is checked against the one in data/README.md; a missing,
    truncated or altered file raises ``DataFileError`` saying how to restore it.
    """
    path = Path(path) if path is not None else DATA_DIR / "mnist.npz"
    shown = relative(path)
    restore = "Restore it with `git checkout -- data/mnist.npz` (it ships with the repository)."
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    if not path.exists():
        raise DataFileError(f"MNIST file not found at {shown}. {restore} (With gan_utils installed as a package, "
                            "not from the repository: set GAN_DATA_DIR to the course's data/ folder.)")
    if verify:
        actual = file_sha256(path)
        if actual != MNIST_SHA256:
            size = path.stat().st_size
            raise DataFileError(
                f"MNIST file {shown} is corrupt or not the course's file: sha256 {actual[:12]}… "
                f"({size:,} bytes) but expected {MNIST_SHA256[:12]}… (11,490,519 bytes). {restore}"
            )
    try:
        with np.load(path) as archive:
            arrays = {key: archive[key] for key in MNIST_KEYS}
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as err:
        raise DataFileError(f"MNIST file {shown} cannot be read ({err}). {restore}") from err
    for key, shape in MNIST_KEYS.items():
        if arrays[key].shape != shape:
            raise DataFileError(f"{shown}: {key} has shape {arrays[key].shape}, expected {shape}. {restore}")
    prefix = "train" if split == "train" else "test"
    return arrays[f"x_{prefix}"], arrays[f"y_{prefix}"]


def to_model_range(images):
    """uint8 images (N, 28, 28) in [0, 255] -> float32 (N, 28, 28, 1) in [-1, 1] (tanh range)."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    return images.astype("float32") / 127.5 - 1.0


def to_uint8(images):
    """Generator output in [-1, 1], shape (N, 28, 28[, 1]) -> uint8 (N, 28, 28)."""
    images = np.asarray(images, dtype="float32")
    if images.ndim == 4:
        images = images[..., 0]
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype("uint8")


def check_images(images, name="images"):
    """Raise a clear ValueError unless ``images`` look like MNIST for the models.

    Accepts uint8 (N, 28, 28) or float (N, 28, 28[, 1]); floats must be in [-1, 1].
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or images.shape[1:3] != (28, 28) or (images.ndim == 4 and images.shape[3] != 1):
        raise ValueError(f"{name} must have shape (N, 28, 28) or (N, 28, 28, 1), got {images.shape}.")
    if len(images) == 0:
        raise ValueError(f"{name} is empty.")
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{name} must be uint8 in [0, 255] or float in [-1, 1], got dtype {images.dtype}.")
    low, high = float(np.min(images)), float(np.max(images))
    if not np.isfinite([low, high]).all() or low < -1.0001 or high > 1.0001:
        raise ValueError(
            f"{name} must be in [-1, 1] (use gan_utils.core.data.to_model_range on uint8 images), "
            f"got values in [{low:.3g}, {high:.3g}]."
        )
    return images


def check_labels(labels, count, name="labels"):
    """Raise a clear ValueError unless ``labels`` are ``count`` integers in 0..9."""
    if labels is None:
        raise ValueError(f"This model is conditional: pass {name} (digits 0-9), one per image.")
    labels = np.asarray(labels)
    if labels.shape != (count,):
        raise ValueError(f"{name} must have shape ({count},), got {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"{name} must be integers in 0..{NUM_CLASSES - 1}, got values {np.unique(labels)[:10]}.")
    return labels.astype("int32")


def make_dataset(images, labels=None, batch_size=256, shuffle=True, seed=0, drop_remainder=False):
    """Build the training pipeline: scale to [-1, 1], add channel axis, shuffle, batch, prefetch.

    Yields ``images`` or ``(images, labels)``. The last batch may be smaller than
    ``batch_size`` (unless ``drop_remainder``); train steps take the batch size from the data,
    so it just works. ``Trainer.fit`` drops it by default (BatchNorm on a short batch is noisy).
    ``seed`` fixes the shuffle order (the trainer passes seed + epoch, so a resumed run
    sees the same order as an uninterrupted one).
    """
    images = check_images(images)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if batch_size > len(images):
        raise ValueError(f"batch_size {batch_size} is larger than the data ({len(images)} images); use at most {len(images)}.")
    scaled = to_model_range(images) if images.dtype == np.uint8 else images.astype("float32").reshape(-1, *IMAGE_SHAPE)
    tensors = scaled if labels is None else (scaled, check_labels(labels, len(images)))
    ds = tf.data.Dataset.from_tensor_slices(tensors)
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=False)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def sample_gaussian_1d(n, mean=4.0, std=0.5, rng=None):
    """n samples (n, 1) float32 of N(mean, std²): the real data of 01_vanilla_gan's theory section."""
    rng = np.random.default_rng(rng)
    return rng.normal(mean, std, size=(n, 1)).astype("float32")


def gaussian_pdf(x, mean=4.0, std=0.5):
    """Density of N(mean, std²) at x."""
    x = np.asarray(x, dtype="float64")
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def ring_centers(modes=8, radius=2.0):
    """(modes, 2) centres of the ring of Gaussians, evenly spaced on a circle."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype("float32")


def sample_ring(n, modes=8, radius=2.0, std=0.02, rng=None):
    """n samples (n, 2) from a ring of ``modes`` Gaussians: the mode-collapse toy of 03."""
    rng = np.random.default_rng(rng)
    centers = ring_centers(modes, radius)
    picks = rng.integers(0, modes, size=n)
    return (centers[picks] + rng.normal(0, std, size=(n, 2))).astype("float32")


def ring_quality(points, modes=8, radius=2.0, std=0.02, min_share=0.01):
    """The ring's two meters, counted as VEEGAN counts them (Srivastava et al. 2017, Table 1), plus a looser radius.

    A point is *high quality* when it lies within 3σ (0.06) of a centre; a mode is *covered* when it holds at least
    ``min_share`` of all the points as high-quality points. Returns ``{"modes": covered modes, "high_quality": share
    of points within 3σ of a centre, "near": share within max(3σ, 0.1·radius) = 0.2}``. 03_training_pitfalls.ipynb,
    benchmarks/ring.py."""
    points = np.asarray(points, dtype="float64")
    if points.ndim != 2 or points.shape[1] != 2 or not len(points):
        raise ValueError(f"expected points of shape (n, 2), got {points.shape}.")
    dist = np.linalg.norm(points[:, None, :] - ring_centers(modes, radius)[None].astype("float64"), axis=2)
    nearest, closest = dist.argmin(axis=1), dist.min(axis=1)
    good = closest < 3 * std
    counts = np.bincount(nearest[good], minlength=modes)
    return {"modes": int((counts >= min_share * len(points)).sum()), "high_quality": float(good.mean()),
            "near": float((closest < max(3 * std, 0.1 * radius)).mean())}
