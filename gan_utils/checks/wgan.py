"""Checks of the WGAN pieces students write [04]: weight clipping and the gradient penalty."""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core import losses
from gan_utils.checks.core import CheckFailed, call_student, all_close, diagnose, exercise, function_name, scalar_of


# -- 5. WGAN: weight clipping and the gradient penalty (04_wgan) ----------------------------------
@exercise("weight clipping")
def check_weight_clipping(fn):
    """``fn(model, c)`` clips every trainable variable of ``model`` to [−c, c] in place."""
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(1)(layers.Dense(3)(x)))
    rng = np.random.default_rng(4)
    for c in (0.01, 0.03):
        before = [rng.uniform(-0.06, 0.06, size=v.shape).astype("float32") for v in model.trainable_variables]
        for v, value in zip(model.trainable_variables, before):
            v.assign(value)
        call_student(fn, model, c)
        after = [v.numpy() for v in model.trainable_variables]
        wanted = [np.clip(b, -c, c) for b in before]
        if all(np.allclose(a, w, atol=1e-7) for a, w in zip(after, wanted)):
            continue
        if all(np.array_equal(a, b) for a, b in zip(after, before)):
            raise CheckFailed("the weights did not change: tf.clip_by_value returns a new tensor, write it back "
                              "with v.assign(tf.clip_by_value(v, -c, c)).")
        other = [np.clip(b, -0.01, 0.01) for b in before]
        if c != 0.01 and all(np.allclose(a, o, atol=1e-7) for a, o in zip(after, other)):
            raise CheckFailed(f"with c = {c} the weights are clipped at ±0.01: use the argument c, not a constant.")
        if all(a.min() >= 0 for a in after):
            raise CheckFailed("the weights were clipped to [0, c]: the range is [−c, c].")
        clipped = [np.allclose(a, w, atol=1e-7) for a, w in zip(after, wanted)]
        names = [v.path for v, ok in zip(model.trainable_variables, clipped) if not ok]
        if any(clipped):
            raise CheckFailed(f"{', '.join(names)} not clipped: clip every variable in model.trainable_variables "
                              "(kernels and biases).")
        raise CheckFailed(f"with c = {c} the weights are not np.clip(w, −c, c): clip each value (tf.clip_by_value), "
                          "do not rescale.")
    return "every kernel and bias clipped to [−c, c] in place, for c = 0.01 and 0.03."


class _QuadraticCritic:
    """C(x) = Σ w·x + scale·¼·Σ x² per sample, so ∇C(x) = w + scale·½·x: its norm depends on where x̂ is.
    Records every input, so the check can see the interpolates and recover α."""

    def __init__(self, w, scale=1.0):
        self.w, self.scale, self.inputs = tf.constant(w, tf.float32), scale, []

    def __call__(self, x, training=None):
        if isinstance(x, (list, tuple)):
            x = x[0]
        x = tf.convert_to_tensor(x, tf.float32)
        self.inputs.append(x)
        axes = list(range(1, len(x.shape)))
        return (tf.reduce_sum(x * self.w, axis=axes) + self.scale * 0.25 * tf.reduce_sum(x * x, axis=axes))[:, None]


@exercise("gradient penalty")
def check_gradient_penalty(fn):
    """``fn(critic, real, fake)`` = mean((sqrt(Σ grad² + ε) − 1)²) at x̂ = α·real + (1 − α)·fake, α ~ U(0, 1)
    per sample, the gradient of ``critic(x̂, training=True)`` with respect to x̂ (as losses.gradient_penalty)."""
    n, shape = 64, (3, 3, 2)
    rng = np.random.default_rng(5)
    real = rng.uniform(0.5, 1.5, size=(n, *shape)).astype("float32")
    fake = -rng.uniform(0.5, 1.5, size=(n, *shape)).astype("float32")
    critic = _QuadraticCritic(rng.normal(0.0, 0.3, size=shape))
    hint = "if tape.gradient returned None, call tape.watch(interpolates) inside the tape"
    value = scalar_of(call_student(fn, critic, tf.constant(real), tf.constant(fake), hint=hint), fn)
    if not critic.inputs:
        raise CheckFailed(f"{function_name(fn)} never calls the critic: evaluate critic(interpolates, training=True).")
    x_hat = critic.inputs[0].numpy().astype("float64")
    if x_hat.shape != real.shape:
        raise CheckFailed(f"the critic was called on shape {x_hat.shape}, expected interpolates of shape {real.shape}.")
    if np.allclose(x_hat, real) or np.allclose(x_hat, fake):
        raise CheckFailed("the critic is evaluated on the real (or fake) images: use x̂ = α·real + (1 − α)·fake.")
    alpha = ((x_hat - fake) / (real - fake)).reshape(n, -1)
    if np.ptp(alpha, axis=1).max() > 1e-4:
        raise CheckFailed("α varies within an image: draw one α per sample, shape (N, 1, 1, 1).")
    alpha = alpha.mean(axis=1)
    if alpha.min() < -1e-6 or alpha.max() > 1 + 1e-6:
        raise CheckFailed(f"α lies outside [0, 1] (from {alpha.min():.2f} to {alpha.max():.2f}): draw it from "
                          "tf.random.uniform, not tf.random.normal.")
    if np.ptp(alpha) < 1e-7:
        raise CheckFailed("every sample gets the same α: draw one α per sample, shape (N, 1, 1, 1).")
    expected = float(losses.gradient_penalty(critic, real, fake, alpha=alpha.reshape(n, 1, 1, 1).astype("float32")))
    g = critic.w.numpy().astype("float64") + 0.5 * x_hat  # the analytic gradient at x̂
    sq = np.square(g)
    norms = np.sqrt(sq.sum(axis=(1, 2, 3)))
    if not all_close(value, expected):
        diagnose(value, expected, [
            (np.mean((sq.sum(axis=(1, 2, 3)) - 1) ** 2), "you penalise (‖g‖² − 1)²: take the square root of the "
                                                         "sum of squares (plus ε) before subtracting 1."),
            (np.mean((np.sqrt(sq.sum(axis=-1)) - 1) ** 2), "the norm is taken over the last axis only: sum the "
                                                          "squares over every axis but the batch axis, axis=[1, 2, 3]."),
            (np.mean((np.sqrt(sq.sum(axis=(1, 2))) - 1) ** 2), "the norm is taken over height and width only: "
                                                               "include the channel axis, axis=[1, 2, 3]."),
            ((np.sqrt(sq.sum()) - 1) ** 2, "one norm for the whole batch: compute one norm per sample "
                                           "(axis=[1, 2, 3]), then average the squared distances to 1."),
            (np.mean(norms ** 2), "the − 1 is missing: the penalty is (‖g‖ − 1)²."),
            (np.mean(np.abs(norms - 1)), "the distance to 1 is not squared: (‖g‖ − 1)²."),
            (np.mean(np.maximum(norms - 1, 0) ** 2), "this is a one-sided penalty: WGAN-GP penalises norms below "
                                                      "1 too, (‖g‖ − 1)²."),
            (10 * expected, "the penalty is multiplied by λ = 10: return it alone, the step multiplies by λ."),
        ], "the penalty on a critic with known gradients")
    # ε: at x̂ = 0 this critic's gradient is 0; sqrt(0) has an infinite derivative, so without ε the
    # penalty's own gradient (what the critic's optimizer uses) is NaN.
    scale = tf.Variable(1.0)
    zeros = tf.zeros((4, *shape))
    with tf.GradientTape() as tape:
        penalty = call_student(fn, _QuadraticCritic(np.zeros(shape), scale), zeros, zeros, hint=hint)
    grad = tape.gradient(penalty, scale)
    if grad is None:
        raise CheckFailed("the penalty is not differentiable with respect to the critic's weights: keep it in "
                          "TensorFlow ops (no .numpy()) and create the tape inside your function.")
    if not np.isfinite(float(grad)):
        raise CheckFailed("the penalty's gradient is NaN when a gradient norm is 0: put ε inside the square root, "
                          "sqrt(Σ g² + 1e-12) (tf.norm has no ε).")
    return ("matches losses.gradient_penalty on the same α, drawn U(0, 1) per sample; finite gradient at "
            "‖g‖ = 0.")
