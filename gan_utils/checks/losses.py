"""Checks of the losses students write: the GAN losses [01], one-sided label smoothing and feature
matching [03], the AC-GAN class loss [05]."""
import numpy as np
import tensorflow as tf

from gan_utils.core import losses
from gan_utils.checks.core import (FAKE_LOGITS, REAL_LOGITS, call_student, all_close, diagnose, exercise, format_values, scalar_of,
                                   np_softplus)


# -- 1. losses (01_vanilla_gan) -------------------------------------------------------------------
_LOGIT_HINT = ("D returns logits, not probabilities: use tf.math.softplus or "
               "tf.nn.sigmoid_cross_entropy_with_logits")


@exercise("discriminator loss")
def check_discriminator_loss(fn):
    """``fn(real_logits, fake_logits)`` must return L_D = −mean log σ(real) − mean log(1 − σ(fake))."""
    value = scalar_of(call_student(fn, tf.constant(REAL_LOGITS), tf.constant(FAKE_LOGITS)), fn, _LOGIT_HINT)
    r, f = REAL_LOGITS.astype("float64"), FAKE_LOGITS.astype("float64")
    expected = float(losses.minimax_discriminator_loss(REAL_LOGITS, FAKE_LOGITS))
    real_term, fake_term = np_softplus(-r).mean(), np_softplus(f).mean()
    if not all_close(value, expected):
        diagnose(value, expected, [
            (-expected, "the sign is flipped: D minimises the cross-entropy, L_D = −log σ(real) − log(1 − σ(fake))."),
            (np_softplus(r).mean() + np_softplus(-f).mean(),
             "real and fake labels are swapped: real images have label 1, fakes label 0."),
            (real_term, "only the real term is there: add the fake term −log(1 − σ(fake)) = softplus(fake)."),
            (fake_term, "only the fake term is there: add the real term −log σ(real) = softplus(−real)."),
            (expected / 2, "you average the real and fake terms (½ of the course's L_D): add the two means, "
                           "as losses.minimax_discriminator_loss does."),
            (expected * len(r), "you sum over the batch: take the mean (tf.reduce_mean)."),
        ], f"L_D on logits real={format_values(REAL_LOGITS)}, fake={format_values(FAKE_LOGITS)}")
    return f"L_D = {value:.5f} on the fixed logits, as losses.minimax_discriminator_loss."


@exercise("generator loss")
def check_generator_loss(fn, kind="non-saturating"):
    """``fn(fake_logits)``: kind "non-saturating" (−log σ(fake)) or "minimax" (log(1 − σ(fake)), saturating)."""
    if kind not in ("non-saturating", "minimax"):
        raise ValueError("kind must be 'non-saturating' or 'minimax'.")
    value = scalar_of(call_student(fn, tf.constant(FAKE_LOGITS)), fn, _LOGIT_HINT)
    f = FAKE_LOGITS.astype("float64")
    ns, mm = np_softplus(-f).mean(), -np_softplus(f).mean()
    expected, other = (ns, mm) if kind == "non-saturating" else (mm, ns)
    if not all_close(value, expected):
        variants = [(-expected, "the sign is flipped: G minimises "
                     + ("−log σ(fake) = softplus(−fake)." if kind == "non-saturating" else "log(1 − σ(fake)) = −softplus(fake)."))]
        if kind == "non-saturating":
            variants += [(mm, "this is the saturating (minimax) loss log(1 − σ(fake)); the non-saturating loss is "
                              "−log σ(fake) = softplus(−fake)."),
                         (-mm, "the fakes are labelled 0 (fake) in G's loss: G wants D to say real, label 1.")]
        else:
            variants += [(ns, "this is the non-saturating loss −log σ(fake); the minimax (saturating) loss is "
                              "log(1 − σ(fake)) = −softplus(fake).")]
        variants += [(expected * len(f), "you sum over the batch: take the mean (tf.reduce_mean).")]
        diagnose(value, expected, variants, f"L_G on fake logits {format_values(FAKE_LOGITS)}")
    return f"{kind} L_G = {value:.5f} on the fixed logits, as losses.{kind.replace('-', '_')}_generator_loss."


# -- 4. feature matching (03_training_pitfalls) ---------------------------------------------------
@exercise("feature matching loss")
def check_feature_matching_loss(fn):
    """``fn(real_features, fake_features)`` = ‖mean_x f(x) − mean_z f(G(z))‖² (batches of 6 and 4, 5 features)."""
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(6, 5)).astype("float32"), rng.normal(0.5, 1.0, size=(4, 5)).astype("float32")
    value = scalar_of(call_student(fn, tf.constant(real), tf.constant(fake),
                          hint="average each batch over axis 0 (the samples) before subtracting: the real and "
                               "fake batches can differ in size"), fn)
    expected = float(losses.feature_matching_loss(real, fake))
    diff = real.astype("float64").mean(0) - fake.astype("float64").mean(0)
    if not all_close(value, expected):
        diagnose(value, expected, [
            (np.sqrt(expected), "you return the norm ‖Δ‖; the loss is its square ‖Δ‖² (no square root)."),
            (expected / diff.size, "you average the squared differences over the features: sum them (‖Δ‖²)."),
            (np.abs(diff).sum(), "you sum absolute differences (L1): square them."),
            (-expected, "the sign is flipped: G minimises the squared distance."),
        ], "the feature matching loss on fixed features")
    return f"‖Δ‖² = {value:.5f}, as losses.feature_matching_loss (batches of different sizes too)."


# -- one-sided label smoothing (03_training_pitfalls) ---------------------------------------------
@exercise("one-sided label smoothing")
def check_smoothed_discriminator_loss(fn):
    """``fn(real_logits, fake_logits, smoothing)`` = D's cross-entropy with real targets 1 − smoothing and fake
    targets 0 (Salimans et al. 2016, §3.4), as ``losses.minimax_discriminator_loss(label_smoothing=…)``."""
    r, f = REAL_LOGITS.astype("float64"), FAKE_LOGITS.astype("float64")

    def loss(real_target, fake_target):
        real_term = real_target * np_softplus(-r) + (1 - real_target) * np_softplus(r)
        fake_term = fake_target * np_softplus(-f) + (1 - fake_target) * np_softplus(f)
        return real_term.mean() + fake_term.mean()

    for s in (0.1, 0.25):
        value = scalar_of(call_student(fn, tf.constant(REAL_LOGITS), tf.constant(FAKE_LOGITS), s), fn, _LOGIT_HINT)
        expected = float(losses.minimax_discriminator_loss(REAL_LOGITS, FAKE_LOGITS, label_smoothing=s))
        if all_close(value, expected):
            continue
        diagnose(value, expected, [
            (loss(1 - s, s), "the fakes' target is smoothed too (to s): smoothing is one-sided, fakes keep target 0 "
                             "(a fake target above 0 rewards D for scoring fakes as real)."),
            (loss(s, 0), f"the real target is s = {s}: it should be 1 − s = {1 - s:g}."),
            (loss(1, 0), "no smoothing: the real target is 1 − s, not 1."),
            (loss(0.9, 0), "the real target is always 0.9: use the argument smoothing (target 1 − smoothing)."),
            (-expected, "the sign is flipped: D minimises the cross-entropy."),
        ], f"L_D with smoothing {s} on logits real={format_values(REAL_LOGITS)}, fake={format_values(FAKE_LOGITS)}")
    return "real targets 1 − s, fake targets 0, for s = 0.1 and 0.25, as losses.minimax_discriminator_loss."


# -- the AC-GAN class loss (05_conditional_gan) ---------------------------------------------------
_CLASS_LABELS = np.array([3, 0, 7, 7, 1, 9], dtype="int32")
_CLASS_LOGITS = np.random.default_rng(11).normal(0.0, 2.0, size=(6, 10)).astype("float32")


@exercise("AC-GAN class loss")
def check_auxiliary_classifier_loss(fn):
    """``fn(labels, class_logits)`` = −mean log softmax(class_logits)[label], labels (N,) int, logits (N, 10)."""
    value = scalar_of(call_student(fn, tf.constant(_CLASS_LABELS), tf.constant(_CLASS_LOGITS),
                          hint="labels are integers of shape (N,), class_logits floats of shape (N, 10)"), fn)
    expected = float(losses.auxiliary_classifier_loss(_CLASS_LABELS, _CLASS_LOGITS))
    if not all_close(value, expected):
        logits = _CLASS_LOGITS.astype("float64")
        log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        picked = log_softmax[np.arange(len(_CLASS_LABELS)), _CLASS_LABELS]
        as_probs = np.clip(_CLASS_LOGITS, 1e-7, 1 - 1e-7) / np.clip(_CLASS_LOGITS, 1e-7, 1 - 1e-7).sum(1, keepdims=True)
        one_hot = np.eye(10)[_CLASS_LABELS]
        diagnose(value, expected, [
            (-np.mean(np.log(as_probs[np.arange(len(_CLASS_LABELS)), _CLASS_LABELS])),
             "the class head returns logits, not probabilities: use from_logits=True "
             "(or tf.nn.sparse_softmax_cross_entropy_with_logits)."),
            (-picked.sum(), "you sum over the batch: take the mean."),
            (picked.mean(), "the sign is flipped: the loss is −log p(y|x)."),
            (np.mean(one_hot * np_softplus(-logits) + (1 - one_hot) * np_softplus(logits)),
             "this is a sigmoid (binary) cross-entropy per class: a digit is one of ten, use the softmax "
             "cross-entropy."),
            (-np.mean(log_softmax[np.arange(len(_CLASS_LABELS)), np.argmax(logits, axis=1)]),
             "the loss uses the predicted class (argmax), not the true label y."),
        ], "the class loss on 6 fixed logit rows")
    return f"L_cls = {value:.5f} on fixed labels and logits, as losses.auxiliary_classifier_loss."
