"""The GAN train steps: one ``tf.GradientTape`` per network, compiled with ``tf.function``.

``GANSteps`` holds the two networks, their two optimizers and a loss pair, and
offers ``d_step(real[, labels])`` and ``g_step(batch_size)``. Goodfellow et al.'s
Algorithm 1 is then a loop the ``Trainer`` runs: k discriminator steps (each on a
fresh real minibatch and fresh noise), then one generator step. The variants are
parameters, not copies: ``loss`` (any pair in ``losses.LOSS_PAIRS``), ``label_smoothing``,
``clip_value`` (WGAN), ``gp_weight`` (WGAN-GP) and conditional labels (inferred from
the generator's inputs). Introduced in 01_vanilla_gan.ipynb.
"""
import functools
import logging

import tensorflow as tf

from gan_utils.losses import get_loss_pair, gradient_penalty, minimax_discriminator_loss
from gan_utils.models import is_conditional


class _DropRetracingWarnings(logging.Filter):
    """Notebooks build many GANSteps (one per experiment); TensorFlow counts each new instance's
    first trace towards its "frequent retracing" warning. Per-batch retracing would be a real bug,
    and tests/test_train.py checks it does not happen, so that warning is dropped."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_DropRetracingWarnings())


class GANSteps:
    """Discriminator and generator updates for one GAN; noise comes from a seeded ``tf.random.Generator``.

    The batch size is always taken from the real batch, so a short last batch just works,
    and the steps are traced once per batch shape (at most twice per epoch), not per batch.
    """

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, loss="non-saturating",
                 label_smoothing=0.0, clip_value=None, gp_weight=0.0, seed=0, num_classes=10, simultaneous=False,
                 jit_compile=False):
        self.generator, self.discriminator = generator, discriminator
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.loss = get_loss_pair(loss)
        self.d_loss_fn = self.loss.discriminator
        if label_smoothing:
            if self.loss.discriminator is not minimax_discriminator_loss:
                raise ValueError(f"label_smoothing needs a cross-entropy loss, not {self.loss.name!r}.")
            self.d_loss_fn = functools.partial(minimax_discriminator_loss, label_smoothing=label_smoothing)
        self.clip_value, self.gp_weight = clip_value, float(gp_weight)
        if simultaneous and (clip_value is not None or gp_weight):
            raise ValueError("simultaneous updates are for k = 1 GANs; WGANs need separate critic steps.")
        self.simultaneous = simultaneous
        self.conditional = is_conditional(generator)
        if self.conditional != is_conditional(discriminator):
            raise ValueError("Generator and discriminator must both be conditional (take labels) or neither.")
        self.num_classes = num_classes
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.rng = tf.random.Generator.from_seed(seed)
        # Build optimizer slots now, so a checkpoint can restore them before the first step.
        g_optimizer.build(generator.trainable_variables)
        d_optimizer.build(discriminator.trainable_variables)
        # jit_compile=True: XLA (faster on GPUs, slower on CPUs; see runtime.choose_xla)
        self.jit_compile = bool(jit_compile)
        self.d_step = tf.function(self._d_step, reduce_retracing=True, jit_compile=self.jit_compile)
        self.g_step = tf.function(self._g_step, reduce_retracing=True, jit_compile=self.jit_compile)
        self.joint_step = tf.function(self._joint_step, reduce_retracing=True, jit_compile=self.jit_compile)

    # -- helpers -------------------------------------------------------------------
    def noise(self, n):
        """n latent vectors z ~ N(0, I) from this run's generator of random numbers."""
        return self.rng.normal((n, self.latent_dim))

    def random_labels(self, n):
        return self.rng.uniform((n,), 0, self.num_classes, dtype=tf.int32)

    def generate(self, z, labels=None, training=False):
        return self.generator([z, labels] if self.conditional else z, training=training)

    def discriminate(self, images, labels=None, training=False):
        return self.discriminator([images, labels] if self.conditional else images, training=training)

    def _summary(self, real_out, fake_out):
        squash = tf.sigmoid if self.loss.probabilistic else tf.identity
        return {"d_real": tf.reduce_mean(squash(real_out)), "d_fake": tf.reduce_mean(squash(fake_out))}

    # -- the two updates -----------------------------------------------------------
    def _d_step(self, real, labels=None):
        """One discriminator (critic) update on a real batch and as many fresh fakes."""
        n = tf.shape(real)[0]
        z = self.noise(n)
        with tf.GradientTape() as tape:
            fake = self.generate(z, labels, training=True)
            real_out = self.discriminate(real, labels, training=True)
            fake_out = self.discriminate(fake, labels, training=True)
            d_loss = self.d_loss_fn(real_out, fake_out)
            total = d_loss
            if self.gp_weight:
                penalty = gradient_penalty(self.discriminator, real, fake, labels)
                total = d_loss + self.gp_weight * penalty
        variables = self.discriminator.trainable_variables
        grads = tape.gradient(total, variables)
        self.d_optimizer.apply_gradients(zip(grads, variables))
        if self.clip_value is not None:
            for v in variables:
                v.assign(tf.clip_by_value(v, -self.clip_value, self.clip_value))
        logs = {"d_loss": d_loss, "d_grad_norm": tf.linalg.global_norm(grads), **self._summary(real_out, fake_out)}
        if self.gp_weight:
            logs["gp"] = penalty
        if self.loss.name == "wasserstein":
            logs["w_estimate"] = tf.reduce_mean(real_out) - tf.reduce_mean(fake_out)
        return logs

    def _g_step(self, batch_size):
        """One generator update on ``batch_size`` fresh noise vectors (and random labels)."""
        z = self.noise(batch_size)
        labels = self.random_labels(batch_size) if self.conditional else None
        with tf.GradientTape() as tape:
            fake = self.generate(z, labels, training=True)
            g_loss = self.loss.generator(self.discriminate(fake, labels, training=True))
        variables = self.generator.trainable_variables
        grads = tape.gradient(g_loss, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": g_loss, "g_grad_norm": tf.linalg.global_norm(grads)}

    def _joint_step(self, real, labels=None):
        """Simultaneous update (the TF DCGAN tutorial's step; k = 1): one batch of fakes serves both
        networks and both gradients are taken before either network changes. It saves one generator
        and one discriminator forward pass per iteration (~28 % of the DCGAN's FLOPs, see
        benchmarks/); Algorithm 1 instead updates G against the already-updated D."""
        n = tf.shape(real)[0]
        z = self.noise(n)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generate(z, labels, training=True)
            real_out = self.discriminate(real, labels, training=True)
            fake_out = self.discriminate(fake, labels, training=True)
            d_loss = self.d_loss_fn(real_out, fake_out)
            g_loss = self.loss.generator(fake_out)
        d_vars, g_vars = self.discriminator.trainable_variables, self.generator.trainable_variables
        d_grads = d_tape.gradient(d_loss, d_vars)
        g_grads = g_tape.gradient(g_loss, g_vars)
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
        return {"d_loss": d_loss, "d_grad_norm": tf.linalg.global_norm(d_grads), **self._summary(real_out, fake_out),
                "g_loss": g_loss, "g_grad_norm": tf.linalg.global_norm(g_grads)}
