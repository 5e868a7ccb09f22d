"""Frames and GIF, TensorBoard events, progress, and the quality meter."""
import imageio.v2 as imageio
import numpy as np
import pytest

import gan_utils
from gan_utils.callbacks import FrameSaver, ProgressBar, QualityMeter, TensorBoardLogger
from gan_utils.recipes import make_trainer



def tiny(n=24):
    return np.random.default_rng(0).integers(0, 256, size=(n, 28, 28)).astype(np.uint8)


def test_frames_gif_and_tensorboard(tmp_path):
    trainer = make_trainer("mlp", out_dir=tmp_path / "run", num_samples=9)
    saver = FrameSaver(tmp_path / "run", scale=2, max_frames=3)
    trainer.fit(tiny(), epochs=4, batch_size=8,
                callbacks=[saver, TensorBoardLogger(tmp_path / "tb"), ProgressBar(3)])
    assert [p.name for p in saver.frame_paths()] == [f"epoch_{i:04d}.png" for i in range(5)]
    frame = imageio.imread(saver.frame_paths()[0])
    assert frame.shape == (2 * (3 * 30 + 2), 2 * (3 * 30 + 2))  # 3x3 grid of 28-px tiles, 2-px padding, x2
    gif = imageio.mimread(tmp_path / "run" / "training.gif")
    assert len(gif) == 3  # bounded by max_frames
    events = list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 1000


def test_quality_meter_records_and_persists(tmp_path):
    trainer = make_trainer("mlp", out_dir=tmp_path, num_samples=4)
    meter = QualityMeter(n=50, out_dir=tmp_path)
    trainer.fit(tiny(), epochs=2, batch_size=8, callbacks=[meter])
    assert [r["epoch"] for r in meter.records] == [1, 2]
    assert all(0 <= r["min_class_share"] <= 0.1 for r in meter.records)  # the smallest of 10 shares
    assert all(0.1 <= r["mean_confidence"] <= 1 and 1 <= r["inception_score"] <= 10 for r in meter.records)
    assert QualityMeter(out_dir=tmp_path).records == meter.records


def test_live_monitor_shows_the_final_state_when_a_budget_stops_mid_epoch(monkeypatch):
    import IPython
    import IPython.display

    from gan_utils.callbacks import LiveMonitor

    shown = []

    class Handle:
        def update(self, fig):
            shown.append(fig.axes[0].get_title())

    def display(fig, display_id=None):
        shown.append(fig.axes[0].get_title())
        return Handle()

    import types

    shell = types.SimpleNamespace(events=types.SimpleNamespace(register=lambda *a: None, unregister=lambda *a: None))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(IPython.display, "display", display)
    trainer = make_trainer("mlp", num_samples=4)
    trainer.fit(tiny(), iterations=2, batch_size=8, callbacks=[LiveMonitor()])   # 3 batches per epoch: stops mid-epoch
    assert shown[0].endswith("iteration 0") and shown[-1].endswith("iteration 2"), shown
    shown.clear()
    trainer.fit(tiny(), iterations=6, batch_size=8, callbacks=[LiveMonitor()])   # ends on an epoch boundary
    assert shown[-1].endswith("iteration 6") and len(shown) == len(set(shown)), shown  # not drawn twice


def test_signal_at_checks_averages_the_iterations_before_each_check():
    from gan_utils.callbacks import signal_at_checks

    values = np.arange(1.0, 11.0)                       # iterations 1..10
    records = [{"iteration": i, "fid": 100.0 - i, "mean_confidence": i / 10} for i in (0, 3, 6, 9, 12)]
    out = signal_at_checks(values, records, every=3)
    assert out == {"iteration": [3, 6, 9], "signal": [2.0, 5.0, 8.0], "fid": [97.0, 94.0, 91.0],
                   "mean_confidence": [0.3, 0.6, 0.9]}
    with pytest.raises(ValueError, match="every"):
        signal_at_checks(values, records, every=0)
