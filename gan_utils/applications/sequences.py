"""GANs for time series (issue #19; taught in 10_beyond_images.ipynb): recurrent G and D, data made in code, and the two
scores of the TimeGAN paper (Yoon et al., 2019), measured as their reference code measures them.

- ``timegan_sines``: TimeGAN's sine benchmark (5 independent slow sines per series, in [0, 1]), the notebook's data;
  ``sine_series``: faster sines with random amplitude in [−1, 1] (one feature by default), for small tests;
- ``build_sequence_generator`` (GRUs over a noise sequence, tanh or sigmoid output per step) and
  ``build_sequence_discriminator`` (GRUs reading the series, one logit): ``SequenceGANSteps`` (a ``train.GANSteps``)
  trains them; its noise is a *sequence* (n, length, noise_dim), part of it (``global_dim``, or all of it) drawn once
  per series and repeated at every step;
- ``discriminative_score``: |accuracy − 0.5| of a post-hoc GRU (features // 2 units, as in TimeGAN's code) trained to
  tell real from generated series on 80 % and tested on the other 20 %; 0 is best (it cannot tell);
- ``predictive_score``: "train on synthetic, test on real": a post-hoc GRU trained on generated series to predict the
  last feature one step ahead from the others, its mean absolute error on real series (compare with the same model
  trained on real series).

The post-hoc models are seeded inside ``runtime.seeded``: scoring leaves the caller's random state as it was.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.kinds import KindedModel, make_kind
from gan_utils.core.train import GANSteps, train_on_arrays


def sine_series(n, length=24, features=1, noise=0.0, seed=0):
    """(n, length, features) float32: each feature x_t = a·sin(2π·f·t + φ), f ~ U(0.02, 0.15) cycles per step,
    φ ~ U(0, 2π), a ~ U(0.5, 1), plus N(0, noise²); clipped to [−1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)[None, :, None]
    freq = rng.uniform(0.02, 0.15, size=(n, 1, features))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, features))
    amplitude = rng.uniform(0.5, 1.0, size=(n, 1, features))
    x = amplitude * np.sin(2 * np.pi * freq * t + phase) + noise * rng.normal(size=(n, length, features))
    return np.clip(x, -1.0, 1.0).astype("float32")


def timegan_sines(n, length=24, features=5, seed=0):
    """TimeGAN's sine benchmark (Yoon et al. 2019, their ``sine_data_generation``): (n, length, features) float32,
    each feature sin(f·t + φ) with its own f ~ U(0, 0.1) radians per step and φ ~ U(0, 0.1), mapped to [0, 1] by
    (x + 1) / 2. Slow sines: over 24 steps a feature covers at most 2.4 radians, well under half a period."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)[None, :, None]
    freq = rng.uniform(0, 0.1, size=(n, 1, features))
    phase = rng.uniform(0, 0.1, size=(n, 1, features))
    return ((np.sin(freq * t + phase) + 1) * 0.5).astype("float32")


def build_sequence_generator(length=24, features=1, noise_dim=4, units=32, global_dim=0, output="tanh",
                             name="sequence_generator"):
    """Two GRUs over a noise sequence, then ``output`` ("tanh" for series in [−1, 1], "sigmoid" for [0, 1]) per step: (n, length, noise_dim + global_dim) -> (n, length, features).

    ``global_dim`` > 0: the last ``global_dim`` inputs of every step are one noise vector per *series*, repeated at
    every step (``SequenceGANSteps`` draws them so): a place for what stays fixed along a series (a sine's
    frequency, phase, amplitude), next to the per-step noise. 10_beyond_images.ipynb."""
    if isinstance(global_dim, bool) or int(global_dim) != global_dim or global_dim < 0:
        raise ValueError(f"global_dim must be an integer >= 0, got {global_dim!r}.")
    if output not in ("tanh", "sigmoid"):
        raise ValueError(f"output must be 'tanh' or 'sigmoid', not {output!r}.")
    z = keras.Input((length, noise_dim + global_dim), name="z")
    h = layers.GRU(units, return_sequences=True)(z)
    h = layers.GRU(units, return_sequences=True)(h)
    series = layers.TimeDistributed(layers.Dense(features, activation=output, dtype="float32"), dtype="float32")(h)
    return KindedModel(z, series, name=name, gan_kind=make_kind("sequence", length=int(length), features=int(features)))


def build_sequence_discriminator(length=24, features=1, units=32, per_step=False, name="sequence_discriminator"):
    """Two GRUs reading a series -> one logit. ``per_step=False``: the logit of the last state; ``per_step=True``: a
    logit at every step, averaged (as the RCGAN of Esteban et al. 2017 judges every step), so every step's output
    gets a direct gradient. 10_beyond_images.ipynb."""
    x = keras.Input((length, features), name="series")
    h = layers.GRU(units, return_sequences=True)(x)
    if per_step:
        logits = layers.TimeDistributed(layers.Dense(1, dtype="float32"), dtype="float32")(
            layers.GRU(units, return_sequences=True)(h))
        return keras.Model(x, layers.GlobalAveragePooling1D(dtype="float32")(logits), name=name)
    return keras.Model(x, layers.Dense(1, dtype="float32")(layers.GRU(units)(h)), name=name)


class SequenceGANSteps(GANSteps):
    """``GANSteps`` whose noise is a sequence, shape (n, length, noise_dim), drawn from the run's generator of
    random numbers (so runs are reproducible and resume like the others). With ``global_dim`` > 0 the last
    ``global_dim`` numbers of each step are one draw per series, repeated at every step (see
    ``build_sequence_generator``). One device."""

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, global_dim=0, **kwargs):
        if kwargs.get("strategy") is not None:
            raise ValueError("SequenceGANSteps runs on one device.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        self.length, self.noise_dim = int(generator.inputs[0].shape[1]), int(generator.inputs[0].shape[2])
        if isinstance(global_dim, bool) or int(global_dim) != global_dim or not 0 <= global_dim <= self.noise_dim:
            raise ValueError(f"global_dim must be an integer in 0..{self.noise_dim} (the generator takes "
                             f"{self.noise_dim} numbers per step, per-step noise first), got {global_dim!r}.")
        self.global_dim = int(global_dim)

    def noise(self, n):
        if not self.global_dim:
            return self.rng.normal((n, self.length, self.noise_dim))
        per_series = tf.tile(self.rng.normal((n, 1, self.global_dim)), [1, self.length, 1])
        if self.global_dim == self.noise_dim:  # no per-step noise: every step of a series reads the same numbers
            return per_series
        per_step = self.rng.normal((n, self.length, self.noise_dim - self.global_dim))
        return tf.concat([per_step, per_series], axis=2)


def train_sequence_gan(steps, series, iterations, batch_size=64, seed=0):
    """Algorithm 1 for ``iterations`` generator iterations on shuffled batches of ``series``; returns the history."""
    series = np.asarray(series, "float32")
    if series.ndim != 3:
        raise ValueError(f"series must have shape (N, length, features), got {series.shape}.")
    return train_on_arrays(steps, series, iterations, batch_size, seed)


def _posthoc_fit(model, loss_fn, x, y, iterations, batch_size, seed):
    """Train ``model`` on (x, y) for ``iterations`` Adam steps (default settings, as TimeGAN's metrics use) on batches
    of ``batch_size`` rows drawn at random each time (``seed``); the global seeds are put back afterwards."""
    from gan_utils.core.runtime import seeded

    rng = np.random.default_rng(seed)
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    batch = min(int(batch_size), len(x))
    for _ in range(int(iterations)):
        rows = rng.choice(len(x), size=batch, replace=False)
        step(tf.constant(x[rows]), tf.constant(y[rows]))
    return model


def _posthoc_units(features, units):
    return max(1, features // 2) if units is None else int(units)


def discriminative_score(real, generated, iterations=2000, units=None, batch_size=128, seed=0):
    """TimeGAN's discriminative score, |accuracy − 0.5| (0 is best: the classifier cannot tell): a post-hoc GRU
    (``units`` = features // 2 by default, as in the paper's code) with a logit on its last state, trained with Adam
    for ``iterations`` batches of ``batch_size`` to tell real (1) from generated (0) series on 80 % of each, tested on
    the other 20 %. Returns (score, accuracy)."""
    real, generated = np.asarray(real, "float32"), np.asarray(generated, "float32")
    if real.ndim != 3 or real.shape[1:] != generated.shape[1:]:
        raise ValueError(f"real and generated must be (N, length, features) alike, got {real.shape} and {generated.shape}.")
    n = min(len(real), len(generated))
    rng = np.random.default_rng(seed)
    real, generated = real[rng.permutation(len(real))[:n]], generated[rng.permutation(len(generated))[:n]]
    split = int(0.8 * n)
    x_train = np.concatenate([real[:split], generated[:split]])
    y_train = np.concatenate([np.ones(split), np.zeros(split)]).astype("float32")[:, None]
    x_test = np.concatenate([real[split:], generated[split:]])
    y_test = np.concatenate([np.ones(n - split), np.zeros(n - split)])
    from gan_utils.core.runtime import seeded

    with seeded(seed):
        inputs = keras.Input(real.shape[1:])
        model = keras.Model(inputs, layers.Dense(1, dtype="float32")(layers.GRU(_posthoc_units(real.shape[2], units))(inputs)))
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        _posthoc_fit(model, bce, x_train, y_train, iterations, batch_size, seed)
    accuracy = float(np.mean((model.predict(x_test, verbose=0)[:, 0] >= 0) == (y_test == 1)))
    return abs(accuracy - 0.5), accuracy


def predictive_score(train_series, test_series, iterations=5000, units=None, batch_size=128, seed=0):
    """TimeGAN's predictive score, "train on synthetic, test on real": a post-hoc GRU (``units`` = features // 2 by
    default) reads the first features − 1 features of steps 1..T−1 and predicts the last feature at steps 2..T
    (sigmoid output: series in [0, 1]); trained with Adam on ``train_series`` (mean absolute error), scored by its
    mean absolute error on ``test_series``. A single-feature series predicts its own next value from itself."""
    train_series, test_series = np.asarray(train_series, "float32"), np.asarray(test_series, "float32")
    features = train_series.shape[2]
    inputs_of = (lambda s: s[:, :-1, :features - 1]) if features > 1 else (lambda s: s[:, :-1, :])
    target_of = lambda s: s[:, 1:, features - 1:]
    from gan_utils.core.runtime import seeded

    with seeded(seed):
        inputs = keras.Input((train_series.shape[1] - 1, max(1, features - 1)))
        h = layers.GRU(_posthoc_units(features, units), return_sequences=True)(inputs)
        model = keras.Model(inputs, layers.Dense(1, activation="sigmoid", dtype="float32")(h))
        _posthoc_fit(model, keras.losses.MeanAbsoluteError(), inputs_of(train_series), target_of(train_series),
                     iterations, batch_size, seed)
    prediction = model.predict(inputs_of(test_series), verbose=0)
    return float(np.mean(np.abs(prediction - target_of(test_series))))
