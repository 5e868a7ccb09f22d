"""Differentially private critic training (gan_utils/dp.py, notebook 10): the accountant against the Gaussian
mechanism's closed form, and the DP-SGD critic step against what it must compute (the plain mean gradient without
clipping or noise; norms bounded by the clip; noise of standard deviation σ·C / expected batch)."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import dp, tabular
from tests.seeding import reseed


def closed_form_epsilon(sigma, steps, delta):
    # without subsampling (q = 1) the Gaussian mechanism has RDP α / (2σ²) per step; composition adds; the
    # conversion to (ε, δ) is the one dp_accounting uses (Canonne, Kamath and Steinke 2020)
    return min(steps * a / (2 * sigma ** 2) + math.log1p(-1 / a) - math.log(delta * a) / (a - 1) for a in dp.RDP_ORDERS)


def test_epsilon_matches_the_gaussian_mechanism_and_moves_the_right_way():
    assert dp.epsilon(4.0, 1.0, 100, 1e-5) == pytest.approx(closed_form_epsilon(4.0, 100, 1e-5), rel=1e-6)
    base = dp.epsilon(2.0, 0.16, 1000, 1e-5)
    assert dp.epsilon(4.0, 0.16, 1000, 1e-5) < base < dp.epsilon(2.0, 0.16, 4000, 1e-5)
    assert base < dp.epsilon(2.0, 0.32, 1000, 1e-5)              # sampling more of the table costs more
    assert base < closed_form_epsilon(2.0, 1000, 1e-5)           # ... and subsampling amplifies privacy
    assert dp.epsilon(0.0, 0.16, 10, 1e-5) == math.inf and dp.epsilon(1.0, 0.16, 0, 1e-5) == 0.0
    with pytest.raises(ValueError, match="delta"):
        dp.epsilon(1.0, 0.1, 10, delta=0.0)
    with pytest.raises(ValueError, match="sampling_probability"):
        dp.epsilon(1.0, 1.5, 10)


def test_poisson_batches_sample_each_row_with_probability_q_and_refuse_to_drop_rows():
    rng = np.random.default_rng(0)
    capacity = dp.batch_capacity(400, 0.1)
    assert 40 < capacity < 400
    sizes, counts = [], np.zeros(400)
    for _ in range(500):
        indices, mask = dp.poisson_batches(400, 0.1, capacity, rng)
        sizes.append(mask.sum())
        counts[indices[mask == 1]] += 1
        assert mask.shape == (capacity,) and np.all(mask[:int(mask.sum())] == 1) and np.all(indices[mask == 0] == 0)
    assert np.mean(sizes) == pytest.approx(40, abs=1.0) and np.std(sizes) == pytest.approx(6.0, abs=1.0)
    assert counts.mean() == pytest.approx(50, abs=2) and counts.min() > 20     # every row is drawn
    with pytest.raises(RuntimeError, match="capacity"):
        dp.poisson_batches(400, 0.5, 10, rng)


def make_steps(clip_norm, noise_multiplier, gp_weight=0.0):
    reseed(0)
    g = tabular.build_tabular_generator([("normal", 3)], latent_dim=4, hidden=(8,))
    d = tabular.build_tabular_discriminator(3, hidden=(8,), dropout=0.0)
    return dp.DPCriticSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.SGD(1.0), clip_norm=clip_norm,
                            noise_multiplier=noise_multiplier, loss="wasserstein", gp_weight=gp_weight, num_classes=2)


def batch(n=12, capacity=16):
    rng = np.random.default_rng(1)
    rows = np.zeros((capacity, 3), "float32")
    rows[:n] = rng.normal(size=(n, 3))
    labels = np.zeros(capacity, "int32")
    labels[:n] = rng.integers(0, 2, n)
    mask = np.zeros(capacity, "float32")
    mask[:n] = 1
    return tf.constant(rows), tf.constant(labels), tf.constant(mask)


def weight_change(steps, *args):
    before = [v.numpy().copy() for v in steps.discriminator.trainable_variables]
    logs = steps.d_step(*args)
    return [v.numpy() - b for v, b in zip(steps.discriminator.trainable_variables, before)], logs


def test_without_clipping_or_noise_the_step_is_the_masked_mean_gradient():
    from gan_utils.runtime import precision_scope

    with precision_scope("float32"):  # exact comparison: both sides in float32 whatever the suite's precision
        _compare_with_the_mean_gradient()


def _compare_with_the_mean_gradient():
    steps = make_steps(clip_norm=1e9, noise_multiplier=0.0, gp_weight=10.0)
    rows, labels, mask = batch()
    state = steps.rng.state.numpy().copy()
    change, logs = weight_change(steps, rows, labels, mask, tf.constant(10.0))
    # the same fakes and interpolation weights again, the same weights as before the step
    steps.rng.reset(state)
    for v, c in zip(steps.discriminator.trainable_variables, change):
        v.assign_sub(c)
    fake = steps.generate(steps.noise(16), labels, training=True)
    with tf.GradientTape() as tape:
        real_out = tf.reshape(steps.discriminate(rows, labels), [-1])
        fake_out = tf.reshape(steps.discriminate(fake, labels), [-1])
        alpha = steps.rng.uniform([16, 1], 0.0, 1.0)
        between = alpha * rows + (1 - alpha) * fake
        with tf.GradientTape() as inner:
            inner.watch(between)
            scores = steps.discriminate(between, labels)
        norms = tf.sqrt(tf.reduce_sum(tf.square(inner.gradient(scores, between)), axis=1) + 1e-12)
        per_row = fake_out - real_out + 10.0 * tf.square(norms - 1)
        loss = tf.reduce_sum(mask * per_row) / 10.0          # divided by the expected batch, not the 12 rows
    expected = tape.gradient(loss, steps.discriminator.trainable_variables)
    for c, e in zip(change, expected):
        np.testing.assert_allclose(-c, tf.convert_to_tensor(e).numpy(), rtol=1e-4, atol=1e-6)
    assert float(logs["batch_rows"]) == 12 and float(logs["clipped_share"]) == 0.0


def test_clipping_bounds_each_rows_contribution():
    steps = make_steps(clip_norm=1e-3, noise_multiplier=0.0)
    rows, labels, mask = batch()
    change, logs = weight_change(steps, rows, labels, mask, tf.constant(12.0))
    norm = math.sqrt(sum(float(np.sum(c ** 2)) for c in change))
    assert 0 < norm <= 1e-3 * 12 / 12 + 1e-9                   # 12 clipped rows, each norm 1e-3, divided by 12
    assert float(logs["clipped_share"]) == 1.0


def test_noise_has_standard_deviation_sigma_times_clip_over_the_expected_batch():
    steps = make_steps(clip_norm=0.5, noise_multiplier=3.0)
    rows, labels, _ = batch()
    change, _ = weight_change(steps, rows, labels, tf.zeros(16), tf.constant(10.0))   # no row sampled: noise only
    values = np.concatenate([c.ravel() for c in change])
    assert values.size > 50 and np.std(values) == pytest.approx(3.0 * 0.5 / 10.0, rel=0.25)


def test_train_dp_gan_counts_critic_steps_and_refuses_a_plain_steps_object():
    steps = make_steps(clip_norm=1.0, noise_multiplier=1.0, gp_weight=10.0)
    rows = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    labels = np.arange(40) % 2
    history, privacy = dp.train_dp_gan(steps, rows, labels, iterations=2, batch_size=8, d_steps=3)
    assert len(history["g_loss"]) == 2 and privacy == {"sampling_probability": 0.2, "critic_steps": 6, "expected_batch": 8}
    assert np.all(np.isfinite(history["d_loss"]))
    with pytest.raises(TypeError, match="DPCriticSteps"):
        dp.train_dp_gan(object(), rows, labels, iterations=1)
    with pytest.raises(ValueError, match="batch_size"):
        dp.train_dp_gan(steps, rows, labels, iterations=1, batch_size=41)
