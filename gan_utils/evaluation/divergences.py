"""Distances between two 1-D densities on a grid: Jensen-Shannon, Earth-Mover (W1) and energy (Cramér).

04_wgan.ipynb uses them to show that JSD saturates at log 2 once two distributions stop
overlapping, while W1 keeps growing with the distance (01_vanilla_gan.ipynb writes the
JSD out by hand while deriving V(G, D*)). The energy distance (Székely; Cramér GAN, Bellemare et al. 2017)
is the third: like W1 it compares cumulative distributions, with squares instead of absolute values.
"""
import numpy as np


def _normalise(p, xs):
    p = np.asarray(p, dtype="float64")
    mass = np.trapezoid(p, xs)
    if mass <= 0:
        raise ValueError("a density must have positive mass on the grid")
    return p / mass


def jensen_shannon(p, q, xs):
    """JSD(p || q) = ½·KL(p || m) + ½·KL(q || m), m = ½(p + q), in nats (0 ... log 2)."""
    xs = np.asarray(xs, dtype="float64")
    p, q = _normalise(p, xs), _normalise(q, xs)
    m = 0.5 * (p + q)

    def kl_to_m(a):
        ratio = np.where(a > 0, a / np.where(m > 0, m, 1.0), 1.0)
        return np.trapezoid(a * np.log(ratio), xs)

    return float(0.5 * kl_to_m(p) + 0.5 * kl_to_m(q))


def _cdfs(p, q, xs):
    xs = np.asarray(xs, dtype="float64")
    p, q = _normalise(p, xs), _normalise(q, xs)
    dx = np.diff(xs)
    cdf = lambda a: np.concatenate([[0.0], np.cumsum(0.5 * (a[1:] + a[:-1]) * dx)])  # noqa: E731
    return xs, cdf(p), cdf(q)


def wasserstein_1(p, q, xs):
    """W1(p, q) = ∫ |F_p(x) - F_q(x)| dx for 1-D densities (F = cumulative distribution)."""
    xs, cdf_p, cdf_q = _cdfs(p, q, xs)
    return float(np.trapezoid(np.abs(cdf_p - cdf_q), xs))


def energy_distance(p, q, xs):
    """Energy distance sqrt(2·E|X − Y| − E|X − X'| − E|Y − Y'|) for X ~ p, Y ~ q; in 1-D it equals
    sqrt(2·∫ (F_p(x) − F_q(x))² dx), √2 times the Cramér distance (the definition of scipy.stats.energy_distance).
    For two narrow bumps a distance d apart it grows like sqrt(2d): like W1 it keeps growing with d."""
    xs, cdf_p, cdf_q = _cdfs(p, q, xs)
    return float(np.sqrt(2.0 * np.trapezoid(np.square(cdf_p - cdf_q), xs)))
