"""Output shapes and parameter counts of every builder."""
import numpy as np
import pytest

from gan_utils import models


def test_dcgan_generator_has_the_tutorials_parameter_count():
    g = models.build_dcgan_generator()
    # Dense 100->7*7*256 (no bias), BN(12544) 4 params each, ConvT 5x5 256->128, BN 128, ConvT 128->64, BN 64, ConvT 64->1
    by_hand = 100 * 12544 + 4 * 12544 + 25 * 256 * 128 + 4 * 128 + 25 * 128 * 64 + 4 * 64 + 25 * 64
    assert g.count_params() == by_hand == 2_330_944
    assert g.output_shape == (None, 28, 28, 1)
    shapes = [l.output.shape[1:] for l in g.layers if l.__class__.__name__ == "Conv2DTranspose"]
    assert shapes == [(7, 7, 128), (14, 14, 64), (28, 28, 1)]


def test_dcgan_discriminator_matches_the_tutorial():
    d = models.build_dcgan_discriminator()
    by_hand = (25 * 1 * 64 + 64) + (25 * 64 * 128 + 128) + (7 * 7 * 128 + 1)
    assert d.count_params() == by_hand == 212_865
    assert d.output_shape == (None, 1)
    assert [l.rate for l in d.layers if l.__class__.__name__ == "Dropout"] == [0.3, 0.3]


def test_critic_has_no_batchnorm_and_no_sigmoid():
    c = models.build_critic()
    names = [l.__class__.__name__ for l in c.layers]
    assert "BatchNormalization" not in names and "Dropout" not in names
    assert c.layers[-1].activation.__name__ == "linear"


@pytest.mark.parametrize("name", list(models.GAN_BUILDERS))
def test_every_gan_produces_images_and_logits(name):
    g, d = models.build_gan(name)
    batch = 3
    z = np.random.default_rng(0).normal(size=(batch, 100)).astype("float32")
    labels = np.array([0, 5, 9], dtype="int32")
    images = g([z, labels] if models.is_conditional(g) else z).numpy()
    assert images.shape == (batch, 28, 28, 1)
    assert images.min() >= -1 and images.max() <= 1
    logits = d([images, labels] if models.is_conditional(d) else images).numpy()
    assert logits.shape == (batch, 1)


def test_mlp_parameter_count():
    g = models.build_mlp_generator()
    assert g.count_params() == (100 * 256 + 256) + (256 * 512 + 512) + (512 * 1024 + 1024) + (1024 * 784 + 784)


def test_unknown_model_name():
    with pytest.raises(ValueError, match="Unknown model 'gan'; choose one of mlp, dcgan"):
        models.build_gan("gan")
