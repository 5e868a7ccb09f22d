"""Checks of the exercises of notebook 08 (progressive growing and the style-based generator): ProGAN's minibatch
standard deviation and StyleGAN's truncation trick."""
import numpy as np

from gan_utils.variants import progressive, style
from gan_utils.checks.core import CheckFailed, call_student, exercise, function_name


def _array(value, fn, what):
    """The student's result as a float64 array (a tf.Tensor or a NumPy array), or a sentence if it is not one."""
    if value is None:
        raise CheckFailed(f"{function_name(fn)} returns None: `return` the {what}.")
    try:
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value, "float64")
    except (TypeError, ValueError):
        raise CheckFailed(f"{function_name(fn)} returns {type(value).__name__}, not an array of numbers.") from None
    if not np.all(np.isfinite(array)):
        raise CheckFailed(f"{function_name(fn)} returns NaN or Inf values.")
    return array


def _matches(a, b, rtol=1e-4, atol=1e-5):
    return a.shape == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)


def _diagnose_array(value, expected, variants, what):
    """Raise CheckFailed naming the first known mistake whose values match, else say how far off it is."""
    for variant, sentence in variants:
        if _matches(value, variant) and not _matches(value, expected):
            raise CheckFailed(sentence)
    raise CheckFailed(f"{what} differs from the expected values by up to {np.abs(value - expected).max():.4g}.")


# -- the minibatch standard deviation (ProGAN §3) --------------------------------------------------------------
EPSILON = 1e-8


def _groups(x, group_size):
    """(G, N/G, H, W, C): sample i in group i mod (N/G), as ProGAN's code (and progressive.MinibatchStdDev) does."""
    return x.reshape(group_size, len(x) // group_size, *x.shape[1:])


def _append(x, per_group, group_size):
    """x with one more channel holding each sample's group statistic (per_group: (N/G,))."""
    s = np.tile(per_group, group_size)
    return np.concatenate([x, np.broadcast_to(s[:, None, None, None], (*x.shape[:-1], 1))], axis=-1)


@exercise("minibatch standard deviation")
def check_minibatch_stddev(fn):
    """``fn(x, group_size=4)``: x (N, H, W, C), N divisible by group_size -> (N, H, W, C + 1), the last channel the
    mean over features and positions of sqrt(Var_group(x) + 1e-8), groups as in ``progressive.MinibatchStdDev``."""
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(8, 3, 3, 2)) * np.array([1.0, 2.5]) + 0.3).astype("float32")
    value = _array(call_student(fn, x, group_size=4), fn, "array x with the statistic appended")
    expected = progressive.MinibatchStdDev(4)(x).numpy().astype("float64")
    if value.shape != expected.shape:
        if value.shape == (8, 3, 3, 1):
            raise CheckFailed("return x with the statistic appended as one more channel (concatenate on the last "
                              "axis): shape (8, 3, 3, 3) for x of shape (8, 3, 3, 2), yours is (8, 3, 3, 1).")
        if value.shape == (8, 3, 3, 4):
            raise CheckFailed("append ONE feature map: average the standard deviations over every feature and "
                              "position (one number per group), so the output has C + 1 channels, not 2·C.")
        raise CheckFailed(f"for x of shape (8, 3, 3, 2) the output should have shape (8, 3, 3, 3) (C + 1 channels), "
                          f"yours has {value.shape}.")
    if not np.allclose(value[..., :-1], x, atol=1e-6):
        raise CheckFailed("the first C channels must be x unchanged, with the statistic appended after them.")
    xd = x.astype("float64")
    g = _groups(xd, 4)
    centred = g - g.mean(axis=0, keepdims=True)
    var = (centred ** 2).mean(axis=0)                                           # (N/G, H, W, C)
    whole = xd - xd.mean(axis=0, keepdims=True)
    contiguous = xd.reshape(2, 4, *xd.shape[1:])                                # groups of neighbours
    contiguous_std = np.sqrt(contiguous.var(axis=1) + EPSILON).mean(axis=(1, 2, 3))
    per_sample = xd.std(axis=(1, 2, 3))                                         # within one sample
    variants = [
        (_append(xd, (var + EPSILON).mean(axis=(1, 2, 3)), 4),
         "take the square root: the statistic is a standard deviation, not a variance."),
        (_append(xd, np.sqrt(g.var(axis=0, ddof=1) + EPSILON).mean(axis=(1, 2, 3)), 4),
         "use the population variance (divide by the group size, as ProGAN does), not by group size − 1."),
        (_append(xd, np.sqrt(var.mean(axis=(1, 2, 3)) + EPSILON), 4),
         "take the square root of each feature's variance first, then average the standard deviations."),
        (_append(xd, np.full(2, np.sqrt((whole ** 2).mean(axis=0) + EPSILON).mean()), 4),
         "split the batch into groups of group_size samples: 8 samples in groups of 4 make two groups, each with "
         "its own statistic, not one for the whole batch."),
        (np.concatenate([xd, np.broadcast_to(np.repeat(contiguous_std, 4)[:, None, None, None], (8, 3, 3, 1))], -1),
         "group the samples as ProGAN does: reshape to (group_size, N // group_size, H, W, C) and take the statistics "
         "over axis 0, so that sample i falls in group i mod (N // group_size); yours groups neighbouring samples."),
        (np.concatenate([xd, np.broadcast_to(per_sample[:, None, None, None], (8, 3, 3, 1))], -1),
         "the standard deviation is taken across the samples of a group (for each feature and position), not "
         "across the features and positions of one sample."),
        (_append(xd, np.sqrt((g ** 2).mean(axis=0) + EPSILON).mean(axis=(1, 2, 3)), 4),
         "subtract the group's mean before squaring: sqrt(mean over the group of (x − mean)² + ε)."),
    ]
    if not _matches(value, expected):
        _diagnose_array(value, expected, variants, "the statistic for 8 samples in groups of 4")
    pairs = _array(call_student(fn, x, group_size=2), fn, "array x with the statistic appended")
    if not _matches(pairs, progressive.MinibatchStdDev(2)(x).numpy()):
        if _matches(pairs, expected):
            raise CheckFailed("use the group_size argument: with group_size=2 the result should change.")
        raise CheckFailed("correct for groups of 4 but not for groups of 2: use group_size for the reshape and the "
                          "tiling.")
    same = np.repeat(x[:1], 8, axis=0)
    collapsed = _array(call_student(fn, same, group_size=4), fn, "array x with the statistic appended")
    if collapsed.shape == (8, 3, 3, 3) and not np.allclose(collapsed[..., -1], np.sqrt(EPSILON), rtol=1e-3):
        got = float(collapsed[..., -1].mean())
        raise CheckFailed(f"on a batch of identical samples the statistic should be sqrt(0 + 1e-8) = 1e-4, yours is "
                          f"{got:.3g}: put ε = 1e-8 inside the square root (the gradient of sqrt at 0 is infinite).")
    return ("matches progressive.MinibatchStdDev for groups of 4 and 2, and gives sqrt(ε) = 1e-4 on a batch of "
            "identical samples.")


# -- the truncation trick (StyleGAN §3.2) ----------------------------------------------------------------------
def reference_truncate(w, w_avg, psi):
    """The package's truncation (``style.Truncation``) as a function: w' = w_avg + psi·(w − w_avg)."""
    w = np.asarray(w, "float32")
    layer = style.Truncation(psi=psi)
    layer.build((None, w.shape[-1]))
    layer.w_avg.assign(np.asarray(w_avg, "float32"))
    return layer(w).numpy()


@exercise("truncation trick")
def check_truncation(fn):
    """``fn(w, w_avg, psi)``: w (N, w_dim), w_avg (w_dim,) -> w_avg + psi·(w − w_avg), shape (N, w_dim)."""
    rng = np.random.default_rng(8)
    w = (rng.normal(size=(6, 5)) * 1.5 + 0.3).astype("float32")
    w_avg = rng.normal(size=5).astype("float32")
    psi = 0.7
    value = _array(call_student(fn, w, w_avg, psi), fn, "truncated w")
    expected = reference_truncate(w, w_avg, psi).astype("float64")
    if value.shape != expected.shape:
        raise CheckFailed(f"return one truncated w per row of w: shape {expected.shape} for w of shape {w.shape}, "
                          f"yours has {value.shape}.")
    wd, ad = w.astype("float64"), w_avg.astype("float64")
    batch_mean = wd.mean(axis=0)
    variants = [
        (wd + psi * (ad - wd), "the lerp runs the wrong way: ψ = 1 must keep w (no truncation) and ψ = 0 give the "
                               "average: w' = w_avg + ψ·(w − w_avg)."),
        (psi * wd, "ψ·w pulls w towards 0, not towards the average w_avg: w' = w_avg + ψ·(w − w_avg)."),
        (psi * ad + (wd - ad), "ψ multiplies the offset (w − w_avg), not w_avg: w' = w_avg + ψ·(w − w_avg)."),
        (psi * ad + wd, "ψ multiplies the offset (w − w_avg), not w_avg: w' = w_avg + ψ·(w − w_avg)."),
        (ad - psi * (wd - ad), "mind the sign: w' = w_avg + ψ·(w − w_avg) moves from the average towards w."),
        (batch_mean + psi * (wd - batch_mean), "use the given w_avg (the generator's running average of w), not "
                                               "the mean of this batch."),
    ]
    if not _matches(value, expected):
        _diagnose_array(value, expected, variants, "the truncated w for ψ = 0.7")
    for edge, want, sentence in ((1.0, wd, "ψ = 1 must return w unchanged (no truncation)."),
                                 (0.0, np.broadcast_to(ad, wd.shape), "ψ = 0 must return w_avg for every row.")):
        got = _array(call_student(fn, w, w_avg, edge), fn, "truncated w")
        if not _matches(got, want):
            raise CheckFailed(sentence)
    return "matches style.Truncation: ψ = 1 keeps w, ψ = 0 gives w_avg, and ψ = 0.7 keeps 70 % of each offset."
