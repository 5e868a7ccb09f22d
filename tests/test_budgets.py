"""Training budgets (epochs, iterations, minutes), mid-epoch resume, interrupt, the generator's moving
average, and the protection of shipped weights."""
import os
import signal

import numpy as np
import pytest

import gan_utils
from gan_utils import sampling
from gan_utils.callbacks import Callback, ProgressBar
from gan_utils.models import build_mlp_generator
from gan_utils.recipes import make_trainer

gan_utils.set_seed(0, deterministic=True)
gan_utils.choose_precision("float32")


def tiny_mnist(n=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28)).astype(np.uint8)


def weights(model):
    return [w.copy() for w in model.get_weights()]


def test_an_iteration_budget_spans_epochs_and_stops_mid_epoch(tmp_path):
    trainer = make_trainer("mlp", out_dir=tmp_path, seed=0)
    history = trainer.fit(tiny_mnist(), iterations=7, batch_size=16)  # 3 batches per epoch
    assert len(history["g_loss"]) == 7
    assert int(trainer.epoch.numpy()) == 2 and int(trainer.batch_in_epoch.numpy()) == 1


def test_a_step_cap_larger_than_an_epoch_is_refused_not_silently_capped():
    trainer = make_trainer("mlp", seed=0)
    with pytest.raises(ValueError, match=r"more than one epoch holds \(3 batches of 16\).*iterations=N"):
        trainer.fit(tiny_mnist(), epochs=1, batch_size=16, steps_per_epoch=10)


def test_no_budget_is_refused():
    with pytest.raises(ValueError, match="Give a budget"):
        make_trainer("mlp", seed=0).fit(tiny_mnist(), batch_size=16)


def test_a_finished_run_says_there_is_nothing_to_do(tmp_path, capsys):
    make_trainer("mlp", out_dir=tmp_path, seed=0).fit(tiny_mnist(), epochs=1, batch_size=16)
    again = make_trainer("mlp", out_dir=tmp_path, seed=0)
    before = weights(again.steps.generator)
    again.fit(tiny_mnist(), epochs=1, batch_size=16)
    assert "already trained to 1 epochs: nothing to do" in capsys.readouterr().out
    for a, b in zip(before, weights(again.steps.generator)):
        np.testing.assert_array_equal(a, b)


def test_stopping_mid_epoch_and_resuming_equals_an_uninterrupted_run(tmp_path):
    gan_utils.set_seed(3)
    straight = make_trainer("dcgan", out_dir=tmp_path / "a", seed=3, num_samples=4)  # recipe: EMA on
    straight.fit(tiny_mnist(), iterations=8, batch_size=16)
    gan_utils.set_seed(3)
    make_trainer("dcgan", out_dir=tmp_path / "b", seed=3, num_samples=4).fit(tiny_mnist(), iterations=4, batch_size=16)
    resumed = make_trainer("dcgan", out_dir=tmp_path / "b", seed=3, num_samples=4)
    assert int(resumed.iteration.numpy()) == 4 and int(resumed.batch_in_epoch.numpy()) == 1
    resumed.fit(tiny_mnist(), iterations=8, batch_size=16)
    for a, b in zip(weights(straight.steps.generator) + weights(straight.ema_generator),
                    weights(resumed.steps.generator) + weights(resumed.ema_generator)):
        np.testing.assert_array_equal(a, b)
    assert straight.history == resumed.history


def test_a_time_budget_stops_and_saves(tmp_path):
    trainer = make_trainer("mlp", out_dir=tmp_path, seed=0)
    trainer.fit(tiny_mnist(), minutes=1e-6, batch_size=16, callbacks=[ProgressBar()])
    assert int(trainer.iteration.numpy()) == 1
    assert int(make_trainer("mlp", out_dir=tmp_path, seed=0).iteration.numpy()) == 1  # saved


class InterruptAt(Callback):
    """Sends this process SIGINT (what Ctrl-C and JupyterLab's Kernel -> Interrupt do) at one iteration."""

    def __init__(self, iteration):
        self.at = iteration

    def on_step_end(self, trainer, logs):
        if int(trainer.iteration.numpy()) == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_interrupt_saves_and_returns_and_a_rerun_continues_bit_identically(tmp_path, capsys):
    gan_utils.set_seed(4)
    straight = make_trainer("mlp", out_dir=tmp_path / "a", seed=4)
    straight.fit(tiny_mnist(), epochs=3, batch_size=16)
    gan_utils.set_seed(4)
    interrupted = make_trainer("mlp", out_dir=tmp_path / "b", seed=4)
    interrupted.fit(tiny_mnist(), epochs=3, batch_size=16, callbacks=[InterruptAt(5)])  # no KeyboardInterrupt
    out = capsys.readouterr().out
    assert "interrupted at epoch 2, iteration 5; saved" in out and "run the same cell or command again" in out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    resumed = make_trainer("mlp", out_dir=tmp_path / "b", seed=4)
    assert int(resumed.iteration.numpy()) == 5
    resumed.fit(tiny_mnist(), epochs=3, batch_size=16)
    for a, b in zip(weights(straight.steps.generator), weights(resumed.steps.generator)):
        np.testing.assert_array_equal(a, b)


def test_the_moving_average_follows_its_formula():
    trainer = make_trainer("mlp", seed=0, ema_decay=0.999)
    w0 = weights(trainer.steps.generator)
    trainer.fit(tiny_mnist(16), iterations=1, batch_size=16)
    w1 = weights(trainer.steps.generator)
    decay = min(0.999, (1 + 0) / (10 + 0))  # warm-up at iteration 0: 0.1
    for ema, a, b in zip(trainer.ema_generator.get_weights(), w0, w1):
        np.testing.assert_allclose(ema, decay * a + (1 - decay) * b, rtol=1e-6, atol=1e-7)
    assert trainer.sampling_generator is trainer.ema_generator
    with pytest.raises(ValueError, match="ema_decay must be between 0 and 1"):
        make_trainer("mlp", ema_decay=1.5)


def test_shipped_generators_are_not_overwritten_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setattr("gan_utils.config.PRETRAINED_DIR", tmp_path)
    generator = build_mlp_generator()
    shipped = tmp_path / "mlp_gan.keras"
    sampling.save_generator(generator, shipped)  # a new file is fine
    stamp = shipped.read_bytes()
    with pytest.raises(sampling.ShippedFileProtected, match="shipped generator.*replace_shipped=True"):
        sampling.save_generator(build_mlp_generator(), shipped)
    assert shipped.read_bytes() == stamp
    sampling.save_generator(build_mlp_generator(), shipped, replace_shipped=True)
    assert shipped.read_bytes() != stamp
