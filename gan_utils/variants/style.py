"""The style-based generator (Karras et al. 2019, "A Style-Based Generator Architecture for Generative
Adversarial Networks", StyleGAN) at MNIST scale: 7×7 -> 14×14 -> 28×28, images in [-1, 1].

z -> mapping network (PixelNorm, EqualizedDense + LeakyReLU(0.2), 100× smaller learning rate) -> w ->
``Truncation`` (ψ, around the running mean w_avg) -> one w per layer -> synthesis network: a learned constant
7×7 input, then at each resolution two 3×3 convolutions, each followed by ``NoiseInjection``, LeakyReLU(0.2) and
``AdaIN`` (w decides the per-channel scale and offset after instance normalisation). ``StyleGANSteps`` adds
style-mixing regularisation and the w_avg update. D: any 28×28 discriminator, e.g. ProGAN's
(``progressive.build_progressive_discriminator()``, fully grown when built). Taught in 08_progressive_and_style.ipynb.
"""
import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_utils.core.kinds import model_kind, with_kind
from gan_utils.variants.progressive import EqualizedConv2D, EqualizedDense, PixelNorm
from gan_utils.core.train import GANSteps
from gan_utils.core.steps_base import apply_gradients_of

LAYERS_PER_RESOLUTION = 2


def build_mapping_network(latent_dim=64, w_dim=64, layers=4, lr_multiplier=0.01, name="mapping"):
    """f: z -> w. w = f(PixelNorm(z)), f = ``layers`` × [EqualizedDense(w_dim, lr_multiplier) + LeakyReLU(0.2)]
    (StyleGAN: 8 layers of 512, lr_multiplier 0.01: the mapping learns 100× slower than the synthesis)."""
    for what, value in (("latent_dim", latent_dim), ("w_dim", w_dim), ("layers", layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a positive integer, got {value!r}.")
    z = keras.Input((latent_dim,), name="z")
    x = PixelNorm()(z)
    for i in range(layers):
        x = keras.layers.LeakyReLU(0.2)(EqualizedDense(w_dim, lr_multiplier=lr_multiplier, name=f"dense_{i}")(x))
    return keras.Model(z, x, name=name)


@keras.saving.register_keras_serializable(package="gan_utils")
class ConstantInput(layers.Layer):
    """A learned constant c of ``shape`` (H, W, C), ~ N(0, 1) at first (StyleGAN 2's initialisation; StyleGAN
    starts from ones), tiled over the batch: output (N, H, W, C), N taken from the input tensor (e.g. w)."""

    def __init__(self, shape=(7, 7, 128), **kwargs):
        super().__init__(**kwargs)
        if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
            raise ValueError(f"shape must be 3 positive integers (height, width, channels), got {shape!r}.")
        self.shape = tuple(shape)

    def build(self, input_shape):
        self.const = self.add_weight(shape=self.shape, initializer=keras.initializers.RandomNormal(stddev=1.0),
                                     name="const")

    def call(self, inputs):
        n = tf.shape(inputs)[0]
        return tf.tile(self.const[None], [n, 1, 1, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.shape)

    def get_config(self):
        return {**super().get_config(), "shape": list(self.shape)}


@keras.saving.register_keras_serializable(package="gan_utils")
class AdaIN(layers.Layer):
    """Adaptive instance normalisation (StyleGAN eq. 1): inputs [x, w] -> y = (1 + γ(w))·x_norm + β(w).

    x_norm = (x − mean) / sqrt(var + ε), mean and var over the positions of each sample and channel, ε = 1e-8.
    [γ, β] = A(w): the layer's own learned affine map ``affine`` (an EqualizedDense with 2C units, gain 1, zero
    bias: γ = β = 0, y = x_norm at first). w: (N, w_dim); or (N, num_layers, w_dim) with ``style_index`` picking
    this layer's row (how the synthesis network feeds it). StyleGAN 2 replaced AdaIN by weight
    modulation/demodulation: normalising each feature map by its own statistics destroys information about
    their relative magnitudes, and G learned to smuggle it past with a strong local spike (the "droplet"
    artefacts); scaling the convolution weights instead removes them. We use AdaIN, as StyleGAN (1) did."""

    def __init__(self, style_index=None, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.style_index = None if style_index is None else int(style_index)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        self.channels = int(x_shape[-1])
        self.affine = EqualizedDense(2 * self.channels, gain=1.0, name="affine")
        self.affine.build((None, int(w_shape[-1])))

    def _style(self, w):
        return w if self.style_index is None else w[:, self.style_index]

    def call(self, inputs):
        x, w = inputs
        xf = tf.cast(x, tf.float32)  # statistics and the normalisation in float32 under any policy (PixelNorm)
        mean, var = tf.nn.moments(xf, axes=[1, 2], keepdims=True)
        x_norm = (xf - mean) * tf.math.rsqrt(var + self.epsilon)
        style = tf.cast(self.affine(self._style(w)), tf.float32)
        gamma, beta = style[:, None, None, :self.channels], style[:, None, None, self.channels:]
        return tf.cast((1.0 + gamma) * x_norm + beta, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "style_index": self.style_index, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="gan_utils")
class NoiseInjection(layers.Layer):
    """Per-pixel noise (StyleGAN §2): y = x + s_c·noise, noise (N, H, W, 1) ~ N(0, 1) shared by the channels, s a
    learned per-channel scale (0 at first). Called on x alone, the layer draws the noise itself from a seeded
    Keras generator (``seed``; reproducible, and a new draw at each call: same w, other noise); called on
    [x, noise], it uses the given noise (the notebook's "same noise" and per-pixel std maps)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        x_shape = input_shape[0] if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)) \
            else input_shape
        self.scale = self.add_weight(shape=(int(x_shape[-1]),), initializer="zeros", name="scale")

    def call(self, inputs):
        if isinstance(inputs, (list, tuple)):
            x, noise = inputs
        else:
            x = inputs
            shape = tf.concat([tf.shape(x)[:3], [1]], axis=0)
            noise = keras.random.normal(shape, seed=self.seed_generator)
        return x + tf.cast(self.scale, x.dtype) * tf.cast(noise, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0] if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)) \
            else input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="gan_utils")
class Truncation(layers.Layer):
    """The truncation trick (StyleGAN §3.2): w' = w_avg + ψ·(w − w_avg). ψ = 1: w itself; ψ = 0: the average w;
    in between: typical, less varied images. ``w_avg`` (non-trainable) is an EMA of the mapping network's
    outputs, w_avg <- decay·w_avg + (1 − decay)·mean over the batch of w (``update``, decay 0.995), done by
    ``StyleGANSteps`` in G's step; ``psi`` is a non-trainable weight (default 1.0), see ``set_truncation``."""

    def __init__(self, psi=1.0, decay=0.995, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1) (e.g. 0.995), got {decay!r}.")
        self.initial_psi, self.decay = float(psi), float(decay)

    def build(self, input_shape):
        self.w_avg = self.add_weight(shape=(int(input_shape[-1]),), initializer="zeros", trainable=False, name="w_avg")
        self.psi = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.initial_psi),
                                   trainable=False, name="psi")

    def call(self, w):
        w_avg, psi = tf.cast(self.w_avg, w.dtype), tf.cast(self.psi, w.dtype)
        return w_avg + psi * (w - w_avg)

    def update(self, w):
        """One EMA step of w_avg towards the mean of the batch of w (N, w_dim)."""
        mean = tf.reduce_mean(tf.cast(w, tf.float32), axis=0)
        self.w_avg.assign(self.decay * self.w_avg + (1.0 - self.decay) * mean)

    def get_config(self):
        return {**super().get_config(), "psi": self.initial_psi, "decay": self.decay}


# -- the generator ---------------------------------------------------------------------------------------
def build_synthesis_network(w_dim=64, filters=(128, 64, 32), seed=0, name="synthesis"):
    """g: ws (N, num_layers, w_dim) -> image (N, 28, 28, 1) in [-1, 1] (float32). Layer i (0…5): 3×3 conv
    (upsampling ×2, nearest, before layers 2 and 4), NoiseInjection (seed + i), LeakyReLU(0.2), AdaIN with
    ws[:, i]; then toRGB (1×1 conv, gain 1) and tanh. StyleGAN styles its 4×4 constant directly and has one
    convolution there; here each resolution has two, the first of 7×7 applied to the constant."""
    if len(filters) != 3 or any(isinstance(f, bool) or not isinstance(f, int) or f < 1 for f in filters):
        raise ValueError(f"filters must be 3 positive integers (7×7, 14×14, 28×28), got {filters!r}.")
    parts = {"const": ConstantInput((7, 7, filters[0]), name="const")}
    for i in range(LAYERS_PER_RESOLUTION * len(filters)):
        parts[f"conv_{i}"] = EqualizedConv2D(filters[i // LAYERS_PER_RESOLUTION], 3, name=f"conv_{i}")
        parts[f"noise_injection_{i}"] = NoiseInjection(seed=seed + i, name=f"noise_injection_{i}")
        parts[f"adain_{i}"] = AdaIN(style_index=i, name=f"adain_{i}")
    parts["to_rgb"] = EqualizedConv2D(1, 1, gain=1.0, name="to_rgb")
    ws = keras.Input((LAYERS_PER_RESOLUTION * len(filters), w_dim), name="ws")
    return keras.Model(ws, _synthesis_graph(parts.get, ws), name=name)


def _synthesis_graph(get, ws, noises=None):
    x = get("const")(ws)
    for i in range(ws.shape[1]):
        if i and i % LAYERS_PER_RESOLUTION == 0:
            x = layers.UpSampling2D(2)(x)
        x = get(f"conv_{i}")(x)
        x = get(f"noise_injection_{i}")(x if noises is None else [x, noises[i]])
        x = get(f"adain_{i}")([layers.LeakyReLU(0.2)(x), ws])
    return layers.Activation("tanh", dtype="float32", name="tanh")(get("to_rgb")(x))


def synthesis_with_noise(synthesis):
    """The same synthesis network (shared layers) with explicit noise: [ws, noise_0, …, noise_{L−1}] -> image,
    noise_i (N, H_i, W_i, 1) (see ``draw_noise``): the same noise for different w, or the reverse."""
    ws = keras.Input(synthesis.inputs[0].shape[1:], name="ws")
    noises = [keras.Input(shape, name=f"noise_{i}") for i, shape in enumerate(noise_shapes(synthesis))]
    return keras.Model([ws, *noises], _synthesis_graph(synthesis.get_layer, ws, noises), name=f"{synthesis.name}_noise")


def noise_shapes(synthesis):
    """(H, W, 1) of each layer's noise: two layers at 7×7, two at 14×14, two at 28×28."""
    return [(7 * 2 ** (i // LAYERS_PER_RESOLUTION),) * 2 + (1,) for i in range(synthesis.inputs[0].shape[1])]


def draw_noise(synthesis, n, seed=0):
    """One list of noise maps for ``synthesis_with_noise``: float32 arrays (n, H_i, W_i, 1) ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, *shape)).astype("float32") for shape in noise_shapes(synthesis)]


def build_style_generator(latent_dim=64, w_dim=64, filters=(128, 64, 32), mapping_layers=4, seed=0,
                          name="style_generator"):
    """The single-input generator z -> image (N, 28, 28, 1), what the Trainer and ``python -m gan_utils sample``
    use: layers ``mapping`` (z -> w), ``truncation`` (w -> w'), ``broadcast`` (w' for every layer) and
    ``synthesis`` (ws -> image; ``style_parts`` returns the three models)."""
    mapping = build_mapping_network(latent_dim, w_dim, mapping_layers)
    synthesis = build_synthesis_network(w_dim, filters, seed)
    z = keras.Input((latent_dim,), name="z")
    w = Truncation(name="truncation")(mapping(z))
    model = keras.Model(z, synthesis(layers.RepeatVector(synthesis.inputs[0].shape[1], name="broadcast")(w)), name=name)
    return with_kind(model, "style", truncation=True)   # saved with it: what `sample --truncation` reads


def _truncation_layer(generator):
    names = {layer.name for layer in getattr(generator, "layers", [])}
    if not {"mapping", "truncation", "synthesis"} <= names or not isinstance(generator.get_layer("truncation"), Truncation):
        raise ValueError(f"{getattr(generator, 'name', generator)!r} has no mapping network/truncation layer: "
                         "--truncation needs a style-based generator such as data/pretrained/style_gan.keras "
                         "(notebook 08).")
    return generator.get_layer("truncation")


def has_truncation(generator):
    """True for a ``build_style_generator`` model (mapping network + truncation layer), which ``set_truncation``
    accepts: its kind (``kinds.model_kind``: stored, or a ``Truncation`` layer for a model that carries none);
    used by ``python -m gan_utils sample`` (notebook 08)."""
    return bool(model_kind(generator).get("truncation", False))


def style_parts(generator):
    """(mapping, truncation, synthesis) of a ``build_style_generator`` model (shared layers, not copies)."""
    return generator.get_layer("mapping"), _truncation_layer(generator), generator.get_layer("synthesis")


def set_truncation(generator, psi):
    """Sample with w' = w_avg + psi·(w − w_avg) from now on (psi = 1: no truncation; StyleGAN shows 0.7)."""
    if isinstance(psi, bool) or not isinstance(psi, (int, float)) or not math.isfinite(psi):
        raise ValueError(f"psi must be a finite number such as 0.7 (1.0: no truncation), got {psi!r}.")
    _truncation_layer(generator).psi.assign(float(psi))


def update_w_avg(generator, w):
    """One EMA step of the generator's w_avg towards the mean of the batch ``w`` (N, w_dim)."""
    _truncation_layer(generator).update(w)


def style_mixing(synthesis, w_a, w_b, crossover, noise=None):
    """Image whose layers 0…crossover−1 (coarse: pose, shape) take w_a and the others (fine: stroke, texture) w_b
    (StyleGAN §3.1). crossover = 0: the image of w_b; = num_layers: that of w_a. ``noise``: a list from
    ``draw_noise`` for a ``synthesis_with_noise`` model (then ``synthesis`` must be one)."""
    num_layers = int(synthesis.inputs[0].shape[1])
    if isinstance(crossover, bool) or not isinstance(crossover, (int, np.integer)) or not 0 <= crossover <= num_layers:
        raise ValueError(f"crossover must be an integer from 0 to {num_layers} (the number of layers), got {crossover!r}.")
    if (noise is None) != (len(synthesis.inputs) == 1):
        raise ValueError("pass noise=draw_noise(...) with a synthesis_with_noise model, and no noise with the plain "
                         "synthesis network.")
    w_a, w_b = tf.convert_to_tensor(w_a, tf.float32), tf.convert_to_tensor(w_b, tf.float32)
    ws = tf.concat([tf.repeat(w_a[:, None], crossover, axis=1), tf.repeat(w_b[:, None], num_layers - crossover, axis=1)], 1)
    return synthesis(ws if noise is None else [ws, *(tf.convert_to_tensor(n, tf.float32) for n in noise)], training=False)


class StyleGANSteps(GANSteps):
    """``GANSteps`` for ``build_style_generator`` models. Every generated batch in training (D's and G's steps)
    uses style mixing regularisation (StyleGAN §3.1): with probability ``mixing_probability`` (0.9) a second z2
    is drawn and layers from a crossover on take w2 = f(z2); the crossover is drawn per batch, uniformly in 1…L−1,
    from the seeded ``rng`` (drawn every batch, mixing or not, so runs are reproducible). Training uses w without
    truncation (the paper truncates only when sampling). G's step also moves w_avg towards the batch's mean w
    (``Truncation.update``). Losses: any pair of ``GANSteps`` (non-saturating by default), ``gp_weight`` too.
    The Trainer checkpoints everything (w_avg and ψ are weights of the generator). One device."""

    def __init__(self, generator, discriminator, g_optimizer, d_optimizer, mixing_probability=0.9, **kwargs):
        if not 0.0 <= mixing_probability <= 1.0:
            raise ValueError(f"mixing_probability must be between 0 and 1 (e.g. 0.9), got {mixing_probability!r}.")
        if kwargs.get("simultaneous"):
            raise ValueError("StyleGANSteps updates w_avg in the generator step: pass simultaneous=False.")
        try:
            self.mapping, self.truncation, self.synthesis = style_parts(generator)
        except ValueError:
            raise ValueError(f"{generator.name} is not a style-based generator: build it with "
                             "style.build_style_generator.") from None
        self.num_layers = int(self.synthesis.inputs[0].shape[1])
        self.mixing_probability = float(mixing_probability)
        super().__init__(generator, discriminator, g_optimizer, d_optimizer, **kwargs)

    def mixed_forward(self, z, training=True):
        """(images, w) for the noise z with style mixing: what G's and D's steps generate."""
        n = tf.shape(z)[0]
        w = self.mapping(z, training=training)
        w2 = self.mapping(self.rng.normal((n, self.latent_dim)), training=training)
        crossover = self.rng.uniform((), 1, self.num_layers, dtype=tf.int32)
        mix = self.rng.uniform(()) < self.mixing_probability
        crossover = tf.where(mix, crossover, self.num_layers)
        coarse = tf.range(self.num_layers)[None, :, None] < crossover
        ws = tf.where(coarse, w[:, None], w2[:, None])
        return self.synthesis(ws, training=training), w

    def generate(self, z, labels=None, training=False):
        return self.mixed_forward(z, training)[0] if training else self.generator(z, training=False)

    def _g_step(self, batch_size):
        z = self.noise(batch_size)
        with tf.GradientTape() as tape:
            fake, w = self.mixed_forward(z, training=True)
            g_loss = self.loss.generator(self.discriminate(fake, training=True))
        variables = self.generator.trainable_variables
        grads = apply_gradients_of(tape, g_loss, variables, self.g_optimizer)
        self.truncation.update(w)
        return {"g_loss": g_loss, "g_grad_norm": tf.linalg.global_norm(grads)}
