"""``python -m gan_utils`` end to end on tiny runs, and its error messages (exit code 2)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from tests.seeding import reseed

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "gan_utils", *map(str, args)], capture_output=True,
                          text=True, env=ENV, timeout=timeout)


def generator_weights(path):
    import keras

    return keras.models.load_model(path).get_weights()


def test_train_resume_sample_evaluate(tmp_path):
    run = tmp_path / "run"
    first = cli("train", "mlp", "--epochs", 1, "--steps", 3, "--batch-size", 32, "--seed", 3, "--out", run,
                "--precision", "float32")
    assert first.returncode == 0, first.stderr
    assert "epochs 0 -> 1" in first.stdout
    for name in ("generator.keras", "history.json", "training.gif", "run.json", "frames/epoch_0001.png"):
        assert (run / name).exists(), name
    resumed = cli("train", "mlp", "--epochs", 2, "--steps", 3, "--batch-size", 32, "--seed", 3, "--out", run,
                  "--precision", "float32")
    assert resumed.returncode == 0, resumed.stderr
    assert "epochs 1 -> 2" in resumed.stdout
    assert len(json.loads((run / "history.json").read_text())["g_loss"]) == 6
    straight = cli("train", "mlp", "--epochs", 2, "--steps", 3, "--batch-size", 32, "--seed", 3,
                   "--out", tmp_path / "straight", "--precision", "float32")
    assert straight.returncode == 0, straight.stderr
    for a, b in zip(generator_weights(run / "generator.keras"), generator_weights(tmp_path / "straight" / "generator.keras")):
        np.testing.assert_array_equal(a, b)

    samples = tmp_path / "s.npz"
    drawn = cli("sample", run / "generator.keras", "--n", 50, "--out", samples)
    assert drawn.returncode == 0, drawn.stderr
    with np.load(samples) as f:
        assert f["images"].shape == (50, 28, 28) and f["images"].dtype == np.uint8 and "labels" not in f
    scored = cli("evaluate", samples)
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout.strip().splitlines()[-1])
    assert result["n"] == 50 and 1.0 <= result["inception_score"] <= 10.0


def test_conditional_sampling_writes_labels(tmp_path):
    import gan_utils  # noqa: F401
    from gan_utils.models import build_conditional_generator
    from gan_utils.sampling import save_generator

    path = save_generator(build_conditional_generator(), tmp_path / "cgan.keras")
    out = tmp_path / "c.npz"
    assert cli("sample", path, "--n", 20, "--out", out).returncode == 0
    with np.load(out) as f:
        assert f["labels"].tolist() == [d for d in range(10) for _ in range(2)]
    assert cli("sample", path, "--n", 4, "--labels", 7, 3, "--out", out).returncode == 0
    with np.load(out) as f:
        assert f["labels"].tolist() == [7, 3, 7, 3]


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    np.savez(folder / "wrong_shape.npz", images=np.zeros((3, 32, 32), np.uint8))
    np.savez(folder / "no_images.npz", pictures=np.zeros((3, 28, 28), np.uint8))
    (folder / "junk.keras").write_text("not a model")
    return folder


@pytest.mark.parametrize("args, message", [
    (["train", "gan", "--epochs", "1", "--out", "x"], "invalid choice: 'gan'"),
    (["train", "mlp", "--epochs", "0", "--out", "x"], "expected a positive integer, got 0"),
    (["train", "mlp", "--epochs", "1", "--batch-size", "-3", "--out", "x"], "expected a positive integer, got -3"),
    (["train", "mlp", "--epochs", "1", "--batch-size", "70000", "--out", "{tmp}/big"], "larger than the data"),
    (["sample", "{tmp}/missing.keras", "--n", "5", "--out", "s.npz"], "No model file at"),
    (["sample", "{tmp}/junk.keras", "--n", "5", "--out", "s.npz"], "not a readable Keras model file"),
    (["sample", "data/pretrained/mnist_classifier.keras", "--n", "5", "--out", "s.npz"], "is not a generator"),
    (["sample", "{tmp}/junk.keras", "--labels", "12", "--out", "s.npz"], "labels must be digits 0-9"),
    (["evaluate", "{tmp}/wrong_shape.npz"], r"images must have shape \(N, 28, 28\), got \(3, 32, 32\)"),
    (["evaluate", "{tmp}/no_images.npz"], "has no 'images' array"),
])
def test_bad_arguments_get_a_message_and_exit_code_2(bad_files, args, message, capsys):
    """In-process (``cli.main``, the function ``python -m gan_utils`` calls), so each case does not pay a TensorFlow
    start-up; the test below checks the real entry point once."""
    import re

    from gan_utils import cli as gan_cli

    try:
        code = gan_cli.main([a.replace("{tmp}", str(bad_files)) for a in args])
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert re.search(message, err), err


def test_the_entry_point_exits_2_with_one_line_and_no_traceback(bad_files):
    result = cli("evaluate", bad_files / "wrong_shape.npz")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "images must have shape (N, 28, 28)" in result.stderr and "Traceback" not in result.stderr


def test_sample_truncation_on_a_style_generator_and_a_clear_error_for_others(tmp_path, capsys):
    """`sample --truncation PSI` draws from a saved style-based generator (notebook 08) in a fresh process; ψ = 0
    gives the average w for every z (one image: the noise scales are still 0); a DCGAN has no truncation: exit 2."""
    import gan_utils
    from gan_utils import cli as gan_cli
    from gan_utils import config, style
    from gan_utils.sampling import load_generator, save_generator

    reseed(4)
    generator = style.build_style_generator(latent_dim=4, w_dim=6, filters=(8, 4, 4), mapping_layers=2)
    style.update_w_avg(generator, np.random.default_rng(0).normal(size=(8, 6)).astype("float32"))
    path = save_generator(generator, tmp_path / "style.keras")
    assert load_generator(path).get_layer("truncation").w_avg.numpy().tolist() == \
        generator.get_layer("truncation").w_avg.numpy().tolist()
    out = tmp_path / "s.npz"
    drawn = cli("sample", path, "--n", 6, "--truncation", 0.5, "--out", out)
    assert drawn.returncode == 0, drawn.stderr
    assert "truncation ψ = 0.5" in drawn.stdout
    with np.load(out) as f:
        assert f["images"].shape == (6, 28, 28) and f["images"].dtype == np.uint8
    assert gan_cli.main(["sample", str(path), "--n", "5", "--truncation", "0", "--out", str(out)]) == 0
    with np.load(out) as f:
        assert all(np.array_equal(image, f["images"][0]) for image in f["images"])
    assert gan_cli.main(["sample", str(path), "--n", "5", "--out", str(out)]) == 0      # default: ψ = 1
    assert "truncation ψ = 1" in capsys.readouterr().out
    with np.load(out) as f:
        assert not all(np.array_equal(image, f["images"][0]) for image in f["images"])
    code = gan_cli.main(["sample", str(config.PRETRAINED_DIR / "dcgan.keras"), "--n", "5", "--truncation", "0.7",
                         "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "has no mapping network/truncation layer: --truncation needs a style-based generator" in err


def test_a_command_run_in_process_gives_the_caller_its_state_back(tmp_path):
    """`main` seeds, sets a precision and op determinism for its run (train --seed 7 --precision mixed_bfloat16);
    afterwards the caller (a notebook, a test) has its own back."""
    import keras

    from gan_utils.cli import main
    from gan_utils.runtime import op_determinism, random_state, seeds_changed

    reseed(123)
    before, policy, determinism = random_state(), keras.config.dtype_policy().name, op_determinism()
    assert main(["train", "mlp", "--iterations", "1", "--steps", "1", "--batch-size", "16", "--seed", "7",
                 "--precision", "mixed_bfloat16", "--out", str(tmp_path / "run")]) == 0
    assert not seeds_changed(before, random_state())
    assert keras.config.dtype_policy().name == policy and op_determinism() == determinism
