"""BiGAN / ALI (gan_utils.bigan, notebook 09): shapes at the authors' sizes, the two updates against a hand-written
loss, which networks each update moves, seeded reproducibility, and the feature probe on known cases."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import bigan
from tests.seeding import reseed


def small(seed=0, latent=4, width=16):
    reseed(seed)
    g, e = bigan.build_bigan_generator(latent, width), bigan.build_bigan_encoder(latent, width)
    d = bigan.build_joint_discriminator(latent, width)
    return bigan.BiGANSteps(g, e, d, keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5),
                            seed=seed)


def test_shapes_at_the_authors_sizes_and_a_bounded_code():
    g, e = bigan.build_bigan_generator(), bigan.build_bigan_encoder()
    d = bigan.build_joint_discriminator()
    z = np.random.default_rng(0).uniform(-1, 1, (3, 50)).astype("float32")
    images = g(z, training=False)
    assert images.shape == (3, 28, 28, 1) and float(tf.reduce_max(tf.abs(images))) <= 1.0
    codes = e(images * 50.0, training=False)          # even far outside the image range, codes stay in (-1, 1)
    assert codes.shape == (3, 50) and float(tf.reduce_max(tf.abs(codes))) <= 1.0
    assert d([images, tf.constant(z)]).shape == (3, 1)
    assert g.count_params() > 1_800_000                # two layers of 1024, as in the authors' MNIST setting


def test_the_discriminator_step_minimises_the_pair_loss_and_moves_only_d():
    steps = small()
    images = tf.constant(np.random.default_rng(1).uniform(-1, 1, (8, 28, 28, 1)).astype("float32"))
    before = {name: [v.numpy().copy() for v in model.trainable_variables]
              for name, model in (("g", steps.generator), ("e", steps.encoder), ("d", steps.discriminator))}
    state = steps.rng.state.numpy().copy()
    logs = steps.train_step(images)
    # the D loss it reports is the cross-entropy of real pairs as 1 and fake pairs as 0, on the pre-step weights
    after_d = [v.numpy().copy() for v in steps.discriminator.trainable_variables]
    after_ge = [v.numpy().copy() for v in steps.generator.trainable_variables + steps.encoder.trainable_variables]
    for v, b in zip(steps.generator.trainable_variables + steps.encoder.trainable_variables, before["g"] + before["e"]):
        v.assign(b)
    for v, b in zip(steps.discriminator.trainable_variables, before["d"]):
        v.assign(b)
    steps.rng.reset(state)
    z = steps.prior(8)
    real = steps.discriminator([images, steps.encoder(images, training=True)], training=True).numpy()
    fake = steps.discriminator([steps.generator(z, training=True), z], training=True).numpy()
    softplus = lambda x: np.logaddexp(0, x)
    expected = np.mean(softplus(-real)) + np.mean(softplus(fake))
    assert float(logs["d_loss"]) == pytest.approx(expected, rel=1e-3)
    assert float(tf.reduce_min(z)) >= -1 and float(tf.reduce_max(z)) <= 1
    assert any(not np.array_equal(a, b) for a, b in zip(after_d, before["d"]))
    assert any(not np.array_equal(a, b) for a, b in zip(after_ge, before["g"] + before["e"]))
    assert np.isfinite(float(logs["ge_loss"]))


def test_same_seed_same_losses_and_clear_errors():
    images = tf.constant(np.random.default_rng(2).uniform(-1, 1, (8, 28, 28, 1)).astype("float32"))
    a = [float(small(seed=3).train_step(images)["ge_loss"]) for _ in range(1)]
    b = [float(small(seed=3).train_step(images)["ge_loss"]) for _ in range(1)]
    assert a == b
    g, e = bigan.build_bigan_generator(4, 8), bigan.build_bigan_encoder(5, 8)
    d = bigan.build_joint_discriminator(4, 8)
    with pytest.raises(ValueError, match="same size"):
        bigan.BiGANSteps(g, e, d, keras.optimizers.Adam(), keras.optimizers.Adam())
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two optimizers"):
        bigan.BiGANSteps(g, bigan.build_bigan_encoder(4, 8), d, opt, opt)


def test_probe_reads_informative_features_and_not_noise():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 600)
    informative = np.eye(3)[labels] * 3 + rng.normal(size=(600, 3))
    noise = rng.normal(size=(600, 3))
    good = bigan.probe(informative[:400], labels[:400], informative[400:], labels[400:])
    bad = bigan.probe(noise[:400], labels[:400], noise[400:], labels[400:])
    assert good["linear"] > 0.9 and good["nearest_neighbour"] > 0.8
    assert bad["linear"] < 0.5 and bad["nearest_neighbour"] < 0.5
