"""The fused pieces of gan_utils.fast compute what their Keras parents compute."""
import numpy as np
import pytest
import tensorflow as tf
import keras

from gan_utils import fast, models


def _paired_batchnorms(shape, seed):
    rng = np.random.default_rng(seed)
    gamma, beta = rng.uniform(0.5, 2, shape[-1]).astype("float32"), rng.normal(size=shape[-1]).astype("float32")
    pair = keras.layers.BatchNormalization(momentum=0.9), fast.FusedBatchNormalization(momentum=0.9)
    for layer in pair:
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    return pair


@pytest.mark.parametrize("shape", [(64, 12), (16, 7, 7, 8)])
def test_fused_batchnorm_matches_keras_in_training(shape):
    x = tf.constant(np.random.default_rng(0).normal(1.0, 3.0, shape).astype("float32"))
    plain, fused = _paired_batchnorms(shape, seed=1)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outputs = [layer(x, training=True) for layer in (plain, fused)]
        losses = [tf.reduce_sum(tf.sin(y)) for y in outputs]
    np.testing.assert_allclose(outputs[1], outputs[0], atol=2e-6)
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(getattr(fused, name), getattr(plain, name), rtol=1e-6, atol=1e-7)
    assert not np.allclose(plain.moving_variance, 1.0)  # the statistics did move
    for wrt in (x, "gamma", "beta"):
        grads = [tape.gradient(loss, getattr(layer, wrt) if isinstance(wrt, str) else wrt)
                 for loss, layer in zip(losses, (plain, fused))]
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-5)
    # inference uses the moving statistics, through Keras's own code
    np.testing.assert_allclose(fused(x, training=False), plain(x, training=False), atol=1e-6)


@pytest.mark.parametrize("native", [True, False])
def test_fused_batchnorm_in_mixed_bfloat16_stays_close(native, monkeypatch):
    # native=False is the path of GPUs and of CPUs without oneDNN: normalise in float32
    if native and not fast.native_bfloat16_batchnorm():
        pytest.skip("no bfloat16 FusedBatchNormV3 kernel on this machine")
    monkeypatch.setattr(fast, "native_bfloat16_batchnorm", lambda: native)
    from gan_utils.runtime import precision_scope

    with precision_scope("mixed_bfloat16"):
        shape = (32, 7, 7, 16)
        plain, fused = _paired_batchnorms(shape, seed=2)
        x = tf.constant(np.random.default_rng(3).normal(size=shape).astype("float32"))
        y_plain, y_fused = plain(x, training=True), fused(x, training=True)
    assert y_fused.dtype == y_plain.dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(y_fused, tf.float32), tf.cast(y_plain, tf.float32), atol=0.05)
    np.testing.assert_allclose(fused.moving_variance, plain.moving_variance, rtol=1e-3)


@pytest.mark.float32
def test_packed_dropout_drops_at_the_rate_and_rescales():
    layer = fast.PackedDropout(0.3, seed=4)
    x = tf.ones((999, 201))  # odd number of elements: the last 32-bit word is half used
    y = layer(x, training=True).numpy()
    dropped = (y == 0).mean()
    assert abs(dropped - 0.3) < 4 * np.sqrt(0.3 * 0.7 / y.size)
    np.testing.assert_allclose(np.unique(y[y != 0]), [65536 / (65536 - round(0.3 * 65536))], rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01  # unbiased: E[dropout(x)] = x
    assert not np.array_equal(y, layer(x, training=True).numpy())  # a new mask per call
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_packed_dropout_gradient_uses_the_same_mask():
    layer = fast.PackedDropout(0.5, seed=5)
    x = tf.random.normal((64, 10), seed=6)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = tf.reduce_sum(y)
    grad = tape.gradient(total, x).numpy()
    np.testing.assert_array_equal(grad == 0, y.numpy() == 0)
    np.testing.assert_allclose(grad[grad != 0], 2.0)


def test_fused_adam_matches_keras_adam():
    start = np.random.default_rng(7).normal(size=(5, 4)).astype("float32")
    plain_var, fused_var = keras.Variable(start), keras.Variable(start)
    plain, fused = keras.optimizers.Adam(1e-2, beta_1=0.5), fast.fused_optimizer(keras.optimizers.Adam(1e-2, beta_1=0.5))
    assert isinstance(fused, fast.FusedAdam) and fused.beta_1 == 0.5

    @tf.function
    def both(grad):
        plain.apply_gradients([(grad, plain_var)])
        fused.apply_gradients([(grad, fused_var)])

    for step in range(6):
        both(tf.random.normal((5, 4), seed=step))
    assert not np.allclose(fused_var.numpy(), start)
    np.testing.assert_allclose(fused_var.numpy(), plain_var.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.float32
def test_with_fused_layers_keeps_weights_and_outputs():
    generator = models.build_dcgan_generator(filters=(16, 8, 4))
    fused = fast.with_fused_layers(generator)
    kinds = {type(layer) for layer in fused.layers}
    assert fast.FusedBatchNormalization in kinds and keras.layers.BatchNormalization not in kinds
    assert fused.count_params() == generator.count_params()
    z = tf.random.normal((8, models.LATENT_DIM), seed=8)
    np.testing.assert_allclose(fused(z, training=True), generator(z, training=True), atol=1e-5)
    discriminator = fast.with_fused_layers(models.build_dcgan_discriminator())
    assert sum(isinstance(layer, fast.PackedDropout) for layer in discriminator.layers) == 2
    critic = models.build_critic()
    assert fast.with_fused_layers(critic) is critic  # nothing to fuse


def test_fused_model_saves_and_loads(tmp_path):
    generator = fast.with_fused_layers(models.build_dcgan_generator(filters=(16, 8, 4)))
    generator.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    assert any(isinstance(layer, fast.FusedBatchNormalization) for layer in loaded.layers)
    z = tf.random.normal((4, models.LATENT_DIM), seed=9)
    np.testing.assert_allclose(loaded(z), generator(z), atol=1e-6)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fused_dcgan_trains_with_and_without_xla(jit_compile):
    from gan_utils.train import GANSteps

    generator = fast.with_fused_layers(models.build_dcgan_generator(filters=(16, 8, 4)))
    discriminator = fast.with_fused_layers(models.build_dcgan_discriminator(filters=(8, 16)))
    steps = GANSteps(generator, discriminator, fast.FusedAdam(1e-3), fast.FusedAdam(1e-3), jit_compile=jit_compile)
    before = [w.numpy().copy() for w in generator.trainable_weights + discriminator.trainable_weights]
    real = tf.random.uniform((8, 28, 28, 1), -1, 1, seed=10)
    logs = {**steps.d_step(real), **steps.g_step(8), **steps.joint_step(real)}
    assert all(np.isfinite(float(v)) for v in logs.values())
    after = generator.trainable_weights + discriminator.trainable_weights
    assert all(not np.allclose(a.numpy(), b) for a, b in zip(after, before))
    assert not np.allclose(generator.layers[2].moving_mean.numpy(), 0.0)  # BatchNorm statistics moved
