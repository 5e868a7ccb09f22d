"""Image-to-image translation (notebook 07): layers against NumPy, shapes, one-step smoke tests with golden
L1 values, resume equality through the trainer, the translator file and `python -m gan_utils translate`."""
import keras

import gan_utils
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import translation as T
from gan_utils.trainer import Trainer
from tests.seeding import reseed


def digits(n=8, seed=0):
    from gan_utils.data import load_mnist, to_model_range

    images, labels = load_mnist(split="test")
    pick = np.random.default_rng(seed).choice(len(images), n, replace=False)
    return to_model_range(images[pick]), labels[pick]


def test_sklearn_digits_ship_with_the_wheel_and_are_rescaled():
    images, labels = T.load_sklearn_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and labels.shape == (1797,)
    assert images.max() == 255 and images.min() == 0 and set(labels.tolist()) == set(range(10))


def test_superres_source_is_the_block_mean():
    real, _ = digits(3)
    low = T.degrade(tf.constant(real), "superres").numpy()
    want = real.reshape(3, 7, 4, 7, 4, 1).mean(axis=(2, 4))
    assert low.shape == (3, 7, 7, 1)
    np.testing.assert_allclose(low, want, atol=1e-6)
    generator_input = T.make_input(tf.constant(real), "superres").numpy()
    assert generator_input.shape == (3, 28, 28, 1) and generator_input.min() >= -1 and generator_input.max() <= 1


@pytest.mark.float32
def test_inpainting_masks_exactly_the_lower_half():
    real, _ = digits(2)
    masked = T.make_input(tf.constant(real), "inpaint").numpy()
    np.testing.assert_array_equal(masked[:, :14], real[:, :14])
    assert np.all(masked[:, 14:] == 0.0)


def test_sklearn_digits_land_in_mnist_s_frame():
    images, _ = T.load_sklearn_digits()
    framed = T.source_to_input(images[:5], "sklearn")
    assert framed.shape == (5, 28, 28, 1)
    border = np.concatenate([framed[:, :4].ravel(), framed[:, 24:].ravel(), framed[:, :, :4].ravel()])
    assert np.all(border == -1.0)                     # background, as in MNIST
    assert framed[:, 4:24, 4:24].max() > 0.5          # the digit is inside the 20×20 box


@pytest.mark.float32
def test_clip_layer_and_unknown_task():
    np.testing.assert_allclose(T.Clip()(np.array([[-3.0, 0.2, 7.0]], "float32")).numpy(), [[-1.0, 0.2, 1.0]], rtol=1e-7)
    with pytest.raises(ValueError, match="choose one of"):
        T.source_layers("colour")
    with pytest.raises(ValueError, match="not a paired task"):
        T.degrade(tf.zeros((1, 28, 28, 1)), "sklearn")


def test_network_shapes():
    unet, patch = T.build_unet(), T.build_patch_discriminator()
    x = tf.zeros((2, 28, 28, 1))
    out = unet(x).numpy()
    assert out.shape == (2, 28, 28, 1) and np.all(np.abs(out) <= 1)
    assert patch([x, x]).shape == (2, 7, 7, 1)
    assert T.build_patch_discriminator(conditional=False)(x).shape == (2, 7, 7, 1)


def test_dropout_is_the_only_randomness_of_the_unet():
    unet = T.build_unet()
    x = tf.constant(digits(2)[0])
    np.testing.assert_array_equal(unet(x, training=False).numpy(), unet(x, training=False).numpy())
    assert not np.allclose(unet(x, training=True).numpy(), unet(x, training=True).numpy())


def _pix2pix(adversarial=True, l1_weight=100.0, task="superres"):
    reseed(1)
    return T.Pix2PixSteps(T.build_unet(), T.build_patch_discriminator(), keras.optimizers.Adam(2e-4, beta_1=0.5),
                          keras.optimizers.Adam(2e-4, beta_1=0.5), task=task, l1_weight=l1_weight,
                          adversarial=adversarial)


@pytest.mark.parametrize("adversarial, l1_weight", [(True, 100.0), (False, 100.0), (True, 0.0)])
def test_pix2pix_step_logs_the_l1_it_descends(adversarial, l1_weight):
    steps = _pix2pix(adversarial, l1_weight)
    real = tf.constant(digits(8)[0])
    d_before = [w.numpy().copy() for w in steps.discriminator.trainable_weights]
    g_before = [w.numpy().copy() for w in steps.generator.trainable_weights]
    logs = {k: float(v) for k, v in steps.train_step(real).items()}
    assert np.isfinite(list(logs.values())).all()
    assert ("d_loss" in logs) == adversarial and ("g_loss" in logs) == adversarial
    assert 0.0 < logs["l1"] < 2.0
    moved_d = any(not np.array_equal(a, w.numpy()) for a, w in zip(d_before, steps.discriminator.trainable_weights))
    assert moved_d == adversarial          # L1 alone leaves the discriminator untouched
    assert any(not np.array_equal(a, w.numpy()) for a, w in zip(g_before, steps.generator.trainable_weights))


def test_pix2pix_l1_matches_the_generator_without_dropout():
    """Golden value: with dropout 0 the logged L1 is exactly mean |real − G(input)| before the update."""
    reseed(2)
    steps = T.Pix2PixSteps(T.build_unet(dropout=0.0), T.build_patch_discriminator(), keras.optimizers.Adam(1e-3),
                           keras.optimizers.Adam(1e-3), task="inpaint", adversarial=False)
    real = tf.constant(digits(4)[0])
    want = float(tf.reduce_mean(tf.abs(real - steps.generator(T.make_input(real, "inpaint")))))
    assert float(steps.train_step(real)["l1"]) == pytest.approx(want, rel=1e-5)
    later = [float(steps.train_step(real)["l1"]) for _ in range(30)]
    assert later[-1] < want                # L1 alone on one batch: the loss goes down


def test_pix2pix_refuses_a_generator_without_loss():
    with pytest.raises(ValueError, match="no loss"):
        _pix2pix(adversarial=False, l1_weight=0.0)


def _cyclegan(cycle_weight=10.0, seed=0):
    reseed(seed)
    images, _ = T.load_sklearn_digits()
    return T.make_translation_steps("cyclegan", seed=seed, cycle_weight=cycle_weight,
                                    domain_b=T.source_to_input(images[:64], "sklearn"))


def test_cyclegan_step_updates_all_four_networks():
    steps = _cyclegan()
    nets = [steps.generator, steps.generator_ab, steps.discriminator, steps.discriminator_b]
    before = [[w.numpy().copy() for w in n.trainable_weights] for n in nets]
    logs = {k: float(v) for k, v in steps.train_step(tf.constant(digits(8)[0])).items()}
    assert np.isfinite(list(logs.values())).all() and logs["cycle"] > 0 and logs["identity"] > 0
    for net, old in zip(nets, before):
        assert any(not np.array_equal(a, w.numpy()) for a, w in zip(old, net.trainable_weights)), net.name


def _reader(bias=None, seed=0):
    """A frozen linear digit reader: logits = flattened pixels · W + b (W = 0 with ``bias``: constant logits)."""
    reseed(seed)
    reader = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, dtype="float32")])
    if bias is not None:
        reader.layers[-1].set_weights([np.zeros((784, 10), "float32"), np.asarray(bias, "float32")])
    reader.trainable = False
    return reader


def _semantic_cyclegan(reader, labels, weight, seed=0):
    reseed(seed)
    images, _ = T.load_sklearn_digits()
    return T.make_translation_steps("cyclegan", seed=seed, domain_b=T.source_to_input(images[:len(labels)], "sklearn"),
                                    semantic_weight=weight, domain_b_labels=labels, semantic_classifier=reader)


def test_cyclegan_semantic_term_is_the_frozen_readers_cross_entropy():
    """Golden value: a reader with constant logits b gives CE = logsumexp(b) − b[label] whatever G outputs; the
    reader itself is never updated."""
    bias = np.linspace(-1.0, 2.0, 10)
    reader = _reader(bias)
    steps = _semantic_cyclegan(reader, np.full(32, 3), weight=1.0)
    logs = steps.train_step(tf.constant(digits(8)[0]))
    expected = np.log(np.exp(bias).sum()) - bias[3]
    assert float(logs["semantic"]) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_array_equal(reader.layers[-1].get_weights()[1], bias.astype("float32"))
    assert float(_cyclegan().train_step(tf.constant(digits(8)[0]))["semantic"]) == 0.0   # off by default


def test_cyclegan_semantic_term_teaches_the_translation_its_label():
    """With the term on, the reader's cross-entropy on G(b) falls over a few updates; with it off (same seed, same
    batches) it does not fall as far: the term, not the other losses, moves G towards the labels."""
    _, labels = T.load_sklearn_digits()
    reader = _reader(seed=1)

    def reader_loss_after(weight, n=12):
        steps = _semantic_cyclegan(reader, labels[:32], weight)
        batch = tf.constant(digits(8)[0])
        for _ in range(n):
            steps.train_step(batch)
        logits = reader(steps.generator(steps.domain_b, training=False))
        return float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels[:32], logits, from_logits=True)))

    start = _semantic_cyclegan(reader, labels[:32], 1.0)
    before = float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
        labels[:32], reader(start.generator(start.domain_b, training=False)), from_logits=True)))
    with_term, without = reader_loss_after(10.0), reader_loss_after(0.0)
    assert with_term < 0.85 * before and with_term < 0.85 * without, (before, with_term, without)


def test_cyclegan_semantic_term_needs_its_reader_and_labels():
    images, _ = T.load_sklearn_digits()
    domain_b = T.source_to_input(images[:16], "sklearn")
    with pytest.raises(ValueError, match="semantic_classifier"):
        T.make_translation_steps("cyclegan", domain_b=domain_b, semantic_weight=1.0)
    with pytest.raises(ValueError, match="domain_b_labels must be 16 digits"):
        T.make_translation_steps("cyclegan", domain_b=domain_b, semantic_weight=1.0, domain_b_labels=np.zeros(5),
                                 semantic_classifier=_reader())


def test_semantic_classifier_reads_digits_and_is_frozen():
    from gan_utils.data import load_mnist, to_model_range

    x, y = load_mnist()
    reader = T.train_semantic_classifier(to_model_range(x[:3_000]), y[:3_000], epochs=1)
    test_x, test_y = digits(500, seed=3)
    assert not reader.trainable and not reader.trainable_weights
    assert float((reader.predict(test_x, verbose=0).argmax(1) == test_y).mean()) > 0.85
    with pytest.raises(ValueError, match="labels must be 10 digits"):
        T.train_semantic_classifier(to_model_range(x[:10]), y[:9])


def test_nearest_neighbour_labels_is_one_nn_on_pixels():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(50, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, 50)
    queries = reference[[4, 17, 33]] + 0.01 * rng.normal(size=(3, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(T.nearest_neighbour_labels(reference, labels, queries, batch_size=2), labels[[4, 17, 33]])
    flat = reference.reshape(50, -1)
    brute = labels[((flat[None] - queries.reshape(3, 1, -1)) ** 2).sum(-1).argmin(1)]
    np.testing.assert_array_equal(T.nearest_neighbour_labels(reference, labels, queries), brute)


def test_cyclegan_rejects_domain_b_in_the_wrong_shape():
    with pytest.raises(ValueError, match=r"domain_b must be \(N, 28, 28, 1\)"):
        T.make_translation_steps("cyclegan", domain_b=np.zeros((5, 8, 8), "float32"))


@pytest.mark.parametrize("name", ["pix2pix-inpaint", "cyclegan"])
def test_translation_runs_resume_exactly(tmp_path, name):
    """2 + 2 iterations with a checkpoint in between give the weights of 4 straight (CycleGAN: all four nets)."""
    import gan_utils
    from gan_utils.data import load_mnist
    from gan_utils.recipes import make_trainer

    images = load_mnist()[0][:256]

    def run(out, plan):
        reseed(5, deterministic=True)
        for iterations in plan:
            trainer = make_trainer(name, out_dir=out, seed=5)
            trainer.fit(images, iterations=iterations, batch_size=32)
        nets = [trainer.steps.generator, trainer.steps.discriminator, *trainer.steps.extra_models.values()]
        return [w for n in nets for w in n.get_weights()], trainer

    resumed, trainer = run(tmp_path / "a", [2, 4])
    straight, _ = run(tmp_path / "b", [4])
    assert len(trainer.history["d_loss"]) == 4
    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a, b)
    grid = trainer.fixed_samples()
    assert grid.shape == (24, 28, 28, 1)   # 8 columns × input / output / target (or back) rows


def test_translator_file_round_trip_and_translate_command(tmp_path, capsys):
    from gan_utils import cli
    from gan_utils.sampling import save_generator

    steps = _pix2pix()
    path = save_generator(T.translator_for(steps), tmp_path / "superres.keras")
    model, task = T.load_translator(path)
    assert task == "superres" and model.input_shape == (None, 7, 7, 1)
    real, _ = digits(5)
    low = np.round((T.degrade(tf.constant(real), "superres").numpy()[..., 0] + 1) * 127.5).astype("uint8")
    got = T.translate_images(model, low)
    want = model(low.astype("float32")[..., None] / 255.0, training=False).numpy()  # a direct call, same file
    assert got.shape == (5, 28, 28) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, gan_utils.data.to_uint8(want))
    # the file computes in float32; the generator still in memory under the session's policy: equal in float32,
    # a few uint8 levels apart under mixed_bfloat16 (sampling.save_generator's docstring)
    in_memory = steps.generator(T.source_to_input(low, "superres")).numpy()
    apart = np.abs(got.astype(int) - np.round((in_memory[..., 0] + 1) * 127.5))
    assert apart.max() <= (1 if keras.config.dtype_policy().name == "float32" else 12), apart.max()
    np.savez(tmp_path / "low.npz", images=low)
    assert cli.main(["translate", str(path), str(tmp_path / "low.npz"), "--out", str(tmp_path / "out.npz")]) == 0
    with np.load(tmp_path / "out.npz") as f:
        np.testing.assert_array_equal(f["images"], got)
    # the errors a student meets, each with exit code 2 and a message that says what to do
    np.savez(tmp_path / "float.npz", images=low.astype("float32"))
    np.savez(tmp_path / "size.npz", images=np.zeros((3, 28, 28), "uint8"))
    cases = [(["translate", str(path), str(tmp_path / "float.npz")], "must be uint8"),
             (["translate", str(path), str(tmp_path / "size.npz")], r"shape \(N, 7, 7\)"),
             (["translate", "data/pretrained/dcgan.keras", str(tmp_path / "low.npz")], "not a translation model"),
             (["translate", str(path), str(tmp_path / "missing.npz")], "No images file"),
             (["sample", str(path), "--n", "4"], "is a translation model")]
    for args, message in cases:
        capsys.readouterr()
        assert cli.main(args + ["--out", str(tmp_path / "x.npz")]) == 2, args
        assert message.replace("\\", "") in capsys.readouterr().err.replace("\\", ""), args


def test_the_command_line_trains_a_translator_and_resumes(tmp_path, capsys):
    from gan_utils import cli

    out = tmp_path / "run"
    args = ["train", "pix2pix-superres", "--batch-size", "8", "--steps", "2", "--out", str(out), "--precision", "float32"]
    assert cli.main(args + ["--iterations", "2"]) == 0
    assert cli.main(args + ["--iterations", "3"]) == 0        # resumes: one more iteration
    printed = capsys.readouterr().out
    assert "translator.keras" in printed
    model, task = T.load_translator(out / "translator.keras")
    assert task == "superres"
    import json

    assert len(json.loads((out / "history.json").read_text())["l1"]) == 3
    assert (out / "frames").exists()


def test_radial_power_spectrum_puts_a_cosine_on_its_ring_and_loses_detail_to_a_blur():
    """A cosine with 5 cycles per image has all its power on radius 5 (golden: amplitude² / 4 per spectral peak,
    two peaks on a ring of 20 pixels); a blurred digit has less power than the digit at every radius >= 7."""
    from gan_utils import spectra

    n = 28
    wave = np.cos(2 * np.pi * 5 * np.arange(n) / n)[None, :].repeat(n, axis=0)
    radii, power = spectra.radial_power_spectrum(wave[None])
    assert radii.tolist() == list(range(15)) and int(np.argmax(power)) == 5
    ring = int(np.sum(np.rint(np.hypot(*(np.indices((n, n)) - n // 2))) == 5))
    assert power[5] == pytest.approx(2 * (n * n / 2) ** 2 / (n * n) / ring, rel=1e-9)
    assert np.all(np.delete(power, 5) < 1e-20)
    real, _ = digits(64)
    blurred = tf.nn.avg_pool2d(real, 3, 1, "SAME").numpy()
    sharp, soft = spectra.radial_power_spectrum(real)[1], spectra.radial_power_spectrum(blurred)[1]
    assert np.all(soft[7:] < sharp[7:])


def test_domain_classifier_tells_the_two_digit_styles_apart_and_leaves_no_state():
    """Trained on MNIST's and scikit-learn's training digits, the style judge calls held-out MNIST digits MNIST and
    held-out scikit-learn digits not; the classes count equally whatever their sizes (with 2,000 MNIST digits
    against 300 scikit-learn ones an unweighted judge would lean to MNIST); wrong shapes get a message."""
    from gan_utils.data import load_mnist, to_model_range

    x, _ = load_mnist()
    images, _ = T.load_sklearn_digits()
    train, test = T.sklearn_split()
    policy = keras.config.dtype_policy().name
    judge = T.train_domain_classifier(to_model_range(x[:2_000]), T.source_to_input(images[train[:300]], "sklearn"))
    assert keras.config.dtype_policy().name == policy
    mnist_test, _ = digits(300, seed=1)
    assert T.judged_mnist(judge, mnist_test) >= 0.95
    assert T.judged_mnist(judge, T.source_to_input(images[test], "sklearn")) <= 0.05
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        T.train_domain_classifier(x[:10], images[:10])


def test_evaluate_cyclegan_on_identity_translators_gives_the_untranslated_readings():
    """Golden case: translators that return their input leave every digit where it was, so the table's B -> A row
    is the course classifier on untranslated scikit-learn digits, nothing looks MNIST-like to the style judge,
    A -> B keeps every MNIST label the course classifier reads, and the cycle errors are exactly 0."""
    from gan_utils import metrics
    from gan_utils.data import load_mnist, to_model_range

    x, _ = load_mnist()
    judges = T.cycle_judges(to_model_range(x[:2_000]))
    identity = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Identity(dtype="float32")])
    mnist_test, labels = digits(200, seed=2)
    row, outputs = T.evaluate_cyclegan(identity, identity, judges, mnist_test, labels)
    untranslated = float((metrics.classify(judges["sk_test"]).argmax(1) == judges["sk_test_labels"]).mean())
    assert row["B>A kept"] == pytest.approx(untranslated)
    assert row["B>A MNIST-like"] <= 0.05 and row["A>B sk-like"] <= 0.05
    assert row["A>B kept (course)"] == pytest.approx(float((metrics.classify(mnist_test).argmax(1) == labels).mean()))
    assert row["cycle err A"] == 0.0 and row["cycle err B"] == 0.0
    np.testing.assert_array_equal(outputs["to_mnist"], judges["sk_test"])
