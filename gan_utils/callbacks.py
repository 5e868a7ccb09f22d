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

from gan_utils.viz import image_grid, plot_history, save_gif


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
    """A tqdm bar over the epochs still to run, showing the latest losses."""

    def __init__(self, steps_per_epoch):
        self.steps_per_epoch = steps_per_epoch
        self.bar = None

    def on_train_begin(self, trainer, epochs):
        from tqdm.auto import tqdm

        remaining = max(0, epochs - int(trainer.epoch.numpy()))
        self.bar = tqdm(total=remaining * self.steps_per_epoch, desc="training", unit="it")

    def on_step_end(self, trainer, logs):
        self.bar.update(1)
        self.bar.set_postfix(d_loss=f"{logs['d_loss']:.3f}", g_loss=f"{logs['g_loss']:.3f}", refresh=False)

    def on_train_end(self, trainer):
        self.bar.close()


class LiveMonitor(Callback):
    """One figure, redrawn in place each epoch: the fixed-noise grid and the loss/health curves.

    In JupyterLab the teacher watches the digits evolve in a single output; outside
    IPython it does nothing.
    """

    def __init__(self, every=1):
        self.every, self.handle = every, None

    def _draw(self, trainer):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), gridspec_kw={"width_ratios": [1, 1.4, 1.4]})
        axes[0].imshow(image_grid(trainer.fixed_samples()), cmap="gray")
        axes[0].set_axis_off()
        axes[0].set_title(f"fixed noise, epoch {int(trainer.epoch.numpy())}")
        plot_history(trainer.history, axes[1:])
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
        imageio.imwrite(path, image_grid(trainer.fixed_samples(), scale=self.scale))

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
    """Score ``n`` fresh samples with the course's classifier after every epoch.

    Records epoch, training seconds so far, mean confidence, smallest class share and IS
    in ``records`` (and ``quality.json`` in ``out_dir``, so a resumed run keeps them).
    Used for "quality vs epoch/time" plots in 02_dcgan.ipynb and the benchmarks.
    """

    def __init__(self, n=2000, out_dir=None, seed=1234):
        self.n, self.seed = n, seed
        self.path = Path(out_dir) / "quality.json" if out_dir is not None else None
        self.records = json.loads(self.path.read_text()) if self.path is not None and self.path.exists() else []
        self.started = self.offset = None

    def on_train_begin(self, trainer, epochs):
        self.started = time.perf_counter()
        self.offset = self.records[-1]["seconds"] if self.records else 0.0

    def on_epoch_end(self, trainer, epoch):
        from gan_utils.metrics import score_generator
        from gan_utils.trainer import write_json_atomically

        seconds = self.offset + time.perf_counter() - self.started
        self.records.append({"epoch": epoch, "seconds": round(seconds, 1),
                             **score_generator(trainer.steps.generator, self.n, self.seed)})
        if self.path is not None:
            write_json_atomically(self.path, self.records)


class TimeBudget(Callback):
    """Stop training after ``seconds`` of wall-clock time (checked after each generator step).

    For comparisons "on the same budget" (k = 1 vs k = 5 in 01_vanilla_gan.ipynb). The
    interrupted epoch is not checkpointed.
    """

    def __init__(self, seconds):
        self.seconds, self.started = seconds, None

    def on_train_begin(self, trainer, epochs):
        self.started = time.perf_counter()

    def on_step_end(self, trainer, logs):
        if time.perf_counter() - self.started >= self.seconds:
            trainer.stop_training = True
