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
from tests.seeding import reseed

gan_utils.set_seed(0, deterministic=True)


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
    reseed(3)
    straight = make_trainer("dcgan", out_dir=tmp_path / "a", seed=3, num_samples=4)  # recipe: EMA on
    straight.fit(tiny_mnist(), iterations=8, batch_size=16)
    reseed(3)
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
    reseed(4)
    straight = make_trainer("mlp", out_dir=tmp_path / "a", seed=4)
    straight.fit(tiny_mnist(), epochs=3, batch_size=16)
    reseed(4)
    interrupted = make_trainer("mlp", out_dir=tmp_path / "b", seed=4)
    before = signal.getsignal(signal.SIGINT)  # Python's default, or SIG_IGN under nohup and some CI runners
    interrupted.fit(tiny_mnist(), epochs=3, batch_size=16, callbacks=[InterruptAt(5)])  # no KeyboardInterrupt
    out = capsys.readouterr().out
    assert "interrupted at epoch 2, iteration 5; saved" in out and "run the same cell or command again" in out
    assert signal.getsignal(signal.SIGINT) is before  # handler restored, whatever it was
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


# -- the faults a classroom produces: a second writer, a damaged checkpoint, a full disk -----------------
def test_a_second_live_process_on_the_same_run_folder_is_refused(tmp_path):
    import json
    import subprocess
    import sys

    from gan_utils.trainer import RunFolderError

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        make_trainer("mlp", out_dir=tmp_path, seed=0)  # this process takes the lock
        lock = tmp_path / "lock"
        held = json.loads(lock.read_text())
        lock.write_text(json.dumps({**held, "pid": sleeper.pid}))  # as if another live kernel held it
        with pytest.raises(RunFolderError, match=f"another process \\(PID {sleeper.pid} on this machine"):
            make_trainer("mlp", out_dir=tmp_path, seed=0)
    finally:
        sleeper.kill()
        sleeper.wait()
    make_trainer("mlp", out_dir=tmp_path, seed=0)  # a dead holder's stale lock is taken over
    assert json.loads((tmp_path / "lock").read_text())["pid"] == os.getpid()


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_a_damaged_newest_checkpoint_falls_back_to_an_intact_one(tmp_path, capsys, damage):
    trainer = make_trainer("mlp", out_dir=tmp_path, seed=0)
    trainer.fit(tiny_mnist(), epochs=2, batch_size=16)
    newest = sorted((tmp_path / "checkpoints").glob("ckpt-2.data-*"))[0]
    raw = bytearray(newest.read_bytes())
    if damage == "truncate":
        newest.write_bytes(bytes(raw[: len(raw) // 3]))
    else:
        for i in range(0, len(raw), 97):
            raw[i] ^= 0xFF
        newest.write_bytes(bytes(raw))
    resumed = make_trainer("mlp", out_dir=tmp_path, seed=0)
    out = capsys.readouterr().out
    assert "ckpt-2 cannot be read" in out and "resuming from" in out
    assert int(resumed.epoch.numpy()) == 1 and len(resumed.history["g_loss"]) == 3


def test_no_intact_checkpoint_is_a_clear_refusal(tmp_path):
    from gan_utils.trainer import RunFolderError

    make_trainer("mlp", out_dir=tmp_path, seed=0).fit(tiny_mnist(), epochs=1, batch_size=16)
    for data_file in (tmp_path / "checkpoints").glob("*.data-*"):
        data_file.write_bytes(b"")
    with pytest.raises(RunFolderError, match="no checkpoint in .* can be read.*Delete the folder"):
        make_trainer("mlp", out_dir=tmp_path, seed=0)


def test_a_full_disk_gives_a_clear_message_and_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    import tensorflow as tf

    from gan_utils.trainer import RunFolderError

    trainer = make_trainer("mlp", out_dir=tmp_path, seed=0)
    trainer.fit(tiny_mnist(), epochs=1, batch_size=16)

    def no_space(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "ckpt-2_temp/part-00000.tempstate; No space left on device")

    monkeypatch.setattr(trainer.manager, "save", no_space)
    with pytest.raises(RunFolderError, match=r"could not write a checkpoint.*needs about \d+ MB.*--keep 1.*intact"):
        trainer.fit(tiny_mnist(), epochs=2, batch_size=16)
    monkeypatch.undo()
    assert int(make_trainer("mlp", out_dir=tmp_path, seed=0).epoch.numpy()) == 1


def test_the_command_line_reports_a_folder_it_cannot_write(tmp_path):
    import subprocess
    import sys

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "gan_utils", "train", "mlp", "--iterations", "1",
                             "--out", str(blocker / "run")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 4
    assert "cannot write to the run folder" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("original", [signal.SIG_IGN, signal.default_int_handler])
def test_the_sigint_handler_the_process_started_with_is_put_back(tmp_path, original):
    """Started under nohup a process ignores SIGINT: after fit it must still ignore it (and a normal process
    gets Python's handler back). The trainer's own handler is only there during fit."""
    seen = []

    class Look(Callback):
        def on_step_end(self, trainer, logs):
            seen.append(signal.getsignal(signal.SIGINT))

    previous = signal.signal(signal.SIGINT, original)
    try:
        reseed(4)
        make_trainer("mlp", out_dir=tmp_path / "a", seed=4).fit(tiny_mnist(), iterations=2, batch_size=16,
                                                                 callbacks=[Look()])
        after = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen and all(h is not original for h in seen)  # the trainer deferred Ctrl-C during fit
    assert after is original
