"""The GAN train steps: one ``tf.GradientTape`` per network, compiled with ``tf.function``.

``GANSteps`` holds the two networks, their two optimizers and a loss pair, and
offers ``d_step(real[, labels])`` and ``g_step(batch_size)``. Goodfellow et al.'s
Algorithm 1 is then a loop the ``Trainer`` runs: k discriminator steps (each on a
fresh real minibatch and fresh noise), then one generator step. The variants are
parameters, not copies: ``loss`` (any pair in ``losses.LOSS_PAIRS``), ``label_smoothing``,
``clip_value`` (WGAN), ``gp_weight`` (WGAN-GP), ``r1_gamma`` (R1 on real images, StyleGAN's
regulariser, notebook 08) and conditional labels (inferred from the generator's inputs).
Introduced in 01_vanilla_gan.ipynb.

Several devices or machines (``strategy=``, a ``tf.distribute`` strategy; see ``runtime.choose_strategy``):
the same step bodies run once per replica through ``strategy.run`` and their logs are averaged with
``strategy.reduce``. What changes under a strategy, and nothing else:

- random numbers (noise, random labels, the gradient penalty's alpha) are drawn for the *global* batch
  in cross-replica context, from the same seeded generators as on one device, and replica r uses rows
  [r·b, (r+1)·b): a run on R replicas of b sees the numbers a one-device run of R·b sees;
- each replica's loss (a mean over its b examples) is divided by R before its gradient is taken, which is
  ``tf.nn.compute_average_loss(per_example_loss, global_batch_size=R·b)`` for every loss of
  ``losses.LOSS_PAIRS`` and the gradient penalty (all are sums of per-example means); the Keras optimizer
  then sums the replicas' gradients (all-reduce), so the update is the one-device update of the global batch;
- logged losses are means over replicas (= means over the global batch); ``d_grad_norm``/``g_grad_norm``
  are the mean over replicas of each replica's own gradient norm (>= the global gradient's norm);
- BatchNorm (the DCGAN and WGAN generators) does what Keras does under ``tf.distribute``: each replica
  normalises with the statistics of its own b examples, and the moving averages are updated per replica
  (the checkpoint and the moving average of the generator keep replica 0's). A run on R replicas of b is
  then *not* the one-device run of R·b; ``BatchNormalization(synchronized=True)`` all-reduces the batch
  statistics and makes it so (at the price of one all-reduce per BatchNorm layer and step);
- the WGAN-GP penalty is computed per replica on the replica's own interpolates (it is per example).
"""
import functools
import logging

import keras
import tensorflow as tf

from gan_utils.core.losses import get_loss_pair, gradient_penalty, minimax_discriminator_loss, r1_penalty
from gan_utils.core.models import is_conditional
from gan_utils.core.steps_base import Steps

GP_SEED_OFFSET = 7919  # the gradient penalty's own generator of alphas (gp_alpha="generator") is seeded seed + this


class _DropRetracingWarnings(logging.Filter):
    """Notebooks build many GANSteps (one per experiment); TensorFlow counts each new instance's
    first trace towards its "frequent retracing" warning. Per-batch retracing would be a real bug,
    and tests/test_train.py checks it does not happen, so that warning is dropped."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_DropRetracingWarnings())


class GANSteps(Steps):
    """Discriminator and generator updates for one GAN; noise comes from a seeded ``tf.random.Generator``.

    The batch size is always taken from the real batch, so a short last batch just works,
    and the steps are traced once per batch shape (at most twice per epoch), not per batch.

    ``strategy`` (a ``tf.distribute`` strategy, None: one device): models and optimizers must have been
    built in ``strategy.scope()`` (``recipes.make_trainer(..., strategy=)`` does it); ``d_step`` and
    ``joint_step`` then take distributed batches (``Trainer.fit`` makes them) and ``g_step`` the global
    batch size. ``gp_alpha``: where the gradient penalty's interpolation weights come from: ``"op"`` (one
    device's default, ``tf.random.uniform``) or ``"generator"`` (a seeded ``tf.random.Generator``, used
    under a strategy so replicas share one global draw; on one device it gives the same numbers).
    A subclass that overrides the steps runs under a strategy or with loss scaling (float16) only if its
    steps scale their losses with ``scale_for_gradients`` (and ``_grad_norm`` for logged norms) and it sets
    the class attribute ``supports_strategy = True``.
    """

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, loss="non-saturating",
                 label_smoothing=0.0, clip_value=None, gp_weight=0.0, seed=0, num_classes=10, simultaneous=False,
                 jit_compile=False, strategy=None, gp_alpha="op", r1_gamma=0.0):
        self.generator, self.discriminator = generator, discriminator
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.loss = get_loss_pair(loss)
        self.d_loss_fn = self.loss.discriminator
        if label_smoothing:
            if self.loss.discriminator is not minimax_discriminator_loss:
                raise ValueError(f"label_smoothing needs a cross-entropy loss, not {self.loss.name!r}.")
            self.d_loss_fn = functools.partial(minimax_discriminator_loss, label_smoothing=label_smoothing)
        self.clip_value, self.gp_weight = clip_value, float(gp_weight)
        if isinstance(r1_gamma, bool) or not isinstance(r1_gamma, (int, float)) or not r1_gamma >= 0:
            raise ValueError(f"r1_gamma must be a number >= 0 (StyleGAN uses 10; 0 turns R1 off), got {r1_gamma!r}.")
        self.r1_gamma = float(r1_gamma)
        if simultaneous and (clip_value is not None or gp_weight or r1_gamma):
            raise ValueError("simultaneous updates are for k = 1 GANs without a penalty: WGANs need separate critic steps "
                             "and R1 separate discriminator steps (simultaneous=False).")
        self.simultaneous = simultaneous
        self.conditional = is_conditional(generator)
        if self.conditional != is_conditional(discriminator):
            raise ValueError("Generator and discriminator must both be conditional (take labels) or neither.")
        self.num_classes = num_classes
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.strategy = strategy
        self._check_distribution(g_optimizer, d_optimizer)
        if gp_alpha not in ("op", "generator"):
            raise ValueError(f"gp_alpha must be 'op' or 'generator', not {gp_alpha!r}.")
        self.gp_alpha = "generator" if strategy is not None and self.gp_weight else gp_alpha
        self.rng = tf.random.Generator.from_seed(seed)
        self.gp_rng = None
        if self.gp_weight and self.gp_alpha == "generator":
            self.gp_rng = tf.random.Generator.from_seed(seed + GP_SEED_OFFSET)
        self._draws = None  # under a strategy: the global batch's random numbers while replicas run
        # Build optimizer slots now, so a checkpoint can restore them before the first step.
        g_optimizer.build(generator.trainable_variables)
        d_optimizer.build(discriminator.trainable_variables)
        # jit_compile=True: XLA (faster on GPUs, slower on CPUs; see runtime.choose_xla)
        self.jit_compile = bool(jit_compile)
        if strategy is None:
            self.d_step = tf.function(self._d_step, reduce_retracing=True, jit_compile=self.jit_compile)
            self.g_step = tf.function(self._g_step, reduce_retracing=True, jit_compile=self.jit_compile)
            self.joint_step = tf.function(self._joint_step, reduce_retracing=True, jit_compile=self.jit_compile)
        else:  # the same step bodies, once per replica (XLA, if on, compiles each replica's step)
            def replica(step):
                return tf.function(step, jit_compile=True) if self.jit_compile else step

            self.d_step = tf.function(functools.partial(self._distributed, replica(self._d_step), "d"))
            self.joint_step = tf.function(functools.partial(self._distributed, replica(self._joint_step), "d"))
            self.g_step = tf.function(functools.partial(self._distributed_g_step, replica(self._g_step)))

    # -- several replicas (tf.distribute) --------------------------------------------
    def _check_distribution(self, *optimizers):
        scaled = any(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers)
        own_steps = all(getattr(type(self), m) is getattr(GANSteps, m) for m in ("_d_step", "_g_step", "_joint_step"))
        if (self.strategy is not None or scaled) and not (own_steps or type(self).__dict__.get("supports_strategy")):
            raise ValueError(
                f"{type(self).__name__} overrides the train steps without scale_for_gradients, so it cannot run "
                "under a tf.distribute strategy or with float16 loss scaling (its gradients would be summed over "
                "replicas unscaled). Use one device and float32/bfloat16, or adapt its steps (see GANSteps).")
        if self.strategy is not None:
            for model in (self.generator, self.discriminator):
                if not all(self.strategy.extended.variable_created_in_scope(getattr(v, "value", v)) for v in model.weights):
                    raise ValueError(f"{model.name} was not built in strategy.scope(): build models and optimizers "
                                     "inside `with strategy.scope():` (recipes.make_trainer(..., strategy=) does).")

    def scale_for_gradients(self, loss, optimizer):
        """The loss whose gradient a step takes (call it inside the tape): on one device with a plain
        optimizer, ``loss`` itself; under a strategy divided by the number of replicas (the optimizer sums
        the replicas' gradients: together the gradient of the global batch's mean loss); with a
        ``LossScaleOptimizer`` (float16) multiplied by its loss scale (``apply_gradients`` unscales)."""
        if self.strategy is not None:
            loss = loss / self.strategy.num_replicas_in_sync
        return optimizer.scale_loss(loss)

    def _grad_norm(self, grads, optimizer):
        """Norm of the gradient of this replica's mean loss (undoing scale_for_gradients' factors)."""
        norm = tf.linalg.global_norm(grads)
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            norm = norm / tf.cast(optimizer.dynamic_scale, norm.dtype)
        if self.strategy is not None:
            norm = norm * self.strategy.num_replicas_in_sync
        return norm

    def _draw(self, kind, n):
        """``n`` random numbers of one kind. One device: drawn here. In a replica: this replica's rows of
        the global draw made before ``strategy.run`` (replica r of R gets rows [r·n, (r+1)·n))."""
        if self._draws is not None and not tf.distribute.in_cross_replica_context():
            r = tf.distribute.get_replica_context().replica_id_in_sync_group
            return self._draws[kind][r * n:(r + 1) * n]
        if kind == "noise":
            return self.rng.normal((n, self.latent_dim))
        if kind == "labels":
            return self.rng.uniform((n,), 0, self.num_classes, dtype=tf.int32)
        return self.gp_rng.uniform((n,), 0.0, 1.0)  # "alpha", one per example

    def _distributed(self, step, kinds, *batch, n=None):
        """Run ``step`` on every replica's share of a distributed batch: draw the global batch's random
        numbers first (in the one-device order), then ``strategy.run``, then average the logs."""
        if n is None:  # a distributed batch of equal shares (Trainer.fit makes them)
            n = tf.shape(self.strategy.experimental_local_results(batch[0])[0])[0] * self.strategy.num_replicas_in_sync
        kinds = {"d": ["noise"] + (["alpha"] if self.gp_rng is not None else []),
                 "g": ["noise"] + (["labels"] if self.conditional else [])}[kinds]
        self._draws = {kind: self._draw(kind, n) for kind in kinds}
        try:
            logs = self.strategy.run(step, args=batch)
        finally:
            self._draws = None
        return {k: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in logs.items()}

    def _distributed_g_step(self, step, batch_size):
        replicas = self.strategy.num_replicas_in_sync
        if batch_size % replicas:
            raise ValueError(f"the global batch ({batch_size}) must be a multiple of the {replicas} replicas.")
        return self._distributed(step, "g", batch_size // replicas, n=batch_size)

    # -- helpers -------------------------------------------------------------------
    def noise(self, n):
        """n latent vectors z ~ N(0, I) from this run's generator of random numbers."""
        return self._draw("noise", n)

    def random_labels(self, n):
        return self._draw("labels", n)

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
                alpha = None if self.gp_rng is None else tf.reshape(self._draw("alpha", n), [-1] + [1] * (len(real.shape) - 1))
                penalty = gradient_penalty(self.discriminator, real, fake, labels, alpha=alpha)
                total = d_loss + self.gp_weight * penalty
            if self.r1_gamma:
                r1 = r1_penalty(self.discriminator, real, labels)
                total = total + 0.5 * self.r1_gamma * r1
            total = self.scale_for_gradients(total, self.d_optimizer)
        variables = self.discriminator.trainable_variables
        grads = tape.gradient(total, variables)
        self.d_optimizer.apply_gradients(zip(grads, variables))
        if self.clip_value is not None:
            for v in variables:
                v.assign(tf.clip_by_value(v, -self.clip_value, self.clip_value))
        logs = {"d_loss": d_loss, "d_grad_norm": self._grad_norm(grads, self.d_optimizer),
                **self._summary(real_out, fake_out)}
        if self.gp_weight:
            logs["gp"] = penalty
        if self.r1_gamma:
            logs["r1"] = r1
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
            scaled = self.scale_for_gradients(g_loss, self.g_optimizer)
        variables = self.generator.trainable_variables
        grads = tape.gradient(scaled, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return {"g_loss": g_loss, "g_grad_norm": self._grad_norm(grads, self.g_optimizer)}

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
            d_scaled = self.scale_for_gradients(d_loss, self.d_optimizer)
            g_scaled = self.scale_for_gradients(g_loss, self.g_optimizer)
        d_vars, g_vars = self.discriminator.trainable_variables, self.generator.trainable_variables
        d_grads = d_tape.gradient(d_scaled, d_vars)
        g_grads = g_tape.gradient(g_scaled, g_vars)
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
        return {"d_loss": d_loss, "d_grad_norm": self._grad_norm(d_grads, self.d_optimizer),
                **self._summary(real_out, fake_out),
                "g_loss": g_loss, "g_grad_norm": self._grad_norm(g_grads, self.g_optimizer)}


def run_iterations(update, batches, iterations):
    """The course's loop over arrays, shared by every training that is not ``Trainer``'s image loop
    (``train_on_arrays``, ``semisupervised.fit_semi_supervised``, ``dp.train_dp_gan``, ``imputation.gain_impute``):
    ``iterations`` times, take the next item of ``batches`` (an iterator; how batches are composed is the caller's
    business: shuffled epochs, labelled + unlabelled, Poisson samples, rows of a table) and call ``update(batch)``,
    which runs one iteration (every network's update) and returns a dict of scalar logs. Returns the history:
    ``{name: [one float per iteration]}``."""
    if isinstance(iterations, bool) or int(iterations) != iterations or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}.")
    history = {}
    for _ in range(int(iterations)):
        for key, value in update(next(batches)).items():
            history.setdefault(key, []).append(float(value))
    return history


def train_on_arrays(steps, arrays, iterations, batch_size=64, seed=0, d_steps=1):
    """Algorithm 1 (one discriminator step, one generator step) on data that is not MNIST images: tables and
    series of notebook 10. ``arrays``: one array (N, …) or a tuple (rows, labels) for a conditional ``steps``;
    batches are drawn from shuffled epochs (``seed``), without the short last batch. Returns the history (dict of
    lists, one entry per generator iteration; a step's D logs are those of its last D step). ``d_steps``: D
    steps before each G step, each on its own batch (a WGAN's critic steps). A steps object with ``own_train_step`` (the adversarial
    autoencoder of 09) runs its ``train_step(batch)`` instead. The ``Trainer`` (checkpoints, sample grids) is for image GANs."""
    arrays = tuple(arrays) if isinstance(arrays, (tuple, list)) else (arrays,)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"the arrays have different lengths: {[len(a) for a in arrays]}.")
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or not 0 < batch_size <= n:
        raise ValueError(f"batch_size must be an integer between 1 and the {n} rows, got {batch_size!r}.")
    if len(arrays) != (2 if steps.conditional else 1):
        raise ValueError("a conditional model needs (rows, labels); an unconditional one a single array.")
    if isinstance(d_steps, bool) or int(d_steps) != d_steps or d_steps < 1:
        raise ValueError(f"d_steps must be a positive integer, got {d_steps!r}.")
    if d_steps > 1 and steps.own_train_step:
        raise ValueError("a steps object with its own train_step updates every network once per batch: d_steps=1.")
    dataset = (tf.data.Dataset.from_tensor_slices(arrays if len(arrays) > 1 else arrays[0])
               .shuffle(n, seed=seed).batch(int(batch_size), drop_remainder=True).repeat())
    batches = iter(dataset)

    def update(batch):
        if steps.own_train_step:  # models with their own per-batch update (aae.py)
            return steps.train_step(*batch) if len(arrays) > 1 else steps.train_step(batch)
        for k in range(int(d_steps)):
            if k:
                batch = next(batches)
            d_logs = steps.d_step(*batch) if steps.conditional else steps.d_step(batch)
        return {**d_logs, **steps.g_step(int(batch_size))}

    return run_iterations(update, batches, iterations)
