"""Callbacks for ``Trainer.fit``: progress bar, live grid in place, GIF frames, TensorBoard.

A callback may define ``on_train_begin(trainer, epochs)``, ``on_step_end(trainer, logs)``,
``on_epoch_end(trainer, epoch)`` and ``on_train_end(trainer)``. Introduced in 01_vanilla_gan.ipynb.
"""
import json
import time
from pathlib import Path

import imageio.v2 as imageio
import matplotlib.pyplot as plt
import numpy as np

from gan_utils.core.viz import image_grid, plot_history, save_gif


def preview_grid(trainer, scale=1):
    """The live grid: the fixed-noise samples, or a translation model's rows (input / output / target)."""
    samples = trainer.fixed_samples()
    rows = trainer.steps.preview_rows
    return image_grid(samples, ncols=len(samples) // len(rows) if rows else None, scale=scale)


class Callback:
    def on_train_begin(self, trainer, epochs):
        pass

    def on_step_end(self, trainer, logs):
        pass

    def on_epoch_end(self, trainer, epoch):
        pass

    def on_train_end(self, trainer):
        pass


class ProgressBar(Callback):
    """A text progress bar over the iterations this ``fit`` will run, showing the latest losses;
    when training ends it closes and prints one summary line (epochs, iterations, minutes), so a
    saved notebook shows a true final state. ``steps_per_epoch`` is accepted for compatibility:
    the trainer knows its plan (unknown for a time budget alone: the bar then counts up)."""

    def __init__(self, steps_per_epoch=None, mininterval=2.0):
        self.mininterval, self.bar = mininterval, None

    def on_train_begin(self, trainer, epochs):
        import sys

        from tqdm.std import tqdm

        total = trainer.planned_iterations
        self.bar = tqdm(total=total, desc="training", unit="it", file=sys.stdout, mininterval=self.mininterval,
                        dynamic_ncols=False, ncols=100)

    def on_step_end(self, trainer, logs):
        self.bar.update(1)
        self.bar.set_postfix(d_loss=f"{logs['d_loss']:.3f}", g_loss=f"{logs.get('g_loss', float('nan')):.3f}",
                             refresh=False)

    def on_train_end(self, trainer):
        self.bar.close()
        print(f"trained: {trainer.fit_summary}", flush=True)


class LiveMonitor(Callback):
    """One figure, redrawn in place each epoch: the fixed-noise grid and the loss/health curves.

    In JupyterLab the teacher watches the digits evolve in a single output; outside
    IPython it does nothing.
    """

    def __init__(self, every=1):
        self.every, self.handle = every, None
        self._drawn_at = None  # the iteration of the last figure

    def _draw(self, trainer):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        fig = plt.figure(figsize=(11, 5.2))
        grid = fig.add_gridspec(2, 2, width_ratios=[1.25, 1])
        sample_ax = fig.add_subplot(grid[:, 0])
        sample_ax.imshow(preview_grid(trainer), cmap="gray")
        sample_ax.set_axis_off()
        rows = trainer.steps.preview_rows
        what = "rows: " + " / ".join(rows) if rows else "fixed noise"
        sample_ax.set_title(f"{what}, epoch {int(trainer.epoch.numpy())}, iteration {int(trainer.iteration.numpy())}")
        plot_history(trainer.history, [fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])])
        fig.tight_layout()
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)

    def on_train_begin(self, trainer, epochs):
        self._draw(trainer)

    def on_epoch_end(self, trainer, epoch):
        if epoch % self.every == 0:
            self._drawn_at = int(trainer.iteration.numpy())
            self._draw(trainer)

    def on_train_end(self, trainer):
        """The final state, also when a time or iteration budget stops mid-epoch (otherwise the figure a saved
        notebook shows would be the last epoch's, or the empty one of iteration 0)."""
        if self._drawn_at != int(trainer.iteration.numpy()):
            self._draw(trainer)


class FrameSaver(Callback):
    """Save the fixed-noise grid as ``frames/epoch_NNNN.png`` each epoch and write a GIF at the end.

    Frames live on disk (never all in memory); a resumed run keeps adding to them, so the
    GIF covers the whole run. At most ``max_frames`` go into the GIF (evenly spaced).
    """

    def __init__(self, out_dir, scale=2, max_frames=60, fps=4, gif_name="training.gif"):
        self.frames_dir = Path(out_dir) / "frames"
        self.gif_path = Path(out_dir) / gif_name
        self.scale, self.max_frames, self.fps = scale, max_frames, fps

    def _save(self, trainer):
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        path = self.frames_dir / f"epoch_{int(trainer.epoch.numpy()):04d}.png"
        imageio.imwrite(path, preview_grid(trainer, scale=self.scale))

    def on_train_begin(self, trainer, epochs):
        if int(trainer.epoch.numpy()) == 0:
            self._save(trainer)

    def on_epoch_end(self, trainer, epoch):
        self._save(trainer)

    def frame_paths(self):
        return sorted(self.frames_dir.glob("epoch_*.png"))

    def on_train_end(self, trainer):
        paths = self.frame_paths()
        if paths:
            if len(paths) > self.max_frames:
                keep = np.unique(np.linspace(0, len(paths) - 1, self.max_frames).round().astype(int))
                paths = [paths[i] for i in keep]
            save_gif([imageio.imread(p) for p in paths], self.gif_path, fps=self.fps, max_frames=self.max_frames)


class TensorBoardLogger(Callback):
    """Write every metric per generator iteration and the fixed-noise grid per epoch for TensorBoard."""

    def __init__(self, log_dir):
        import importlib.util

        import tensorflow as tf

        if importlib.util.find_spec("tensorboard") is None:
            raise ImportError("TensorBoardLogger needs the tensorboard package: pip install tensorboard")
        self.tf = tf
        self.writer = tf.summary.create_file_writer(str(log_dir))

    def on_step_end(self, trainer, logs):
        with self.writer.as_default(step=int(trainer.iteration.numpy())):
            for key, value in logs.items():
                self.tf.summary.scalar(key, value)

    def on_epoch_end(self, trainer, epoch):
        grid = image_grid(trainer.fixed_samples())[None, ..., None]
        with self.writer.as_default(step=epoch):
            self.tf.summary.image("fixed_noise_samples", grid)
        self.writer.flush()


class QualityMeter(Callback):
    """Score ``n`` fresh samples with the course's classifier after every epoch (or every
    ``every_iterations`` generator iterations).

    Records epoch, iteration, training seconds so far (the scoring itself excluded), mean
    confidence, smallest class share, IS and Fréchet distance in ``records`` (and ``quality.json``
    in ``out_dir``, so a resumed run keeps them). With a trainer that keeps a moving average of
    its generator (``ema_decay``) each record also scores the average, under ``"ema"``.
    Used for "quality vs epoch/time" plots in 02_dcgan.ipynb and the benchmarks.
    """

    def __init__(self, n=2000, out_dir=None, seed=1234, every_iterations=None):
        self.n, self.seed, self.every = n, seed, every_iterations
        self.path = Path(out_dir) / "quality.json" if out_dir is not None else None
        self.records = json.loads(self.path.read_text()) if self.path is not None and self.path.exists() else []
        self.started = self.offset = None

    def on_train_begin(self, trainer, epochs):
        self.started = time.perf_counter()
        self.offset = self.records[-1]["seconds"] if self.records else 0.0

    def _record(self, trainer):
        from gan_utils.evaluation.metrics import score_generator
        from gan_utils.core.run_folder import write_json_atomically

        seconds = self.offset + time.perf_counter() - self.started
        scoring = time.perf_counter()
        record = {"epoch": int(trainer.epoch.numpy()), "iteration": int(trainer.iteration.numpy()),
                  "seconds": round(seconds, 1), **score_generator(trainer.steps.generator, self.n, self.seed)}
        if trainer.ema_generator is not None:
            record["ema"] = score_generator(trainer.ema_generator, self.n, self.seed)
        self.records.append(record)
        if self.path is not None:
            write_json_atomically(self.path, self.records)
        self.started += time.perf_counter() - scoring  # scoring time does not count as training

    def on_step_end(self, trainer, logs):
        if self.every and int(trainer.iteration.numpy()) % self.every == 0:
            self._record(trainer)

    def on_epoch_end(self, trainer, epoch):
        if not self.every:
            self._record(trainer)

    def on_train_end(self, trainer):
        # the state where this call stopped (a budget, an interrupt), so the log ends there and a resumed
        # run's clock continues from it
        if self.every and (not self.records or self.records[-1]["iteration"] != int(trainer.iteration.numpy())):
            self._record(trainer)


def signal_at_checks(values, records, every):
    """A training signal (one value per generator iteration, e.g. ``trainer.history["w_estimate"]``) beside a
    ``QualityMeter``'s checks made every ``every`` iterations: the signal's mean over the ``every`` iterations before
    each check, and that check's Fréchet distance and mean confidence. Returns ``{"iteration", "signal", "fid",
    "mean_confidence"}`` (lists). Checks before iteration ``every`` (and past the signal's end) are left out.
    04_wgan.ipynb and benchmarks/wgan_correlation.py: does the loss track quality?"""
    values = np.asarray(values, dtype="float64")
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}.")
    rows = [r for r in records if every <= r["iteration"] <= len(values)]
    return {"iteration": [r["iteration"] for r in rows],
            "signal": [float(values[r["iteration"] - every:r["iteration"]].mean()) for r in rows],
            "fid": [r["fid"] for r in rows], "mean_confidence": [r["mean_confidence"] for r in rows]}

