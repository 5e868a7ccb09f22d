"""Pieces of notebook 10 (issue #19): mode-specific normalisation, the tabular GAN's layout and one step, the
privacy and utility checks on known cases, spectra, and the time-series GAN and its scores."""
import keras
import numpy as np
import pytest

import gan_utils
from gan_utils import privacy, sequences, spectra, tabular
from tests.seeding import reseed



def two_bumps(n=600, seed=0):
    rng = np.random.default_rng(seed)
    a = np.where(rng.uniform(size=n) < 0.3, rng.normal(-5, 0.5, n), rng.normal(10, 1.0, n))
    return np.stack([a, rng.normal(100, 20, n)], axis=1)


def test_normalizer_round_trip_and_modes():
    x = two_bumps()
    norm = tabular.ModeSpecificNormalizer(seed=0).fit(x)
    rows = norm.transform(x)
    assert rows.shape == (600, norm.width) and norm.segments[0] == ("alpha", 1)
    assert norm.segments[1][1] >= 2                                # the two-bump column keeps >= 2 modes
    assert np.all(np.abs(rows[:, 0]) <= 0.99)
    np.testing.assert_allclose(norm.inverse_transform(rows), x, rtol=1e-5, atol=1e-4)
    # a row far out in a mode's tail comes back inside the fitted range (no impossible values), unless asked
    tail = rows[:1].copy()
    alpha2 = 1 + norm.segments[1][1]                               # layout: α1, β1 (k1 values), α2, β2
    tail[0, alpha2] = 1.0                                          # second column's α at its maximum (+4σ) ...
    tail[0, alpha2 + 1:] = 0.0
    tail[0, alpha2 + 1 + int(np.argmax(norm.columns[1]["means"]))] = 1.0   # ... of its highest mode
    assert norm.inverse_transform(tail)[0, 1] == pytest.approx(x[:, 1].max())
    assert norm.inverse_transform(tail, clip=False)[0, 1] > x[:, 1].max()
    with pytest.raises(ValueError, match="fitted on 2 columns"):
        norm.transform(x[:, :1])
    with pytest.raises(ValueError, match="NaN"):
        tabular.ModeSpecificNormalizer().fit(np.array([[1.0], [np.nan]]))


def test_tabular_gan_layout_and_one_step():
    from gan_utils.train import GANSteps

    x, y, names = tabular.load_breast_cancer_table()
    assert x.shape == (569, 30) and len(names) == 30 and set(np.unique(y)) == {0, 1}
    norm = tabular.ModeSpecificNormalizer(max_modes=3).fit(x[:, :4])
    rows = norm.transform(x[:, :4])
    reseed(0, deterministic=True)
    g = tabular.build_tabular_generator(norm.segments, latent_dim=8)
    d = tabular.build_tabular_discriminator(norm.width)
    out = g([np.zeros((5, 8), "float32"), np.array([0, 1, 0, 1, 1], "int32")]).numpy()
    start = 0
    for kind, width in norm.segments:                              # tanh for α, softmax for β
        piece = out[:, start:start + width]
        assert np.all(np.abs(piece) < 1) if kind == "alpha" else np.allclose(piece.sum(1), 1, atol=1e-5)
        start += width
    steps = GANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), num_classes=2)
    history = tabular.train_tabular_gan(steps, rows, y, iterations=3, batch_size=32)
    assert len(history["g_loss"]) == 3 and all(np.isfinite(history["d_loss"]))
    synthetic, labels = tabular.sample_table(g, norm, 50, class_shares=[0.4, 0.6])
    assert synthetic.shape == (50, 4) and set(np.unique(labels)) <= {0, 1}


def test_privacy_checks_on_known_cases():
    rng = np.random.default_rng(0)
    members, non_members = rng.normal(size=(200, 5)), rng.normal(size=(200, 5))
    copies = members + 1e-6                                       # a generator that memorised its data
    independent = rng.normal(size=(200, 5))                      # one that learned the distribution only
    assert privacy.membership_inference_auc(members, non_members, copies) == pytest.approx(1.0)
    assert abs(privacy.membership_inference_auc(members, non_members, independent) - 0.5) < 0.08
    assert privacy.distance_to_closest_record(copies, members).max() < 1e-4
    assert privacy.distance_to_closest_record(non_members, members).min() > 1e-3
    assert privacy.correlation_gap(members, members) == 0.0
    correlated = np.column_stack([members[:, 0], members[:, 0] + 0.1 * members[:, 1]])
    assert privacy.correlation_gap(correlated, members[:, :2]) > 0.9


def test_utility_train_on_one_table_test_on_another():
    x, y, _ = tabular.load_breast_cancer_table()
    result = privacy.train_synthetic_test_real(x[:400], y[:400], x[400:], y[400:])
    assert result["accuracy"] > 0.9 and result["roc_auc"] > 0.95  # logistic regression on this table
    with pytest.raises(ValueError, match="single class"):
        privacy.train_synthetic_test_real(x[:10], np.zeros(10), x, y)


def test_spectra():
    checker = np.indices((28, 28)).sum(axis=0) % 2 * 255.0         # pure highest-frequency pattern
    smooth = np.exp(-((np.indices((28, 28)) - 13.5) ** 2).sum(0) / 40.0) * 255
    assert spectra.high_frequency_share(checker[None]) > 0.99
    assert spectra.high_frequency_share(smooth[None]) < 0.01
    spectrum = spectra.average_log_spectrum(np.stack([checker, smooth])[..., None])
    assert spectrum.shape == (28, 28) and spectrum[0, 0] > spectrum[14, 15]


def test_per_series_noise_is_constant_along_the_series_and_the_per_step_logits_are_averaged():
    g = sequences.build_sequence_generator(length=6, noise_dim=3, global_dim=2, units=4)
    assert tuple(g.inputs[0].shape) == (None, 6, 5)
    d = sequences.build_sequence_discriminator(length=6, units=4, per_step=True)
    steps = sequences.SequenceGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), global_dim=2)
    z = steps.noise(4).numpy()
    assert z.shape == (4, 6, 5)
    np.testing.assert_array_equal(z[:, :, 3:], np.repeat(z[:, :1, 3:], 6, axis=1))   # one draw per series
    assert np.std(z[:, :, :3], axis=1).min() > 0                                       # per-step noise varies
    assert len({tuple(row) for row in z[:, 0, 3:]}) == 4                               # series differ
    series = sequences.sine_series(8, length=6, seed=0)
    per_step = keras.Model(d.inputs, d.layers[-2].output)(series).numpy()              # (8, 6, 1) step logits
    np.testing.assert_allclose(d(series).numpy()[:, 0], per_step[:, :, 0].mean(axis=1), rtol=1e-5, atol=1e-6)
    history = sequences.train_sequence_gan(steps, sequences.sine_series(32, length=6, seed=1), iterations=2, batch_size=8)
    assert np.isfinite(history["g_loss"]).all()
    with pytest.raises(ValueError, match="global_dim"):
        sequences.SequenceGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), global_dim=6)
    only_series = sequences.SequenceGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), global_dim=5)
    z = only_series.noise(3).numpy()                                                    # every number once per series
    np.testing.assert_array_equal(z, np.repeat(z[:, :1], 6, axis=1))


def test_sequence_gan_step_and_scores():
    series = sequences.sine_series(256, length=12, seed=0)
    assert series.shape == (256, 12, 1) and np.abs(series).max() <= 1.0
    reseed(0, deterministic=True)
    g = sequences.build_sequence_generator(length=12, units=8)
    d = sequences.build_sequence_discriminator(length=12, units=8)
    steps = sequences.SequenceGANSteps(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    history = sequences.train_sequence_gan(steps, series, iterations=2, batch_size=64)
    assert len(history["d_loss"]) == 2 and tuple(steps.noise(3).shape) == (3, 12, 4)
    noise = np.random.default_rng(1).uniform(-1, 1, size=(256, 12, 1)).astype("float32")
    spotted, accuracy = sequences.discriminative_score(series, noise, iterations=300, units=8)
    assert spotted > 0.3 and spotted == pytest.approx(abs(accuracy - 0.5))      # white noise is easy to spot
    same, _ = sequences.discriminative_score(series[:128], sequences.sine_series(128, length=12, seed=5), iterations=300)
    assert same < 0.25                                                          # real vs real: near chance
    unit, unit_noise = (series + 1) / 2, (noise + 1) / 2                        # the forecaster writes values in [0, 1]
    assert sequences.predictive_score(unit, unit, iterations=1500, units=8) < 0.7 * sequences.predictive_score(
        unit_noise, unit, iterations=1500, units=8)


def test_timegan_sines_follow_the_reference_recipe():
    series = sequences.timegan_sines(2000, length=24, features=5, seed=0)
    assert series.shape == (2000, 24, 5) and series.dtype == np.float32
    assert series.min() >= 0.5 - 1e-6 and series.max() <= 1.0        # frequency and phase >= 0: the sines start rising
    # each feature is sin(f t + φ) with its own f ~ U(0, 0.1), φ ~ U(0, 0.1), mapped by (x + 1) / 2
    rng = np.random.default_rng(0)
    f, phi = rng.uniform(0, 0.1, (2000, 1, 5)), rng.uniform(0, 0.1, (2000, 1, 5))
    np.testing.assert_allclose(series[:3, :, :], ((np.sin(f * np.arange(24)[None, :, None] + phi) + 1) / 2)[:3], rtol=1e-6)
    c = np.corrcoef(series[:, -1, :].T)
    assert np.max(np.abs(c[np.triu_indices(5, 1)])) < 0.1                     # the five features are independent


def test_predictive_score_predicts_the_last_feature_from_the_others():
    # the last feature is a copy of the first one step later: readable from features 1..4, so the score is small;
    # scrambled (a random last feature), it is not
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (512, 10, 3)).astype("float32")
    x[:, 1:, 2] = x[:, :-1, 0]
    scrambled = x.copy()
    scrambled[:, :, 2] = rng.uniform(0, 1, (512, 10))
    assert sequences.predictive_score(x, x, iterations=1500, units=8) < 0.6 * sequences.predictive_score(
        scrambled, x, iterations=1500, units=8)


def test_train_on_arrays_refuses_bad_input_with_a_clear_message():
    from gan_utils.train import train_on_arrays

    series = sequences.sine_series(32, length=6, seed=0)
    steps = sequences.SequenceGANSteps(sequences.build_sequence_generator(length=6, units=4),
                                       sequences.build_sequence_discriminator(length=6, units=4),
                                       keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    with pytest.raises(ValueError, match="between 1 and the 32 rows"):
        train_on_arrays(steps, series, iterations=1, batch_size=64)
    with pytest.raises(ValueError, match="different lengths"):
        train_on_arrays(steps, (series, np.zeros(5)), iterations=1, batch_size=8)
    with pytest.raises(ValueError, match="unconditional one a single array"):
        train_on_arrays(steps, (series, np.zeros(32, "int32")), iterations=1, batch_size=8)
    history = train_on_arrays(steps, series, iterations=5, batch_size=8)   # spans two epochs of 4 batches
    assert len(history["g_loss"]) == 5


def test_gaussian_quantile_normalizer_gives_normal_marginals_and_round_trips():
    features, _, _ = tabular.load_breast_cancer_table()
    normalizer = tabular.GaussianQuantileNormalizer().fit(features)
    scores = normalizer.transform(features)
    assert scores.shape == features.shape and normalizer.width == 30 and normalizer.segments == [("normal", 30)]
    # every column without ties is close to N(0, 1), whatever its units and skew (six columns hold 13 patients at
    # exactly 0, a tie the quantiles cannot spread: those sit together at the lowest score)
    untied = np.array([np.sum(features[:, j] == features[:, j].min()) == 1 for j in range(30)])
    assert untied.sum() == 24
    np.testing.assert_allclose(scores[:, untied].mean(axis=0), 0, atol=0.05)
    np.testing.assert_allclose(np.median(scores, axis=0), 0, atol=0.05)
    assert np.all(np.abs(scores[:, untied].std(axis=0) - 1) < 0.1)
    assert np.all(scores[features[:, 6] == 0, 6] == scores[:, 6].min())
    # ranks survive: a column's order is kept, and the round trip gives the values back
    assert np.all(np.argsort(scores[:, 3], kind="stable") == np.argsort(features[:, 3], kind="stable"))
    np.testing.assert_allclose(normalizer.inverse_transform(scores), features, rtol=1e-4, atol=1e-6)
    # out-of-range scores land inside the training range instead of extrapolating
    extreme = normalizer.inverse_transform(np.full((1, 30), 40.0))
    assert np.all(extreme <= features.max(axis=0) + 1e-9)
    with pytest.raises(ValueError, match="fitted on 30 columns"):
        normalizer.transform(features[:, :5])
    with pytest.raises(RuntimeError, match="fit"):
        tabular.GaussianQuantileNormalizer().transform(features)


def test_segment_activation_passes_normal_segments_through():
    layer = tabular.SegmentActivation([("normal", 2), ("alpha", 1), ("beta", 2)])
    x = np.array([[3.0, -7.0, 100.0, 1.0, 1.0]], "float32")
    np.testing.assert_allclose(layer(x).numpy(), [[3.0, -7.0, 1.0, 0.5, 0.5]], rtol=1e-6)


def test_train_on_arrays_runs_d_steps_critic_updates_per_generator_update():
    from gan_utils.train import train_on_arrays

    class Counting:
        conditional, own_train_step = True, False

        def __init__(self):
            self.d_batches, self.g_calls = [], 0

        def d_step(self, rows, labels):
            self.d_batches.append(rows.numpy()[:, 0].tolist())
            return {"d_loss": 0.0}

        def g_step(self, batch_size):
            self.g_calls += 1
            return {"g_loss": 0.0}

    steps = Counting()
    rows = np.arange(20, dtype="float32")[:, None]
    history = train_on_arrays(steps, (rows, np.zeros(20, "int32")), iterations=3, batch_size=4, seed=0, d_steps=5)
    assert steps.g_calls == 3 and len(steps.d_batches) == 15 and len(history["g_loss"]) == 3
    # consecutive critic steps see different batches; one pass over the 20 rows covers each row once
    first_pass = sum(steps.d_batches[:5], [])
    assert sorted(first_pass) == list(range(20))
    with pytest.raises(ValueError, match="d_steps must be a positive integer"):
        train_on_arrays(Counting(), (rows, np.zeros(20, "int32")), iterations=1, batch_size=4, d_steps=0)


def test_gain_mask_scaler_rmse_and_observed_values_kept():
    from gan_utils import imputation

    mask = imputation.mcar_mask((2000, 5), 0.2, seed=0)
    assert abs(1 - mask.mean() - 0.2) < 0.02 and mask.sum(axis=1).min() >= 1
    assert imputation.mcar_mask((3, 4), 0.99, seed=1).sum(axis=1).min() >= 1   # a row never loses every value
    x = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    scaler = imputation.MinMaxScaler01().fit(np.array([[0.0, np.nan], [2.0, 30.0], [4.0, 10.0]]))
    np.testing.assert_allclose(scaler.transform(x), [[0, 0], [0.5, 1], [1, 0.5]])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(x)), x)
    # RMSE over the holes only, in [0, 1] units of the true table: one hole off by half a column's range
    imputed = x.copy()
    imputed[1, 1] = 20.0
    assert imputation.imputation_rmse(x, imputed, np.array([[1, 1], [1, 0], [1, 1]])) == pytest.approx(0.5)
    # GAIN: finite losses, observed values untouched, holes filled inside the observed range
    reseed(0)
    features, _, _ = tabular.load_breast_cancer_table()
    table = features[:120, :6]
    holes = imputation.mcar_mask(table.shape, 0.2, seed=0)
    filled, history = imputation.gain_impute(np.where(holes == 1, table, np.nan), iterations=20, batch_size=32)
    assert np.all(np.isfinite(history["d_loss"])) and np.all(np.isfinite(history["g_reconstruction"]))
    np.testing.assert_allclose(filled[holes == 1], table[holes == 1], rtol=1e-5)
    low, high = np.nanmin(np.where(holes == 1, table, np.nan), 0), np.nanmax(np.where(holes == 1, table, np.nan), 0)
    assert np.all((filled >= low - 1e-6) & (filled <= high + 1e-6))
    with pytest.raises(ValueError, match="no missing value"):
        imputation.gain_impute(table, iterations=1)
