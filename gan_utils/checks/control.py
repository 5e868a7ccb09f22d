"""Checks of the exercises of notebook 09 (control and inference): InfoGAN's information loss and the
semi-supervised GAN's unsupervised loss."""
import numpy as np

from gan_utils.variants import infogan, semisupervised
from gan_utils.checks.core import CheckFailed, call_student, all_close, diagnose, exercise, scalar_of, np_softplus


def _logsumexp(x):
    m = x.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]


def _log_softmax(x):
    return x - _logsumexp(x)[:, None]


@exercise("InfoGAN's information loss")
def check_info_loss(fn):
    """``fn(cat_logits, cont_mean, cat_code, cont_code, cont_weight=0.1)`` = mean cross-entropy of the categorical
    code (integers) + cont_weight · mean ½ Σ_j (c − μ)²."""
    rng = np.random.default_rng(9)
    cat_logits = rng.normal(size=(6, 10)).astype("float32") * 2
    cont_mean = rng.normal(size=(6, 2)).astype("float32")
    cat_code = rng.integers(0, 10, size=6).astype("int32")
    cont_code = rng.uniform(-1, 1, size=(6, 2)).astype("float32")
    value = scalar_of(call_student(fn, cat_logits, cont_mean, cat_code, cont_code, cont_weight=0.1), fn)
    expected = float(infogan.info_loss(cat_logits, cont_mean, cat_code, cont_code, cont_weight=0.1))
    if not all_close(value, expected):
        ce = -_log_softmax(cat_logits.astype("float64"))[np.arange(6), cat_code]
        sq = ((cont_code - cont_mean).astype("float64") ** 2).sum(axis=1)
        diagnose(value, expected, [
            (ce.mean() + 0.1 * sq.mean(), "the Gaussian term is ½·(c − μ)²: the ½ is missing."),
            (ce.mean() + 0.5 * sq.mean(), "multiply the continuous term by cont_weight."),
            (ce.mean(), "only the categorical term: add cont_weight · ½·Σ(c − μ)² for the continuous codes."),
            (0.05 * sq.mean(), "only the continuous term: add the categorical cross-entropy."),
            (ce.sum() + 0.1 * 0.5 * sq.sum(), "sum over the batch: take the mean."),
            (-ce.mean() + 0.05 * sq.mean(), "the cross-entropy is −log softmax(logits)[c1]: mind the sign."),
            (ce.mean() + 0.05 * ((cont_code - cont_mean) ** 2).mean(),
             "sum the squared errors over the continuous codes, then average over the batch."),
        ], "the loss on 6 fixed fakes")
    perfect = np.eye(10, dtype="float32")[cat_code] * 50.0
    got = scalar_of(call_student(fn, perfect, cont_code, cat_code, cont_code, cont_weight=0.1), fn)
    if not all_close(got, 0.0, atol=1e-4):
        raise CheckFailed(f"when Q reads every code back exactly the loss should be 0, yours is {got:.4g}.")
    return "matches infogan.info_loss, and is 0 when Q reads every code back."


@exercise("semi-supervised GAN, unsupervised loss")
def check_unsupervised_loss(fn):
    """``fn(unlabeled_logits, fake_logits)`` = mean softplus(−lse(unlabeled)) + mean softplus(lse(fake))."""
    rng = np.random.default_rng(11)
    unlabeled = rng.normal(size=(5, 10)).astype("float32") * 2
    fake = rng.normal(size=(7, 10)).astype("float32") * 2 - 1
    value = scalar_of(call_student(fn, unlabeled, fake), fn)
    zeros = np.zeros(1, "int32")
    _, _, expected = semisupervised.semi_supervised_d_loss(unlabeled[:1], zeros, unlabeled, fake, return_terms=True)
    expected = float(expected)
    if not all_close(value, expected):
        lse_u, lse_f = _logsumexp(unlabeled.astype("float64")), _logsumexp(fake.astype("float64"))
        max_u, max_f = unlabeled.max(axis=1), fake.max(axis=1)
        diagnose(value, expected, [
            (np_softplus(lse_u).mean() + np_softplus(-lse_f).mean(),
             "real and generated are swapped: real images should get a large logsumexp, fakes a small one."),
            (np_softplus(-max_u).mean() + np_softplus(max_f).mean(),
             "the real/fake logit is logsumexp over the K logits, not their max."),
            (np_softplus(-lse_u).mean(), "the term for the generated images is missing."),
            (np_softplus(lse_f).mean(), "the term for the unlabeled real images is missing."),
            (np_softplus(-unlabeled.mean(axis=1)).mean() + np_softplus(fake.mean(axis=1)).mean(),
             "the real/fake logit is logsumexp over the K logits, not their mean."),
        ], "the loss on fixed logits")
    huge = np.full((2, 10), 1000.0, "float32")
    got = call_student(fn, huge, -huge)
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got, "float64")
    if not np.all(np.isfinite(got)):
        raise CheckFailed("logits of ±1000 give a non-finite loss: write D = Z/(Z+1) with logsumexp and softplus "
                          "(tf.reduce_logsumexp, tf.math.softplus), not exp and log.")
    if not all_close(float(got.reshape(-1)[0]), 0.0, atol=1e-4):
        raise CheckFailed(f"with confident, correct logits (±1000) the loss should be ≈ 0, yours is {float(got.reshape(-1)[0]):.4g}.")
    return "matches semisupervised.semi_supervised_d_loss's unsupervised term, and stays finite for logits of ±1000."
