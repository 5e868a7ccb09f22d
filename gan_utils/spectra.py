"""Traces a generator leaves: the average Fourier spectrum of images (issue #19; taught in 10_beyond_images.ipynb).

Transposed convolutions with stride 2 upsample by inserting zeros and smoothing; imperfect smoothing leaves a
periodic pattern (checkerboard artefacts, Odena et al., 2016) that shows up as peaks at high spatial
frequencies of the average spectrum, where real digits have almost no energy. ``average_log_spectrum`` gives
that average (log magnitude of the centred 2-D FFT) for a set of images; ``high_frequency_share`` the share of
spectral energy outside a centred low-frequency square.
"""
import numpy as np


def _as_float(images):
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, 1), got {images.shape}.")
    images = images.astype("float64")
    return images / 255.0 if images.max() > 1.0 else images


def average_log_spectrum(images):
    """Mean over images of log(1 + |FFT2(image − its mean)|), zero frequency at the centre; shape (H, W)."""
    x = _as_float(images)
    x = x - x.mean(axis=(1, 2), keepdims=True)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(x), axes=(1, 2)))
    return np.log1p(spectrum).mean(axis=0)


def high_frequency_share(images, low=7):
    """Share of spectral energy (|FFT|²) outside the centred (2·low + 1)² square of low frequencies."""
    x = _as_float(images)
    x = x - x.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fftshift(np.fft.fft2(x), axes=(1, 2))) ** 2
    h, w = power.shape[1:]
    cy, cx = h // 2, w // 2
    inner = power[:, cy - low:cy + low + 1, cx - low:cx + low + 1].sum(axis=(1, 2))
    total = power.sum(axis=(1, 2))
    return float(np.mean(1.0 - inner / np.where(total > 0, total, 1.0)))
