"""Inception Score, Fréchet distance and the shipped classifier."""
import numpy as np
import pytest

from gan_utils import metrics
from gan_utils.data import load_mnist


@pytest.mark.parametrize("k", [1, 3, 10])
def test_inception_score_of_confident_predictions_spread_over_k_classes_is_k(k):
    probs = np.eye(10)[np.arange(1000) % k]
    assert metrics.inception_score(probs) == pytest.approx(k, rel=1e-6)


def test_inception_score_of_identical_predictions_is_one():
    probs = np.tile([0.05, 0.5, 0.45, 0, 0, 0, 0, 0, 0, 0], (100, 1))
    assert metrics.inception_score(probs) == pytest.approx(1.0, abs=1e-9)


def test_frechet_distance_is_zero_for_a_set_with_itself_and_grows_with_noise():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(2000, 16))
    assert metrics.frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-6)
    distances = [metrics.frechet_distance(feats, feats + rng.normal(scale=s, size=feats.shape)) for s in (0.1, 0.5, 1.0)]
    assert 0 < distances[0] < distances[1] < distances[2]


def test_frechet_distance_of_shifted_gaussians_is_the_squared_shift():
    rng = np.random.default_rng(1)
    feats = rng.normal(size=(5000, 4))
    assert metrics.frechet_distance(feats, feats + 2.0) == pytest.approx(4 * 4.0, rel=1e-6)


@pytest.fixture(scope="module")
def test_split():
    return load_mnist(split="test")


def test_shipped_classifier_is_accurate(test_split):
    images, labels = test_split
    accuracy = (metrics.classify(images).argmax(axis=1) == labels).mean()
    assert accuracy >= 0.99


def test_real_digits_score_high_and_cover_every_class(test_split):
    images, labels = test_split
    result = metrics.evaluate_samples(images, labels)
    assert result["inception_score"] >= 9.5
    assert result["fid"] == pytest.approx(0.0, abs=1e-3)  # the test split against itself
    assert result["classes_covered"] == 10 and result["requested_accuracy"] >= 0.99
    assert metrics.meets_quality_bar(result)


def test_one_image_per_class_is_flagged_by_fid_not_by_is(test_split):
    images, labels = test_split
    one_each = np.concatenate([np.repeat(images[labels == d][:1], 100, axis=0) for d in range(10)])
    result = metrics.evaluate_samples(one_each)
    assert result["inception_score"] > 9.0 and result["fid"] > 5.0


@pytest.mark.parametrize("images, message", [
    (np.zeros((4, 28, 29), np.uint8), "shape"),
    (np.full((4, 28, 28), 2.0, np.float32), r"\[-1, 1\]"),
])
def test_bad_images_for_metrics(images, message):
    with pytest.raises(ValueError, match=message):
        metrics.evaluate_samples(images)


def test_score_generator_reports_requested_accuracy_for_conditional_models():
    from gan_utils.models import build_conditional_generator, build_mlp_generator

    conditional = metrics.score_generator(build_conditional_generator(), n=20)
    assert 0.0 <= conditional["requested_accuracy"] <= 1.0
    assert "requested_accuracy" not in metrics.score_generator(build_mlp_generator(), n=20)


# -- precision / recall, density / coverage, kernel distance (issue #17) -------------------------------------
def test_precision_recall_density_coverage_on_a_case_worked_by_hand():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])      # k = 1: every real ball has radius 1
    fake = np.array([[0.5], [10.0]])                   # fake radii (k = 1, the other fake point): 9.5
    assert metrics.precision_recall(real, fake, k=1) == {"precision": 0.5, "recall": 1.0}
    # 0.5 lies in the balls of 0 and 1, 10 in none: density 2 / (1 · 2); reals 0 and 1 covered
    assert metrics.density_coverage(real, fake, k=1) == {"density": 1.0, "coverage": 0.5}
    with pytest.raises(ValueError, match="more than k"):
        metrics.precision_recall(real, fake, k=3)


def test_manifold_metrics_separate_quality_from_diversity():
    rng = np.random.default_rng(0)
    real, same = rng.normal(size=(800, 4)), rng.normal(size=(800, 4))
    base = {**metrics.precision_recall(real, same), **metrics.density_coverage(real, same)}
    assert base["precision"] > 0.8 and base["recall"] > 0.8 and base["coverage"] > 0.8
    assert 0.8 < base["density"] < 1.2
    half = same[same[:, 0] > 0]                         # half of the distribution missing (a dropped mode)
    dropped = {**metrics.precision_recall(real, half), **metrics.density_coverage(real, half)}
    assert dropped["precision"] > base["precision"] - 0.05
    assert dropped["recall"] < base["recall"] - 0.3 and dropped["coverage"] < base["coverage"] - 0.3
    repeated = np.repeat(real[:10], 80, axis=0)        # ten training points, copied
    copies = metrics.precision_recall(real, repeated)
    assert copies["precision"] == 1.0 and copies["recall"] < 0.05
    far = same + 3.0                                    # poor quality: every sample off the real manifold
    assert metrics.precision_recall(real, far)["precision"] < 0.2


def test_kernel_distance_matches_its_formula_and_is_unbiased():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) + 0.5

    def kernel(x, y):
        return (x @ y / 3 + 1) ** 3

    m = 6
    within = sum(kernel(a[i], a[j]) + kernel(b[i], b[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    cross = sum(kernel(a[i], b[j]) for i in range(m) for j in range(m)) / m ** 2
    value, spread = metrics.kernel_distance(a, b, subsets=3, subset_size=6)
    assert value == pytest.approx(within - 2 * cross, rel=1e-10) and spread == pytest.approx(0.0, abs=1e-12)
    # unbiased: two small samples of one distribution average about 0; the Fréchet distance is biased upwards
    same = [metrics.kernel_distance(rng.normal(size=(50, 3)), rng.normal(size=(50, 3)), subsets=1)[0]
            for _ in range(40)]
    shifted = metrics.kernel_distance(rng.normal(size=(50, 3)), rng.normal(size=(50, 3)) + 1.0, subsets=1)[0]
    assert abs(np.mean(same)) < 0.1 * shifted
    with pytest.raises(ValueError, match="same d"):
        metrics.kernel_distance(a, rng.normal(size=(6, 2)))


def test_manifold_metrics_on_real_digits():
    """The issue's known cases with the course classifier's features: train vs test digits, three digits removed,
    ten images repeated."""
    x_train, y_train = load_mnist()
    x_test, y_test = load_mnist(split="test")
    real = metrics.classifier_features(x_train[:1000])
    test = metrics.classifier_features(x_test[:1500])
    base = metrics.precision_recall(real, test[:1000])
    assert base["precision"] > 0.7 and base["recall"] > 0.7          # near, not at, the k-NN ceiling
    kept = np.isin(y_test[:1500], [0, 1, 2], invert=True)
    missing = {**metrics.precision_recall(real, test[kept]), **metrics.density_coverage(real, test[kept])}
    cover = metrics.density_coverage(real, test[:1000])["coverage"]
    assert missing["recall"] < base["recall"] - 0.15 and missing["coverage"] < cover - 0.15
    assert missing["precision"] > base["precision"] - 0.05
    repeated = metrics.precision_recall(real, np.repeat(test[:10], 100, axis=0))
    assert repeated["recall"] < 0.05


def test_stored_test_statistics_belong_to_the_shipped_classifier_and_equal_a_fresh_computation(tmp_path, monkeypatch):
    """The Fréchet distance's reference is read from a file (saves ~10 s per process); it must be the statistics of
    the shipped classifier's features of the test digits, and a file made for another classifier must be ignored."""
    from gan_utils.data import load_mnist

    stored = np.load(metrics.TEST_STATS_PATH)
    assert str(stored["classifier_sha256"]) == metrics.file_sha256(metrics.CLASSIFIER_PATH)
    mu, cov = metrics.feature_statistics(metrics.classifier_features(load_mnist(split="test")[0]))
    # float32 features: another CPU (AVX-512/AMX kernels) rounds them differently, ~1e-8 relative; a wrong file
    # (another classifier, the training digits, a stale mean) is off by far more than this tolerance
    np.testing.assert_allclose(stored["mean"], mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stored["cov"], cov, rtol=1e-5, atol=1e-6)
    stale = tmp_path / "stale.npz"
    np.savez(stale, mean=mu + 1.0, cov=cov, classifier_sha256="0" * 64)
    monkeypatch.setattr(metrics, "TEST_STATS_PATH", stale)
    metrics._test_statistics.cache_clear()
    try:
        np.testing.assert_allclose(metrics._test_statistics()[0], mu, rtol=1e-5, atol=1e-6)   # recomputed, not read
    finally:
        metrics._test_statistics.cache_clear()


def test_the_score_path_from_statistics_equals_frechet_distance():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 8)), rng.normal(loc=0.3, size=(200, 8)) @ rng.normal(size=(8, 8))
    assert metrics._frechet_from_statistics(*metrics.feature_statistics(a), *metrics.feature_statistics(b)) == \
        pytest.approx(metrics.frechet_distance(a, b), rel=1e-12)
    assert metrics.frechet_distance(a, b) > 1.0


def test_mmd_two_sample_test_golden_value_and_its_decisions():
    from gan_utils.metrics import mmd_two_sample_test

    a = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    b = np.array([[3.0, 1.0], [2.0, 2.0]])
    result = mmd_two_sample_test(a, b, n_permutations=5)
    pooled = np.concatenate([a, b])
    d2 = ((pooled[:, None] - pooled[None]) ** 2).sum(-1)
    h = np.sqrt(np.median(d2[np.triu_indices(5, 1)]))
    k = np.exp(-d2 / (2 * h ** 2))
    naive = (sum(k[i, j] for i in range(3) for j in range(3) if i != j) / 6
             + sum(k[i, j] for i in range(3, 5) for j in range(3, 5) if i != j) / 2
             - 2 * np.mean(k[:3, 3:]))
    assert result["bandwidth"] == pytest.approx(h) and result["mmd2"] == pytest.approx(naive)
    rng = np.random.default_rng(0)
    same = mmd_two_sample_test(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)), n_permutations=100)
    shifted = mmd_two_sample_test(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + [0.5, 0], n_permutations=100)
    assert same["p_value"] > 0.05 and shifted["p_value"] == pytest.approx(1 / 101)
    with pytest.raises(ValueError, match="same number of columns"):
        mmd_two_sample_test(np.zeros((5, 2)), np.zeros((5, 3)))
