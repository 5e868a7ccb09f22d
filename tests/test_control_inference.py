"""Pieces of notebook 09 written by the lead: the adversarial autoencoder's steps and the latent-editing tools."""
import keras
import numpy as np
import pytest

import gan_utils
from gan_utils import aae, editing
from gan_utils.train import train_on_arrays
from tests.seeding import reseed



def tiny_aae(seed=0):
    reseed(seed)
    return aae.AdversarialAutoencoderSteps(
        aae.build_encoder(2, hidden=(16,)), aae.build_decoder(2, hidden=(16,)),
        aae.build_code_discriminator(2, hidden=(8,)), keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3), seed=seed)


def test_aae_step_updates_what_each_phase_should_and_is_reproducible():
    images = np.random.default_rng(0).uniform(-1, 1, size=(32, 28, 28, 1)).astype("float32")
    steps = tiny_aae()
    before = {name: [w.copy() for w in model.get_weights()]
              for name, model in (("e", steps.encoder), ("g", steps.decoder), ("d", steps.discriminator))}
    history = train_on_arrays(steps, images, iterations=2, batch_size=16)
    assert set(history) == {"recon_loss", "d_loss", "e_loss"} and len(history["recon_loss"]) == 2
    assert all(np.isfinite(v).all() for v in history.values())
    for name, model in (("e", steps.encoder), ("g", steps.decoder), ("d", steps.discriminator)):
        assert any(not np.array_equal(a, b) for a, b in zip(before[name], model.get_weights())), name
    again = train_on_arrays(tiny_aae(), images, iterations=2, batch_size=16)
    assert again == history                                           # same seed, same numbers
    assert steps.encode((images[:5] * 127.5 + 127.5).astype("uint8")).shape == (5, 2)
    assert steps.prior(1000).numpy().std() == pytest.approx(1.0, abs=0.1)


def test_aae_first_reconstruction_loss_is_the_mean_squared_error():
    images = np.random.default_rng(1).uniform(-1, 1, size=(8, 28, 28, 1)).astype("float32")
    steps = tiny_aae(3)
    expected = float(np.mean((steps.decoder(steps.encoder(images)).numpy() - images) ** 2))
    logs = steps.train_step(images)
    assert float(logs["recon_loss"]) == pytest.approx(expected, rel=1e-5)


def test_aae_refuses_mismatched_sizes_and_a_shared_optimizer():
    adam = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="code size"):
        aae.AdversarialAutoencoderSteps(aae.build_encoder(2, hidden=(4,)), aae.build_decoder(3, hidden=(4,)),
                                        aae.build_code_discriminator(2, hidden=(4,)), adam,
                                        keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match="three separate optimizers"):
        aae.AdversarialAutoencoderSteps(aae.build_encoder(2, hidden=(4,)), aae.build_decoder(2, hidden=(4,)),
                                        aae.build_code_discriminator(2, hidden=(4,)), adam, adam, adam)


def test_arm_prior_puts_each_label_on_its_own_arm():
    """Golden values: zero noise lands on the arm's centre (radius 2 at angle 2πk/10); a radial noise moves along
    the arm, a tangential one across it; nearest_arm reads the label back."""
    labels = np.arange(10)
    centres = aae.arm_prior(np.zeros((10, 2)), labels).numpy()
    np.testing.assert_allclose(centres, aae.arm_centres(), atol=1e-6)
    np.testing.assert_allclose(centres[0], [2.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(centres[5], [-2.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(aae.arm_prior(np.array([[1.0, 0.0]]), np.array([2])).numpy()[0],
                               2.5 * np.array([np.cos(0.4 * np.pi), np.sin(0.4 * np.pi)]), atol=1e-6)
    np.testing.assert_allclose(aae.arm_prior(np.array([[0.0, 1.0]]), np.array([0])).numpy()[0], [2.0, 0.1], atol=1e-6)
    noise = np.random.default_rng(0).normal(size=(5000, 2))
    draws_labels = np.random.default_rng(1).integers(0, 10, 5000)
    draws = aae.arm_prior(noise, draws_labels).numpy()
    assert (aae.nearest_arm(draws) == draws_labels).mean() > 0.99
    np.testing.assert_array_equal(aae.nearest_arm(centres), labels)


def test_labelled_aae_shows_d_the_label_and_samples_the_labels_arm():
    reseed(0)
    steps = aae.AdversarialAutoencoderSteps(
        aae.build_encoder(2, hidden=(16,)), aae.build_decoder(2, hidden=(16,)),
        aae.build_code_discriminator(2, hidden=(8,), n_labels=10), keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=0, labelled=True)
    labels = np.full(400, 7)
    assert (aae.nearest_arm(steps.prior(400, labels).numpy()) == 7).mean() > 0.99
    images = np.random.default_rng(0).uniform(-1, 1, size=(32, 28, 28, 1)).astype("float32")
    history = train_on_arrays(steps, (images, np.arange(32) % 10), iterations=2, batch_size=16)
    assert len(history["d_loss"]) == 2 and np.isfinite(history["d_loss"]).all()
    with pytest.raises(ValueError, match="unconditional one a single array"):
        train_on_arrays(steps, images, iterations=1, batch_size=16)
    adam = keras.optimizers.Adam
    with pytest.raises(ValueError, match="n_labels=10"):
        aae.AdversarialAutoencoderSteps(aae.build_encoder(2, hidden=(4,)), aae.build_decoder(2, hidden=(4,)),
                                        aae.build_code_discriminator(2, hidden=(4,)), adam(), adam(), adam(),
                                        labelled=True)
    with pytest.raises(ValueError, match="pass labelled=True"):
        aae.AdversarialAutoencoderSteps(aae.build_encoder(2, hidden=(4,)), aae.build_decoder(2, hidden=(4,)),
                                        aae.build_code_discriminator(2, hidden=(4,), n_labels=10), adam(), adam(),
                                        adam())


def test_ink_direction_walk_and_entanglement_on_known_cases():
    images = np.zeros((3, 28, 28), "uint8")
    images[1, :14] = 255                    # half the pixels are ink
    images[2] = 200
    np.testing.assert_allclose(editing.ink(images), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="uint8"):
        editing.ink(images.astype("float32"))
    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 4))
    values = 3.0 * z[:, 1] - 4.0 * z[:, 3] + 0.5           # a known linear property, no noise
    direction, r2, slope = editing.latent_direction(z, values)
    np.testing.assert_allclose(direction, [0, 0.6, 0, -0.8], atol=1e-9)
    assert r2 == pytest.approx(1.0) and slope == pytest.approx(5.0)
    with pytest.raises(ValueError, match="more samples"):
        editing.latent_direction(z[:4], values[:4])
    path = editing.walk(z[:2], direction, [-1.0, 0.0, 2.0])
    assert path.shape == (3, 2, 4)
    np.testing.assert_allclose(path[2] - path[1], 2 * np.tile(direction, (2, 1)), atol=1e-6)
    labels = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [1, 0, 3, 0]])
    np.testing.assert_allclose(editing.entanglement(labels), [0.0, 0.0, 0.5])


def test_slant_is_the_shear_of_a_stroke():
    upright, leaning = np.zeros((28, 28), "uint8"), np.zeros((28, 28), "uint8")
    for row in range(4, 24):
        upright[row, 14] = 255
        leaning[row, 14 + (14 - row) // 2] = 255     # half a pixel to the right per row upwards
    blank = np.zeros((28, 28), "uint8")
    s = editing.slant(np.stack([upright, leaning, leaning[:, ::-1], blank]))
    assert s[0] == pytest.approx(0.0, abs=1e-9) and s[1] == pytest.approx(0.5, abs=0.03)
    assert s[2] == pytest.approx(-s[1]) and s[3] == 0.0
