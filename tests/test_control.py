"""InfoGAN (gan_utils.infogan) and the semi-supervised GAN (gan_utils.semisupervised) of 09_control_and_inference:
losses against hand-computed NumPy numbers, model shapes, one step of each Steps class, reproducibility and
clear errors. Tiny models, so the file runs in seconds."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_utils
from gan_utils.infogan import (INFOGAN_LATENT_DIM, InfoGANSteps, build_infogan_discriminator, build_infogan_generator,
                               info_loss, latent_with_codes)
from gan_utils.models import build_dcgan_discriminator, build_dcgan_generator
from gan_utils.semisupervised import (SemiSupervisedSteps, balanced_labeled_indices, build_baseline_classifier,
                                      build_semi_supervised_discriminator, classification_accuracy, fit_semi_supervised,
                                      real_fake_logit, semi_supervised_d_loss)
from gan_utils.trainer import Trainer
from tests.seeding import reseed

gan_utils.set_seed(0, deterministic=True)


def weights(variables):
    return [v.numpy().copy() for v in variables]


def changed(before, variables):
    return [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]


def real_batch(n=8, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, size=(n, 28, 28, 1)).astype("float32"))


def log_softmax(x):
    x = np.asarray(x, "float64")
    return x - x.max(axis=1, keepdims=True) - np.log(np.exp(x - x.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True))


# -- InfoGAN: loss and latent layout -------------------------------------------------------------------------

def test_info_loss_on_fixed_values():
    cat_logits = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], "float32")
    cont_mean = np.array([[0.5, -0.5], [0.0, 1.0]], "float32")
    categories = np.array([1, 0])
    cont_code = np.array([[1.0, 0.0], [0.0, -1.0]], "float32")
    expected_cat = -np.mean(log_softmax(cat_logits)[[0, 1], categories])
    # ½ Σ_j (c - μ)²: row 0: ½(0.25 + 0.25) = 0.25, row 1: ½(0 + 4) = 2 -> mean 1.125
    expected_cont = 1.125
    total, cat, cont = info_loss(cat_logits, cont_mean, categories, cont_code, cont_weight=0.1, return_terms=True)
    assert float(cat) == pytest.approx(expected_cat, rel=1e-6)
    assert float(cont) == pytest.approx(expected_cont, rel=1e-6)
    assert float(total) == pytest.approx(expected_cat + 0.1 * expected_cont, rel=1e-6)
    one_hot = np.eye(3, dtype="float32")[categories]
    assert float(info_loss(cat_logits, cont_mean, one_hot, cont_code)) == pytest.approx(float(total), rel=1e-6)
    assert float(info_loss(cat_logits, cont_mean, categories, cont_code, cont_weight=0.0)) == pytest.approx(expected_cat, rel=1e-6)
    # uniform logits cost log K; Q reading the codes exactly costs ~0
    assert float(info_loss(np.zeros((2, 10), "float32"), cont_code, [3, 7], cont_code)) == pytest.approx(math.log(10), rel=1e-6)
    assert float(info_loss(np.eye(3, dtype="float32")[[1, 0]] * 60.0, cont_code, categories, cont_code)) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("args, message", [
    ((np.zeros((2, 3)), np.zeros((2, 2)), np.array([0.0, 1.0]), np.zeros((2, 2))), "integer categories"),
    ((np.zeros((2, 3)), np.zeros((2, 2)), np.eye(4)[[0, 1]], np.zeros((2, 2))), "columns"),
    ((np.zeros((2, 3)), np.zeros((2, 2)), np.array([0, 1]), np.zeros((2, 3))), "cont_code"),
    ((np.zeros((2, 3)), np.zeros((2, 2)), np.array([0, 1, 2]), np.zeros((2, 2))), "batch sizes"),
    ((np.zeros(3), np.zeros((2, 2)), np.array([0, 1]), np.zeros((2, 2))), "cat_logits"),
])
def test_info_loss_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        info_loss(*args)
    with pytest.raises(ValueError, match="cont_weight"):
        info_loss(np.zeros((2, 3)), np.zeros((2, 2)), np.array([0, 1]), np.zeros((2, 2)), cont_weight=-1.0)


def test_latent_with_codes_layout_broadcast_and_errors():
    z = np.arange(6, dtype="float32").reshape(2, 3)
    latent = latent_with_codes(z, [2, 0], [[0.5, -0.5], [1.0, 0.0]], num_categories=4).numpy()
    np.testing.assert_array_equal(latent, [[0, 1, 2, 0, 0, 1, 0, 0.5, -0.5], [3, 4, 5, 1, 0, 0, 0, 1.0, 0.0]])
    shared = latent_with_codes(np.zeros((5, 62)), 7, [0.25, -1.0]).numpy()
    assert shared.shape == (5, INFOGAN_LATENT_DIM) and shared.dtype == np.float32
    np.testing.assert_array_equal(shared[:, 62:72], np.tile(np.eye(10)[7], (5, 1)))
    np.testing.assert_array_equal(shared[:, 72:], np.tile([0.25, -1.0], (5, 1)))
    with pytest.raises(ValueError, match="in 0..9"):
        latent_with_codes(np.zeros((2, 62)), [3, 10], [0.0, 0.0])
    with pytest.raises(ValueError, match="integers"):
        latent_with_codes(np.zeros((2, 62)), [0.5, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="one per row"):
        latent_with_codes(np.zeros((2, 62)), [1, 2, 3], [0.0, 0.0])
    with pytest.raises(ValueError, match="continuous"):
        latent_with_codes(np.zeros((2, 62)), 1, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="z must be"):
        latent_with_codes(np.zeros(62), 1, [0.0, 0.0])


# -- InfoGAN: models and steps -------------------------------------------------------------------------------

def test_infogan_model_shapes_at_the_notebook_sizes():
    generator, discriminator = build_infogan_generator(), build_infogan_discriminator()
    assert tuple(generator.inputs[0].shape) == (None, 74) and INFOGAN_LATENT_DIM == 74
    images = generator(latent_with_codes(np.random.default_rng(0).normal(size=(3, 62)), [0, 5, 9], [-1.0, 1.0]))
    assert tuple(images.shape) == (3, 28, 28, 1) and float(tf.reduce_max(tf.abs(images))) <= 1.0
    logit, cat_logits, cont_mean = discriminator(images)
    assert (tuple(logit.shape), tuple(cat_logits.shape), tuple(cont_mean.shape)) == ((3, 1), (3, 10), (3, 2))
    assert all(t.dtype == tf.float32 for t in (logit, cat_logits, cont_mean))
    with pytest.raises(ValueError, match="num_categories"):
        build_infogan_generator(num_categories=1)
    with pytest.raises(ValueError, match="num_categories"):
        build_infogan_discriminator(num_categories=1)


def make_infogan(seed=0, info_weight=1.0, **kwargs):
    reseed(seed)  # same initial weights for the same seed
    generator = build_infogan_generator(noise_dim=6, num_categories=3, num_continuous=2, filters=(8, 4, 2))
    discriminator = build_infogan_discriminator(num_categories=3, num_continuous=2, filters=(4, 8), dropout=0.0,
                                                q_units=8)
    return InfoGANSteps(generator, discriminator, keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05),
                        info_weight=info_weight, seed=seed, **kwargs)


def test_infogan_codes_come_from_the_seeded_generator():
    steps = make_infogan()
    assert (steps.noise_dim, steps.num_categories, steps.num_continuous) == (6, 3, 2)
    latent, categories, continuous = steps.sample_latent(64)
    assert tuple(latent.shape) == (64, 11)
    np.testing.assert_array_equal(latent[:, 6:9], np.eye(3)[categories.numpy()])
    np.testing.assert_array_equal(latent[:, 9:], continuous)
    assert float(tf.reduce_min(continuous)) >= -1.0 and float(tf.reduce_max(continuous)) <= 1.0
    assert set(categories.numpy()) == {0, 1, 2}
    np.testing.assert_array_equal(make_infogan().noise(5), make_infogan().noise(5))


def test_one_infogan_step_of_each_network():
    steps = make_infogan()
    d_vars, g_vars = steps.discriminator.trainable_variables, steps.generator.trainable_variables
    d_before, g_before = weights(d_vars), weights(g_vars)
    d_logs = steps.d_step(real_batch())
    assert {"d_loss", "d_info_loss", "d_cat_loss", "d_cont_loss", "d_cat_accuracy", "d_real", "d_fake"} <= set(d_logs)
    assert all(np.isfinite(float(v)) for v in d_logs.values())
    assert float(d_logs["d_info_loss"]) == pytest.approx(float(d_logs["d_cat_loss"]) + 0.1 * float(d_logs["d_cont_loss"]), rel=1e-5)
    assert all(changed(d_before, d_vars)), "every D weight (body, logit head and Q) moves in the D step"
    for layer in ("q_hidden", "cat_logits", "cont_mean", "logit"):
        kernel = steps.discriminator.get_layer(layer).kernel
        assert not np.array_equal(kernel.numpy(), d_before[[v.path for v in d_vars].index(kernel.path)])
    assert not any(changed(g_before, g_vars)), "the D step must not move G"
    d_after = weights(d_vars)
    g_logs = steps.g_step(8)
    assert {"g_loss", "g_info_loss", "g_grad_norm"} <= set(g_logs)
    assert all(np.isfinite(float(v)) for v in g_logs.values())
    assert all(changed(g_before, g_vars)) and not any(changed(d_after, d_vars))


def test_q_learns_in_the_d_step_only_through_the_info_term():
    for info_weight, moves in ((0.0, False), (1.0, True)):
        steps = make_infogan(info_weight=info_weight)
        kernel = steps.discriminator.get_layer("cat_logits").kernel
        before = kernel.numpy().copy()
        steps.d_step(real_batch())
        assert (not np.array_equal(before, kernel.numpy())) == moves


def test_the_control_trains_q_but_does_not_reward_g_for_readable_codes():
    """g_info_weight=0: Q still learns in D's step; G's gradient is the adversarial one alone."""
    control, plain = make_infogan(info_weight=1.0, g_info_weight=0.0), make_infogan(info_weight=0.0)
    kernel = control.discriminator.get_layer("cat_logits").kernel
    before = kernel.numpy().copy()
    control.d_step(real_batch())
    assert not np.array_equal(before, kernel.numpy()), "the control's Q must be trained"
    # G's update with g_info_weight=0 equals an InfoGAN G step with info_weight 0 (same seed, same D)
    plain.discriminator.set_weights(control.discriminator.get_weights())
    plain.generator.set_weights(control.generator.get_weights())
    control.rng.reset_from_seed(5)
    plain.rng.reset_from_seed(5)
    control.g_step(8)
    plain.g_step(8)
    for a, b in zip(control.generator.get_weights(), plain.generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="g_info_weight"):
        make_infogan(g_info_weight=-1.0)


def test_a_saved_infogan_is_sampled_with_its_codes(tmp_path):
    """sample draws one-hot + uniform codes for an InfoGAN (not 74 Gaussians); --code K fixes c1."""
    from gan_utils.infogan import build_infogan_mlp_generator, is_infogan_generator, sample_codes
    from gan_utils.sampling import generate_digits, load_generator, save_generator

    generator = build_infogan_mlp_generator(hidden=(16,))
    assert is_infogan_generator(generator) and generator.inputs[0].shape[-1] == INFOGAN_LATENT_DIM
    latent, categories = sample_codes(500, np.random.default_rng(0), code=None)
    latent = latent.numpy()
    one_hot = latent[:, 62:72]
    assert set(np.unique(one_hot)) == {0.0, 1.0} and (one_hot.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(one_hot.argmax(axis=1), categories)
    assert len(set(categories.tolist())) == 10
    assert np.abs(latent[:, 72:]).max() <= 1.0 and latent[:, 72:].std() < 0.7   # U(-1, 1): std 0.577, not 1
    fixed, cats = sample_codes(20, np.random.default_rng(0), code=7)
    assert (cats == 7).all() and (fixed.numpy()[:, 62:72].argmax(axis=1) == 7).all()
    with pytest.raises(ValueError, match=r"0\.\.9"):
        sample_codes(3, np.random.default_rng(0), code=10)
    path = save_generator(generator, tmp_path / "infogan.keras")
    loaded = load_generator(path)
    assert is_infogan_generator(loaded)
    images, labels = generate_digits(loaded, 30, seed=1, code=3)
    assert images.shape == (30, 28, 28) and images.dtype == np.uint8 and labels is None
    # the same draw, done by hand: the saved model is fed exactly sample_codes' inputs (one result per question)
    codes = sample_codes(30, np.random.default_rng(1), code=3)[0]
    np.testing.assert_array_equal(images, gan_utils.data.to_uint8(loaded(codes, training=False).numpy()))
    # the in-memory generator computes under the session's policy, the saved file in float32 (save_generator):
    # equal in float32; under mixed_bfloat16 a few uint8 levels apart (bfloat16 keeps 8 bits of mantissa)
    in_memory = gan_utils.data.to_uint8(generator(codes, training=False).numpy()).astype(int)
    if keras.config.dtype_policy().name == "float32":
        np.testing.assert_array_equal(images, in_memory)
    else:
        difference = np.abs(images.astype(int) - in_memory)
        assert difference.max() <= 6 and difference.mean() < 0.5, (difference.max(), difference.mean())
    with pytest.raises(ValueError, match="code=K"):
        generate_digits(loaded, 10, labels=np.zeros(10, "int32"))
    with pytest.raises(ValueError, match="not an InfoGAN"):
        generate_digits(build_dcgan_generator(latent_dim=5, filters=(8, 4, 2)), 10, code=3)


def test_sample_command_takes_a_code(tmp_path, capsys):
    from gan_utils.cli import main
    from gan_utils.infogan import build_infogan_mlp_generator
    from gan_utils.sampling import save_generator

    path = save_generator(build_infogan_mlp_generator(hidden=(16,)), tmp_path / "infogan.keras")
    assert main(["sample", str(path), "--n", "12", "--code", "4", "--out", str(tmp_path / "s.npz")]) in (None, 0)
    assert np.load(tmp_path / "s.npz")["images"].shape == (12, 28, 28)
    assert main(["sample", str(path), "--n", "12", "--code", "12", "--out", str(tmp_path / "t.npz")]) == 2
    assert "0..9" in capsys.readouterr().err


def test_infogan_same_seed_same_first_losses():
    def first(seed):
        steps = make_infogan(seed)
        return {k: float(v) for k, v in {**steps.d_step(real_batch()), **steps.g_step(8)}.items()}

    a, b, c = first(0), first(0), first(1)
    assert a == b
    assert a["d_info_loss"] != c["d_info_loss"]


def test_infogan_steps_reject_unfit_networks():
    tiny_g = build_infogan_generator(noise_dim=6, num_categories=3, num_continuous=2, filters=(8, 4, 2))
    tiny_d = build_infogan_discriminator(num_categories=3, num_continuous=2, filters=(4, 8), q_units=8)
    sgd = keras.optimizers.SGD
    with pytest.raises(ValueError, match=r"\[logit, cat_logits, cont_mean\]"):
        InfoGANSteps(tiny_g, build_dcgan_discriminator(filters=(4, 8)), sgd(), sgd())
    with pytest.raises(ValueError, match="codes alone"):
        InfoGANSteps(build_dcgan_generator(latent_dim=5, filters=(8, 4, 2)), tiny_d, sgd(), sgd())
    with pytest.raises(ValueError, match="gradient penalty"):
        InfoGANSteps(tiny_g, tiny_d, sgd(), sgd(), gp_weight=10.0)
    with pytest.raises(ValueError, match="info_weight"):
        InfoGANSteps(tiny_g, tiny_d, sgd(), sgd(), info_weight=-1.0)


def test_the_trainer_runs_infogan_unchanged():
    steps = make_infogan()
    trainer = Trainer(steps, num_samples=4)
    assert tuple(trainer.fixed_noise.shape) == (4, 11)
    images = np.random.default_rng(0).integers(0, 256, size=(16, 28, 28)).astype(np.uint8)
    history = trainer.fit(images, iterations=2, batch_size=8)
    assert len(history["d_info_loss"]) == 2 and np.isfinite(history["g_info_loss"]).all()
    assert trainer.fixed_samples().shape == (4, 28, 28, 1)


# -- semi-supervised GAN: losses -----------------------------------------------------------------------------

def naive_d_loss(labeled, labels, unlabeled, fake):
    """The textbook form, in float64: D = Z / (Z + 1), Z = Σ exp(l)."""
    supervised = -np.mean(log_softmax(labeled)[np.arange(len(labels)), labels])
    z_unl, z_fake = np.exp(np.asarray(unlabeled, "float64")).sum(1), np.exp(np.asarray(fake, "float64")).sum(1)
    unsupervised = -np.mean(np.log(z_unl / (z_unl + 1))) - np.mean(np.log(1 - z_fake / (z_fake + 1)))
    return supervised + unsupervised, supervised, unsupervised


def test_semi_supervised_loss_on_fixed_values_equals_the_naive_form():
    labeled = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]], "float32")
    labels = np.array([0, 1])
    unlabeled = np.array([[1.0, -2.0, 0.0], [-3.0, -3.0, -3.0], [4.0, 0.0, 1.0]], "float32")
    fake = np.array([[0.0, 0.0, 0.0], [-1.0, 2.0, -0.5]], "float32")
    expected = naive_d_loss(labeled, labels, unlabeled, fake)
    got = semi_supervised_d_loss(labeled, labels, unlabeled, fake, return_terms=True)
    np.testing.assert_allclose([float(t) for t in got], expected, rtol=1e-6)
    # by hand for the all-zero fake row: Z = 3, −log(1 − 3/4) = log 4; and logsumexp is the real/fake logit
    assert float(tf.math.softplus(real_fake_logit(fake[:1]))[0]) == pytest.approx(math.log(4), rel=1e-6)
    np.testing.assert_allclose(tf.sigmoid(real_fake_logit(unlabeled)), np.exp(unlabeled).sum(1) / (np.exp(unlabeled).sum(1) + 1), rtol=1e-6)
    half = semi_supervised_d_loss(labeled, labels, unlabeled, fake, unsupervised_weight=0.5)
    assert float(half) == pytest.approx(expected[1] + 0.5 * expected[2], rel=1e-6)


def test_semi_supervised_loss_stays_finite_on_large_logits():
    big = np.full((2, 10), 1000.0, "float32")
    labels = np.array([3, 4])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = naive_d_loss(big, labels, big, big)
    assert not np.isfinite(naive[2]), "the naive form overflows (exp(1000)), which is why the loss uses softplus"
    logits = tf.constant(big)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        total, supervised, unsupervised = semi_supervised_d_loss(logits, labels, logits, logits, return_terms=True)
    assert np.isfinite(tape.gradient(total, logits).numpy()).all()
    # −log D(x_unl) = softplus(−lse) ≈ 0; −log(1 − D(G(z))) = softplus(lse) ≈ 1000 + log 10; supervised = log 10
    assert float(supervised) == pytest.approx(math.log(10), rel=1e-6)
    assert float(unsupervised) == pytest.approx(1000 + math.log(10), rel=1e-6)
    tiny = tf.constant(-big)  # very unsure of everything real: −log D ≈ 1000 − log 10, −log(1 − D) ≈ 0
    assert float(semi_supervised_d_loss(tiny, labels, tiny, tiny, return_terms=True)[2]) == pytest.approx(1000 - math.log(10), rel=1e-6)


@pytest.mark.parametrize("args, message", [
    ((np.zeros((2, 3)), np.array([0, 1]), np.zeros((2, 4)), np.zeros((2, 3))), "same number of classes"),
    ((np.zeros((2, 3)), np.array([0.0, 1.0]), np.zeros((2, 3)), np.zeros((2, 3))), "integer classes"),
    ((np.zeros((2, 3)), np.array([0, 1, 2]), np.zeros((2, 3)), np.zeros((2, 3))), "one label per labeled image"),
    ((np.zeros((2, 3)), np.array([0, 1]), np.zeros(3), np.zeros((2, 3))), "unlabeled_logits"),
])
def test_semi_supervised_loss_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        semi_supervised_d_loss(*args)


# -- semi-supervised GAN: models and steps ------------------------------------------------------------------

def test_semi_supervised_models_shapes_and_the_baseline_is_the_same_network():
    d, baseline = build_semi_supervised_discriminator(), build_baseline_classifier()
    assert tuple(d.outputs[0].shape) == (None, 10) and tuple(d.get_layer("features").output.shape) == (None, 128)
    assert [w.shape for w in d.weights] == [w.shape for w in baseline.weights]
    assert d.count_params() == baseline.count_params()
    assert tuple(d(real_batch(3)).shape) == (3, 10) and tuple(baseline(real_batch(3)).shape) == (3, 10)
    noisy = build_semi_supervised_discriminator(filters=(4,), hidden=8, input_noise=0.3)
    assert tuple(noisy(real_batch(2), training=True).shape) == (2, 10)
    with pytest.raises(ValueError, match="num_classes"):
        build_baseline_classifier(num_classes=1)


def make_ssl(seed=0, generator_loss="feature-matching", **kwargs):
    reseed(seed)
    generator = build_dcgan_generator(latent_dim=8, filters=(8, 4, 2))
    discriminator = build_semi_supervised_discriminator(filters=(4, 8), dropout=0.0, hidden=16)
    return SemiSupervisedSteps(generator, discriminator, keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05),
                               generator_loss=generator_loss, seed=seed, **kwargs)


def ssl_batch():
    return real_batch(6, seed=1), tf.constant([0, 1, 2, 3, 4, 5]), real_batch(8, seed=2)


@pytest.mark.parametrize("generator_loss", ["feature-matching", "non-saturating"])
def test_one_semi_supervised_step_of_each_network(generator_loss):
    steps = make_ssl(generator_loss=generator_loss)
    d_vars, g_vars = steps.discriminator.trainable_variables, steps.generator.trainable_variables
    d_before, g_before = weights(d_vars), weights(g_vars)
    d_logs = steps.d_step(*ssl_batch())
    assert {"d_loss", "d_supervised_loss", "d_unsupervised_loss", "d_labeled_accuracy", "d_real", "d_fake"} <= set(d_logs)
    assert all(np.isfinite(float(v)) for v in d_logs.values())
    assert float(d_logs["d_loss"]) == pytest.approx(float(d_logs["d_supervised_loss"] + d_logs["d_unsupervised_loss"]), rel=1e-5)
    assert all(changed(d_before, d_vars)) and not any(changed(g_before, g_vars))
    assert float(tf.reduce_sum(tf.abs(steps.real_feature_mean))) > 0.0
    d_after = weights(d_vars)
    g_logs = steps.g_step(8)
    assert np.isfinite(float(g_logs["g_loss"])) and float(g_logs["g_loss"]) > 0.0
    assert all(changed(g_before, g_vars)) and not any(changed(d_after, d_vars))


def test_semi_supervised_same_seed_same_first_losses():
    def first(seed):
        steps = make_ssl(seed)
        return {k: float(v) for k, v in {**steps.d_step(*ssl_batch()), **steps.g_step(8)}.items()}

    a, b, c = first(0), first(0), first(1)
    assert a == b
    assert a["d_unsupervised_loss"] != c["d_unsupervised_loss"]


def test_semi_supervised_steps_reject_bad_input():
    steps = make_ssl()
    labeled, labels, unlabeled = ssl_batch()
    with pytest.raises(ValueError, match="one per labeled image"):
        steps.d_step(labeled, labels[:4], unlabeled)
    with pytest.raises(ValueError, match="unlabeled_images"):
        steps.d_step(labeled, labels, tf.zeros((8, 28, 28)))
    generator = build_dcgan_generator(latent_dim=8, filters=(8, 4, 2))
    sgd = keras.optimizers.SGD
    with pytest.raises(ValueError, match="one output"):
        SemiSupervisedSteps(generator, build_infogan_discriminator(filters=(4,), q_units=4), sgd(), sgd())
    with pytest.raises(ValueError, match="'features'"):
        SemiSupervisedSteps(generator, build_dcgan_discriminator(filters=(4,)), sgd(), sgd())
    with pytest.raises(ValueError, match="generator_loss"):
        SemiSupervisedSteps(generator, steps.discriminator, sgd(), sgd(), generator_loss="hinge")
    with pytest.raises(ValueError, match="drop loss"):
        SemiSupervisedSteps(generator, steps.discriminator, sgd(), sgd(), loss="wasserstein")


def test_labeled_subset_accuracy_and_the_loop():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=200)
    picked = balanced_labeled_indices(labels, per_class=3, seed=0)
    assert len(picked) == 30 and np.array_equal(np.bincount(labels[picked], minlength=10), [3] * 10)
    np.testing.assert_array_equal(picked, balanced_labeled_indices(labels, per_class=3, seed=0))
    with pytest.raises(ValueError, match="fewer than per_class"):
        balanced_labeled_indices(np.arange(10), per_class=2)
    images = rng.integers(0, 256, size=(200, 28, 28)).astype(np.uint8)
    steps = make_ssl()
    history = fit_semi_supervised(steps, images[picked], labels[picked], images, iterations=2, batch_size=16)
    assert len(history["d_loss"]) == 2 and all(np.isfinite(v).all() for v in history.values())
    accuracy = classification_accuracy(steps.discriminator, images[:50], labels[:50], batch_size=20)
    assert 0.0 <= accuracy <= 1.0
    with pytest.raises(ValueError, match="labels must be"):
        fit_semi_supervised(steps, images[picked], labels[picked][:5], images, iterations=1)
    with pytest.raises(ValueError, match="one per image"):
        classification_accuracy(steps.discriminator, images[:5], labels[:4])


def test_mlp_bodies_for_a_cpu_have_the_named_features_layer():
    from gan_utils import infogan, semisupervised

    d = infogan.build_infogan_discriminator(filters=(), dense=(32, 16), q_units=8)
    outs = d(np.zeros((3, 28, 28, 1), "float32"))
    assert [tuple(o.shape) for o in outs] == [(3, 1), (3, 10), (3, 2)]
    assert d.get_layer("features").output.shape[-1] == 16
    assert not any(isinstance(layer, keras.layers.Conv2D) for layer in d.layers)
    c = semisupervised.build_semi_supervised_discriminator(filters=(), hidden=(32, 16), input_noise=0.3)
    assert c.get_layer("features").output.shape[-1] == 16 and tuple(c.output.shape) == (None, 10)
    b = semisupervised.build_baseline_classifier(filters=(), hidden=(32, 16), input_noise=0.3)
    assert [w.shape for w in b.weights] == [w.shape for w in c.weights]


# -- the papers' networks: Salimans et al.'s semi-supervised MLP, Chen et al.'s InfoGAN -------------------------------

def test_weight_norm_dense_matches_numpy_and_its_gradient_matches_finite_differences():
    from gan_utils.semisupervised import WeightNormDense

    reseed(0)
    layer = WeightNormDense(3, "relu", train_scale=True, dtype="float32")  # the math; any policy elsewhere
    x = np.random.default_rng(1).normal(size=(4, 5)).astype("float32")
    y = layer(x).numpy()
    v, g, b = (np.asarray(w, "float64") for w in (layer.v, layer.g, layer.b))
    layer.g.assign([0.5, 2.0, 1.5])
    layer.b.assign([0.1, -0.2, 0.3])
    v, g, b = (np.asarray(w, "float64") for w in (layer.v, layer.g, layer.b))
    expected = np.maximum(x @ (v * g / np.linalg.norm(v, axis=0)) + b, 0)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert y.shape == (4, 3)
    # scaling V changes nothing (only its direction counts); g scales each unit's pre-activation
    layer.v.assign(layer.v * 7.0)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    # gradient with respect to g against central differences of the NumPy form (linear layer: no kink)
    linear = WeightNormDense(2, None, train_scale=True, dtype="float32")
    linear(x)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(tf.square(linear(x)))
    grad = tape.gradient(out, linear.g).numpy()
    v, g, b = (np.asarray(w, "float64") for w in (linear.v, linear.g, linear.b))

    def f(gg):
        return np.sum((x @ (v * gg / np.linalg.norm(v, axis=0)) + b) ** 2)

    numeric = [(f(g + e) - f(g - e)) / 2e-4 for e in np.eye(2) * 1e-4]
    np.testing.assert_allclose(grad, numeric, rtol=1e-3)
    assert not layer.trainable_weights[1] is None and WeightNormDense(2).units == 2
    with pytest.raises(ValueError, match="units must be a positive integer"):
        WeightNormDense(0)


def test_data_dependent_init_gives_unit_pre_activations_and_the_paper_networks_shapes(tmp_path):
    from gan_utils.semisupervised import (WeightNormDense, build_salimans_discriminator, build_salimans_generator,
                                          data_dependent_init)

    reseed(0)
    quiet, g = build_salimans_discriminator(input_noise=0.0, hidden_noise=0.0), build_salimans_generator()
    batch = np.random.default_rng(0).uniform(-1, 1, size=(256, 28, 28, 1)).astype("float32")
    assert data_dependent_init(quiet, batch) == 6  # five hidden layers and the output layer
    first = next(layer for layer in quiet.layers if isinstance(layer, WeightNormDense))
    flat = (batch.reshape(256, -1) + 1) / 2      # the model's own rescaling to [0, 1]
    t = first.pre_activation(tf.constant(flat)).numpy() + np.asarray(first.b)
    np.testing.assert_allclose(t.mean(axis=0), 0, atol=2e-3)
    np.testing.assert_allclose(t.std(axis=0), 1, atol=1e-3)
    # with the training noise on (the default network), the init sees the noise: smaller scales than without it
    d = build_salimans_discriminator()
    d.set_weights([w for w in quiet.get_weights()])
    d.get_layer("features").g.assign(np.ones(250, "float32"))
    for layer in d.layers:
        if isinstance(layer, WeightNormDense):
            layer.g.assign(np.ones(layer.units, "float32"))
    data_dependent_init(d, batch)
    assert np.mean(np.asarray(d.get_layer("features").g)) < np.mean(np.asarray(quiet.get_layer("features").g))
    assert d(batch[:3]).shape == (3, 10) and d.get_layer("features").output.shape[-1] == 250
    images = g(np.zeros((2, 100), "float32"), training=False).numpy()
    assert images.shape == (2, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    # noise acts only in training: evaluation is deterministic
    np.testing.assert_array_equal(d(batch[:3], training=False).numpy(), d(batch[:3], training=False).numpy())
    assert not np.allclose(d(batch[:3], training=True).numpy(), d(batch[:3], training=False).numpy())
    d.save(tmp_path / "d.keras")
    again = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(again(batch[:3]).numpy(), d(batch[:3]).numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="no WeightNormDense"):
        data_dependent_init(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), np.zeros((4, 3), "float32"))


def test_chen_infogan_networks_train_a_step_and_are_stamped_infogan():
    from gan_utils.infogan import build_chen_discriminator, build_chen_generator, is_infogan_generator

    reseed(0)
    g, d = build_chen_generator(), build_chen_discriminator()
    assert is_infogan_generator(g) and g.inputs[0].shape[-1] == INFOGAN_LATENT_DIM
    outs = d(np.zeros((2, 28, 28, 1), "float32"))
    assert [tuple(o.shape) for o in outs] == [(2, 1), (2, 10), (2, 2)]
    steps = InfoGANSteps(g, d, keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                         cont_weight=1.0)
    logs = steps.d_step(tf.zeros((4, 28, 28, 1)))
    assert np.isfinite(float(logs["d_info_loss"])) and np.isfinite(float(steps.g_step(4)["g_loss"]))


def test_code_agreement_reads_a_generator_that_draws_one_real_digit_per_code():
    """A stand-in InfoGAN whose code k draws a real test digit of class perm[k]: one-to-one 1, mapping = perm;
    with every code drawing the same digit, one-to-one 0.1 and one distinct digit."""
    from gan_utils import data
    from gan_utils.infogan import NOISE_DIM, _as_infogan, code_agreement

    x_test, y_test = data.load_mnist(split="test")
    perm = np.array([3, 1, 4, 0, 5, 9, 2, 6, 8, 7])

    def stand_in(digits):
        images = data.to_model_range(np.stack([x_test[np.flatnonzero(y_test == k)[0]] for k in digits]))
        latent = keras.Input((INFOGAN_LATENT_DIM,))
        one_hot = keras.layers.Lambda(lambda t: t[:, NOISE_DIM:NOISE_DIM + 10])(latent)
        dense = keras.layers.Dense(784, use_bias=False)
        out = keras.layers.Reshape((28, 28, 1))(dense(one_hot))
        model = keras.Model(latent, out)
        dense.set_weights([images.reshape(10, 784)])
        return _as_infogan(model, 10, 2)

    result = code_agreement(stand_in(perm), samples_per_code=5)
    assert result["one_to_one"] == 1.0 and result["mapping"].tolist() == perm.tolist() and result["distinct"] == 10
    collapsed = code_agreement(stand_in([7] * 10), samples_per_code=5)
    assert collapsed["one_to_one"] == pytest.approx(0.1) and collapsed["distinct"] == 1
    assert collapsed["agreement"] == 1.0  # majority agreement alone would hide the collapse
    with pytest.raises(ValueError, match="samples_per_code"):
        code_agreement(stand_in(perm), samples_per_code=0)


def test_feature_matching_mean_is_the_sum_over_the_number_of_features():
    """Salimans et al.'s code averages the squared feature differences; the course's 03 loss sums them."""
    losses = {}
    for reduction in ("sum", "mean"):
        reseed(0)
        g = build_dcgan_generator()
        d = build_semi_supervised_discriminator(filters=(), hidden=(32, 16), dropout=0.0)
        steps = SemiSupervisedSteps(g, d, keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), seed=0,
                                    feature_matching_reduction=reduction)
        steps.real_feature_mean.assign(np.linspace(0, 1, 16).astype("float32"))
        losses[reduction] = float(steps.g_step(8)["g_loss"])
    assert losses["sum"] > 0 and losses["mean"] == pytest.approx(losses["sum"] / 16, rel=1e-4)
    with pytest.raises(ValueError, match="feature_matching_reduction"):
        SemiSupervisedSteps(build_dcgan_generator(), build_semi_supervised_discriminator(),
                            keras.optimizers.SGD(), keras.optimizers.SGD(), feature_matching_reduction="max")


def test_width_is_the_deskewed_horizontal_spread():
    """Golden values: a solid bar w columns wide has width sqrt((w² − 1) / 12); shearing it (one column per two
    rows) leaves the width as it was while its slant changes; blank images give 0."""
    from gan_utils import editing

    def bar(w, shear=0.0):
        image = np.zeros((28, 28), "uint8")
        for row in range(4, 24):
            left = int(round(10 + shear * (24 - row)))
            image[row, left:left + w] = 255
        return image

    images = np.stack([bar(2), bar(6), bar(6, shear=0.5), np.zeros((28, 28), "uint8")])
    widths = editing.width(images)
    np.testing.assert_allclose(widths[:2], np.sqrt((np.array([2, 6]) ** 2 - 1) / 12), rtol=1e-9)
    assert widths[2] == pytest.approx(widths[1], rel=0.1) and widths[3] == 0.0
    assert editing.slant(images[2:3])[0] > 0.4 and abs(editing.slant(images[1:2])[0]) < 1e-9
    with pytest.raises(ValueError, match="uint8"):
        editing.width(images.astype("float32"))


def test_sweep_correlations_find_the_code_that_controls_a_property():
    """A stand-in InfoGAN whose c2 sets how many columns are ink (monotone) and which ignores c3: c2's sweeps give
    rank correlation +1 with ink in every sweep, c3's 0 (a constant property)."""
    from gan_utils import editing
    from gan_utils.infogan import NOISE_DIM, _as_infogan, sweep_correlations

    latent = keras.Input((INFOGAN_LATENT_DIM,))

    def draw(t):   # columns < 8 + 6·c2 are ink, in every row
        t = tf.cast(t, tf.float32)
        row = tf.where(tf.range(28, dtype=tf.float32)[None, :] < 8.0 + 6.0 * t[:, NOISE_DIM + 10:NOISE_DIM + 11],
                       1.0, -1.0)
        return tf.cast(tf.repeat(row[:, None, :, None], 28, axis=1), keras.backend.floatx())

    image = keras.layers.Lambda(draw, output_shape=(28, 28, 1))(latent)
    generator = _as_infogan(keras.Model(latent, image), 10, 2)
    along_c2 = sweep_correlations(generator, editing.ink, 0, n_sweeps=6)
    along_c3 = sweep_correlations(generator, editing.ink, 1, n_sweeps=6)
    np.testing.assert_allclose(along_c2, 1.0) and np.testing.assert_allclose(along_c3, 0.0)
    assert len(along_c2) == 6
    with pytest.raises(ValueError, match="code_index"):
        sweep_correlations(generator, editing.ink, 2)
    with pytest.raises(ValueError, match="increasing"):
        sweep_correlations(generator, editing.ink, 0, values=[1.0, 0.0, -1.0])
