"""The training loop: Algorithm 1, checkpoints that resume, history, and a divergence guard.

``Trainer.fit`` runs k discriminator steps then one generator step, epoch after epoch,
calls the callbacks (progress, live sample grid, GIF frames, TensorBoard), and at each
epoch end writes the metric history and a checkpoint (models, optimizers, counters,
random-number state, fixed noise). Calling ``fit`` again with the same folder resumes
where it stopped. Introduced in 01_vanilla_gan.ipynb; resuming is shown in 02_dcgan.ipynb.
"""
import json
import math
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils.data import check_images, check_labels, make_dataset, to_model_range


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN/Inf; the last good checkpoint is left untouched."""


def write_json_atomically(path, payload):
    """Write JSON to a temporary name, then rename: a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(payload, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def architecture_signature(model):
    """A short description of a model's layers and weight shapes, to refuse foreign checkpoints."""
    return [[layer.__class__.__name__, [list(w.shape) for w in layer.weights]] for layer in model.layers]


def seed_generator_states(*models):
    """Random state of layers such as Dropout (Keras SeedGenerators): tf.train.Checkpoint does
    not track it through the model, so the trainer checkpoints it explicitly."""
    return [v for m in models for v in m.non_trainable_variables if v.path.endswith("seed_generator_state")]


class Trainer:
    """Train a ``GANSteps`` with Algorithm 1 (``d_steps`` = k, or n_critic for WGANs).

    ``out_dir`` (optional) holds ``checkpoints/`` (last ``max_to_keep``), ``history.json``
    and ``run.json``; with it, ``fit`` resumes. ``num_samples`` fixed noise vectors (and, for a
    conditional model, labels: one row per digit) are drawn once per run and checkpointed.
    """

    def __init__(self, steps, d_steps=1, out_dir=None, max_to_keep=3, num_samples=16, seed=0):
        if d_steps < 1:
            raise ValueError(f"d_steps must be at least 1, got {d_steps}.")
        if steps.simultaneous and d_steps != 1:
            raise ValueError("simultaneous updates need d_steps = 1.")
        self.steps, self.d_steps, self.seed = steps, int(d_steps), int(seed)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
        self.fixed_noise = tf.Variable(steps.noise(num_samples), trainable=False, name="fixed_noise")
        # conditional models: digit d fills row d of a 10-column grid (0,…,0, 1,…,1, …)
        labels = np.repeat(np.arange(10, dtype="int32"), -(-num_samples // 10))[:num_samples]
        self.fixed_labels = tf.Variable(labels if steps.conditional else np.zeros(num_samples, "int32"),
                                        trainable=False, name="fixed_labels")
        self.history = {}
        self.stop_training = False  # a callback may set it; fit stops after the current step
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.manager = None
        if self.out_dir is not None:
            self._open_checkpoints(max_to_keep)

    # -- checkpoints ---------------------------------------------------------------
    def _open_checkpoints(self, max_to_keep):
        s = self.steps
        self.checkpoint = tf.train.Checkpoint(
            generator=s.generator, discriminator=s.discriminator, g_optimizer=s.g_optimizer,
            d_optimizer=s.d_optimizer, rng=s.rng, epoch=self.epoch, iteration=self.iteration,
            fixed_noise=self.fixed_noise, fixed_labels=self.fixed_labels,
            seed_states=seed_generator_states(s.generator, s.discriminator))
        self.out_dir.mkdir(parents=True, exist_ok=True)
        signature = {"generator": architecture_signature(s.generator),
                     "discriminator": architecture_signature(s.discriminator),
                     "loss": s.loss.name, "d_steps": self.d_steps}
        run_file = self.out_dir / "run.json"
        if run_file.exists():
            previous = json.loads(run_file.read_text(encoding="utf-8"))
            if previous != signature:
                changed = [k for k in signature if previous.get(k) != signature[k]]
                raise ValueError(
                    f"{self.out_dir} holds a run of a different model/settings ({', '.join(changed)} differ); "
                    "its checkpoints would not fit. Use a new output folder, or delete this one to start over.")
        else:
            write_json_atomically(run_file, signature)
        self.manager = tf.train.CheckpointManager(self.checkpoint, self.out_dir / "checkpoints", max_to_keep=max_to_keep)
        if self.manager.latest_checkpoint:
            self.checkpoint.restore(self.manager.latest_checkpoint).assert_existing_objects_matched()
            history_file = self.out_dir / "history.json"
            if history_file.exists():
                saved = json.loads(history_file.read_text(encoding="utf-8"))
                n = int(self.iteration.numpy())
                self.history = {k: v[:n] for k, v in saved.items()}

    def save(self):
        """Write history, then a checkpoint (CheckpointManager renames complete files into place)."""
        if self.manager is None:
            return None
        write_json_atomically(self.out_dir / "history.json", self.history)
        return self.manager.save(checkpoint_number=int(self.epoch.numpy()))

    # -- health checks -------------------------------------------------------------
    def _check_finite(self, logs):
        bad = {k: v for k, v in logs.items() if not math.isfinite(v)}
        if bad:
            values = ", ".join(f"{k}={v:.4g}" for k, v in logs.items())
            raise TrainingDiverged(
                f"Training diverged at epoch {int(self.epoch.numpy()) + 1}, iteration {int(self.iteration.numpy()) + 1}: "
                f"{', '.join(bad)} not finite ({values}). Try a lower learning rate, label smoothing, a gradient "
                f"penalty or gradient clipping. The last good checkpoint is kept"
                + (f" in {self.out_dir / 'checkpoints'}." if self.manager else "."))

    def _check_weights(self):
        for model in (self.steps.generator, self.steps.discriminator):
            for v in model.trainable_variables:
                if not bool(tf.reduce_all(tf.math.is_finite(v))):
                    raise TrainingDiverged(f"Weight {v.path} of {model.name} is not finite at epoch "
                                           f"{int(self.epoch.numpy())}; nothing was saved for this epoch. "
                                           "Try a lower learning rate or a gradient penalty.")

    # -- sampling ------------------------------------------------------------------
    def fixed_samples(self):
        """Generator output for the fixed noise (and labels), in [-1, 1]: the grid the class watches."""
        labels = self.fixed_labels if self.steps.conditional else None
        return self.steps.generate(self.fixed_noise, labels, training=False).numpy()

    # -- the loop ------------------------------------------------------------------
    def fit(self, images, labels=None, epochs=1, batch_size=256, steps_per_epoch=None, callbacks=()):
        """Train until ``epochs`` epochs are done in total (a resumed run continues from its epoch).

        ``images``: uint8 (N, 28, 28) or float in [-1, 1]; ``labels`` (N,) for conditional models.
        ``steps_per_epoch`` caps the discriminator steps per epoch (quick runs).
        Returns the history dict (one entry per generator iteration).
        """
        images = check_images(images)
        data = to_model_range(images) if images.dtype == np.uint8 else np.asarray(images, "float32").reshape(-1, 28, 28, 1)
        if self.steps.conditional:
            labels = check_labels(labels, len(data))
        elif labels is not None:
            raise ValueError("labels were given but the model is not conditional; pass labels=None.")
        if steps_per_epoch is not None and steps_per_epoch < self.d_steps:
            raise ValueError(f"steps_per_epoch ({steps_per_epoch}) must be at least d_steps ({self.d_steps}).")
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin(self, epochs)
        while int(self.epoch.numpy()) < epochs:
            dataset = make_dataset(data, labels, batch_size, seed=self.seed + int(self.epoch.numpy()))
            if steps_per_epoch is not None:
                dataset = dataset.take(steps_per_epoch)
            self._run_epoch(dataset, callbacks)
            if self.stop_training:  # stopped mid-epoch: that epoch is not checkpointed
                break
            self._check_weights()
            self.epoch.assign_add(1)
            self.save()
            for cb in callbacks:
                cb.on_epoch_end(self, int(self.epoch.numpy()))
        for cb in callbacks:
            cb.on_train_end(self)
        return self.history

    def _run_epoch(self, dataset, callbacks):
        d_logs, taken = None, 0
        for batch in dataset:
            real, labels = batch if self.steps.conditional else (batch, None)
            if self.steps.simultaneous:  # one joint update per batch (k = 1)
                d_logs = self.steps.joint_step(real, labels) if labels is not None else self.steps.joint_step(real)
                g_logs = {}
            else:
                d_logs = self.steps.d_step(real, labels) if labels is not None else self.steps.d_step(real)
                taken += 1
                if taken % self.d_steps:
                    continue
                g_logs = self.steps.g_step(tf.shape(real)[0])
            logs = {k: float(v) for k, v in {**d_logs, **g_logs}.items()}
            self._check_finite(logs)
            self.iteration.assign_add(1)
            for key, value in logs.items():
                self.history.setdefault(key, []).append(value)
            for cb in callbacks:
                cb.on_step_end(self, logs)
            if self.stop_training:
                return
