"""gan_utils.vae: the KL in closed form, the ELBO on a decoder we know, a short training run, the sampler."""
import numpy as np
import pytest
import tensorflow as tf

import gan_utils
from gan_utils import data, vae
from gan_utils.sampling import generate_digits



def test_kl_closed_form_matches_monte_carlo():
    mean, log_var = np.array([[0.5, -1.0]], "float32"), np.array([[0.2, -0.7]], "float32")
    closed = float(vae.kl_to_standard_normal(mean, log_var)[0])
    rng = np.random.default_rng(0)
    std = np.exp(0.5 * log_var)
    z = mean + std * rng.normal(size=(400_000, 2))
    log_q = -0.5 * np.sum(((z - mean) / std) ** 2 + np.log(2 * np.pi) + log_var, axis=1)
    log_p = -0.5 * np.sum(z ** 2 + np.log(2 * np.pi), axis=1)
    assert closed == pytest.approx(np.mean(log_q - log_p), abs=0.01)
    assert float(vae.kl_to_standard_normal(np.zeros((1, 3)), np.zeros((1, 3)))[0]) == 0.0


@pytest.mark.float32
def test_elbo_golden_value_with_a_constant_decoder():
    """Encoder output 0 (q = N(0, I), KL = 0) and a decoder with logits b everywhere: the ELBO is the Bernoulli
    log-likelihood Σ x·log σ(b) + (1 − x)·log(1 − σ(b)) exactly."""
    model = vae.VAE(latent_dim=2, hidden=8)
    for v in model.encoder.layers[-1].weights:
        v.assign(tf.zeros_like(v))
    last = model.decoder.layers[-2]  # the Dense before the Reshape
    last.kernel.assign(tf.zeros_like(last.kernel))
    last.bias.assign(tf.fill(last.bias.shape, 0.3))
    x01 = np.random.default_rng(1).uniform(size=(3, 28, 28, 1)).astype("float32")
    expected = np.sum(x01 * np.log(1 / (1 + np.exp(-0.3))) + (1 - x01) * np.log(1 - 1 / (1 + np.exp(-0.3))), axis=(1, 2, 3))
    np.testing.assert_allclose(model.elbo(2 * x01 - 1).numpy(), expected, rtol=1e-5)


def test_short_training_raises_the_bound_and_the_sampler_is_a_generator():
    x, _ = data.load_mnist()
    model = vae.VAE(latent_dim=8, hidden=64, seed=0)
    held_out = x[-500:]
    before, bits_before = model.log_likelihood_bound(held_out)
    history = model.fit(x[:2048], epochs=3, batch_size=128)
    after, bits_after = model.log_likelihood_bound(held_out)
    assert len(history) == 3 and history[-1] < history[0]
    assert after > before + 50 and bits_after < bits_before  # nats per image: a clearly better bound
    images, labels = generate_digits(model.sampling_model(), 7, seed=0)
    assert images.shape == (7, 28, 28) and images.dtype == np.uint8 and labels is None
    with pytest.raises(ValueError, match="exactly one budget"):
        model.fit(x[:10], epochs=1, minutes=1)
