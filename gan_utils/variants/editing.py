"""Editing a trained generator's latent space: find a direction in z that changes one measurable property.

Taught in 09_control_and_inference.ipynb. A GAN gives no handle on what it draws, but its latent space is smooth:
draw many z, measure a property of G(z) (here ``ink``: the share of pixels that are stroke), fit a linear model
property ≈ w·z + b, and walk samples along w/‖w‖. ``entanglement`` then asks what else changed on the way: how
often the digit itself (as the course classifier reads it) changed. ``slant`` measures what InfoGAN's continuous codes often control.
"""
import numpy as np


def ink(images, threshold=127):
    """Share of stroke pixels (value > threshold) per image, for uint8 images (N, 28, 28[, 1]): a proxy for
    stroke thickness and size."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError("ink() takes uint8 images (0-255); convert with data.to_uint8 first.")
    return (images.reshape(len(images), -1) > threshold).mean(axis=1)


def _second_moments(images, name):
    """Ink-weighted second moments of uint8 digits (N, 28, 28[, 1]), x = column, y = row (downwards):
    ``(total ink, var(x), var(y), cov(x, y))`` per image (0 for blank images)."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"{name}() takes uint8 images (0-255); convert with data.to_uint8 first.")
    w = images.reshape(len(images), 28, 28).astype("float64")
    total = w.sum(axis=(1, 2))
    safe = np.where(total > 0, total, 1.0)
    rows, cols = np.mgrid[:28, :28]
    my = (w * rows).sum(axis=(1, 2)) / safe
    mx = (w * cols).sum(axis=(1, 2)) / safe
    dy, dx = rows[None] - my[:, None, None], cols[None] - mx[:, None, None]
    var_x = (w * dx ** 2).sum(axis=(1, 2)) / safe
    var_y = (w * dy ** 2).sum(axis=(1, 2)) / safe
    cov = (w * dx * dy).sum(axis=(1, 2)) / safe
    return total, var_x, var_y, cov


def slant(images):
    """Slant of each digit from its ink's second moments: −cov(x, y) / var(y) with ink-weighted pixel coordinates
    (x = column, y = row, downwards), so a stroke leaning right (top to the right) is positive, upright 0, a shear
    of s pixels per row gives s. uint8 images (N, 28, 28[, 1]); blank images give 0."""
    total, _, var_y, cov = _second_moments(images, "slant")
    return np.where((total > 0) & (var_y > 0), -cov / np.where(var_y > 0, var_y, 1.0), 0.0)


def width(images):
    """Width of each digit with its slant taken out, from the ink's second moments: the ink-weighted spread of the
    columns left once the shear is removed, sqrt(var(x) − cov(x, y)² / var(y)), in pixels (a digit drawn twice as
    wide gives twice the width; shearing it leaves the width alone). uint8 images (N, 28, 28[, 1]); blank images
    give 0. 09_control_and_inference.ipynb (what InfoGAN's other continuous code often controls)."""
    total, var_x, var_y, cov = _second_moments(images, "width")
    residual = var_x - np.where(var_y > 0, cov ** 2 / np.where(var_y > 0, var_y, 1.0), 0.0)
    return np.where(total > 0, np.sqrt(np.maximum(residual, 0.0)), 0.0)


def latent_direction(z, values):
    """Least-squares fit values ≈ z·w + b. Returns (unit direction w/‖w‖, R² of the fit, slope per unit step
    along the direction = ‖w‖)."""
    z, values = np.asarray(z, "float64"), np.asarray(values, "float64")
    if z.ndim != 2 or len(z) != len(values):
        raise ValueError(f"need z of shape (N, d) and N values, got {z.shape} and {values.shape}.")
    if len(z) <= z.shape[1] + 1:
        raise ValueError(f"need more samples ({len(z)}) than latent dimensions + 1 ({z.shape[1] + 1}) to fit a direction.")
    design = np.column_stack([z, np.ones(len(z))])
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    w = coef[:-1]
    norm = float(np.linalg.norm(w))
    if norm == 0:
        raise ValueError("the property does not vary with z: no direction to follow.")
    residual = values - design @ coef
    r2 = 1.0 - residual.var() / values.var() if values.var() > 0 else 0.0
    return w / norm, float(r2), norm


def walk(z, direction, offsets):
    """Latent vectors z + t·direction for each t in offsets: shape (len(offsets), N, d)."""
    z, direction = np.asarray(z, "float32"), np.asarray(direction, "float32")
    return np.stack([z + np.float32(t) * direction for t in offsets])


def entanglement(labels_along_walk):
    """Share of walked samples whose classified digit differs from their digit at the walk's centre.
    ``labels_along_walk``: (steps, N) predicted labels; the centre is the middle step."""
    labels = np.asarray(labels_along_walk)
    centre = labels[len(labels) // 2]
    return (labels != centre[None]).mean(axis=1)
