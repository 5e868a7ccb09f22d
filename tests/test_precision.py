"""Every model family of the course under ``mixed_bfloat16`` against the same weights in float32, and one training
step of every recipe under ``mixed_bfloat16``: outputs stay float32 and close, losses finite, weights move.

These run under bfloat16 whatever the suite's policy (``precision_scope``), so a machine without native bfloat16
tests the path that ``choose_precision("auto")`` takes on recent CPUs and GPUs (TensorFlow emulates it: slower, the
same numbers up to rounding). The formula tests elsewhere are marked ``float32``; this module is their counterpart.
bfloat16 keeps 8 bits of mantissa (relative rounding 2⁻⁸ ≈ 0.4 % per operation), so a few layers deep the outputs
differ from float32 by about a percent of their scale: the tolerance below is 0.06 of the outputs' largest value,
far below the differences a wrong formula, a missing cast or a float32 layer computing in bfloat16 twice would make
(an untrained network's outputs differ between two random initialisations by about their scale)."""
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import aae, models, progressive, sequences, style, tabular, translation, vae
from gan_utils.recipes import RECIPES, make_trainer
from gan_utils.runtime import precision_scope
from tests.seeding import reseed

BF16_TOLERANCE = 0.06


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
        assert np.abs(w - g).max() <= BF16_TOLERANCE * scale, (np.abs(w - g).max(), scale)


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


@pytest.mark.parametrize("name", [n for n in RECIPES if not n.startswith(("pix2pix", "cyclegan"))] + ["pix2pix-superres"])
def test_one_training_step_of_every_recipe_under_mixed_bfloat16(tmp_path, name):
    images = np.random.default_rng(1).integers(0, 256, size=(16, 28, 28), dtype=np.uint8)
    labels = np.arange(16) % 10
    with precision_scope("mixed_bfloat16"):
        reseed(0)
        trainer = make_trainer(name, out_dir=tmp_path / name, seed=0, fused=True)
        generator = trainer.steps.generator
        before = [w.copy() for w in generator.get_weights()]
        history = trainer.fit(images, labels if trainer.steps.conditional else None, iterations=1, batch_size=8)
    values = [float(np.asarray(v[-1]).mean()) for v in history.values() if len(v)]
    assert values and all(np.isfinite(values)), history
    assert any(not np.array_equal(a, b) for a, b in zip(before, generator.get_weights())), "no weight moved"
