"""Going back from an image to its code: the adversarial autoencoder (Makhzani et al., 2016).

Taught in 09_control_and_inference.ipynb. A GAN maps z -> x and has no way back; an autoencoder has a way back
(an encoder E: x -> z and a decoder G: z -> x) but its codes fall wherever they fall, so sampling z from a prior
and decoding gives rubbish. The adversarial autoencoder joins the two: a discriminator D on the *codes* learns to
tell samples of the prior p(z) (label 1) from codes E(x) of real images (label 0), and the encoder is trained, as
a GAN's generator, to fool it. Each minibatch runs three updates, as in the paper:

1. **reconstruction**: E and G minimise the mean squared error between x and G(E(x)) (images in [-1, 1]);
2. **regularisation, discriminator**: D's cross-entropy on prior samples (real) and codes (fake);
3. **regularisation, generator**: E's non-saturating loss, −log D(E(x)).

Three optimizers (autoencoder, D, encoder-as-generator), each with its own ``tf.GradientTape``. With a 2-D
Gaussian prior the codes of the whole test set can be drawn, coloured by digit.

**With labels** (the paper's section 2.3 and its figure 4): the prior becomes a mixture of ten elongated Gaussians,
one arm per digit (``arm_prior``), and D also reads the digit as a one-hot vector (``build_code_discriminator(...,
n_labels=10)``): prior samples come from the arm of the image's label, so E can fool D only by putting each digit's
codes on that digit's arm. ``AdversarialAutoencoderSteps(..., labelled=True)`` then trains on (images, labels).
"""
import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.losses import get_loss_pair
from gan_utils.core.steps_base import Steps


def build_encoder(latent_dim=2, hidden=(512, 256), name="encoder"):
    """image (28, 28, 1) in [-1, 1] -> code (latent_dim,), linear output (the prior decides the scale)."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten()(image)
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    return keras.Model(image, layers.Dense(latent_dim, dtype="float32")(x), name=name)


def build_decoder(latent_dim=2, hidden=(256, 512), name="decoder"):
    """code (latent_dim,) -> image (28, 28, 1) in [-1, 1]: an MLP generator."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    x = layers.Dense(28 * 28, activation="tanh", dtype="float32")(x)
    return keras.Model(z, layers.Reshape((28, 28, 1), dtype="float32")(x), name=name)


def build_code_discriminator(latent_dim=2, hidden=(256, 256), name="code_discriminator", n_labels=0):
    """code (latent_dim,) -> one logit: was it drawn from the prior? With ``n_labels`` > 0 it reads
    ``[code, one-hot label (n_labels,)]``: was it drawn from *that label's* part of the prior?"""
    z = keras.Input((latent_dim,), name="code")
    inputs, x = [z], z
    if n_labels:
        label = keras.Input((n_labels,), name="label_one_hot")
        inputs, x = [z, label], layers.Concatenate()([z, label])
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    return keras.Model(inputs if n_labels else z, layers.Dense(1, dtype="float32")(x), name=name)


def arm_centres(n_arms=10, radius=2.0):
    """(n_arms, 2): the centre of each arm of ``arm_prior``, arm k at angle 2πk/n_arms."""
    angles = 2 * math.pi * np.arange(n_arms) / n_arms
    return radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def arm_prior(noise, labels, n_arms=10, radius=2.0, radial_std=0.5, tangential_std=0.1):
    """2-D codes from a mixture of ``n_arms`` elongated Gaussians, one per label (Makhzani et al., figure 4):
    arm k is N((radius, 0), diag(radial_std², tangential_std²)) rotated by 2πk/n_arms. ``noise``: (n, 2) standard
    normal numbers (a tensor or array), ``labels``: (n,) integers in [0, n_arms). Returns (n, 2) float32."""
    noise = tf.cast(noise, tf.float32)
    angle = 2 * math.pi * tf.cast(labels, tf.float32) / n_arms
    along = radius + radial_std * noise[:, 0]
    across = tangential_std * noise[:, 1]
    cos, sin = tf.cos(angle), tf.sin(angle)
    return tf.stack([along * cos - across * sin, along * sin + across * cos], axis=1)


def nearest_arm(codes, n_arms=10):
    """The arm of ``arm_prior`` each 2-D code lies on (by angle): (N,) integers; compare with the digits' labels."""
    codes = np.asarray(codes, "float64")
    angle = np.mod(np.arctan2(codes[:, 1], codes[:, 0]), 2 * math.pi)
    return np.mod(np.round(angle / (2 * math.pi / n_arms)), n_arms).astype(int)


class AdversarialAutoencoderSteps(Steps):
    """The three updates of one minibatch (``train_step(images)``), compiled once with ``tf.function``.

    ``prior_std``: the prior is N(0, prior_std² I). Codes come from the seeded ``self.rng``, so two runs with the
    same seed agree. ``train.train_on_arrays`` runs it (``own_train_step``: it calls ``train_step`` per batch).

    ``labelled=True``: ``train_step(images, labels)``, the prior is ``arm_prior`` (2-D codes only) and D must be
    built with ``n_labels=10``; ``train.train_on_arrays(steps, (images, labels), ...)`` feeds it."""

    own_train_step = True

    def __init__(self, encoder, decoder, discriminator, ae_optimizer, d_optimizer, e_optimizer, prior_std=1.0,
                 seed=0, labelled=False):
        self.labelled = self.conditional = bool(labelled)
        code_inputs = discriminator.inputs[0].shape[-1]
        if encoder.outputs[0].shape[-1] != decoder.inputs[0].shape[-1] or encoder.outputs[0].shape[-1] != code_inputs:
            raise ValueError("the encoder's code size must match the decoder's and the discriminator's input size.")
        if self.labelled and (len(discriminator.inputs) != 2 or encoder.outputs[0].shape[-1] != 2):
            raise ValueError("labelled=True needs 2-D codes and a discriminator that also reads the label: "
                             "build_code_discriminator(2, n_labels=10).")
        if not self.labelled and len(discriminator.inputs) != 1:
            raise ValueError("this discriminator reads labels: pass labelled=True and train on (images, labels).")
        if len({id(ae_optimizer), id(d_optimizer), id(e_optimizer)}) != 3:
            raise ValueError("give three separate optimizers (autoencoder, code discriminator, encoder): a shared "
                             "optimizer would mix the moment estimates of different losses.")
        self.encoder, self.decoder, self.discriminator = encoder, decoder, discriminator
        self.ae_optimizer, self.d_optimizer, self.e_optimizer = ae_optimizer, d_optimizer, e_optimizer
        self.latent_dim, self.prior_std = int(encoder.outputs[0].shape[-1]), float(prior_std)
        self.loss = get_loss_pair("non-saturating")
        self.rng = tf.random.Generator.from_seed(seed)
        self.ae_variables = encoder.trainable_variables + decoder.trainable_variables
        ae_optimizer.build(self.ae_variables)
        d_optimizer.build(discriminator.trainable_variables)
        e_optimizer.build(encoder.trainable_variables)
        self.train_step = tf.function(self._train_step, reduce_retracing=True)

    def prior(self, n, labels=None):
        """n codes from the prior: N(0, prior_std² I), or (labelled) each label's arm of ``arm_prior``."""
        noise = self.rng.normal((n, self.latent_dim))
        return arm_prior(noise, labels) if self.labelled else self.prior_std * noise

    def _judge(self, codes, labels):
        """D's logits for codes, with their one-hot labels when labelled."""
        if self.labelled:
            return self.discriminator([codes, tf.one_hot(tf.cast(labels, tf.int32), 10)], training=True)
        return self.discriminator(codes, training=True)

    def _train_step(self, images, labels=None):
        images = tf.cast(images, tf.float32)
        with tf.GradientTape() as tape:                       # 1. reconstruction
            reconstruction = self.decoder(self.encoder(images, training=True), training=True)
            recon_loss = tf.reduce_mean(tf.square(reconstruction - images))
        grads = tape.gradient(recon_loss, self.ae_variables)
        self.ae_optimizer.apply_gradients(zip(grads, self.ae_variables))

        prior_codes = self.prior(tf.shape(images)[0], labels)
        with tf.GradientTape() as tape:                       # 2. D: prior samples are "real", codes "fake"
            codes = self.encoder(images, training=True)
            d_loss = self.loss.discriminator(self._judge(prior_codes, labels), self._judge(codes, labels))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))

        with tf.GradientTape() as tape:                       # 3. E fools D
            e_loss = self.loss.generator(self._judge(self.encoder(images, training=True), labels))
        grads = tape.gradient(e_loss, self.encoder.trainable_variables)
        self.e_optimizer.apply_gradients(zip(grads, self.encoder.trainable_variables))
        return {"recon_loss": recon_loss, "d_loss": d_loss, "e_loss": e_loss}

    def encode(self, images, batch_size=1000):
        """Codes of images (uint8 or [-1, 1]) in batches; a NumPy array (N, latent_dim)."""
        from gan_utils.core.data import to_model_range

        images = np.asarray(images)
        x = to_model_range(images) if images.dtype == np.uint8 else images.reshape(-1, 28, 28, 1).astype("float32")
        return np.concatenate([self.encoder(x[i:i + batch_size], training=False).numpy()
                               for i in range(0, len(x), batch_size)])
