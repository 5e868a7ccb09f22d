"""Automatic checks for the course's coding exercises ("students write the GAN", issue #15).

Each ``check_*`` function runs a student's function on fixed inputs, compares it with the package's
own implementation (``losses``, ``train.GANSteps``, ``models``, ``metrics``) and **prints one sentence**:
``✓ <exercise>: …`` when it matches, ``✗ <exercise>: …`` saying what differs (a sign, a missing term, a
shape, a missing ``training=True``…). It then **returns True or False**; it never raises for a wrong
answer, so a check cell shows one line, not a traceback. A function that still raises
``NotImplementedError`` (the student edition's skeleton) gets "not implemented yet"; any other
exception in the student's code is reported in the same one-sentence form.

Inside a check, a failed comparison raises ``CheckFailed(sentence)``; the ``@_exercise`` decorator turns
it into the printed ✗ line and ``False``. Write new checks the same way.

The exercises and what each check compares (notebook in brackets):

- ``check_discriminator_loss``, ``check_generator_loss(kind=…)``: losses on the fixed logits
  real = [-5.0, 1.4, 12.5, 2.7], fake = [0.3, -2.0, -12.5, 4.1] [01];
- ``check_d_step``, ``check_g_step``: one ``tf.GradientTape`` update. The student's ``d_step(real)`` /
  ``g_step(batch_size)`` reads ``generator``, ``discriminator``, ``d_optimizer``, ``g_optimizer`` and
  ``noise(n)`` as notebook globals (or takes them as keyword arguments); the check swaps in tiny models
  (BatchNorm in G, a fixed-mask dropout in D, so a missing ``training=True`` changes the numbers
  deterministically), SGD optimizers and fixed noise, and compares the loss and the updated weights
  with ``GANSteps`` on the same weights, noise and batch [01];
- ``check_dcgan_generator``: the block shapes (7,7,256) -> (7,7,128) -> (14,14,64) -> (28,28,1), BatchNorm,
  tanh and the parameter count [02];
- ``check_feature_matching_loss`` [03]; ``check_weight_clipping``, ``check_gradient_penalty`` [04];
- ``check_conditional_generator``: shapes, and the output depends on the label and on z [05];
- ``check_inception_score``, ``check_frechet_distance``: known cases and ``metrics`` [06].

Introduced in TEACHING.md; the exercise cells that call these checks are added to the notebooks later.
"""
import functools
import inspect
import re
import types

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils import losses, metrics

REAL_LOGITS = np.array([-5.0, 1.4, 12.5, 2.7], dtype="float32")
FAKE_LOGITS = np.array([0.3, -2.0, -12.5, 4.1], dtype="float32")


class CheckFailed(AssertionError):
    """Raised inside a check with the one sentence that says what differs; printed, never propagated."""


def _exercise(title):
    def wrap(body):
        @functools.wraps(body)
        def run(*args, **kwargs):
            try:
                message = body(*args, **kwargs)
            except CheckFailed as failure:
                print(f"✗ {title}: {failure}")
                return False
            print(f"✓ {title}: {message}")
            return True

        return run

    return wrap


# -- helpers --------------------------------------------------------------------------------------
def _name(fn):
    if isinstance(fn, keras.Model):
        return f"your model `{fn.name}`"
    return f"`{getattr(fn, '__name__', type(fn).__name__)}`"


def _call(fn, *args, hint="", **kwargs):
    """Call the student's code; NotImplementedError and other exceptions become one sentence."""
    try:
        return fn(*args, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError:
        raise CheckFailed(f"{_name(fn)} is not implemented yet: replace `raise NotImplementedError` "
                          "with your code.") from None
    except Exception as err:  # noqa: BLE001 (any error in student code becomes a sentence)
        text = re.sub(r"\x1b\[[0-9;]*m|\{\{function_node [^}]*\}\}|\[Op:\w+\]( name:)?", "", str(err))
        text = " ".join(text.replace("Exception encountered when calling Functional.call().", "").split())
        text = f": {text[:160]}{'…' if len(text) > 160 else ''}" if text else ""
        raise CheckFailed(f"{_name(fn)} raised {type(err).__name__}{text}{' (' + hint + ')' if hint else ''}.") from None


def _scalar(value, fn, nan_hint=""):
    if value is None:
        raise CheckFailed(f"{_name(fn)} returns None: `return` the value.")
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if np.iscomplexobj(array):
        raise CheckFailed(f"{_name(fn)} returns a complex number ({complex(array.reshape(-1)[0]):.4g}): "
                          "keep the real part (`.real`), round-off makes a tiny imaginary part.")
    if array.size != 1:
        raise CheckFailed(f"{_name(fn)} returns an array of shape {array.shape}, not one number: "
                          "take the mean over the batch (tf.reduce_mean).")
    number = float(array.reshape(()))
    if not np.isfinite(number):
        raise CheckFailed(f"{_name(fn)} returns {number}{': ' + nan_hint if nan_hint else ''}.")
    return number


def _close(a, b, rtol=1e-4, atol=1e-5):
    return abs(a - b) <= atol + rtol * abs(b)


def _diagnose(value, expected, variants, what):
    """Raise CheckFailed naming the first known mistake whose value matches, else a generic sentence."""
    for variant_value, sentence in variants:
        if _close(value, variant_value) and not _close(value, expected):
            raise CheckFailed(sentence)
    raise CheckFailed(f"{what} is {value:.6g}, expected {expected:.6g}.")


def _fmt(values):
    return "[" + ", ".join(f"{float(v):g}" for v in values) + "]"


def _softplus(t):
    return np.logaddexp(0.0, np.asarray(t, "float64"))


def _build(model_or_builder):
    """Accept a Keras model (or any callable model) or a function that builds one with no arguments."""
    if isinstance(model_or_builder, keras.Model):
        return model_or_builder
    if callable(model_or_builder) and _accepts_no_arguments(model_or_builder):
        return _call(model_or_builder)
    return model_or_builder


def _accepts_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)


# -- 1. losses (01_vanilla_gan) -------------------------------------------------------------------
_LOGIT_HINT = ("D returns logits, not probabilities: use tf.math.softplus or "
               "tf.nn.sigmoid_cross_entropy_with_logits")


@_exercise("discriminator loss")
def check_discriminator_loss(fn):
    """``fn(real_logits, fake_logits)`` must return L_D = −mean log σ(real) − mean log(1 − σ(fake))."""
    value = _scalar(_call(fn, tf.constant(REAL_LOGITS), tf.constant(FAKE_LOGITS)), fn, _LOGIT_HINT)
    r, f = REAL_LOGITS.astype("float64"), FAKE_LOGITS.astype("float64")
    expected = float(losses.minimax_discriminator_loss(REAL_LOGITS, FAKE_LOGITS))
    real_term, fake_term = _softplus(-r).mean(), _softplus(f).mean()
    if not _close(value, expected):
        _diagnose(value, expected, [
            (-expected, "the sign is flipped: D minimises the cross-entropy, L_D = −log σ(real) − log(1 − σ(fake))."),
            (_softplus(r).mean() + _softplus(-f).mean(),
             "real and fake labels are swapped: real images have label 1, fakes label 0."),
            (real_term, "only the real term is there: add the fake term −log(1 − σ(fake)) = softplus(fake)."),
            (fake_term, "only the fake term is there: add the real term −log σ(real) = softplus(−real)."),
            (expected / 2, "you average the real and fake terms (½ of the course's L_D): add the two means, "
                           "as losses.minimax_discriminator_loss does."),
            (expected * len(r), "you sum over the batch: take the mean (tf.reduce_mean)."),
        ], f"L_D on logits real={_fmt(REAL_LOGITS)}, fake={_fmt(FAKE_LOGITS)}")
    return f"L_D = {value:.5f} on the fixed logits, as losses.minimax_discriminator_loss."


@_exercise("generator loss")
def check_generator_loss(fn, kind="non-saturating"):
    """``fn(fake_logits)``: kind "non-saturating" (−log σ(fake)) or "minimax" (log(1 − σ(fake)), saturating)."""
    if kind not in ("non-saturating", "minimax"):
        raise ValueError("kind must be 'non-saturating' or 'minimax'.")
    value = _scalar(_call(fn, tf.constant(FAKE_LOGITS)), fn, _LOGIT_HINT)
    f = FAKE_LOGITS.astype("float64")
    ns, mm = _softplus(-f).mean(), -_softplus(f).mean()
    expected, other = (ns, mm) if kind == "non-saturating" else (mm, ns)
    if not _close(value, expected):
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
        _diagnose(value, expected, variants, f"L_G on fake logits {_fmt(FAKE_LOGITS)}")
    return f"{kind} L_G = {value:.5f} on the fixed logits, as losses.{kind.replace('-', '_')}_generator_loss."


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
        from gan_utils.train import GANSteps

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
        out = _call(_bind(fn, env), argument,
                    hint="the check gives your step its own generator, discriminator, optimizers and noise(n)")
        if isinstance(out, dict):
            out = out.get("d_loss", out.get("g_loss", out.get("loss")))
        elif isinstance(out, (tuple, list)) and out:
            out = out[0]
        return _scalar(out, fn), self.trainable(), env


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


@_exercise("discriminator step")
def check_d_step(fn):
    """``fn(real)``: one D update with ``d_optimizer`` on ``real`` and ``noise(n)`` fresh fakes; returns d_loss."""
    fixture = _Fixture()
    expected, (g_ref, d_ref) = fixture.reference("d")
    value, (g_after, d_after), env = fixture.run_student(fn, tf.constant(_REAL))
    if not _close(value, expected):
        variants = [(-expected, "the loss's sign is flipped: D minimises −log σ(D(x)) − log(1 − σ(D(G(z)))).")]
        for flags, sentence in _TRAINING_MISSING.items():
            r, f = fixture.outputs(*flags)
            variants.append((_softplus(-r).mean() + _softplus(f).mean(), sentence))
        r, f = fixture.outputs(True, True)
        variants.append((_softplus(r).mean() + _softplus(-f).mean(), "real and fake labels are swapped: real is 1, fake is 0."))
        variants.append((_softplus(-r).mean(), "the loss has only the real term: add the fakes' term."))
        _diagnose(value, expected, variants, f"{_name(fn)}'s loss on the check's batch")
    fixture.reset()
    g_initial, d_initial = fixture.trainable()
    _compare_update(_name(fn), "discriminator", d_after, d_ref, d_initial, g_after, g_initial, env, "d_optimizer")
    return f"same loss ({value:.5f}) and same updated weights as GANSteps.d_step on fixed weights, noise and batch."


@_exercise("generator step")
def check_g_step(fn):
    """``fn(batch_size)``: one G update with ``g_optimizer`` on ``noise(batch_size)``; returns g_loss (non-saturating)."""
    fixture = _Fixture()
    expected, (g_ref, d_ref) = fixture.reference("g")
    value, (g_after, d_after), env = fixture.run_student(fn, BATCH)
    if not _close(value, expected):
        _, f = fixture.outputs(True, True)
        variants = [(-expected, "the loss's sign is flipped: G minimises −log σ(D(G(z))) = softplus(−D(G(z)))."),
                    (-_softplus(f).mean(), "this is the saturating loss log(1 − σ(D(G(z)))): use the non-saturating "
                                           "−log σ(D(G(z))) = softplus(−D(G(z)))."),
                    (_softplus(f).mean(), "the fakes are labelled 0 (fake) in G's loss: G wants D to say real, label 1.")]
        for flags, sentence in _TRAINING_MISSING.items():
            variants.append((_softplus(-fixture.outputs(*flags)[1]).mean(), sentence))
        _diagnose(value, expected, variants, f"{_name(fn)}'s loss on the check's noise")
    fixture.reset()
    g_initial, d_initial = fixture.trainable()
    _compare_update(_name(fn), "generator", g_after, g_ref, g_initial, d_after, d_initial, env, "g_optimizer")
    return f"same loss ({value:.5f}) and same updated weights as GANSteps.g_step on fixed weights and noise."


# -- 3. the DCGAN generator (02_dcgan) ------------------------------------------------------------
def _shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return None


@_exercise("DCGAN generator")
def check_dcgan_generator(model_or_builder, latent_dim=100, filters=(256, 128, 64)):
    """A Keras model (or a no-argument builder) with the TF tutorial's blocks; ``filters`` as in models."""
    from gan_utils.models import build_dcgan_generator

    model = _build(model_or_builder)
    if not isinstance(model, keras.Model):
        raise CheckFailed(f"expected a keras.Model, got {type(model).__name__}.")
    if tuple(model.inputs[0].shape) != (None, latent_dim):
        raise CheckFailed(f"the input has shape {tuple(model.inputs[0].shape)}, expected (None, {latent_dim}): "
                          f"keras.Input(({latent_dim},)).")
    reshapes = [layer for layer in model.layers if isinstance(layer, layers.Reshape)]
    start = (None, 7, 7, filters[0])
    if not reshapes or _shape(reshapes[0]) != start:
        got = _shape(reshapes[0]) if reshapes else "no Reshape layer"
        raise CheckFailed(f"after the Dense block expected a Reshape to {start}, found {got}: "
                          f"Dense(7 * 7 * {filters[0]}) then layers.Reshape((7, 7, {filters[0]})).")
    expected = [(None, 7, 7, filters[1]), (None, 14, 14, filters[2]), (None, 28, 28, 1)]
    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv2DTranspose)]
    if len(convs) != len(expected):
        raise CheckFailed(f"found {len(convs)} Conv2DTranspose blocks, expected {len(expected)}: "
                          f"{' -> '.join(str(s) for s in expected)}.")
    for i, (layer, want) in enumerate(zip(convs, expected), start=1):
        got = _shape(layer)
        if got != want:
            if got is not None and got[1:3] != want[1:3]:
                stride = 1 if i == 1 else 2
                fix = f"use strides={stride} and padding='same'"
            else:
                fix = f"use {want[3]} filters"
            raise CheckFailed(f"Conv2DTranspose block {i} outputs {got}, expected {want}: {fix}.")
    n_norm = sum("BatchNormalization" in type(layer).__name__ for layer in model.layers)
    if n_norm != 3:
        raise CheckFailed(f"found {n_norm} BatchNormalization layers, expected 3 (after the Dense and the first two "
                          "Conv2DTranspose, before each LeakyReLU).")
    z = np.random.default_rng(0).normal(scale=3.0, size=(8, latent_dim)).astype("float32")
    images = np.asarray(model(z, training=False))
    if images.max() > 1.0 + 1e-5 or images.min() < -1.0 - 1e-5 or images.min() >= 0.0:
        raise CheckFailed(f"outputs range over [{images.min():.3g}, {images.max():.3g}]: the last Conv2DTranspose "
                          "needs activation='tanh' (images are scaled to [−1, 1]).")
    reference = build_dcgan_generator(latent_dim, filters).count_params()
    if model.count_params() != reference:
        raise CheckFailed(f"the shapes are right but the model has {model.count_params():,} parameters, expected "
                          f"{reference:,}: use_bias=False on the Dense and Conv2DTranspose layers (BatchNorm's β "
                          "replaces the bias).")
    return f"blocks {start} -> {' -> '.join(str(s) for s in expected)}, 3 BatchNorms, tanh, {reference:,} parameters."


# -- 4. feature matching (03_training_pitfalls) ---------------------------------------------------
@_exercise("feature matching loss")
def check_feature_matching_loss(fn):
    """``fn(real_features, fake_features)`` = ‖mean_x f(x) − mean_z f(G(z))‖² (batches of 6 and 4, 5 features)."""
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(6, 5)).astype("float32"), rng.normal(0.5, 1.0, size=(4, 5)).astype("float32")
    value = _scalar(_call(fn, tf.constant(real), tf.constant(fake),
                          hint="average each batch over axis 0 (the samples) before subtracting: the real and "
                               "fake batches can differ in size"), fn)
    expected = float(losses.feature_matching_loss(real, fake))
    diff = real.astype("float64").mean(0) - fake.astype("float64").mean(0)
    if not _close(value, expected):
        _diagnose(value, expected, [
            (np.sqrt(expected), "you return the norm ‖Δ‖; the loss is its square ‖Δ‖² (no square root)."),
            (expected / diff.size, "you average the squared differences over the features: sum them (‖Δ‖²)."),
            (np.abs(diff).sum(), "you sum absolute differences (L1): square them."),
            (-expected, "the sign is flipped: G minimises the squared distance."),
        ], "the feature matching loss on fixed features")
    return f"‖Δ‖² = {value:.5f}, as losses.feature_matching_loss (batches of different sizes too)."


# -- 5. WGAN: weight clipping and the gradient penalty (04_wgan) ----------------------------------
@_exercise("weight clipping")
def check_weight_clipping(fn):
    """``fn(model, c)`` clips every trainable variable of ``model`` to [−c, c] in place."""
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(1)(layers.Dense(3)(x)))
    rng = np.random.default_rng(4)
    for c in (0.01, 0.03):
        before = [rng.uniform(-0.06, 0.06, size=v.shape).astype("float32") for v in model.trainable_variables]
        for v, value in zip(model.trainable_variables, before):
            v.assign(value)
        _call(fn, model, c)
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


@_exercise("gradient penalty")
def check_gradient_penalty(fn):
    """``fn(critic, real, fake)`` = mean((sqrt(Σ grad² + ε) − 1)²) at x̂ = α·real + (1 − α)·fake, α ~ U(0, 1)
    per sample, the gradient of ``critic(x̂, training=True)`` with respect to x̂ (as losses.gradient_penalty)."""
    n, shape = 64, (3, 3, 2)
    rng = np.random.default_rng(5)
    real = rng.uniform(0.5, 1.5, size=(n, *shape)).astype("float32")
    fake = -rng.uniform(0.5, 1.5, size=(n, *shape)).astype("float32")
    critic = _QuadraticCritic(rng.normal(0.0, 0.3, size=shape))
    hint = "if tape.gradient returned None, call tape.watch(interpolates) inside the tape"
    value = _scalar(_call(fn, critic, tf.constant(real), tf.constant(fake), hint=hint), fn)
    if not critic.inputs:
        raise CheckFailed(f"{_name(fn)} never calls the critic: evaluate critic(interpolates, training=True).")
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
    if not _close(value, expected):
        _diagnose(value, expected, [
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
        penalty = _call(fn, _QuadraticCritic(np.zeros(shape), scale), zeros, zeros, hint=hint)
    grad = tape.gradient(penalty, scale)
    if grad is None:
        raise CheckFailed("the penalty is not differentiable with respect to the critic's weights: keep it in "
                          "TensorFlow ops (no .numpy()) and create the tape inside your function.")
    if not np.isfinite(float(grad)):
        raise CheckFailed("the penalty's gradient is NaN when a gradient norm is 0: put ε inside the square root, "
                          "sqrt(Σ g² + 1e-12) (tf.norm has no ε).")
    return f"GP = {value:.5f} with α ~ U(0, 1) per sample, as losses.gradient_penalty; finite gradient at ‖g‖ = 0."


# -- 6. the conditional generator (05_conditional_gan) --------------------------------------------
@_exercise("conditional generator")
def check_conditional_generator(model_or_builder, latent_dim=100, num_classes=10, image_shape=(28, 28, 1)):
    """``G([z, labels])`` with z (N, latent_dim) and integer labels (N,): images of ``image_shape`` that
    change with the label (same z) and with z (same label)."""
    generator = _build(model_or_builder)
    z = np.repeat(np.random.default_rng(6).normal(size=(1, latent_dim)).astype("float32"), num_classes, axis=0)
    labels = np.arange(num_classes, dtype="int32")
    hint = (f"the generator takes [z of shape (N, {latent_dim}), labels of shape (N,) int32]: embed the label "
            "(layers.Embedding) and concatenate it to z")
    images = np.asarray(_call(generator, [z, labels], training=False, hint=hint))
    if images.shape != (num_classes, *image_shape):
        raise CheckFailed(f"for {num_classes} inputs the output has shape {images.shape}, expected "
                          f"{(num_classes, *image_shape)}.")
    flat = images.reshape(num_classes, -1)
    if np.abs(flat - flat[0]).max() < 1e-7:
        raise CheckFailed("with the same z, every label gives the same image: the output ignores the label "
                          "(concatenate Embedding(label) to z).")
    gaps = np.abs(flat[:, None] - flat[None]).max(axis=-1) + np.eye(num_classes)
    if gaps.min() < 1e-7:
        a, b = np.unravel_index(gaps.argmin(), gaps.shape)
        raise CheckFailed(f"labels {a} and {b} give the same image for the same z: each label needs its own embedding.")
    other_z = np.random.default_rng(7).normal(size=(num_classes, latent_dim)).astype("float32")
    others = np.asarray(_call(generator, [other_z, labels], training=False, hint=hint))
    if np.abs(others - images).max() < 1e-7:
        raise CheckFailed("the output does not depend on z: feed z (concatenated with the label embedding) to the body.")
    return f"output {(num_classes, *image_shape)}, different images for the {num_classes} labels and for different z."


# -- 7. the metrics (06_evaluating_and_using_gans) ------------------------------------------------
@_exercise("Inception Score")
def check_inception_score(fn):
    """``fn(probs)`` with probs (N, classes) = exp(mean_x KL(p(y|x) ‖ p(y))), p(y) = mean over samples."""
    mixed = np.random.default_rng(8).dirichlet([0.5] * 4, size=12)
    value = _scalar(_call(fn, mixed), fn, "add a small ε inside the logs (log(p + 1e-12))")
    expected = metrics.inception_score(mixed)
    if not _close(value, expected):
        p, marginal = mixed, mixed.mean(axis=0, keepdims=True)
        kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
        _diagnose(value, expected, [
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
        got = _scalar(_call(fn, probs), fn, "add a small ε inside the logs (log(p + 1e-12)): one-hot predictions have zeros")
        if not _close(got, want, rtol=1e-3, atol=1e-3):
            raise CheckFailed(f"for {what} the score should be {want:g}, yours is {got:.4g}.")
    return "matches metrics.inception_score, and gives 10, 1 and 1 on the known cases."


@_exercise("Fréchet distance")
def check_frechet_distance(fn):
    """``fn(features_a, features_b)`` = ‖μa − μb‖² + Tr(Σa + Σb − 2(ΣaΣb)^½) between fitted Gaussians."""
    rng = np.random.default_rng(9)
    a = rng.multivariate_normal([0, 0, 0], [[1, 0.6, 0.2], [0.6, 1, -0.3], [0.2, -0.3, 0.5]], size=400)
    b = rng.multivariate_normal([1, -0.5, 0.2], [[0.5, -0.2, 0], [-0.2, 2, 0.4], [0, 0.4, 1]], size=300)
    value = _scalar(_call(fn, a, b), fn)
    expected = metrics.frechet_distance(a, b)
    if not _close(value, expected):
        mean_term = np.sum((a.mean(0) - b.mean(0)) ** 2)
        ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        traces = np.trace(ca) + np.trace(cb)
        cross = expected - mean_term - traces
        _diagnose(value, expected, [
            (mean_term, "only the means are compared: add the covariance term Tr(Σa + Σb − 2(ΣaΣb)^½)."),
            (mean_term + traces, "the −2·Tr((ΣaΣb)^½) term is missing."),
            (np.sqrt(mean_term) + traces + cross, "the mean term is the norm ‖μa − μb‖: square it."),
            (mean_term + traces - 2 * np.sqrt(np.abs(np.diag(ca @ cb))).sum(),
             "(ΣaΣb)^½ is a matrix square root (scipy.linalg.sqrtm), not an element-wise np.sqrt."),
            (mean_term + traces - cross, "the sign of the cross term is flipped: Tr(Σa + Σb − 2(ΣaΣb)^½)."),
        ], "the distance between two fixed 3-D feature sets")
    for x, y, want, what in [(a, a, 0.0, "identical feature sets"),
                             (a, a + np.array([3.0, 0.0, 4.0]), 25.0, "a set and itself shifted by (3, 0, 4)")]:
        got = _scalar(_call(fn, x, y), fn)
        if not _close(got, want, rtol=1e-4, atol=1e-4):
            raise CheckFailed(f"for {what} the distance should be {want:g}, yours is {got:.6g}.")
    return "matches metrics.frechet_distance, and gives 0 for identical sets and 25 for a shift by (3, 0, 4)."


ALL_CHECKS = {
    "01_vanilla_gan": [check_discriminator_loss, check_generator_loss, check_d_step, check_g_step],
    "02_dcgan": [check_dcgan_generator],
    "03_training_pitfalls": [check_feature_matching_loss],
    "04_wgan": [check_weight_clipping, check_gradient_penalty],
    "05_conditional_gan": [check_conditional_generator],
    "06_evaluating_and_using_gans": [check_inception_score, check_frechet_distance],
}
