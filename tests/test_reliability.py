"""Kill -9 in the middle of an epoch, resume, and get the uninterrupted run's weights; memory stays bounded."""
import json
import os
import resource
import signal
import subprocess
import sys
import time

import numpy as np
import tensorflow as tf

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
ARGS = ["train", "mlp", "--epochs", "3", "--steps", "60", "--batch-size", "64", "--seed", "7", "--precision", "float32"]


def train(out, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "gan_utils", *ARGS, "--out", str(out)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def wait_for_checkpoint(run, number, process, timeout=240):
    index = run / "checkpoints" / f"ckpt-{number}.index"
    deadline = time.time() + timeout
    while not index.exists():
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.05)


def generator_weights(path):
    import keras

    return keras.models.load_model(path).get_weights()


def test_sigkill_mid_epoch_then_resume_equals_an_uninterrupted_run(tmp_path):
    killed = tmp_path / "killed"
    process = train(killed)
    wait_for_checkpoint(killed, 1, process)
    time.sleep(0.6)  # well inside epoch 2 (an epoch takes a few seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "generator.keras").exists(), "the run finished before it was killed; make epochs longer"

    # What is on disk after the kill is complete and loadable.
    latest = tf.train.latest_checkpoint(str(killed / "checkpoints"))
    assert latest is not None and tf.train.load_checkpoint(latest).get_variable_to_shape_map()
    history = json.loads((killed / "history.json").read_text())
    assert len(history["g_loss"]) >= 60

    resumed = train(killed)
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert "epochs 1 -> 3" in out or "epochs 2 -> 3" in out

    straight = train(tmp_path / "straight")
    _, err = straight.communicate(timeout=600)
    assert straight.returncode == 0, err
    for a, b in zip(generator_weights(killed / "generator.keras"), generator_weights(tmp_path / "straight" / "generator.keras")):
        np.testing.assert_array_equal(a, b)
    assert json.loads((killed / "history.json").read_text()) == json.loads((tmp_path / "straight" / "history.json").read_text())
    frames = sorted(p.name for p in (killed / "frames").glob("*.png"))
    assert frames == [f"epoch_{i:04d}.png" for i in range(4)]


def test_checkpoints_keep_only_the_last_n(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gan_utils", "train", "mlp", "--epochs", "4", "--steps", "2",
                             "--batch-size", "32", "--keep", "2", "--out", str(tmp_path)], env=ENV,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    kept = sorted(p.name for p in (tmp_path / "checkpoints").glob("*.index"))
    assert kept == ["ckpt-3.index", "ckpt-4.index"]


def test_training_memory_stays_under_4_gb(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gan_utils", "train", "dcgan", "--epochs", "1", "--steps", "4",
                             "--out", str(tmp_path)], env=ENV, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2  # kB -> GB on Linux
    assert peak_gb < 4.0


def test_soak_three_sigkills_at_random_moments_end_bit_identical(tmp_path):
    """The short version of scripts/soak_resume.py (the full one: 20 kills, reported in the README)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("soak_resume", Path(__file__).resolve().parents[1] / "scripts" / "soak_resume.py")
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    lines = []
    result = soak.soak(tmp_path, kills=3, iterations=200, checkpoint_seconds=0.5, min_wait=5.0, max_wait=10.0, seed=1,
                       log=lines.append)
    assert result["kills_sent"] >= 1, lines        # at least one kill landed before the run finished
    assert result["identical_weights"] and result["identical_history"], lines
