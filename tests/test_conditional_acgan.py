"""AC-GAN class loss (Odena et al. 2017): D's class head learns from real digits and from fakes
(``fake_class_loss=True``, the default) or from real digits only (``fake_class_loss=False``)."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_utils
from gan_utils.conditional import AuxiliaryClassifierSteps
from gan_utils.losses import auxiliary_classifier_loss
from gan_utils.models import build_conditional_discriminator, build_conditional_generator
from gan_utils.recipes import make_trainer
from tests.seeding import reseed

gan_utils.set_seed(0, deterministic=True)


def make_steps(fake_class_loss, seed=0, class_weight=1.0):
    reseed(seed)  # same initial weights for both variants
    generator = build_conditional_generator(filters=(16, 8, 4))
    discriminator = build_conditional_discriminator(filters=(8, 16), dropout=0.0)
    return AuxiliaryClassifierSteps(generator, discriminator, keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1),
                                    class_weight=class_weight, fake_class_loss=fake_class_loss, seed=seed)


def fixed_batch(n=8, seed=0):
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, size=(n, 28, 28, 1)).astype("float32")
    fake = rng.uniform(-1, 1, size=(n, 28, 28, 1)).astype("float32")
    labels = tf.constant(np.arange(n) % 10, tf.int32)
    return tf.constant(real), tf.constant(fake), labels


def test_class_loss_on_fixed_values():
    labels = tf.constant([0, 1, 2], tf.int32)
    assert float(auxiliary_classifier_loss(labels, tf.zeros((3, 10)))) == pytest.approx(math.log(10), rel=1e-6)
    confident = tf.one_hot(labels, 10) * 50.0
    assert float(auxiliary_classifier_loss(labels, confident)) == pytest.approx(0.0, abs=1e-6)
    # wrong class with logit margin 2 over one other class, 8 others at -inf-ish: -log(e^0 / (e^2 + e^0))
    logits = tf.constant([[2.0, 0.0] + [-100.0] * 8])
    assert float(auxiliary_classifier_loss(tf.constant([1]), logits)) == pytest.approx(math.log(1 + math.exp(2)), rel=1e-6)


def test_paper_variant_adds_the_fake_class_term_to_d_loss():
    real, fake, labels = fixed_batch()
    paper, real_only = make_steps(True), make_steps(False)
    for a, b in zip(paper.discriminator.get_weights(), real_only.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    p = paper.discriminator_losses(real, fake, labels, training=False)
    r = real_only.discriminator_losses(real, fake, labels, training=False)
    np.testing.assert_allclose(float(p["d_loss"]), float(r["d_loss"]), rtol=1e-6)
    np.testing.assert_allclose(float(p["d_fake_class_loss"]), float(r["d_fake_class_loss"]), rtol=1e-6)
    assert float(p["d_fake_class_loss"]) > 0.1
    np.testing.assert_allclose(float(r["d_class_loss"]), float(r["d_real_class_loss"]), rtol=1e-6)
    np.testing.assert_allclose(float(p["d_class_loss"]), float(p["d_real_class_loss"] + p["d_fake_class_loss"]), rtol=1e-6)
    np.testing.assert_allclose(float(p["total"] - r["total"]), float(p["d_fake_class_loss"]), rtol=1e-5)


def test_the_fake_class_term_changes_the_class_head_gradients():
    real, fake, labels = fixed_batch()

    def class_head_gradient(steps):
        with tf.GradientTape() as tape:
            total = steps.discriminator_losses(real, fake, labels, training=False)["total"]
        kernel = steps.discriminator.get_layer("class_logits").kernel
        return tape.gradient(total, kernel).numpy()

    paper, real_only = class_head_gradient(make_steps(True)), class_head_gradient(make_steps(False))
    assert np.abs(paper - real_only).max() > 1e-4


def test_one_d_step_of_each_variant_logs_both_class_terms_and_updates_differently():
    real, _, labels = fixed_batch()
    paper, real_only = make_steps(True), make_steps(False)
    p_logs, r_logs = paper.d_step(real, labels), real_only.d_step(real, labels)
    for logs in (p_logs, r_logs):
        assert {"d_loss", "d_class_loss", "d_real_class_loss", "d_fake_class_loss", "d_fake_class_accuracy"} <= set(logs)
        assert all(np.isfinite(float(v)) for v in logs.values())
    np.testing.assert_allclose(float(p_logs["d_class_loss"]),
                               float(p_logs["d_real_class_loss"] + p_logs["d_fake_class_loss"]), rtol=1e-5)
    np.testing.assert_allclose(float(r_logs["d_class_loss"]), float(r_logs["d_real_class_loss"]), rtol=1e-6)
    head = lambda steps: steps.discriminator.get_layer("class_logits").kernel.numpy()
    assert np.abs(head(paper) - head(real_only)).max() > 1e-6
    g_logs = paper.g_step(8)
    assert {"g_loss", "g_class_loss"} <= set(g_logs)


def test_cgan_recipe_trains_the_paper_variant():
    trainer = make_trainer("cgan", seed=0, num_samples=10)
    assert isinstance(trainer.steps, AuxiliaryClassifierSteps) and trainer.steps.fake_class_loss
