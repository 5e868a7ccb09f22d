"""Remedies for mode collapse from Salimans et al. (2016), "Improved Techniques for Training GANs".

- ``FeatureMatchingSteps``: the generator matches the mean of D's last hidden layer on real
  and fake batches instead of fooling D directly (§3.1);
- ``MinibatchDiscrimination`` and ``build_minibatch_discriminator``: D sees how similar each
  sample is to the rest of its batch, so a collapsed batch is easy to spot (§3.2);
- ``build_batchnorm_mlp_generator``: the MLP generator of 01 with BatchNorm after each hidden layer.
One-sided label smoothing (§3.4) is a parameter of ``GANSteps`` (``label_smoothing``).
- ``InstanceNoiseSteps``: instance noise (Sønderby et al. 2017; Arjovsky & Bottou 2017), the source articles'
  "regularised GAN (adding noise)": D sees real and generated samples with Gaussian noise added, annealed to 0.
- ``UnrolledSteps``: the unrolled GAN (Metz et al. 2017): G's loss against D after k more of its Adam steps.
- ``DistanceGeneratorSteps``: a generator trained with no adversary, on the energy (Cramér) distance or the MMD.
All are compared in 03_training_pitfalls.ipynb (``dirac`` shows why instance noise helps on the smallest GAN)
and on the ring of 8 Gaussians in benchmarks/ring.py (issue #33).
"""
import functools

import keras
import tensorflow as tf
from keras import layers

from gan_utils.core.data import IMAGE_SHAPE
from gan_utils.core.losses import feature_matching_loss
from gan_utils.core.models import LATENT_DIM
from gan_utils.core.steps_base import Steps
from gan_utils.core.train import GANSteps


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


class UnrolledSteps(GANSteps):
    """Unrolled GAN (Metz et al. 2017): the generator's loss is taken against the discriminator as it will be after
    ``unroll`` more updates, and the gradient flows back through those updates. A generator that jumps onto the
    mode D currently likes is penalised by the D that would answer the jump, so jumping stops paying.

    The unrolled updates replay D's own optimizer (Adam, from its current moments, as in the paper) on the real
    batch of the last ``d_step`` and fresh fakes; D itself is not changed by them. One device, unconditional,
    float32 (the toy problems of 03). ``unroll=0`` is exactly ``GANSteps``' generator step.
    """

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, unroll=5, **kwargs):
        if kwargs.get("strategy") is not None or kwargs.get("simultaneous") or kwargs.get("gp_weight"):
            raise ValueError("UnrolledSteps runs on one device with separate D and G steps and no gradient penalty.")
        if not isinstance(d_optimizer, keras.optimizers.Adam):
            raise ValueError("UnrolledSteps replays D's optimizer and knows Adam only: give D a keras.optimizers.Adam.")
        if int(unroll) < 0:
            raise ValueError(f"unroll must be >= 0, got {unroll}.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        if self.conditional:
            raise ValueError("UnrolledSteps supports unconditional GANs only.")
        self.unroll = int(unroll)
        shape = [None, *discriminator.inputs[0].shape[1:]]
        self.last_real = tf.Variable(tf.zeros([0, *shape[1:]]), shape=tf.TensorShape(shape), trainable=False)
        self.d_step = tf.function(self._d_step_keeping_real, reduce_retracing=True)
        self.g_step = tf.function(self._unrolled_g_step, reduce_retracing=True)

    def _d_step_keeping_real(self, real):
        self.last_real.assign(tf.cast(real, tf.float32))
        return self._d_step(real)

    def _adam_slots(self):
        opt = self.d_optimizer
        index = [opt._get_variable_index(v) for v in self.discriminator.trainable_variables]
        return [opt._momentums[i] for i in index], [opt._velocities[i] for i in index]

    def unrolled_parameters(self, real, fake):
        """D's trainable weights (tensors, in ``trainable_variables`` order) after ``unroll`` updates by its own Adam
        on ``real`` and ``fake``, from the optimizer's current moments and step count; D is left unchanged.
        Differentiable with respect to ``fake`` (and so to the generator)."""
        d, opt = self.discriminator, self.d_optimizer
        frozen = [v.value for v in d.non_trainable_variables]
        lr, b1, b2, eps = tf.cast(opt.learning_rate, tf.float32), opt.beta_1, opt.beta_2, opt.epsilon
        params = [v.value for v in d.trainable_variables]
        momentums, velocities = ([s.value for s in slots] for slots in self._adam_slots())
        step = tf.cast(opt.iterations, tf.float32)
        for _ in range(self.unroll):
            with tf.GradientTape() as inner:
                inner.watch(params)
                real_out, _ = d.stateless_call(params, frozen, real, training=True)
                fake_out, _ = d.stateless_call(params, frozen, fake, training=True)
                d_loss = self.d_loss_fn(real_out, fake_out)
            grads = inner.gradient(d_loss, params)
            step += 1.0
            momentums = [b1 * m + (1 - b1) * g for m, g in zip(momentums, grads)]
            velocities = [b2 * v + (1 - b2) * tf.square(g) for v, g in zip(velocities, grads)]
            rate = lr * tf.sqrt(1 - b2 ** step) / (1 - b1 ** step)
            # sqrt(v + 1e-16), not sqrt(v): the unrolled loss is differentiated through these updates, and
            # sqrt's derivative at v = 0 (a dead ReLU's weights) is infinite (measured: NaN weights, ring seed 1)
            params = [p - rate * m / (tf.sqrt(v + 1e-16) + eps) for p, m, v in zip(params, momentums, velocities)]
        return params

    def _unrolled_g_step(self, batch_size):
        z = self.noise(batch_size)
        frozen = [v.value for v in self.discriminator.non_trainable_variables]
        with tf.GradientTape() as tape:
            fake = self.generate(z, training=True)
            params = self.unrolled_parameters(self.last_real, fake)
            fake_out, _ = self.discriminator.stateless_call(params, frozen, fake, training=True)
            g_loss = self.loss.generator(fake_out)
        variables = self.generator.trainable_variables
        grads = tape.gradient(g_loss, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": g_loss, "g_grad_norm": tf.linalg.global_norm(grads)}


def energy_distance(x, y):
    """Energy distance 2·E‖x − y‖ − E‖x − x'‖ − E‖y − y'‖ between two batches of points (the Cramér distance's
    multivariate form; Székely & Rizzo; Bellemare et al. 2017): zero only when the distributions are equal."""
    def mean_dist(a, b):
        sq = tf.reduce_sum(tf.square(a[:, None] - b[None]), axis=-1)
        return tf.reduce_mean(tf.sqrt(sq + 1e-12))

    return 2.0 * mean_dist(x, y) - mean_dist(x, x) - mean_dist(y, y)


def gaussian_mmd2(x, y, bandwidths=(0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)):
    """Squared maximum mean discrepancy (biased estimate) with a sum of Gaussian kernels exp(−‖a − b‖² / 2σ²),
    one per bandwidth σ: the generative moment matching network's loss (Li et al. 2015; Dziugaite et al. 2015)."""
    def kernel_mean(a, b):
        sq = tf.reduce_sum(tf.square(a[:, None] - b[None]), axis=-1)
        return tf.add_n([tf.reduce_mean(tf.exp(-sq / (2.0 * s * s))) for s in bandwidths])

    return kernel_mean(x, x) + kernel_mean(y, y) - 2.0 * kernel_mean(x, y)


class DistanceGeneratorSteps(Steps):
    """A generator trained without a discriminator: each step moves G's batch towards the real batch under a
    distance between samples, ``"energy"`` (``energy_distance``) or ``"mmd"`` (``gaussian_mmd2``). No adversary,
    so nothing to collapse onto; the price is a fixed notion of "close" instead of a learned one (why it works on
    2-D points and scales poorly to images). ``d_step`` takes the real batch and updates G; ``g_step`` does nothing.
    ``discriminator`` and ``d_optimizer`` are unused (pass None)."""

    def __init__(self, generator, g_optimizer, distance="energy", seed=0, bandwidths=None):
        distances = {"energy": energy_distance,
                     "mmd": gaussian_mmd2 if bandwidths is None else functools.partial(gaussian_mmd2, bandwidths=bandwidths)}
        if distance not in distances:
            raise ValueError(f"distance must be 'energy' or 'mmd', not {distance!r}.")
        self.generator, self.discriminator, self.g_optimizer, self.d_optimizer = generator, None, g_optimizer, None
        self.distance = distances[distance]
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.rng = tf.random.Generator.from_seed(seed)
        g_optimizer.build(generator.trainable_variables)
        self.d_step = tf.function(self._distance_step, reduce_retracing=True)

    def g_step(self, batch_size):
        return {}

    def noise(self, n):
        return self.rng.normal((n, self.latent_dim))

    def generate(self, z, labels=None, training=False):
        return self.generator(z, training=training)

    def _distance_step(self, real):
        z = self.noise(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            loss = self.distance(self.generate(z, training=True), tf.cast(real, tf.float32))
        variables = self.generator.trainable_variables
        grads = tape.gradient(loss, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": loss, "g_grad_norm": tf.linalg.global_norm(grads)}
