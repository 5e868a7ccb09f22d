"""Generator, discriminator and critic builders (Keras functional models).

Every builder takes its sizes as arguments; the defaults are the values of the
notebook that introduces it:
- MLP generator/discriminator: 01_vanilla_gan.ipynb (toy versions with ``data_dim``);
- DCGAN generator/discriminator, exactly the TensorFlow DCGAN tutorial: 02_dcgan.ipynb;
- WGAN critic (no sigmoid, no BatchNorm): 04_wgan.ipynb;
- conditional generator/discriminator: 05_conditional_gan.ipynb.
Discriminators return logits (one unbounded number per image; the cGAN's also returns class
logits). Last layers are float32 so mixed precision never changes the dtype of outputs and losses.
"""
import keras
from keras import layers

from gan_utils.core.data import IMAGE_SHAPE, NUM_CLASSES
from gan_utils.core.fast import with_fused_layers
from gan_utils.core.kinds import KindedModel, make_kind, model_kind

LATENT_DIM = 100


def build_mlp_generator(latent_dim=LATENT_DIM, hidden=(256, 512, 1024), output_shape=IMAGE_SHAPE, name="mlp_generator"):
    """z -> Dense+LeakyReLU(0.2) x len(hidden) -> Dense(prod(output_shape), tanh) -> reshape.

    With ``output_shape=(1,)`` and no tanh it is the 1-D toy generator of 01 (see ``toy``).
    """
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    size = 1
    for dim in output_shape:
        size *= dim
    x = layers.Dense(size, activation="tanh", dtype="float32")(x)
    return keras.Model(z, layers.Reshape(output_shape, dtype="float32")(x), name=name)


def build_mlp_discriminator(input_shape=IMAGE_SHAPE, hidden=(512, 256), dropout=0.0, name="mlp_discriminator"):
    """image -> Flatten -> Dense+LeakyReLU(0.2) [+Dropout] x len(hidden) -> Dense(1) logit."""
    image = keras.Input(input_shape, name="image")
    x = layers.Flatten()(image)
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    return keras.Model(image, layers.Dense(1, dtype="float32", name="logit")(x), name=name)


def build_toy_generator(latent_dim=1, hidden=(16, 16), data_dim=1, name="toy_generator"):
    """Small MLP for the 1-D and 2-D toy problems (01 and 03); linear output, no tanh."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden:
        x = layers.LeakyReLU(0.2)(layers.Dense(units)(x))
    return keras.Model(z, layers.Dense(data_dim, dtype="float32")(x), name=name)


def build_toy_discriminator(data_dim=1, hidden=(32, 32), name="toy_discriminator"):
    """Small MLP critic/discriminator for the toy problems (01 and 03): returns a logit."""
    return build_mlp_discriminator((data_dim,), hidden=hidden, name=name)


def _dcgan_generator_body(x, filters=(256, 128, 64), kernel_size=5, batch_norm=True):
    """Dense 7·7·f0 (no bias) -> [BN] -> LReLU -> Reshape -> ConvT f1 s1 -> [BN] -> LReLU
    -> ConvT f2 s2 -> [BN] -> LReLU -> ConvT 1 s2 tanh: (7,7,f0) -> (7,7,f1) -> (14,14,f2) -> (28,28,1)."""

    def norm_act(t):
        if batch_norm:
            t = layers.BatchNormalization()(t)
        return layers.LeakyReLU()(t)

    x = norm_act(layers.Dense(7 * 7 * filters[0], use_bias=False)(x))
    x = layers.Reshape((7, 7, filters[0]))(x)
    x = norm_act(layers.Conv2DTranspose(filters[1], kernel_size, strides=1, padding="same", use_bias=False)(x))
    x = norm_act(layers.Conv2DTranspose(filters[2], kernel_size, strides=2, padding="same", use_bias=False)(x))
    return layers.Conv2DTranspose(
        1, kernel_size, strides=2, padding="same", use_bias=False, activation="tanh", dtype="float32"
    )(x)


dcgan_generator_body = _dcgan_generator_body  # public name (infogan); 02_dcgan.ipynb shows the source under the old one


def _conv_discriminator_body(x, filters=(64, 128), kernel_size=5, dropout=0.3, minibatch_std=False):
    """Conv f0 s2 -> LReLU -> [Dropout] -> Conv f1 s2 -> LReLU -> [Dropout] -> [MinibatchStdDev] -> Flatten -> Dense 1."""
    for f in filters:
        x = layers.LeakyReLU()(layers.Conv2D(f, kernel_size, strides=2, padding="same")(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    if minibatch_std:
        from gan_utils.progressive import MinibatchStdDev   # here: progressive imports train, which imports this module

        x = MinibatchStdDev(group_size=4)(x)
    return layers.Dense(1, dtype="float32", name="logit")(layers.Flatten()(x))


def build_dcgan_generator(latent_dim=LATENT_DIM, filters=(256, 128, 64), kernel_size=5, batch_norm=True, name="dcgan_generator"):
    """The TensorFlow DCGAN tutorial's generator (2,330,944 parameters with the defaults).

    ``batch_norm=False`` is the ablation of 02_dcgan.ipynb.
    """
    z = keras.Input((latent_dim,), name="z")
    return KindedModel(z, _dcgan_generator_body(z, filters, kernel_size, batch_norm), name=name, gan_kind=make_kind("plain"))


def build_dcgan_discriminator(input_shape=IMAGE_SHAPE, filters=(64, 128), kernel_size=5, dropout=0.3, minibatch_std=False,
                              name="dcgan_discriminator"):
    """The TensorFlow DCGAN tutorial's discriminator (212,865 parameters), returning a logit.

    ``dropout=0.0, minibatch_std=True`` is the course recipe's variant (``recipes.RECIPES["dcgan"]``, 02_dcgan.ipynb):
    no dropout, and ProGAN's minibatch standard deviation as one more 7×7 feature map before the logit (212,914
    parameters)."""
    image = keras.Input(input_shape, name="image")
    return keras.Model(image, _conv_discriminator_body(image, filters, kernel_size, dropout, minibatch_std), name=name)


def build_wgan_generator(latent_dim=LATENT_DIM, filters=(128, 64, 32), kernel_size=5, name="wgan_generator"):
    """The DCGAN generator at half width (909,472 parameters) for the WGANs of 04_wgan.ipynb.

    A WGAN runs a generator forward pass in each of its 5 critic steps, so the generator
    dominates the cost; half the filters make it about 4x cheaper. BatchNorm stays: only
    the critic must not use it.
    """
    return build_dcgan_generator(latent_dim, filters, kernel_size, name=name)


def build_critic(input_shape=IMAGE_SHAPE, filters=(64, 128), kernel_size=5, spectral_norm=False,
                 spectral_norm_dense=False, name="critic"):
    """WGAN critic: the DCGAN discriminator without dropout; no sigmoid, no BatchNorm
    (a gradient penalty is per sample, BatchNorm mixes samples). 04_wgan.ipynb.

    ``spectral_norm`` wraps each convolution in ``keras.layers.SpectralNormalization``;
    ``spectral_norm_dense`` wraps the final Dense score layer as well (then every weight layer is
    normalised, as in Miyato et al. 2018). Both off by default."""
    image = keras.Input(input_shape, name="image")
    x = image
    for f in filters:
        conv = layers.Conv2D(f, kernel_size, strides=2, padding="same")
        x = layers.LeakyReLU()((layers.SpectralNormalization(conv) if spectral_norm else conv)(x))
    x = layers.Flatten()(x)
    if spectral_norm_dense:
        # float32 wrapper: it casts its output to its input's dtype, so the input must be float32 too
        score = layers.SpectralNormalization(layers.Dense(1, dtype="float32"), dtype="float32", name="score")(x)
    else:
        score = layers.Dense(1, dtype="float32", name="score")(x)
    return keras.Model(image, score, name=name)


def build_conditional_generator(latent_dim=LATENT_DIM, num_classes=NUM_CLASSES, embedding_dim=50,
                                filters=(128, 64, 32), kernel_size=5, name="conditional_generator"):
    """cGAN generator: [z, label] -> concat(z, Embedding(label)) -> DCGAN generator body."""
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    x = layers.Concatenate()([z, layers.Embedding(num_classes, embedding_dim)(label)])
    return keras.Model([z, label], _dcgan_generator_body(x, filters, kernel_size), name=name)


def build_conditional_discriminator(input_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, filters=(64, 128),
                                    kernel_size=5, dropout=0.3, auxiliary_classifier=True,
                                    name="conditional_discriminator"):
    """cGAN discriminator D(x, y) with a projection head (Miyato & Koyama, 2018): the DCGAN discriminator's
    convolutions give features phi(x), and the logit is w·phi(x) + b + e_y·phi(x) with e_y a learned vector
    per digit, so a digit scores high only together with its own label.

    With ``auxiliary_classifier`` (AC-GAN, Odena et al., 2017) it has a second output, class logits
    c(x) = V·phi(x), trained to recognise the digit (see ``conditional.AuxiliaryClassifierSteps``).
    05_conditional_gan.ipynb.
    """
    image = keras.Input(input_shape, name="image")
    label = keras.Input((), dtype="int32", name="label")
    x = image
    for f in filters:
        x = layers.LeakyReLU()(layers.Conv2D(f, kernel_size, strides=2, padding="same")(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    features = layers.Activation("linear", dtype="float32", name="features")(layers.Flatten()(x))
    unconditional = layers.Dense(1, dtype="float32", name="unconditional_logit")(features)
    label_vector = layers.Embedding(num_classes, features.shape[-1], dtype="float32", name="label_projection")(label)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([features, label_vector])
    logit = layers.Add(dtype="float32", name="logit")([unconditional, projection])
    if auxiliary_classifier:
        return keras.Model([image, label], [logit, layers.Dense(num_classes, dtype="float32", name="class_logits")(features)], name=name)
    return keras.Model([image, label], logit, name=name)


def is_conditional(model):
    """True if ``model`` takes a label as second input (cGAN): its stored kind (``kinds.model_kind``), or for a
    model that carries none (a discriminator, a network built by hand) its two inputs."""
    return model_kind(model)["kind"] == "conditional"


GAN_BUILDERS = {
    "mlp": (build_mlp_generator, build_mlp_discriminator),
    "dcgan": (build_dcgan_generator, build_dcgan_discriminator),
    "wgan": (build_wgan_generator, build_critic),
    "wgan-gp": (build_wgan_generator, build_critic),
    "cgan": (build_conditional_generator, build_conditional_discriminator),
}


def build_gan(name, fused=True, discriminator_options=None):
    """Return ``(generator, discriminator)`` for a model name of the command line.

    ``fused=True`` swaps BatchNormalization and Dropout for the faster classes of ``gan_utils.core.fast``
    (same math, same weights); ``False`` keeps plain Keras layers. ``discriminator_options``: keyword arguments
    of the discriminator's builder (a recipe's variant, e.g. ``{"dropout": 0.0, "minibatch_std": True}``)."""
    if name not in GAN_BUILDERS:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(GAN_BUILDERS)}.")
    make_g, make_d = GAN_BUILDERS[name]
    generator, discriminator = make_g(), make_d(**(discriminator_options or {}))
    if fused:
        generator, discriminator = with_fused_layers(generator), with_fused_layers(discriminator)
    return generator, discriminator
