"""Progressive growing and the style-based generator (notebook 08): every layer against NumPy, save/load round
trips, shapes at every stage, the growth schedule, one-step smoke tests, and a run killed during a fade-in that
resumes bit-identically through the Trainer."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_utils
from gan_utils import models
from gan_utils import progressive as P
from gan_utils import style as S
from gan_utils.trainer import Trainer
from tests.seeding import reseed

gan_utils.set_seed(0, deterministic=True)

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


def tiny_progressive(latent_dim=4):
    reseed(3)
    return (P.build_progressive_generator(latent_dim, filters=(8, 4, 4)),
            P.build_progressive_discriminator(filters=(4, 4, 8)))


# -- layers against their formula -----------------------------------------------------------------------------
@pytest.mark.float32
def test_pixel_norm_matches_its_formula():
    for x in (normal(3, 5), normal(2, 4, 4, 6)):
        want = x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + 1e-8)
        np.testing.assert_allclose(P.PixelNorm()(x).numpy(), want, rtol=1e-5, atol=1e-6)


def numpy_minibatch_std(x, group_size):
    n = len(x)
    g = min(group_size, n)
    g = g if n % g == 0 else n
    m = n // g
    out = np.empty((n, *x.shape[1:-1], 1), "float64")
    for i in range(n):
        members = x[np.arange(n) % m == i % m].astype("float64")      # sample i is in group i mod (N/G)
        out[i] = np.sqrt(members.var(axis=0) + 1e-8).mean()
    return np.concatenate([x, out.astype("float32")], axis=-1)


@pytest.mark.float32
@pytest.mark.parametrize("n, group_size", [(8, 4), (6, 4), (2, 4), (5, 1)])
def test_minibatch_stddev_groups_and_formula(n, group_size):
    """8 in groups of 4 (2 groups, interleaved), 6 not divisible by 4 (one group), 2 < 4 (one group of 2), G = 1."""
    layer = P.MinibatchStdDev(group_size)
    x = normal(n, 3, 3, 2)
    want = numpy_minibatch_std(x, group_size)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5, atol=1e-6)
    unknown_batch = tf.function(layer, input_signature=[tf.TensorSpec((None, 3, 3, 2), tf.float32)])
    np.testing.assert_allclose(unknown_batch(x).numpy(), want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 3, 3, 2)) == (None, 3, 3, 3)


@pytest.mark.float32
def test_minibatch_stddev_sees_a_collapsed_batch():
    same = np.repeat(normal(1, 2, 2, 3), 8, axis=0)
    np.testing.assert_allclose(P.MinibatchStdDev()(same).numpy()[..., -1], 1e-4, rtol=1e-3)   # sqrt(0 + 1e-8)


@pytest.mark.float32
def test_equalized_dense_effective_weights_and_output():
    layer = P.EqualizedDense(3, gain=math.sqrt(2), lr_multiplier=0.1)
    x = normal(4, 5)
    layer(x)
    layer.bias.assign(np.array([1.0, -2.0, 0.5], "float32"))
    scale = math.sqrt(2) / math.sqrt(5) * 0.1
    np.testing.assert_allclose(layer.effective_kernel().numpy(), layer.kernel.numpy() * scale, rtol=1e-6)
    want = x @ (layer.kernel.numpy() * scale) + 0.1 * layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5, atol=1e-6)


def test_equalized_weights_are_stored_with_std_one_over_lr():
    layer = P.EqualizedDense(256, lr_multiplier=0.01)
    layer.build((None, 64))
    assert np.std(layer.kernel.numpy()) == pytest.approx(100.0, rel=0.03)     # N(0, 1/lr²)
    assert np.std(layer.effective_kernel().numpy()) == pytest.approx(math.sqrt(2 / 64), rel=0.03)   # He


def numpy_conv_same(x, kernel):
    k = kernel.shape[0]
    p = k // 2
    padded = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    h, w = x.shape[1:3]
    return sum(np.einsum("nhwc,cf->nhwf", padded[:, i:i + h, j:j + w], kernel[i, j]) for i in range(k) for j in range(k))


@pytest.mark.float32
def test_equalized_conv_effective_weights_and_output():
    layer = P.EqualizedConv2D(4, 3, gain=1.0)
    x = normal(2, 5, 5, 3)
    layer(x)
    layer.bias.assign(np.arange(4, dtype="float32"))
    scale = 1.0 / math.sqrt(3 * 3 * 3)
    np.testing.assert_allclose(layer.effective_kernel().numpy(), layer.kernel.numpy() * scale, rtol=1e-6)
    want = numpy_conv_same(x, layer.kernel.numpy() * scale) + np.arange(4)
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-4, atol=1e-5)


@pytest.mark.float32
@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_fade_in_blends(alpha):
    old, new = normal(2, 4, 4, 1), normal(2, 4, 4, 1)
    layer = P.FadeIn()
    layer([old, new])
    layer.alpha.assign(alpha)
    np.testing.assert_allclose(layer([old, new]).numpy(), (1 - alpha) * old + alpha * new, rtol=1e-6, atol=1e-7)


@pytest.mark.float32
def test_adain_matches_its_formula():
    x, w = normal(2, 4, 4, 3), normal(2, 5)
    layer = S.AdaIN()
    layer([x, w])
    layer.affine.kernel.assign(normal(5, 6))
    layer.affine.bias.assign(normal(6))
    style = w @ layer.affine.effective_kernel().numpy() + layer.affine.bias.numpy()     # gain 1, lr 1
    gamma, beta = style[:, None, None, :3], style[:, None, None, 3:]
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    want = (1 + gamma) * (x - mean) / np.sqrt(var + 1e-8) + beta
    np.testing.assert_allclose(layer([x, w]).numpy(), want, rtol=1e-4, atol=1e-5)
    picker = S.AdaIN(style_index=2)                 # (N, layers, w_dim) input: row 2 is this layer's w
    ws = np.stack([normal(2, 5), normal(2, 5), w], axis=1)
    picker([x, ws])
    picker.set_weights(layer.get_weights())
    np.testing.assert_allclose(picker([x, ws]).numpy(), want, rtol=1e-4, atol=1e-5)


@pytest.mark.float32
def test_noise_injection_given_and_drawn():
    x, noise = normal(2, 4, 4, 3), normal(2, 4, 4, 1)
    layer = S.NoiseInjection(seed=7)
    np.testing.assert_array_equal(layer(x).numpy(), x)             # scale 0 at first
    layer.scale.assign([0.5, -1.0, 2.0])
    np.testing.assert_allclose(layer([x, noise]).numpy(), x + np.array([0.5, -1.0, 2.0]) * noise, rtol=1e-6)
    first, second = layer(x).numpy(), layer(x).numpy()
    assert not np.allclose(first, second)                          # a new draw at each call
    drawn = (first - x) / np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(drawn, drawn[..., :1].repeat(3, axis=-1), rtol=1e-4, atol=1e-5)   # one map, all channels
    again = S.NoiseInjection(seed=7)
    again(x)
    again.scale.assign([0.5, -1.0, 2.0])
    np.testing.assert_allclose(again(x).numpy(), first, rtol=1e-6)   # same seed, same noise


@pytest.mark.float32
def test_constant_input_is_tiled_over_the_batch():
    layer = S.ConstantInput((7, 7, 3))
    out = layer(normal(5, 4)).numpy()
    assert out.shape == (5, 7, 7, 3)
    for row in out:
        np.testing.assert_array_equal(row, layer.const.numpy())


@pytest.mark.float32
@pytest.mark.parametrize("psi", [0.0, 0.5, 1.0])
def test_truncation_formula_and_average_update(psi):
    w, w_avg = normal(4, 3), normal(3)
    layer = S.Truncation()
    layer(w)
    layer.w_avg.assign(w_avg)
    layer.psi.assign(psi)
    np.testing.assert_allclose(layer(w).numpy(), w_avg + psi * (w - w_avg), rtol=1e-6, atol=1e-6)
    layer.update(w)
    np.testing.assert_allclose(layer.w_avg.numpy(), 0.995 * w_avg + 0.005 * w.mean(axis=0), rtol=1e-5, atol=1e-7)


def test_real_images_are_pooled_and_blended_like_the_generator():
    x = normal(2, 28, 28, 1)
    pool = lambda a: a.reshape(len(a), a.shape[1] // 2, 2, a.shape[2] // 2, 2, 1).mean(axis=(2, 4))  # noqa: E731
    up = lambda a: a.repeat(2, axis=1).repeat(2, axis=2)                                              # noqa: E731
    np.testing.assert_allclose(P.real_at_stage(x, 0, 0.7).numpy(), pool(pool(x)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(P.real_at_stage(x, 1, 0.3).numpy(), 0.7 * up(pool(pool(x))) + 0.3 * pool(x),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(P.real_at_stage(x, 2, 1.0).numpy(), x, rtol=1e-6)


# -- save / load -------------------------------------------------------------------------------------------
def _one_layer_model(name):
    if name in ("pixel_norm", "minibatch_std", "dense", "conv"):
        x = keras.Input((4, 4, 3))
        layer = {"pixel_norm": P.PixelNorm(), "minibatch_std": P.MinibatchStdDev(2),
                 "dense": P.EqualizedDense(5, lr_multiplier=0.5), "conv": P.EqualizedConv2D(2, 3, gain=1.0)}[name]
        return keras.Model(x, layer(x)), [normal(4, 4, 4, 3)]
    if name == "fade_in":
        a, b = keras.Input((4, 4, 1)), keras.Input((4, 4, 1))
        model = keras.Model([a, b], P.FadeIn(name="fade")([a, b]))
        model.get_layer("fade").alpha.assign(0.3)
        return model, [normal(2, 4, 4, 1), normal(2, 4, 4, 1)]
    if name in ("adain", "noise"):
        x, other = keras.Input((4, 4, 3)), keras.Input((5,) if name == "adain" else (4, 4, 1))
        layer = S.AdaIN(name="l") if name == "adain" else S.NoiseInjection(seed=1, name="l")
        model = keras.Model([x, other], layer([x, other]))
        model.get_layer("l").set_weights([normal(*w.shape) for w in model.get_layer("l").get_weights()])
        return model, [normal(2, 4, 4, 3), normal(2, 5) if name == "adain" else normal(2, 4, 4, 1)]
    w = keras.Input((3,))
    if name == "constant":
        return keras.Model(w, S.ConstantInput((2, 2, 3))(w)), [normal(3, 3)]
    model = keras.Model(w, S.Truncation(name="t")(w))
    model.get_layer("t").w_avg.assign(normal(3))
    model.get_layer("t").psi.assign(0.5)
    return model, [normal(4, 3)]


@pytest.mark.parametrize("name", ["pixel_norm", "minibatch_std", "dense", "conv", "fade_in", "adain", "noise",
                                  "constant", "truncation"])
def test_layers_survive_save_and_load(tmp_path, name):
    model, inputs = _one_layer_model(name)
    model.save(tmp_path / "x.keras")
    loaded = keras.models.load_model(tmp_path / "x.keras")
    inputs = inputs if len(inputs) > 1 else inputs[0]
    np.testing.assert_array_equal(loaded(inputs).numpy(), model(inputs).numpy())


# -- networks ------------------------------------------------------------------------------------------------
@pytest.mark.float32
def test_progressive_networks_at_every_stage():
    g, d = tiny_progressive()
    steps = P.ProgressiveGANSteps(g, d, keras.optimizers.Adam(), keras.optimizers.Adam())
    z = normal(3, 4)
    x = normal(3, 28, 28, 1)
    for stage in range(3):
        size = 7 * 2 ** stage
        g_s, d_s = P.generator_at_stage(g, stage), P.discriminator_at_stage(d, stage)
        assert g_s.output_shape == (None, size, size, 1) and d_s.input_shape == (None, size, size, 1)
        steps.set_growth(stage, 0.3)
        native = g_s(z).numpy()
        assert g(z).shape == (3, 28, 28, 1)                                   # what the Trainer samples
        np.testing.assert_allclose(g(z).numpy(), native.repeat(28 // size, 1).repeat(28 // size, 2), atol=1e-6)
        pooled = tf.nn.avg_pool2d(x, 28 // size, 28 // size, "VALID")        # full D = stage D on pooled images
        np.testing.assert_allclose(d(x).numpy(), d_s(pooled).numpy(), rtol=1e-4, atol=1e-5)
    assert np.all(np.abs(g(z).numpy()) <= 1)
    assert P.build_progressive_generator(4, (4, 4, 4), pixel_norm=False, equalized=False).output_shape == (None, 28, 28, 1)
    assert P.build_progressive_discriminator((4, 4, 4), minibatch_std=False, equalized=False).output_shape == (None, 1)


def test_the_growth_schedule():
    schedule = P.GrowthSchedule(stage_iterations=10, fade_iterations=4)
    want = {0: (0, 1.0), 9: (0, 1.0), 10: (1, 0.0), 11: (1, 0.25), 13: (1, 0.75), 14: (1, 1.0), 23: (1, 1.0),
            24: (2, 0.0), 26: (2, 0.5), 28: (2, 1.0), 10 ** 6: (2, 1.0)}
    assert {i: schedule(i) for i in want} == want
    assert schedule.total_iterations == 3 * 10 + 2 * 4
    assert P.GrowthSchedule(5, 0)(5) == (1, 1.0)          # no fade-in: the new stage at once
    for args, message in [((0, 4), "stage_iterations must be an integer >= 1"), ((5, -1), "fade_iterations"),
                          ((5, 2.5), "fade_iterations")]:
        with pytest.raises(ValueError, match=message):
            P.GrowthSchedule(*args)


def test_arguments_are_checked_with_a_sentence():
    cases = [(lambda: P.build_progressive_generator(filters=(8, 8)), "filters must be 3 positive integers"),
             (lambda: P.MinibatchStdDev(0), "group_size must be an integer >= 1"),
             (lambda: P.EqualizedConv2D(4, 3, padding="full"), "padding must be 'same' or 'valid'"),
             (lambda: P.FadeIn(1.5), "alpha must be between 0 and 1"),
             (lambda: P.generator_at_stage(models.build_mlp_generator(), 3), "stage must be an integer from 0"),
             (lambda: S.Truncation(decay=1.0), "decay must be in"),
             (lambda: S.ConstantInput((7, 7)), "shape must be 3 positive integers"),
             (lambda: P.ProgressiveGANSteps(models.build_mlp_generator(latent_dim=4, hidden=(8,)),
                                            models.build_mlp_discriminator(hidden=(8,)), keras.optimizers.Adam(),
                                            keras.optimizers.Adam()), "build_progressive_generator")]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()


@pytest.fixture(scope="module")
def style_generator():
    reseed(4)
    return S.build_style_generator(latent_dim=4, w_dim=6, filters=(8, 4, 4), mapping_layers=2, name="tiny_style")


def test_style_generator_parts_and_shapes(style_generator):
    mapping, truncation, synthesis = S.style_parts(style_generator)
    assert style_generator.output_shape == (None, 28, 28, 1) and style_generator.get_layer("truncation") is truncation
    assert mapping.output_shape == (None, 6) and synthesis.input_shape == (None, 6, 6)
    assert S.noise_shapes(synthesis) == [(7, 7, 1), (7, 7, 1), (14, 14, 1), (14, 14, 1), (28, 28, 1), (28, 28, 1)]
    assert S.build_mapping_network(8, 5, layers=3).output_shape == (None, 5)
    out = style_generator(normal(3, 4)).numpy()
    assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32 and np.all(np.abs(out) <= 1)


def test_truncation_to_psi_zero_gives_one_image_and_refuses_other_generators(style_generator):
    S.update_w_avg(style_generator, normal(8, 6))
    try:
        S.set_truncation(style_generator, 0.0)             # every z -> w_avg; noise scales are 0 at first
        out = style_generator(normal(3, 4)).numpy()
        np.testing.assert_allclose(out, np.repeat(out[:1], 3, axis=0), atol=1e-6)
    finally:
        S.set_truncation(style_generator, 1.0)
    assert S.has_truncation(style_generator) and not S.has_truncation(models.build_mlp_generator())
    with pytest.raises(ValueError, match=r"has no mapping network/truncation layer: --truncation needs a style-based "
                                         r"generator such as data/pretrained/style_gan.keras \(notebook 08\)"):
        S.set_truncation(models.build_mlp_generator(), 0.7)
    with pytest.raises(ValueError, match="psi must be a finite number"):
        S.set_truncation(style_generator, float("nan"))


def test_style_mixing_ends_are_the_plain_images(style_generator):
    synthesis = style_generator.get_layer("synthesis")
    for i in range(6):
        synthesis.get_layer(f"noise_injection_{i}").scale.assign(np.full(
            synthesis.get_layer(f"noise_injection_{i}").scale.shape, 0.3, "float32"))
    with_noise = S.synthesis_with_noise(synthesis)
    noise = S.draw_noise(synthesis, 2, seed=1)
    w_a, w_b = normal(2, 6), normal(2, 6)

    def plain(w):
        return with_noise([np.repeat(w[:, None], 6, axis=1), *noise]).numpy()

    np.testing.assert_allclose(S.style_mixing(with_noise, w_a, w_b, 0, noise).numpy(), plain(w_b), atol=1e-6)
    np.testing.assert_allclose(S.style_mixing(with_noise, w_a, w_b, 6, noise).numpy(), plain(w_a), atol=1e-6)
    middle = S.style_mixing(with_noise, w_a, w_b, 3, noise).numpy()
    assert not np.allclose(middle, plain(w_a)) and not np.allclose(middle, plain(w_b))
    other_noise = with_noise([np.repeat(w_a[:, None], 6, axis=1), *S.draw_noise(synthesis, 2, seed=2)]).numpy()
    assert not np.allclose(other_noise, plain(w_a))                 # same w, other noise: other details
    with pytest.raises(ValueError, match="crossover must be an integer from 0 to 6"):
        S.style_mixing(with_noise, w_a, w_b, 7, noise)


def test_the_style_generator_saves_and_loads_with_its_truncation(tmp_path, style_generator):
    S.set_truncation(style_generator, 0.5)
    try:
        style_generator.save(tmp_path / "style.keras")
    finally:
        S.set_truncation(style_generator, 1.0)
    loaded = keras.models.load_model(tmp_path / "style.keras")
    assert float(loaded.get_layer("truncation").psi.numpy()) == 0.5
    ws, noise = normal(2, 6, 6), S.draw_noise(loaded.get_layer("synthesis"), 2)
    got = S.synthesis_with_noise(loaded.get_layer("synthesis"))([ws, *noise]).numpy()
    want = S.synthesis_with_noise(style_generator.get_layer("synthesis"))([ws, *noise]).numpy()
    np.testing.assert_array_equal(got, want)


# -- training ---------------------------------------------------------------------------------------------------
def _weights(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def test_one_progressive_step_trains_only_the_current_stage():
    g, d = tiny_progressive()
    steps = P.ProgressiveGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=1)
    steps.set_growth(1, 0.5)
    before = {name: _weights(model.get_layer(name)) for model, name in
              [(g, "g_block_1"), (g, "g_block_2"), (d, "d_block_1"), (d, "d_block_2")]}
    logs = {**steps.d_step(tf.constant(normal(8, 28, 28, 1))), **steps.g_step(8)}
    assert np.isfinite([float(v) for v in logs.values()]).all() and {"d_loss", "g_loss"} <= set(logs)
    model_of = {"g_block_1": g, "g_block_2": g, "d_block_1": d, "d_block_2": d}
    moved = {name: any(not np.array_equal(a, b) for a, b in zip(old, _weights(model_of[name].get_layer(name))))
             for name, old in before.items()}
    assert moved == {"g_block_1": True, "g_block_2": False, "d_block_1": True, "d_block_2": False}
    assert float(g.get_layer("fade_in_1").alpha.numpy()) == 0.5 and float(d.get_layer("fade_in_2").alpha.numpy()) == 0.0
    average = keras.models.clone_model(g)   # like the Trainer's moving average of G, whose fade-in α get averaged
    average.set_weights(g.get_weights())
    average.get_layer("fade_in_1").alpha.assign(0.9)
    z = normal(2, 4)
    np.testing.assert_array_equal(steps.preview(average, z), g(z).numpy())      # preview writes the current α first


def test_one_style_gan_step_updates_both_networks_and_w_avg():
    reseed(6)
    g = S.build_style_generator(latent_dim=4, w_dim=6, filters=(8, 4, 4), mapping_layers=2)
    d = models.build_mlp_discriminator(hidden=(8,))      # any 28×28 discriminator (a small graph traces faster)
    steps = S.StyleGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=2)
    g_before, d_before = _weights(g), _weights(d)
    mapping_before = _weights(g.get_layer("mapping"))
    logs = {**steps.d_step(tf.constant(normal(8, 28, 28, 1))), **steps.g_step(8)}
    assert np.isfinite([float(v) for v in logs.values()]).all()
    for old, model in [(g_before, g), (d_before, d), (mapping_before, g.get_layer("mapping"))]:
        assert any(not np.array_equal(a, b) for a, b in zip(old, _weights(model))), model.name
    assert np.abs(g.get_layer("truncation").w_avg.numpy()).sum() > 0       # 0.005 · mean w after one step
    with pytest.raises(ValueError, match="mixing_probability must be between 0 and 1"):
        S.StyleGANSteps(g, d, keras.optimizers.Adam(), keras.optimizers.Adam(), mixing_probability=2)


def test_a_run_killed_during_a_fade_in_resumes_bit_identically(tmp_path):
    """3 + 2 iterations (stopped at α = 0.25 of the 14×14 fade-in) give the state of 5 straight (α = 0.75)."""
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)

    def steps():
        reseed(5, deterministic=True)
        g, d = tiny_progressive()
        return P.ProgressiveGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), seed=5,
                                     schedule=P.GrowthSchedule(stage_iterations=2, fade_iterations=4))

    def state(trainer):
        s = trainer.steps
        return [w for m in (s.generator, s.discriminator) for w in m.get_weights()] + \
            [v.numpy() for v in s.g_optimizer.variables + s.d_optimizer.variables]

    first = Trainer(steps(), out_dir=tmp_path / "a", seed=5, num_samples=4)
    first.fit(images, iterations=3, batch_size=16)
    assert (int(first.steps.stage.numpy()), float(first.steps.alpha.numpy())) == (1, 0.25)
    resumed = Trainer(steps(), out_dir=tmp_path / "a", seed=5, num_samples=4)   # a new process
    assert (int(resumed.steps.stage.numpy()), float(resumed.steps.alpha.numpy())) == (1, 0.25)   # from the checkpoint
    assert float(resumed.steps.generator.get_layer("fade_in_1").alpha.numpy()) == 0.25
    resumed.fit(images, iterations=5, batch_size=16)
    straight = Trainer(steps(), out_dir=tmp_path / "b", seed=5, num_samples=4)
    straight.fit(images, iterations=5, batch_size=16)
    assert float(resumed.steps.alpha.numpy()) == float(straight.steps.alpha.numpy()) == 0.75
    assert len(resumed.history["d_loss"]) == 5
    for a, b in zip(state(resumed), state(straight)):
        np.testing.assert_array_equal(a, b)
    assert resumed.fixed_samples().shape == (4, 28, 28, 1)      # the live grid: 28×28 at every stage
    functions = straight.steps._functions                         # D and G of stages 0 and 1: α moved at every
    assert len(functions) == 4 and all(f.experimental_get_tracing_count() == 1 for f in functions.values())  # step


def test_the_trainer_checkpoints_w_avg_psi_and_the_noise_state(tmp_path):
    def steps():
        reseed(6)
        g = S.build_style_generator(latent_dim=4, w_dim=6, filters=(8, 4, 4), mapping_layers=2)
        return S.StyleGANSteps(g, models.build_mlp_discriminator(hidden=(8,)), keras.optimizers.Adam(),
                               keras.optimizers.Adam())

    first = Trainer(steps(), out_dir=tmp_path)
    S.update_w_avg(first.steps.generator, normal(8, 6))
    S.set_truncation(first.steps.generator, 0.7)
    first.steps.generator(normal(2, 4))                     # draws noise: moves the layers' seed states
    first.save()
    again = Trainer(steps(), out_dir=tmp_path)               # a new process resuming from the checkpoint
    for a, b in [(first.steps.truncation.w_avg, again.steps.truncation.w_avg),
                 (first.steps.truncation.psi, again.steps.truncation.psi)]:
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert float(again.steps.truncation.psi.numpy()) == pytest.approx(0.7)
    seeds = [[v.numpy() for v in t.steps.generator.non_trainable_variables if "seed" in v.path] for t in (first, again)]
    assert len(seeds[0]) == 6 and all(np.array_equal(a, b) for a, b in zip(*seeds))
    fresh = [v.numpy() for v in steps().generator.non_trainable_variables if "seed" in v.path]
    assert not any(np.array_equal(a, b) for a, b in zip(fresh, seeds[1]))        # restored, not merely re-seeded
