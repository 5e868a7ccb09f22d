"""The training loop: Algorithm 1, budgets, checkpoints that resume, history, and a divergence guard.

``Trainer.fit`` runs k discriminator steps then one generator step until a budget is spent
(``epochs``, ``iterations`` and/or ``minutes``, whichever comes first), calls the callbacks
(progress, live sample grid, GIF frames, TensorBoard), and writes the metric history and a
checkpoint (models, optimizers, counters, position in the epoch, random-number state, fixed
noise, the generator's moving average) at every epoch end, every ``checkpoint_minutes`` and
when it stops early. Calling ``fit`` again with the same folder resumes exactly where it
stopped, mid-epoch included. Interrupting the kernel (Ctrl-C) is a control, not a crash: the
trainer finishes the current iteration, saves, and returns. Introduced in 01_vanilla_gan.ipynb;
resuming is shown in 02_dcgan.ipynb, the generator's moving average (EMA) in 02 as well.

The trainer drives any ``steps_base.Steps`` through its declared hooks (it never asks whether one exists).
The run folder (lock, atomic writes, disk errors) lives in ``run_folder.py``, the Ctrl-C deferral in
``interrupts.py``; both names stay importable from here.
"""
import contextlib
import json
import math
import time
from pathlib import Path


import numpy as np
import tensorflow as tf

from gan_utils.core.config import relative
from gan_utils.core.data import check_images, check_labels, make_dataset, to_model_range
from gan_utils.core.interrupts import DeferredInterrupt
from gan_utils.core.kinds import clone_with_kind
from gan_utils.core.run_folder import RunFolderError, is_disk_problem, lock_run_folder, write_json_atomically

__all__ = ["Trainer", "TrainingDiverged", "RunFolderError", "lock_run_folder", "write_json_atomically",
           "architecture_signature", "seed_generator_states", "distribute_batches"]


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN/Inf; the last good checkpoint is left untouched."""


def architecture_signature(model):
    """A short description of a model's layers and weight shapes, to refuse foreign checkpoints."""
    return [[layer.__class__.__name__, [list(w.shape) for w in layer.weights]] for layer in model.layers]


def seed_generator_states(*models):
    """Random state of layers such as Dropout (Keras SeedGenerators): tf.train.Checkpoint does
    not track it through the model, so the trainer checkpoints it explicitly."""
    return [v for m in models for v in m.non_trainable_variables if v.path.endswith("seed_generator_state")]


def distribute_batches(strategy, dataset, global_batch):
    """The strategy's distributed version of a dataset of global batches: replica r (of R, across all
    workers) gets rows [r·b, (r+1)·b) of every batch, b = global_batch / R. Every worker builds the same
    global dataset (same seed, same order) and keeps its replicas' rows, so a run on R replicas sees the
    batches of a one-device run."""
    replicas = strategy.num_replicas_in_sync
    b = global_batch // replicas

    def per_worker(ctx):
        local = replicas // ctx.num_input_pipelines
        first = ctx.input_pipeline_id * local * b

        def rows(t):  # this worker's rows as `local` per-replica batches, taken in order by its replicas
            return tf.reshape(t[first:first + local * b], tf.concat([[local, b], tf.shape(t)[1:]], 0))

        return dataset.map(lambda *batch: tuple(rows(t) for t in batch) if len(batch) > 1 else rows(batch[0])).unbatch()

    return strategy.distribute_datasets_from_function(per_worker)


class Trainer:
    """Train a ``GANSteps`` with Algorithm 1 (``d_steps`` = k, or n_critic for WGANs).

    ``out_dir`` (optional) holds ``checkpoints/`` (last ``max_to_keep``), ``history.json``
    and ``run.json``; with it, ``fit`` resumes. ``num_samples`` fixed noise vectors (and, for a
    conditional model, labels: one row per digit) are drawn once per run and checkpointed.
    ``ema_decay`` (e.g. 0.999) keeps an exponential moving average of the generator's weights,
    ``ema_generator``, updated after every generator step with the warm-up
    ``min(ema_decay, (1 + t) / (10 + t))`` at iteration t; ``sampling_generator`` is then the
    average (the live grid and the saved generator use it). ``checkpoint_minutes`` adds a
    checkpoint every that many minutes of training (besides epoch ends and stops).

    Under a ``tf.distribute`` strategy (``steps.strategy``, see ``GANSteps``) the loop is the same: ``fit``'s
    ``batch_size`` is the global batch (a multiple of the number of replicas; the short last batch is
    dropped), the strategy hands each replica its rows of every batch, and the counters, fixed noise and
    moving average are mirrored variables, so checkpoints, resuming and callbacks work as on one device.
    Every variant plugs in through the hooks of ``steps_base.Steps``: translation steps (``translation.Pix2PixSteps``,
    ``CycleGANSteps``; notebook 07) set ``own_train_step`` (``train_step(real)`` updates every network once per
    batch), ``fixed_inputs``/``preview`` for the live grid (input, output, target rows) and ``extra_models``
    (CycleGAN's second pair, checkpointed too); ``extra_variables`` (a dict of tf.Variables: the stage and α of
    ``progressive.ProgressiveGANSteps``, notebook 08) are checkpointed as well.
    With several machines (``MultiWorkerMirroredStrategy``) every worker runs the same program; the chief
    (task 0) writes ``out_dir``, worker i its own copy in ``out_dir/worker-i`` (checkpoints hold the same
    values on every worker; each resumes from its own).
    """

    def __init__(self, steps, d_steps=1, out_dir=None, max_to_keep=3, num_samples=16, seed=0, ema_decay=None,
                 checkpoint_minutes=5.0):
        if d_steps < 1:
            raise ValueError(f"d_steps must be at least 1, got {d_steps}.")
        if steps.own_train_step and d_steps != 1:
            raise ValueError("translation steps update every network once per batch: d_steps must be 1.")
        if steps.simultaneous and d_steps != 1:
            raise ValueError("simultaneous updates need d_steps = 1.")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be between 0 and 1 (e.g. 0.999), got {ema_decay}.")
        self.steps, self.d_steps, self.seed = steps, int(d_steps), int(seed)
        self.strategy = strategy = steps.strategy  # None: one device
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            self._make_state(steps, num_samples, ema_decay)
        self.checkpoint_minutes = checkpoint_minutes
        self.history = {}
        self.planned_iterations, self.fit_summary, self.stop_reason = None, "", None
        self.stop_training = False  # a callback may set it; fit stops after the current step
        self.out_dir = Path(out_dir) if out_dir is not None else None
        if self.out_dir is not None and strategy is not None and not strategy.extended.should_checkpoint:
            self.out_dir = self.out_dir / f"worker-{strategy.cluster_resolver.task_id}"
        self.manager = None
        if self.out_dir is not None:
            self._open_checkpoints(max_to_keep)

    def _make_state(self, steps, num_samples, ema_decay):
        """Counters, moving average and fixed noise (mirrored variables under a strategy)."""
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
        # batches (discriminator steps) already taken in the current epoch: where a resumed run picks up
        self.batch_in_epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="batch_in_epoch")
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = clone_with_kind(steps.generator)
            self.ema_generator.set_weights(steps.generator.get_weights())
            # every float weight, BatchNorm's moving statistics included; not the dropout seed states
            self._ema_pairs = [(e, w) for e, w in zip(self.ema_generator.weights, steps.generator.weights)
                               if "float" in str(w.dtype)]
            self._ema_update = tf.function(self._ema_step)
        # translation steps (variants/translation.py) keep fixed *inputs* here: source images (and targets)
        fixed = steps.fixed_inputs(num_samples)
        self.fixed_noise = tf.Variable(fixed, trainable=False, name="fixed_noise")
        # conditional models: digit d fills row d of a 10-column grid (0,…,0, 1,…,1, …)
        labels = np.repeat(np.arange(10, dtype="int32"), -(-num_samples // 10))[:num_samples]
        self.fixed_labels = tf.Variable(labels if steps.conditional else np.zeros(num_samples, "int32"),
                                        trainable=False, name="fixed_labels")

    # -- checkpoints ---------------------------------------------------------------
    def _open_checkpoints(self, max_to_keep):
        s = self.steps
        self.checkpoint = tf.train.Checkpoint(
            generator=s.generator, discriminator=s.discriminator, **self._extra_models(), g_optimizer=s.g_optimizer,
            d_optimizer=s.d_optimizer, rng=s.rng, epoch=self.epoch, iteration=self.iteration,
            batch_in_epoch=self.batch_in_epoch, fixed_noise=self.fixed_noise, fixed_labels=self.fixed_labels,
            seed_states=seed_generator_states(*self._models()),
            **({"steps_state": self._extra_variables()} if self._extra_variables() else {}),
            **({"ema_generator": self.ema_generator} if self.ema_generator is not None else {}),
            **({"gp_rng": s.gp_rng} if s.gp_rng is not None else {}))
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            lock_run_folder(self.out_dir)
        except OSError as err:
            raise RunFolderError(f"cannot write to the run folder {relative(self.out_dir)} ({err.strerror or err}). "
                                 "Use another folder (RUN_DIR / --out / GAN_RUNS_DIR).") from err
        signature = {"generator": architecture_signature(s.generator),
                     "discriminator": architecture_signature(s.discriminator),
                     **{k: architecture_signature(m) for k, m in self._extra_models().items()},
                     "loss": s.run_name, "d_steps": self.d_steps,
                     **({"ema_decay": self.ema_decay} if self.ema_decay is not None else {})}
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
        self._restore_latest()

    def _restore_latest(self):
        """Restore the newest checkpoint that can be read; a damaged newer one (truncated or corrupt, e.g. a
        copied or synced folder) is reported and skipped; if none can be read, refuse with a clear message."""
        candidates = list(reversed(self.manager.checkpoints))
        if not candidates:
            return
        for path in candidates:
            try:
                self.checkpoint.restore(path).assert_existing_objects_matched()
                break
            except Exception as err:  # TF raises DataLossError, IndexError, OutOfRangeError... for damaged files
                print(f"checkpoint {relative(path)} cannot be read ({type(err).__name__}); trying an older one.",
                      flush=True)
        else:
            raise RunFolderError(
                f"no checkpoint in {relative(self.out_dir / 'checkpoints')} can be read (all {len(candidates)} are "
                "damaged). Delete the folder to start over, or restore it from a backup.")
        if path != candidates[0]:
            print(f"resuming from {relative(path)} (epoch {int(self.epoch.numpy())}, "
                  f"iteration {int(self.iteration.numpy())}).", flush=True)
        history_file = self.out_dir / "history.json"
        if history_file.exists():
            saved = json.loads(history_file.read_text(encoding="utf-8"))
            n = int(self.iteration.numpy())
            self.history = {k: v[:n] for k, v in saved.items()}

    def save(self):
        """Write history, then a checkpoint (CheckpointManager renames complete files into place).
        Checkpoints are numbered in the order they are written (ckpt-1, ckpt-2, ...)."""
        if self.manager is None:
            return None
        self._last_save = time.perf_counter()
        try:
            write_json_atomically(self.out_dir / "history.json", self.history)
            return self.manager.save()
        except (OSError, tf.errors.OpError) as err:
            if not is_disk_problem(err):
                raise
            size = sum(int(np.prod(v.shape)) * np.dtype(str(v.dtype)).itemsize for v in self.checkpoint_variables()) / 1e6
            raise RunFolderError(
                f"could not write a checkpoint to {relative(self.out_dir)}: {str(err).splitlines()[0][:160]}. "
                f"A checkpoint of this run needs about {size:.0f} MB. Free some space, keep fewer checkpoints "
                "(--keep 1 / max_to_keep=1), or use another run folder (--out / RUN_DIR / GAN_RUNS_DIR). "
                "The previous checkpoint is intact.") from err

    def _extra_models(self):
        """Networks beyond the generator and discriminator (CycleGAN's second pair), by name."""
        return dict(self.steps.extra_models)

    def _extra_variables(self):
        """State of the steps object beyond its networks (``progressive.ProgressiveGANSteps``' stage and α), by name."""
        return dict(self.steps.extra_variables)

    def _models(self):
        return [self.steps.generator, self.steps.discriminator, *self._extra_models().values()]

    def checkpoint_variables(self):
        """Every variable a checkpoint writes (models, optimizers, moving average, counters)."""
        s = self.steps
        models = self._models() + ([self.ema_generator] if self.ema_generator is not None else [])
        return [v for m in models for v in m.weights] + list(s.g_optimizer.variables) + list(s.d_optimizer.variables) \
            + list(self._extra_variables().values())

    # -- moving average of the generator -----------------------------------------------
    def _ema_step(self):
        t = tf.cast(self.iteration, tf.float32)
        decay = tf.minimum(tf.constant(self.ema_decay, tf.float32), (1.0 + t) / (10.0 + t))
        for ema, w in self._ema_pairs:
            ema.assign(decay * ema + (1.0 - decay) * tf.cast(w, ema.dtype))

    @property
    def sampling_generator(self):
        """The generator to sample from: the moving average if ``ema_decay`` is set, else the raw one."""
        return self.ema_generator if self.ema_generator is not None else self.steps.generator

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
        for model in self._models():
            for v in model.trainable_variables:
                if not bool(tf.reduce_all(tf.math.is_finite(v))):
                    raise TrainingDiverged(f"Weight {v.path} of {model.name} is not finite at epoch "
                                           f"{int(self.epoch.numpy())}; nothing was saved for this epoch. "
                                           "Try a lower learning rate or a gradient penalty.")

    # -- sampling ------------------------------------------------------------------
    def fixed_samples(self):
        """Generator output for the fixed noise (and labels), in [-1, 1]: the grid the class watches. Translation
        steps show rows instead (input, output, target: their ``preview``)."""
        return self.steps.preview(self.sampling_generator, self.fixed_noise, self.fixed_labels)

    # -- the loop ------------------------------------------------------------------
    def fit(self, images, labels=None, epochs=None, batch_size=256, steps_per_epoch=None, iterations=None,
            minutes=None, callbacks=(), drop_remainder=True):
        """Train until a budget is spent: ``epochs`` (total epochs), ``iterations`` (total generator
        iterations, across epochs) or ``minutes`` (wall-clock minutes of this call), whichever comes
        first. A resumed run continues from where it stopped, mid-epoch included.

        ``images``: uint8 (N, 28, 28) or float in [-1, 1]; ``labels`` (N,) for conditional models.
        ``steps_per_epoch`` caps the discriminator steps per epoch (quick runs); it cannot exceed
        one epoch's batches (use ``iterations`` for a budget that spans epochs).
        ``drop_remainder`` leaves out the short last batch of each epoch (its noisy BatchNorm
        statistics jolt the DCGAN at every epoch boundary; see benchmarks/epoch_spike.py).
        Returns the history dict (one entry per generator iteration).
        """
        images = check_images(images)
        data = to_model_range(images) if images.dtype == np.uint8 else np.asarray(images, "float32").reshape(-1, 28, 28, 1)
        if self.steps.conditional:
            labels = check_labels(labels, len(data))
        elif labels is not None:
            raise ValueError("labels were given but the model is not conditional; pass labels=None.")
        if epochs is None and iterations is None and minutes is None:
            raise ValueError("Give a budget: epochs=N (total), iterations=N (total generator iterations) or minutes=M.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        strategy = self.strategy
        if strategy is not None:
            replicas = strategy.num_replicas_in_sync
            if batch_size % replicas:
                raise ValueError(f"batch_size {batch_size} (the global batch) must be a multiple of the "
                                 f"{replicas} replicas.")
            if not drop_remainder:
                raise ValueError("under a tf.distribute strategy the short last batch is dropped "
                                 "(drop_remainder=True): every replica needs an equal share.")
        self._global_batch = batch_size
        batches = len(data) // batch_size if drop_remainder else -(-len(data) // batch_size)
        if batches == 0:
            raise ValueError(f"batch_size {batch_size} is larger than the data ({len(data)} images).")
        if steps_per_epoch is not None:
            if steps_per_epoch < self.d_steps:
                raise ValueError(f"steps_per_epoch ({steps_per_epoch}) must be at least d_steps ({self.d_steps}).")
            if steps_per_epoch > batches:
                raise ValueError(
                    f"steps_per_epoch={steps_per_epoch} is more than one epoch holds ({batches} batches of "
                    f"{batch_size}): it would be silently capped. For a budget that spans epochs use "
                    f"iterations=N (generator iterations) instead.")
        per_epoch = (steps_per_epoch or batches) // self.d_steps
        epoch0, iteration0 = int(self.epoch.numpy()), int(self.iteration.numpy())
        done = (epochs is not None and epoch0 >= epochs) or (iterations is not None and iteration0 >= iterations)
        if done:
            what = f"{epoch0} epochs" if epochs is not None and epoch0 >= epochs else f"{iteration0} iterations"
            print(f"already trained to {what}: nothing to do (a new RUN_DIR, or more EPOCHS / ITERATIONS).")
            return self.history
        planned = []
        if epochs is not None:
            planned.append(max(0, (epochs - epoch0) * per_epoch - int(self.batch_in_epoch.numpy()) // self.d_steps))
        if iterations is not None:
            planned.append(iterations - iteration0)
        self.planned_iterations = min(planned) if planned else None  # unknown for a time budget alone
        self.stop_training, self.stop_reason = False, None
        started = self._last_save = time.perf_counter()
        deadline = started + 60.0 * minutes if minutes is not None else None
        for cb in callbacks:
            cb.on_train_begin(self, epochs)
        with DeferredInterrupt() as interrupt:
            while epochs is None or int(self.epoch.numpy()) < epochs:
                dataset = make_dataset(data, labels, batch_size, seed=self.seed + int(self.epoch.numpy()),
                                       drop_remainder=drop_remainder)
                if steps_per_epoch is not None:
                    dataset = dataset.take(steps_per_epoch)
                dataset = dataset.skip(int(self.batch_in_epoch.numpy()))
                if strategy is not None:
                    dataset = distribute_batches(strategy, dataset, batch_size)
                self._run_epoch(dataset, callbacks, iterations, deadline, interrupt)
                if self.stop_training:  # stopped mid-epoch: save the position, resume picks it up
                    self._check_weights()
                    self.save()
                    break
                self._check_weights()
                self.epoch.assign_add(1)
                self.batch_in_epoch.assign(0)
                self.save()
                for cb in callbacks:
                    cb.on_epoch_end(self, int(self.epoch.numpy()))
                if iterations is not None and int(self.iteration.numpy()) >= iterations:
                    break
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        self.fit_summary = (f"epochs {epoch0} -> {int(self.epoch.numpy())}, iterations {iteration0} -> "
                            f"{int(self.iteration.numpy())}, {(time.perf_counter() - started) / 60:.1f} min")
        for cb in callbacks:
            cb.on_train_end(self)
        if self.stop_reason == "interrupt":
            where = f" to {relative(self.out_dir)}" if self.manager is not None else " (no run folder: in memory only)"
            print(f"interrupted at epoch {int(self.epoch.numpy()) + 1}, iteration {int(self.iteration.numpy())}; "
                  f"saved{where}; run the same cell or command again to continue.", flush=True)
        return self.history

    def _run_epoch(self, dataset, callbacks, iterations, deadline, interrupt):
        d_logs, taken = None, int(self.batch_in_epoch.numpy())
        for batch in dataset:
            real, labels = batch if self.steps.conditional else (batch, None)
            if self.steps.own_train_step:  # translation models: every network updated once per batch
                d_logs, g_logs = self.steps.train_step(real), {}
                taken += 1
            elif self.steps.simultaneous:  # one joint update per batch (k = 1)
                d_logs = self.steps.joint_step(real, labels) if labels is not None else self.steps.joint_step(real)
                g_logs = {}
                taken += 1
            else:
                d_logs = self.steps.d_step(real, labels) if labels is not None else self.steps.d_step(real)
                taken += 1
                if taken % self.d_steps:
                    self.batch_in_epoch.assign(taken)
                    continue
                g_logs = self.steps.g_step(tf.shape(real)[0] if self.strategy is None else self._global_batch)
            logs = {k: float(v) for k, v in {**d_logs, **g_logs}.items()}
            self._check_finite(logs)
            if self.ema_generator is not None:
                self._ema_update()
            self.iteration.assign_add(1)
            self.batch_in_epoch.assign(taken)
            for key, value in logs.items():
                self.history.setdefault(key, []).append(value)
            for cb in callbacks:
                cb.on_step_end(self, logs)
            now = time.perf_counter()
            if interrupt.requested:
                self.stop_training, self.stop_reason = True, "interrupt"
            elif iterations is not None and int(self.iteration.numpy()) >= iterations:
                self.stop_training, self.stop_reason = True, "iterations"
            elif deadline is not None and now >= deadline:
                self.stop_training, self.stop_reason = True, "minutes"
            if self.stop_training:
                return
            if self.checkpoint_minutes and self.manager is not None and now - self._last_save >= 60 * self.checkpoint_minutes:
                self._check_weights()
                self.save()
