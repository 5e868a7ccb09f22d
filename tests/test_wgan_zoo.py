"""The critic's spectral-normalisation options used by the GAN zoo of 04_wgan.ipynb."""
import keras
import numpy as np

from gan_utils import models


def _weight_layers(model):
    return [layer for layer in model.layers if layer.weights]


def test_default_critic_is_unchanged():
    critic = models.build_critic()
    assert isinstance(critic.layers[-1], keras.layers.Dense)
    assert not any(isinstance(layer, keras.layers.SpectralNormalization) for layer in critic.layers)
    conv_only = models.build_critic(spectral_norm=True)
    assert isinstance(conv_only.layers[-1], keras.layers.Dense)  # the dense layer stays plain unless asked


def test_spectral_norm_dense_wraps_every_weight_layer_and_keeps_the_output_shape():
    plain = models.build_critic()
    critic = models.build_critic(spectral_norm=True, spectral_norm_dense=True)
    assert all(isinstance(layer, keras.layers.SpectralNormalization) for layer in _weight_layers(critic))
    last = critic.layers[-1]
    assert isinstance(last, keras.layers.SpectralNormalization) and isinstance(last.layer, keras.layers.Dense)
    assert critic.output_shape == plain.output_shape == (None, 1)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    out = critic(x, training=True)
    assert tuple(out.shape) == (4, 1) and keras.backend.standardize_dtype(out.dtype) == "float32"


def test_score_stays_float32_under_mixed_precision():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        critic = models.build_critic(spectral_norm=True, spectral_norm_dense=True)
        out = critic(np.zeros((2, 28, 28, 1), "float32"), training=True)
    finally:
        keras.config.set_dtype_policy(previous)
    assert keras.backend.standardize_dtype(out.dtype) == "float32" and tuple(out.shape) == (2, 1)


def test_dense_kernel_is_normalised_in_training_calls():
    critic = models.build_critic(spectral_norm=True, spectral_norm_dense=True)
    dense = critic.layers[-1].layer
    dense.kernel.assign(5.0 * dense.kernel.numpy() / np.linalg.norm(dense.kernel.numpy()))
    x = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    critic(x, training=True)  # a (6272, 1) kernel: one power iteration gives its exact norm
    assert abs(np.linalg.norm(dense.kernel.numpy()) - 1.0) < 1e-3
