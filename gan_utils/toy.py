"""Algorithm 1 on low-dimensional toy data (the ring of 8 Gaussians of 03_training_pitfalls.ipynb).

``Trainer`` is for MNIST-shaped images; toy points need only the loop itself, which
01_vanilla_gan.ipynb writes out line by line. Here it is once, with snapshots.
"""
import numpy as np

from gan_utils.data import ring_coverage, sample_ring


def train_on_ring(steps, iterations, batch_size=256, d_steps=1, snapshot_every=100, n_snapshot=1000, seed=0):
    """Train ``steps`` (a ``GANSteps`` on 2-D points) on the ring for ``iterations`` generator steps.

    Every ``snapshot_every`` iterations (and at 0) it draws ``n_snapshot`` points from G (the same
    noise each time) and counts the covered modes. Returns ``{"iteration": [...], "points": [...],
    "covered": [...], "history": {log name: [...]}}``.
    """
    if iterations < 0 or batch_size < 1 or d_steps < 1:
        raise ValueError("iterations must be >= 0, batch_size and d_steps >= 1.")
    rng = np.random.default_rng(seed)
    fixed_noise = steps.noise(n_snapshot)
    out = {"iteration": [], "points": [], "covered": [], "history": {}}
    for iteration in range(iterations + 1):
        if iteration % snapshot_every == 0 or iteration == iterations:
            points = steps.generate(fixed_noise).numpy()
            out["iteration"].append(iteration)
            out["points"].append(points)
            out["covered"].append(ring_coverage(points)[0])
        if iteration == iterations:
            break
        for _ in range(d_steps):
            logs = dict(steps.d_step(sample_ring(batch_size, rng=rng)))
        logs.update(steps.g_step(batch_size))
        for key, value in logs.items():
            out["history"].setdefault(key, []).append(float(value))
    return out
