"""Progressive growing (Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
Variation") at MNIST scale: 7×7 -> 14×14 -> 28×28, images in [-1, 1].

- layers with a formula: ``PixelNorm``, ``MinibatchStdDev``, ``EqualizedDense`` / ``EqualizedConv2D`` (the
  equalised learning rate) and ``FadeIn``;
- ``build_progressive_generator`` / ``build_progressive_discriminator``: one block per resolution, a 1×1
  toRGB / fromRGB convolution per stage, nearest-neighbour upsampling, average-pool downsampling, a fade-in
  between stages; ``generator_at_stage`` / ``discriminator_at_stage`` give the networks of one stage;
- ``GrowthSchedule`` (iteration -> (stage, α)) and ``ProgressiveGANSteps``, which the course's ``Trainer`` drives.

Where stage and α live: the steps object owns ``stage`` and ``alpha`` (non-trainable tf.Variables, listed in
``extra_variables``, which the ``Trainer`` checkpoints), and copies them into every ``FadeIn`` layer's own
non-trainable ``alpha`` weight (``apply_growth``). The layers carry α so that a saved or checkpointed network
reproduces the blend it was trained with on its own (``model.save`` / ``load_model``, the Trainer's checkpoint
of G and D); the steps' copy says which stage to train. A run killed during a fade-in resumes at the same stage
and α. Taught in 08_progressive_and_style.ipynb.
"""
import functools
import math

import keras
import tensorflow as tf
from keras import layers

from gan_utils.core.losses import gradient_penalty
from gan_utils.core.train import GANSteps
from gan_utils.core.steps_base import apply_gradients_of

SQRT2 = math.sqrt(2.0)
NUM_STAGES = 3  # 7×7, 14×14, 28×28


def _check_int(name, value, minimum=1, hint=""):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{hint}, got {value!r}.")


@keras.saving.register_keras_serializable(package="gan_utils")
class PixelNorm(layers.Layer):
    """Pixelwise feature normalisation (ProGAN §4.2): y = x / sqrt(mean over channels of x² + ε), ε = 1e-8.
    Each pixel's feature vector gets unit root mean square; it keeps G's signal magnitudes from escalating."""

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if not epsilon > 0:
            raise ValueError(f"epsilon must be a small positive number such as 1e-8, got {epsilon!r}.")
        self.epsilon = float(epsilon)

    def call(self, x):
        # the mean of squares in float32 under any policy: in bfloat16 it loses the small values' precision
        # (as StyleGAN's mixed-precision code keeps its normalisations in float32); a no-op under float32
        xf = tf.cast(x, tf.float32)
        return tf.cast(xf * tf.math.rsqrt(tf.reduce_mean(tf.square(xf), axis=-1, keepdims=True) + self.epsilon),
                       x.dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="gan_utils")
class MinibatchStdDev(layers.Layer):
    """Minibatch standard deviation (ProGAN §3): append one feature map holding, for each group of samples,
    s = mean over features and positions of sqrt(Var_group(x) + 1e-8), the variance taken over the group.

    The batch of N is split into groups of G = min(group_size, N) samples; sample i belongs to group i mod (N/G),
    as in ProGAN's code. If N is not divisible by G, the whole batch is one group (G = N). A collapsed batch has
    s ≈ 0 and D can see it. Output channels: C + 1. Works with an unknown batch size inside tf.function."""

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        _check_int("group_size", group_size)
        self.group_size = group_size

    def call(self, x):
        n = tf.shape(x)[0]
        g = tf.minimum(self.group_size, n)
        g = tf.where(tf.equal(n % g, 0), g, n)
        y = tf.reshape(tf.cast(x, tf.float32), tf.concat([[g, -1], tf.shape(x)[1:]], axis=0))   # (G, N/G, ...)
        y = y - tf.reduce_mean(y, axis=0, keepdims=True)
        std = tf.sqrt(tf.reduce_mean(tf.square(y), axis=0) + 1e-8)                              # (N/G, ...)
        s = tf.tile(tf.reduce_mean(std, axis=list(range(1, len(x.shape)))), [g])               # (N,)
        s = tf.reshape(s, [-1] + [1] * (len(x.shape) - 1)) * tf.ones_like(tf.cast(x[..., :1], tf.float32))
        return tf.concat([x, tf.cast(s, x.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


class _Equalized(layers.Layer):
    """Equalised learning rate (ProGAN §4.1): the stored weights are ~ N(0, 1/lr_multiplier²) and multiplied
    at run time by scale = gain / sqrt(fan_in) · lr_multiplier (biases by lr_multiplier). The effective weights
    are then He-initialised, and Adam's step, taken on the stored weights, is the same for every layer."""

    _config = ("gain", "lr_multiplier", "use_bias")

    def __init__(self, gain=SQRT2, lr_multiplier=1.0, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        if not gain > 0 or not lr_multiplier > 0:
            raise ValueError(f"gain and lr_multiplier must be positive (e.g. sqrt(2) and 1.0), got {gain!r}, "
                             f"{lr_multiplier!r}.")
        self.gain, self.lr_multiplier, self.use_bias = float(gain), float(lr_multiplier), bool(use_bias)

    def _make(self, kernel_shape, units):
        fan_in = math.prod(kernel_shape[:-1])
        self.scale = self.gain / math.sqrt(fan_in) * self.lr_multiplier
        init = keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier)
        self.kernel = self.add_weight(shape=kernel_shape, initializer=init, name="kernel")
        self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias") if self.use_bias else None

    def effective_kernel(self):
        """The weights the layer computes with: stored kernel × gain / sqrt(fan_in) × lr_multiplier."""
        return self.kernel * self.scale

    def _bias(self, y):
        return y + tf.cast(self.bias * self.lr_multiplier, y.dtype) if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), **{k: getattr(self, k) for k in self._config}}


@keras.saving.register_keras_serializable(package="gan_utils")
class EqualizedDense(_Equalized):
    """Dense layer with the equalised learning rate: y = x · (W · gain/sqrt(fan_in) · lr_multiplier) + b ·
    lr_multiplier, fan_in = input features, W ~ N(0, 1/lr_multiplier²) stored."""

    _config = _Equalized._config + ("units",)

    def __init__(self, units, gain=SQRT2, lr_multiplier=1.0, use_bias=True, **kwargs):
        super().__init__(gain, lr_multiplier, use_bias, **kwargs)
        _check_int("units", units)
        self.units = units

    def build(self, input_shape):
        self._make((int(input_shape[-1]), self.units), self.units)

    def call(self, x):
        return self._bias(tf.matmul(x, tf.cast(self.effective_kernel(), x.dtype)))


@keras.saving.register_keras_serializable(package="gan_utils")
class EqualizedConv2D(_Equalized):
    """Conv2D (stride 1) with the equalised learning rate: kernel W (k, k, C_in, filters) stored ~ N(0, 1/lr²),
    used as W · gain / sqrt(k·k·C_in) · lr_multiplier; ``padding`` "same" or "valid"."""

    _config = _Equalized._config + ("filters", "kernel_size", "padding")

    def __init__(self, filters, kernel_size, gain=SQRT2, padding="same", lr_multiplier=1.0, use_bias=True, **kwargs):
        super().__init__(gain, lr_multiplier, use_bias, **kwargs)
        _check_int("filters", filters), _check_int("kernel_size", kernel_size)
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}.")
        self.filters, self.kernel_size, self.padding = filters, kernel_size, padding

    def build(self, input_shape):
        self._make((self.kernel_size, self.kernel_size, int(input_shape[-1]), self.filters), self.filters)

    def call(self, x):
        return self._bias(tf.nn.conv2d(x, tf.cast(self.effective_kernel(), x.dtype), 1, self.padding.upper()))


@keras.saving.register_keras_serializable(package="gan_utils")
class FadeIn(layers.Layer):
    """Fade a new stage in (ProGAN §3, Fig. 2): inputs [old, new] -> (1 − α)·old + α·new.

    α is the layer's own non-trainable weight ``alpha`` (0 <= α <= 1; ``alpha`` given here is its initial value):
    saved with the model and with a checkpoint of it, so a loaded network blends as it did when saved.
    ``ProgressiveGANSteps`` writes it at every step; set it yourself with ``layer.alpha.assign(a)``."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}.")
        self.initial_alpha = float(alpha)

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.initial_alpha),
                                     trainable=False, name="alpha")

    def call(self, inputs):
        old, new = inputs
        a = tf.cast(self.alpha, new.dtype)
        return (1.0 - a) * tf.cast(old, new.dtype) + a * new

    def get_config(self):
        return {**super().get_config(), "alpha": self.initial_alpha}


# -- networks -----------------------------------------------------------------------------------------
def _dense(units, gain, equalized):   # equalized=False: ordinary layers, He (gain √2) or LeCun (gain 1) init
    init = "he_normal" if gain > 1 else "lecun_normal"
    return EqualizedDense(units, gain=gain) if equalized else layers.Dense(units, kernel_initializer=init)


def _conv(filters, size, gain, equalized):
    init = "he_normal" if gain > 1 else "lecun_normal"
    return EqualizedConv2D(filters, size, gain) if equalized else \
        layers.Conv2D(filters, size, padding="same", kernel_initializer=init)


def _check_filters(filters):
    if len(filters) != NUM_STAGES or any(isinstance(f, bool) or not isinstance(f, int) or f < 1 for f in filters):
        raise ValueError(f"filters must be {NUM_STAGES} positive integers, one per stage (7×7, 14×14, 28×28), "
                         f"got {filters!r}.")


def build_progressive_generator(latent_dim=128, filters=(128, 64, 32), pixel_norm=True, equalized=True,
                                name="progressive_generator"):
    """G of ProGAN: z -> 7×7 (dense, conv 3×3) -> [upsample, 2 convs 3×3] -> 14×14 -> [...] -> 28×28, LeakyReLU(0.2)
    and, if ``pixel_norm``, PixelNorm after every layer (and on z). Stage k has filters[k] channels and its own
    toRGB (1×1 conv, gain 1, then tanh: samples in [-1, 1] like every course generator, where ProGAN's output is
    linear). The model always outputs 28×28×1: the current stage's image, upsampled and blended by the
    ``fade_in_k`` layers (all α = 1 when built: the fully grown network)."""
    _check_int("latent_dim", latent_dim)
    _check_filters(filters)

    def act(f):   # conv 3×3, LeakyReLU(0.2), PixelNorm
        return [_conv(f, 3, SQRT2, equalized), layers.LeakyReLU(0.2)] + ([PixelNorm()] if pixel_norm else [])

    base = [keras.Input((latent_dim,))] + ([PixelNorm()] if pixel_norm else []) + [
        _dense(7 * 7 * filters[0], SQRT2, equalized), layers.Reshape((7, 7, filters[0])), layers.LeakyReLU(0.2),
        *([PixelNorm()] if pixel_norm else []), *act(filters[0])]
    parts = {"g_base": keras.Sequential(base, name="g_base")}
    for k in range(NUM_STAGES):
        size = 7 * 2 ** k
        if k:
            parts[f"g_block_{k}"] = keras.Sequential([keras.Input((size // 2, size // 2, filters[k - 1])),
                                                      layers.UpSampling2D(2), *act(filters[k]), *act(filters[k])],
                                                     name=f"g_block_{k}")
            parts[f"fade_in_{k}"] = FadeIn(dtype="float32", name=f"fade_in_{k}")
        parts[f"to_rgb_{k}"] = keras.Sequential([keras.Input((size, size, filters[k])), _conv(1, 1, 1.0, equalized),
                                                 layers.Activation("tanh", dtype="float32")], name=f"to_rgb_{k}")
    z = keras.Input((latent_dim,), name="z")
    return keras.Model(z, _generator_graph(parts.get, z, NUM_STAGES - 1), name=name)


def _generator_graph(get, z, stage):   # ProGAN Fig. 2: stage k−1's image, upsampled, fades into stage k's
    h = get("g_base")(z)
    image = get("to_rgb_0")(h)
    for k in range(1, stage + 1):
        h = get(f"g_block_{k}")(h)
        image = get(f"fade_in_{k}")([layers.UpSampling2D(2, dtype="float32")(image), get(f"to_rgb_{k}")(h)])
    return image


def build_progressive_discriminator(filters=(32, 64, 128), minibatch_std=True, equalized=True,
                                    name="progressive_discriminator"):
    """D of ProGAN, the mirror of G: 28×28 image -> fromRGB (1×1 conv) -> [2 convs 3×3, average pool] -> 14×14 ->
    [...] -> 7×7 -> (MinibatchStdDev if ``minibatch_std``) conv 3×3, dense, dense -> one logit (float32).
    ``filters`` are per resolution from 28×28 down to 7×7. The model takes 28×28; at stage k the image is
    average-pooled to stage k's resolution and the ``fade_in_k`` layers blend fromRGB of the coarser image
    with the new block (all α = 1 when built: the fully grown network)."""
    _check_filters(filters)
    f = list(reversed(filters))   # f[k]: channels at stage k (7·2^k pixels)
    parts = {}
    for k in range(NUM_STAGES):
        size = 7 * 2 ** k
        parts[f"from_rgb_{k}"] = keras.Sequential([keras.Input((size, size, 1)), _conv(f[k], 1, SQRT2, equalized),
                                                   layers.LeakyReLU(0.2)], name=f"from_rgb_{k}")
        if k:
            parts[f"d_block_{k}"] = keras.Sequential(
                [keras.Input((size, size, f[k])), _conv(f[k], 3, SQRT2, equalized), layers.LeakyReLU(0.2),
                 _conv(f[k - 1], 3, SQRT2, equalized), layers.LeakyReLU(0.2), layers.AveragePooling2D(2)],
                name=f"d_block_{k}")
            parts[f"fade_in_{k}"] = FadeIn(name=f"fade_in_{k}")
    parts["d_final"] = keras.Sequential(
        [keras.Input((7, 7, f[0])), *([MinibatchStdDev()] if minibatch_std else []), _conv(f[0], 3, SQRT2, equalized),
         layers.LeakyReLU(0.2), layers.Flatten(), _dense(f[0], SQRT2, equalized), layers.LeakyReLU(0.2),
         _dense(1, 1.0, equalized), layers.Activation("linear", dtype="float32")], name="d_final")
    image = keras.Input((28, 28, 1), name="image")
    return keras.Model(image, _discriminator_graph(parts.get, image, NUM_STAGES - 1), name=name)


def _discriminator_graph(get, image, stage):   # fromRGB of the pooled image fades into the new block's output
    h = get(f"from_rgb_{stage}")(image)
    for k in range(stage, 0, -1):
        image = layers.AveragePooling2D(2)(image)
        h = get(f"fade_in_{k}")([get(f"from_rgb_{k - 1}")(image), get(f"d_block_{k}")(h)])
    return get("d_final")(h)


def _check_stage(stage):
    if isinstance(stage, bool) or not isinstance(stage, int) or not 0 <= stage < NUM_STAGES:
        raise ValueError(f"stage must be an integer from 0 (7×7) to {NUM_STAGES - 1} (28×28), got {stage!r}.")


def generator_at_stage(generator, stage):
    """The generator of one stage, sharing ``generator``'s layers: z -> (7·2^stage)² image (no upsampling)."""
    _check_stage(stage)
    z = keras.Input(generator.inputs[0].shape[1:], name="z")
    return keras.Model(z, _generator_graph(generator.get_layer, z, stage), name=f"{generator.name}_stage{stage}")


def discriminator_at_stage(discriminator, stage):
    """The discriminator of one stage, sharing ``discriminator``'s layers: (7·2^stage)² image -> logit."""
    _check_stage(stage)
    image = keras.Input((7 * 2 ** stage, 7 * 2 ** stage, 1), name="image")
    return keras.Model(image, _discriminator_graph(discriminator.get_layer, image, stage),
                       name=f"{discriminator.name}_stage{stage}")


def real_at_stage(images, stage, alpha):
    """Real images (N, 28, 28, 1) as D sees them at ``stage``: average-pooled (2×2 blocks) to 7·2^stage pixels;
    during a fade-in blended like G's output, (1 − α)·upsample(pool(x)) + α·x, upsample = nearest (ProGAN §3)."""
    x = tf.convert_to_tensor(images, tf.float32)
    for _ in range(NUM_STAGES - 1 - stage):
        x = tf.nn.avg_pool2d(x, 2, 2, "VALID")
    if stage == 0:
        return x
    a, coarse = tf.cast(alpha, x.dtype), tf.nn.avg_pool2d(x, 2, 2, "VALID")
    return (1.0 - a) * tf.repeat(tf.repeat(coarse, 2, axis=1), 2, axis=2) + a * x


class GrowthSchedule:
    """Iteration -> (stage, α). Stage 0 trains for ``stage_iterations``; each later stage first fades in over
    ``fade_iterations`` (α = (i − start) / fade_iterations, from 0 up), then trains at α = 1 for
    ``stage_iterations``; the last stage then stays (α = 1). ProGAN: 600k images per fade and per stable phase."""

    def __init__(self, stage_iterations, fade_iterations, num_stages=NUM_STAGES):
        _check_int("stage_iterations", stage_iterations), _check_int("num_stages", num_stages)
        _check_int("fade_iterations", fade_iterations, 0, " (0: no fade-in)")
        self.stage_iterations, self.fade_iterations, self.num_stages = stage_iterations, fade_iterations, num_stages

    @property
    def total_iterations(self):
        """Iterations until the last stage has had its stable phase."""
        return self.num_stages * self.stage_iterations + (self.num_stages - 1) * self.fade_iterations

    def __call__(self, iteration):
        iteration = int(iteration)
        _check_int("iteration", iteration, 0)
        if iteration < self.stage_iterations:
            return 0, 1.0
        stage, within = divmod(iteration - self.stage_iterations, self.fade_iterations + self.stage_iterations)
        if stage + 1 >= self.num_stages:
            return self.num_stages - 1, 1.0
        return stage + 1, (within / self.fade_iterations if within < self.fade_iterations else 1.0)


class ProgressiveGANSteps(GANSteps):
    """``GANSteps`` that train the networks of one stage at a time: ``d_step(real)`` on real 28×28 digits (pooled
    and blended by ``real_at_stage``), ``g_step(batch_size)``; any loss pair of ``GANSteps`` (non-saturating by
    default), ``label_smoothing``, ``gp_weight`` (WGAN-GP on the stage's D; ProGAN's drift term is left out).

    ``schedule`` (a ``GrowthSchedule``): before each D step and after each G step, (stage, α) =
    schedule(g_optimizer.iterations). Without one, the stage stays where ``set_growth(stage, alpha)`` puts it
    (stage 0 at first). Each stage has its own tf.function pair, traced once per stage (and batch shape); α
    is read from a variable, so a fade-in does not retrace. ProGAN's reset of Adam's moments at each new
    stage is left out. One device, no clipping, Algorithm 1 (not simultaneous)."""

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, schedule=None, **kwargs):
        if kwargs.get("simultaneous") or kwargs.get("clip_value") is not None or kwargs.get("strategy") is not None \
                or any(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in (g_optimizer, d_optimizer)):
            raise ValueError("ProgressiveGANSteps runs on one device with separate D and G steps in float32 or "
                             "bfloat16: pass no simultaneous, clip_value, strategy or LossScaleOptimizer.")
        for model, builder in ((generator, "generator"), (discriminator, "discriminator")):
            names = {layer.name for layer in model.layers}
            if any(f"fade_in_{k}" not in names for k in range(1, NUM_STAGES)):
                raise ValueError(f"{model.name} has no fade-in layers: pass a network built by "
                                 f"build_progressive_{builder}.")
        if schedule is not None and not isinstance(schedule, GrowthSchedule):
            raise ValueError(f"schedule must be a GrowthSchedule or None, got {type(schedule).__name__}.")
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)
        self.schedule = schedule
        self.stage = tf.Variable(0, dtype=tf.int64, trainable=False, name="stage")
        self.alpha = tf.Variable(1.0, dtype=tf.float32, trainable=False, name="alpha")
        self.extra_variables = {"stage": self.stage, "alpha": self.alpha}   # checkpointed by the Trainer
        self._networks, self._functions = {}, {}
        self.set_growth(*(schedule(0) if schedule else (0, 1.0)))
        self.d_step, self.g_step = self._staged_d_step, self._staged_g_step   # replace GANSteps' full-size steps

    def set_growth(self, stage, alpha=1.0):
        """Train at ``stage`` (0: 7×7, 1: 14×14, 2: 28×28) with fade-in weight ``alpha`` from now on."""
        _check_stage(stage)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}.")
        self.stage.assign(stage)
        self.alpha.assign(1.0 if stage == 0 else alpha)
        for model in (self.generator, self.discriminator):
            self.apply_growth(model)

    def apply_growth(self, model):
        """Write the current (stage, α) into ``model``'s fade-in layers: α_k = 1 below the stage, α at it, 0 above.
        Call it on a copy of G (the Trainer's moving average) before sampling from it or saving it."""
        stage, alpha = int(self.stage.numpy()), float(self.alpha.numpy())
        for k in range(1, NUM_STAGES):
            model.get_layer(f"fade_in_{k}").alpha.assign(1.0 if k < stage else alpha if k == stage else 0.0)

    def preview(self, generator, fixed_noise, labels=None):
        """The live grid: 28×28 samples at the current stage and α (the Trainer's hook)."""
        self.apply_growth(generator)
        return generator(fixed_noise, training=False).numpy()

    def _compiled(self, kind):
        """The current stage's compiled D or G update (after following the schedule); one pair per stage."""
        if self.schedule is not None:
            stage, alpha = self.schedule(int(self.g_optimizer.iterations.numpy()))
            if stage != int(self.stage.numpy()) or alpha != float(self.alpha.numpy()):
                self.set_growth(stage, alpha)
        stage = int(self.stage.numpy())
        if stage not in self._networks:
            self._networks[stage] = (generator_at_stage(self.generator, stage),
                                     discriminator_at_stage(self.discriminator, stage))
        if (kind, stage) not in self._functions:
            body = functools.partial(self._d_update if kind == "d" else self._g_update, stage)
            self._functions[kind, stage] = tf.function(body, reduce_retracing=True, jit_compile=self.jit_compile)
        return self._functions[kind, stage]

    def _staged_d_step(self, real):
        return self._compiled("d")(real)

    def _staged_g_step(self, batch_size):
        logs = self._compiled("g")(batch_size)
        self._compiled("g")   # follow the schedule now: a checkpoint holds the next iteration's stage and α
        return logs

    def _d_update(self, stage, real):
        g, d = self._networks[stage]
        real = real_at_stage(real, stage, self.alpha)
        z = self.noise(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = g(z, training=True)
            real_out, fake_out = d(real, training=True), d(fake, training=True)
            d_loss = total = self.d_loss_fn(real_out, fake_out)
            if self.gp_weight:
                penalty = gradient_penalty(d, real, fake)
                total = d_loss + self.gp_weight * penalty
        grads = apply_gradients_of(tape, total, d.trainable_variables, self.d_optimizer)
        logs = {"d_loss": d_loss, "d_grad_norm": tf.linalg.global_norm(grads), **self._summary(real_out, fake_out)}
        return {**logs, "gp": penalty} if self.gp_weight else logs

    def _g_update(self, stage, batch_size):
        g, d = self._networks[stage]
        z = self.noise(batch_size)
        with tf.GradientTape() as tape:
            g_loss = self.loss.generator(d(g(z, training=True), training=True))
        grads = apply_gradients_of(tape, g_loss, g.trainable_variables, self.g_optimizer)
        return {"g_loss": g_loss, "g_grad_norm": tf.linalg.global_norm(grads)}
