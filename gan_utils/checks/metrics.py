"""Checks of the metrics students write [06]: the Inception Score and the Fréchet distance."""
import numpy as np

from gan_utils.evaluation import metrics
from gan_utils.checks.core import CheckFailed, call_student, all_close, diagnose, exercise, scalar_of


# -- 7. the metrics (06_evaluating_and_using_gans) ------------------------------------------------
@exercise("Inception Score")
def check_inception_score(fn):
    """``fn(probs)`` with probs (N, classes) = exp(mean_x KL(p(y|x) ‖ p(y))), p(y) = mean over samples."""
    mixed = np.random.default_rng(8).dirichlet([0.5] * 4, size=12)
    value = scalar_of(call_student(fn, mixed), fn, "add a small ε inside the logs (log(p + 1e-12))")
    expected = metrics.inception_score(mixed)
    if not all_close(value, expected):
        p, marginal = mixed, mixed.mean(axis=0, keepdims=True)
        kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
        diagnose(value, expected, [
            (kl.mean(), "you return the mean KL, the log of the score: apply exp."),
            (np.exp(kl).mean(), "you average exp(KL): take exp of the mean KL."),
            (np.exp(kl.sum()), "you sum the KLs over samples: average them (E_x)."),
            (np.exp(np.mean(np.sum(marginal * (np.log(marginal) - np.log(p)), axis=1))),
             "the KL is reversed: KL(p(y|x) ‖ p(y)) = Σ p(y|x)·(log p(y|x) − log p(y))."),
            (np.exp(np.mean(np.sum(p * (np.log(p) - np.log(p.mean(axis=1, keepdims=True))), axis=1))),
             "p(y) is averaged over the classes: average p(y|x) over the samples (axis=0)."),
        ], "the Inception Score of 12 fixed predictions")
    cases = [(np.eye(10)[np.arange(40) % 10], 10.0, "confident predictions spread over 10 classes"),
             (np.eye(10)[np.zeros(40, int)], 1.0, "every sample predicted as the same class"),
             (np.full((40, 10), 0.1), 1.0, "uniform (unsure) predictions")]
    for probs, want, what in cases:
        got = scalar_of(call_student(fn, probs), fn, "add a small ε inside the logs (log(p + 1e-12)): one-hot predictions have zeros")
        if not all_close(got, want, rtol=1e-3, atol=1e-3):
            raise CheckFailed(f"for {what} the score should be {want:g}, yours is {got:.4g}.")
    return "matches metrics.inception_score, and gives 10, 1 and 1 on the known cases."


@exercise("Fréchet distance")
def check_frechet_distance(fn):
    """``fn(features_a, features_b)`` = ‖μa − μb‖² + Tr(Σa + Σb − 2(ΣaΣb)^½) between fitted Gaussians."""
    rng = np.random.default_rng(9)
    a = rng.multivariate_normal([0, 0, 0], [[1, 0.6, 0.2], [0.6, 1, -0.3], [0.2, -0.3, 0.5]], size=400)
    b = rng.multivariate_normal([1, -0.5, 0.2], [[0.5, -0.2, 0], [-0.2, 2, 0.4], [0, 0.4, 1]], size=300)
    value = scalar_of(call_student(fn, a, b), fn)
    expected = metrics.frechet_distance(a, b)
    if not all_close(value, expected):
        mean_term = np.sum((a.mean(0) - b.mean(0)) ** 2)
        ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        traces = np.trace(ca) + np.trace(cb)
        cross = expected - mean_term - traces
        diagnose(value, expected, [
            (mean_term, "only the means are compared: add the covariance term Tr(Σa + Σb − 2(ΣaΣb)^½)."),
            (mean_term + traces, "the −2·Tr((ΣaΣb)^½) term is missing."),
            (np.sqrt(mean_term) + traces + cross, "the mean term is the norm ‖μa − μb‖: square it."),
            (mean_term + traces - 2 * np.sqrt(np.abs(np.diag(ca @ cb))).sum(),
             "(ΣaΣb)^½ is a matrix square root (scipy.linalg.sqrtm), not an element-wise np.sqrt."),
            (mean_term + traces - cross, "the sign of the cross term is flipped: Tr(Σa + Σb − 2(ΣaΣb)^½)."),
        ], "the distance between two fixed 3-D feature sets")
    for x, y, want, what in [(a, a, 0.0, "identical feature sets"),
                             (a, a + np.array([3.0, 0.0, 4.0]), 25.0, "a set and itself shifted by (3, 0, 4)")]:
        got = scalar_of(call_student(fn, x, y), fn)
        if not all_close(got, want, rtol=1e-4, atol=1e-4):
            raise CheckFailed(f"for {what} the distance should be {want:g}, yours is {got:.6g}.")
    return "matches metrics.frechet_distance, and gives 0 for identical sets and 25 for a shift by (3, 0, 4)."
