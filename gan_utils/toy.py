"""Algorithm 1 on low-dimensional toy data (the ring of 8 Gaussians of 03_training_pitfalls.ipynb).

``Trainer`` is for MNIST-shaped images; toy points need only the loop itself, which
01_vanilla_gan.ipynb writes out line by line. Here it is once, with snapshots.
"""
import numpy as np

from gan_utils.data import ring_centers, ring_coverage, sample_ring


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


def ring_quality(points, modes=8, radius=2.0, std=0.02, min_share=0.01):
    """The ring benchmark's two numbers, as VEEGAN (Srivastava et al. 2017, Table 1) counts them, plus the looser
    radius of 03's meter: ``{"modes": modes holding >= min_share of the points within 3σ of their centre,
    "high_quality": share of points within 3σ (0.06) of a centre, "near": share within 0.2}``."""
    points = np.asarray(points, dtype="float64")
    if points.ndim != 2 or points.shape[1] != 2 or not len(points):
        raise ValueError(f"expected points of shape (n, 2), got {points.shape}.")
    dist = np.linalg.norm(points[:, None, :] - ring_centers(modes, radius)[None].astype("float64"), axis=2)
    nearest, closest = dist.argmin(axis=1), dist.min(axis=1)
    good = closest < 3 * std
    counts = np.bincount(nearest[good], minlength=modes)
    return {"modes": int((counts >= min_share * len(points)).sum()), "high_quality": float(good.mean()),
            "near": float((closest < max(3 * std, 0.1 * radius)).mean())}


def build_ring_generator(latent_dim=256, hidden=(128, 128), activation="tanh", name="ring_generator"):
    """The unrolled-GAN paper's ring generator (Metz et al. 2017, appendix A): 256-d noise, two hidden layers of
    128 units, linear 2-d output."""
    import keras

    z = x = keras.Input((latent_dim,), name="z")
    for units in hidden:
        x = keras.layers.Dense(units, activation=activation)(x)
    return keras.Model(z, keras.layers.Dense(2, dtype="float32")(x), name=name)


def build_ring_discriminator(hidden=(128, 128), activation="tanh", minibatch_kernels=0, kernel_dim=5,
                             name="ring_discriminator"):
    """The matching discriminator (two hidden layers of 128 units, a logit); ``minibatch_kernels`` > 0 inserts
    ``remedies.MinibatchDiscrimination`` before the logit."""
    import keras

    from gan_utils.remedies import MinibatchDiscrimination

    x = point = keras.Input((2,), name="point")
    for units in hidden:
        x = keras.layers.Dense(units, activation=activation)(x)
    if minibatch_kernels:
        x = MinibatchDiscrimination(minibatch_kernels, kernel_dim)(x)
    return keras.Model(point, keras.layers.Dense(1, dtype="float32", name="logit")(x), name=name)


def train_on_ring_compiled(steps, iterations, batch_size=512, d_steps=1, snapshot_every=500, n_snapshot=10_000,
                           seed=0, modes=8, radius=2.0, std=0.02):
    """``train_on_ring`` for benchmarks: the same updates (``d_steps`` D steps on fresh real batches, then one G
    step), but ``snapshot_every`` iterations run inside one compiled function with the real points drawn in the
    graph (a seeded ``tf.random.Generator``), so Python's per-step overhead (most of the time of a 2-D GAN) goes.
    Returns what ``train_on_ring`` returns, without the per-step history."""
    import tensorflow as tf

    if iterations < 0 or batch_size < 1 or d_steps < 1 or snapshot_every < 1:
        raise ValueError("iterations must be >= 0; batch_size, d_steps and snapshot_every >= 1.")
    data_rng = tf.random.Generator.from_seed(seed + 7919)
    centers = tf.constant(ring_centers(modes, radius))

    def real_batch():
        which = data_rng.uniform((batch_size,), 0, modes, dtype=tf.int32)
        return tf.gather(centers, which) + std * data_rng.normal((batch_size, 2))

    @tf.function
    def chunk(n):
        for _ in tf.range(n):
            for _ in range(d_steps):
                steps.d_step(real_batch())
            steps.g_step(batch_size)

    fixed_noise = steps.noise(n_snapshot)
    out = {"iteration": [], "points": [], "covered": []}
    done = 0
    while True:
        points = steps.generate(fixed_noise).numpy()
        out["iteration"].append(done)
        out["points"].append(points)
        out["covered"].append(ring_quality(points, modes, radius, std)["modes"])
        if done == iterations:
            return out
        n = min(snapshot_every, iterations - done)
        chunk(tf.constant(n))
        done += n
