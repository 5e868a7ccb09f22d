"""Checks of the ``tf.GradientTape`` steps students write [01]: one D update and one G update,
compared with ``GANSteps`` on tiny fixed networks, SGD, fixed noise and a fixed batch."""
import functools
import inspect
import types

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.checks.core import CheckFailed, call_student, all_close, diagnose, exercise, function_name, scalar_of, np_softplus


# -- 2. the train steps (01_vanilla_gan) ----------------------------------------------------------
LATENT, DATA, BATCH = 3, 4, 8
_Z = np.random.default_rng(15).normal(size=(BATCH, LATENT)).astype("float32")
_REAL = np.random.default_rng(16).normal(1.0, 0.5, size=(BATCH, DATA)).astype("float32")


class FixedMaskDropout(layers.Layer):
    """Dropout with a fixed mask (same units dropped for every sample): in training x·mask/(1 − rate),
    at inference x. It behaves like Dropout with ``training`` but without randomness, so the step
    checks can see a missing ``training=True`` by comparing numbers."""

    def __init__(self, mask, **kwargs):
        super().__init__(**kwargs)
        self.mask = np.asarray(mask, "float32")

    def call(self, x, training=None):
        if training:
            return x * self.mask / self.mask.mean()
        return x


def _step_models():
    init = lambda seed: keras.initializers.GlorotUniform(seed=seed)  # noqa: E731
    z = keras.Input((LATENT,), name="z")
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(8, kernel_initializer=init(1))(z)))
    generator = keras.Model(z, layers.Dense(DATA, kernel_initializer=init(2))(h), name="tiny_generator")
    x = keras.Input((DATA,), name="image")
    h = layers.LeakyReLU(0.2)(layers.Dense(8, kernel_initializer=init(3), bias_initializer="ones")(x))
    h = FixedMaskDropout([1, 0, 1, 1, 0, 1, 0, 1])(h)
    discriminator = keras.Model(x, layers.Dense(1, kernel_initializer=init(4))(h), name="tiny_discriminator")
    return generator, discriminator


class _RecordingOptimizer:
    """SGD(0.1) that refuses None gradients with a sentence and remembers which variables it updated."""

    def __init__(self, name):
        self.name, self.optimizer, self.updated = name, keras.optimizers.SGD(0.1), []

    def _check(self, grads, variables):
        for g, v in zip(grads, variables):
            if g is None:
                raise CheckFailed(f"{self.name} got a None gradient for {v.path}: compute the loss inside the "
                                  "`with tf.GradientTape() as tape:` block, then tape.gradient(loss, "
                                  "model.trainable_variables).")
        self.updated.extend(variables)

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        self._check([g for g, _ in pairs], [v for _, v in pairs])
        return self.optimizer.apply_gradients(pairs)

    def apply(self, grads, trainable_variables=None):
        self._check(list(grads), list(trainable_variables))
        return self.optimizer.apply(grads, trainable_variables)

    def __getattr__(self, name):
        return getattr(self.optimizer, name)


class _Fixture:
    """Tiny G and D, their initial weights, fixed noise and a fixed real batch."""

    def __init__(self):
        self.generator, self.discriminator = _step_models()
        self.initial = [v.numpy() for v in self.generator.weights + self.discriminator.weights]

    def reset(self):
        for v, value in zip(self.generator.weights + self.discriminator.weights, self.initial):
            v.assign(value)

    @staticmethod
    def noise(n):
        return tf.constant(_Z)[:n]

    def trainable(self):
        return [v.numpy() for v in self.generator.trainable_variables], \
               [v.numpy() for v in self.discriminator.trainable_variables]

    def reference(self, which):
        from gan_utils.core.train import GANSteps

        self.reset()
        steps = GANSteps(self.generator, self.discriminator, keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
        steps.noise = self.noise
        logs = steps._d_step(tf.constant(_REAL)) if which == "d" else steps._g_step(BATCH)
        loss = float(logs["d_loss" if which == "d" else "g_loss"])
        return loss, self.trainable()

    def outputs(self, train_g, train_d):
        self.reset()
        fake = self.generator(self.noise(BATCH), training=train_g)
        return (self.discriminator(tf.constant(_REAL), training=train_d).numpy().ravel().astype("float64"),
                self.discriminator(fake, training=train_d).numpy().ravel().astype("float64"))

    def run_student(self, fn, argument):
        self.reset()
        env = {"generator": self.generator, "discriminator": self.discriminator, "noise": self.noise,
               "g_optimizer": _RecordingOptimizer("g_optimizer"), "d_optimizer": _RecordingOptimizer("d_optimizer")}
        out = call_student(_bind(fn, env), argument,
                    hint="the check gives your step its own generator, discriminator, optimizers and noise(n)")
        if isinstance(out, dict):
            out = out.get("d_loss", out.get("g_loss", out.get("loss")))
        elif isinstance(out, (tuple, list)) and out:
            out = out[0]
        return scalar_of(out, fn), self.trainable(), env


def _bind(fn, env):
    """Run ``fn`` with the check's objects: as keyword arguments if it takes them, else as its globals."""
    fn = getattr(fn, "python_function", fn)  # a tf.function: check the Python function it wraps
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    given = {k: v for k, v in env.items() if k in params}
    if given:
        return functools.wraps(fn)(functools.partial(fn, **given))
    if isinstance(fn, types.FunctionType):
        globals_ = {**fn.__globals__, **env}
        bound = types.FunctionType(fn.__code__, globals_, fn.__name__, fn.__defaults__, fn.__closure__)
        bound.__kwdefaults__ = fn.__kwdefaults__
        return bound
    return fn


def _moved_apart(after, before):
    return any(not np.allclose(a, b, atol=1e-7) for a, b in zip(after, before))


def _compare_update(name, network, student_after, reference_after, initial, other_student, other_initial, env, opt):
    if _moved_apart(other_student, other_initial):
        other = "generator" if network == "discriminator" else "discriminator"
        raise CheckFailed(f"{name} changed the {other}'s weights: apply the gradients to "
                          f"{network}.trainable_variables only, with {opt}.")
    if not env[opt].updated:
        raise CheckFailed(f"{name} never called {opt}.apply_gradients(zip(grads, {network}.trainable_variables)).")
    if all(np.allclose(s, r, rtol=1e-4, atol=1e-6) for s, r in zip(student_after, reference_after)):
        return
    if not _moved_apart(student_after, initial):
        raise CheckFailed(f"{name} returns the right loss but the {network}'s weights did not change.")
    if all(np.allclose(s - i, -(r - i), rtol=1e-3, atol=1e-6) for s, r, i in zip(student_after, reference_after, initial)):
        raise CheckFailed(f"{name} moves the {network}'s weights the wrong way (gradient ascent): apply the "
                          "gradient of the loss you return, not of its negative.")
    raise CheckFailed(f"{name} returns the right loss but updates the {network}'s weights differently: take "
                      f"tape.gradient of that loss with respect to {network}.trainable_variables and apply it once.")


_TRAINING_MISSING = {
    (False, True): "the generator is called without training=True (BatchNorm then uses its moving statistics): "
                   "call generator(z, training=True) inside the step.",
    (True, False): "the discriminator is called without training=True (dropout is then off): "
                   "call discriminator(..., training=True) inside the step.",
    (False, False): "neither network is called with training=True (BatchNorm and dropout behave as at inference): "
                    "pass training=True to both calls inside the step.",
}


@exercise("discriminator step")
def check_d_step(fn):
    """``fn(real)``: one D update with ``d_optimizer`` on ``real`` and ``noise(n)`` fresh fakes; returns d_loss."""
    fixture = _Fixture()
    expected, (g_ref, d_ref) = fixture.reference("d")
    value, (g_after, d_after), env = fixture.run_student(fn, tf.constant(_REAL))
    if not all_close(value, expected):
        variants = [(-expected, "the loss's sign is flipped: D minimises −log σ(D(x)) − log(1 − σ(D(G(z)))).")]
        for flags, sentence in _TRAINING_MISSING.items():
            r, f = fixture.outputs(*flags)
            variants.append((np_softplus(-r).mean() + np_softplus(f).mean(), sentence))
        r, f = fixture.outputs(True, True)
        variants.append((np_softplus(r).mean() + np_softplus(-f).mean(), "real and fake labels are swapped: real is 1, fake is 0."))
        variants.append((np_softplus(-r).mean(), "the loss has only the real term: add the fakes' term."))
        diagnose(value, expected, variants, f"{function_name(fn)}'s loss on the check's batch")
    fixture.reset()
    g_initial, d_initial = fixture.trainable()
    _compare_update(function_name(fn), "discriminator", d_after, d_ref, d_initial, g_after, g_initial, env, "d_optimizer")
    return f"same loss ({value:.5f}) and same updated weights as GANSteps.d_step on fixed weights, noise and batch."


@exercise("generator step")
def check_g_step(fn):
    """``fn(batch_size)``: one G update with ``g_optimizer`` on ``noise(batch_size)``; returns g_loss (non-saturating)."""
    fixture = _Fixture()
    expected, (g_ref, d_ref) = fixture.reference("g")
    value, (g_after, d_after), env = fixture.run_student(fn, BATCH)
    if not all_close(value, expected):
        _, f = fixture.outputs(True, True)
        variants = [(-expected, "the loss's sign is flipped: G minimises −log σ(D(G(z))) = softplus(−D(G(z)))."),
                    (-np_softplus(f).mean(), "this is the saturating loss log(1 − σ(D(G(z)))): use the non-saturating "
                                           "−log σ(D(G(z))) = softplus(−D(G(z)))."),
                    (np_softplus(f).mean(), "the fakes are labelled 0 (fake) in G's loss: G wants D to say real, label 1.")]
        for flags, sentence in _TRAINING_MISSING.items():
            variants.append((np_softplus(-fixture.outputs(*flags)[1]).mean(), sentence))
        diagnose(value, expected, variants, f"{function_name(fn)}'s loss on the check's noise")
    fixture.reset()
    g_initial, d_initial = fixture.trainable()
    _compare_update(function_name(fn), "generator", g_after, g_ref, g_initial, d_after, d_initial, env, "g_optimizer")
    return f"same loss ({value:.5f}) and same updated weights as GANSteps.g_step on fixed weights and noise."
