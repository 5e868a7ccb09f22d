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
"""
import keras
import tensorflow as tf
from keras import layers

from gan_utils.losses import get_loss_pair
from gan_utils.steps_base import Steps


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


def build_code_discriminator(latent_dim=2, hidden=(256, 256), name="code_discriminator"):
    """code (latent_dim,) -> one logit: was it drawn from the prior?"""
    z = keras.Input((latent_dim,), name="code")
    x = z
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    return keras.Model(z, layers.Dense(1, dtype="float32")(x), name=name)


class AdversarialAutoencoderSteps(Steps):
    """The three updates of one minibatch (``train_step(images)``), compiled once with ``tf.function``.

    ``prior_std``: the prior is N(0, prior_std² I). Codes come from the seeded ``self.rng``, so two runs with the
    same seed agree. ``train.train_on_arrays`` runs it (``own_train_step``: it calls ``train_step`` per batch)."""

    own_train_step = True

    def __init__(self, encoder, decoder, discriminator, ae_optimizer, d_optimizer, e_optimizer, prior_std=1.0,
                 seed=0):
        if encoder.outputs[0].shape[-1] != decoder.inputs[0].shape[-1] or \
                encoder.outputs[0].shape[-1] != discriminator.inputs[0].shape[-1]:
            raise ValueError("the encoder's code size must match the decoder's and the discriminator's input size.")
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

    def prior(self, n):
        """n codes from the prior N(0, prior_std² I)."""
        return self.prior_std * self.rng.normal((n, self.latent_dim))

    def _train_step(self, images):
        images = tf.cast(images, tf.float32)
        with tf.GradientTape() as tape:                       # 1. reconstruction
            reconstruction = self.decoder(self.encoder(images, training=True), training=True)
            recon_loss = tf.reduce_mean(tf.square(reconstruction - images))
        grads = tape.gradient(recon_loss, self.ae_variables)
        self.ae_optimizer.apply_gradients(zip(grads, self.ae_variables))

        prior_codes = self.prior(tf.shape(images)[0])
        with tf.GradientTape() as tape:                       # 2. D: prior samples are "real", codes "fake"
            codes = self.encoder(images, training=True)
            d_loss = self.loss.discriminator(self.discriminator(prior_codes, training=True),
                                             self.discriminator(codes, training=True))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))

        with tf.GradientTape() as tape:                       # 3. E fools D
            e_loss = self.loss.generator(self.discriminator(self.encoder(images, training=True), training=True))
        grads = tape.gradient(e_loss, self.encoder.trainable_variables)
        self.e_optimizer.apply_gradients(zip(grads, self.encoder.trainable_variables))
        return {"recon_loss": recon_loss, "d_loss": d_loss, "e_loss": e_loss}

    def encode(self, images, batch_size=1000):
        """Codes of images (uint8 or [-1, 1]) in batches; a NumPy array (N, latent_dim)."""
        from gan_utils.data import to_model_range
        import numpy as np

        images = np.asarray(images)
        x = to_model_range(images) if images.dtype == np.uint8 else images.reshape(-1, 28, 28, 1).astype("float32")
        return np.concatenate([self.encoder(x[i:i + batch_size], training=False).numpy()
                               for i in range(0, len(x), batch_size)])
