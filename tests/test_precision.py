"""Every model family of the course under ``mixed_bfloat16`` against the same weights in float32, and one training
step of every recipe under ``mixed_bfloat16``: outputs stay float32 and close, losses finite, weights move.

These run under bfloat16 whatever the suite's policy (``precision_scope``), so a machine without native bfloat16
tests the path that ``choose_precision("auto")`` takes on recent CPUs and GPUs (TensorFlow emulates it: slower, the
same numbers up to rounding). The formula tests elsewhere are marked ``float32``; this module is their counterpart.
bfloat16 keeps 8 bits of mantissa (relative rounding 2⁻⁸ ≈ 0.4 % per operation), so a few layers deep the outputs
differ from float32 by about a percent of their scale (the tolerances below), far below the differences a wrong
formula or weights not reaching the bfloat16 model would make (two random initialisations differ by about the
outputs' scale); a missing cast fails outright (a float32 and a bfloat16 tensor cannot meet in one operation)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import aae, models, progressive, sequences, style, tabular, translation, vae
from gan_utils.runtime import precision_scope
from tests.seeding import reseed

# relative to the outputs' largest value: the mean difference and the 99th percentile (a normalisation after a
# convolution amplifies bfloat16's cancellation error at the few positions whose features are all near zero: with
# 8 channels, measured up to 0.44 of the scale at single pixels of the progressive generator, mean 0.01)
MEAN_TOLERANCE, P99_TOLERANCE = 0.02, 0.12


def _in_both(build, inputs):
    """Build in float32, copy the weights into a bfloat16 build, run both on the same inputs."""
    with precision_scope("float32"):
        reseed(0)
        reference = build()
        want = reference(inputs, training=False)
    with precision_scope("mixed_bfloat16"):
        low = build()
        low.set_weights(reference.get_weights())
        got = low(inputs, training=False)
        compute = {layer.dtype_policy.compute_dtype for layer in low.layers if layer.trainable_weights}
    return want, got, compute


def _close(want, got):
    want, got = tf.nest.flatten(want), tf.nest.flatten(got)
    for w, g in zip(want, got):
        assert g.dtype == tf.float32, f"output is {g.dtype}, not float32"
        w, g = np.asarray(w), np.asarray(g)
        scale = max(float(np.abs(w).max()), 1e-3)
        apart = np.abs(w - g) / scale
        assert apart.mean() <= MEAN_TOLERANCE and np.quantile(apart, 0.99) <= P99_TOLERANCE, \
            (float(apart.mean()), float(np.quantile(apart, 0.99)), float(apart.max()))


def _normal(*shape, seed=0):
    return tf.constant(np.random.default_rng(seed).normal(size=shape).astype("float32"))


def _images(n=4, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, size=(n, 28, 28, 1)).astype("float32"))


MODELS = {
    "mlp generator": (lambda: models.build_mlp_generator(hidden=(32, 64)), lambda: _normal(4, 100)),
    "mlp discriminator": (lambda: models.build_mlp_discriminator(hidden=(32, 16)), _images),
    "dcgan generator": (lambda: models.build_dcgan_generator(filters=(16, 8, 4)), lambda: _normal(4, 100)),
    "dcgan discriminator": (lambda: models.build_dcgan_discriminator(filters=(8, 16)), _images),
    "critic (spectral norm)": (lambda: models.build_critic(filters=(8, 16), spectral_norm=True), _images),
    "conditional generator": (lambda: models.build_conditional_generator(),
                              lambda: [_normal(4, 100), tf.constant([0, 3, 7, 9])]),
    "progressive generator": (lambda: progressive.build_progressive_generator(latent_dim=16, filters=(16, 8, 8)),
                              lambda: _normal(4, 16)),
    "style generator": (lambda: style.build_style_generator(latent_dim=16, w_dim=16, filters=(16, 8, 8)),
                        lambda: _normal(4, 16)),
    "aae decoder": (lambda: aae.build_decoder(2, hidden=(16,)), lambda: _normal(4, 2)),
    "aae encoder": (lambda: aae.build_encoder(2, hidden=(16,)), _images),
    "unet": (lambda: translation.build_unet(filters=(8, 16, 16)), _images),
    "sequence generator": (lambda: sequences.build_sequence_generator(units=8), lambda: _normal(4, 24, 4)),
    "sequence discriminator": (lambda: sequences.build_sequence_discriminator(units=8, per_step=True),
                               lambda: _normal(4, 24, 1)),
    "tabular generator": (lambda: tabular.build_tabular_generator([("alpha", 1), ("beta", 3)], hidden=(16,)),
                          lambda: [_normal(4, 32), tf.constant([0, 1, 0, 1])]),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_model_under_mixed_bfloat16_matches_float32(name):
    build, inputs = MODELS[name]
    want, got, compute = _in_both(build, inputs())
    assert "bfloat16" in compute, "no layer computed in bfloat16: the policy did not reach the model"
    _close(want, got)


def test_vae_under_mixed_bfloat16_trains_and_bounds_like_float32():
    images = np.random.default_rng(0).integers(0, 256, size=(32, 28, 28), dtype=np.uint8)
    bounds = {}
    for policy in ("float32", "mixed_bfloat16"):
        with precision_scope(policy):
            reseed(0)
            model = vae.VAE(latent_dim=2, hidden=16, seed=0)
            before = model.log_likelihood_bound(images)[0]
            history = model.fit(images, epochs=1, batch_size=16)
            bounds[policy] = (before, model.log_likelihood_bound(images)[0], history)
    (f_before, f_after, f_hist), (b_before, b_after, b_hist) = bounds["float32"], bounds["mixed_bfloat16"]
    assert np.isfinite([b_before, b_after, *b_hist]).all()
    # the ELBO is a sum over 784 pixels: compare relative to its size
    assert abs(b_before - f_before) <= 0.01 * abs(f_before), (b_before, f_before)


def _tiny_steps(kind):
    """One steps object per training rule of the course, on small networks (full-size networks in emulated
    bfloat16 take minutes a step on a CPU without it)."""
    from gan_utils import conditional, fast, remedies
    from gan_utils.train import GANSteps

    adam = lambda: keras.optimizers.Adam(1e-3, beta_1=0.5)  # noqa: E731
    g = lambda: models.build_dcgan_generator(latent_dim=8, filters=(16, 8, 4))  # noqa: E731
    d = lambda: models.build_dcgan_discriminator(filters=(4, 8))  # noqa: E731
    if kind == "non-saturating, fused kernels":
        return GANSteps(fast.with_fused_layers(g()), fast.with_fused_layers(d()),
                        fast.fused_optimizer(adam()), fast.fused_optimizer(adam()))
    if kind == "wgan, clipping":
        return GANSteps(g(), models.build_critic(filters=(4, 8)), keras.optimizers.RMSprop(5e-5),
                        keras.optimizers.RMSprop(5e-5), loss="wasserstein", clip_value=0.01)
    if kind == "wgan-gp":
        return GANSteps(g(), models.build_critic(filters=(4, 8)), adam(), adam(), loss="wasserstein",
                        gp_weight=10.0)
    if kind == "ac-gan":
        return conditional.AuxiliaryClassifierSteps(
            models.build_conditional_generator(latent_dim=8), models.build_conditional_discriminator(filters=(4, 8)),
            adam(), adam())
    if kind == "feature matching":
        return remedies.FeatureMatchingSteps(g(), d(), adam(), adam())
    raise KeyError(kind)


@pytest.mark.parametrize("kind", ["non-saturating, fused kernels", "wgan, clipping", "wgan-gp", "ac-gan",
                                  "feature matching"])
def test_one_training_step_of_every_rule_under_mixed_bfloat16(kind):
    real = tf.constant(np.random.default_rng(1).uniform(-1, 1, size=(8, 28, 28, 1)).astype("float32"))
    labels = tf.constant(np.arange(8) % 10, dtype=tf.int32)
    with precision_scope("mixed_bfloat16"):
        reseed(0)
        steps = _tiny_steps(kind)
        before = [w.copy() for w in steps.generator.get_weights()]
        logs = dict(steps.d_step(real, labels) if steps.conditional else steps.d_step(real))
        logs.update(steps.g_step(8))
    values = [float(np.asarray(v).mean()) for v in logs.values()]
    assert values and np.isfinite(values).all(), logs
    assert any(not np.array_equal(a, b) for a, b in zip(before, steps.generator.get_weights())), "G did not move"


@pytest.mark.parametrize("name", ["dcgan generator", "style generator", "mlp discriminator"])
def test_the_tolerance_rejects_other_weights(name):
    """The comparison can fail: the same network with another initialisation is far outside it."""
    build, inputs = MODELS[name]
    x = inputs()
    with precision_scope("float32"):
        reseed(0)
        a = build()(x, training=False)
        reseed(1)
        b = build()(x, training=False)
    with pytest.raises(AssertionError):
        _close(a, b)
