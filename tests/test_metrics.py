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
