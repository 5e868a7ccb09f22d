"""A small variational autoencoder (Kingma & Welling, 2014): an explicit-density model to set beside the GAN.

A GAN defines its density only implicitly: it can sample, but it cannot say how likely an image is. A VAE has an
encoder q(z|x) = N(μ(x), diag σ²(x)) and a decoder p(x|z) (here independent Bernoulli pixels, x in [0, 1]), and is
trained to maximise the evidence lower bound of each image,

    ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I))  ≤  log p(x),

so it gives what a GAN cannot: a lower bound on log p(x) for any image, and an encoder from images to codes.
``VAE`` keeps the course's conventions: images in the model range [−1, 1] in and out, a ``tf.GradientTape`` step
compiled once, and ``sampling_model()``, a Keras model z -> image that ``sampling.generate_digits`` and
``metrics.score_generator`` accept like a generator. For the explicit vs implicit density comparison of
06_evaluating_and_using_gans.ipynb (issue #22).
"""
import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.data import IMAGE_SHAPE, check_images, make_dataset, to_model_range
from gan_utils.core.steps_base import apply_gradients_of

PIXELS = int(np.prod(IMAGE_SHAPE))


def kl_to_standard_normal(mean, log_var):
    """KL(N(mean, exp(log_var)) ‖ N(0, I)) per row, summed over the latent dimensions (closed form)."""
    return 0.5 * tf.reduce_sum(tf.exp(log_var) + tf.square(mean) - 1.0 - log_var, axis=-1)


class VAE:
    """An MLP VAE: encoder 784 -> ``hidden`` -> (μ, log σ²) in R^latent_dim, decoder latent_dim -> ``hidden``
    -> 784 Bernoulli logits. ``seed`` fixes the initial weights and the noise of the reparameterisation."""

    def __init__(self, latent_dim=16, hidden=512, learning_rate=1e-3, seed=0):
        init = lambda k: keras.initializers.GlorotUniform(seed=seed + k)  # noqa: E731
        self.latent_dim = int(latent_dim)
        image = keras.Input(IMAGE_SHAPE, name="image")
        h = layers.Dense(hidden, activation="relu", kernel_initializer=init(1))(layers.Flatten()(image))
        self.encoder = keras.Model(image, layers.Dense(2 * latent_dim, kernel_initializer=init(2), dtype="float32")(h), name="vae_encoder")
        z = keras.Input((latent_dim,), name="z")
        h = layers.Dense(hidden, activation="relu", kernel_initializer=init(3))(z)
        logits = layers.Reshape(IMAGE_SHAPE, dtype="float32")(layers.Dense(PIXELS, kernel_initializer=init(4), dtype="float32")(h))
        self.decoder = keras.Model(z, logits, name="vae_decoder")
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.optimizer.build(self.trainable_variables)
        self.rng = tf.random.Generator.from_seed(seed)
        self.train_step = tf.function(self._train_step, reduce_retracing=True)
        self.iterations = 0

    @property
    def trainable_variables(self):
        return self.encoder.trainable_variables + self.decoder.trainable_variables

    def encode(self, images):
        """(μ, log σ²) of q(z|x) for images in the model range [−1, 1]."""
        out = self.encoder(tf.convert_to_tensor(images, tf.float32), training=False)
        return out[:, :self.latent_dim], out[:, self.latent_dim:]

    def elbo(self, images, training=False):
        """The ELBO of each image in nats (one reparameterised sample of z), shape (N,)."""
        images = tf.convert_to_tensor(images, tf.float32)
        targets = tf.reshape((images + 1.0) / 2.0, (-1, PIXELS))  # pixel intensities in [0, 1]
        out = self.encoder(images, training=training)
        mean, log_var = out[:, :self.latent_dim], out[:, self.latent_dim:]
        z = mean + tf.exp(0.5 * log_var) * self.rng.normal(tf.shape(mean))
        logits = tf.reshape(self.decoder(z, training=training), (-1, PIXELS))
        log_likelihood = -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits), axis=-1)
        return log_likelihood - kl_to_standard_normal(mean, log_var)

    def _train_step(self, images):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(self.elbo(images, training=True))
        grads = apply_gradients_of(tape, loss, self.trainable_variables, self.optimizer)
        return loss

    def fit(self, images, epochs=None, minutes=None, batch_size=128, seed=0):
        """Train on uint8 digits (or images in [−1, 1]) for ``epochs`` or ``minutes`` (one of them); returns the
        mean negative ELBO of each epoch."""
        if (epochs is None) == (minutes is None):
            raise ValueError("give exactly one budget: epochs=N or minutes=M.")
        images = np.asarray(images)
        if images.dtype == np.uint8:
            images = to_model_range(check_images(images))
        dataset = make_dataset(images, batch_size=batch_size, seed=seed, drop_remainder=True)
        deadline = None if minutes is None else time.perf_counter() + 60.0 * minutes
        history, epoch = [], 0
        while (epochs is None or epoch < epochs) and (deadline is None or time.perf_counter() < deadline):
            losses = []
            for batch in dataset:
                losses.append(float(self.train_step(batch)))
                self.iterations += 1
                if deadline is not None and time.perf_counter() >= deadline:
                    break
            history.append(float(np.mean(losses)))
            epoch += 1
        return history

    def log_likelihood_bound(self, images, batch_size=500):
        """Mean ELBO (a lower bound on log p(x)) in nats per image, and the same in bits per pixel."""
        images = np.asarray(images)
        if images.dtype == np.uint8:
            images = to_model_range(check_images(images))
        values = np.concatenate([self.elbo(images[i:i + batch_size]).numpy() for i in range(0, len(images), batch_size)])
        nats = float(values.mean())
        return nats, -nats / (PIXELS * np.log(2.0))

    def sampling_model(self):
        """A Keras model z -> image in [−1, 1] (the decoder's mean, 2·sigmoid(logits) − 1), usable wherever the
        course expects a generator (``sampling.generate_digits``, ``metrics.score_generator``)."""
        z = keras.Input((self.latent_dim,), name="z")
        image = layers.Lambda(lambda t: 2.0 * tf.sigmoid(t) - 1.0, dtype="float32")(self.decoder(z))
        return keras.Model(z, image, name="vae_sampler")
