"""Evaluate generated digits with the course's MNIST classifier.

The classifier (``data/pretrained/mnist_classifier.keras``, trained by
``scripts/train_classifier.py``) plays InceptionNet's role: Inception Score, a Fréchet
distance on its 128-d penultimate features, the class histogram (mode-collapse meter),
mean top-class confidence, and requested-digit accuracy for conditional models.
Introduced in 00_setup.ipynb (the classifier) and used from 01 on; explained in 06.
"""
from functools import lru_cache

import keras
import numpy as np

from gan_utils.core.config import PRETRAINED_DIR
from gan_utils.core.data import NUM_CLASSES, check_images, check_labels, file_sha256, load_mnist, to_model_range

CLASSIFIER_PATH = PRETRAINED_DIR / "mnist_classifier.keras"
# mean and covariance of the classifier's features of the 10,000 test digits (the Fréchet distance's reference),
# written by scripts/train_classifier.py next to the classifier; recomputed when they belong to another file
TEST_STATS_PATH = PRETRAINED_DIR / "mnist_classifier_test_stats.npz"
FEATURE_LAYER = "features"


def build_classifier():
    """Small CNN: 2x(Conv32,Conv32,Pool) style blocks -> Dense 128 'features' -> softmax 10."""
    from keras import layers

    image = keras.Input((28, 28, 1), name="image")
    x = image
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Dense(128, activation="relu", name=FEATURE_LAYER)(layers.Flatten()(x))
    probs = layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32")(layers.Dropout(0.3)(x))
    return keras.Model(image, probs, name="mnist_classifier")


@lru_cache(maxsize=2)
def load_classifier(path=CLASSIFIER_PATH):
    """Load the shipped classifier; returns ``(model, feature_model)``."""
    if not path.exists():
        raise FileNotFoundError(f"Classifier not found at {path}. Train it with `python scripts/train_classifier.py`.")
    model = keras.models.load_model(path)
    features = keras.Model(model.inputs, model.get_layer(FEATURE_LAYER).output)
    return model, features


@lru_cache(maxsize=2)
def _both_outputs(path=CLASSIFIER_PATH):
    model, features = load_classifier(path)
    return keras.Model(model.inputs, [model.output, features.output])


def classify_with_features(images, batch_size=500):
    """``(classify(images), classifier_features(images))`` in one pass through the classifier (what the scores
    need; half the work of calling both)."""
    probs, features = _both_outputs().predict(_as_model_input(images), batch_size=batch_size, verbose=0)
    return probs, features.astype("float64")


def _as_model_input(images):
    images = check_images(images)
    return to_model_range(images) if images.dtype == np.uint8 else np.asarray(images, "float32").reshape(-1, 28, 28, 1)


def classify(images, batch_size=500):
    """Class probabilities (N, 10) for uint8 or [-1, 1] images."""
    model, _ = load_classifier()
    return model.predict(_as_model_input(images), batch_size=batch_size, verbose=0)


def classifier_features(images, batch_size=500):
    """Penultimate-layer features (N, 128) for uint8 or [-1, 1] images."""
    _, features = load_classifier()
    return features.predict(_as_model_input(images), batch_size=batch_size, verbose=0).astype("float64")


def inception_score(probs, eps=1e-12):
    """IS = exp( E_x KL(p(y|x) || p(y)) ), p(y) the mean of p(y|x) over the samples (Salimans et al. 2016).

    Between 1 (every sample gets the same prediction) and the number of classes
    (confident predictions spread evenly over all classes).
    """
    probs = np.asarray(probs, dtype="float64")
    marginal = probs.mean(axis=0, keepdims=True)
    kl = np.sum(probs * (np.log(probs + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))


def frechet_distance(features_a, features_b):
    """||mu_a - mu_b||² + Tr(S_a + S_b - 2 (S_a S_b)^½) between Gaussians fitted to two feature sets."""
    a, b = np.asarray(features_a, "float64"), np.asarray(features_b, "float64")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((S_a S_b)^½) = sum of sqrt(eigenvalues of S_a S_b): real and >= 0 for PSD matrices
    # (clipped against round-off), and stable when the covariances are singular.
    eigenvalues = np.linalg.eigvals(cov_a @ cov_b).real.clip(min=0)
    distance = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(eigenvalues).sum()
    return float(max(distance, 0.0))  # >= 0 in exact arithmetic; round-off can give -1e-12


def feature_statistics(features):
    """Mean and covariance (float64) of a set of features: all the Fréchet distance uses of them."""
    features = np.asarray(features, "float64")
    return features.mean(0), np.cov(features, rowvar=False)


def _frechet_from_statistics(mu_a, cov_a, mu_b, cov_b):
    # frechet_distance's formula from stored statistics (06 prints frechet_distance, so it stays written out;
    # tests/test_metrics.py checks the two agree)
    eigenvalues = np.linalg.eigvals(cov_a @ cov_b).real.clip(min=0)
    distance = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(eigenvalues).sum()
    return float(max(distance, 0.0))  # >= 0 in exact arithmetic; round-off can give -1e-12


def save_test_statistics(path=TEST_STATS_PATH, classifier_path=CLASSIFIER_PATH):
    """Write the test digits' feature statistics for the classifier at ``classifier_path`` (its sha256 inside)."""
    images, _ = load_mnist(split="test")
    mu, cov = feature_statistics(classifier_features(images))
    np.savez_compressed(path, mean=mu, cov=cov, classifier_sha256=file_sha256(classifier_path))
    return path


@lru_cache(maxsize=1)
def _test_statistics():
    """(mean, covariance) of the classifier's features of the 10,000 MNIST test digits: read from
    ``TEST_STATS_PATH`` when it was written for the shipped classifier file, else computed (~10 s on 2 cores)."""
    if TEST_STATS_PATH.exists():
        with np.load(TEST_STATS_PATH) as stored:
            if str(stored["classifier_sha256"]) == file_sha256(CLASSIFIER_PATH):
                return stored["mean"], stored["cov"]
    images, _ = load_mnist(split="test")
    return feature_statistics(classifier_features(images))


def _fd_to_test(features):
    return _frechet_from_statistics(*feature_statistics(features), *_test_statistics())


def class_histogram(probs):
    """Share of samples predicted as each digit (10,): the mode-collapse meter of 03."""
    predicted = np.asarray(probs).argmax(axis=1)
    return np.bincount(predicted, minlength=NUM_CLASSES) / len(predicted)


def evaluate_samples(images, labels=None):
    """All course metrics for a set of generated digits, as a dict of plain numbers.

    Keys: n, inception_score, fid (vs the MNIST test split), class_share (10 values),
    min_class_share, classes_covered (share >= 5 %), mean_confidence, and
    requested_accuracy when ``labels`` (the digits asked for) are given.
    """
    images = check_images(images)
    probs, features = classify_with_features(images)
    share = class_histogram(probs)
    result = {
        "n": int(len(images)),
        "inception_score": inception_score(probs),
        "fid": _fd_to_test(features),
        "class_share": [round(float(s), 4) for s in share],
        "min_class_share": float(share.min()),
        "classes_covered": int((share >= 0.05).sum()),
        "mean_confidence": float(probs.max(axis=1).mean()),
    }
    if labels is not None:
        labels = check_labels(labels, len(images))
        result["requested_accuracy"] = float((probs.argmax(axis=1) == labels).mean())
    return result


def score_generator(generator, n=2000, seed=1234):
    """Quick per-epoch check of a generator on ``n`` fresh samples: mean confidence, smallest class
    share, IS and Fréchet distance to the test digits' features, plus the requested-digit accuracy for a conditional generator (n/10 of each digit).
    Used by ``callbacks.QualityMeter`` and ``benchmarks/time_to_digits.py``."""
    from gan_utils.core.sampling import generate_digits

    images, labels = generate_digits(generator, n, seed=seed)
    probs, features = classify_with_features(images)
    result = {"mean_confidence": float(probs.max(axis=1).mean()), "min_class_share": float(class_histogram(probs).min()),
              "inception_score": inception_score(probs),
              "fid": _fd_to_test(features)}
    if labels is not None:
        result["requested_accuracy"] = float((probs.argmax(axis=1) == labels).mean())
    return result


def meets_quality_bar(result, min_confidence=0.9, min_share=0.05):
    """The course's bar: every digit >= ``min_share`` of samples and mean confidence >= ``min_confidence``."""
    return result["min_class_share"] >= min_share and result["mean_confidence"] >= min_confidence


# -- quality and diversity apart: k-NN manifolds and kernel distances (notebook 08, issue #17) ---------------
def _pairwise_distances(a, b, chunk=2048):
    """Euclidean distances (len(a), len(b)) in float64, computed in row chunks."""
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    b_sq = (b ** 2).sum(1)
    out = np.empty((len(a), len(b)))
    for start in range(0, len(a), chunk):
        x = a[start:start + chunk]
        sq = (x ** 2).sum(1)[:, None] + b_sq[None, :] - 2.0 * x @ b.T
        out[start:start + chunk] = np.sqrt(np.maximum(sq, 0.0))
    return out


def _knn_radii(features, k):
    """Distance from each point to its k-th nearest *other* point of the same set."""
    if len(features) <= k:
        raise ValueError(f"need more than k = {k} samples, got {len(features)}.")
    d = _pairwise_distances(features, features)
    return np.partition(d, k, axis=1)[:, k]  # column 0 of the sorted row is the point itself (distance 0)


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkäänniemi et al., 2019). Each set's manifold is the union of balls
    around its points with radius the distance to the k-th nearest neighbour in the same set. Precision: share of
    generated points inside the real manifold (quality); recall: share of real points inside the generated
    manifold (diversity, coverage of the real data). Both in [0, 1]; with a finite sample even one distribution
    against itself stays below 1. Returns ``{"precision", "recall"}``."""
    real, fake = np.asarray(real_features, "float64"), np.asarray(fake_features, "float64")
    cross = _pairwise_distances(fake, real)                       # (n_fake, n_real)
    precision = np.mean((cross <= _knn_radii(real, k)[None, :]).any(axis=1))
    recall = np.mean((cross <= _knn_radii(fake, k)[:, None]).any(axis=0))
    return {"precision": float(precision), "recall": float(recall)}


def density_coverage(real_features, fake_features, k=5):
    """Density and coverage (Naeem et al., 2020), built on real k-NN balls only (outliers among the generated
    points cannot inflate them). Density: mean number of real balls containing a generated point, divided by k
    (about 1 when the two distributions match; can exceed 1). Coverage: share of real points whose ball holds at
    least one generated point. Returns ``{"density", "coverage"}``."""
    real, fake = np.asarray(real_features, "float64"), np.asarray(fake_features, "float64")
    inside = _pairwise_distances(fake, real) <= _knn_radii(real, k)[None, :]   # (n_fake, n_real)
    return {"density": float(inside.sum() / (k * len(fake))), "coverage": float(inside.any(axis=0).mean())}


def kernel_distance(features_a, features_b, subsets=10, subset_size=1000, seed=0):
    """Kernel Inception Distance (Bińkowski et al., 2018) on the given features: the unbiased estimate of the
    squared MMD with the polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over ``subsets`` random subsets of
    ``subset_size`` from each set (fewer if a set is smaller). Unbiased: about 0 (it can be slightly negative)
    for two samples of one distribution, whatever their size, unlike the Fréchet distance. Returns
    ``(mean, standard deviation over subsets)``."""
    a, b = np.asarray(features_a, "float64"), np.asarray(features_b, "float64")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features must be (N, d) with the same d, got {a.shape} and {b.shape}.")
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError("need at least 2 samples in each set.")
    rng = np.random.default_rng(seed)
    dim = a.shape[1]
    values = []
    for _ in range(subsets):
        x, y = a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)]
        k_xx, k_yy, k_xy = ((x @ x.T / dim + 1) ** 3, (y @ y.T / dim + 1) ** 3, (x @ y.T / dim + 1) ** 3)
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        values.append(within - 2.0 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))


def mmd_two_sample_test(a, b, n_permutations=200, seed=0):
    """Kernel two-sample test (Gretton et al. 2012): do the rows of ``a`` (n, d) and ``b`` (m, d) come from one
    distribution? Gaussian kernel with the median heuristic (bandwidth = median distance within the pooled sample),
    the unbiased estimate of MMD², and its p-value from ``n_permutations`` random relabellings of the pooled rows
    (seeded). Returns {"mmd2", "p_value", "bandwidth"}; a small p-value (e.g. < 0.05) says they differ. O((n+m)²)
    memory: a few thousand rows at most. 09_control_and_inference.ipynb (the adversarial autoencoder's codes
    against its prior)."""
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"a and b must be 2-D arrays of rows with the same number of columns and >= 2 rows each, "
                         f"got shapes {a.shape} and {b.shape}.")
    if isinstance(n_permutations, bool) or int(n_permutations) != n_permutations or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}.")
    pooled = np.concatenate([a, b])
    squared = np.maximum(np.sum(pooled ** 2, 1)[:, None] + np.sum(pooled ** 2, 1)[None, :] - 2 * pooled @ pooled.T, 0)
    bandwidth = float(np.sqrt(np.median(squared[np.triu_indices(len(pooled), 1)])))
    kernel = np.exp(-squared / (2 * max(bandwidth, 1e-12) ** 2))
    n = len(a)

    def mmd2(order):
        k = kernel[np.ix_(order, order)]
        kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
        m = len(order) - n
        return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                - 2 * kxy.mean())

    observed = mmd2(np.arange(len(pooled)))
    rng = np.random.default_rng(seed)
    null = np.array([mmd2(rng.permutation(len(pooled))) for _ in range(int(n_permutations))])
    return {"mmd2": float(observed), "p_value": float((1 + np.sum(null >= observed)) / (1 + len(null))),
            "bandwidth": bandwidth}
