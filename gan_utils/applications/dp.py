"""Differentially private GAN training: DP-SGD on the critic (DP-GAN, Xie et al. 2018; taught in
10_beyond_images.ipynb).

Only the critic reads real records; the generator learns from the critic's outputs alone, so whatever it writes is
post-processing of the critic's training and costs no extra privacy. The critic's updates are made private as in
DP-SGD (Abadi et al. 2016):

1. **Poisson sampling**: at each critic step every training record joins the batch independently with probability
   q = batch_size / N (the batch size varies; ``poisson_batches`` draws the batches, padded to a fixed capacity
   with a mask, so the step is traced once);
2. **per-record clipping**: the gradient of each record's own share of the loss (its real score, the paired fake
   score and its gradient-penalty term) is clipped to norm ``clip_norm`` C;
3. **noise**: the clipped gradients are summed, Gaussian noise of standard deviation σ·C added (σ, the noise
   multiplier) and the result divided by the expected batch size q·N.

``epsilon`` turns (q, σ, number of critic steps, δ) into the ε of (ε, δ)-differential privacy with the Rényi
accountant of Google's ``dp-accounting`` package (add-or-remove-one neighbouring tables, Poisson-subsampled Gaussian
mechanism), not with a hand-written formula.

What the guarantee covers: the critic's (and so the generator's) training. The column transform fitted on the
records (``tabular``'s normalisers) and the class shares used to sample labels are released without noise here; a
deployed synthesiser spends part of its budget on them as well, or takes them from public knowledge.
"""
import math

import numpy as np
import tensorflow as tf

from gan_utils.core.train import GANSteps, run_iterations

RDP_ORDERS = tuple(range(2, 257)) + (320, 512, 1024)


def epsilon(noise_multiplier, sampling_probability, steps, delta=1e-5):
    """ε of (ε, δ)-DP after ``steps`` Poisson-subsampled Gaussian steps (noise multiplier σ, sampling probability q),
    from ``dp_accounting``'s RDP accountant (add-or-remove-one neighbours). ``noise_multiplier`` 0: ε = ∞."""
    import dp_accounting
    from dp_accounting.rdp import rdp_privacy_accountant

    if not 0 < sampling_probability <= 1:
        raise ValueError(f"sampling_probability must be in (0, 1], got {sampling_probability!r}.")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}.")
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta!r} (use less than 1 / number of records).")
    if noise_multiplier < 0:
        raise ValueError(f"noise_multiplier must be >= 0, got {noise_multiplier!r}.")
    if noise_multiplier == 0:
        return math.inf
    if steps == 0:
        return 0.0
    accountant = rdp_privacy_accountant.RdpAccountant(list(RDP_ORDERS))
    event = dp_accounting.PoissonSampledDpEvent(sampling_probability, dp_accounting.GaussianDpEvent(noise_multiplier))
    accountant.compose(dp_accounting.SelfComposedDpEvent(event, int(steps)))
    return float(accountant.get_epsilon(delta))


def batch_capacity(n, sampling_probability, overflow=1e-12):
    """Rows to reserve for a Poisson batch: the smallest c with P(Binomial(n, q) > c) < ``overflow``."""
    from scipy.stats import binom

    return int(min(n, binom.isf(overflow, n, sampling_probability) + 1))


def poisson_batches(n, sampling_probability, capacity, rng):
    """One Poisson-sampled batch: (indices padded to ``capacity`` with 0, mask 1.0 for the sampled rows). Raises if
    more than ``capacity`` rows are drawn (probability below ``batch_capacity``'s ``overflow``) rather than drop any."""
    chosen = np.flatnonzero(rng.random(n) < sampling_probability)
    if len(chosen) > capacity:
        raise RuntimeError(f"{len(chosen)} rows drawn for a batch of capacity {capacity}: raise the capacity.")
    indices = np.zeros(capacity, "int64")
    indices[:len(chosen)] = chosen
    mask = np.zeros(capacity, "float32")
    mask[:len(chosen)] = 1.0
    return indices, mask


class DPCriticSteps(GANSteps):
    """``GANSteps`` whose critic step is DP-SGD: ``d_step(real, labels, mask, expected_batch)`` on a padded Poisson
    batch (``mask`` 1.0 for sampled rows) clips every sampled row's gradient to ``clip_norm``, adds N(0, (σ·C)²)
    noise (σ = ``noise_multiplier``) to their sum and divides by ``expected_batch`` (q·N). The generator step is
    unchanged. Per-row gradients come from one Jacobian (vectorised). One device; no R1."""

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, clip_norm=1.0, noise_multiplier=1.0,
                 **kwargs):
        if kwargs.get("strategy") is not None or kwargs.get("r1_gamma"):
            raise ValueError("DPCriticSteps runs on one device, without R1.")
        if not clip_norm > 0:
            raise ValueError(f"clip_norm must be > 0, got {clip_norm!r}.")
        if not noise_multiplier >= 0:
            raise ValueError(f"noise_multiplier must be >= 0, got {noise_multiplier!r}.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        if self.loss.name != "wasserstein" and not self.loss.probabilistic:
            raise ValueError(f"DPCriticSteps needs a per-row loss: 'wasserstein' or a cross-entropy loss, not {self.loss.name!r}.")
        self.clip_norm, self.noise_multiplier = float(clip_norm), float(noise_multiplier)
        self.noise_rng = tf.random.Generator.from_seed(kwargs.get("seed", 0) + 7919)

    def _row_losses(self, real, labels, fake):
        """Each row's share of the critic's loss (their mean is the batch loss)."""
        real_out = tf.reshape(self.discriminate(real, labels, training=True), [-1])
        fake_out = tf.reshape(self.discriminate(fake, labels, training=True), [-1])
        if self.loss.name == "wasserstein":
            losses = fake_out - real_out
        else:  # cross-entropy: −log D(x) − log(1 − D(G(z))), per row
            losses = tf.nn.softplus(-real_out) + tf.nn.softplus(fake_out)
        if self.gp_weight:
            alpha = self.rng.uniform([tf.shape(real)[0], 1], 0.0, 1.0)
            between = alpha * real + (1.0 - alpha) * fake
            with tf.GradientTape() as inner:
                inner.watch(between)
                scores = self.discriminate(between, labels, training=True)
            norms = tf.sqrt(tf.reduce_sum(tf.square(inner.gradient(scores, between)), axis=1) + 1e-12)
            losses = losses + self.gp_weight * tf.square(norms - 1.0)
        return losses, real_out, fake_out

    def _d_step(self, real, labels=None, mask=None, expected_batch=None):
        if mask is None or expected_batch is None:
            raise ValueError("a DP critic step needs the batch's mask and the expected batch size (use train_dp_gan).")
        n = tf.shape(real)[0]
        fake = self.generate(self.noise(n), labels, training=True)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            losses, real_out, fake_out = self._row_losses(real, labels, fake)
        logger = tf.get_logger()
        level = logger.level
        logger.setLevel("ERROR")  # while tracing: the label embedding's per-row gradients are made dense, as wanted
        try:
            jacobians = tape.jacobian(losses, variables)  # one (rows, *shape) tensor per variable
        finally:
            logger.setLevel(level)
        flat = tf.concat([tf.reshape(j, [n, -1]) for j in jacobians], axis=1)
        norms = tf.norm(flat, axis=1)
        factors = mask * tf.minimum(1.0, self.clip_norm / (norms + 1e-12))
        grads = []
        for j, v in zip(jacobians, variables):
            clipped_sum = tf.tensordot(factors, j, axes=1)
            noise = self.noise_rng.normal(tf.shape(v)) * (self.noise_multiplier * self.clip_norm)
            grads.append((clipped_sum + noise) / expected_batch)
        self.d_optimizer.apply_gradients(zip(grads, variables))
        rows = tf.reduce_sum(mask)
        weighted = lambda x: tf.reduce_sum(mask * x) / tf.maximum(rows, 1.0)
        logs = {"d_loss": weighted(losses), "d_grad_norm": tf.linalg.global_norm(grads),
                "clipped_share": weighted(tf.cast(norms > self.clip_norm, tf.float32)), "batch_rows": rows}
        if self.loss.name == "wasserstein":
            logs["w_estimate"] = weighted(real_out) - weighted(fake_out)
        return logs


def train_dp_gan(steps, rows, labels, iterations, batch_size=64, d_steps=1, seed=0):
    """Train a conditional ``DPCriticSteps`` on (rows, labels): ``iterations`` generator steps, each after ``d_steps``
    critic steps on Poisson batches of expected size ``batch_size``. Returns (history, privacy) where privacy holds
    the sampling probability q, the number of critic steps and the expected batch; ``epsilon(σ, q, steps, δ)``
    turns them into ε."""
    if not isinstance(steps, DPCriticSteps):
        raise TypeError("train_dp_gan trains a DPCriticSteps (its critic step is the private one).")
    rows, labels = np.asarray(rows, "float32"), np.asarray(labels, "int32")
    n = len(rows)
    if len(labels) != n:
        raise ValueError(f"need one label per row: {n} rows, {len(labels)} labels.")
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or not 0 < batch_size <= n:
        raise ValueError(f"batch_size must be an integer between 1 and the {n} rows, got {batch_size!r}.")
    q = batch_size / n
    capacity = batch_capacity(n, q)
    rng = np.random.default_rng(seed)
    expected = tf.constant(float(batch_size))

    def poisson_samples():
        while True:
            yield poisson_batches(n, q, capacity, rng)

    samples = poisson_samples()

    def update(batch):
        for k in range(int(d_steps)):
            indices, mask = batch if k == 0 else next(samples)
            d_logs = steps.d_step(tf.constant(rows[indices]), tf.constant(labels[indices]), tf.constant(mask), expected)
        return {**d_logs, **steps.g_step(int(batch_size))}

    history = run_iterations(update, samples, iterations)
    return history, {"sampling_probability": q, "critic_steps": int(iterations) * int(d_steps),
                     "expected_batch": int(batch_size)}
