"""Remedies for mode collapse from Salimans et al. (2016), "Improved Techniques for Training GANs".

- ``FeatureMatchingSteps``: the generator matches the mean of D's last hidden layer on real
  and fake batches instead of fooling D directly (§3.1);
- ``MinibatchDiscrimination`` and ``build_minibatch_discriminator``: D sees how similar each
  sample is to the rest of its batch, so a collapsed batch is easy to spot (§3.2);
- ``build_batchnorm_mlp_generator``: the MLP generator of 01 with BatchNorm after each hidden layer.
One-sided label smoothing (§3.4) is a parameter of ``GANSteps`` (``label_smoothing``).
- ``InstanceNoiseSteps``: instance noise (Sønderby et al. 2017; Arjovsky & Bottou 2017), the source articles'
  "regularised GAN (adding noise)": D sees real and generated samples with Gaussian noise added, annealed to 0.
All are compared in 03_training_pitfalls.ipynb (instance noise: from the next version of 03; ``dirac`` shows
why it helps on the smallest GAN).
"""
import keras
import tensorflow as tf
from keras import layers

from gan_utils.data import IMAGE_SHAPE
from gan_utils.losses import feature_matching_loss
from gan_utils.models import LATENT_DIM
from gan_utils.train import GANSteps


@keras.saving.register_keras_serializable(package="gan_utils")
class MinibatchDiscrimination(layers.Layer):
    """Append o(x_i) ∈ R^B, each sample's closeness to the others of its batch, to its features f(x_i) ∈ R^A.

    M_i = f(x_i)·T reshaped to (B, C); c_b(i, j) = exp(−‖M_{i,b} − M_{j,b}‖₁);
    o(x_i)_b = Σ_{j≠i} c_b(i, j). A batch of near-identical fakes gets large o, unlike real batches.
    """

    def __init__(self, num_kernels=50, kernel_dim=5, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels, self.kernel_dim = int(num_kernels), int(kernel_dim)

    def build(self, input_shape):
        self.tensor = self.add_weight(shape=(int(input_shape[-1]), self.num_kernels * self.kernel_dim),
                                      initializer=keras.initializers.RandomNormal(stddev=0.05), name="tensor")

    def call(self, features):
        m = tf.reshape(tf.matmul(features, tf.cast(self.tensor, features.dtype)), (-1, self.num_kernels, self.kernel_dim))
        l1 = tf.reduce_sum(tf.abs(m[:, None] - m[None]), axis=-1)          # (n, n, B)
        closeness = tf.reduce_sum(tf.exp(-l1), axis=1) - 1.0                 # minus c_b(i, i) = 1
        return tf.concat([features, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim}


def build_minibatch_discriminator(input_shape=IMAGE_SHAPE, hidden=(512, 256), num_kernels=50, kernel_dim=5,
                                  name="minibatch_discriminator"):
    """The MLP discriminator of 01 with a ``MinibatchDiscrimination`` layer before its logit."""
    x = image = keras.Input(input_shape, name="image")
    x = layers.Flatten()(x)
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    x = MinibatchDiscrimination(num_kernels, kernel_dim)(x)
    return keras.Model(image, layers.Dense(1, dtype="float32", name="logit")(x), name=name)


def build_batchnorm_mlp_generator(latent_dim=LATENT_DIM, hidden=(256, 512, 1024), output_shape=IMAGE_SHAPE,
                                  name="batchnorm_mlp_generator"):
    """The MLP generator of 01 with BatchNorm between each hidden Dense layer and its LeakyReLU."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(units, use_bias=False)(x)))
    size = 1
    for dim in output_shape:
        size *= dim
    x = layers.Dense(size, activation="tanh", dtype="float32")(x)
    return keras.Model(z, layers.Reshape(output_shape, dtype="float32")(x), name=name)


def feature_extractor(discriminator):
    """A model sharing D's weights that returns the input of D's last layer (its last hidden features)."""
    return keras.Model(discriminator.input, discriminator.layers[-1].input, name=f"{discriminator.name}_features")


class FeatureMatchingSteps(GANSteps):
    """``GANSteps`` whose generator step minimises ``losses.feature_matching_loss``.

    The discriminator step is the usual one; it also stores the mean features of its real batch,
    which the following generator step matches (the real batch D just saw, as in Salimans et al.).
    """

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, **kwargs):
        if kwargs.get("simultaneous"):
            raise ValueError("feature matching uses separate D and G steps (simultaneous=False).")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        if self.conditional:
            raise ValueError("FeatureMatchingSteps supports unconditional GANs only.")
        self.features = feature_extractor(discriminator)
        self.real_feature_mean = tf.Variable(tf.zeros(self.features.outputs[0].shape[-1]), trainable=False)
        self.d_step = tf.function(self._d_step_storing_features, reduce_retracing=True, jit_compile=self.jit_compile)
        self.g_step = tf.function(self._feature_matching_g_step, reduce_retracing=True, jit_compile=self.jit_compile)

    def _d_step_storing_features(self, real):
        logs = self._d_step(real)
        real_features = tf.cast(self.features(real, training=True), tf.float32)
        self.real_feature_mean.assign(tf.reduce_mean(real_features, axis=0))
        return logs

    def _feature_matching_g_step(self, batch_size):
        z = self.noise(batch_size)
        with tf.GradientTape() as tape:
            fake_features = self.features(self.generate(z, training=True), training=True)
            g_loss = feature_matching_loss(self.real_feature_mean[None], fake_features)
        variables = self.generator.trainable_variables
        grads = tape.gradient(g_loss, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": g_loss, "g_grad_norm": tf.linalg.global_norm(grads)}


class InstanceNoiseSteps(GANSteps):
    """``GANSteps`` whose discriminator sees every sample, real or generated, with N(0, σ²) noise added, in both
    the D and the G step; σ falls linearly from ``noise_std`` to 0 over ``anneal_iterations`` generator
    iterations (then it is plain GANSteps). The noise spreads both distributions over the whole space, so
    they overlap: D cannot separate them perfectly, and G's gradient does not vanish (see ``dirac`` for the
    damping it adds near the equilibrium). Evaluation (``training=False``) sees clean images. One device only.
    """

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, noise_std=0.1, anneal_iterations=1000,
                 **kwargs):
        if kwargs.get("strategy") is not None:
            raise ValueError("InstanceNoiseSteps runs on one device (its noise is not split across replicas).")
        if noise_std < 0 or anneal_iterations < 1:
            raise ValueError("noise_std must be >= 0 and anneal_iterations >= 1.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        self.noise_std, self.anneal_iterations = float(noise_std), int(anneal_iterations)

    def current_std(self):
        """σ at the current generator iteration (a tensor; read at every step, no retracing)."""
        done = tf.cast(self.g_optimizer.iterations, tf.float32) / float(self.anneal_iterations)
        return self.noise_std * tf.maximum(0.0, 1.0 - done)

    def discriminate(self, images, labels=None, training=False):
        if training and self.noise_std > 0:
            noise = self.rng.normal(tf.shape(images), dtype=tf.float32) * self.current_std()
            images = images + tf.cast(noise, images.dtype)
        return super().discriminate(images, labels, training)
