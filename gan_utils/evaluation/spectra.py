"""Traces a generator leaves: the average Fourier spectrum of images (taught in 10_beyond_images.ipynb; notebook 07
uses ``radial_power_spectrum`` to show what pix2pix's adversarial term adds: power at high frequencies, sharpness).

Transposed convolutions with stride 2 upsample by inserting zeros and smoothing; imperfect smoothing leaves a
periodic pattern (checkerboard artefacts, Odena et al., 2016) that shows up as peaks at high spatial
frequencies of the average spectrum, where real digits have almost no energy. ``average_log_spectrum`` gives
that average (log magnitude of the centred 2-D FFT) for a set of images; ``high_frequency_share`` the share of
spectral energy outside a centred low-frequency square; ``radial_power_spectrum`` the mean power at each distance
from the zero frequency (a blurred image loses power at the large distances, the fine detail).
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


def radial_power_spectrum(images):
    """Mean spectral power |FFT2(image − its mean)|² / (H·W) at each integer radius r = 0, 1, … ⌊min(H, W)/2⌋
    (cycles per image) from the zero frequency, averaged over the images: ``(radii, power)``. Rings beyond
    min(H, W)/2 (the corners of the spectrum) are left out, so every radius is a full ring."""
    x = _as_float(images)
    x = x - x.mean(axis=(1, 2), keepdims=True)
    h, w = x.shape[1:]
    power = (np.abs(np.fft.fftshift(np.fft.fft2(x), axes=(1, 2))) ** 2).mean(axis=0) / (h * w)
    yy, xx = np.indices((h, w))
    radius = np.rint(np.hypot(yy - h // 2, xx - w // 2)).astype(int)
    radii = np.arange(min(h, w) // 2 + 1)
    return radii, np.array([power[radius == r].mean() for r in radii])
