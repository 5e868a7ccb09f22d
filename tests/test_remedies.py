"""Remedies of 03 (feature matching, minibatch discrimination, BatchNorm in G) and the 1-D distances of 04."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_utils
from gan_utils import divergences, losses, models, remedies
from gan_utils.data import gaussian_pdf
from tests.seeding import reseed

gan_utils.set_seed(0, deterministic=True)


def numpy_minibatch_features(f, tensor, num_kernels, kernel_dim):
    m = (f @ tensor).reshape(len(f), num_kernels, kernel_dim)
    out = np.zeros((len(f), num_kernels))
    for i in range(len(f)):
        for j in range(len(f)):
            if i != j:
                out[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=-1))
    return np.concatenate([f, out], axis=1)


@pytest.mark.float32
def test_minibatch_discrimination_matches_its_formula():
    layer = remedies.MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    f = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
    out = layer(f).numpy()
    expected = numpy_minibatch_features(f, layer.tensor.numpy(), 4, 3)
    assert out.shape == (6, 9)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_minibatch_discrimination_flags_a_collapsed_batch():
    layer = remedies.MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    identical = np.ones((8, 5), "float32")
    spread = 100 * np.random.default_rng(1).normal(size=(8, 5)).astype("float32")
    np.testing.assert_allclose(layer(identical).numpy()[:, 5:], 7.0, rtol=1e-6)  # 7 identical neighbours
    assert layer(spread).numpy()[:, 5:].max() < 0.5


def test_minibatch_discriminator_saves_and_loads(tmp_path):
    d = remedies.build_minibatch_discriminator(hidden=(16,), num_kernels=4, kernel_dim=2)
    x = np.random.default_rng(0).uniform(-1, 1, size=(5, 28, 28, 1)).astype("float32")
    d.save(tmp_path / "d.keras")
    again = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(again(x).numpy(), d(x).numpy(), rtol=1e-6)
    assert d.output_shape == (None, 1)


MBD_ITERATIONS = 300


def _short_mnist_run(discriminator_builder, x_train):
    """03's MLP GAN (Adam 2e-4, β1 0.5, batch 128) for ``MBD_ITERATIONS`` iterations, networks built after seeding;
    returns the classifier's mean confidence and Fréchet distance on 1,000 samples."""
    from gan_utils import metrics
    from gan_utils.runtime import precision_scope, seeded
    from gan_utils.sampling import generate_digits
    from gan_utils.train import GANSteps
    from gan_utils.trainer import Trainer

    with precision_scope("float32"), seeded(0, deterministic=True):
        g, d = models.build_mlp_generator(), discriminator_builder()
        steps = GANSteps(g, d, keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5), seed=0)
        Trainer(steps, seed=0).fit(x_train, batch_size=128, iterations=MBD_ITERATIONS)
        images, _ = generate_digits(g, 1000, seed=0)
    result = metrics.evaluate_samples(images)
    return result["mean_confidence"], result["fid"]


def test_minibatch_discrimination_draws_digits_after_a_short_run():
    """Issue 33: 03's committed run once showed pure noise from the minibatch-discriminating GAN (confidence 0.497,
    Fréchet distance 531). After 300 iterations the samples must read as digits. Measured on 1,000 samples
    (2026-12-07): minibatch discrimination 0.601 / 387.9; the plain discriminator at the same iterations 0.461 /
    612.7; a layer whose closeness features ignore the other samples (o(x) = 0) 0.221 / 625.8. Both of the latter,
    and the committed noise, fail these bounds."""
    from gan_utils.data import load_mnist

    confidence, fid = _short_mnist_run(remedies.build_minibatch_discriminator, load_mnist()[0][:12_800])
    assert confidence >= 0.53 and fid <= 480.0, (confidence, fid)


def test_feature_matching_loss_golden_value():
    real = tf.constant([[1.0, 2.0], [3.0, 4.0]])       # mean (2, 3)
    fake = tf.constant([[0.0, 0.0], [2.0, 2.0]])       # mean (1, 1)
    assert float(losses.feature_matching_loss(real, fake)) == pytest.approx(1.0 + 4.0)


@pytest.mark.float32
def test_feature_matching_steps_match_the_stored_real_features():
    g = models.build_mlp_generator(latent_dim=8, hidden=(16,))
    d = models.build_mlp_discriminator(hidden=(12,))
    steps = remedies.FeatureMatchingSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=3)
    real = np.random.default_rng(0).uniform(-1, 1, size=(10, 28, 28, 1)).astype("float32")
    before = [w.copy() for w in g.get_weights()]
    steps.d_step(real)
    np.testing.assert_allclose(steps.real_feature_mean.numpy(), steps.features(real).numpy().mean(axis=0), rtol=1e-5)
    assert steps.real_feature_mean.shape == (12,)
    logs = steps.g_step(10)
    assert np.isfinite(float(logs["g_loss"])) and float(logs["g_loss"]) > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, g.get_weights()))


def test_feature_matching_refuses_conditional_models():
    with pytest.raises(ValueError, match="unconditional"):
        remedies.FeatureMatchingSteps(models.build_conditional_generator(), models.build_conditional_discriminator(),
                                      keras.optimizers.Adam(), keras.optimizers.Adam())


def test_batchnorm_mlp_generator_shape_and_layers():
    g = remedies.build_batchnorm_mlp_generator(latent_dim=8, hidden=(16, 32))
    assert g.output_shape == (None, 28, 28, 1)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in g.layers) == 2


def test_wgan_generator_parameter_count():
    # Dense 100->6272 (no bias) + BN, ConvT 128->64, BN, ConvT 64->32, BN, ConvT 32->1; kernels 5x5, no biases
    expected = 100 * 6272 + 4 * 6272 + 25 * 128 * 64 + 4 * 64 + 25 * 64 * 32 + 4 * 32 + 25 * 32
    assert models.build_wgan_generator().count_params() == expected == 909_472


def test_jsd_saturates_and_w1_grows_with_distance():
    xs = np.linspace(-3, 13, 16001)
    p = gaussian_pdf(xs, 0.0, 0.1)
    for shift in (2.0, 5.0, 10.0):
        q = gaussian_pdf(xs, shift, 0.1)
        assert divergences.jensen_shannon(p, q, xs) == pytest.approx(np.log(2), abs=1e-6)
        assert divergences.wasserstein_1(p, q, xs) == pytest.approx(shift, rel=1e-3)
    q = gaussian_pdf(xs, 0.05, 0.1)
    assert divergences.jensen_shannon(p, q, xs) == pytest.approx(divergences.jensen_shannon(q, p, xs))
    assert divergences.jensen_shannon(p, p, xs) == pytest.approx(0.0, abs=1e-12)


def test_divergences_refuse_an_empty_density():
    xs = np.linspace(0, 1, 11)
    with pytest.raises(ValueError, match="positive mass"):
        divergences.jensen_shannon(np.zeros(11), np.ones(11), xs)


def test_balanced_subset_and_a_short_classifier_run():
    from gan_utils import synthetic
    from gan_utils.data import load_mnist

    x, y = load_mnist(split="test")
    images, labels = synthetic.balanced_subset(x, y, per_class=5, seed=1)
    assert images.shape == (50, 28, 28) and (np.bincount(labels, minlength=10) == 5).all()
    again, _ = synthetic.balanced_subset(x, y, per_class=5, seed=1)
    assert np.array_equal(images, again)
    with pytest.raises(ValueError, match="requested"):
        synthetic.balanced_subset(x[:20], y[:20], per_class=5)
    reseed(0)  # train_classifier_on sets the global seeds (a known leak, see synthetic.py): restored after this test
    model = synthetic.train_classifier_on(images, labels, steps=3, batch_size=16)
    assert model.output_shape == (None, 10)


def test_auxiliary_classifier_loss_golden_value():
    logits = tf.constant([[0.0, 0.0], [np.log(3.0), 0.0]])   # softmax: (1/2, 1/2), (3/4, 1/4)
    expected = -(np.log(0.5) + np.log(0.25)) / 2             # labels 0 and 1
    assert float(losses.auxiliary_classifier_loss(tf.constant([0, 1]), logits)) == pytest.approx(expected, rel=1e-6)


def test_auxiliary_classifier_steps_one_step_each():
    from gan_utils.conditional import AuxiliaryClassifierSteps

    g, d = models.build_conditional_generator(), models.build_conditional_discriminator()
    steps = AuxiliaryClassifierSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=0)
    real = np.random.default_rng(0).uniform(-1, 1, size=(6, 28, 28, 1)).astype("float32")
    labels = np.arange(6, dtype="int32")
    head_before = d.get_layer("class_logits").get_weights()[0].copy()
    d_logs = steps.d_step(real, labels)
    g_logs = steps.g_step(6)
    assert {"d_class_loss", "d_real_class_accuracy"} <= set(d_logs) and "g_class_loss" in g_logs
    assert all(np.isfinite(float(v)) for v in {**d_logs, **g_logs}.values())
    assert not np.array_equal(head_before, d.get_layer("class_logits").get_weights()[0])
    with pytest.raises(ValueError, match="class_logits"):
        AuxiliaryClassifierSteps(g, models.build_conditional_discriminator(auxiliary_classifier=False),
                                 keras.optimizers.Adam(), keras.optimizers.Adam())


def tiny_mlp_steps(steps_class=None, **kwargs):
    from gan_utils.train import GANSteps

    reseed(0, deterministic=True)
    g = models.build_mlp_generator(latent_dim=4, hidden=(8,), output_shape=(2,))
    d = models.build_mlp_discriminator(input_shape=(2,), hidden=(8,))
    return (steps_class or GANSteps)(g, d, keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05), **kwargs)


def test_instance_noise_anneals_and_only_touches_what_d_sees_in_training():
    steps = tiny_mlp_steps(remedies.InstanceNoiseSteps, noise_std=0.5, anneal_iterations=4)
    zeros = tf.zeros((4096, 2))
    stds = []
    for _ in range(5):
        stds.append(float(steps.current_std()))
        steps.g_optimizer.iterations.assign_add(1)
    assert stds == pytest.approx([0.5, 0.375, 0.25, 0.125, 0.0])
    steps.g_optimizer.iterations.assign(0)
    clean = steps.discriminator(zeros, training=False).numpy()
    np.testing.assert_array_equal(steps.discriminate(zeros, training=False).numpy(), clean)
    # in training, D's input is the image plus N(0, 0.5²): recover the noise through a linear probe
    probe = remedies.InstanceNoiseSteps(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]),
                                        keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x)]),
                                        keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), noise_std=0.5)
    seen = probe.discriminate(zeros, training=True).numpy().astype("float32")  # NumPy sums bfloat16 in bfloat16
    assert seen.std() == pytest.approx(0.5, rel=0.05) and abs(seen.mean()) < 0.05


def test_instance_noise_steps_run_and_zero_noise_is_plain_gansteps():
    real = tf.constant(np.random.default_rng(2).normal(size=(16, 2)).astype("float32"))
    plain, quiet = tiny_mlp_steps(), tiny_mlp_steps(remedies.InstanceNoiseSteps, noise_std=0.0)
    for steps in (plain, quiet):
        steps.logs = [steps.d_step(real), steps.g_step(16)]
    for a, b in zip(plain.logs, quiet.logs):
        for key in a:
            assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-6)
    noisy = tiny_mlp_steps(remedies.InstanceNoiseSteps, noise_std=0.3)
    logs = {**noisy.d_step(real), **noisy.g_step(16)}
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert float(logs["d_loss"]) != pytest.approx(float(plain.logs[0]["d_loss"]), rel=1e-6)
    with pytest.raises(ValueError, match="noise_std"):
        tiny_mlp_steps(remedies.InstanceNoiseSteps, noise_std=-1)


def _ring_nets(seed=0):
    from gan_utils import toy
    from tests.seeding import reseed

    reseed(seed)
    return toy.build_ring_generator(latent_dim=8, hidden=(16,)), toy.build_ring_discriminator(hidden=(16, 16), activation="tanh")


def test_unrolled_parameters_are_what_d_s_own_adam_would_reach():
    """The unrolled D is D after k real Adam steps (same moments, same step count, same data), D itself unchanged."""
    from gan_utils import data
    from gan_utils.remedies import UnrolledSteps

    g, d = _ring_nets()
    steps = UnrolledSteps(g, d, keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-2, beta_1=0.5),
                          unroll=3, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(4):                       # moments and step count that are not zero
        steps.d_step(data.sample_ring(32, rng=rng))
    real = tf.constant(data.sample_ring(32, rng=rng))
    fake = steps.generate(steps.noise(32))
    before = [v.numpy().copy() for v in d.trainable_variables]
    unrolled = [p.numpy() for p in steps.unrolled_parameters(real, fake)]
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, d.trainable_variables))
    for _ in range(3):                        # now really take the three steps
        with tf.GradientTape() as tape:
            loss = steps.d_loss_fn(d(real, training=True), d(fake, training=True))
        grads = tape.gradient(loss, d.trainable_variables)
        steps.d_optimizer.apply_gradients(zip(grads, d.trainable_variables))
    for got, want in zip(unrolled, d.trainable_variables):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)
    assert max(np.abs(u - b).max() for u, b in zip(unrolled, before)) > 1e-3   # it did move


def test_unrolled_generator_step_differs_from_the_plain_one_only_when_unrolled():
    from gan_utils import data
    from gan_utils.remedies import UnrolledSteps
    from gan_utils.train import GANSteps

    moved = {}
    for unroll in (0, 5):
        g, d = _ring_nets()
        steps = UnrolledSteps(g, d, keras.optimizers.SGD(0.1), keras.optimizers.Adam(1e-2, beta_1=0.5), unroll=unroll,
                              seed=0)
        plain_g, plain_d = _ring_nets()
        plain = GANSteps(plain_g, plain_d, keras.optimizers.SGD(0.1), keras.optimizers.Adam(1e-2, beta_1=0.5), seed=0)
        for s in (steps, plain):
            rng = np.random.default_rng(1)
            for _ in range(3):
                s.d_step(data.sample_ring(64, rng=rng))
            s.g_step(64)
        moved[unroll] = max(np.abs(a.numpy() - b.numpy()).max()
                            for a, b in zip(g.trainable_variables, plain_g.trainable_variables))
    assert moved[0] < 1e-6 and moved[5] > 1e-4, moved


def test_distance_generator_losses_vanish_only_on_equal_samples():
    from gan_utils.remedies import energy_distance, gaussian_mmd2

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(200, 2)), tf.float32)
    for fn in (energy_distance, gaussian_mmd2):
        assert abs(float(fn(x, x))) < 1e-5
        assert float(fn(x, x + 0.5)) > 20 * abs(float(fn(x, tf.random.shuffle(x, seed=1))))
    # energy distance of two point masses at distance a: 2a
    assert float(energy_distance(tf.zeros((5, 2)), tf.fill((5, 2), 1.0))) == pytest.approx(2 * np.sqrt(2), rel=1e-4)


def test_ring_quality_counts_as_veegan_does():
    from gan_utils import data

    ring = data.sample_ring(10_000, rng=0)
    q = data.ring_quality(ring)
    assert q["modes"] == 8 and 0.985 < q["high_quality"] < 0.993 and q["near"] == 1.0   # 1 - exp(-4.5) = 0.989
    two_blobs = np.concatenate([ring[:5000] * 0 + data.ring_centers()[0], ring[5000:] * 1.05])
    q = data.ring_quality(two_blobs)
    assert q["modes"] == 1 and q["high_quality"] == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="shape"):
        data.ring_quality(np.zeros((3, 3)))


def test_compiled_ring_loop_takes_the_steps_it_says_and_snapshots_on_schedule():
    from gan_utils import data, toy
    from gan_utils.train import GANSteps

    g, d = _ring_nets()
    steps = GANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=0)
    out = toy.train_on_ring(steps, 7, batch_size=16, d_steps=2, snapshot_every=3, n_snapshot=50, seed=0)
    assert out["iteration"] == [0, 3, 6, 7] and len(out["modes"]) == len(out["high_quality"]) == len(out["near"]) == 4
    assert out["high_quality"][0] == data.ring_quality(out["points"][0])["high_quality"]
    assert int(steps.g_optimizer.iterations.numpy()) == 7 and int(steps.d_optimizer.iterations.numpy()) == 14
    assert [p.shape for p in out["points"]] == [(50, 2)] * 4 and not np.array_equal(out["points"][0], out["points"][-1])
    with pytest.raises(ValueError, match="snapshot_every"):
        toy.train_on_ring(steps, 3, snapshot_every=0)


def test_a_distance_generator_moves_towards_the_ring():
    from gan_utils import data, toy
    from gan_utils.remedies import DistanceGeneratorSteps, energy_distance

    reseed(0)
    steps = DistanceGeneratorSteps(toy.build_ring_generator(latent_dim=8, hidden=(32, 32)), keras.optimizers.Adam(1e-2),
                                   distance="energy", seed=0)
    ring = tf.constant(data.sample_ring(500, rng=1))
    before = float(energy_distance(steps.generate(steps.noise(500)), ring))
    toy.train_on_ring(steps, 150, batch_size=128, snapshot_every=150, n_snapshot=10, seed=0)
    after = float(energy_distance(steps.generate(steps.noise(500)), ring))
    assert after < 0.3 * before, (before, after)
    with pytest.raises(ValueError, match="energy"):
        DistanceGeneratorSteps(toy.build_ring_generator(latent_dim=8), keras.optimizers.Adam(1e-2), distance="kl")


def test_every_ring_arm_builds_and_trains_a_few_iterations():
    from gan_utils import toy
    from tests.seeding import reseed

    for name in toy.RING_ARMS:
        reseed(0)
        steps, d_steps, batch = toy.ring_arm(name, seed=0, iterations=2)
        assert d_steps == (5 if name == "wgan_gp" else 1) and batch == (128 if name == "minibatch" else 256), name
        out = toy.train_on_ring(steps, 2, batch_size=32, d_steps=d_steps, snapshot_every=2, n_snapshot=20, seed=0)
        assert np.isfinite(out["points"][-1]).all() and not np.array_equal(out["points"][0], out["points"][-1]), name
    with pytest.raises(ValueError, match="unknown arm"):
        toy.ring_arm("vae")
