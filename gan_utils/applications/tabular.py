"""Synthetic tables: what a GAN needs to generate patient records (issue #19; taught in 10_beyond_images.ipynb).

Tabular data is not an image: columns have different units, some are multi-modal, some are categories. As in
CTGAN (Xu et al., 2019):

- ``ModeSpecificNormalizer`` fits a Bayesian Gaussian mixture to each continuous column and writes each value as
  (α, β): β one-hot of the mixture component it belongs to, α ∈ [−1, 1] its position inside that component,
  (x − μ_k) / (4σ_k). A column with two bumps is then two easy targets instead of one hard one. The inverse
  maps (α, β) back to x exactly (up to the clipping of α at 4σ).
- ``build_tabular_generator`` ends with one activation per segment: tanh for each α, a softmax for each β, so its
  rows have the normaliser's layout; it is conditional on the row's class (the diagnosis), like notebook 05's
  generator. ``build_tabular_discriminator`` sees a row and its class.
- ``train_tabular_gan`` runs ``train.GANSteps`` (Algorithm 1, the course's two optimizers and tapes) on the rows.

``load_breast_cancer_table`` is scikit-learn's bundled copy of the Wisconsin diagnostic breast-cancer data (569
patients, 30 measurements, a diagnosis): it ships inside the scikit-learn wheel, nothing is downloaded.
"""
import warnings

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.train import train_on_arrays


def load_breast_cancer_table():
    """(features (569, 30) float64, diagnosis (569,) int 0 = malignant / 1 = benign, feature names)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    return bunch.data.astype("float64"), bunch.target.astype("int32"), list(bunch.feature_names)


class ModeSpecificNormalizer:
    """Per-column mode-specific normalisation (CTGAN). ``fit(X)`` on continuous columns; ``transform`` gives
    rows laid out as [α_1, β_1 (modes_1 values), α_2, β_2, …]; ``inverse_transform`` undoes it."""

    def __init__(self, max_modes=5, weight_threshold=0.005, seed=0):
        self.max_modes, self.weight_threshold, self.seed = int(max_modes), float(weight_threshold), seed
        self.columns = None

    def fit(self, x):
        from sklearn.mixture import BayesianGaussianMixture

        from sklearn.exceptions import ConvergenceWarning

        x = self._check(x)
        self.columns = []
        for j in range(x.shape[1]):
            column = x[:, j:j + 1]
            n_components = max(1, min(self.max_modes, len(np.unique(column))))
            mixture = BayesianGaussianMixture(n_components=n_components, weight_concentration_prior=1e-3,
                                              max_iter=300, random_state=self.seed)
            with warnings.catch_warnings():  # a mixture that stops short of convergence still assigns modes well:
                warnings.simplefilter("ignore", ConvergenceWarning)  # the round trip is exact either way
                mixture.fit(column)
            keep = np.flatnonzero(mixture.weights_ > self.weight_threshold)
            means = mixture.means_[keep, 0]
            stds = np.sqrt(mixture.covariances_[keep].reshape(-1))
            self.columns.append({"mixture": mixture, "keep": keep, "means": means,
                                 "low": float(column.min()), "high": float(column.max()),
                                 "stds": np.maximum(stds, 1e-6 * max(1.0, float(np.std(column))))})
        return self

    @property
    def segments(self):
        """[(kind, width), …] in output order: ("alpha", 1) then ("beta", modes) for each column."""
        self._check_fitted()
        out = []
        for c in self.columns:
            out += [("alpha", 1), ("beta", len(c["keep"]))]
        return out

    @property
    def width(self):
        return sum(width for _, width in self.segments)

    def transform(self, x):
        self._check_fitted()
        x = self._check(x, self.columns)
        parts = []
        for j, c in enumerate(self.columns):
            probs = c["mixture"].predict_proba(x[:, j:j + 1])[:, c["keep"]]
            mode = np.argmax(probs, axis=1)
            alpha = np.clip((x[:, j] - c["means"][mode]) / (4 * c["stds"][mode]), -0.99, 0.99)
            parts += [alpha[:, None], np.eye(len(c["keep"]))[mode]]
        return np.concatenate(parts, axis=1).astype("float32")

    def inverse_transform(self, rows, clip=True):
        """Rows in the layout of ``transform`` back to the table's units. ``clip=True`` keeps each column inside the
        range seen in ``fit`` (as SDV does by default): a mode's Gaussian tail can otherwise give impossible values,
        such as a negative area."""
        self._check_fitted()
        rows = np.asarray(rows, "float64")
        if rows.ndim != 2 or rows.shape[1] != self.width:
            raise ValueError(f"rows must have shape (N, {self.width}) (the layout of transform), got {rows.shape}.")
        out, start = [], 0
        for c in self.columns:
            k = len(c["keep"])
            alpha, beta = np.clip(rows[:, start], -1, 1), rows[:, start + 1:start + 1 + k]
            mode = np.argmax(beta, axis=1)
            value = alpha * 4 * c["stds"][mode] + c["means"][mode]
            out.append(np.clip(value, c["low"], c["high"]) if clip else value)
            start += 1 + k
        return np.stack(out, axis=1)

    def _check_fitted(self):
        if self.columns is None:
            raise RuntimeError("call fit(X) first.")

    @staticmethod
    def _check(x, columns=None):
        x = np.asarray(x, "float64")
        if x.ndim != 2:
            raise ValueError(f"expected a 2-D table (rows, columns), got shape {x.shape}.")
        if not np.isfinite(x).all():
            raise ValueError("the table has NaN or infinite values: impute or drop them first.")
        if columns is not None and x.shape[1] != len(columns):
            raise ValueError(f"the normaliser was fitted on {len(columns)} columns, this table has {x.shape[1]}.")
        return x


class GaussianQuantileNormalizer:
    """Each column through its own empirical quantiles to a standard normal score (scikit-learn's
    ``QuantileTransformer(output_distribution="normal")``, as TabDDPM, Kotelnikov et al. 2023, prepares numerical
    columns): every marginal becomes N(0, 1), skewed or multi-modal as it was, so what is left for the GAN to learn
    is how the columns move together. ``inverse_transform`` maps scores back through the same quantiles (values stay
    inside each column's training range). ``segments`` is one "normal" segment, read by ``SegmentActivation``.
    10_beyond_images.ipynb."""

    def __init__(self, seed=0):
        self.seed, self.transformer = seed, None

    def fit(self, x):
        from sklearn.preprocessing import QuantileTransformer

        x = ModeSpecificNormalizer._check(x)
        self.transformer = QuantileTransformer(n_quantiles=min(1000, len(x)), output_distribution="normal",
                                               random_state=self.seed).fit(x)
        self.n_columns = x.shape[1]
        return self

    @property
    def segments(self):
        self._check_fitted()
        return [("normal", self.n_columns)]

    @property
    def width(self):
        self._check_fitted()
        return self.n_columns

    def transform(self, x):
        self._check_fitted()
        x = ModeSpecificNormalizer._check(x)
        if x.shape[1] != self.n_columns:
            raise ValueError(f"the normaliser was fitted on {self.n_columns} columns, this table has {x.shape[1]}.")
        return self.transformer.transform(x).astype("float32")

    def inverse_transform(self, rows):
        self._check_fitted()
        rows = np.asarray(rows, "float64")
        if rows.ndim != 2 or rows.shape[1] != self.n_columns:
            raise ValueError(f"rows must have shape (N, {self.n_columns}), got {rows.shape}.")
        return self.transformer.inverse_transform(np.clip(rows, -5.2, 5.2))  # the transformer's own score range

    def _check_fitted(self):
        if self.transformer is None:
            raise RuntimeError("call fit(X) first.")


@keras.saving.register_keras_serializable(package="gan_utils")
class SegmentActivation(layers.Layer):
    """tanh on each α, softmax on each β, nothing on a "normal" segment (``GaussianQuantileNormalizer``'s
    columns, unbounded scores), of a row laid out as ``segments``."""

    def __init__(self, segments, **kwargs):
        super().__init__(**kwargs)
        self.segments = [(str(kind), int(width)) for kind, width in segments]

    def call(self, x):
        parts, start = [], 0
        for kind, width in self.segments:
            piece = x[:, start:start + width]
            if kind == "normal":
                parts.append(piece)
            else:
                parts.append(tf.tanh(piece) if kind == "alpha" else tf.nn.softmax(piece, axis=-1))
            start += width
        return tf.concat(parts, axis=-1)

    def get_config(self):
        return {**super().get_config(), "segments": self.segments}


def build_tabular_generator(segments, latent_dim=32, num_classes=2, hidden=(128, 128), activation="leaky_relu",
                            name="tabular_generator"):
    """G([z, class]): an MLP with BatchNorm and ``activation`` ("leaky_relu" (0.2) or "relu", CTGAN's), ending in
    ``SegmentActivation``; rows of width Σ segment widths."""
    if activation not in ("leaky_relu", "relu"):
        raise ValueError(f"activation must be 'leaky_relu' or 'relu', not {activation!r}.")
    z, label = keras.Input((latent_dim,), name="z"), keras.Input((), dtype="int32", name="label")
    x = layers.Concatenate()([z, layers.Embedding(num_classes, 8)(label)])
    for units in hidden:
        x = layers.BatchNormalization()(layers.Dense(units)(x))
        x = layers.ReLU()(x) if activation == "relu" else layers.LeakyReLU(0.2)(x)
    width = sum(w for _, w in segments)
    return keras.Model([z, label], SegmentActivation(segments, dtype="float32")(layers.Dense(width, dtype="float32")(x)), name=name)


def build_tabular_discriminator(width, num_classes=2, hidden=(128, 128), dropout=0.2, name="tabular_discriminator"):
    """D([row, class]) -> one logit."""
    row, label = keras.Input((width,), name="row"), keras.Input((), dtype="int32", name="label")
    x = layers.Concatenate()([row, layers.Embedding(num_classes, 8)(label)])
    for units in hidden:
        x = layers.Dropout(dropout)(layers.LeakyReLU(0.2)(layers.Dense(units)(x)))
    return keras.Model([row, label], layers.Dense(1, dtype="float32")(x), name=name)


def train_tabular_gan(steps, rows, labels, iterations, batch_size=64, seed=0, d_steps=1):
    """Algorithm 1 on a table: ``iterations`` generator iterations of ``steps`` (a ``train.GANSteps`` on the
    tabular models), each after ``d_steps`` discriminator (critic) steps (5 for a WGAN-GP, as in Gulrajani et al.;
    the ctgan library's default is 1), batches drawn from shuffled epochs of (rows, labels). Returns the history (dict of lists)."""
    rows, labels = np.asarray(rows, "float32"), np.asarray(labels, "int32")
    if len(rows) != len(labels):
        raise ValueError(f"need one label per row: {len(rows)} rows, {len(labels)} labels.")
    return train_on_arrays(steps, (rows, labels), iterations, batch_size, seed, d_steps=d_steps)


def sample_table(generator, normalizer, n, class_shares, seed=0):
    """``n`` synthetic rows back in the original units, with classes drawn in ``class_shares`` proportions;
    returns (features, labels)."""
    rng = np.random.default_rng(seed)
    shares = np.asarray(class_shares, "float64")
    labels = rng.choice(len(shares), size=n, p=shares / shares.sum()).astype("int32")
    z = rng.normal(size=(n, int(generator.inputs[0].shape[-1]))).astype("float32")
    rows = generator([z, labels], training=False).numpy()
    return normalizer.inverse_transform(rows), labels
