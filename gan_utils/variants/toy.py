"""Algorithm 1 on the ring of 8 Gaussians (03_training_pitfalls.ipynb, benchmarks/ring.py).

``Trainer`` is for MNIST-shaped images; 2-D points need only the loop itself, which 01_vanilla_gan.ipynb writes
out line by line. Here it is once, compiled, with snapshots; beside it the ring benchmark's networks and one
function that builds each remedy's arm, so the notebook and the benchmark train exactly the same thing.
"""
import keras
import numpy as np
import tensorflow as tf

from gan_utils.core.data import ring_centers, ring_quality

# the ring benchmark's setting (benchmarks/ring.py's docstring and benchmarks/README.md have the reasons)
RING_BATCH, RING_LEARNING_RATE, RING_BETA_1, RING_ITERATIONS = 256, 5e-4, 0.5, 6000
MINIBATCH_BATCH = 128   # minibatch discrimination compares every pair of a batch (cost ∝ batch²); Salimans et al.: 100
RING_ARMS = {"plain": "plain GAN", "feature_matching": "feature matching", "minibatch": "minibatch discrimination",
             "unrolled": "unrolled GAN (5 steps)", "instance_noise": "instance noise (σ 0.2 → 0)",
             "wgan_gp": "WGAN-GP", "energy": "energy-distance generator (Cramér)", "mmd": "MMD generator"}


def train_on_ring(steps, iterations, batch_size=RING_BATCH, d_steps=1, snapshot_every=500, n_snapshot=10_000,
                  seed=0, modes=8, radius=2.0, std=0.02):
    """Train ``steps`` on the ring for ``iterations`` generator iterations of Algorithm 1: ``d_steps`` D steps on
    fresh real batches, then one G step. The real points are drawn in the graph (a seeded ``tf.random.Generator``)
    and ``snapshot_every`` iterations run inside one compiled function, so Python's per-step overhead (most of the
    time of a 2-D GAN) goes. At 0, every ``snapshot_every`` iterations and at the end it draws ``n_snapshot`` points
    from G (the same noise each time) and scores them with ``data.ring_quality``.

    Returns ``{"iteration": [...], "points": [...], "modes": [...], "high_quality": [...], "near": [...]}``, one
    entry per snapshot."""
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
    out = {"iteration": [], "points": [], "modes": [], "high_quality": [], "near": []}
    done = 0
    while True:
        points = steps.generate(fixed_noise).numpy()
        out["iteration"].append(done)
        out["points"].append(points)
        for key, value in ring_quality(points, modes, radius, std).items():
            out[key].append(value)
        if done == iterations:
            return out
        n = min(snapshot_every, iterations - done)
        chunk(tf.constant(n))
        done += n


def build_ring_generator(latent_dim=256, hidden=(128, 128), activation="tanh", name="ring_generator"):
    """The unrolled-GAN paper's ring generator (Metz et al. 2017, appendix A): 256-d noise, two hidden layers of
    128 units, linear 2-d output."""
    z = x = keras.Input((latent_dim,), name="z")
    for units in hidden:
        x = keras.layers.Dense(units, activation=activation)(x)
    return keras.Model(z, keras.layers.Dense(2, dtype="float32")(x), name=name)


def build_ring_discriminator(hidden=(128, 128), activation="relu", minibatch_kernels=0, kernel_dim=5,
                             name="ring_discriminator"):
    """The benchmark's discriminator (two hidden layers of 128 ReLU units, a logit; the paper's has tanh units);
    ``minibatch_kernels`` > 0 inserts ``remedies.MinibatchDiscrimination`` before the logit."""
    from gan_utils.variants.remedies import MinibatchDiscrimination

    x = point = keras.Input((2,), name="point")
    for units in hidden:
        x = keras.layers.Dense(units, activation=activation)(x)
    if minibatch_kernels:
        x = MinibatchDiscrimination(minibatch_kernels, kernel_dim)(x)
    return keras.Model(point, keras.layers.Dense(1, dtype="float32", name="logit")(x), name=name)


def ring_arm(name, seed=0, iterations=RING_ITERATIONS, unroll=5, learning_rate=RING_LEARNING_RATE,
             g_learning_rate=None, g_activation="tanh", d_kwargs=None):
    """Build one arm of the ring benchmark: returns ``(steps, d_steps per generator iteration, batch size)``.

    ``name`` is a key of ``RING_ARMS``. Same generator for every arm, Adam (β1 0.5) at ``learning_rate``; the
    per-arm settings follow the papers where they give one. Build inside ``runtime.seeded(seed)`` so the initial
    weights are the seed's. ``d_kwargs`` overrides ``build_ring_discriminator``'s arguments (the benchmark's
    ``--d-net``)."""
    from gan_utils.remedies import DistanceGeneratorSteps, FeatureMatchingSteps, InstanceNoiseSteps, UnrolledSteps
    from gan_utils.train import GANSteps

    if name not in RING_ARMS:
        raise ValueError(f"unknown arm {name!r}; choose from {', '.join(RING_ARMS)}.")

    def adam(rate=learning_rate, beta_2=0.999):
        return keras.optimizers.Adam(rate, beta_1=RING_BETA_1, beta_2=beta_2)

    def d(**kwargs):
        return build_ring_discriminator(**{**(d_kwargs or {}), **kwargs})

    g = build_ring_generator(activation=g_activation)
    g_rate = g_learning_rate or learning_rate
    if name == "plain":
        return GANSteps(g, d(), adam(g_rate), adam(), seed=seed), 1, RING_BATCH
    if name == "feature_matching":   # Salimans et al.: G matches the mean of D's last hidden layer
        return FeatureMatchingSteps(g, d(), adam(g_rate), adam(), seed=seed), 1, RING_BATCH
    if name == "minibatch":          # 16 kernels of 5 dimensions on D's last hidden layer
        return GANSteps(g, d(minibatch_kernels=16, kernel_dim=5), adam(g_rate), adam(), seed=seed), 1, MINIBATCH_BATCH
    if name == "unrolled":           # Metz et al.: G looks `unroll` of D's Adam steps ahead
        return UnrolledSteps(g, d(), adam(g_rate), adam(), unroll=unroll, seed=seed), 1, RING_BATCH
    if name == "instance_noise":     # Sønderby et al.: σ of the noise on D's inputs falls linearly to 0
        steps = InstanceNoiseSteps(g, d(), adam(g_rate), adam(), noise_std=0.2, anneal_iterations=iterations, seed=seed)
        return steps, 1, RING_BATCH
    if name == "wgan_gp":            # Gulrajani et al.'s toy settings: β (0.5, 0.9), 5 critic steps, λ 0.1
        steps = GANSteps(g, d(), adam(g_rate, 0.9), adam(beta_2=0.9), loss="wasserstein", gp_weight=0.1, seed=seed)
        return steps, 5, RING_BATCH
    # energy / MMD: no discriminator; G descends a distance between its batch and the real batch
    return DistanceGeneratorSteps(g, adam(1e-3), distance=name, seed=seed), 1, RING_BATCH
