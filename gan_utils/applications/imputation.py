"""Filling in missing values with a GAN: GAIN (Yoon, Jordon & van der Schaar, 2018). 10_beyond_images.ipynb.

A table with holes: ``mask`` M is 1 where a value was observed, 0 where it is missing. The generator G reads a row
with its holes filled with small noise, and the mask, and proposes a value for every entry; the imputed row keeps the
observed values and takes G's values in the holes. The discriminator D does not judge whole rows: for every entry it
guesses whether it was observed or imputed. D also gets a **hint** H, part of the true mask: H = B ⊙ M with B an
independent Bernoulli(``hint_rate``) draw per entry, as in the authors' code (the paper's Theorem 2 explains why some
hint is needed for a unique equilibrium). D minimises the cross-entropy of its guesses over all entries; G minimises
−log D on the holes (make imputed values look observed) plus ``alpha`` × the mean squared error of its proposals on
the *observed* entries (the reconstruction that keeps it anchored to the data).

Values are scaled to [0, 1] per column (min and max of the observed values) as in the paper; RMSE is reported in
those units. Two tapes, two optimizers (Adam, the paper's default settings), batch 128, hint rate 0.9, alpha 100.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.runtime import seeded
from gan_utils.core.steps_base import apply_gradients_of
from gan_utils.core.train import run_iterations


def mcar_mask(shape, missing_rate, seed=0):
    """A mask (1 observed, 0 missing) with each entry missing with probability ``missing_rate``, independently of
    everything (missing completely at random). Every row keeps at least one observed value."""
    if not 0 <= missing_rate < 1:
        raise ValueError(f"missing_rate must be in [0, 1), got {missing_rate}.")
    rng = np.random.default_rng(seed)
    mask = (rng.uniform(size=shape) >= missing_rate).astype("float32")
    empty = np.flatnonzero(mask.sum(axis=1) == 0)
    mask[empty, rng.integers(0, shape[1], size=len(empty))] = 1.0
    return mask


class MinMaxScaler01:
    """Scale each column to [0, 1] with the min and max of its *observed* values (NaN = missing)."""

    def fit(self, x):
        x = np.asarray(x, "float64")
        self.low, self.high = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        self.span = np.where(self.high > self.low, self.high - self.low, 1.0)
        return self

    def transform(self, x):
        return (np.asarray(x, "float64") - self.low) / self.span

    def inverse_transform(self, x):
        return np.asarray(x, "float64") * self.span + self.low


def build_gain_networks(n_columns, hidden=None):
    """G([x̃, m]) -> proposals in [0, 1] (sigmoid) and D([x̂, h]) -> per-entry logit of "observed": each an MLP
    with two hidden ReLU layers of ``hidden`` units (the paper's: as many as the columns). D's losses are computed
    from its logits (log-sigmoid), which stays finite where a sigmoid probability would round to 0 or 1."""
    hidden = n_columns if hidden is None else int(hidden)

    def mlp(name, activation):
        values, side = keras.Input((n_columns,), name="values"), keras.Input((n_columns,), name="mask_or_hint")
        x = layers.Concatenate()([values, side])
        for _ in range(2):
            x = layers.Dense(hidden, activation="relu", kernel_initializer="glorot_normal")(x)
        out = layers.Dense(n_columns, activation=activation, kernel_initializer="glorot_normal", dtype="float32")(x)
        return keras.Model([values, side], out, name=name)

    return mlp("gain_generator", "sigmoid"), mlp("gain_discriminator", None)


class GAINSteps:
    """GAIN's two updates on a batch (x in [0, 1] with zeros in the holes, mask m): ``d_step`` then ``g_step``."""

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, hint_rate=0.9, alpha=100.0, seed=0):
        if not 0 <= hint_rate <= 1 or alpha < 0:
            raise ValueError(f"hint_rate must be in [0, 1] and alpha >= 0, got {hint_rate} and {alpha}.")
        self.generator, self.discriminator = generator, discriminator
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.hint_rate, self.alpha = float(hint_rate), float(alpha)
        self.rng = tf.random.Generator.from_seed(seed)
        self.d_step = tf.function(self._d_step, reduce_retracing=True)
        self.g_step = tf.function(self._g_step, reduce_retracing=True)

    def _inputs(self, x, m):
        noise = self.rng.uniform(tf.shape(x), 0.0, 0.01)
        x_tilde = m * x + (1.0 - m) * noise
        b = tf.cast(self.rng.uniform(tf.shape(x)) < self.hint_rate, tf.float32)
        return x_tilde, b * m                                  # the authors' code: hidden entries read 0

    def _d_step(self, x, m):
        x_tilde, hint = self._inputs(x, m)
        proposal = self.generator([x_tilde, m], training=True)
        x_hat = m * x_tilde + (1.0 - m) * proposal
        with tf.GradientTape() as tape:
            logits = self.discriminator([x_hat, hint], training=True)
            d_loss = -tf.reduce_mean(m * tf.math.log_sigmoid(logits) + (1.0 - m) * tf.math.log_sigmoid(-logits))
        apply_gradients_of(tape, d_loss, self.discriminator.trainable_variables, self.d_optimizer)
        return {"d_loss": d_loss}

    def _g_step(self, x, m):
        x_tilde, hint = self._inputs(x, m)
        with tf.GradientTape() as tape:
            proposal = self.generator([x_tilde, m], training=True)
            x_hat = m * x_tilde + (1.0 - m) * proposal
            logits = self.discriminator([x_hat, hint], training=True)
            adversarial = -tf.reduce_mean((1.0 - m) * tf.math.log_sigmoid(logits))
            reconstruction = tf.reduce_mean(tf.square(m * (x_tilde - proposal))) / tf.reduce_mean(m)
            g_loss = adversarial + self.alpha * reconstruction
        apply_gradients_of(tape, g_loss, self.generator.trainable_variables, self.g_optimizer)
        return {"g_adversarial": adversarial, "g_reconstruction": reconstruction}

    def impute(self, x, m, seed=0):
        """x in [0, 1] (holes: any value), m the mask: observed values kept, holes filled with G's proposals."""
        x, m = np.nan_to_num(np.asarray(x, "float32")), np.asarray(m, "float32")
        noise = np.random.default_rng(seed).uniform(0, 0.01, size=x.shape).astype("float32")
        x_tilde = m * x + (1 - m) * noise
        return m * x + (1 - m) * self.generator([x_tilde, m], training=False).numpy()


def gain_impute(x_missing, iterations=10_000, batch_size=128, hint_rate=0.9, alpha=100.0, seed=0, hidden=None):
    """Impute the NaN entries of ``x_missing`` (rows, columns) with GAIN trained on the table itself (as in the
    paper: no complete rows are needed). Returns ``(imputed table in the original units, history)``."""
    x_missing = np.asarray(x_missing, "float64")
    if x_missing.ndim != 2:
        raise ValueError(f"expected a 2-D table (rows, columns), got shape {x_missing.shape}.")
    mask = (~np.isnan(x_missing)).astype("float32")
    if mask.all(axis=0).all():
        raise ValueError("the table has no missing value (NaN) to impute.")
    if (mask.sum(axis=0) == 0).any():
        raise ValueError("a column has no observed value at all: drop it before imputing.")
    scaler = MinMaxScaler01().fit(x_missing)
    x = np.nan_to_num(scaler.transform(x_missing)).astype("float32")
    with seeded(seed):  # seeded weights, and the caller's global random state left as it was
        generator, discriminator = build_gain_networks(x.shape[1], hidden)
    steps = GAINSteps(generator, discriminator, keras.optimizers.Adam(), keras.optimizers.Adam(), hint_rate, alpha,
                      seed)
    rng = np.random.default_rng(seed)
    size = min(int(batch_size), len(x))

    def row_samples():
        while True:
            yield rng.choice(len(x), size=size, replace=False)

    def update(rows):
        return {**steps.d_step(x[rows], mask[rows]), **steps.g_step(x[rows], mask[rows])}

    history = run_iterations(update, row_samples(), iterations)
    return scaler.inverse_transform(steps.impute(x, mask, seed=seed)), history


def imputation_rmse(x_true, x_imputed, mask, reference=None):
    """RMSE over the missing entries (mask 0), each column scaled to [0, 1] by the min and max of ``reference``
    (default ``x_true``): the paper's measure."""
    scaler = MinMaxScaler01().fit(x_true if reference is None else reference)
    a, b = scaler.transform(x_true), scaler.transform(x_imputed)
    missing = np.asarray(mask) == 0
    return float(np.sqrt(np.mean((a[missing] - b[missing]) ** 2)))
